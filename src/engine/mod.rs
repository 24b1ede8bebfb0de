//! The learning engine: a background worker that owns the network, computes lookalike
//! embeddings, trains the tag head (or the whole network), evaluates on the validation split,
//! writes checkpoints and tags new photos.
//!
//! The folder reads as the pipeline:
//! - [`protocol`]: the commands and events that cross the worker's channels, and [`reports`]:
//!   the plain data they carry;
//! - [`worker`]: the "vitrine-worker" thread that runs one command at a time;
//! - [`identity`]: which network computed a vector ([`ModelIdentity`]);
//! - [`network`]: backbone + tag head, built pretrained or from a checkpoint;
//! - [`embed`]: the catalogue's embeddings, through the on-disk cache;
//! - [`fit`]: one training run (prepare, step, evaluate, checkpoint); [`eval`] scores it;
//! - [`predict`]: tags and lookalikes of a photo, and every item's tag probabilities;
//! - [`checkpoint`], [`config`], [`data`], [`metrics`], [`split`]: what those stages use;
//! - [`measure`]: throughput measurements for `vitrine bench`.

pub mod calibrate;
pub mod checkpoint;
pub mod config;
pub mod core;
pub mod corrections;
pub mod crossval;
pub mod data;
pub mod embed;
pub mod eval;
pub mod familiar;
pub mod fit;
pub mod identity;
pub mod match_parts;
pub mod measure;
pub mod metrics;
pub mod network;
pub mod options;
pub mod predict;
pub(crate) mod prefetch;
pub mod protocol;
pub mod reports;
pub mod split;
pub mod state;
pub mod vocabulary;
pub mod worker;

pub use config::{TrainConfig, TrainMode};
pub use identity::ModelIdentity;
pub use options::EngineOptions;
pub use protocol::{
    Command, EngineFailure, Event, EventBody, FailureKind, RequestId, RunOutcome, Task,
};
pub use worker::Worker;

use std::path::PathBuf;

use thiserror::Error;

/// Why a training, embedding or prediction request failed, in words a user can act on.
#[derive(Debug, Error)]
pub enum EngineError {
    /// No catalogue has been given to the worker yet.
    #[error("no catalogue is loaded")]
    NoCatalogue,
    /// Tags need descriptions; this catalogue has too few to learn from.
    #[error("{0}")]
    NothingToLearn(String),
    /// Prediction asked for before a model was trained or loaded.
    #[error("no trained model yet: train one or load a checkpoint to get tags")]
    NoModel,
    /// A settings value is out of range.
    #[error("invalid training settings: {0}")]
    InvalidConfig(String),
    /// A checkpoint could not be written or read.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A checkpoint does not fit the open catalogue or the installed weights.
    #[error("{0}")]
    ModelMismatch(String),
    /// The pretrained weights file could not be read.
    #[error("cannot read the weights file {}: {source}", path.display())]
    WeightsUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A checkpoint file could not be read, written or resumed.
    #[error("checkpoint: {0}")]
    CheckpointFile(#[from] checkpoint::CheckpointError),
    /// A photo could not be used, or the weights do not fit the network.
    #[error(transparent)]
    Vision(#[from] crate::vision::VisionError),
    /// libtorch reported an error (out of memory, shape mismatch...).
    #[error("the network failed: {0}")]
    Torch(#[from] tch::TchError),
    /// The embedding cache could not be written.
    #[error(transparent)]
    Cache(#[from] crate::index::cache::CacheError),
    /// The catalogue's vocabulary file could not be written.
    #[error(transparent)]
    VocabularyFile(#[from] crate::text::vocab::store::StoreError),
    /// A number the run depends on (a loss, a photo's features) is not finite: the run stops
    /// rather than learn from it.
    #[error("{0}")]
    NonFinite(String),
}

impl EngineError {
    /// The kind of failure, for the protocol.
    pub fn kind(&self) -> FailureKind {
        use crate::vision::VisionError as V;
        match self {
            EngineError::NoCatalogue => FailureKind::NoCatalogue,
            EngineError::NothingToLearn(_) => FailureKind::NothingToLearn,
            EngineError::NoModel => FailureKind::NoModel,
            EngineError::InvalidConfig(_) => FailureKind::InvalidSettings,
            EngineError::Checkpoint(_)
            | EngineError::CheckpointFile(_)
            | EngineError::ModelMismatch(_) => FailureKind::Checkpoint,
            EngineError::WeightsUnreadable { .. } | EngineError::Cache(_) => FailureKind::Io,
            EngineError::VocabularyFile(_) => FailureKind::Io,
            EngineError::Vision(V::Photo(_)) => FailureKind::Photo,
            EngineError::Vision(_) | EngineError::Torch(_) | EngineError::NonFinite(_) => {
                FailureKind::Network
            }
        }
    }
}
