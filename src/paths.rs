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

/// Folder holding vitrine's own state for each catalogue (its vocabulary, say), one folder per
/// catalogue named by [`catalogue_key`]; never inside the user's catalogue.
pub fn catalogues_dir() -> PathBuf {
    data_dir().join("catalogues")
}

/// The name of a catalogue's state folder: its name (letters, digits, `-` and `_`, at most 40)
/// and a hash of where it was opened from, so two catalogues with one name keep apart
/// (`summer-shop-1f2e3d4c`). Moving a catalogue's file gives it a new folder.
pub fn catalogue_key(name: &str, source: &std::path::Path) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let source = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    let hash = xxhash_rust::xxh3::xxh3_64(source.to_string_lossy().as_bytes());
    format!("{safe}-{:08x}", hash as u32)
}

/// The state folder of a catalogue (see [`catalogue_key`]) under `root` (usually
/// [`catalogues_dir`]).
pub fn catalogue_state_dir(
    root: &std::path::Path,
    name: &str,
    source: &std::path::Path,
) -> PathBuf {
    root.join(catalogue_key(name, source))
}
