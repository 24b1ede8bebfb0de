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

use super::checkpoint::History;
use super::config::{TrainConfig, TrainMode};
use super::identity::ModelIdentity;
use super::metrics::Metrics;
use crate::catalogue::Catalogue;
use crate::index::{EmbeddingIndex, Neighbour, LOOKALIKES};
use crate::vision::BackboneKind;

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
}

impl Task {
    /// The task in words, for a progress bar.
    pub fn label(self) -> &'static str {
        match self {
            Task::ExtractingTags => "Reading descriptions",
            Task::PreparingPhotos => "Preparing photos",
            Task::ComputingEmbeddings => "Computing lookalike embeddings",
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
    /// The request is complete (terminal).
    Done,
    /// The request failed; the worker carries on (terminal).
    Failed(EngineFailure),
}

/// The tags derived from a catalogue's descriptions.
#[derive(Debug)]
pub struct CatalogueTags {
    /// The catalogue (the same `Arc` that was sent).
    pub catalogue: Arc<Catalogue>,
    /// The tag vocabulary, in output order.
    pub vocabulary: Vec<String>,
    /// Each item's true tags, from its description.
    pub item_tags: Vec<Vec<String>>,
    /// Items with at least one tag (usable for training).
    pub trainable_items: usize,
}

/// How a training run began.
#[derive(Clone, Debug)]
pub struct RunStarted {
    /// Run folder name.
    pub run_id: String,
    /// Settings.
    pub config: TrainConfig,
    /// The tags being learned.
    pub vocabulary: Vec<String>,
    /// Indices of the training items.
    pub train_items: Vec<usize>,
    /// Indices of the validation items.
    pub validation_items: Vec<usize>,
    /// Steps in one epoch.
    pub steps_per_epoch: usize,
    /// Epochs already done (resume).
    pub start_epoch: usize,
    /// History carried over (resume).
    pub history: History,
}

/// One training step's progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Current epoch, 1-based.
    pub epoch: usize,
    /// Epochs in the run.
    pub epochs: usize,
    /// Step within the epoch, 1-based.
    pub step: usize,
    /// Steps in one epoch.
    pub steps_per_epoch: usize,
    /// Steps since the run began (resumed runs continue the count).
    pub global_step: usize,
    /// Loss of this step's batch.
    pub loss: f32,
    /// Training throughput so far in this run (since it started or resumed).
    pub images_per_sec: f64,
    /// Estimated time to the end of the run.
    pub eta_secs: f64,
}

/// One evaluation on the validation split.
#[derive(Clone, Debug)]
pub struct EvalReport {
    /// Fractional epoch.
    pub epoch: f32,
    /// Global step.
    pub step: usize,
    /// The scores on the validation split.
    pub metrics: Metrics,
    /// Per-tag thresholds used.
    pub thresholds: Vec<f32>,
    /// Validation items (index) with their tag probabilities, for the gallery.
    pub validation: Vec<(usize, Vec<f32>)>,
}

/// How a training run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    /// Every epoch ran.
    Completed,
    /// The user stopped it; the state at the stop is in the last checkpoint.
    Stopped,
}

/// The end of a training run.
#[derive(Clone, Debug)]
pub struct RunEnd {
    /// Completed or stopped.
    pub outcome: RunOutcome,
    /// Epochs completed.
    pub epochs_completed: usize,
    /// Last checkpoint written (None when stopped before the first).
    pub checkpoint: Option<PathBuf>,
    /// The network the engine uses from now on.
    pub model: ModelIdentity,
}

/// A tag with the model's probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictedTag {
    /// The tag.
    pub name: String,
    /// Sigmoid output in [0, 1].
    pub probability: f32,
    /// True when the probability reaches the tag's threshold.
    pub predicted: bool,
}

