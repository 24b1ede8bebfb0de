//! What the user chooses before clicking Train.

use serde::{Deserialize, Serialize};

use super::calibrate::CalibrationKind;
use super::fit::early_stop::StopCriterion;
use crate::vision::BackboneKind;

/// The most epochs a run may have: far beyond any useful schedule, low enough that a damaged
/// or hand-edited number is caught.
pub const MAX_EPOCHS: usize = 1_000_000;

/// Fast mode's patience in evaluations (chosen by 5-fold cross-validation on the demo, see
/// `vitrine cv`).
pub const FAST_PATIENCE: usize = 20;
/// Fast mode's evaluation cadence in epochs (chosen with [`FAST_PATIENCE`]).
pub const FAST_EVAL_EVERY_EPOCHS: usize = 1;

/// How much of the network learns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum TrainMode {
    /// The backbone is frozen; its pooled features are computed once and only the tag head
    /// learns. Seconds on a CPU.
    Fast,
    /// The whole network learns, with augmentations (the original pipeline). Minutes on a CPU.
    FineTune,
}

impl std::fmt::Display for TrainMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TrainMode::Fast => "fast",
            TrainMode::FineTune => "fine-tune",
        })
    }
}

impl std::str::FromStr for TrainMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "fast" => Ok(TrainMode::Fast),
            "fine-tune" | "finetune" | "fine_tune" => Ok(TrainMode::FineTune),
            other => Err(format!(
                "unknown training mode '{other}': choose 'fast' or 'fine-tune'"
            )),
        }
    }
}

/// Everything that shapes a training run; saved in every checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The pretrained network that turns a photo into features.
    pub backbone: BackboneKind,
    /// Fast (head only) or fine-tune (whole network).
    pub mode: TrainMode,
    /// Passes over the training split.
    pub epochs: usize,
    /// Images per optimisation step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// L2 weight decay on the tag head.
    pub weight_decay: f64,
    /// Probability above which a tag is predicted (the starting point for per-tag thresholds).
    pub threshold: f32,
    /// Choose one threshold per tag on the training split (fast mode) instead of `threshold`.
    pub tune_thresholds: bool,
    /// Seed for the split, initialisation, shuffling and augmentation.
    pub seed: u64,
    /// Evaluate on the validation split every this many steps (0: only at epoch ends).
    pub eval_every_steps: usize,
    /// Fast mode: stop after this many evaluations without a better validation micro-F1 and
    /// keep the best one's weights (0: run every epoch, keep the last).
    #[serde(default)]
    pub patience: usize,
    /// Fast mode: evaluate on the validation split every this many epochs.
    #[serde(default = "one")]
    pub eval_every_epochs: usize,
    /// Fast mode: the calibration fitted on out-of-fold predictions of the training split.
    #[serde(default)]
    pub calibration: CalibrationKind,
    /// Fast mode: folds of the training split for calibration and thresholds (0: none).
    #[serde(default)]
    pub calibration_folds: usize,
    /// Weight decay applied apart from the gradient (AdamW) instead of as an L2 term inside
    /// Adam's adaptive step, where it is scaled by each weight's gradient history. Off by
    /// default: on the demo catalogue's cross-validation (5 folds × 3 seeds) the L2 term
    /// scored a higher micro-F1 than AdamW at every decay tried (0.01, 0.1 and 10) and an
    /// equal macro-F1 within the spread (docs/tags.md).
    #[serde(default)]
    pub decoupled_weight_decay: bool,
    /// Fast mode: what early stopping and the threshold rule maximise on validation.
    #[serde(default = "mean_f1")]
    pub stop_on: StopCriterion,
    /// Fast mode: average the calibrated probabilities of the head and of the heads trained
    /// out of fold for calibration (an ensemble that costs no extra training).
    #[serde(default = "yes")]
    pub ensemble: bool,
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

fn mean_f1() -> StopCriterion {
    StopCriterion::MeanF1
}

impl TrainConfig {
    /// The settings that work well for `mode` on a CPU.
    pub fn for_mode(mode: TrainMode) -> Self {
        match mode {
            TrainMode::Fast => Self {
                backbone: BackboneKind::EfficientNetLite0,
                mode,
                // Chosen by 5-fold cross-validation on the demo catalogue over 3 seeds
                // (`vitrine cv --seeds 3`, docs/tags.md): standardised features, biases
                // starting at the tags' log-odds, strong (L2) weight decay, at most 150 epochs
                // with early stopping (patience 20 evaluations, one per epoch) on the mean of
                // micro- and macro-F1 at threshold 0.3, Platt scaling per tag, thresholds
                // chosen out of fold when they win on validation, and the out-of-fold heads
                // averaged with the head.
                epochs: 150,
                batch_size: 32,
                learning_rate: 1e-3,
                weight_decay: 1e-2,
                threshold: 0.3,
                tune_thresholds: true,
                seed: super::split::DEFAULT_SEED,
                eval_every_steps: 0,
                patience: FAST_PATIENCE,
                eval_every_epochs: FAST_EVAL_EVERY_EPOCHS,
                calibration: CalibrationKind::Platt,
                calibration_folds: 5,
                decoupled_weight_decay: false,
                stop_on: StopCriterion::MeanF1,
                ensemble: true,
            },
            TrainMode::FineTune => Self {
                backbone: BackboneKind::EfficientNetLite0,
                mode,
                // On the demo catalogue validation F1 still rises after 10 epochs (about
                // 15 s each on a 2-core CPU).
                epochs: 15,
                batch_size: 16,
                learning_rate: 1e-3,
                weight_decay: 0.0,
                threshold: 0.5,
                tune_thresholds: false,
                seed: super::split::DEFAULT_SEED,
                eval_every_steps: 5,
                patience: 0,
                eval_every_epochs: 1,
                calibration: CalibrationKind::None,
                calibration_folds: 0,
                decoupled_weight_decay: true,
                stop_on: StopCriterion::MicroF1,
                ensemble: false,
            },
        }
    }

    /// Checks the numbers a user typed, in words.
    pub fn validate(&self) -> Result<(), String> {
        if self.epochs == 0 {
            return Err("epochs must be at least 1".into());
        }
        if self.epochs > MAX_EPOCHS {
            return Err(format!(
                "{} epochs is more than the {MAX_EPOCHS} a run may have",
                self.epochs
            ));
        }
        if self.eval_every_epochs == 0 {
            return Err("evaluate every at least 1 epoch".into());
        }
        if self.batch_size == 0 {
            return Err("batch size must be at least 1".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate < 1.0) {
            return Err(format!(
                "learning rate {} is out of range: use a value between 0 and 1, e.g. 0.001",
                self.learning_rate
            ));
        }
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return Err(format!(
                "threshold {} is out of range: use a value between 0 and 1, e.g. 0.5",
                self.threshold
            ));
        }
        Ok(())
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self::for_mode(TrainMode::Fast)
    }
}
