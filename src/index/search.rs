//! Searching an [`EmbeddingIndex`]: the exact scan (f16 vectors widened to f32, sums in
//! f32) for small indexes, and for large ones an int8 scan on every core followed by an f32
//! re-ranking that provably returns the exact top-k of the stored vectors.
//!
//! Why the re-ranking is exact: for a unit query `q`, the int8 score `a_j` of slot `j` and its
//! f32 score `s_j` of the stored vector `v_j` (f16 values) differ by at most
//! `e_j = ‖v_j − scale_j·codes_j‖` (Cauchy–Schwarz), stored per slot (the codes are made from
//! `v_j` itself). After re-ranking the best int8 candidates, let `t` be the k-th best f32 score
//! found; every slot with `a_j + e_j ≥ t` is re-ranked too. Any slot left out has
//! `s_j ≤ a_j + e_j < t`, so it cannot belong to the top k.

use rayon::prelude::*;

use super::simd::kernels;
use super::{EmbeddingIndex, Neighbour};

/// Below this many slots one core scans the stored (f16) vectors directly, summing in f32;
/// from this many on, the int8 copy is scanned on every core and the best re-ranked in f32.
pub const SCAN_QUANTISED_FROM: usize = 4_096;
/// Slots per parallel chunk (about 2.5 MB of int8 codes at 1,280 values).
const CHUNK_SLOTS: usize = 2_048;
/// Slack for the rounding of the two f32 sums compared (1,280 products of unit vectors).
const ROUNDING_SLACK: f32 = 2e-4;

/// The best `k` seen so far, best first; ties go to the lower index.
pub(crate) struct TopK {
    k: usize,
    best: Vec<Neighbour>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self {
            k,
            best: Vec::with_capacity(k + 1),
        }
    }

    /// Keeps `index` if it is among the best `k` (in any order of offering).
    pub(crate) fn offer(&mut self, index: usize, score: f32) {
        let better = |n: &Neighbour| n.score > score || (n.score == score && n.index < index);
        if self.best.len() == self.k && self.best.last().is_some_and(better) {
            return;
        }
        let at = self.best.partition_point(better);
        self.best.insert(at, Neighbour { index, score });
        self.best.truncate(self.k);
    }

    /// The k-th best score, or −∞ while fewer than `k` are kept.
    fn threshold(&self) -> f32 {
        if self.best.len() < self.k {
            f32::NEG_INFINITY
        } else {
            self.best.last().map_or(f32::NEG_INFINITY, |n| n.score)
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Neighbour> {
        self.best
    }
}

impl EmbeddingIndex {
    /// The `k` best dot products with a prepared (centred, unit) query: the attached graph's
    /// answer when there is one, else exact.
    pub(crate) fn top_k_prepared(
        &self,
        q: &[f32],
        k: usize,
        exclude: Option<usize>,
    ) -> Vec<Neighbour> {
        if let Some(graph) = &self.ann {
            if let Ok(found) = graph.search(self, q, k, exclude) {
                return found;
            }
            // A failed graph search is logged there; the exact search still answers.
        }
        self.exact_top_k(q, k, exclude)
    }

    /// The exact `k` best dot products with a prepared query.
    pub(crate) fn exact_top_k(
        &self,
        q: &[f32],
        k: usize,
        exclude: Option<usize>,
    ) -> Vec<Neighbour> {
        if k == 0 || self.dim == 0 || q.len() != self.dim {
            return Vec::new();
        }
        let n = self.len();
        if n < SCAN_QUANTISED_FROM || !self.quantised.covers(n, self.dim) {
            return self.scan_f32(q, k, exclude);
        }
        let approx = self.int8_scores(q, exclude);
        self.rerank(q, k, &approx)
    }

    /// One core, every present slot, f32 sums of the f16 vectors.
    fn scan_f32(&self, q: &[f32], k: usize, exclude: Option<usize>) -> Vec<Neighbour> {
        let kernels = kernels();
        let mut top = TopK::new(k);
        for (index, v) in self.vectors.chunks_exact(self.dim).enumerate() {
            if Some(index) == exclude || !self.present[index] {
                continue;
            }
            top.offer(index, kernels.dot_f16(v, q));
        }
        top.into_vec()
    }

    /// The int8 score of every slot (−∞ for missing and excluded ones), on every core.
    fn int8_scores(&self, q: &[f32], exclude: Option<usize>) -> Vec<f32> {
        let kernels = kernels();
        let dim = self.dim;
        let mut approx = vec![f32::NEG_INFINITY; self.len()];
        approx
            .par_chunks_mut(CHUNK_SLOTS)
            .zip(self.quantised.codes.par_chunks(CHUNK_SLOTS * dim))
            .enumerate()
            .for_each(|(chunk, (out, codes))| {
                let first = chunk * CHUNK_SLOTS;
                for (j, (a, c)) in out.iter_mut().zip(codes.chunks_exact(dim)).enumerate() {
                    let slot = first + j;
                    if self.present[slot] && Some(slot) != exclude {
                        *a = self.quantised.scales[slot] * kernels.dot_i8(c, q);
                    }
                }
            });
        approx
    }

    /// Re-ranks in f32 the best int8 candidates, then every slot that could still beat the
    /// k-th (see the module docs).
    fn rerank(&self, q: &[f32], k: usize, approx: &[f32]) -> Vec<Neighbour> {
        let kernels = kernels();
        let exact = |slot: usize| {
            let v = &self.vectors[slot * self.dim..(slot + 1) * self.dim];
            kernels.dot_f16(v, q)
        };
        let first_round = (8 * k).max(32);
        let cut = kth_largest(approx, first_round);
        let mut top = TopK::new(k);
        for (slot, &a) in approx.iter().enumerate() {
            if a >= cut && a > f32::NEG_INFINITY {
                top.offer(slot, exact(slot));
            }
        }
        let threshold = top.threshold();
        let errors = &self.quantised.errors;
        let more: Vec<usize> = (0..approx.len())
            .filter(|&j| {
                let a = approx[j];
                a > f32::NEG_INFINITY && a < cut && a + errors[j] + ROUNDING_SLACK >= threshold
            })
            .collect();
        if more.len() > CHUNK_SLOTS {
            let scored: Vec<(usize, f32)> = more.par_iter().map(|&j| (j, exact(j))).collect();
            scored.into_iter().for_each(|(j, s)| top.offer(j, s));
        } else {
            more.into_iter().for_each(|j| top.offer(j, exact(j)));
        }
        top.into_vec()
    }

    /// Exact dot product of a prepared query with every slot, on every core.
    pub(crate) fn exact_scores(&self, q: &[f32]) -> Vec<f32> {
        let kernels = kernels();
        let dim = self.dim;
        let mut scores = vec![f32::NEG_INFINITY; self.len()];
        if dim == 0 {
            return scores;
        }
        scores
            .par_chunks_mut(CHUNK_SLOTS)
            .zip(self.vectors.par_chunks(CHUNK_SLOTS * dim))
            .enumerate()
            .for_each(|(chunk, (out, vectors))| {
                let first = chunk * CHUNK_SLOTS;
                for (j, (s, v)) in out.iter_mut().zip(vectors.chunks_exact(dim)).enumerate() {
                    if self.present[first + j] {
                        *s = kernels.dot_f16(v, q);
                    }
                }
            });
        scores
    }
}

/// The `n`-th largest finite value of `values` (−∞ when there are fewer).
fn kth_largest(values: &[f32], n: usize) -> f32 {
    let mut finite: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if n == 0 || finite.len() < n {
        return f32::NEG_INFINITY;
    }
    let (_, nth, _) = finite.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
    *nth
}
