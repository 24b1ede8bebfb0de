//! The open catalogue as the window sees it: items, their true and predicted tags, and the
//! embedding index behind "lookalikes". Plain data, no drawing.

use std::sync::Arc;

use crate::catalogue::Catalogue;
use crate::engine::corrections::Corrections;
use crate::engine::protocol::{CatalogueEmbeddings, CatalogueTags, ItemPredictions};
use crate::engine::split::{ItemSplit, SplitRole};
use crate::index::Neighbour;
use crate::review::TagSources;
use crate::ui::search_text::{item_text, PendingSearch, SearchIndex};
use crate::ui::Repaint;

/// The open catalogue with everything the worker derived from it.
pub struct CatalogueView {
    /// The catalogue (shared with the worker).
    pub catalogue: Arc<Catalogue>,
    /// The vocabulary and each item's true tags, as the worker derived them (shared).
    pub tags: Arc<CatalogueTags>,
    /// Each vocabulary tag with its number of items, most frequent first (empty while the
    /// search index is being made).
    pub tag_counts: Vec<(String, usize)>,
    /// Lowercase words searched by the search box, per item (shared with the thread that
    /// made them); `None` while they are being made.
    search: Option<Arc<SearchIndex>>,
    /// The search index being made off the window's thread.
    pending_search: Option<PendingSearch>,
    /// Predicted tags, once a model exists (shared with the worker).
    pub predictions: Option<Arc<ItemPredictions>>,
    /// Lookalike index, once embeddings are computed (shared with the worker and the search
    /// thread).
    pub embeddings: Option<Arc<CatalogueEmbeddings>>,
    /// Changes whenever something the grid filters on changes.
    pub generation: u64,
    /// The user's tag corrections (saved in the catalogue's sidecar file).
    pub corrections: Corrections,
    /// Which items the model in use trained and was validated on, once a model is in use.
    pub split: Option<ItemSplit>,
    /// Per item, the words search finds besides `search_text`: its predicted tags and the
    /// tags the user added (rebuilt when they change, never per frame).
    extra_search_text: Vec<String>,
}

impl CatalogueView {
    /// The view of a catalogue the worker has just taken, its search words made at once on
    /// this thread (see [`Self::new_in_background`] for the window).
    pub fn new(ready: Arc<CatalogueTags>) -> Self {
        let search = Arc::new(SearchIndex::build(&ready));
        let mut view = Self::empty(ready);
        view.take_search(search);
        view
    }

    /// The view of a catalogue the worker has just taken; its search words and tag counts
    /// are made on their own thread ([`Self::poll_search`] takes them), so a large catalogue
    /// never stalls a frame.
    pub fn new_in_background(ready: Arc<CatalogueTags>, repaint: Repaint) -> Self {
        match PendingSearch::start(ready.clone(), repaint) {
            Some(pending) => {
                let mut view = Self::empty(ready);
                view.pending_search = Some(pending);
                view
            }
            None => Self::new(ready),
        }
    }

    fn empty(ready: Arc<CatalogueTags>) -> Self {
        Self {
            catalogue: ready.catalogue.clone(),
            tags: ready,
            tag_counts: Vec::new(),
            search: None,
            pending_search: None,
            predictions: None,
            embeddings: None,
            generation: 0,
            corrections: Corrections::default(),
            split: None,
            extra_search_text: Vec::new(),
        }
    }

    /// Takes the search index once its thread made it; true when it arrived now.
    pub fn poll_search(&mut self) -> bool {
        let Some(search) = self
            .pending_search
            .as_ref()
            .and_then(PendingSearch::try_take)
        else {
            return false;
        };
        self.pending_search = None;
        self.take_search(search);
        true
    }

    fn take_search(&mut self, search: Arc<SearchIndex>) {
        // A catalogue without descriptions counts predicted tags instead (set with them).
        if !self.tags.vocabulary.is_empty() {
            self.tag_counts = search.tag_counts.clone();
        }
        self.search = Some(search);
        self.generation += 1;
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.catalogue.items.len()
    }

    /// True when the catalogue has no items.
    pub fn is_empty(&self) -> bool {
        self.catalogue.items.is_empty()
    }

