//! What the worker's events carry: the results of each stage, as plain data.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::calibrate::Tuning;
use super::checkpoint::History;
use super::config::{TrainConfig, TrainMode};
pub use super::familiar::Familiarity;
use super::identity::ModelIdentity;
use super::metrics::Metrics;
use super::split::ItemSplit;
use crate::catalogue::Catalogue;
use crate::index::{EmbeddingIndex, Neighbour, LOOKALIKES};
use crate::vision::BackboneKind;

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
    /// The multi-hot targets the run learns, one row per catalogue item: the description's
    /// tags with the user's corrections on top.
    pub targets: Arc<Vec<Vec<f32>>>,
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
    /// Validation items (index) with their tag probabilities, for the gallery (shared).
    pub validation: Arc<Vec<(usize, Vec<f32>)>>,
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
    /// True when the model presents the tag as predicted: its probability reaches the tag's
    /// threshold, and the photo is like the catalogue's (on a photo unlike them every tag is
    /// a guess, never predicted).
    pub predicted: bool,
    /// True when the probability reaches the tag's threshold, predicted or not.
    #[serde(default)]
    pub above_threshold: bool,
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
    /// How close the photo comes to the catalogue, against what its items reach among
    /// themselves; `None` when the lookalikes could not be searched.
    pub familiarity: Option<Familiarity>,
    /// True when the photo is unlike the catalogue's: its tags are a guess, none predicted.
    pub tags_are_a_guess: bool,
    /// The photo's raw embedding (empty when it could not be computed), for Match scoring.
    pub embedding: Vec<f32>,
    /// The colours of the photo's garment, for Match scoring.
    pub palette: Option<crate::lookalike::colour::Palette>,
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
    /// Which catalogue items the model trained and was validated on (None when it does not
    /// know, or when no catalogue is open).
    pub split: Option<ItemSplit>,
    /// Fast mode: the epoch kept, the calibration, the thresholds and the reliability before
    /// and after calibration.
    pub tuning: Option<Tuning>,
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
                above_threshold: probability >= self.threshold(t),
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
    /// Mean-centred unit vectors, one slot per item (missing where the photo could not be used);
    /// shared, never copied, by the window and the Match index.
    pub index: Arc<EmbeddingIndex>,
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

/// The colour and description parts of lookalikes for one catalogue (the shape part is
/// [`CatalogueEmbeddings`]).
#[derive(Debug)]
pub struct MatchParts {
    /// Every item's colour descriptor.
    pub colours: Arc<crate::lookalike::colour::CatalogueColours>,
    /// The TF-IDF index of the descriptions.
    pub text: Arc<crate::lookalike::text::TextIndex>,
}
