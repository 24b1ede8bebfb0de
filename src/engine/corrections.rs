//! The user's tag corrections of a catalogue: for an item and a vocabulary tag, "it has this
//! tag" or "it does not", whatever its description says. They are kept in a versioned sidecar
//! file in vitrine's data folder ([`sidecar_path`]: `<data dir>/catalogues/<key>/corrections.json`,
//! never beside the user's files) and become the item's targets in the next training run
//! ([`Corrections::apply`]).
//!
//! The file, version 1:
//!
//! ```json
//! { "version": 1, "catalogue": "shop.csv",
//!   "items": { "images/12.jpg": { "collar": true, "zip": false } } }
//! ```
//!
//! Items are keyed by their catalogue id and tags by name, so a correction survives a reordered
//! catalogue and a vocabulary where its tag moved; a correction whose item or tag is gone is
//! kept in the file and simply not used. A file of another version is refused in words.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalogue::Catalogue;
use crate::durable;
use crate::text::Vocabulary;

/// Name of the sidecar file inside the catalogue's state folder.
pub const FILE_NAME: &str = "corrections.json";
/// The sidecar layout this vitrine reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Why the corrections file could not be read or written.
#[derive(Debug, Error)]
pub enum CorrectionsError {
    /// Reading or writing the file (or creating its folder) failed.
    #[error("cannot {action} the corrections file {}: {source}", path.display())]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a corrections file vitrine can understand.
    #[error("the corrections file {} is damaged ({message}); move it away to start over", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The file was written in another layout.
    #[error(
        "the corrections file {} has version {found}, and this vitrine reads version \
         {FORMAT_VERSION}; it was written by another vitrine: update vitrine, or move the file \
         away to start over",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it declares.
        found: u64,
    },
}

/// Tag corrections by item id, then tag name: `true` when the item has the tag, `false` when it
/// does not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corrections {
    items: BTreeMap<String, BTreeMap<String, bool>>,
}

/// The file as stored.
#[derive(Serialize, Deserialize)]
struct SidecarFile {
    version: u32,
    catalogue: String,
    items: BTreeMap<String, BTreeMap<String, bool>>,
}

impl Corrections {
    /// The correction of `tag` for item `id`, if the user made one.
    pub fn get(&self, id: &str, tag: &str) -> Option<bool> {
        self.items.get(id).and_then(|tags| tags.get(tag)).copied()
    }

    /// Records (`Some`) or forgets (`None`) a correction.
    pub fn set(&mut self, id: &str, tag: &str, value: Option<bool>) {
        match value {
            Some(v) => {
                self.items
                    .entry(id.to_string())
                    .or_default()
                    .insert(tag.to_string(), v);
            }
            None => {
                if let Some(tags) = self.items.get_mut(id) {
                    tags.remove(tag);
                    if tags.is_empty() {
                        self.items.remove(id);
                    }
                }
            }
        }
    }

    /// The corrections of one item, by tag name.
    pub fn of_item(&self, id: &str) -> Option<&BTreeMap<String, bool>> {
        self.items.get(id)
    }

    /// True when the user corrected something of item `id`.
    pub fn has_item(&self, id: &str) -> bool {
        self.items.contains_key(id)
    }

    /// Number of items with at least one correction.
    pub fn items_corrected(&self) -> usize {
        self.items.len()
    }

    /// Number of items of `catalogue` with at least one correction (corrections of items no
    /// longer in it are kept in the file but not counted).
    pub fn items_corrected_in(&self, catalogue: &Catalogue) -> usize {
        catalogue
            .items
            .iter()
            .filter(|item| self.items.contains_key(&item.id))
            .count()
    }

    /// True when there is no correction.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Applies the corrections of item `id` to its multi-hot target row (in `vocabulary`'s
    /// order); tags not in the vocabulary are left out.
    pub fn apply(&self, id: &str, vocabulary: &Vocabulary, row: &mut [f32]) {
        for (tag, &has) in self.items.get(id).into_iter().flatten() {
            if let Some(slot) = vocabulary.index_of(tag).and_then(|t| row.get_mut(t)) {
                *slot = if has { 1.0 } else { 0.0 };
            }
        }
    }

    /// The tags of an item after its corrections: those of `described` the user did not
    /// remove, then those the user added, in the order of `vocabulary` (tag names).
    pub fn corrected_tags(
        &self,
        id: &str,
        described: &[String],
        vocabulary: &[String],
    ) -> Vec<String> {
        vocabulary
            .iter()
            .filter(|tag| match self.get(id, tag) {
                Some(has) => has,
                None => described.contains(tag),
            })
            .cloned()
            .collect()
    }

