//! From descriptions to tags: candidate terms (nouns and adjectives), their TF-IDF ranking per
//! item, and the catalogue's tag vocabulary, in one of two [`VocabMode`]s, with the user's
//! [`VocabularyEdits`] applied after.
//!
//! ## The seed recipe ([`VocabMode::Seed`])
//!
//! It reproduces the Python reference exactly (`tests/text_vocab.rs` and the golden files):
//! - **Candidates**: every token the tagger marks `NN*` is a noun and `JJ*` an adjective,
//!   lower-cased; tokens that are not purely alphabetic (`v-neck`, `3/4`, `'s`) and English
//!   stop words ([`super::stopwords`]) are dropped. Repeats count.
//! - **Ranking**: per item and per kind, a term scores `tf × idf` where `tf` is how often the
//!   item has it (as that kind) and `idf = ln((1 + n) / (1 + df)) + 1` (the smooth idf), `n`
//!   being the number of items and `df` the number of items having the term as that kind. The
//!   item keeps its [`TagOptions::top_terms_per_item`] best nouns and best adjectives;
//!   equal scores go by term, alphabetically.
//! - **Vocabulary**: the [`TagOptions::vocab_nouns`] nouns kept by the most items, then the
//!   [`TagOptions::vocab_adjectives`] adjectives kept by the most items (ties by name). Tag
//!   names are unique: an adjective whose name is already a noun tag is passed over, so the
//!   next adjective takes its place.
//! - **Item tags**: the item's kept nouns and adjectives whose names are in the vocabulary,
//!   in vocabulary order; [`TagSet::targets`] turns them into multi-hot vectors.
//!
//! ## The curated vocabulary ([`VocabMode::Curated`], the default)
//!
//! The same ranking and sizes, on words a shop would filter by:
//! - **One word, one tag, whatever its part of speech.** A candidate is still a token the
//!   tagger marks `NN*` or `JJ*` in its sentence, but *round*, *grey* or *navy* count together
//!   whether a sentence made them nouns or adjectives. Each word has the kind the catalogue
//!   uses it as most (a tie is a noun); that kind decides whether it competes for a noun or
//!   an adjective place, so [`TagOptions::vocab_nouns`] and [`TagOptions::vocab_adjectives`]
//!   keep their meaning.
//! - **Word forms merge.** Each word is made singular by rule (the `pluralizer` crate's
//!   English rules: *buttons* → *button*, *dresses* → *dress*), except the plural garments on
//!   the `keep` list of `assets/vocab/word-forms.txt` (*shorts* is not *short*), and spelled one
//!   way by its `same` lines (*colour*/*color*, *grey*/*gray*). Stop words are dropped in any
//!   form. **The tag's name is the form the descriptions write most** (ties alphabetically),
//!   so a shop sees its own words: *sleeves* where it writes "long sleeves", *grey* in a
//!   British catalogue.
//! - **Words that name no visible property are left out**: the shipped, editable list
//!   `assets/vocab/not-garment-properties.txt` (*fit, cut, shape, look, style, design,
//!   detail, chest, soft, …*, each with its reason, chosen by principle: a quality word that
//!   does not say which, a part of the wearer's body, a sensation, praise, the wearer or the
//!   sale, a count). Left-out words take no place among an item's kept terms.
//!
//! ## Edits ([`VocabularyEdits`])
//!
//! Applied in order after either mode: remove a tag, add any word of the descriptions (every
//! item whose description has the word in any form gets it; it goes last in the vocabulary),
//! rename a tag, or merge tags into one (an item with any of them has it; it takes the place
//! of the first). Counts are then the number of items with each tag. [`store`] keeps a
//! catalogue's [`VocabularySettings`] beside its other vitrine state.

use serde::{Deserialize, Serialize};

use self::terms::CandidateFinder;
pub use self::terms::{candidates, Candidates};

mod curated;
mod diff;
mod edits;
pub mod forms;
mod seed;
mod settings;
pub mod store;
mod terms;
mod words;

pub use self::diff::describe_difference;
pub use self::edits::{EditError, VocabEdit, VocabularyEdits};
pub use self::forms::{AssetError, ExcludedWords, WordForms};
pub use self::seed::tag_set_from_candidates;
use self::seed::{most_common, term_counts, top_terms};
pub use self::settings::{derive_tags, DerivedTags, VocabMode, VocabularySettings};
pub use self::words::{WordEntry, WordIndex};

/// How many terms to keep per item, how large the vocabulary is, and which recipe builds it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagOptions {
    /// The recipe ([`VocabMode::Curated`] by default; [`VocabMode::Seed`] is the reference's).
    #[serde(default)]
    pub mode: VocabMode,
    /// Nouns kept per item, and adjectives kept per item (10).
    pub top_terms_per_item: usize,
    /// Noun tags in the vocabulary (25).
    pub vocab_nouns: usize,
    /// Adjective tags in the vocabulary (25).
    pub vocab_adjectives: usize,
}

impl Default for TagOptions {
    fn default() -> Self {
        TagOptions {
            mode: VocabMode::default(),
            top_terms_per_item: 10,
            vocab_nouns: 25,
            vocab_adjectives: 25,
        }
    }
}

