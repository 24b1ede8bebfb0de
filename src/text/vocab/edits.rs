//! The user's changes to a vocabulary: plain data, applied in order after the automatic
//! vocabulary ([`VocabularyEdits::apply`]), checked when made ([`VocabularyEdits::check`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::words::WordIndex;
use super::{TagSet, TermKind, VocabTag, Vocabulary};

/// One change to a vocabulary.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum VocabEdit {
    /// Drop a tag.
    Remove {
        /// The tag's name.
        tag: String,
    },
    /// Add a word of the descriptions as a tag: every item whose description has it (in any
    /// of its forms) gets it.
    Add {
        /// The word, in any form.
        word: String,
    },
    /// Give a tag another name.
    Rename {
        /// The tag's name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Make several tags one: an item with any of them has it.
    Merge {
        /// The tags merged (two or more).
        tags: Vec<String>,
        /// The name of the merged tag (one of them, or a new name).
        into: String,
    },
}

impl std::fmt::Display for VocabEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VocabEdit::Remove { tag } => write!(f, "remove {tag}"),
            VocabEdit::Add { word } => write!(f, "add {word}"),
            VocabEdit::Rename { from, to } => write!(f, "rename {from} to {to}"),
            VocabEdit::Merge { tags, into } => write!(f, "merge {} into {into}", tags.join(", ")),
        }
    }
}

/// Why an edit cannot be made, in words.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EditError {
    /// The edit names a tag that is not in the vocabulary.
    #[error("there is no tag \"{0}\"")]
    NoSuchTag(String),
    /// The word to add is in no description.
    #[error("no description has the word \"{0}\"")]
    UnknownWord(String),
    /// The new name is a tag already.
    #[error("\"{0}\" is a tag already (merge the two instead)")]
    TagExists(String),
    /// A name is empty or not one word.
    #[error("a tag name needs letters: {0:?}")]
    BadName(String),
    /// A merge names fewer than two tags.
    #[error("a merge needs two tags or more")]
    MergeNeedsTwo,
}

/// The user's edits of one catalogue's vocabulary, applied in order.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(transparent)]
pub struct VocabularyEdits {
    /// The edits, oldest first.
    pub edits: Vec<VocabEdit>,
}

/// A tag and its items while edits are applied.
struct Working {
    tag: VocabTag,
    items: BTreeSet<usize>,
}

/// Tag names are lower case and trimmed; none is empty.
fn clean_name(name: &str) -> Result<String, EditError> {
    let cleaned = name.trim().to_lowercase();
    if cleaned.chars().any(char::is_alphanumeric) {
        Ok(cleaned)
    } else {
        Err(EditError::BadName(name.to_string()))
    }
}

