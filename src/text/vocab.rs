//! From descriptions to tags: candidate terms (nouns and adjectives), their TF-IDF ranking per
//! item, and the catalogue's tag vocabulary.
//!
//! The rules:
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

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::chars::py_lower;
use rustc_hash::FxBuildHasher;
use super::pos::{PosTagger, START};
use super::stopwords::is_stop_word;
use super::tokenize::tokenize_sentences;

/// How many terms to keep per item and how large the vocabulary is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagOptions {
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
            top_terms_per_item: 10,
            vocab_nouns: 25,
            vocab_adjectives: 25,
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

/// The candidate terms of one text, before ranking.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Candidates {
    /// Nouns, lower case, in text order, with repeats.
    pub nouns: Vec<String>,
    /// Adjectives, lower case, in text order, with repeats.
    pub adjectives: Vec<String>,
    /// Number of tokens of the text.
    pub tokens: usize,
}

/// Whether a lower-cased token can be a term.
fn is_term(word: &str) -> bool {
    !word.is_empty() && word.chars().all(char::is_alphabetic) && !is_stop_word(word)
}

/// Tokenizes and tags `text` with the embedded tagger and collects its candidate terms.
pub fn candidates(text: &str) -> Candidates {
    CandidateFinder::new().find(text)
}

/// The tagger and what it takes to read its tags as term kinds, set up once for many texts.
struct CandidateFinder {
    tagger: &'static PosTagger,
    /// The term kind of every tagger class.
    kinds: Vec<Option<TermKind>>,
}

impl CandidateFinder {
    fn new() -> Self {
        let tagger = PosTagger::embedded();
        let kinds = tagger
            .classes()
            .iter()
            .map(|c| TermKind::of_pos_tag(c))
            .collect();
        CandidateFinder { tagger, kinds }
    }

    fn find(&self, text: &str) -> Candidates {
        let mut out = Candidates::default();
        let mut state = START;
        let mut ids = Vec::new();
        for words in &tokenize_sentences(text) {
            ids.clear();
            self.tagger.tag_sentence_ids(words, &mut state, &mut ids);
            out.tokens += words.len();
            for (word, &id) in words.iter().zip(&ids) {
                let Some(kind) = self.kinds[usize::from(id)] else {
                    continue;
                };
                let term = py_lower(word);
                if is_term(&term) {
                    match kind {
                        TermKind::Noun => out.nouns.push(term.into_owned()),
                        TermKind::Adjective => out.adjectives.push(term.into_owned()),
                    }
                }
            }
        }
        out
    }
}

/// Extracts the tags of a catalogue from its item descriptions (one per item; an empty
/// description gives an item without terms or tags).
///
/// ```
/// use vitrine::text::{extract_tags, TagOptions};
/// let set = extract_tags(
///     &["A red dress with long sleeves.", "A black dress.", ""],
///     &TagOptions::default(),
/// );
/// assert_eq!(set.items[0].tags, ["dress", "sleeves", "long", "red"]);
/// assert!(set.items[2].tags.is_empty());
/// ```
pub fn extract_tags(descriptions: &[&str], opts: &TagOptions) -> TagSet {
    let finder = CandidateFinder::new();
    let candidates: Vec<Candidates> = descriptions.iter().map(|d| finder.find(d)).collect();
    tag_set_from_candidates(&candidates, opts)
}

/// Terms of one kind with their counts in one item, sorted by term.
fn term_counts(terms: &[String]) -> Vec<(&str, usize)> {
    let mut sorted: Vec<&str> = terms.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let mut out: Vec<(&str, usize)> = Vec::new();
    for term in sorted {
        match out.last_mut() {
            Some((last, count)) if *last == term => *count += 1,
            _ => out.push((term, 1)),
        }
    }
    out
}

