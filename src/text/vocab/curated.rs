//! The curated vocabulary: the seed recipe on words instead of (word, part of speech) pairs,
//! with word forms merged and words that name no visible property left out. The rules are in
//! the [module documentation](super).

use std::collections::{BTreeMap, HashMap, HashSet};

use rustc_hash::FxBuildHasher;

use super::forms::{is_word, ExcludedWords, WordForms};
use super::words::{ItemTokens, WordIndex};
use super::{
    most_common, term_counts, top_terms, ItemTerms, TagOptions, TagSet, TagStats, TermKind,
    Vocabulary,
};

/// What the catalogue says about one key: how often it is a noun and an adjective, and the
/// surface forms written.
#[derive(Default)]
struct KeyStats {
    as_noun: usize,
    as_adjective: usize,
    /// Surface form → occurrences (sorted, so ties go alphabetically).
    surfaces: BTreeMap<String, usize>,
}

impl KeyStats {
    /// The kind the catalogue uses the word as most (a tie is a noun).
    fn kind(&self) -> TermKind {
        if self.as_noun >= self.as_adjective {
            TermKind::Noun
        } else {
            TermKind::Adjective
        }
    }

    /// The surface form written most; ties go alphabetically.
    fn display(&self) -> String {
        let mut best: Option<(&String, usize)> = None;
        for (surface, &n) in &self.surfaces {
            if best.is_none_or(|(_, m)| n > m) {
                best = Some((surface, n));
            }
        }
        best.map(|(s, _)| s.clone()).unwrap_or_default()
    }
}

/// The curated tag set of a catalogue read into `tokens` (one per item).
pub(super) fn tag_set(tokens: &[ItemTokens], opts: &TagOptions) -> TagSet {
    tag_set_with(tokens, opts, WordForms::shipped(), ExcludedWords::shipped())
}

/// [`tag_set`] with given word forms and excluded words (tests use small ones).
pub(super) fn tag_set_with(
    tokens: &[ItemTokens],
    opts: &TagOptions,
    forms: &WordForms,
    excluded: &ExcludedWords,
) -> TagSet {
    let mut stats: HashMap<String, KeyStats, FxBuildHasher> = HashMap::default();
    let mut keys_of_items: Vec<Vec<String>> = Vec::with_capacity(tokens.len());
    let mut key_cache: HashMap<&str, Option<String>, FxBuildHasher> = HashMap::default();
    for item in tokens {
        let mut keys = Vec::new();
        for (surface, kind) in &item.words {
            let Some(kind) = kind else {
                continue;
            };
            let key = key_cache
                .entry(surface.as_str())
                .or_insert_with(|| {
                    let key = forms.key(surface);
                    (is_word(surface, &key) && excluded.reason(&key).is_none()).then_some(key)
                })
                .clone();
            let Some(key) = key else {
                continue;
            };
            let entry = stats.entry(key.clone()).or_default();
            match kind {
                TermKind::Noun => entry.as_noun += 1,
                TermKind::Adjective => entry.as_adjective += 1,
            }
            *entry.surfaces.entry(surface.clone()).or_default() += 1;
            keys.push(key);
        }
        keys_of_items.push(keys);
    }
    let kind_of = |key: &String| stats.get(key).map_or(TermKind::Noun, KeyStats::kind);
    let split: Vec<(Vec<String>, Vec<String>)> = keys_of_items
        .iter()
        .map(|keys| {
            keys.iter()
                .cloned()
                .partition(|k| kind_of(k) == TermKind::Noun)
        })
        .collect();
    let noun_counts: Vec<_> = split.iter().map(|(n, _)| term_counts(n)).collect();
    let adjective_counts: Vec<_> = split.iter().map(|(_, a)| term_counts(a)).collect();
    let top_nouns = top_terms(&noun_counts, opts.top_terms_per_item);
    let top_adjectives = top_terms(&adjective_counts, opts.top_terms_per_item);

    let none = HashSet::new();
    let mut tags = most_common(top_nouns.iter(), TermKind::Noun, opts.vocab_nouns, &none);
    tags.extend(most_common(
        top_adjectives.iter(),
        TermKind::Adjective,
        opts.vocab_adjectives,
        &none,
    ));
    let display: HashMap<&str, String, FxBuildHasher> = stats
        .iter()
        .map(|(k, s)| (k.as_str(), s.display()))
        .collect();
    let shown = |key: &str| display.get(key).cloned().unwrap_or_else(|| key.to_string());
    let index: HashMap<String, usize, FxBuildHasher> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let items: Vec<ItemTerms> = top_nouns
        .iter()
        .zip(&top_adjectives)
        .map(|(nouns, adjectives)| {
            let mut positions: Vec<usize> = nouns
                .iter()
                .chain(adjectives)
                .filter_map(|k| index.get(k).copied())
                .collect();
            positions.sort_unstable();
            positions.dedup();
            ItemTerms {
                nouns: nouns.iter().map(|k| shown(k)).collect(),
                adjectives: adjectives.iter().map(|k| shown(k)).collect(),
                tags: positions
                    .into_iter()
                    .map(|i| shown(&tags[i].name))
                    .collect(),
            }
        })
        .collect();
    for tag in &mut tags {
        tag.name = shown(&tag.name);
    }
    let distinct = |kind: TermKind| stats.values().filter(|s| s.kind() == kind).count();
    let stats = TagStats {
        items: tokens.len(),
        tokens: tokens.iter().map(|t| t.tokens).sum(),
        items_without_text: tokens.iter().filter(|t| t.tokens == 0).count(),
        items_without_tags: items.iter().filter(|i| i.tags.is_empty()).count(),
        distinct_nouns: distinct(TermKind::Noun),
        distinct_adjectives: distinct(TermKind::Adjective),
    };
    TagSet {
        items,
        vocabulary: Vocabulary { tags },
        stats,
    }
}

/// The key of a word as the curated vocabulary reads it (for matching an added word).
pub(super) fn word_key(word: &str) -> String {
    WordForms::shipped().key(&word.trim().to_lowercase())
}

/// Builds the index of every description word (for adding tags by hand).
pub(super) fn word_index(tokens: &[ItemTokens]) -> WordIndex {
    WordIndex::build(tokens, WordForms::shipped())
}