    /// Reads a sidecar file; a missing file is no corrections. Unfinished files of killed runs
    /// in its folder are removed on the way.
    pub fn load(path: &Path) -> Result<Self, CorrectionsError> {
        if let Some(dir) = path.parent() {
            durable::remove_leftovers(dir);
        }
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(CorrectionsError::Io {
                    action: "read",
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let damaged = |message: String| CorrectionsError::Damaged {
            path: path.to_path_buf(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(found) => {
                return Err(CorrectionsError::Version {
                    path: path.to_path_buf(),
                    found,
                })
            }
            None => return Err(damaged("it has no version number".into())),
        }
        let file: SidecarFile =
            serde_json::from_value(value).map_err(|e| damaged(e.to_string()))?;
        Ok(Self { items: file.items })
    }

    /// Writes the sidecar file crash-safely, creating its folder.
    pub fn save(&self, path: &Path, catalogue_name: &str) -> Result<(), CorrectionsError> {
        let io = |source| CorrectionsError::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = SidecarFile {
            version: FORMAT_VERSION,
            catalogue: catalogue_name.to_string(),
            items: self.items.clone(),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| io(std::io::Error::other(e)))?;
        durable::write_file(path, &json).map_err(io)
    }
}

impl Corrections {
    /// Changes the sidecar file at `path` under its lock: reads what it holds now (corrections
    /// saved by another window included), applies `change`, writes it, and returns the
    /// corrections saved.
    pub fn update(
        path: &Path,
        catalogue_name: &str,
        change: impl FnOnce(&mut Corrections),
    ) -> Result<Self, CorrectionsError> {
        let _lock = durable::StateLock::acquire(path).map_err(|source| CorrectionsError::Io {
            action: "lock",
            path: path.to_path_buf(),
            source,
        })?;
        let mut corrections = Self::load(path)?;
        change(&mut corrections);
        corrections.save(path, catalogue_name)?;
        Ok(corrections)
    }
}

/// Where the corrections of `catalogue` are kept.
pub fn sidecar_path(catalogue: &Catalogue) -> PathBuf {
    crate::paths::catalogue_state_dir(catalogue).join(FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{TermKind, VocabTag};

    fn vocabulary(names: &[&str]) -> Vocabulary {
        Vocabulary {
            tags: names
                .iter()
                .map(|n| VocabTag {
                    name: n.to_string(),
                    kind: TermKind::Noun,
                    count: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn a_correction_round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalogues/demo").join(FILE_NAME);
        assert!(Corrections::load(&path).unwrap().is_empty(), "no file yet");
        let mut c = Corrections::default();
        c.set("a.jpg", "collar", Some(true));
        c.set("a.jpg", "zip", Some(false));
        c.set("b.jpg", "hood", Some(true));
        c.set("b.jpg", "hood", None);
        c.save(&path, "Demo catalogue").unwrap();
        let back = Corrections::load(&path).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.get("a.jpg", "zip"), Some(false));
        assert_eq!(
            back.items_corrected(),
            1,
            "forgetting b's only correction forgets b"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"version\": 1") && text.contains("Demo catalogue"),
            "{text}"
        );
    }

    #[test]
    fn another_version_or_a_damaged_file_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, r#"{"version": 2, "catalogue": "x", "items": {}}"#).unwrap();
        let err = Corrections::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("version 2") && err.contains("reads version 1"),
            "{err}"
        );
        std::fs::write(&path, r#"{"catalogue": "x", "items": {}}"#).unwrap();
        let err = Corrections::load(&path).unwrap_err().to_string();
        assert!(err.contains("no version"), "{err}");
        std::fs::write(&path, "{\"version\": 1, \"items\": [1]}").unwrap();
        assert!(matches!(
            Corrections::load(&path),
            Err(CorrectionsError::Damaged { .. })
        ));
    }

    #[test]
    fn corrections_override_the_description_in_targets_and_tags() {
        let vocab = vocabulary(&["dress", "collar", "zip"]);
        let mut c = Corrections::default();
        c.set("a", "collar", Some(true));
        c.set("a", "dress", Some(false));
        c.set("a", "not-a-tag", Some(true));
        let mut row = vocab.multi_hot(&["dress", "zip"]);
        c.apply("a", &vocab, &mut row);
        assert_eq!(row, [0.0, 1.0, 1.0]);
        let mut untouched = vocab.multi_hot(&["dress"]);
        c.apply("b", &vocab, &mut untouched);
        assert_eq!(untouched, [1.0, 0.0, 0.0]);
        let described = vec!["dress".to_string(), "zip".to_string()];
        assert_eq!(
            c.corrected_tags("a", &described, &vocab.names()),
            ["collar", "zip"]
        );
        assert_eq!(c.corrected_tags("b", &described, &vocab.names()), described);
    }
}
