//! What the window derives from a new catalogue's items for the search box and the tag chips:
//! every item's lowercase search words and each tag's number of items. For a large catalogue
//! this is a pass over every description (about 0.2 s at 100,000 items), so the window has it
//! made on the "vitrine-search-text" thread and takes the result, as one `Arc`, in a later
//! frame; until then an item's words are made on the fly when a search needs them.

use std::sync::Arc;

use crossbeam_channel::Receiver;

use crate::catalogue::Item;
use crate::engine::protocol::CatalogueTags;
use crate::ui::Repaint;

/// The search words and tag counts of one catalogue.
#[derive(Debug, Default)]
pub struct SearchIndex {
    /// Lowercase words searched by the search box, per item.
    pub text: Vec<String>,
    /// Each vocabulary tag with its number of items, most frequent first.
    pub tag_counts: Vec<(String, usize)>,
}

impl SearchIndex {
    /// Derives both from the catalogue's items and true tags (on the calling thread).
    pub fn build(tags: &CatalogueTags) -> Self {
        let items = &tags.catalogue.items;
        let text = items
            .iter()
            .enumerate()
            .map(|(i, item)| item_text(item, tags.item_tags.get(i).map_or(&[], Vec::as_slice)))
            .collect();
        Self {
            text,
            tag_counts: tag_counts(tags),
        }
    }
}

/// One item's lowercase search words: description, attribute values, true tags and id.
pub fn item_text(item: &Item, tags: &[String]) -> String {
    let mut text = item.description.to_lowercase();
    for value in item.attributes.values() {
        text.push(' ');
        text.push_str(&value.to_lowercase());
    }
    for tag in tags {
        text.push(' ');
        text.push_str(&tag.to_lowercase());
    }
    text.push(' ');
    text.push_str(&item.id.to_lowercase());
    text
}

/// Each vocabulary tag with its number of items, most frequent first (ties by name).
fn tag_counts(tags: &CatalogueTags) -> Vec<(String, usize)> {
    let position: std::collections::HashMap<&str, usize> = tags
        .vocabulary
        .iter()
        .enumerate()
        .map(|(t, name)| (name.as_str(), t))
        .collect();
    let mut counts = vec![0usize; tags.vocabulary.len()];
    for tag in tags.item_tags.iter().flatten() {
        if let Some(&t) = position.get(tag.as_str()) {
            counts[t] += 1;
        }
    }
    let mut tag_counts: Vec<(String, usize)> =
        tags.vocabulary.iter().cloned().zip(counts).collect();
    tag_counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    tag_counts
}

/// A [`SearchIndex`] being made on its own thread.
#[derive(Debug)]
pub struct PendingSearch(Receiver<Arc<SearchIndex>>);

impl PendingSearch {
    /// Starts making the index of `tags` on the "vitrine-search-text" thread (asking for a
    /// repaint when done); `None` when the thread cannot start (the caller builds it itself).
    pub fn start(tags: Arc<CatalogueTags>, repaint: Repaint) -> Option<Self> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let spawned = std::thread::Builder::new()
            .name("vitrine-search-text".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let index = Arc::new(SearchIndex::build(&tags));
                log::debug!(
                    "search words of {} items made in {:.0} ms",
                    index.text.len(),
                    started.elapsed().as_secs_f64() * 1e3
                );
                if tx.send(index).is_err() {
                    log::debug!("search words made for a catalogue that is no longer open");
                }
                repaint.request();
                crate::memory::release_freed();
            });
        match spawned {
            Ok(_) => Some(Self(rx)),
            Err(e) => {
                log::warn!("the search-words thread could not start ({e}); made in the window");
                None
            }
        }
    }

    /// The index once made (`None` while it is being made, or if its thread died).
    pub fn try_take(&self) -> Option<Arc<SearchIndex>> {
        self.0.try_recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, CatalogueFormat, ImportReport};
    use crate::ui::view::CatalogueView;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn tags() -> Arc<CatalogueTags> {
        let items = ["Red Dress", "blue jeans", "red skirt"]
            .iter()
            .enumerate()
            .map(|(i, d)| Item {
                id: format!("Item{i}.jpg"),
                image_path: PathBuf::from(format!("/x/{i}.jpg")),
                description: d.to_string(),
                attributes: BTreeMap::from([("colour".to_string(), "Crimson".to_string())]),
                extra_images: Vec::new(),
            })
            .collect();
        Arc::new(CatalogueTags {
            catalogue: Arc::new(Catalogue {
                name: "t".into(),
                source: PathBuf::from("/x"),
                format: CatalogueFormat::Csv,
                items,
                report: ImportReport::default(),
            }),
            vocabulary: vec!["dress".into(), "red".into()],
            item_tags: vec![
                vec!["red".into(), "dress".into()],
                vec![],
                vec!["red".into()],
            ],
            trainable_items: 2,
        })
    }

    #[test]
    fn search_words_and_counts_come_from_every_field() {
        let index = SearchIndex::build(&tags());
        assert_eq!(index.text[0], "red dress crimson red dress item0.jpg");
        assert_eq!(
            index.tag_counts,
            vec![("red".to_string(), 2), ("dress".to_string(), 1)]
        );
    }

    #[test]
    fn the_background_view_finds_what_the_immediate_one_finds() {
        let now = CatalogueView::new(tags());
        let mut later = CatalogueView::new_in_background(tags(), Repaint::default());
        let words = vec!["red".to_string()];
        // Before the words arrive, each item's are made on the fly: same answers.
        let found = |v: &CatalogueView| (0..3).filter(|&i| v.matches(i, &words, &[])).count();
        assert_eq!(found(&later), found(&now));
        let generation = later.generation;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !later.poll_search() {
            assert!(std::time::Instant::now() < deadline, "no search words");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(later.generation > generation, "the grid filters again");
        assert_eq!(later.tag_counts, now.tag_counts);
        assert_eq!(found(&later), 2);
        assert!(!later.poll_search());
    }
}
