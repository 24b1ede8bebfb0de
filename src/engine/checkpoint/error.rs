//! What can go wrong with a checkpoint, in words that name the file and the field.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::WEIGHTS_FILE;

/// Why a checkpoint could not be read, written or resumed.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// A file or folder could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What vitrine was doing ("read", "create", ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The folder has no readable `checkpoint.json`.
    #[error("{path} is not a vitrine checkpoint (cannot read {meta_path}: {source})")]
    NotACheckpoint {
        /// The folder or file given.
        path: PathBuf,
        /// The metadata file looked for.
        meta_path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// `checkpoint.json` is not valid JSON of a checkpoint.
    #[error("{path} is damaged or from another version of vitrine: {source}")]
    InvalidJson {
        /// The metadata file.
        path: PathBuf,
        /// The parser's words.
        source: serde_json::Error,
    },
    /// A field of `checkpoint.json` holds a value no vitrine writes.
    #[error("{path} is refused: field `{field}` {problem}")]
    InvalidField {
        /// The metadata file.
        path: PathBuf,
        /// The field, as named in the file.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The weights file is damaged: not a weights file, or not what was written.
    #[error("{path} is refused: {problem}")]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Weights that are not finite numbers: never written, never loaded.
    #[error("{}weight {tensor} holds values that are not finite numbers (NaN or infinity){}",
        path.as_ref().map(|p| format!("{} is refused: ", p.display())).unwrap_or_default(),
        if path.is_none() { "; no checkpoint was written" } else { "" })]
    NonFiniteWeights {
        /// The weights file, when loading; `None` when writing.
        path: Option<PathBuf>,
        /// The first tensor found with such values.
        tensor: String,
    },
    /// The folder has metadata but no weights.
    #[error("{0} has no {WEIGHTS_FILE}")]
    MissingWeights(PathBuf),
    /// The checkpoint could not be encoded.
    #[error("cannot encode checkpoint: {0}")]
    Encode(serde_json::Error),
    /// Resume was asked for, but this catalogue has no checkpoint.
    #[error("there is no checkpoint of {catalogue} to resume in {root}")]
    NothingToResume {
        /// The catalogue's name.
        catalogue: String,
        /// Where checkpoints were looked for.
        root: PathBuf,
    },
    /// The settings a run would continue with are out of range.
    #[error("cannot continue the run: {0}")]
    InvalidSettings(String),
    /// The run to resume has done all its epochs.
    #[error(
        "this run is already complete ({done} of {epochs} epochs); start a new run or raise the \
         epochs"
    )]
    AlreadyComplete {
        /// Epochs completed.
        done: usize,
        /// Epochs the run was configured for.
        epochs: usize,
    },
    /// The epochs asked for do not go beyond what the run has done.
    #[error(
        "this run has done {done} of its {epochs} epochs; asking for {requested} would not \
         continue it: ask for more than {done}"
    )]
    TooFewEpochs {
        /// Epochs completed.
        done: usize,
        /// Epochs the run was configured for.
        epochs: usize,
        /// Epochs asked for.
        requested: usize,
    },
}

impl CheckpointError {
    pub(super) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
