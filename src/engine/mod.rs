//! The learning engine: a background worker that owns the network, trains the tag head (or
//! the whole network), evaluates on the validation split, writes checkpoints, computes
//! embeddings for lookalikes and tags new photos.
//!
//! Only plain data crosses the worker's channels (see [`worker::Command`] and
//! [`worker::Event`]); the window and the command line drive the same worker.

pub mod checkpoint;
pub mod config;
pub mod core;
pub mod data;
pub mod metrics;
pub mod split;
pub mod worker;

pub use config::{TrainConfig, TrainMode};
pub use worker::{Command, Event, Worker};

use thiserror::Error;

/// Why a training, embedding or prediction request failed, in words a user can act on.
#[derive(Debug, Error)]
pub enum TrainError {
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
    /// A checkpoint could not be written or read, or does not fit the catalogue.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A checkpoint file could not be read, written or resumed.
    #[error("checkpoint: {0}")]
    CheckpointFile(#[from] checkpoint::CheckpointError),
    /// A photo could not be used.
    #[error(transparent)]
    Vision(#[from] crate::vision::VisionError),
    /// libtorch reported an error (out of memory, shape mismatch...).
    #[error("the network failed: {0}")]
    Torch(#[from] tch::TchError),
    /// The embedding cache could not be written.
    #[error(transparent)]
    Cache(#[from] crate::index::cache::CacheError),
}
