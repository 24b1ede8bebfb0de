//! A catalogue's vocabulary settings on disk: `<catalogue state folder>/vocabulary.json`
//! (see [`crate::paths::catalogue_state_dir`]), beside the rest of vitrine's state for that
//! catalogue and never in the user's files. The file is versioned and written with
//! [`crate::durable`], so a crash leaves the old file or the new one.
//!
//! ```json
//! { "format_version": 1,
//!   "settings": { "options": { "mode": "curated", "top_terms_per_item": 10,
//!                              "vocab_nouns": 25, "vocab_adjectives": 25 },
//!                 "edits": [ { "edit": "remove", "tag": "plain" },
//!                            { "edit": "merge", "tags": ["zip", "zipper"], "into": "zip" } ] } }
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::VocabularySettings;
use crate::durable;

/// Name of the file in a catalogue's state folder.
pub const VOCABULARY_FILE: &str = "vocabulary.json";
/// Version of the file's layout; other versions are refused with a message.
pub const FORMAT_VERSION: u32 = 1;

/// Why a vocabulary file cannot be read or written.
#[derive(Debug, Error)]
pub enum StoreError {
    /// Reading or writing failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "write").
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a vocabulary file vitrine wrote.
    #[error("{} is not a vocabulary file vitrine can read: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Serialize, Deserialize)]
struct StoredFile {
    format_version: u32,
    settings: VocabularySettings,
}

/// The vocabulary file of a catalogue whose state folder is `dir`.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(VOCABULARY_FILE)
}

/// Reads saved settings; `Ok(None)` when there is no file (the catalogue's vocabulary was
/// never edited). Unfinished files of killed runs in its folder are removed on the way.
pub fn load(path: &Path) -> Result<Option<VocabularySettings>, StoreError> {
    if let Some(dir) = path.parent() {
        durable::remove_leftovers(dir);
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StoreError::Io {
                action: "read",
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let invalid = |problem: String| StoreError::Invalid {
        path: path.to_path_buf(),
        problem,
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(invalid(format!(
            "its format_version is {}, this vitrine reads version {FORMAT_VERSION}",
            version.map_or("missing".to_string(), |v| v.to_string())
        )));
    }
    let stored: StoredFile = serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
    Ok(Some(stored.settings))
}

/// Writes settings durably, creating the folder.
pub fn save(path: &Path, settings: &VocabularySettings) -> Result<(), StoreError> {
    let io = |action: &'static str, at: &Path| {
        let at = at.to_path_buf();
        move |source| StoreError::Io {
            action,
            path: at,
            source,
        }
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
    }
    let stored = StoredFile {
        format_version: FORMAT_VERSION,
        settings: settings.clone(),
    };
    let text = serde_json::to_string_pretty(&stored).map_err(|e| StoreError::Invalid {
        path: path.to_path_buf(),
        problem: e.to_string(),
    })?;
    durable::write_file(path, text.as_bytes()).map_err(io("write", path))
}

/// Takes the lock of the vocabulary file `path` (held until the guard is dropped), for a
/// read-modify-write of it.
pub fn lock(path: &Path) -> Result<durable::StateLock, StoreError> {
    durable::StateLock::acquire(path).map_err(|source| StoreError::Io {
        action: "lock",
        path: path.to_path_buf(),
        source,
    })
}

/// Saves `ours`, settings made by editing `base`, under the file's lock, on top of what the
/// file holds now: edits saved by someone else since `base` was read are kept, ours follow
/// them. Returns the settings saved (a damaged file is replaced by `ours`).
pub fn save_merged(
    path: &Path,
    base: &VocabularySettings,
    ours: &VocabularySettings,
) -> Result<VocabularySettings, StoreError> {
    let _lock = lock(path)?;
    let theirs = match load(path) {
        Ok(saved) => saved.unwrap_or_default(),
        Err(e) => {
            log::warn!("{e}; it is replaced by the vocabulary being saved");
            base.clone()
        }
    };
    let merged = merge(base, ours, &theirs);
    save(path, &merged)?;
    Ok(merged)
}

/// Three-way merge of vocabulary settings: `ours` and `theirs` both started from `base`.
/// Options changed by us win; edits we added after `base`'s are appended to theirs (once);
/// when we removed edits (a reset), our list of edits wins.
pub fn merge(
    base: &VocabularySettings,
    ours: &VocabularySettings,
    theirs: &VocabularySettings,
) -> VocabularySettings {
    if theirs == base {
        return ours.clone();
    }
    let mut merged = theirs.clone();
    if ours.options != base.options {
        merged.options = ours.options;
    }
    let (base_edits, our_edits) = (&base.edits.edits, &ours.edits.edits);
    if our_edits.starts_with(base_edits) {
        for edit in &our_edits[base_edits.len()..] {
            if !merged.edits.edits.contains(edit) {
                merged.edits.push(edit.clone());
            }
        }
    } else {
        merged.edits = ours.edits.clone();
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::vocab::{VocabEdit, VocabMode};

    #[test]
    fn settings_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(&dir.path().join("shop-1234"));
        assert!(load(&path).unwrap().is_none());
        let mut settings = VocabularySettings::default();
        settings.options.mode = VocabMode::Seed;
        settings.options.vocab_nouns = 30;
        settings.edits.push(VocabEdit::Remove { tag: "fit".into() });
        settings.edits.push(VocabEdit::Merge {
            tags: vec!["button".into(), "buttons".into()],
            into: "button".into(),
        });
        save(&path, &settings).unwrap();
        assert_eq!(load(&path).unwrap(), Some(settings.clone()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"format_version\": 1"), "{text}");
        assert!(text.contains("\"edit\": \"merge\""), "{text}");
        settings.edits = Default::default();
        save(&path, &settings).unwrap();
        assert_eq!(load(&path).unwrap(), Some(settings));
    }

    #[test]
    fn other_versions_and_damaged_files_are_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VOCABULARY_FILE);
        std::fs::write(&path, r#"{"format_version": 9, "settings": {}}"#).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("format_version is 9"), "{e}");
        std::fs::write(&path, "{not json").unwrap();
        assert!(load(&path)
            .unwrap_err()
            .to_string()
            .contains("not a vocabulary file"));
        std::fs::write(
            &path,
            r#"{"format_version": 1, "settings": {"edits": [{"edit": "paint"}]}}"#,
        )
        .unwrap();
        assert!(load(&path).is_err());
    }

    #[test]
    fn edits_saved_elsewhere_in_the_meantime_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        let base = VocabularySettings::default();
        // Someone else removed "plain" after we read the file.
        let mut theirs = base.clone();
        theirs.edits.push(VocabEdit::Remove {
            tag: "plain".into(),
        });
        save(&path, &theirs).unwrap();
        // We add "cotton" and change the sizes on top of what we had read.
        let mut ours = base.clone();
        ours.edits.push(VocabEdit::Add {
            word: "cotton".into(),
        });
        ours.options.vocab_nouns = 30;
        let saved = save_merged(&path, &base, &ours).unwrap();
        assert_eq!(load(&path).unwrap(), Some(saved.clone()));
        assert_eq!(
            saved.edits.edits,
            vec![
                VocabEdit::Remove {
                    tag: "plain".into()
                },
                VocabEdit::Add {
                    word: "cotton".into()
                }
            ]
        );
        assert_eq!(saved.options.vocab_nouns, 30);
        // A reset made from a stale view forgets every edit, as asked.
        let mut reset = ours.clone();
        reset.edits = Default::default();
        assert!(merge(&ours, &reset, &saved).edits.is_empty());
    }
}
