//! How a catalogue's vocabulary is made: the mode, the sizes and the user's edits, and the
//! one function that makes it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::edits::VocabularyEdits;
use super::words::{self, WordIndex};
use super::{curated, tag_set_from_candidates, TagOptions, TagSet};

/// Which recipe builds the automatic vocabulary.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum VocabMode {
    /// The reference recipe, exactly: (word, part of speech) pairs, no merging, no list.
    Seed,
    /// Words a shop would filter by: one tag per word whatever its part of speech, word forms
    /// merged, words that name no visible property left out (the default).
    #[default]
    Curated,
}

impl VocabMode {
    /// The mode's name on the command line and in files (`seed`, `curated`).
    pub fn name(self) -> &'static str {
        match self {
            VocabMode::Seed => "seed",
            VocabMode::Curated => "curated",
        }
    }
}

impl fmt::Display for VocabMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for VocabMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "seed" => Ok(VocabMode::Seed),
            "curated" => Ok(VocabMode::Curated),
            other => Err(format!(
                "unknown vocabulary mode {other:?} (seed or curated)"
            )),
        }
    }
}

/// Everything that decides a catalogue's vocabulary: saved with the catalogue's vitrine state
/// and recorded in every checkpoint trained on it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(default)]
pub struct VocabularySettings {
    /// Mode and sizes of the automatic vocabulary.
    pub options: TagOptions,
    /// The user's edits, applied in order after it.
    pub edits: VocabularyEdits,
}

impl VocabularySettings {
    /// The settings in a few words ("curated, 25 + 25 tags, 3 edits").
    pub fn describe(&self) -> String {
        let edits = match self.edits.len() {
            0 => String::new(),
            1 => ", 1 edit".to_string(),
            n => format!(", {n} edits"),
        };
        format!(
            "{}, {} + {} tags{edits}",
            self.options.mode, self.options.vocab_nouns, self.options.vocab_adjectives
        )
    }
}

/// A catalogue's tags with what the edits need: every description word, and notes on edits
/// that no longer apply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DerivedTags {
    /// The vocabulary and each item's tags, edits applied.
    pub set: TagSet,
    /// Every word of the descriptions with its items (to add a tag by hand).
    pub words: WordIndex,
    /// Edits that changed nothing, in words ("there is no tag \"belt\" to remove").
    pub notes: Vec<String>,
}

/// Reads the descriptions (one per item) and makes their vocabulary and tags as `settings`
/// say: the automatic vocabulary of its mode, then its edits in order.
///
/// ```
/// use vitrine::text::vocab::{derive_tags, VocabEdit, VocabularySettings};
/// let mut settings = VocabularySettings::default();
/// settings.edits.push(VocabEdit::Remove { tag: "red".into() });
/// let tags = derive_tags(&["A red dress with buttons.", "A dress with one button."], &settings);
/// assert_eq!(tags.set.vocabulary.names(), ["button", "dress"]);
/// assert_eq!(tags.words.find("Buttons").map(|w| w.items.len()), Some(2));
/// ```
pub fn derive_tags(descriptions: &[&str], settings: &VocabularySettings) -> DerivedTags {
    let (candidates, tokens) = words::read(descriptions);
    let mut set = match settings.options.mode {
        super::VocabMode::Seed => tag_set_from_candidates(&candidates, &settings.options),
        super::VocabMode::Curated => curated::tag_set(&tokens, &settings.options),
    };
    let words = curated::word_index(&tokens);
    let notes = settings.edits.apply(&mut set, &words);
    DerivedTags { set, words, notes }
}
