//! Writing a run's checkpoints.

use tch::Tensor;

use super::TrainingRun;
use crate::engine::calibrate::Tuning;
use crate::engine::checkpoint::{self, CheckpointMeta, History};
use crate::engine::config::TrainMode;
use crate::engine::network::Emit;
use crate::engine::protocol::EventBody;
use crate::engine::EngineError;

impl TrainingRun<'_> {
    /// Writes a checkpoint of the weights as they are now, announces it, and makes the head
    /// remember it.
    pub(super) fn checkpoint(
        &mut self,
        epochs_completed: usize,
        stopped_mid_epoch: bool,
        emit: Emit,
    ) -> Result<(), EngineError> {
        self.write_checkpoint(epochs_completed, stopped_mid_epoch, None, emit)
    }

    /// [`Self::checkpoint`] with the tuning of the weights kept.
    pub(super) fn write_checkpoint(
        &mut self,
        epochs_completed: usize,
        stopped_mid_epoch: bool,
        tuning: Option<Tuning>,
        emit: Emit,
    ) -> Result<(), EngineError> {
        let meta = CheckpointMeta {
            format_version: checkpoint::FORMAT_VERSION,
            run_id: self.run_id.clone(),
            catalogue_name: self.catalogue_name.clone(),
            config: self.config.clone(),
            vocabulary: self.vocabulary.clone(),
            vocabulary_settings: Some(self.vocabulary_settings.clone()),
            split: self.split.clone(),
            thresholds: self.thresholds.clone(),
            epochs_completed,
            stopped_mid_epoch,
            global_step: self.global_step,
            backbone_weights: self.net.weights_key(),
            includes_backbone: self.config.mode == TrainMode::FineTune,
            history: compact_history(&self.history),
            tuning,
            weights_checksum: None,
        };
        let net = &self.net;
        let ck = checkpoint::write(&self.run_dir, &meta, |path| {
            if meta.includes_backbone {
                net.vs.save(path)?;
            } else {
                let head = net.head.as_ref().ok_or(EngineError::NoModel)?;
                Tensor::write_safetensors(&head.named_tensors(), path)?;
            }
            Ok(())
        })?;
        emit(EventBody::Checkpoint {
            path: ck.dir.clone(),
            epoch: epochs_completed,
        });
        if let Some(head) = &mut self.net.head {
            head.thresholds = self.thresholds.clone();
            head.meta = Some(meta);
            head.checkpoint = Some(ck.dir.clone());
        }
        self.last_checkpoint = Some(ck.dir);
        Ok(())
    }
}

/// The history as stored in a checkpoint: per-tag scores only for the latest evaluation, so a
/// long fast-mode run does not rewrite megabytes of old tables every epoch.
fn compact_history(history: &History) -> History {
    let mut compact = history.clone();
    let last = compact.evals.len().saturating_sub(1);
    for eval in &mut compact.evals[..last] {
        eval.metrics.per_tag.clear();
    }
    compact
}