impl TagOptions {
    /// The reference recipe with its sizes (10 terms per item, 25 + 25 tags).
    pub fn seed() -> Self {
        TagOptions {
            mode: VocabMode::Seed,
            ..TagOptions::default()
        }
    }
}

/// The part of speech of a term.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TermKind {
    /// A Penn Treebank `NN*` tag.
    Noun,
    /// A Penn Treebank `JJ*` tag.
    Adjective,
}

impl TermKind {
    /// The kind a Penn Treebank tag stands for, if it is a noun or adjective tag.
    pub fn of_pos_tag(tag: &str) -> Option<TermKind> {
        if tag.starts_with("NN") {
            Some(TermKind::Noun)
        } else if tag.starts_with("JJ") {
            Some(TermKind::Adjective)
        } else {
            None
        }
    }
}

/// One tag of the vocabulary.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VocabTag {
    /// The term, lower case.
    pub name: String,
    /// Whether it was chosen as a noun or as an adjective.
    pub kind: TermKind,
    /// Number of items that keep it (as that kind) among their top terms.
    pub count: usize,
}

/// The tag vocabulary: the order of its tags is the order of multi-hot vectors.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct Vocabulary {
    /// The tags, nouns first, each kind by decreasing count, then by name.
    pub tags: Vec<VocabTag>,
}

impl Vocabulary {
    /// Number of tags.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The tag names, in vocabulary order.
    pub fn names(&self) -> Vec<String> {
        self.tags.iter().map(|t| t.name.clone()).collect()
    }

    /// The position of a tag name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.tags.iter().position(|t| t.name == name)
    }

    /// A vector with 1.0 at the position of every given name in the vocabulary and 0.0
    /// elsewhere; names not in the vocabulary are ignored.
    pub fn multi_hot<S: AsRef<str>>(&self, names: &[S]) -> Vec<f32> {
        let mut out = vec![0.0; self.len()];
        for name in names {
            if let Some(i) = self.index_of(name.as_ref()) {
                out[i] = 1.0;
            }
        }
        out
    }

    /// The names whose value is at least `threshold` (0.5 for a multi-hot vector or for
    /// probabilities), in vocabulary order. Values beyond the vocabulary are ignored.
    pub fn tags_from_multi_hot(&self, values: &[f32], threshold: f32) -> Vec<String> {
        self.tags
            .iter()
            .zip(values)
            .filter(|(_, &v)| v >= threshold)
            .map(|(t, _)| t.name.clone())
            .collect()
    }
}

/// The terms of one item.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct ItemTerms {
    /// The item's best nouns by TF-IDF, best first.
    pub nouns: Vec<String>,
    /// The item's best adjectives by TF-IDF, best first.
    pub adjectives: Vec<String>,
    /// Its tags: the kept terms that are in the vocabulary, in vocabulary order.
    pub tags: Vec<String>,
}

/// Counts from a tag extraction.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TagStats {
    /// Number of items (descriptions).
    pub items: usize,
    /// Number of tokens over all items.
    pub tokens: usize,
    /// Items whose description has no tokens.
    pub items_without_text: usize,
    /// Items that got no tag.
    pub items_without_tags: usize,
    /// Distinct candidate nouns over the catalogue.
    pub distinct_nouns: usize,
    /// Distinct candidate adjectives over the catalogue.
    pub distinct_adjectives: usize,
}

/// The result of tag extraction over a catalogue.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct TagSet {
    /// Per item, in the order of the descriptions.
    pub items: Vec<ItemTerms>,
    /// The tag vocabulary.
    pub vocabulary: Vocabulary,
    /// Counts.
    pub stats: TagStats,
}

impl TagSet {
    /// Multi-hot target vectors of the items' tags, in vocabulary order.
    pub fn targets(&self) -> Vec<Vec<f32>> {
        self.items
            .iter()
            .map(|item| self.vocabulary.multi_hot(&item.tags))
            .collect()
    }
}

/// Extracts the tags of a catalogue from its item descriptions (one per item; an empty
/// description gives an item without terms or tags), in the mode `opts` names and without
/// edits ([`derive_tags`] applies edits and indexes every word too).
///
/// ```
/// use vitrine::text::{extract_tags, TagOptions};
/// let set = extract_tags(
///     &["A red dress with long sleeves.", "A black dress.", ""],
///     &TagOptions::seed(),
/// );
/// assert_eq!(set.items[0].tags, ["dress", "sleeves", "long", "red"]);
/// assert!(set.items[2].tags.is_empty());
/// ```
pub fn extract_tags(descriptions: &[&str], opts: &TagOptions) -> TagSet {
    match opts.mode {
        VocabMode::Seed => {
            let finder = CandidateFinder::new();
            let candidates: Vec<Candidates> = descriptions.iter().map(|d| finder.find(d)).collect();
            tag_set_from_candidates(&candidates, opts)
        }
        VocabMode::Curated => {
            let (_, tokens) = words::read(descriptions);
            curated::tag_set(&tokens, opts)
        }
    }
}

#[cfg(test)]
mod tests;