/// Tags and lookalikes of a photo file.
#[derive(Clone, Debug)]
pub struct Prediction {
    /// The photo.
    pub source: PathBuf,
    /// A small square preview of it (at most 96 px).
    pub thumbnail: image::RgbImage,
    /// All vocabulary tags, most probable first; `None` before a model is trained or loaded.
    pub tags: Option<Vec<PredictedTag>>,
    /// The closest catalogue items (indices), best first.
    pub lookalikes: Vec<Neighbour>,
    /// The network that computed the photo's embedding (and the catalogue's it was compared
    /// with).
    pub model: ModelIdentity,
}

/// What a loaded or freshly trained model is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// The network's identity.
    pub identity: ModelIdentity,
    /// Its backbone.
    pub backbone: BackboneKind,
    /// How it was trained (None for an untrained head).
    pub mode: Option<TrainMode>,
    /// Its run folder name.
    pub run_id: Option<String>,
    /// The checkpoint folder it was saved in.
    pub checkpoint: Option<PathBuf>,
    /// Epochs completed.
    pub epochs_completed: usize,
    /// Output tags in order.
    pub vocabulary: Vec<String>,
    /// Per-tag decision thresholds.
    pub thresholds: Vec<f32>,
    /// Latest validation metrics.
    pub last_metrics: Option<Metrics>,
    /// Loss and metrics over the run.
    pub history: History,
}

/// Tag probabilities of every item from the model in use.
#[derive(Clone, Debug, Default)]
pub struct ItemPredictions {
    /// Output tags in order.
    pub vocabulary: Vec<String>,
    /// Per-tag decision thresholds.
    pub thresholds: Vec<f32>,
    /// One row per item (None where the photo could not be used).
    pub probabilities: Vec<Option<Vec<f32>>>,
}

impl ItemPredictions {
    /// The item's tags, most probable first (empty when it has no prediction).
    pub fn tags_of(&self, item: usize) -> Vec<PredictedTag> {
        let Some(Some(probs)) = self.probabilities.get(item) else {
            return Vec::new();
        };
        let mut tags: Vec<PredictedTag> = self
            .vocabulary
            .iter()
            .zip(probs)
            .enumerate()
            .map(|(t, (name, &probability))| PredictedTag {
                name: name.clone(),
                probability,
                predicted: probability >= self.threshold(t),
            })
            .collect();
        tags.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        tags
    }

    /// True when the model predicts `tag` for the item.
    pub fn predicts(&self, item: usize, tag: &str) -> bool {
        let Some(t) = self.vocabulary.iter().position(|v| v == tag) else {
            return false;
        };
        self.probabilities
            .get(item)
            .and_then(Option::as_ref)
            .and_then(|p| p.get(t))
            .is_some_and(|&p| p >= self.threshold(t))
    }

    fn threshold(&self, tag: usize) -> f32 {
        self.thresholds.get(tag).copied().unwrap_or(0.5)
    }
}

/// The lookalike index of a catalogue, with the identity of the network that computed it.
#[derive(Clone, Debug)]
pub struct CatalogueEmbeddings {
    /// The network whose pooled features these are.
    pub model: ModelIdentity,
    /// Mean-centred unit vectors, one slot per item (missing where the photo could not be used).
    pub index: EmbeddingIndex,
}

impl CatalogueEmbeddings {
    /// The backbone that computed the vectors.
    pub fn backbone(&self) -> BackboneKind {
        self.model.backbone()
    }

    /// True when the item's photo has a vector.
    pub fn has_vector(&self, item: usize) -> bool {
        self.index.is_present(item)
    }

    /// Items with a vector.
    pub fn vectors_present(&self) -> usize {
        self.index.present_count()
    }

    /// The item's closest lookalikes (at most [`LOOKALIKES`]), best first; empty when the
    /// item's photo could not be used.
    pub fn lookalikes(&self, item: usize) -> Vec<Neighbour> {
        self.index.nearest_to_item(item, LOOKALIKES)
    }
}
