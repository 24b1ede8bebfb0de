//! The typed protocol between the engine's worker thread and whoever drives it (the window or
//! the command line).
//!
//! - Every [`Command`] is sent through [`Worker::send`](super::Worker::send), which gives it a
//!   [`RequestId`].
//! - Every [`Event`] names the request it answers. A request's events end with exactly one
//!   terminal event: [`EventBody::Done`] or [`EventBody::Failed`]; nothing of that request
//!   follows it.
//! - Long preparations report a [`Task`] (an enum, never text to parse), failures an
//!   [`EngineFailure`]: a [`FailureKind`] to act on and a message for people.
//! - Only plain data crosses: big results (the catalogue, the embedding index, every item's
//!   tag probabilities) travel as `Arc`s, so neither side copies them.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::corrections::Corrections;
pub use super::reports::MatchParts;
pub use super::reports::{
    CatalogueEmbeddings, CatalogueTags, EvalReport, ItemPredictions, ModelSummary, PredictedTag,
    Prediction, Progress, RunEnd, RunOutcome, RunStarted,
};
pub use super::vocabulary::VocabularyReport;
use crate::catalogue::Catalogue;
use crate::text::vocab::VocabularySettings;

/// Names one command sent to the worker; unique for the worker's lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What the worker is asked to do. Commands run one at a time, in the order sent.
#[derive(Debug)]
pub enum Command {
    /// Work on this catalogue from now on (derives its tags); answered by
    /// [`EventBody::CatalogueReady`].
    SetCatalogue(Arc<Catalogue>),
    /// Compute the embeddings of every catalogue photo with the network in use; answered by
    /// [`EventBody::Embeddings`] (unless stopped).
    Embed,
    /// Train a model; with `resume`, continue the checkpoint in that folder.
    Train {
        /// The settings.
        config: TrainConfig,
        /// A checkpoint folder to continue from.
        resume: Option<PathBuf>,
    },
    /// Use the trained model of a checkpoint folder.
    LoadCheckpoint(PathBuf),
    /// Tag a photo file and find its lookalikes; answered by [`EventBody::Prediction`].
    Predict(PathBuf),
    /// Remake the open catalogue's tags with these vocabulary settings (saving them with the
    /// catalogue's state when `save`); answered by [`EventBody::VocabularyReady`]. A model
    /// trained on other tags stops being used.
    SetVocabulary {
        /// Mode, sizes and edits.
        settings: VocabularySettings,
        /// Save them as the catalogue's vocabulary (the window's edits); false for a one-off
        /// (a command-line flag).
        save: bool,
    },
    /// Use these tag corrections as targets in the next training runs of the open catalogue.
    SetCorrections(Arc<Corrections>),
    /// Compute every item's colour palette (cached on disk) and the description index for
    /// lookalikes; answered by [`EventBody::MatchParts`] (unless stopped).
    PrepareMatch,
}

impl Command {
    /// What the command does, in words ("training", "tagging the photo").
    pub fn describe(&self) -> &'static str {
        match self {
            Command::SetCatalogue(_) => "opening the catalogue",
            Command::Embed => "computing embeddings",
            Command::Train { .. } => "training",
            Command::LoadCheckpoint(_) => "loading the checkpoint",
            Command::Predict(_) => "tagging the photo",
            Command::SetVocabulary { .. } => "changing the vocabulary",
            Command::SetCorrections(_) => "taking the tag corrections",
            Command::PrepareMatch => "computing colours",
        }
    }
}

/// A long preparation the worker reports progress for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// Reading the descriptions into tags.
    ExtractingTags,
    /// Decoding and resizing every photo for fine-tuning.
    PreparingPhotos,
    /// Computing (or reading from the cache) the lookalike embeddings.
    ComputingEmbeddings,
    /// Computing (or reading from the cache) every photo's garment colours.
    ComputingColours,
}

impl Task {
    /// The task in words, for a progress bar.
    pub fn label(self) -> &'static str {
        match self {
            Task::ExtractingTags => "Reading descriptions",
            Task::PreparingPhotos => "Preparing photos",
            Task::ComputingEmbeddings => "Computing lookalike embeddings",
            Task::ComputingColours => "Computing garment colours",
        }
    }
}

/// What kind of failure ended a request, for code that reacts to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// No catalogue was given to the worker yet.
    NoCatalogue,
    /// The catalogue has nothing to learn from (no descriptions, too few tagged items).
    NothingToLearn,
    /// No trained model is loaded.
    NoModel,
    /// A training setting is out of range.
    InvalidSettings,
    /// A checkpoint is missing, damaged, or does not fit the catalogue or the weights.
    Checkpoint,
    /// A photo could not be read or decoded.
    Photo,
    /// Reading or writing a file failed.
    Io,
    /// libtorch reported an error.
    Network,
    /// An unexpected internal error (a panic inside the engine).
    Internal,
}

/// Why a request failed: a kind to react to and a sentence for people.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineFailure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// What happened, in words (starts with what was being done).
    pub message: String,
}

impl fmt::Display for EngineFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A message from the worker, answering one request.
#[derive(Clone, Debug)]
pub struct Event {
    /// The request this event belongs to.
    pub request: RequestId,
    /// What happened.
    pub body: EventBody,
}

impl Event {
    /// True for the last event of a request ([`EventBody::Done`] or [`EventBody::Failed`]).
    pub fn is_terminal(&self) -> bool {
        matches!(self.body, EventBody::Done | EventBody::Failed(_))
    }
}

/// What the worker reports.
#[derive(Clone, Debug)]
pub enum EventBody {
    /// A catalogue was taken and its tags derived.
    CatalogueReady(Arc<CatalogueTags>),
    /// A long preparation is under way.
    Busy {
        /// What is being done.
        task: Task,
        /// Units done.
        done: usize,
        /// Units in all.
        total: usize,
    },
    /// Something the user should know that is not a failure.
    Notice(String),
    /// The lookalike index of every catalogue item, computed by the network in use.
    Embeddings(Arc<CatalogueEmbeddings>),
    /// Training began.
    TrainingStarted(Arc<RunStarted>),
    /// One training step done.
    Progress(Progress),
    /// Validation metrics.
    Eval(Arc<EvalReport>),
    /// A checkpoint was written.
    Checkpoint {
        /// The checkpoint folder.
        path: PathBuf,
        /// Epochs completed.
        epoch: usize,
    },
    /// Training ended (completed or stopped); says which network the engine uses now.
    Finished(RunEnd),
    /// A trained model is ready for tagging (after training, or loaded from a checkpoint).
    ModelReady(Arc<ModelSummary>),
    /// Tag probabilities of every catalogue item from the model in use.
    ItemTags(Arc<ItemPredictions>),
    /// Tags and lookalikes of a photo file.
    Prediction(Arc<Prediction>),
    /// The open catalogue's vocabulary: after `CatalogueReady`, and as the answer to
    /// [`Command::SetVocabulary`] (with the catalogue's new tags).
    VocabularyReady(Arc<VocabularyReport>),
    /// Every item's colour descriptor and the description index, for lookalikes.
    MatchParts(Arc<MatchParts>),
    /// The request is complete (terminal).
    Done,
    /// The request failed; the worker carries on (terminal).
    Failed(EngineFailure),
}
