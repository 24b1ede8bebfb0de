//! Where vitrine keeps its files: pretrained weights and checkpoints in the platform data
//! directory, embeddings and thumbnails in the platform cache directory.
//!
//! Both can be overridden with `VITRINE_DATA_DIR` and `VITRINE_CACHE_DIR`, which tests and
//! portable installs use.

use std::path::PathBuf;

use crate::catalogue::{Catalogue, DEMO_NAME};

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

/// Folder holding what vitrine keeps about one catalogue (its tag corrections, its edited
/// vocabulary): `<data dir>/catalogues/<catalogue key>/`, never beside the user's files. The
/// key is `demo` for the built-in demo catalogue, else the catalogue's name made file-safe
/// followed by a hash of its source path, so two `shop.csv` in different folders keep apart.
/// The folder is not created here.
pub fn catalogue_state_dir(catalogue: &Catalogue) -> PathBuf {
    catalogues_dir().join(catalogue_key(catalogue))
}

/// The folder holding every catalogue's state folder (`<data dir>/catalogues`).
pub fn catalogues_dir() -> PathBuf {
    data_dir().join("catalogues")
}

/// The name of a catalogue's folder under `<data dir>/catalogues/` (see
/// [`catalogue_state_dir`]).
pub fn catalogue_key(catalogue: &Catalogue) -> String {
    if catalogue.name == DEMO_NAME {
        return "demo".to_string();
    }
    let slug: String = catalogue
        .name
        .chars()
        .take(48)
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let hash = xxhash_rust::xxh3::xxh3_64(catalogue.source.as_os_str().as_encoded_bytes());
    format!("{}-{hash:016x}", slug.trim_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{CatalogueFormat, ImportReport};

    fn catalogue(name: &str, source: &str) -> Catalogue {
        Catalogue {
            name: name.into(),
            source: PathBuf::from(source),
            format: CatalogueFormat::Csv,
            items: Vec::new(),
            report: ImportReport::default(),
        }
    }

    #[test]
    fn catalogue_keys_are_file_safe_and_tell_sources_apart() {
        let a = catalogue_key(&catalogue("My Shop.csv", "/a/My Shop.csv"));
        let b = catalogue_key(&catalogue("My Shop.csv", "/b/My Shop.csv"));
        assert!(a.starts_with("my-shop-csv-"), "{a}");
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_eq!(catalogue_key(&catalogue(DEMO_NAME, "/anywhere")), "demo");
        assert!(catalogue_state_dir(&catalogue(DEMO_NAME, "/x")).ends_with("catalogues/demo"));
    }
}