impl VocabularyEdits {
    /// Number of edits.
    pub fn len(&self) -> usize {
        self.edits.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Adds an edit at the end (unchecked; see [`VocabularyEdits::check`]).
    pub fn push(&mut self, edit: VocabEdit) {
        self.edits.push(edit);
    }

    /// Whether `edit` can be made on `vocabulary` (the vocabulary as edited so far), whose
    /// descriptions have `words`. Returns the edit with its names cleaned (lower case).
    pub fn check(
        edit: &VocabEdit,
        vocabulary: &Vocabulary,
        words: &WordIndex,
    ) -> Result<VocabEdit, EditError> {
        let has = |name: &str| vocabulary.index_of(name).is_some();
        let existing = |name: &str| {
            let name = clean_name(name)?;
            if has(&name) {
                Ok(name)
            } else {
                Err(EditError::NoSuchTag(name))
            }
        };
        Ok(match edit {
            VocabEdit::Remove { tag } => VocabEdit::Remove {
                tag: existing(tag)?,
            },
            VocabEdit::Add { word } => {
                let word = clean_name(word)?;
                let entry = words
                    .find(&word)
                    .ok_or_else(|| EditError::UnknownWord(word.clone()))?;
                if has(&entry.name) || has(&word) {
                    return Err(EditError::TagExists(entry.name.clone()));
                }
                VocabEdit::Add { word }
            }
            VocabEdit::Rename { from, to } => {
                let from = existing(from)?;
                let to = clean_name(to)?;
                if to != from && has(&to) {
                    return Err(EditError::TagExists(to));
                }
                VocabEdit::Rename { from, to }
            }
            VocabEdit::Merge { tags, into } => {
                let tags: Vec<String> =
                    tags.iter().map(|t| existing(t)).collect::<Result<_, _>>()?;
                let distinct: BTreeSet<&String> = tags.iter().collect();
                if distinct.len() < 2 {
                    return Err(EditError::MergeNeedsTwo);
                }
                let into = clean_name(into)?;
                if has(&into) && !tags.contains(&into) {
                    return Err(EditError::TagExists(into));
                }
                VocabEdit::Merge { tags, into }
            }
        })
    }

    /// Applies the edits in order to `set` (whose descriptions have `words`); returns a note
    /// for each edit that changed nothing (its tag is gone, say, after the descriptions
    /// changed). Without edits the set is left exactly as it is.
    pub fn apply(&self, set: &mut TagSet, words: &WordIndex) -> Vec<String> {
        if self.edits.is_empty() {
            return Vec::new();
        }
        let mut tags: Vec<Working> = set
            .vocabulary
            .tags
            .iter()
            .map(|t| Working {
                tag: t.clone(),
                items: BTreeSet::new(),
            })
            .collect();
        for (item, terms) in set.items.iter().enumerate() {
            for name in &terms.tags {
                if let Some(i) = set.vocabulary.index_of(name) {
                    tags[i].items.insert(item);
                }
            }
        }
        let mut notes = Vec::new();
        for edit in &self.edits {
            if let Err(why) = apply_one(edit, &mut tags, words) {
                notes.push(format!("{edit}: {why}"));
            }
        }
        let mut per_item: Vec<Vec<String>> = vec![Vec::new(); set.items.len()];
        for w in &tags {
            for &item in &w.items {
                if let Some(names) = per_item.get_mut(item) {
                    names.push(w.tag.name.clone());
                }
            }
        }
        for (terms, names) in set.items.iter_mut().zip(per_item) {
            terms.tags = names;
        }
        set.vocabulary = Vocabulary {
            tags: tags
                .into_iter()
                .map(|w| VocabTag {
                    count: w.items.len(),
                    ..w.tag
                })
                .collect(),
        };
        set.stats.items_without_tags = set.items.iter().filter(|i| i.tags.is_empty()).count();
        notes
    }
}

/// Applies one edit to the working tags, or says why it cannot.
fn apply_one(
    edit: &VocabEdit,
    tags: &mut Vec<Working>,
    words: &WordIndex,
) -> Result<(), EditError> {
    let position = |tags: &[Working], name: &str| -> Result<usize, EditError> {
        let name = clean_name(name)?;
        tags.iter()
            .position(|w| w.tag.name == name)
            .ok_or(EditError::NoSuchTag(name))
    };
    match edit {
        VocabEdit::Remove { tag } => {
            let i = position(tags, tag)?;
            tags.remove(i);
        }
        VocabEdit::Add { word } => {
            let word = clean_name(word)?;
            let entry = words
                .find(&word)
                .ok_or_else(|| EditError::UnknownWord(word.clone()))?;
            if tags
                .iter()
                .any(|w| w.tag.name == entry.name || w.tag.name == word)
            {
                return Err(EditError::TagExists(entry.name.clone()));
            }
            tags.push(Working {
                tag: VocabTag {
                    name: entry.name.clone(),
                    kind: entry.kind.unwrap_or(TermKind::Noun),
                    count: entry.items.len(),
                },
                items: entry.items.iter().copied().collect(),
            });
        }
        VocabEdit::Rename { from, to } => {
            let i = position(tags, from)?;
            let to = clean_name(to)?;
            if tags
                .iter()
                .enumerate()
                .any(|(j, w)| j != i && w.tag.name == to)
            {
                return Err(EditError::TagExists(to));
            }
            tags[i].tag.name = to;
        }
        VocabEdit::Merge { tags: names, into } => {
            let mut positions: Vec<usize> = names
                .iter()
                .map(|n| position(tags, n))
                .collect::<Result<_, _>>()?;
            positions.sort_unstable();
            positions.dedup();
            if positions.len() < 2 {
                return Err(EditError::MergeNeedsTwo);
            }
            let into = clean_name(into)?;
            if tags
                .iter()
                .enumerate()
                .any(|(j, w)| w.tag.name == into && !positions.contains(&j))
            {
                return Err(EditError::TagExists(into));
            }
            let first = positions[0];
            for &j in positions[1..].iter().rev() {
                let gone = tags.remove(j);
                tags[first].items.extend(gone.items);
            }
            tags[first].tag.name = into;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
