//! What a shop export writes for each product: its tags (as the user corrected them, plus the
//! model's predicted tags the user did not remove), its lookalikes' product keys and a colour
//! from its tags. The window and `vitrine export shop` both build them here.

use std::collections::HashMap;

use super::TagRecord;
use crate::catalogue::shop::attr;
use crate::catalogue::shop::export::ProductResult;
use crate::catalogue::Catalogue;
use crate::lookalike::Match;

/// Colour words a tag may be; the first such tag is a feed's colour where the shop has none.
const COLOUR_WORDS: [&str; 24] = [
    "black",
    "white",
    "grey",
    "gray",
    "red",
    "blue",
    "navy",
    "green",
    "yellow",
    "orange",
    "pink",
    "purple",
    "brown",
    "beige",
    "cream",
    "khaki",
    "burgundy",
    "olive",
    "teal",
    "turquoise",
    "silver",
    "gold",
    "ivory",
    "camel",
];

/// The tags exported for one item: its corrected tags, then the predicted tags the user did
/// not remove.
pub fn exported_tags(record: &TagRecord) -> Vec<String> {
    let mut tags = record.corrected_tags.clone();
    for predicted in &record.predicted {
        if !record.removed_by_user.contains(&predicted.tag) && !tags.contains(&predicted.tag) {
            tags.push(predicted.tag.clone());
        }
    }
    tags
}

/// Every product's results by product key; `records` and `lookalikes` are by item index.
pub fn product_results(
    catalogue: &Catalogue,
    records: &[TagRecord],
    lookalikes: &[Vec<Match>],
) -> HashMap<String, ProductResult> {
    let key_of = |i: usize| {
        catalogue
            .items
            .get(i)
            .and_then(|item| item.attributes.get(attr::KEY))
            .cloned()
    };
    let mut results = HashMap::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        let Some(key) = key_of(i) else {
            continue;
        };
        let tags = exported_tags(record);
        let colour = tags
            .iter()
            .find(|t| COLOUR_WORDS.contains(&t.to_lowercase().as_str()))
            .cloned();
        let lookalikes = lookalikes
            .get(i)
            .map(|found| found.iter().filter_map(|m| key_of(m.index)).collect())
            .unwrap_or_default();
        results.insert(
            key,
            ProductResult {
                tags,
                lookalikes,
                colour,
            },
        );
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::split::SplitRole;
    use crate::review::TagProbability;

    #[test]
    fn corrections_decide_and_predictions_fill_in() {
        let record = TagRecord {
            id: "a".into(),
            split: SplitRole::Outside,
            description_tags: vec!["dress".into(), "red".into()],
            corrected_tags: vec!["dress".into(), "wrap".into()],
            checked_by_user: true,
            added_by_user: vec!["wrap".into()],
            removed_by_user: vec!["red".into()],
            predicted: ["red", "belt", "dress"]
                .iter()
                .map(|t| TagProbability {
                    tag: t.to_string(),
                    probability: 0.9,
                })
                .collect(),
            probabilities: Default::default(),
        };
        assert_eq!(exported_tags(&record), ["dress", "wrap", "belt"]);
    }
}
