//! The one rule for continuing a run, shared by `vitrine train --resume` and the window's
//! Resume button.
//!
//! A run continues with its own settings (backbone, mode, learning rate, split...) up to its own
//! number of epochs, or up to the number asked for when one is given. A run that has done all
//! its epochs is complete: resuming it is refused with a message, never silently extended.

use std::path::{Path, PathBuf};

use super::{Checkpoint, CheckpointError};
use crate::engine::config::TrainConfig;

/// What to continue and with which settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ResumePlan {
    /// The checkpoint folder to continue from.
    pub checkpoint: PathBuf,
    /// The run's settings, with the epochs to reach.
    pub config: TrainConfig,
    /// Epochs the run has done already.
    pub epochs_completed: usize,
}

/// Decides how to resume: the checkpoint `requested`, or without one the latest checkpoint of
/// the catalogue `catalogue_name` under `root`; it continues to `epochs_override` epochs when
/// given, else to the run's own configured epochs.
pub fn resume_plan(
    root: &Path,
    catalogue_name: &str,
    requested: Option<&Path>,
    epochs_override: Option<usize>,
) -> Result<ResumePlan, CheckpointError> {
    let checkpoint = match requested {
        Some(path) => Checkpoint::load(path)?,
        None => Checkpoint::latest_for(root, catalogue_name).ok_or_else(|| {
            CheckpointError::NothingToResume {
                catalogue: catalogue_name.to_string(),
                root: root.to_path_buf(),
            }
        })?,
    };
    ResumePlan::for_checkpoint(&checkpoint, epochs_override)
}

impl ResumePlan {
    /// The rule of [`resume_plan`] applied to a checkpoint already loaded.
    pub fn for_checkpoint(
        checkpoint: &Checkpoint,
        epochs_override: Option<usize>,
    ) -> Result<Self, CheckpointError> {
        let meta = &checkpoint.meta;
        let done = meta.epochs_completed;
        let epochs = meta.config.epochs;
        let target = epochs_override.unwrap_or(epochs);
        if target <= done {
            return Err(if done >= epochs {
                CheckpointError::AlreadyComplete { done, epochs }
            } else {
                CheckpointError::TooFewEpochs {
                    done,
                    epochs,
                    requested: target,
                }
            });
        }
        let config = TrainConfig {
            epochs: target,
            ..meta.config.clone()
        };
        config
            .validate()
            .map_err(CheckpointError::InvalidSettings)?;
        Ok(Self {
            checkpoint: checkpoint.dir.clone(),
            config,
            epochs_completed: done,
        })
    }
}
