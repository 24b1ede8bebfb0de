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
}
