//! Every word of the descriptions: what the tagger read (for the curated vocabulary) and an
//! index of the words by key with the items that use them (for adding a tag by hand).

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

use super::forms::{is_word, WordForms};
use super::terms::CandidateFinder;
use super::{Candidates, TermKind};
use crate::text::chars::py_lower;

/// The words of one description: lower-case alphabetic tokens that are not stop words, each
/// with the kind the tagger gave it in its sentence (None: neither noun nor adjective).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ItemTokens {
    pub(super) words: Vec<(String, Option<TermKind>)>,
    /// Number of tokens of the description (all of them).
    pub(super) tokens: usize,
}

/// Reads every description once: the seed recipe's candidates and the words of each item.
pub(super) fn read(descriptions: &[&str]) -> (Vec<Candidates>, Vec<ItemTokens>) {
    let finder = CandidateFinder::new();
    let mut candidates = Vec::with_capacity(descriptions.len());
    let mut tokens = Vec::with_capacity(descriptions.len());
    for text in descriptions {
        let mut found = Candidates::default();
        let mut words = Vec::new();
        let count = finder.visit(text, |word, kind| {
            let lower = py_lower(word);
            if !lower.chars().all(char::is_alphabetic)
                || lower.is_empty()
                || crate::text::stopwords::is_stop_word(&lower)
            {
                return;
            }
            match kind {
                Some(TermKind::Noun) => found.nouns.push(lower.to_string()),
                Some(TermKind::Adjective) => found.adjectives.push(lower.to_string()),
                None => {}
            }
            words.push((lower.into_owned(), kind));
        });
        found.tokens = count;
        candidates.push(found);
        tokens.push(ItemTokens {
            words,
            tokens: count,
        });
    }
    (candidates, tokens)
}

/// One word of the descriptions, all its forms together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordEntry {
    /// The word as the descriptions write it most (the name an added tag gets).
    pub name: String,
    /// Its key: singular, one spelling.
    pub key: String,
    /// The kind the tagger gives it most, if it ever is a noun or an adjective.
    pub kind: Option<TermKind>,
    /// The items whose description has it, ascending.
    pub items: Vec<usize>,
}

/// Every word of a catalogue's descriptions by key, most used first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WordIndex {
    /// The words, by decreasing number of items, then by name.
    pub entries: Vec<WordEntry>,
    by_key: HashMap<String, usize, FxBuildHasher>,
}

#[derive(Default)]
struct Gathered {
    surfaces: BTreeMap<String, usize>,
    as_noun: usize,
    as_adjective: usize,
    items: Vec<usize>,
}

impl WordIndex {
    pub(super) fn build(tokens: &[ItemTokens], forms: &WordForms) -> WordIndex {
        let mut gathered: HashMap<String, Gathered, FxBuildHasher> = HashMap::default();
        let mut keys: HashMap<&str, Option<String>, FxBuildHasher> = HashMap::default();
        for (item, it) in tokens.iter().enumerate() {
            for (surface, kind) in &it.words {
                let key = keys
                    .entry(surface.as_str())
                    .or_insert_with(|| {
                        let key = forms.key(surface);
                        is_word(surface, &key).then_some(key)
                    })
                    .clone();
                let Some(key) = key else {
                    continue;
                };
                let g = gathered.entry(key).or_default();
                *g.surfaces.entry(surface.clone()).or_default() += 1;
                match kind {
                    Some(TermKind::Noun) => g.as_noun += 1,
                    Some(TermKind::Adjective) => g.as_adjective += 1,
                    None => {}
                }
                if g.items.last() != Some(&item) {
                    g.items.push(item);
                }
            }
        }
        let mut entries: Vec<WordEntry> = gathered
            .into_iter()
            .map(|(key, g)| {
                let mut name = key.clone();
                let mut best = 0;
                for (surface, &n) in &g.surfaces {
                    if n > best {
                        best = n;
                        name = surface.clone();
                    }
                }
                let kind = match (g.as_noun, g.as_adjective) {
                    (0, 0) => None,
                    (n, a) if n >= a => Some(TermKind::Noun),
                    _ => Some(TermKind::Adjective),
                };
                WordEntry {
                    name,
                    key,
                    kind,
                    items: g.items,
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            b.items
                .len()
                .cmp(&a.items.len())
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut index = WordIndex {
            entries,
            by_key: HashMap::default(),
        };
        index.reindex();
        index
    }

    fn reindex(&mut self) {
        self.by_key = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect();
    }

    /// The entry of a word in any of its forms (`Buttons`, `button`), if the descriptions
    /// have it.
    pub fn find(&self, word: &str) -> Option<&WordEntry> {
        let key = super::curated::word_key(word);
        self.by_key.get(&key).map(|&i| &self.entries[i])
    }

    /// Number of distinct words.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Up to `limit` words whose name or key starts with `prefix` (lower case), most used
    /// first; all words when `prefix` is empty.
    pub fn search(&self, prefix: &str, limit: usize) -> Vec<&WordEntry> {
        let prefix = prefix.trim().to_lowercase();
        self.entries
            .iter()
            .filter(|e| e.name.starts_with(&prefix) || e.key.starts_with(&prefix))
            .take(limit)
            .collect()
    }
}
