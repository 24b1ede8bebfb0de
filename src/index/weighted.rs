//! Scores of every item for callers that combine them: weighted sums (missing items score 0)
//! and cosines of raw, un-centred vectors.

use super::EmbeddingIndex;

impl EmbeddingIndex {
    /// The cosine similarity of the raw (un-centred) `query` with every slot's raw vector, in
    /// slot order (`f32::NEG_INFINITY` for missing slots and everywhere for a query of the wrong
    /// length). Computed from the stored copy without rebuilding any vector: with `c` the stored
    /// unit vector, `n` its norm and `m` the mean, `raw·q = n (c·q) + m·q` and
    /// `|raw|² = n² + 2n (c·m) + |m|²`.
    pub fn raw_cosines(&self, query: &[f32]) -> Vec<f32> {
        if self.dim == 0 || query.len() != self.dim {
            return vec![f32::NEG_INFINITY; self.len()];
        }
        let dot = |a: &[f32], b: &[f32]| super::simd::kernels().dot_f32(a, b);
        let mean: &[f32] = if self.mean.len() == self.dim {
            &self.mean
        } else {
            &[]
        };
        let q_norm = dot(query, query).sqrt().max(1e-12);
        let m_q = if mean.is_empty() {
            0.0
        } else {
            dot(mean, query)
        };
        let m_m = if mean.is_empty() {
            0.0
        } else {
            dot(mean, mean)
        };
        let c_q = self.exact_scores(query);
        let c_m = if mean.is_empty() {
            vec![0.0; self.len()]
        } else {
            self.exact_scores(mean)
        };
        c_q.iter()
            .zip(&c_m)
            .zip(&self.norms)
            .map(|((&cq, &cm), &n)| {
                if !cq.is_finite() {
                    return f32::NEG_INFINITY;
                }
                let raw_norm = (n * n + 2.0 * n * cm + m_m).max(0.0).sqrt().max(1e-12);
                (n * cq + m_q) / (raw_norm * q_norm)
            })
            .collect()
    }

    /// Cosine similarity of a raw query vector (centred like the items) with every slot, in
    /// slot order; 0 for slots without a vector and for a query of the wrong length (for
    /// weighted sums, where a missing part must not dominate).
    pub fn scores_or_zero(&self, query: &[f32]) -> Vec<f32> {
        match self.prepare_query(query) {
            Some(q) => zero_missing(self.exact_scores(&q)),
            None => vec![0.0; self.len()],
        }
    }

    /// Cosine similarity of the item at `index` with every slot (0 for slots without a vector,
    /// and everywhere when the item has none).
    pub fn item_scores(&self, index: usize) -> Vec<f32> {
        match self.vector(index).filter(|_| self.is_present(index)) {
            // Stored vectors are already centred and normalised.
            Some(v) => zero_missing(self.exact_scores(&v)),
            None => vec![0.0; self.len()],
        }
    }
}

/// Missing slots' scores (−∞) as 0.
fn zero_missing(mut scores: Vec<f32>) -> Vec<f32> {
    scores
        .iter_mut()
        .filter(|s| !s.is_finite())
        .for_each(|s| *s = 0.0);
    scores
}
