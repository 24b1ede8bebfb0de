//! Word forms and the words left out of the curated vocabulary, both read from shipped,
//! editable assets (`assets/vocab/word-forms.txt`, `assets/vocab/not-garment-properties.txt`).
//!
//! A description word becomes its *key*: lower case, made singular by rule (the `pluralizer`
//! crate's English rules, unless the word is on the `keep` list of plural words), then spelled
//! one way (the `same` lines). Words with the same key are one tag.

use std::collections::HashMap;
use std::sync::OnceLock;

use thiserror::Error;

use crate::text::stopwords::is_stop_word;

/// The shipped word-form rules.
const WORD_FORMS: &str = include_str!("../../../assets/vocab/word-forms.txt");
/// The shipped list of words that name no visible property of a garment.
const NOT_GARMENT_PROPERTIES: &str =
    include_str!("../../../assets/vocab/not-garment-properties.txt");

/// A line of a vocabulary asset that cannot be read.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("line {line}: {problem}")]
pub struct AssetError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, in words.
    pub problem: String,
}

/// Which surface forms are one word.
#[derive(Debug, Default)]
pub struct WordForms {
    /// Plural words kept as they are.
    keep: HashMap<String, ()>,
    /// Singular spelling → the one spelling used as the key.
    spellings: HashMap<String, String>,
}

impl WordForms {
    /// The rules shipped with vitrine.
    pub fn shipped() -> &'static WordForms {
        static FORMS: OnceLock<WordForms> = OnceLock::new();
        FORMS.get_or_init(|| {
            WordForms::parse(WORD_FORMS).unwrap_or_else(|e| {
                // The asset is checked by a unit test; a broken build still tags.
                log::error!("assets/vocab/word-forms.txt: {e}");
                WordForms::default()
            })
        })
    }

    /// Reads rules in the format of `assets/vocab/word-forms.txt`.
    pub fn parse(text: &str) -> Result<WordForms, AssetError> {
        let mut forms = WordForms::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            let mut words = line.split_whitespace();
            let Some(directive) = words.next() else {
                continue;
            };
            let words: Vec<String> = words.map(str::to_lowercase).collect();
            let error = |problem: &str| AssetError {
                line: i + 1,
                problem: problem.into(),
            };
            match directive {
                "keep" if !words.is_empty() => {
                    forms.keep.extend(words.into_iter().map(|w| (w, ())));
                }
                "same" if words.len() >= 2 => {
                    let key = forms.singular(&words[0]);
                    for word in &words {
                        let singular = forms.singular(word);
                        forms.spellings.insert(singular, key.clone());
                    }
                }
                "keep" | "same" => return Err(error("needs more words")),
                _ => return Err(error("starts with neither `keep` nor `same`")),
            }
        }
        Ok(forms)
    }

    /// The singular of a lower-case word (words on the `keep` list stay as they are).
    pub fn singular(&self, word: &str) -> String {
        if self.keep.contains_key(word) || word.chars().count() <= 3 {
            return word.to_string();
        }
        pluralizer::pluralize(word, 1, false)
    }

    /// The key of a lower-case word: its singular in its one spelling.
    pub fn key(&self, word: &str) -> String {
        let singular = self.singular(word);
        match self.spellings.get(&singular) {
            Some(key) => key.clone(),
            None => singular,
        }
    }
}

/// Words left out of the curated vocabulary, each with its reason.
#[derive(Debug, Default)]
pub struct ExcludedWords {
    /// Key → reason.
    reasons: HashMap<String, String>,
}

impl ExcludedWords {
    /// The list shipped with vitrine.
    pub fn shipped() -> &'static ExcludedWords {
        static WORDS: OnceLock<ExcludedWords> = OnceLock::new();
        WORDS.get_or_init(|| {
            ExcludedWords::parse(NOT_GARMENT_PROPERTIES, WordForms::shipped()).unwrap_or_else(|e| {
                log::error!("assets/vocab/not-garment-properties.txt: {e}");
                ExcludedWords::default()
            })
        })
    }

    /// Reads a list in the format of `assets/vocab/not-garment-properties.txt`: one word per
    /// line, its reason after `#` or a tab; every word needs a reason.
    pub fn parse(text: &str, forms: &WordForms) -> Result<ExcludedWords, AssetError> {
        let mut out = ExcludedWords::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |problem: &str| AssetError {
                line: i + 1,
                problem: problem.into(),
            };
            let (word, reason) = line
                .split_once(['#', '\t'])
                .map(|(w, r)| (w.trim(), r.trim()))
                .ok_or_else(|| error("has no reason (write it after `#`)"))?;
            if reason.is_empty() {
                return Err(error("has an empty reason"));
            }
            if word.is_empty() || word.contains(char::is_whitespace) {
                return Err(error("needs exactly one word before its reason"));
            }
            out.reasons
                .insert(forms.key(&word.to_lowercase()), reason.to_string());
        }
        Ok(out)
    }

    /// Why a word (given by its key) is left out, if it is.
    pub fn reason(&self, key: &str) -> Option<&str> {
        self.reasons.get(key).map(String::as_str)
    }

    /// Number of words on the list.
    pub fn len(&self) -> usize {
        self.reasons.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Whether a lower-case token can be a word of the curated vocabulary: alphabetic and no stop
/// word, in the form written or as its key.
pub(super) fn is_word(word: &str, key: &str) -> bool {
    !word.is_empty()
        && word.chars().all(char::is_alphabetic)
        && !is_stop_word(word)
        && !is_stop_word(key)
}
