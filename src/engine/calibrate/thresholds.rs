//! Choosing how probabilities become tags: the fixed threshold, one global threshold or one
//! per tag, by validation micro-F1; and what a fast-mode run recorded of its choices.

use serde::{Deserialize, Serialize};

use super::{Calibration, Reliability, THRESHOLD_CANDIDATES};
use crate::engine::metrics::{self, Metrics};

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
}

/// The threshold with the best micro-F1 over every tag at once.
pub fn best_global_threshold(probabilities: &[Vec<f32>], truth: &[Vec<bool>]) -> f32 {
    let tags = truth.first().map_or(0, Vec::len);
    let mut best = (f32::MIN, 0.5);
    for &th in &THRESHOLD_CANDIDATES {
        let predicted = metrics::apply_thresholds(probabilities, &vec![th; tags]);
        let names = vec![String::new(); tags];
        let score = metrics::evaluate(&predicted, truth, &names).micro_f1;
        if score > best.0 {
            best = (score, th);
        }
    }
    best.1
}

/// The threshold rules, each with its thresholds from the out-of-fold probabilities and its
/// validation micro-F1; the first of equal scores is the simplest.
pub fn threshold_candidates(
    fixed: f32,
    out_of_fold: (&[Vec<f32>], &[Vec<bool>]),
    validation: (&[Vec<f32>], &[Vec<bool>]),
) -> Vec<ThresholdCandidate> {
    let tags = out_of_fold.1.first().map_or(0, Vec::len);
    let rules = [
        (ThresholdRule::Fixed, vec![fixed; tags]),
        (
            ThresholdRule::OutOfFoldGlobal,
            vec![best_global_threshold(out_of_fold.0, out_of_fold.1); tags],
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
            ThresholdCandidate {
                validation_micro_f1: metrics::evaluate(&predicted, validation.1, &names).micro_f1,
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
    /// Epoch kept (best validation micro-F1 at the settings' threshold, uncalibrated).
    pub best_epoch: usize,
    /// Its validation micro-F1 then.
    pub best_epoch_micro_f1: f32,
    /// Epochs that ran.
    pub epochs_run: usize,
    /// True when early stopping ended the run before its last epoch.
    pub stopped_early: bool,
    /// Folds of the training split the calibration and thresholds were fitted on.
    pub folds: usize,
    /// The calibration in use.
    pub calibration: Calibration,
    /// Threshold rules tried, with their validation micro-F1.
    pub candidates: Vec<ThresholdCandidate>,
    /// The rule in use (the best of `candidates`).
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

/// Picks the candidate with the best validation micro-F1 (the earliest of equals).
pub fn choose(candidates: &[ThresholdCandidate]) -> Option<&ThresholdCandidate> {
    candidates
        .iter()
        .fold(None, |best: Option<&ThresholdCandidate>, c| match best {
            Some(b) if b.validation_micro_f1 >= c.validation_micro_f1 => Some(b),
            _ => Some(c),
        })
}
