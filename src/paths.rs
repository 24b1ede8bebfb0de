//! Where vitrine keeps its files: pretrained weights and checkpoints in the platform data
//! directory, embeddings and thumbnails in the platform cache directory.
//!
//! Both can be overridden with `VITRINE_DATA_DIR` and `VITRINE_CACHE_DIR`, which tests and
//! portable installs use.

use std::path::PathBuf;

/// Environment variable that overrides [`data_dir`].
pub const DATA_DIR_ENV: &str = "VITRINE_DATA_DIR";
/// Environment variable that overrides [`cache_dir`].
pub const CACHE_DIR_ENV: &str = "VITRINE_CACHE_DIR";

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "vitrine")
}

/// Persistent data: pretrained weights (`weights/`) and training checkpoints (`checkpoints/`).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV) {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("vitrine-data"))
}

/// Disposable data that speeds things up: embeddings, decoded images, thumbnails.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV) {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.cache_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("vitrine-cache"))
}

/// Folder holding pretrained backbone weights (safetensors).
pub fn weights_dir() -> PathBuf {
    data_dir().join("weights")
}

/// Folder holding training checkpoints.
pub fn checkpoints_dir() -> PathBuf {
    data_dir().join("checkpoints")
}