    /// A short caption for an item: its category (if the catalogue has one), else the start of
    /// its description, else its file name.
    pub fn caption(&self, item: usize) -> String {
        let Some(it) = self.catalogue.items.get(item) else {
            return String::new();
        };
        let category = it
            .attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("category"))
            .map(|(_, v)| v.as_str());
        match category {
            Some(c) if !c.is_empty() => c.to_string(),
            _ if it.has_description() => {
                let words: Vec<&str> = it.description.split_whitespace().take(6).collect();
                words.join(" ")
            }
            _ => it
                .image_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| it.id.clone()),
        }
    }

    /// True when the item contains every word of `words` (lowercase) in its description, tags,
    /// attributes or file name, and has every tag of `tags` (described or predicted).
    pub fn matches(&self, item: usize, words: &[String], tags: &[&str]) -> bool {
        if item >= self.len() {
            return false;
        }
        if !words.is_empty() {
            // While the search words are being made, this item's are made now.
            let made;
            let text = match &self.search {
                Some(search) => search.text.get(item).map_or("", String::as_str),
                None => {
                    made = item_text(&self.catalogue.items[item], self.true_tags(item));
                    made.as_str()
                }
            };
            let extra = self.extra_search_text.get(item).map_or("", String::as_str);
            if !words
                .iter()
                .all(|w| text.contains(w.as_str()) || extra.contains(w.as_str()))
            {
                return false;
            }
        }
        tags.iter().all(|tag| self.has_tag(item, tag))
    }

    /// True when the item has `tag`: as the user corrected it, else from its description or
    /// the model's prediction.
    pub fn has_tag(&self, item: usize, tag: &str) -> bool {
        let id = self.catalogue.items.get(item).map_or("", |i| i.id.as_str());
        if let Some(has) = self.corrections.get(id, tag) {
            return has;
        }
        self.tags
            .item_tags
            .get(item)
            .is_some_and(|t| t.iter().any(|x| x == tag))
            || self
                .predictions
                .as_ref()
                .is_some_and(|p| p.predicts(item, tag))
    }

    /// Everything known about the catalogue's tags, for the Review list and the export.
    pub fn tag_sources(&self) -> TagSources<'_> {
        TagSources {
            catalogue: &self.catalogue,
            vocabulary: &self.tags.vocabulary,
            described: &self.tags.item_tags,
            corrections: &self.corrections,
            predictions: self.predictions.as_deref(),
            split: self.split.as_ref(),
        }
    }

    /// Takes the user's corrections (all of them, or after one changed).
    pub fn set_corrections(&mut self, corrections: Corrections) {
        self.corrections = corrections;
        self.rebuild_extra_search_text();
        self.generation += 1;
    }

    /// True when the item is in the validation split of the model in use.
    pub fn is_validation(&self, item: usize) -> bool {
        self.split
            .as_ref()
            .is_some_and(|s| s.role(item) == SplitRole::Validation)
    }

    /// Records (`Some`) or forgets (`None`) one correction of an item; only that item's
    /// searchable words are rebuilt.
    pub fn correct(&mut self, item: usize, tag: &str, value: Option<bool>) {
        let Some(id) = self.catalogue.items.get(item).map(|i| i.id.clone()) else {
            return;
        };
        self.corrections.set(&id, tag, value);
        let text = self.extra_text_of(item);
        if let Some(slot) = self.extra_search_text.get_mut(item) {
            *slot = text;
        }
        self.generation += 1;
    }

    /// Takes the split of the model in use.
    pub fn set_split(&mut self, split: Option<ItemSplit>) {
        self.split = split.filter(|s| s.roles.len() == self.len());
        self.generation += 1;
    }

    /// Predicted tags and tags the user added become searchable words.
    fn rebuild_extra_search_text(&mut self) {
        self.extra_search_text = (0..self.len()).map(|i| self.extra_text_of(i)).collect();
    }

    /// An item's predicted tags and the tags the user added, as searchable words.
    fn extra_text_of(&self, item: usize) -> String {
        let mut text = String::new();
        let mut push = |tag: &str| {
            text.push(' ');
            text.push_str(&tag.to_lowercase());
        };
        if let Some(p) = &self.predictions {
            if let Some(Some(probs)) = p.probabilities.get(item) {
                for (t, (tag, &prob)) in p.vocabulary.iter().zip(probs).enumerate() {
                    if prob >= p.thresholds.get(t).copied().unwrap_or(0.5) {
                        push(tag);
                    }
                }
            }
        }
        let id = self.catalogue.items.get(item).map_or("", |i| i.id.as_str());
        for (tag, &has) in self.corrections.of_item(id).into_iter().flatten() {
            if has {
                push(tag);
            }
        }
        text
    }

    /// For a catalogue without descriptions, the chips count the model's predicted tags.
    fn count_predicted_tags(&mut self) {
        let Some(p) = &self.predictions else {
            return;
        };
        if !self.tags.vocabulary.is_empty() {
            return;
        }
        let mut counts: Vec<(String, usize)> = p
            .vocabulary
            .iter()
            .map(|tag| {
                let n = (0..self.len()).filter(|&i| p.predicts(i, tag)).count();
                (tag.clone(), n)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.tag_counts = counts;
    }

    /// Takes the worker's embeddings (ignored if they do not fit the catalogue).
    pub fn set_embeddings(&mut self, embeddings: Arc<CatalogueEmbeddings>) -> bool {
        if embeddings.index.len() != self.len() {
            return false;
        }
        self.embeddings = Some(embeddings);
        true
    }

    /// Takes the worker's tag probabilities (ignored if they do not fit the catalogue).
    pub fn set_predictions(&mut self, predictions: Arc<ItemPredictions>) -> bool {
        if predictions.probabilities.len() != self.len() {
            return false;
        }
        self.predictions = Some(predictions);
        self.count_predicted_tags();
        self.rebuild_extra_search_text();
        self.generation += 1;
        true
    }

    /// The item's closest lookalikes (at most [`LOOKALIKES`]), best first; empty before the
    /// embeddings are ready or when the item's photo could not be used.
    pub fn lookalikes(&self, item: usize) -> Vec<Neighbour> {
        self.embeddings
            .as_ref()
            .map_or_else(Vec::new, |e| e.lookalikes(item))
    }

    /// The item's true tags (empty if unknown).
    pub fn true_tags(&self, item: usize) -> &[String] {
        self.tags.item_tags.get(item).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests;
