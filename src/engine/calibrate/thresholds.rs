//! Choosing how probabilities become tags: the fixed threshold, one global threshold or one
//! per tag, by the run's criterion on validation; and what a fast-mode run recorded of its
//! choices.

use serde::{Deserialize, Serialize};

use super::{Calibration, Reliability, THRESHOLD_CANDIDATES};
use crate::engine::fit::early_stop::StopCriterion;
use crate::engine::metrics::{self, Metrics};

/// The score of decisions by `criterion`. Thresholds cannot change a loss, so the loss
/// criterion judges decisions by the mean of micro- and macro-F1.
pub fn decision_score(criterion: StopCriterion, micro_f1: f32, macro_f1: f32) -> f32 {
    match criterion {
        StopCriterion::MicroF1 => micro_f1,
        StopCriterion::MeanF1 | StopCriterion::Loss => (micro_f1 + macro_f1) / 2.0,
    }
}

/// How a model turns probabilities into tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThresholdRule {
    /// The settings' threshold for every tag.
    Fixed,
    /// One threshold for every tag, chosen on out-of-fold probabilities.
    OutOfFoldGlobal,
    /// One threshold per tag, chosen on out-of-fold probabilities.
    OutOfFoldPerTag,
}

impl ThresholdRule {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            ThresholdRule::Fixed => "the settings' threshold",
            ThresholdRule::OutOfFoldGlobal => "one threshold chosen out of fold",
            ThresholdRule::OutOfFoldPerTag => "per-tag thresholds chosen out of fold",
        }
    }
}

/// One threshold rule and how it scored on the validation split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCandidate {
    /// The rule.
    pub rule: ThresholdRule,
    /// Its thresholds, one per tag.
    pub thresholds: Vec<f32>,
    /// Validation micro-F1 with the calibrated probabilities.
    pub validation_micro_f1: f32,
    /// Validation macro-F1 with the calibrated probabilities (0 in runs saved before it was
    /// recorded).
    #[serde(default)]
    pub validation_macro_f1: f32,
}

/// The threshold with the best score by `criterion` over every tag at once.
pub fn best_global_threshold(
    probabilities: &[Vec<f32>],
    truth: &[Vec<bool>],
    criterion: StopCriterion,
) -> f32 {
    let tags = truth.first().map_or(0, Vec::len);
    let mut best = (f32::MIN, 0.5);
    for &th in &THRESHOLD_CANDIDATES {
        let predicted = metrics::apply_thresholds(probabilities, &vec![th; tags]);
        let names = vec![String::new(); tags];
        let m = metrics::evaluate(&predicted, truth, &names);
        let score = decision_score(criterion, m.micro_f1, m.macro_f1);
        if score > best.0 {
            best = (score, th);
        }
    }
    best.1
}

/// The threshold rules, each with its thresholds from the out-of-fold probabilities and its
/// validation scores; the first of equal scores is the simplest.
pub fn threshold_candidates(
    fixed: f32,
    out_of_fold: (&[Vec<f32>], &[Vec<bool>]),
    validation: (&[Vec<f32>], &[Vec<bool>]),
    criterion: StopCriterion,
) -> Vec<ThresholdCandidate> {
    let tags = out_of_fold.1.first().map_or(0, Vec::len);
    let rules = [
        (ThresholdRule::Fixed, vec![fixed; tags]),
        (
            ThresholdRule::OutOfFoldGlobal,
            vec![best_global_threshold(out_of_fold.0, out_of_fold.1, criterion); tags],
        ),
        (
            ThresholdRule::OutOfFoldPerTag,
            metrics::best_thresholds(out_of_fold.0, out_of_fold.1, &THRESHOLD_CANDIDATES, fixed),
        ),
    ];
    let names = vec![String::new(); tags];
    rules
        .into_iter()
        .map(|(rule, thresholds)| {
            let predicted = metrics::apply_thresholds(validation.0, &thresholds);
            let m = metrics::evaluate(&predicted, validation.1, &names);
            ThresholdCandidate {
                validation_micro_f1: m.micro_f1,
                validation_macro_f1: m.macro_f1,
                rule,
                thresholds,
            }
        })
        .collect()
}

/// Everything chosen from data after a fast-mode run's epochs: the epoch kept, the
/// calibration and the thresholds, with the measurements behind each choice. Saved in the
/// checkpoint and shown in the Train tab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    /// Epoch kept (best validation score by the run's criterion at the settings' threshold,
    /// uncalibrated).
    pub best_epoch: usize,
    /// Its validation score then (micro-F1 in runs saved before the criterion was a setting).
    pub best_epoch_micro_f1: f32,
    /// What early stopping and the threshold rule maximised.
    #[serde(default)]
    pub criterion: StopCriterion,
    /// Heads trained out of fold whose probabilities are averaged with the model's own (0: the
    /// model's head alone). Their weights are in the checkpoint's weights file.
    #[serde(default)]
    pub ensemble: usize,
    /// Epochs that ran.
    pub epochs_run: usize,
    /// True when early stopping ended the run before its last epoch.
    pub stopped_early: bool,
    /// Folds of the training split the calibration and thresholds were fitted on.
    pub folds: usize,
    /// The calibration in use.
    pub calibration: Calibration,
    /// Threshold rules tried, with their validation scores.
    pub candidates: Vec<ThresholdCandidate>,
    /// The rule in use (the best of `candidates` by the criterion).
    pub rule: ThresholdRule,
    /// Validation scores with calibrated probabilities and the chosen thresholds.
    pub validation: Metrics,
    /// Reliability on the validation split before calibration.
    pub before: Reliability,
    /// Reliability on the validation split after calibration.
    pub after: Reliability,
}

impl Tuning {
    /// The thresholds of the rule in use.
    pub fn thresholds(&self) -> Option<&[f32]> {
        self.candidates
            .iter()
            .find(|c| c.rule == self.rule)
            .map(|c| c.thresholds.as_slice())
    }
}

/// Picks the candidate with the best validation score by `criterion` (the earliest of
/// equals, so per-tag thresholds are used only when they pay).
pub fn choose(
    candidates: &[ThresholdCandidate],
    criterion: StopCriterion,
) -> Option<&ThresholdCandidate> {
    let score = |c: &ThresholdCandidate| {
        decision_score(criterion, c.validation_micro_f1, c.validation_macro_f1)
    };
    candidates
        .iter()
        .fold(None, |best: Option<&ThresholdCandidate>, c| match best {
            Some(b) if score(b) >= score(c) => Some(b),
            _ => Some(c),
        })
}
