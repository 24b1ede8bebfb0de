//! The *Review* ranking: the items whose predictions and tags disagree most come first, so the
//! corrections that teach the model most are made first.
//!
//! An item's disagreement is the sum over the model's tags of `|p - y|`, `p` being the model's
//! probability and `y` the item's target after the user's corrections (1 or 0). The order:
//! 1. items the user has not checked yet before those already checked;
//! 2. items the model did not learn from (validation, or outside its split) before training
//!    items, whose predictions are partly memorised and look better than they are;
//! 3. larger disagreement first; ties by catalogue order.
//!
//! Items without a prediction (photo unusable, no model) are not listed.

use super::TagSources;
use crate::engine::split::SplitRole;

/// Tags named per entry as the worst disagreements.
const WORST_TAGS: usize = 3;

/// One item of the Review list.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewEntry {
    /// The item's index in the catalogue.
    pub item: usize,
    /// Sum over tags of |probability - target|.
    pub disagreement: f32,
    /// Its role in the model's split.
    pub role: SplitRole,
    /// True when the user has corrected any of its tags.
    pub checked: bool,
    /// The tags that disagree most: name, probability, and whether the item has the tag.
    pub worst: Vec<(String, f32, bool)>,
}

/// The items ranked for review (see the module documentation); empty without predictions.
pub fn rank(sources: &TagSources) -> Vec<ReviewEntry> {
    let Some(predictions) = sources.predictions else {
        return Vec::new();
    };
    let names = &predictions.vocabulary;
    let mut entries: Vec<ReviewEntry> = (0..sources.catalogue.items.len())
        .filter_map(|item| {
            let probs = predictions.probabilities.get(item)?.as_ref()?;
            let targets = sources.targets_in(item, names);
            let mut gaps: Vec<(String, f32, bool)> = names
                .iter()
                .zip(probs)
                .zip(&targets)
                .map(|((n, &p), &y)| (n.clone(), p, y > 0.5))
                .collect();
            let gap = |(_, p, has): &(String, f32, bool)| (p - if *has { 1.0 } else { 0.0 }).abs();
            let disagreement = gaps.iter().map(gap).sum();
            gaps.sort_by(|a, b| gap(b).total_cmp(&gap(a)));
            gaps.truncate(WORST_TAGS);
            let id = &sources.catalogue.items[item].id;
            Some(ReviewEntry {
                item,
                disagreement,
                role: sources.role(item),
                checked: sources.corrections.has_item(id),
                worst: gaps,
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        a.checked
            .cmp(&b.checked)
            .then_with(|| (a.role == SplitRole::Train).cmp(&(b.role == SplitRole::Train)))
            .then_with(|| b.disagreement.total_cmp(&a.disagreement))
            .then_with(|| a.item.cmp(&b.item))
    });
    entries
}
