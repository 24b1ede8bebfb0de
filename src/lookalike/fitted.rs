//! A catalogue's own *Fitted* Match weights: chosen by `vitrine eval lookalikes --fit` on the
//! catalogue's labels, saved in its state folder (`<data dir>/catalogues/<key>/`, see
//! [`crate::paths::catalogue_state_dir`]) as `lookalike-weights.json`, durably, and offered by
//! the window's Match control and `--match fitted`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::weights::Weights;

/// The file name in a catalogue's state folder.
pub const FILE_NAME: &str = "lookalike-weights.json";
/// The format version written.
pub const VERSION: u32 = 1;

/// Weights fitted on one catalogue, with what they were fitted on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedWeights {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The weights.
    pub weights: Weights,
    /// The attributes they were fitted on (`NAME=COLUMN`).
    pub attributes: Vec<String>,
    /// How the attributes' P@5 were combined into one objective.
    pub rule: String,
    /// Folds of the cross-validation over query items.
    pub folds: usize,
    /// Cross-validated P@5 of these weights, per attribute.
    pub cross_validated: Vec<(String, f64)>,
}

/// Why fitted weights could not be read or saved.
#[derive(Debug, thiserror::Error)]
pub enum FittedError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not fitted weights of a known version.
    #[error("{path} is not a fitted-weights file this version of vitrine reads ({message})")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The fitted-weights file in a catalogue's state folder.
pub fn path_in(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

/// Saves `fitted` in `state_dir` (created if missing), atomically and durably.
pub fn save(state_dir: &Path, fitted: &FittedWeights) -> Result<PathBuf, FittedError> {
    let path = path_in(state_dir);
    let io = |source| FittedError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(state_dir).map_err(io)?;
    let bytes = serde_json::to_vec_pretty(fitted).map_err(|e| io(std::io::Error::other(e)))?;
    crate::durable::write_file(&path, &bytes).map_err(io)?;
    Ok(path)
}

/// The fitted weights saved in `state_dir`; `Ok(None)` when there are none.
pub fn load(state_dir: &Path) -> Result<Option<FittedWeights>, FittedError> {
    let path = path_in(state_dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FittedError::Io {
                path: path.display().to_string(),
                source,
            })
        }
    };
    let format = |message: String| FittedError::Format {
        path: path.display().to_string(),
        message,
    };
    let fitted: FittedWeights =
        serde_json::from_slice(&bytes).map_err(|e| format(e.to_string()))?;
    if fitted.version != VERSION {
        return Err(format(format!("version {}", fitted.version)));
    }
    let w = fitted.weights;
    let parts = [w.shape, w.colour, w.text, w.kind];
    if parts.iter().any(|v| !v.is_finite() || *v < 0.0) || parts.iter().sum::<f32>() <= 0.0 {
        return Err(format("weights out of range".into()));
    }
    Ok(Some(fitted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_weights_are_saved_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("catalogues").join("shop-1234");
        assert!(load(&state).expect("no file yet").is_none());
        let fitted = FittedWeights {
            version: VERSION,
            weights: Weights::parse("shape=1,colour=1.5,type=0.8").expect("weights"),
            attributes: vec!["type=product_type".into(), "colour=colour".into()],
            rule: "harmonic mean".into(),
            folds: 5,
            cross_validated: vec![("type".into(), 0.8), ("colour".into(), 0.5)],
        };
        let path = save(&state, &fitted).expect("saved");
        assert_eq!(path, path_in(&state));
        assert_eq!(load(&state).expect("read"), Some(fitted));
        std::fs::write(&path, b"{\"version\": 1}").expect("overwrite");
        assert!(matches!(load(&state), Err(FittedError::Format { .. })));
    }
}
