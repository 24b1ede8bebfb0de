//! The seed recipe after tagging: every item's terms ranked by TF-IDF, the vocabulary of the
//! terms most items keep, and each item's tags. The curated recipe ranks its words with the
//! same functions.

use std::collections::{HashMap, HashSet};

use rustc_hash::FxBuildHasher;

use super::{Candidates, ItemTerms, TagOptions, TagSet, TagStats, TermKind, VocabTag, Vocabulary};

/// Terms of one kind with their counts in one item, sorted by term.
pub(super) fn term_counts(terms: &[String]) -> Vec<(&str, usize)> {
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
pub(super) fn top_terms(per_item: &[Vec<(&str, usize)>], keep: usize) -> Vec<Vec<String>> {
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
pub(super) fn most_common<'a>(
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
/// (the part of [`extract_tags`] after tagging, in the seed recipe whatever `opts.mode`).
///
/// [`extract_tags`]: super::extract_tags
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
