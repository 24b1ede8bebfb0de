//! After a fast-mode run's epochs: calibration, thresholds and the ensemble, fitted on
//! out-of-fold predictions of the training split, scored on the validation split (see
//! [`crate::engine::calibrate`] and [`super::ensemble`]).

use super::ensemble::Member;
use super::head::{head_logits, out_of_fold, HeadData};
use crate::engine::calibrate::{
    self, reliability, Calibration, ThresholdCandidate, ThresholdRule, Tuning,
};
use crate::engine::metrics;
use crate::engine::network::Head;
use crate::engine::EngineError;

/// Where the epochs ended: the epoch kept and how the run went.
pub(crate) struct EpochsRun {
    pub(crate) best_epoch: usize,
    pub(crate) best_score: f32,
    pub(crate) epochs_run: usize,
    pub(crate) stopped_early: bool,
}

/// What [`tune`] chose: the tuning to record, and the ensemble members to keep beside the head
/// (empty without an ensemble).
pub(crate) struct Tuned {
    pub(crate) tuning: Tuning,
    pub(crate) members: Vec<Member>,
}

/// Calibration and threshold rules, with the model's validation logits.
struct Fitted {
    calibration: Calibration,
    candidates: Vec<ThresholdCandidate>,
    members: Vec<Member>,
    /// The model's validation logits (the ensemble's when it has one).
    validation_logits: Vec<Vec<f32>>,
}

/// Fits the calibration and chooses the thresholds of `head` (the weights kept), from heads
/// trained on `train` fold by fold for the epochs the kept one had; with the settings'
/// ensemble, those heads join it. `head.ensemble` is left as it was.
pub(crate) fn tune(
    data: HeadData,
    head: &mut Head,
    train: &[usize],
    validation: &[usize],
    run: EpochsRun,
) -> Result<Tuned, EngineError> {
    let config = data.config;
    let folds = config.calibration_folds.min(train.len());
    let tags = data.vocabulary.len();
    let val_truth = data.truth(validation);
    let fitted = if folds >= 2 {
        fit_out_of_fold(
            data,
            head,
            (train, validation),
            folds,
            run.best_epoch.max(1),
        )?
    } else {
        let validation_logits = head_logits(head, data.features, validation)?;
        let raw = Calibration::Identity.probabilities(&validation_logits);
        let fixed = vec![config.threshold; tags];
        let predicted = metrics::apply_thresholds(&raw, &fixed);
        let m = metrics::evaluate(&predicted, &val_truth, &vec![String::new(); tags]);
        Fitted {
            calibration: Calibration::Identity,
            candidates: vec![ThresholdCandidate {
                rule: ThresholdRule::Fixed,
                validation_micro_f1: m.micro_f1,
                validation_macro_f1: m.macro_f1,
                thresholds: fixed,
            }],
            members: Vec::new(),
            validation_logits,
        }
    };
    let raw = Calibration::Identity.probabilities(&fitted.validation_logits);
    let calibrated = fitted.calibration.probabilities(&fitted.validation_logits);
    let chosen = calibrate::choose(&fitted.candidates, config.stop_on)
        .cloned()
        .unwrap_or(ThresholdCandidate {
            rule: ThresholdRule::Fixed,
            thresholds: vec![config.threshold; tags],
            validation_micro_f1: 0.0,
            validation_macro_f1: 0.0,
        });
    let predicted = metrics::apply_thresholds(&calibrated, &chosen.thresholds);
    let tuning = Tuning {
        best_epoch: run.best_epoch,
        best_epoch_micro_f1: run.best_score,
        criterion: config.stop_on,
        ensemble: fitted.members.len(),
        epochs_run: run.epochs_run,
        stopped_early: run.stopped_early,
        folds: if folds >= 2 { folds } else { 0 },
        validation: metrics::evaluate(&predicted, &val_truth, &data.vocabulary.names()),
        before: reliability(&raw, &val_truth),
        after: reliability(&calibrated, &val_truth),
        calibration: fitted.calibration,
        rule: chosen.rule,
        candidates: fitted.candidates,
    };
    Ok(Tuned {
        tuning,
        members: fitted.members,
    })
}

/// Calibration and thresholds from out-of-fold predictions of `train`: thresholds are chosen
/// on the uncalibrated scale and carried over to the calibrated one
/// ([`Calibration::threshold_for`]). With the settings' ensemble, the fold heads join the
/// model for its validation logits (and are returned to be kept).
fn fit_out_of_fold(
    data: HeadData,
    head: &mut Head,
    (train, validation): (&[usize], &[usize]),
    folds: usize,
    epochs: usize,
) -> Result<Fitted, EngineError> {
    let config = data.config;
    let val_truth = data.truth(validation);
    let oof = out_of_fold(data, train, folds, epochs)?;
    let oof_truth = data.truth(train);
    let calibration = Calibration::fit(config.calibration, &oof.logits, &oof_truth);
    let members: Vec<Member> = if config.ensemble {
        oof.heads.iter().map(|t| Member::of(&t.head)).collect()
    } else {
        Vec::new()
    };
    let kept = std::mem::replace(&mut head.ensemble, members);
    let logits = head_logits(head, data.features, validation);
    let members = std::mem::replace(&mut head.ensemble, kept);
    let validation_logits = logits?;
    let val_raw = Calibration::Identity.probabilities(&validation_logits);
    let mut candidates = calibrate::threshold_candidates(
        config.threshold,
        (
            &Calibration::Identity.probabilities(&oof.logits),
            &oof_truth,
        ),
        (&val_raw, &val_truth),
        config.stop_on,
    );
    for c in &mut candidates {
        for (t, th) in c.thresholds.iter_mut().enumerate() {
            *th = calibration.threshold_for(t, *th);
        }
    }
    if !config.tune_thresholds {
        candidates.retain(|c| c.rule == ThresholdRule::Fixed);
    }
    Ok(Fitted {
        calibration,
        candidates,
        members,
        validation_logits,
    })
}