/// Ranks every item's terms of one kind by TF-IDF and keeps the best `keep` per item.
fn top_terms(per_item: &[Vec<(&str, usize)>], keep: usize) -> Vec<Vec<String>> {
    let mut df: HashMap<&str, usize, FxBuildHasher> = HashMap::default();
    for counts in per_item {
        for &(term, _) in counts {
            *df.entry(term).or_default() += 1;
        }
    }
    let n = per_item.len() as f64;
    per_item
        .iter()
        .map(|counts| {
            let mut scored: Vec<(f64, &str)> = counts
                .iter()
                .map(|&(term, tf)| {
                    let df = df.get(term).copied().unwrap_or(0) as f64;
                    let idf = ((1.0 + n) / (1.0 + df)).ln() + 1.0;
                    (tf as f64 * idf, term)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            scored
                .into_iter()
                .take(keep)
                .map(|(_, term)| term.to_owned())
                .collect()
        })
        .collect()
}

/// The `size` names kept by the most items, ties by name, skipping names in `taken`.
fn most_common<'a>(
    kept: impl Iterator<Item = &'a Vec<String>>,
    kind: TermKind,
    size: usize,
    taken: &HashSet<String>,
) -> Vec<VocabTag> {
    let mut counts: HashMap<&str, usize, FxBuildHasher> = HashMap::default();
    for terms in kept {
        for term in terms {
            *counts.entry(term).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts
        .into_iter()
        .filter(|(name, _)| !taken.contains(*name))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(size)
        .map(|(name, count)| VocabTag {
            name: name.to_owned(),
            kind,
            count,
        })
        .collect()
}

/// Ranks the candidate terms of every item and builds the vocabulary and the item tags
/// (the part of [`extract_tags`] after tagging).
pub fn tag_set_from_candidates(candidates: &[Candidates], opts: &TagOptions) -> TagSet {
    let noun_counts: Vec<_> = candidates.iter().map(|c| term_counts(&c.nouns)).collect();
    let adjective_counts: Vec<_> = candidates
        .iter()
        .map(|c| term_counts(&c.adjectives))
        .collect();
    let top_nouns = top_terms(&noun_counts, opts.top_terms_per_item);
    let top_adjectives = top_terms(&adjective_counts, opts.top_terms_per_item);

    let mut tags = most_common(
        top_nouns.iter(),
        TermKind::Noun,
        opts.vocab_nouns,
        &HashSet::new(),
    );
    let noun_names: HashSet<String> = tags.iter().map(|t| t.name.clone()).collect();
    tags.extend(most_common(
        top_adjectives.iter(),
        TermKind::Adjective,
        opts.vocab_adjectives,
        &noun_names,
    ));
    let vocabulary = Vocabulary { tags };
    let index: HashMap<&str, usize, FxBuildHasher> = vocabulary
        .tags
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();

    let items: Vec<ItemTerms> = top_nouns
        .into_iter()
        .zip(top_adjectives)
        .map(|(nouns, adjectives)| {
            let mut positions: Vec<usize> = nouns
                .iter()
                .chain(&adjectives)
                .filter_map(|term| index.get(term.as_str()).copied())
                .collect();
            positions.sort_unstable();
            positions.dedup();
            let tags = positions
                .into_iter()
                .map(|i| vocabulary.tags[i].name.clone())
                .collect();
            ItemTerms {
                nouns,
                adjectives,
                tags,
            }
        })
        .collect();

    let distinct = |counts: &[Vec<(&str, usize)>]| {
        counts
            .iter()
            .flatten()
            .map(|&(term, _)| term)
            .collect::<HashSet<_, FxBuildHasher>>()
            .len()
    };
    let stats = TagStats {
        items: candidates.len(),
        tokens: candidates.iter().map(|c| c.tokens).sum(),
        items_without_text: candidates.iter().filter(|c| c.tokens == 0).count(),
        items_without_tags: items.iter().filter(|i| i.tags.is_empty()).count(),
        distinct_nouns: distinct(&noun_counts),
        distinct_adjectives: distinct(&adjective_counts),
    };
    TagSet {
        items,
        vocabulary,
        stats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands(nouns: &[&str], adjectives: &[&str]) -> Candidates {
        Candidates {
            nouns: nouns.iter().map(|s| s.to_string()).collect(),
            adjectives: adjectives.iter().map(|s| s.to_string()).collect(),
            tokens: nouns.len() + adjectives.len(),
        }
    }

    #[test]
    fn candidates_keep_alphabetic_non_stop_nouns_and_adjectives() {
        // Tagged This/DT Red/NNP v-neck/NN dress/NN has/VBZ 3/4/CD sleeves/NNS and/CC a/DT
        // back/JJ zip/NN ./. — "v-neck" is not alphabetic, "back" is a stop word.
        let c = candidates("This Red v-neck dress has 3/4 sleeves and a back zip.");
        assert_eq!(c.nouns, ["red", "dress", "sleeves", "zip"]);
        assert!(c.adjectives.is_empty());
        assert_eq!(c.tokens, 12);
        let c = candidates("A red dress with long sleeves.");
        assert_eq!(c.nouns, ["dress", "sleeves"]);
        assert_eq!(c.adjectives, ["red", "long"]);
        assert_eq!(candidates(""), Candidates::default());
    }

    #[test]
    fn tf_idf_ranking_by_hand() {
        // n = 3 items. Nouns: dress in 3 items, belt in 1, pocket in 2.
        // idf(dress) = ln(4/4) + 1 = 1; idf(pocket) = ln(4/3) + 1 ≈ 1.2877;
        // idf(belt) = ln(4/2) + 1 ≈ 1.6931.
        // Item 0: dress ×2 → 2.0, pocket ×1 → 1.2877, belt ×1 → 1.6931.
        let set = tag_set_from_candidates(
            &[
                cands(&["dress", "pocket", "dress", "belt"], &[]),
                cands(&["dress", "pocket"], &[]),
                cands(&["dress"], &[]),
            ],
            &TagOptions {
                top_terms_per_item: 2,
                vocab_nouns: 10,
                vocab_adjectives: 10,
            },
        );
        assert_eq!(set.items[0].nouns, ["dress", "belt"]);
        assert_eq!(set.items[1].nouns, ["pocket", "dress"]);
        assert_eq!(set.items[2].nouns, ["dress"]);
        let vocab: Vec<(&str, usize)> = set
            .vocabulary
            .tags
            .iter()
            .map(|t| (t.name.as_str(), t.count))
            .collect();
        assert_eq!(vocab, [("dress", 3), ("belt", 1), ("pocket", 1)]);
    }

    #[test]
    fn equal_scores_go_alphabetically() {
        let set = tag_set_from_candidates(
            &[cands(&["zip", "hem", "cuff"], &[])],
            &TagOptions {
                top_terms_per_item: 2,
                ..TagOptions::default()
            },
        );
        assert_eq!(set.items[0].nouns, ["cuff", "hem"]);
    }

    #[test]
    fn vocabulary_ties_sizes_and_unique_names() {
        let items = [
            cands(&["skirt", "cotton"], &["cotton", "red"]),
            cands(&["skirt", "belt"], &["blue", "red"]),
            cands(&["belt"], &["cotton"]),
        ];
        let set = tag_set_from_candidates(
            &items,
            &TagOptions {
                top_terms_per_item: 10,
                vocab_nouns: 2,
                vocab_adjectives: 2,
            },
        );
        // Nouns: belt 2, skirt 2, cotton 1 → belt, skirt (ties by name).
        // Adjectives: cotton 2, red 2, blue 1 → cotton, red.
        assert_eq!(set.vocabulary.names(), ["belt", "skirt", "cotton", "red"]);
        assert_eq!(set.vocabulary.tags[2].kind, TermKind::Adjective);
        assert_eq!(set.items[0].tags, ["skirt", "cotton", "red"]);
        assert_eq!(set.stats.items_without_tags, 0);

        // With "cotton" a noun tag, the adjective list passes over it.
        let set = tag_set_from_candidates(
            &items,
            &TagOptions {
                top_terms_per_item: 10,
                vocab_nouns: 3,
                vocab_adjectives: 2,
            },
        );
        assert_eq!(
            set.vocabulary.names(),
            ["belt", "skirt", "cotton", "red", "blue"]
        );
        assert_eq!(set.vocabulary.tags[2].kind, TermKind::Noun);
        assert_eq!(set.items[2].tags, ["belt", "cotton"]);
    }

    #[test]
    fn multi_hot_round_trip() {
        let vocabulary = Vocabulary {
            tags: ["dress", "sleeves", "red"]
                .iter()
                .map(|name| VocabTag {
                    name: name.to_string(),
                    kind: TermKind::Noun,
                    count: 1,
                })
                .collect(),
        };
        assert_eq!(
            vocabulary.multi_hot(&["red", "dress", "unknown"]),
            [1.0, 0.0, 1.0]
        );
        assert_eq!(
            vocabulary.tags_from_multi_hot(&[0.9, 0.2, 0.5], 0.5),
            ["dress", "red"]
        );
        assert_eq!(vocabulary.index_of("sleeves"), Some(1));
        assert_eq!(vocabulary.index_of("hat"), None);
        assert!(vocabulary.multi_hot::<&str>(&[]).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn empty_items_and_targets() {
        let set = extract_tags(&["", "A red dress.", "   "], &TagOptions::default());
        assert_eq!(set.stats.items, 3);
        assert_eq!(set.stats.items_without_text, 2);
        assert_eq!(set.stats.items_without_tags, 2);
        assert_eq!(set.vocabulary.names(), ["dress", "red"]);
        assert_eq!(
            set.targets(),
            [vec![0.0, 0.0], vec![1.0, 1.0], vec![0.0, 0.0]]
        );
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(serde_json::from_str::<TagSet>(&json).unwrap(), set);
    }
}
