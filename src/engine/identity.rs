//! Which network computed a vector or a prediction.
//!
//! Embeddings are cached on disk under the identity of the network that produced them, so an
//! identity must change whenever the weights do. Only finished weights have a cacheable
//! identity: a network being trained changes at every step, and random weights are never
//! worth keeping.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::vision::{BackboneKind, Precision};

/// The identity of a network's weights.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelIdentity {
    /// Pretrained weights, named by the content hash of their file.
    Pretrained {
        /// The architecture.
        backbone: BackboneKind,
        /// Content hash of the weights file.
        weights_hash: u128,
    },
    /// A backbone changed by fine-tuning, as saved in one checkpoint of a run.
    FineTuned {
        /// The architecture.
        backbone: BackboneKind,
        /// The run folder name.
        run_id: String,
        /// Epochs completed when the checkpoint was taken.
        epoch: usize,
        /// Optimisation steps taken (tells a mid-epoch stop from the epoch's end).
        global_step: usize,
    },
    /// A network whose weights are changing right now; never cached.
    Training {
        /// The architecture.
        backbone: BackboneKind,
        /// The run folder name.
        run_id: String,
    },
    /// Random weights (no pretrained file was found); never cached.
    Random {
        /// The architecture.
        backbone: BackboneKind,
        /// The seed they were drawn with.
        seed: u64,
    },
}

impl ModelIdentity {
    /// The architecture.
    pub fn backbone(&self) -> BackboneKind {
        match self {
            ModelIdentity::Pretrained { backbone, .. }
            | ModelIdentity::FineTuned { backbone, .. }
            | ModelIdentity::Training { backbone, .. }
            | ModelIdentity::Random { backbone, .. } => *backbone,
        }
    }

    /// The name its embeddings are cached under; `None` when they must not be cached.
    pub fn cache_key(&self) -> Option<String> {
        match self {
            ModelIdentity::Pretrained {
                backbone,
                weights_hash,
            } => Some(format!("{backbone}-{weights_hash:032x}")),
            ModelIdentity::FineTuned {
                backbone,
                run_id,
                global_step,
                ..
            } => Some(format!("{backbone}-finetuned-{run_id}-s{global_step}")),
            ModelIdentity::Training { .. } | ModelIdentity::Random { .. } => None,
        }
    }

    /// The name its embeddings computed in `precision` are cached under: f32 vectors under
    /// [`Self::cache_key`] itself, bf16 ones under it with `-bf16` appended, so vectors of
    /// the two precisions never mix in one cache. `None` when they must not be cached.
    pub fn embedding_cache_key(&self, precision: Precision) -> Option<String> {
        let key = self.cache_key()?;
        Some(match precision {
            Precision::F32 => key,
            Precision::Bf16 => format!("{key}-bf16"),
        })
    }

    /// True for pretrained weights.
    pub fn is_pretrained(&self) -> bool {
        matches!(self, ModelIdentity::Pretrained { .. })
    }
}

impl fmt::Display for ModelIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelIdentity::Pretrained { backbone, .. } => write!(f, "pretrained {backbone}"),
            ModelIdentity::FineTuned {
                backbone,
                run_id,
                epoch,
                ..
            } => write!(f, "{backbone} fine-tuned in {run_id} ({epoch} epochs)"),
            ModelIdentity::Training { backbone, run_id } => {
                write!(f, "{backbone} being trained in {run_id}")
            }
            ModelIdentity::Random { backbone, seed } => {
                write!(f, "{backbone} with random weights (seed {seed})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_weights_are_cacheable_and_keys_differ_by_step() {
        let b = BackboneKind::EfficientNetLite0;
        let pretrained = ModelIdentity::Pretrained {
            backbone: b,
            weights_hash: 0xabc,
        };
        assert!(pretrained.cache_key().is_some_and(|k| k.ends_with("abc")));
        let at = |global_step| ModelIdentity::FineTuned {
            backbone: b,
            run_id: "random-run".into(),
            epoch: 3,
            global_step,
        };
        // A stop mid-epoch 4 and the end of epoch 3 both say "3 epochs": the step tells them apart.
        assert_ne!(at(18).cache_key(), at(20).cache_key());
        let training = ModelIdentity::Training {
            backbone: b,
            run_id: "random-run".into(),
        };
        assert_eq!(training.cache_key(), None);
        assert_eq!(
            ModelIdentity::Random {
                backbone: b,
                seed: 1
            }
            .cache_key(),
            None
        );
        // A catalogue or run named "random" is still cacheable.
        assert!(at(18).cache_key().is_some());
    }

    #[test]
    fn precisions_are_cached_apart() {
        let pretrained = ModelIdentity::Pretrained {
            backbone: BackboneKind::EfficientNetLite0,
            weights_hash: 0xabc,
        };
        let f32_key = pretrained.embedding_cache_key(Precision::F32);
        let bf16_key = pretrained.embedding_cache_key(Precision::Bf16);
        // f32 keeps the key vectors were always cached under.
        assert_eq!(f32_key, pretrained.cache_key());
        assert!(bf16_key.is_some());
        assert_ne!(f32_key, bf16_key);
        let training = ModelIdentity::Training {
            backbone: BackboneKind::EfficientNetLite0,
            run_id: "r".into(),
        };
        assert_eq!(training.embedding_cache_key(Precision::Bf16), None);
    }
}
