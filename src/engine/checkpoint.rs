//! Checkpoints: one folder per epoch holding the weights (safetensors) and everything needed
//! to use or resume the model (configuration, vocabulary, split, thresholds, metrics history).
//!
//! A checkpoint is written into a temporary folder (`epoch-NNNN.tmp`), its files and the folder
//! are flushed to disk, and it is renamed into place, so a crash, a power cut or a Stop never
//! leaves a half-written checkpoint where vitrine would look for one; temporary folders left by
//! a crash are removed by the next write into the run and never listed. Every run has its own
//! folder, created exclusively by [`create_run_dir`]. A checkpoint is checked when it is
//! loaded ([`Checkpoint::load`]): a damaged or hand-edited `checkpoint.json` is refused with
//! the file and the field named. [`resume_plan`] is the one rule for continuing a run.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::calibrate::Tuning;
use super::config::TrainConfig;
use super::metrics::Metrics;
use super::split::Split;
use super::EngineError;
use crate::durable;
use crate::text::vocab::VocabularySettings;
use crate::text::Vocabulary;

mod error;
mod resume;
mod validate;
mod weights;

pub use error::CheckpointError;
pub use resume::{resume_plan, ResumePlan};
pub use weights::{checksum as weights_checksum, first_non_finite};

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
    /// The settings that made the vocabulary (mode, sizes, edits); None in checkpoints written
    /// before vitrine recorded them.
    #[serde(default)]
    pub vocabulary_settings: Option<VocabularySettings>,
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
    /// Fast mode: the epoch kept, its calibration and thresholds, chosen from data after the
    /// epochs (a checkpoint that has it holds the kept weights; its folder ends in `-best`).
    #[serde(default)]
    pub tuning: Option<Tuning>,
    /// xxh3-128 of the weights file (32 hex digits), checked when the checkpoint is loaded;
    /// `None` in checkpoints written before vitrine recorded it. Filled in by [`write`].
    #[serde(default)]
    pub weights_checksum: Option<String>,
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

    /// Reads and checks a checkpoint folder (or the folder of a `checkpoint.json` / weights
    /// file given directly).
    pub fn load(path: &Path) -> Result<Self, CheckpointError> {
        let dir = if path.is_file() {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            path.to_path_buf()
        };
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&meta_path).map_err(|source| {
            CheckpointError::NotACheckpoint {
                path: path.to_path_buf(),
                meta_path: meta_path.clone(),
                source,
            }
        })?;
        let meta: CheckpointMeta =
            serde_json::from_str(&text).map_err(|source| CheckpointError::InvalidJson {
                path: meta_path.clone(),
                source,
            })?;
        validate::check(&meta, &meta_path)?;
        if !dir.join(WEIGHTS_FILE).is_file() {
            return Err(CheckpointError::MissingWeights(dir));
        }
        Ok(Self { dir, meta })
    }

    /// The newest complete checkpoint of a run folder, if any. Folders that cannot be loaded
    /// are skipped (and logged).
    pub fn latest_in_run(run_dir: &Path) -> Option<Self> {
        let mut dirs = epoch_dirs(run_dir);
        dirs.sort();
        dirs.iter().rev().find_map(|d| match Self::load(d) {
            Ok(ck) => Some(ck),
            Err(e) => {
                log::warn!("skipping checkpoint: {e}");
                None
            }
        })
    }

    /// The newest checkpoint of any run under `root` (by modification time).
    pub fn latest(root: &Path) -> Option<Self> {
        Self::newest(root, |_| true)
    }

    /// The newest checkpoint under `root` trained on a catalogue named `catalogue_name`.
    pub fn latest_for(root: &Path, catalogue_name: &str) -> Option<Self> {
        Self::newest(root, |c| c.meta.catalogue_name == catalogue_name)
    }

    fn newest(root: &Path, keep: impl Fn(&Checkpoint) -> bool) -> Option<Self> {
        let runs = match std::fs::read_dir(root) {
            Ok(runs) => runs,
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    log::warn!("cannot list checkpoints in {}: {e}", root.display());
                }
                return None;
            }
        };
        runs.flatten()
            .map(|run| run.path())
            .filter(|run| run.is_dir() && !durable::is_tmp(run))
            .filter_map(|run| Self::latest_in_run(&run))
            .filter(|c| keep(c))
            .max_by_key(|c| {
                std::fs::metadata(c.dir.join(META_FILE))
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH)
            })
    }
}

/// Creates a new, empty run folder under `root` named `<base_name>-<random suffix>`, with an
/// exclusive create so two runs started at the same moment never share a folder. Returns the
/// run id (the folder name) and the folder.
pub fn create_run_dir(root: &Path, base_name: &str) -> Result<(String, PathBuf), CheckpointError> {
    std::fs::create_dir_all(root).map_err(CheckpointError::io("create", root))?;
    let mut attempt = 0;
    loop {
        let run_id = format!("{base_name}-{:06x}", rand::random::<u32>() & 0xff_ffff);
        let dir = root.join(&run_id);
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                durable::sync_dir(root).map_err(CheckpointError::io("flush", root))?;
                return Ok((run_id, dir));
            }
            // Taken by another run: draw another suffix (a few tries are plenty).
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
            }
            Err(e) => return Err(CheckpointError::io("create", &dir)(e)),
        }
    }
}

