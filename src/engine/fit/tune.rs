//! After a fast-mode run's epochs: calibration and thresholds fitted on out-of-fold
//! predictions of the training split, scored on the validation split (see
//! [`crate::engine::calibrate`]).

use super::head::{head_logits, out_of_fold_logits, HeadData};
use crate::engine::calibrate::{
    self, reliability, Calibration, ThresholdCandidate, ThresholdRule, Tuning,
};
use crate::engine::metrics;
use crate::engine::network::Head;
use crate::engine::EngineError;

/// Where the epochs ended: the epoch kept and how the run went.
pub(crate) struct EpochsRun {
    pub(crate) best_epoch: usize,
    pub(crate) best_micro_f1: f32,
    pub(crate) epochs_run: usize,
    pub(crate) stopped_early: bool,
}

/// Fits the calibration and chooses the thresholds of `head` (the weights kept), from heads
/// trained on `train` fold by fold for the epochs the kept one had.
pub(crate) fn tune(
    data: HeadData,
    head: &Head,
    train: &[usize],
    validation: &[usize],
    run: EpochsRun,
) -> Result<Tuning, EngineError> {
    let config = data.config;
    let folds = config.calibration_folds.min(train.len());
    let tags = data.vocabulary.len();
    let val_truth = data.truth(validation);
    let val_logits = head_logits(head, data.features, validation)?;
    let raw = Calibration::Identity.probabilities(&val_logits);
    let (calibration, candidates) = if folds >= 2 {
        let oof = out_of_fold_logits(data, train, folds, run.best_epoch.max(1))?;
        let oof_truth = data.truth(train);
        let calibration = Calibration::fit(config.calibration, &oof, &oof_truth);
        let oof_probs = Calibration::Identity.probabilities(&oof);
        let mut candidates = calibrate::threshold_candidates(
            config.threshold,
            (&oof_probs, &oof_truth),
            (&raw, &val_truth),
        );
        if !config.tune_thresholds {
            candidates.retain(|c| c.rule == ThresholdRule::Fixed);
        }
        for c in &mut candidates {
            for (t, th) in c.thresholds.iter_mut().enumerate() {
                *th = calibration.threshold_for(t, *th);
            }
        }
        (calibration, candidates)
    } else {
        let fixed = vec![config.threshold; tags];
        let predicted = metrics::apply_thresholds(&raw, &fixed);
        let names = vec![String::new(); tags];
        let candidate = ThresholdCandidate {
            rule: ThresholdRule::Fixed,
            validation_micro_f1: metrics::evaluate(&predicted, &val_truth, &names).micro_f1,
            thresholds: fixed,
        };
        (Calibration::Identity, vec![candidate])
    };
    let calibrated = calibration.probabilities(&val_logits);
    let chosen = calibrate::choose(&candidates)
        .cloned()
        .unwrap_or(ThresholdCandidate {
            rule: ThresholdRule::Fixed,
            thresholds: vec![config.threshold; tags],
            validation_micro_f1: 0.0,
        });
    let predicted = metrics::apply_thresholds(&calibrated, &chosen.thresholds);
    Ok(Tuning {
        best_epoch: run.best_epoch,
        best_epoch_micro_f1: run.best_micro_f1,
        epochs_run: run.epochs_run,
        stopped_early: run.stopped_early,
        folds: if folds >= 2 { folds } else { 0 },
        validation: metrics::evaluate(&predicted, &val_truth, &data.vocabulary.names()),
        before: reliability(&raw, &val_truth),
        after: reliability(&calibrated, &val_truth),
        calibration,
        rule: chosen.rule,
        candidates,
    })
}
