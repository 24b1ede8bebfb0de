//! Checks on a loaded `checkpoint.json`: every field holds a value vitrine could have written,
//! so a damaged or hand-edited file is refused with its field named instead of failing later
//! (a wrong number of thresholds, a run that "completed" 10^15 epochs...).

use std::path::Path;

use super::{CheckpointError, CheckpointMeta, FORMAT_VERSION};
use crate::engine::config::MAX_EPOCHS;

/// Refuses metadata that no vitrine writes; `path` is the file, for the message.
pub(super) fn check(meta: &CheckpointMeta, path: &Path) -> Result<(), CheckpointError> {
    let invalid = |field: &'static str, problem: String| {
        Err(CheckpointError::InvalidField {
            path: path.to_path_buf(),
            field,
            problem,
        })
    };
    if meta.format_version != FORMAT_VERSION {
        return invalid(
            "format_version",
            format!(
                "is {}, this vitrine reads checkpoint format {FORMAT_VERSION}",
                meta.format_version
            ),
        );
    }
    if meta.run_id.trim().is_empty() {
        return invalid("run_id", "is empty".into());
    }
    if let Err(problem) = meta.config.validate() {
        return invalid("config", format!("is out of range: {problem}"));
    }
    if meta.vocabulary.is_empty() {
        return invalid("vocabulary", "has no tags".into());
    }
    let tags = meta.vocabulary.len();
    if meta.thresholds.len() != tags {
        return invalid(
            "thresholds",
            format!(
                "has {} value(s) for a vocabulary of {tags} tags",
                meta.thresholds.len()
            ),
        );
    }
    if let Some((i, t)) = meta
        .thresholds
        .iter()
        .enumerate()
        .find(|(_, t)| !(0.0..=1.0).contains(*t))
    {
        return invalid(
            "thresholds",
            format!(
                "holds {t} for tag {} (a threshold is between 0 and 1)",
                i + 1
            ),
        );
    }
    if meta.epochs_completed > meta.config.epochs || meta.epochs_completed > MAX_EPOCHS {
        return invalid(
            "epochs_completed",
            format!(
                "is {}, more than the run's {} epochs",
                meta.epochs_completed, meta.config.epochs
            ),
        );
    }
    if meta.split.train.is_empty() || meta.split.validation.is_empty() {
        return invalid(
            "split",
            format!(
                "has {} training and {} validation items; both are needed",
                meta.split.train.len(),
                meta.split.validation.len()
            ),
        );
    }
    let ids = meta.split.train.iter().chain(&meta.split.validation);
    if ids.clone().any(|id| id.trim().is_empty()) {
        return invalid("split", "has an empty item id".into());
    }
    Ok(())
}
