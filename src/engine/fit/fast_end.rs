//! The end of a fast-mode run: the last weights and the best ones, calibrated.

use tch::Tensor;

use super::early_stop::BestEpoch;
use super::head::{restore, HeadData};
use super::{tune, TrainingRun};
use crate::engine::network::Emit;
use crate::engine::EngineError;

/// How a fast run's epochs ended.
pub(super) struct FastEnd {
    pub(super) epochs_done: usize,
    pub(super) stopped_mid_epoch: bool,
    pub(super) stopped_early: bool,
}

impl TrainingRun<'_> {
    /// The end of a fast run: a checkpoint of the last weights (for Resume), then the best
    /// evaluation's weights with their calibration and thresholds, checkpointed last so they
    /// are the run's latest and the model the engine installs.
    pub(super) fn finish_fast(
        &mut self,
        end: FastEnd,
        best: Option<(BestEpoch, Vec<Tensor>)>,
        emit: Emit,
    ) -> Result<(), EngineError> {
        let Some((best, weights)) = best else {
            // Stopped before the first evaluation: only the last weights exist.
            return self.checkpoint(end.epochs_done, end.stopped_mid_epoch, emit);
        };
        if best.epoch != end.epochs_done || end.stopped_mid_epoch {
            self.checkpoint(end.epochs_done, end.stopped_mid_epoch, emit)?;
        }
        let kind = self.net.kind;
        let head = self.net.head.as_mut().ok_or(EngineError::NoModel)?;
        restore(head, &weights);
        let features = self.inputs.features.as_ref().ok_or(EngineError::NoModel)?;
        let data = HeadData {
            features,
            targets: &self.inputs.targets,
            kind,
            vocabulary: &self.vocabulary,
            config: &self.config,
        };
        let run = tune::EpochsRun {
            best_epoch: best.epoch,
            best_score: best.score,
            epochs_run: end.epochs_done,
            stopped_early: end.stopped_early,
        };
        let tuned = tune::tune(data, head, &self.train_idx, &self.val_idx, run)?;
        head.ensemble = tuned.members;
        let tuning = tuned.tuning;
        log::info!(
            "kept epoch {} of {} (validation {} {:.3}); calibration {}; {}; ensemble of {} \
             heads; ECE {:.3} -> {:.3}",
            tuning.best_epoch,
            tuning.epochs_run,
            tuning.criterion.describe(),
            tuning.best_epoch_micro_f1,
            tuning.calibration.describe(),
            tuning.rule.describe(),
            tuning.ensemble + 1,
            tuning.before.ece,
            tuning.after.ece
        );
        if let Some(thresholds) = tuning.thresholds() {
            self.thresholds = thresholds.to_vec();
        }
        self.write_checkpoint(end.epochs_done, end.stopped_mid_epoch, Some(tuning), emit)
    }
}
