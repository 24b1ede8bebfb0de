//! The open catalogue as the window sees it: items, their true and predicted tags, and the
//! embedding index behind "lookalikes". Plain data, no drawing.

use std::sync::Arc;

use crate::catalogue::Catalogue;
use crate::index::{EmbeddingIndex, Neighbour, LOOKALIKES};
use crate::engine::worker::PredictedTag;
use crate::vision::BackboneKind;

/// Tag probabilities of every item from the current model.
#[derive(Clone, Debug, Default)]
pub struct ItemPredictions {
    /// Output tags in order.
    pub vocabulary: Vec<String>,
    /// Per-tag decision thresholds.
    pub thresholds: Vec<f32>,
    /// One row per item (None where the photo could not be used).
    pub probabilities: Vec<Option<Vec<f32>>>,
}

impl ItemPredictions {
    /// The item's tags, most probable first (empty when it has no prediction).
    pub fn tags_of(&self, item: usize) -> Vec<PredictedTag> {
        let Some(Some(probs)) = self.probabilities.get(item) else {
            return Vec::new();
        };
        let mut tags: Vec<PredictedTag> = self
            .vocabulary
            .iter()
            .zip(probs)
            .enumerate()
            .map(|(t, (name, &probability))| PredictedTag {
                name: name.clone(),
                probability,
                predicted: probability >= self.thresholds.get(t).copied().unwrap_or(0.5),
            })
            .collect();
        tags.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        tags
    }

    /// True when the model predicts `tag` for the item.
    pub fn predicts(&self, item: usize, tag: &str) -> bool {
        let Some(t) = self.vocabulary.iter().position(|v| v == tag) else {
            return false;
        };
        let threshold = self.thresholds.get(t).copied().unwrap_or(0.5);
        self.probabilities
            .get(item)
            .and_then(Option::as_ref)
            .and_then(|p| p.get(t))
            .is_some_and(|&p| p >= threshold)
    }
}

/// The lookalike index of the catalogue.
#[derive(Clone, Debug)]
pub struct Embeddings {
    /// Unit vectors, one per item (zero where the photo could not be used).
    pub index: EmbeddingIndex,
    /// Which items have a real vector.
    pub has_vector: Vec<bool>,
    /// The network that computed them.
    pub backbone: BackboneKind,
}

impl Embeddings {
    /// The item's closest lookalikes (at most [`LOOKALIKES`]), best first; empty when the
    /// item's photo could not be used.
    pub fn lookalikes(&self, item: usize) -> Vec<Neighbour> {
        if !self.has_vector.get(item).copied().unwrap_or(false) {
            return Vec::new();
        }
        // Items without a vector are zero and may tie in; ask for enough to skip them.
        let missing = self.has_vector.iter().filter(|h| !**h).count();
        self.index
            .nearest_to_item(item, LOOKALIKES + missing.min(64))
            .into_iter()
            .filter(|n| self.has_vector.get(n.index).copied().unwrap_or(false))
            .take(LOOKALIKES)
            .collect()
    }
}

/// The open catalogue with everything the worker derived from it.
pub struct CatalogueView {
    /// The catalogue.
    pub catalogue: Catalogue,
    /// The tag vocabulary learned from the descriptions.
    pub vocabulary: Vec<String>,
    /// Each item's true tags.
    pub item_tags: Vec<Vec<String>>,
    /// Items with at least one tag.
    pub trainable_items: usize,
    /// Each vocabulary tag with its number of items, most frequent first.
    pub tag_counts: Vec<(String, usize)>,
    /// Lowercase words searched by the search box, per item.
    search_text: Vec<String>,
    /// Predicted tags, once a model exists.
    pub predictions: Option<ItemPredictions>,
    /// Lookalike index, once embeddings are computed (shared with the search thread).
    pub embeddings: Option<Arc<Embeddings>>,
    /// Changes whenever something the grid filters on changes.
    pub generation: u64,
}

