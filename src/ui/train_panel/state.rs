//! What the Train tab and the validation gallery show: the settings, where the run stands, the
//! loss and F1 history, and the last evaluation.

use std::path::PathBuf;

use egui_plot::PlotPoint;

use crate::engine::checkpoint::{Checkpoint, History, ResumePlan};
use crate::engine::metrics::Metrics;
use crate::engine::protocol::{ItemPredictions, ModelSummary, Progress};
use crate::engine::TrainConfig;

/// Where a training run stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunStatus {
    /// No run.
    #[default]
    Idle,
    /// Asked for; the worker is preparing (or finishing another job first).
    Starting,
    /// Steps are running.
    Running,
    /// Stop was clicked; waiting for the worker to save and stop.
    Stopping,
}

impl RunStatus {
    /// True from the click on Start until the run has ended.
    pub fn is_active(self) -> bool {
        self != RunStatus::Idle
    }
}

/// One validation evaluation, for the F1 chart.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalPoint {
    /// Fractional epoch.
    pub epoch: f64,
    /// Global step.
    pub step: usize,
    /// Micro-averaged F1.
    pub micro_f1: f64,
    /// Macro-averaged F1.
    pub macro_f1: f64,
    /// Samples-averaged F1.
    pub samples_f1: f64,
}

/// Which column the per-tag table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SortBy {
    Tag,
    Precision,
    Recall,
    F1,
    Support,
    Threshold,
}

/// Everything the Train tab and the validation gallery show.
pub struct TrainState {
    /// The settings being edited.
    pub config: TrainConfig,
    /// Where the run stands.
    pub status: RunStatus,
    /// The run's folder name.
    pub run_id: Option<String>,
    /// Settings of the last run started (for Resume).
    pub run_config: Option<TrainConfig>,
    /// The latest step.
    pub progress: Option<Progress>,
    /// Loss per step (x: global step).
    pub losses: Vec<PlotPoint>,
    /// Validation F1 over time.
    pub evals: Vec<EvalPoint>,
    /// Scores of the last evaluation.
    pub last_metrics: Option<Metrics>,
    /// Tags being learned, in model output order.
    pub vocabulary: Vec<String>,
    /// Per-tag thresholds of the last evaluation.
    pub thresholds: Vec<f32>,
    /// Items of the validation split.
    pub validation_items: Vec<usize>,
    /// Validation items with their tag probabilities, from the last evaluation.
    pub validation: std::sync::Arc<Vec<(usize, Vec<f32>)>>,
    /// Items of the training split.
    pub train_items: usize,
    /// The last checkpoint written or loaded, and its epochs.
    pub last_checkpoint: Option<(PathBuf, usize)>,
    /// The model in use.
    pub model: Option<std::sync::Arc<ModelSummary>>,
    /// A settings problem, in words.
    pub config_error: Option<String>,
    /// The per-tag table's sort column, and whether high to low.
    pub(super) sort: (SortBy, bool),
}

impl TrainState {
    /// A fresh state with these settings.
    pub fn new(config: TrainConfig) -> Self {
        Self {
            config,
            status: RunStatus::Idle,
            run_id: None,
            run_config: None,
            progress: None,
            losses: Vec::new(),
            evals: Vec::new(),
            last_metrics: None,
            vocabulary: Vec::new(),
            thresholds: Vec::new(),
            validation_items: Vec::new(),
            validation: Default::default(),
            train_items: 0,
            last_checkpoint: None,
            model: None,
            config_error: None,
            sort: (SortBy::Support, true),
        }
    }

    /// Forgets runs, checkpoint and model (a new catalogue was opened), keeping the settings
    /// and the sort order. A checkpoint that fits the new catalogue is loaded again after.
    pub fn reset_runs(&mut self) {
        let config = self.config.clone();
        let sort = self.sort;
        *self = Self::new(config);
        self.sort = sort;
    }

