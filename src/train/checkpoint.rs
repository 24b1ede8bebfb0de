//! Checkpoints: one folder per epoch holding the weights (safetensors) and everything needed
//! to use or resume the model (configuration, vocabulary, split, thresholds, metrics history).
//!
//! A checkpoint is written into a temporary folder and renamed into place, so a crash or a
//! Stop never leaves a half-written checkpoint where vitrine would look for one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::metrics::Metrics;
use super::split::Split;
use super::TrainError;
use crate::text::Vocabulary;

/// File inside a checkpoint folder holding [`CheckpointMeta`].
pub const META_FILE: &str = "checkpoint.json";
/// File inside a checkpoint folder holding the weights.
pub const WEIGHTS_FILE: &str = "weights.safetensors";
/// Version of the checkpoint layout; older or newer layouts are refused with a message.
pub const FORMAT_VERSION: u32 = 1;
/// How many epoch checkpoints of one run are kept (older ones are removed).
pub const KEEP_LAST: usize = 3;

/// The loss after one optimisation step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossPoint {
    /// Optimisation steps since the run began (1-based).
    pub step: usize,
    /// Mean binary cross-entropy of the batch.
    pub loss: f32,
}

/// One evaluation on the validation split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalPoint {
    /// Optimisation steps since the run began.
    pub step: usize,
    /// Fractional epoch (e.g. 1.5 is half-way through the second epoch).
    pub epoch: f32,
    /// The scores.
    pub metrics: Metrics,
}

/// Everything measured during a run, carried over on resume.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Training loss per step.
    pub losses: Vec<LossPoint>,
    /// Validation metrics over time.
    pub evals: Vec<EvalPoint>,
}

/// What a checkpoint knows besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Identifies the run (its folder name).
    pub run_id: String,
    /// Name of the catalogue the model was trained on.
    pub catalogue_name: String,
    /// The training settings.
    pub config: TrainConfig,
    /// The exact tag vocabulary, in the order of the model's outputs.
    pub vocabulary: Vocabulary,
    /// Which items trained and which validated.
    pub split: Split,
    /// One decision threshold per tag.
    pub thresholds: Vec<f32>,
    /// Epochs completed when this checkpoint was written.
    pub epochs_completed: usize,
    /// True when training was stopped part-way through the next epoch.
    pub stopped_mid_epoch: bool,
    /// Optimisation steps completed.
    pub global_step: usize,
    /// Identity of the pretrained backbone weights the run started from.
    pub backbone_weights: String,
    /// True when the weights file holds the backbone too (fine-tune); false when it holds only
    /// the tag head and the backbone is the pretrained one (fast mode).
    pub includes_backbone: bool,
    /// Loss and metrics so far.
    pub history: History,
}

/// A checkpoint on disk.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The checkpoint folder.
    pub dir: PathBuf,
    /// Its metadata.
    pub meta: CheckpointMeta,
}

impl Checkpoint {
    /// Path of the weights file.
    pub fn weights_path(&self) -> PathBuf {
        self.dir.join(WEIGHTS_FILE)
    }

    /// Reads a checkpoint folder (or the folder of a `checkpoint.json` / weights file given
    /// directly).
    pub fn load(path: &Path) -> Result<Self, TrainError> {
        let dir = if path.is_file() {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            path.to_path_buf()
        };
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&meta_path).map_err(|e| {
            TrainError::Checkpoint(format!(
                "{} is not a vitrine checkpoint (cannot read {}: {e})",
                path.display(),
                meta_path.display()
            ))
        })?;
        let meta: CheckpointMeta = serde_json::from_str(&text).map_err(|e| {
            TrainError::Checkpoint(format!(
                "{} is damaged or from another version of vitrine: {e}",
                meta_path.display()
            ))
        })?;
        if meta.format_version != FORMAT_VERSION {
            return Err(TrainError::Checkpoint(format!(
                "{} uses checkpoint format {}, this vitrine reads format {FORMAT_VERSION}",
                dir.display(),
                meta.format_version
            )));
        }
        if !dir.join(WEIGHTS_FILE).is_file() {
            return Err(TrainError::Checkpoint(format!(
                "{} has no {WEIGHTS_FILE}",
                dir.display()
            )));
        }
        Ok(Self { dir, meta })
    }

    /// The newest complete checkpoint of a run folder, if any.
    pub fn latest_in_run(run_dir: &Path) -> Option<Self> {
        let mut dirs = epoch_dirs(run_dir);
        dirs.sort();
        dirs.iter().rev().find_map(|d| Self::load(d).ok())
    }

    /// The newest checkpoint of any run under `root` (by modification time).
    pub fn latest(root: &Path) -> Option<Self> {
        let runs = std::fs::read_dir(root).ok()?;
        let mut found: Vec<(std::time::SystemTime, Checkpoint)> = runs
            .flatten()
            .filter_map(|run| Self::latest_in_run(&run.path()))
            .map(|c| {
                let time = std::fs::metadata(c.dir.join(META_FILE))
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (time, c)
            })
            .collect();
        found.sort_by_key(|(t, _)| *t);
        found.pop().map(|(_, c)| c)
    }
}

fn epoch_dirs(run_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(run_dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("epoch-") && !n.ends_with(".tmp"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Writes a checkpoint atomically: `save_weights` writes the weights file into a temporary
/// folder, the metadata follows, and the folder is renamed to `run_dir/epoch-NNNN`. Older
/// checkpoints beyond [`KEEP_LAST`] are removed.
pub fn write(
    run_dir: &Path,
    meta: &CheckpointMeta,
    save_weights: impl FnOnce(&Path) -> Result<(), TrainError>,
) -> Result<Checkpoint, TrainError> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        TrainError::Checkpoint(format!("cannot {what} {}: {e}", p.display()))
    };
    std::fs::create_dir_all(run_dir).map_err(|e| io("create", run_dir, e))?;
    let name = format!(
        "epoch-{:04}{}",
        meta.epochs_completed,
        if meta.stopped_mid_epoch {
            "-stopped"
        } else {
            ""
        }
    );
    let final_dir = run_dir.join(&name);
    let tmp_dir = run_dir.join(format!("{name}.tmp"));
    let _ = std::fs::remove_dir_all(&tmp_dir);
    std::fs::create_dir_all(&tmp_dir).map_err(|e| io("create", &tmp_dir, e))?;
    save_weights(&tmp_dir.join(WEIGHTS_FILE))?;
    let text = serde_json::to_string_pretty(meta)
        .map_err(|e| TrainError::Checkpoint(format!("cannot encode checkpoint: {e}")))?;
    std::fs::write(tmp_dir.join(META_FILE), text).map_err(|e| io("write", &tmp_dir, e))?;
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir).map_err(|e| io("replace", &final_dir, e))?;
    }
    std::fs::rename(&tmp_dir, &final_dir).map_err(|e| io("finish", &final_dir, e))?;
    let mut dirs = epoch_dirs(run_dir);
    dirs.sort();
    if dirs.len() > KEEP_LAST {
        for old in &dirs[..dirs.len() - KEEP_LAST] {
            if old != &final_dir {
                let _ = std::fs::remove_dir_all(old);
            }
        }
    }
    Ok(Checkpoint {
        dir: final_dir,
        meta: meta.clone(),
    })
}
