//! What the user checks and takes away: every item's tags from its description, from the
//! user's corrections and from the model in use, side by side ([`TagRecord`]); the *Review*
//! ranking of the items whose predictions and tags disagree most ([`rank`]); and the tags
//! export ([`export`]). The window and `vitrine export tags` build both from the same
//! [`TagSources`], so a file agrees with what the window shows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::engine::corrections::Corrections;
use crate::engine::protocol::ItemPredictions;
use crate::engine::split::{ItemSplit, SplitRole};

pub mod export;
mod rank;
pub mod shop;

pub use rank::{rank, ReviewEntry};

/// Everything known about a catalogue's tags.
#[derive(Clone, Copy)]
pub struct TagSources<'a> {
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The catalogue's tag vocabulary (empty for a catalogue without descriptions).
    pub vocabulary: &'a [String],
    /// Each item's tags from its description.
    pub described: &'a [Vec<String>],
    /// The user's corrections.
    pub corrections: &'a Corrections,
    /// The model in use's tag probabilities of every item, with its thresholds.
    pub predictions: Option<&'a ItemPredictions>,
    /// The model in use's split.
    pub split: Option<&'a ItemSplit>,
}

impl TagSources<'_> {
    /// The tags an item can be corrected with: the catalogue's vocabulary, or the model's when
    /// the catalogue has none (a folder of photos).
    pub fn tag_names(&self) -> &[String] {
        match self.predictions {
            Some(p) if self.vocabulary.is_empty() => &p.vocabulary,
            _ => self.vocabulary,
        }
    }

    /// The item's role in the model's split.
    pub fn role(&self, item: usize) -> SplitRole {
        self.split.map_or(SplitRole::Outside, |s| s.role(item))
    }

    /// The item's tags after the user's corrections, in vocabulary order.
    pub fn corrected_tags(&self, item: usize) -> Vec<String> {
        let (Some(it), Some(described)) =
            (self.catalogue.items.get(item), self.described.get(item))
        else {
            return Vec::new();
        };
        self.corrections
            .corrected_tags(&it.id, described, self.tag_names())
    }

    /// The item's multi-hot targets after corrections, in the order of `names`.
    pub fn targets_in(&self, item: usize, names: &[String]) -> Vec<f32> {
        let tags = self.corrected_tags(item);
        names
            .iter()
            .map(|n| if tags.contains(n) { 1.0 } else { 0.0 })
            .collect()
    }

    /// Everything about one item's tags.
    pub fn record(&self, item: usize) -> Option<TagRecord> {
        let it = self.catalogue.items.get(item)?;
        let described = self.described.get(item).cloned().unwrap_or_default();
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for (tag, &has) in self.corrections.of_item(&it.id).into_iter().flatten() {
            if !self.tag_names().contains(tag) {
                continue;
            }
            match (has, described.contains(tag)) {
                (true, false) => added.push(tag.clone()),
                (false, true) => removed.push(tag.clone()),
                _ => {}
            }
        }
        let all = self
            .predictions
            .map(|p| p.tags_of(item))
            .unwrap_or_default();
        Some(TagRecord {
            id: it.id.clone(),
            split: self.role(item),
            corrected_tags: self.corrected_tags(item),
            checked_by_user: self.corrections.has_item(&it.id),
            description_tags: described,
            added_by_user: added,
            removed_by_user: removed,
            predicted: all
                .iter()
                .filter(|t| t.predicted)
                .map(|t| TagProbability {
                    tag: t.name.clone(),
                    probability: t.probability,
                })
                .collect(),
            probabilities: all.into_iter().map(|t| (t.name, t.probability)).collect(),
        })
    }

    /// The records of every item, in catalogue order.
    pub fn records(&self) -> Vec<TagRecord> {
        (0..self.catalogue.items.len())
            .filter_map(|i| self.record(i))
            .collect()
    }
}

/// A tag with the model's probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagProbability {
    /// The tag.
    pub tag: String,
    /// The model's probability, in [0, 1].
    pub probability: f32,
}

/// One item's tags from every source, as exported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagRecord {
    /// The item's catalogue id.
    pub id: String,
    /// Its role in the model's split (`train`, `validation`, `none`).
    #[serde(with = "role_name")]
    pub split: SplitRole,
    /// Tags from its description, in vocabulary order.
    pub description_tags: Vec<String>,
    /// Its tags after the user's corrections, in vocabulary order (what the next training run
    /// learns).
    pub corrected_tags: Vec<String>,
    /// True when the user corrected any of its tags.
    pub checked_by_user: bool,
    /// Tags the user added (or accepted from the predictions).
    pub added_by_user: Vec<String>,
    /// Tags of its description the user removed.
    pub removed_by_user: Vec<String>,
    /// Tags the model predicts (probability at its threshold or above), most probable first.
    pub predicted: Vec<TagProbability>,
    /// The model's probability of every vocabulary tag (empty without a model).
    pub probabilities: BTreeMap<String, f32>,
}

/// The split role as its word in files.
mod role_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::engine::split::SplitRole;

    pub fn serialize<S: Serializer>(role: &SplitRole, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(role.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SplitRole, D::Error> {
        let word = String::deserialize(d)?;
        match word.as_str() {
            "train" => Ok(SplitRole::Train),
            "validation" => Ok(SplitRole::Validation),
            "none" => Ok(SplitRole::Outside),
            other => Err(serde::de::Error::custom(format!(
                "unknown split \"{other}\" (train, validation or none)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