    /// Replaces the charts with a run's history (on start, resume or checkpoint load).
    pub fn set_history(&mut self, history: &History) {
        self.losses = history
            .losses
            .iter()
            .map(|p| PlotPoint::new(p.step as f64, p.loss as f64))
            .collect();
        self.evals = history
            .evals
            .iter()
            .map(|e| eval_point(e.epoch, e.step, &e.metrics))
            .collect();
        self.last_metrics = history.evals.last().map(|e| e.metrics.clone());
    }

    /// Records a training step.
    pub fn push_progress(&mut self, progress: Progress) {
        self.losses.push(PlotPoint::new(
            progress.global_step as f64,
            progress.loss as f64,
        ));
        self.status = match self.status {
            RunStatus::Stopping => RunStatus::Stopping,
            _ => RunStatus::Running,
        };
        self.progress = Some(progress);
    }

    /// The validation gallery from the model in use's predictions (calibrated, with its
    /// thresholds), once a run has ended.
    pub fn validation_from(&mut self, predictions: &ItemPredictions) {
        if self.validation_items.is_empty() || self.status.is_active() {
            return;
        }
        let rows: Vec<(usize, Vec<f32>)> = self
            .validation_items
            .iter()
            .filter_map(|&i| predictions.probabilities.get(i)?.clone().map(|p| (i, p)))
            .collect();
        self.validation = std::sync::Arc::new(rows);
        self.thresholds = predictions.thresholds.clone();
    }

    /// Records an evaluation.
    pub fn push_eval(&mut self, epoch: f32, step: usize, metrics: Metrics) {
        self.evals.push(eval_point(epoch, step, &metrics));
        self.last_metrics = Some(metrics);
    }

    /// The epoch whose weights are (or will be) in use, for the F1 chart: the model's kept
    /// epoch once a run has ended, the best micro-F1 so far (the first of equals, as early
    /// stopping keeps) while one runs.
    pub fn epoch_in_use(&self) -> Option<f64> {
        if !self.status.is_active() {
            if let Some(t) = self.model.as_ref().and_then(|m| m.tuning.as_ref()) {
                return Some(t.best_epoch as f64);
            }
        }
        let fast = self
            .run_config
            .as_ref()
            .is_some_and(|c| c.mode == crate::engine::TrainMode::Fast && c.patience > 0);
        if !fast {
            return self.evals.last().map(|e| e.epoch);
        }
        self.evals
            .iter()
            .fold(None, |best: Option<&EvalPoint>, e| match best {
                Some(b) if b.micro_f1 >= e.micro_f1 => Some(b),
                _ => Some(e),
            })
            .map(|e| e.epoch)
    }

    /// The fraction of the run done, from the latest step.
    pub fn fraction_done(&self) -> f32 {
        match &self.progress {
            Some(p) if p.epochs > 0 && p.steps_per_epoch > 0 => {
                let done = p.epoch.saturating_sub(1) * p.steps_per_epoch + p.step;
                (done as f32 / (p.epochs * p.steps_per_epoch) as f32).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }

    /// The settings for Resume, by the same rule as `vitrine train --resume`
    /// ([`ResumePlan::for_checkpoint`]): the last checkpoint's run with its own settings,
    /// continued up to the epochs set here; a run that has done them is refused in words.
    pub fn resume_config(&self) -> Result<(PathBuf, TrainConfig), String> {
        let Some((path, _)) = &self.last_checkpoint else {
            return Err("there is no checkpoint to resume yet".into());
        };
        let plan = Checkpoint::load(path)
            .and_then(|ck| ResumePlan::for_checkpoint(&ck, Some(self.config.epochs)))
            .map_err(|e| e.to_string())?;
        Ok((plan.checkpoint, plan.config))
    }
}

fn eval_point(epoch: f32, step: usize, m: &Metrics) -> EvalPoint {
    EvalPoint {
        epoch: epoch as f64,
        step,
        micro_f1: m.micro_f1 as f64,
        macro_f1: m.macro_f1 as f64,
        samples_f1: m.samples_f1 as f64,
    }
}
