//! The train/validation split: 70/30, shuffled with a fixed seed and remembered with the model.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// Share of items used for training; the rest validate.
pub const TRAIN_FRACTION: f64 = 0.7;
/// Seed used unless the user picks another.
pub const DEFAULT_SEED: u64 = 42;

/// Which catalogue items train and which validate, by item id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Seed the split was drawn with.
    pub seed: u64,
    /// Ids of the training items.
    pub train: Vec<String>,
    /// Ids of the validation items.
    pub validation: Vec<String>,
}

impl Split {
    /// Shuffles `ids` with `seed` and puts the first 70% (rounded) in training. The same ids in
    /// the same order with the same seed always give the same split.
    pub fn new(ids: &[String], seed: u64) -> Self {
        let mut order: Vec<usize> = (0..ids.len()).collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        order.shuffle(&mut rng);
        let n_train = (ids.len() as f64 * TRAIN_FRACTION).round() as usize;
        let pick = |idx: &[usize]| {
            let mut sorted = idx.to_vec();
            sorted.sort_unstable();
            sorted.iter().map(|&i| ids[i].clone()).collect()
        };
        Self {
            seed,
            train: pick(&order[..n_train]),
            validation: pick(&order[n_train..]),
        }
    }

    /// True when every id of the split is among `ids` and every one of `ids` is in the split:
    /// a model is only resumed on the catalogue it was split on.
    pub fn covers_exactly(&self, ids: &[String]) -> bool {
        let mut mine: Vec<&String> = self.train.iter().chain(&self.validation).collect();
        let mut theirs: Vec<&String> = ids.iter().collect();
        mine.sort();
        theirs.sort();
        mine == theirs
    }
}

/// Which part of a model's split an item was in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SplitRole {
    /// The model learned from it.
    Train,
    /// The model was scored on it and never learned from it.
    Validation,
    /// In neither (it had no tags when the model was trained, or it is new).
    Outside,
}

impl SplitRole {
    /// The role in one word, as exports write it: `train`, `validation`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            SplitRole::Train => "train",
            SplitRole::Validation => "validation",
            SplitRole::Outside => "none",
        }
    }
}

/// A split by catalogue item index: the role of every item of the open catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSplit {
    /// Seed the split was drawn with.
    pub seed: u64,
    /// One role per catalogue item, in catalogue order.
    pub roles: Vec<SplitRole>,
}

impl ItemSplit {
    /// The roles of the catalogue items `ids` (in catalogue order) in `split`.
    pub fn of<S: AsRef<str>>(split: &Split, ids: &[S]) -> Self {
        let mut role_of: std::collections::HashMap<&str, SplitRole> =
            std::collections::HashMap::with_capacity(split.train.len() + split.validation.len());
        role_of.extend(split.train.iter().map(|id| (id.as_str(), SplitRole::Train)));
        role_of.extend(
            split
                .validation
                .iter()
                .map(|id| (id.as_str(), SplitRole::Validation)),
        );
        Self {
            seed: split.seed,
            roles: ids
                .iter()
                .map(|id| {
                    role_of
                        .get(id.as_ref())
                        .copied()
                        .unwrap_or(SplitRole::Outside)
                })
                .collect(),
        }
    }

    /// The role of one item ([`SplitRole::Outside`] beyond the catalogue).
    pub fn role(&self, item: usize) -> SplitRole {
        self.roles.get(item).copied().unwrap_or(SplitRole::Outside)
    }

    /// Indices of the items with `role`, in catalogue order.
    pub fn items(&self, role: SplitRole) -> Vec<usize> {
        (0..self.roles.len())
            .filter(|&i| self.roles[i] == role)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventy_thirty_deterministic_and_disjoint() {
        let ids: Vec<String> = (0..240).map(|i| format!("img{i}.jpg")).collect();
        let a = Split::new(&ids, 42);
        let b = Split::new(&ids, 42);
        assert_eq!(a, b);
        assert_eq!(a.train.len(), 168);
        assert_eq!(a.validation.len(), 72);
        assert!(a.train.iter().all(|id| !a.validation.contains(id)));
        assert!(a.covers_exactly(&ids));
        assert_ne!(Split::new(&ids, 7).train, a.train);
        assert!(!a.covers_exactly(&ids[1..]));
    }

    #[test]
    fn item_roles_follow_the_ids() {
        let ids: Vec<String> = (0..10).map(|i| format!("{i}")).collect();
        let split = Split::new(&ids[..8], 1);
        let roles = ItemSplit::of(&split, &ids);
        assert_eq!(roles.items(SplitRole::Train).len(), 6);
        assert_eq!(roles.items(SplitRole::Validation).len(), 2);
        assert_eq!(roles.role(9), SplitRole::Outside);
        assert_eq!(roles.role(99), SplitRole::Outside);
        let first_val = roles.items(SplitRole::Validation)[0];
        assert!(split.validation.contains(&ids[first_val]));
        assert_eq!(SplitRole::Outside.as_str(), "none");
    }
}