impl CatalogueView {
    /// The view of a catalogue the worker has just taken.
    pub fn new(
        catalogue: Catalogue,
        vocabulary: Vec<String>,
        item_tags: Vec<Vec<String>>,
        trainable_items: usize,
    ) -> Self {
        let mut counts = vec![0usize; vocabulary.len()];
        for tags in &item_tags {
            for tag in tags {
                if let Some(t) = vocabulary.iter().position(|v| v == tag) {
                    counts[t] += 1;
                }
            }
        }
        let mut tag_counts: Vec<(String, usize)> = vocabulary.iter().cloned().zip(counts).collect();
        tag_counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let search_text = catalogue
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let mut text = item.description.to_lowercase();
                for value in item.attributes.values() {
                    text.push(' ');
                    text.push_str(&value.to_lowercase());
                }
                for tag in item_tags.get(i).into_iter().flatten() {
                    text.push(' ');
                    text.push_str(&tag.to_lowercase());
                }
                text.push(' ');
                text.push_str(&item.id.to_lowercase());
                text
            })
            .collect();
        Self {
            catalogue,
            vocabulary,
            item_tags,
            trainable_items,
            tag_counts,
            search_text,
            predictions: None,
            embeddings: None,
            generation: 0,
        }
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
        let Some(text) = self.search_text.get(item) else {
            return false;
        };
        if !words.iter().all(|w| text.contains(w.as_str())) {
            return false;
        }
        tags.iter().all(|tag| {
            self.item_tags
                .get(item)
                .is_some_and(|t| t.iter().any(|x| x == tag))
                || self
                    .predictions
                    .as_ref()
                    .is_some_and(|p| p.predicts(item, tag))
        })
    }

    /// Takes the worker's embeddings (ignored if they do not fit the catalogue).
    pub fn set_embeddings(&mut self, backbone: BackboneKind, vectors: &[Option<Vec<f32>>]) -> bool {
        if vectors.len() != self.len() {
            return false;
        }
        let dim = vectors.iter().flatten().map(Vec::len).next().unwrap_or(0);
        // Vectors of another length cannot be compared: treat them as missing.
        let usable: Vec<Option<Vec<f32>>> = vectors
            .iter()
            .map(|v| v.clone().filter(|v| v.len() == dim))
            .collect();
        let has_vector = usable.iter().map(Option::is_some).collect();
        // Centred like the engine's own searches, so the window and `vitrine similar` agree.
        let index = EmbeddingIndex::centered(&usable);
        self.embeddings = Some(Arc::new(Embeddings {
            index,
            has_vector,
            backbone,
        }));
        true
    }

    /// Takes the worker's tag probabilities (ignored if they do not fit the catalogue).
    pub fn set_predictions(&mut self, predictions: ItemPredictions) -> bool {
        if predictions.probabilities.len() != self.len() {
            return false;
        }
        self.predictions = Some(predictions);
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
        self.item_tags.get(item).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{CatalogueFormat, ImportReport, Item};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn view() -> CatalogueView {
        let items = (0..4)
            .map(|i| Item {
                id: format!("{i}.jpg"),
                image_path: PathBuf::from(format!("/x/{i}.jpg")),
                description: ["Red dress", "Blue jeans", "Red skirt", ""][i].to_string(),
                attributes: BTreeMap::new(),
            })
            .collect();
        let catalogue = Catalogue {
            name: "t".into(),
            source: PathBuf::from("/x"),
            format: CatalogueFormat::Csv,
            items,
            report: ImportReport::default(),
        };
        CatalogueView::new(
            catalogue,
            vec!["red".into(), "dress".into()],
            vec![
                vec!["red".into(), "dress".into()],
                vec![],
                vec!["red".into()],
                vec![],
            ],
            2,
        )
    }

    #[test]
    fn search_words_and_tags_filter_items() {
        let mut v = view();
        assert_eq!(v.tag_counts[0], ("red".to_string(), 2));
        let red: Vec<usize> = (0..4)
            .filter(|&i| v.matches(i, &["red".into()], &[]))
            .collect();
        assert_eq!(red, vec![0, 2]);
        let dress: Vec<usize> = (0..4).filter(|&i| v.matches(i, &[], &["dress"])).collect();
        assert_eq!(dress, vec![0]);
        v.set_predictions(ItemPredictions {
            vocabulary: vec!["red".into(), "dress".into()],
            thresholds: vec![0.5, 0.5],
            probabilities: vec![None, Some(vec![0.1, 0.9]), None, None],
        });
        let dress: Vec<usize> = (0..4).filter(|&i| v.matches(i, &[], &["dress"])).collect();
        assert_eq!(dress, vec![0, 1]);
        assert_eq!(v.predictions.as_ref().unwrap().tags_of(1)[0].name, "dress");
    }

    #[test]
    fn lookalikes_skip_items_without_vectors() {
        let mut v = view();
        assert!(v.lookalikes(0).is_empty());
        let vectors = vec![
            Some(vec![1.0, 0.0]),
            Some(vec![0.9, 0.1]),
            None,
            Some(vec![0.0, 1.0]),
        ];
        assert!(v.set_embeddings(BackboneKind::EfficientNetLite0, &vectors));
        let found: Vec<usize> = v.lookalikes(0).iter().map(|n| n.index).collect();
        assert_eq!(found, vec![1, 3]);
        assert!(v.lookalikes(2).is_empty());
        assert!(!v.set_embeddings(BackboneKind::EfficientNetLite0, &vectors[..2]));
    }
}
