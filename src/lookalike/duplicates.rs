//! Near-duplicates: the same product photographed twice, a photo re-encoded, cropped, mirrored
//! or made lighter. Two items are near-duplicates when the cosine of their image embeddings
//! (centred, the mirror image averaged in, as the index stores them) is at least a threshold;
//! groups are the connected pairs. [`DEFAULT_THRESHOLD`] comes from `vitrine eval duplicates`
//! (synthetic copies of the demo and clothing-3781 photos mixed with distinct items; see
//! `docs/lookalikes.md`).
//!
//! An item's lookalikes leave its near-duplicates out (a "you may also like" list should not
//! offer the same product again); a dropped photo's do not (finding the product it shows is
//! the point).

use rayon::prelude::*;

use crate::index::EmbeddingIndex;

/// Embedding cosine from which two items are near-duplicates, by default.
pub const DEFAULT_THRESHOLD: f32 = 0.90;
/// Nearest neighbours looked at per item for its near-duplicates.
pub const NEIGHBOURS: usize = 24;

/// Two near-duplicate items (`a < b`) and their embedding cosine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DuplicatePair {
    /// The first item.
    pub a: usize,
    /// The second item.
    pub b: usize,
    /// Cosine of their embeddings.
    pub similarity: f32,
}

/// Every pair with a cosine of at least `threshold` among each item's [`NEIGHBOURS`] nearest,
/// most similar first.
pub fn pairs(index: &EmbeddingIndex, threshold: f32) -> Vec<DuplicatePair> {
    let mut found: Vec<DuplicatePair> = (0..index.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            index
                .nearest_to_item(i, NEIGHBOURS)
                .into_iter()
                .filter(move |n| n.score >= threshold && n.index != i)
                .map(move |n| DuplicatePair {
                    a: i.min(n.index),
                    b: i.max(n.index),
                    similarity: n.score,
                })
        })
        .collect();
    found.sort_by_key(|x| (x.a, x.b));
    found.dedup_by(|x, y| x.a == y.a && x.b == y.b);
    found.sort_by(|x, y| y.similarity.total_cmp(&x.similarity));
    found
}

/// The groups the pairs connect (each sorted, two items or more), largest first.
pub fn groups(len: usize, pairs: &[DuplicatePair]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..len).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for p in pairs.iter().filter(|p| p.a < len && p.b < len) {
        let (ra, rb) = (root(&mut parent, p.a), root(&mut parent, p.b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..len {
        let r = root(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().filter(|g| g.len() > 1).collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

/// Precision and recall of the near-duplicate pairs at one threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecisionRecall {
    /// The threshold.
    pub threshold: f32,
    /// Pairs found.
    pub found: usize,
    /// Of those, true duplicates.
    pub correct: usize,
    /// True duplicate pairs in all.
    pub truth: usize,
}

impl PrecisionRecall {
    /// Share of the pairs found that are true duplicates (1 when none is found).
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.correct as f64 / self.found as f64
        }
    }

    /// Share of the true duplicate pairs found.
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.correct as f64 / self.truth as f64
        }
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Precision and recall at each threshold, given each item's source (items with the same
/// `Some` source are duplicates of each other; `None`: a distinct item).
pub fn precision_recall(
    index: &EmbeddingIndex,
    source: &[Option<usize>],
    thresholds: &[f32],
) -> Vec<PrecisionRecall> {
    let lowest = thresholds.iter().copied().fold(f32::INFINITY, f32::min);
    let candidates = pairs(index, lowest);
    let mut per_source: std::collections::HashMap<usize, usize> = Default::default();
    for s in source.iter().flatten() {
        *per_source.entry(*s).or_default() += 1;
    }
    let truth = per_source.values().map(|&k| k * (k - 1) / 2).sum();
    let same = |p: &DuplicatePair| matches!((source.get(p.a), source.get(p.b)), (Some(Some(x)), Some(Some(y))) if x == y);
    thresholds
        .iter()
        .map(|&t| {
            let above: Vec<&DuplicatePair> =
                candidates.iter().filter(|p| p.similarity >= t).collect();
            PrecisionRecall {
                threshold: t,
                found: above.len(),
                correct: above.iter().filter(|p| same(p)).count(),
                truth,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_vectors_pair_up_and_groups_join_pairs() {
        let vectors = vec![
            Some(vec![1.0, 0.0, 0.0]),
            Some(vec![0.99, 0.05, 0.0]),
            Some(vec![0.0, 1.0, 0.0]),
            Some(vec![0.98, 0.08, 0.01]),
            Some(vec![0.0, 0.0, 1.0]),
            Some(vec![-1.0, 0.0, 0.2]),
        ];
        let index = EmbeddingIndex::centered(&vectors);
        let found = pairs(&index, 0.95);
        assert!(found.iter().all(|p| p.a < p.b && p.similarity >= 0.95));
        let g = groups(vectors.len(), &found);
        assert_eq!(g, vec![vec![0, 1, 3]]);
        let source = [Some(0), Some(0), None, Some(0), None, None];
        let pr = precision_recall(&index, &source, &[0.95, 1.01]);
        assert_eq!((pr[0].truth, pr[0].correct, pr[0].found), (3, 3, 3));
        assert_eq!((pr[0].precision(), pr[0].recall()), (1.0, 1.0));
        assert_eq!((pr[1].found, pr[1].recall()), (0, 0.0));
    }
}