/// The finished epoch folders of a run (temporary ones are left out).
fn epoch_dirs(run_dir: &Path) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(run_dir) {
        Ok(entries) => entries,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                log::warn!("cannot list checkpoints in {}: {e}", run_dir.display());
            }
            return Vec::new();
        }
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && !durable::is_tmp(p)
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("epoch-"))
        })
        .collect()
}

/// Removes what an interrupted write left in a run folder (`*.tmp`); failures are logged.
fn remove_leftovers(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return;
    };
    for path in entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| durable::is_tmp(p))
    {
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match removed {
            Ok(()) => log::info!("removed unfinished checkpoint {}", path.display()),
            Err(e) => log::warn!(
                "cannot remove unfinished checkpoint {}: {e}",
                path.display()
            ),
        }
    }
}

/// Writes a checkpoint atomically and durably: `save_weights` writes the weights file into a
/// temporary folder, the metadata follows, both files and the folder are flushed to disk, and
/// the folder is renamed to `run_dir/epoch-NNNN` (then the run folder is flushed). Leftovers of
/// an interrupted write are removed first; older checkpoints beyond [`KEEP_LAST`] are removed
/// after (a failure to remove one is logged).
pub fn write(
    run_dir: &Path,
    meta: &CheckpointMeta,
    save_weights: impl FnOnce(&Path) -> Result<(), EngineError>,
) -> Result<Checkpoint, EngineError> {
    let io = CheckpointError::io;
    std::fs::create_dir_all(run_dir).map_err(io("create", run_dir))?;
    remove_leftovers(run_dir);
    let name = format!(
        "epoch-{:04}{}{}",
        meta.epochs_completed,
        if meta.stopped_mid_epoch {
            "-stopped"
        } else {
            ""
        },
        // Sorts after the run's last checkpoint of the same epoch count, so the kept weights
        // are the run's latest.
        if meta.tuning.is_some() { "-best" } else { "" }
    );
    let final_dir = run_dir.join(&name);
    let tmp_dir = run_dir.join(format!("{name}{}", durable::TMP_SUFFIX));
    std::fs::create_dir(&tmp_dir).map_err(io("create", &tmp_dir))?;
    let weights = tmp_dir.join(WEIGHTS_FILE);
    let sealed = save_weights(&weights).and_then(|()| Ok(weights::seal(&weights)?));
    let sum = match sealed {
        Ok(sum) => sum,
        Err(e) => {
            // Nothing of a checkpoint that cannot be used is left behind.
            if let Err(e) = std::fs::remove_dir_all(&tmp_dir) {
                log::warn!("cannot remove {}: {e}", tmp_dir.display());
            }
            return Err(e);
        }
    };
    durable::sync_file(&weights).map_err(io("flush", &weights))?;
    let mut meta = meta.clone();
    meta.weights_checksum = Some(sum);
    let meta = &meta;
    let text = serde_json::to_string_pretty(meta).map_err(CheckpointError::Encode)?;
    let meta_path = tmp_dir.join(META_FILE);
    write_synced(&meta_path, text.as_bytes()).map_err(io("write", &meta_path))?;
    durable::sync_dir(&tmp_dir).map_err(io("flush", &tmp_dir))?;
    if final_dir.exists() {
        // Moved aside rather than deleted first, so a crash here leaves a `.tmp` to clean up.
        let aside = run_dir.join(format!("{name}.old{}", durable::TMP_SUFFIX));
        std::fs::rename(&final_dir, &aside).map_err(io("replace", &final_dir))?;
    }
    std::fs::rename(&tmp_dir, &final_dir).map_err(io("finish", &final_dir))?;
    durable::sync_dir(run_dir).map_err(io("flush", run_dir))?;
    remove_leftovers(run_dir);
    prune(run_dir, &final_dir);
    Ok(Checkpoint {
        dir: final_dir,
        meta: meta.clone(),
    })
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Removes the oldest epoch folders beyond [`KEEP_LAST`] (never `keep`); failures are logged.
fn prune(run_dir: &Path, keep: &Path) {
    let mut dirs = epoch_dirs(run_dir);
    dirs.sort();
    if dirs.len() <= KEEP_LAST {
        return;
    }
    for old in &dirs[..dirs.len() - KEEP_LAST] {
        if old != keep {
            if let Err(e) = std::fs::remove_dir_all(old) {
                log::warn!("cannot remove old checkpoint {}: {e}", old.display());
            }
        }
    }
}

#[cfg(test)]
mod tests;
