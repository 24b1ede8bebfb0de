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
use super::EngineError;
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
    pub fn load(path: &Path) -> Result<Self, EngineError> {
        let dir = if path.is_file() {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            path.to_path_buf()
        };
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&meta_path).map_err(|e| {
            EngineError::Checkpoint(format!(
                "{} is not a vitrine checkpoint (cannot read {}: {e})",
                path.display(),
                meta_path.display()
            ))
        })?;
        let meta: CheckpointMeta = serde_json::from_str(&text).map_err(|e| {
            EngineError::Checkpoint(format!(
                "{} is damaged or from another version of vitrine: {e}",
                meta_path.display()
            ))
        })?;
        if meta.format_version != FORMAT_VERSION {
            return Err(EngineError::Checkpoint(format!(
                "{} uses checkpoint format {}, this vitrine reads format {FORMAT_VERSION}",
                dir.display(),
                meta.format_version
            )));
        }
        if !dir.join(WEIGHTS_FILE).is_file() {
            return Err(EngineError::Checkpoint(format!(
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
        Self::newest(root, |_| true)
    }

    /// The newest checkpoint under `root` trained on a catalogue named `catalogue_name`.
    pub fn latest_for(root: &Path, catalogue_name: &str) -> Option<Self> {
        Self::newest(root, |c| c.meta.catalogue_name == catalogue_name)
    }

    fn newest(root: &Path, keep: impl Fn(&Checkpoint) -> bool) -> Option<Self> {
        let runs = std::fs::read_dir(root).ok()?;
        runs.flatten()
            .filter_map(|run| Self::latest_in_run(&run.path()))
            .filter(|c| keep(c))
            .max_by_key(|c| {
                std::fs::metadata(c.dir.join(META_FILE))
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH)
            })
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
    save_weights: impl FnOnce(&Path) -> Result<(), EngineError>,
) -> Result<Checkpoint, EngineError> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        EngineError::Checkpoint(format!("cannot {what} {}: {e}", p.display()))
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
        .map_err(|e| EngineError::Checkpoint(format!("cannot encode checkpoint: {e}")))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::{TrainConfig, TrainMode};

    fn meta(run_id: &str, catalogue: &str, epochs: usize, stopped: bool) -> CheckpointMeta {
        CheckpointMeta {
            format_version: FORMAT_VERSION,
            run_id: run_id.into(),
            catalogue_name: catalogue.into(),
            config: TrainConfig::for_mode(TrainMode::Fast),
            vocabulary: Vocabulary::default(),
            split: Split::new(&["a.jpg".to_string(), "b.jpg".to_string()], 1),
            thresholds: Vec::new(),
            epochs_completed: epochs,
            stopped_mid_epoch: stopped,
            global_step: epochs * 3,
            backbone_weights: "test".into(),
            includes_backbone: false,
            history: History::default(),
        }
    }

    fn save(root: &Path, m: &CheckpointMeta) -> Checkpoint {
        write(&root.join(&m.run_id), m, |p| {
            std::fs::write(p, b"weights").map_err(|e| EngineError::Checkpoint(e.to_string()))
        })
        .unwrap()
    }

    #[test]
    fn keeps_the_last_few_and_finds_the_newest_per_catalogue() {
        let dir = tempfile::tempdir().unwrap();
        for epoch in 1..=5 {
            save(dir.path(), &meta("run-a", "Shop A", epoch, false));
        }
        let stopped = save(dir.path(), &meta("run-a", "Shop A", 5, true));
        let kept = epoch_dirs(&dir.path().join("run-a")).len();
        assert_eq!(kept, KEEP_LAST);
        // A stop after epoch 5 is newer than epoch 5 itself.
        let latest_a = Checkpoint::latest_in_run(&dir.path().join("run-a")).unwrap();
        assert_eq!(latest_a.dir, stopped.dir);
        assert!(latest_a.meta.stopped_mid_epoch);

        // Longer than the coarsest file-time resolution, so "newer" is unambiguous.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        save(dir.path(), &meta("run-b", "Shop B", 2, false));
        assert_eq!(Checkpoint::latest(dir.path()).unwrap().meta.run_id, "run-b");
        let a = Checkpoint::latest_for(dir.path(), "Shop A").unwrap();
        assert_eq!(
            (a.meta.run_id.as_str(), a.meta.epochs_completed),
            ("run-a", 5)
        );
        assert!(Checkpoint::latest_for(dir.path(), "Shop C").is_none());
    }

    #[test]
    fn refuses_folders_that_are_not_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let err = Checkpoint::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a vitrine checkpoint"), "{err}");
        std::fs::write(dir.path().join(META_FILE), "{ not json").unwrap();
        let err = Checkpoint::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("damaged"), "{err}");
    }
}
