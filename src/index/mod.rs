//! Embeddings and nearest neighbours: the "show me lookalikes" part of vitrine.
//!
//! [`EmbeddingIndex`] keeps L2-normalised vectors in one flat buffer so cosine similarity is a
//! dot product; [`cache`] stores computed embeddings on disk keyed by backbone, weights and image
//! content, so a second launch does not recompute them.

pub mod cache;

use serde::{Deserialize, Serialize};

/// How many lookalikes vitrine shows for an item or a new photo.
pub const LOOKALIKES: usize = 5;

/// One neighbour found by [`EmbeddingIndex::nearest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    /// Position of the neighbour in the index (the catalogue item's index).
    pub index: usize,
    /// Cosine similarity in [-1, 1]; 1 means the same direction.
    pub score: f32,
}

/// A set of unit-length embeddings searchable by cosine similarity.
///
/// An index built with [`EmbeddingIndex::centered`] first subtracts the catalogue's mean
/// embedding (from items and queries alike): what all garment photos share then stops
/// dominating the similarity, and lookalikes of the same kind of garment rank higher (on the
/// demo catalogue, 58% instead of 56% of lookalikes share the item's category, 41% instead
/// of 32% for dresses).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingIndex {
    dim: usize,
    vectors: Vec<f32>,
    /// Subtracted from every vector before normalising (empty: nothing subtracted).
    mean: Vec<f32>,
    /// False for slots whose item has no embedding; they are never returned.
    present: Vec<bool>,
}

/// Scales `v` to unit length in place; a zero vector stays zero (it matches nothing).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > f32::EPSILON {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Dot product with eight independent partial sums, which the compiler turns into SIMD code
/// (a plain running sum cannot be reordered, so it stays scalar).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks_a = a.chunks_exact(8);
    let chunks_b = b.chunks_exact(8);
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (ca, cb) in chunks_a.zip(chunks_b) {
        // Fixed-size arrays: no bounds checks, and the loop unrolls into vector operations.
        let (Ok(ca), Ok(cb)) = (<&[f32; 8]>::try_from(ca), <&[f32; 8]>::try_from(cb)) else {
            continue;
        };
        let mut i = 0;
        while i < 8 {
            lanes[i] += ca[i] * cb[i];
            i += 1;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Cosine similarity of two vectors of the same length (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na <= f32::EPSILON || nb <= f32::EPSILON {
        0.0
    } else {
        dot / (na * nb)
    }
}

impl EmbeddingIndex {
    /// An empty index for vectors of `dim` values.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    /// Builds a mean-centred index from one optional vector per item (`None` where an item's
    /// photo could not be embedded: that slot keeps its position but is never found).
    pub fn centered(vectors: &[Option<Vec<f32>>]) -> Self {
        let dim = vectors.iter().flatten().map(Vec::len).next().unwrap_or(0);
        let mut mean = vec![0.0f32; dim];
        let mut count = 0usize;
        for v in vectors.iter().flatten().filter(|v| v.len() == dim) {
            mean.iter_mut().zip(v).for_each(|(m, x)| *m += x);
            count += 1;
        }
        if count > 0 {
            mean.iter_mut().for_each(|m| *m /= count as f32);
        }
        let mut index = Self {
            dim,
            mean,
            ..Self::default()
        };
        for v in vectors {
            match v {
                Some(v) => index.push(v),
                None => index.push_missing(),
            }
        }
        index
    }

    /// Builds an index from one vector per item; every vector must have the same length.
    pub fn from_vectors(vectors: &[Vec<f32>]) -> Self {
        let dim = vectors.first().map_or(0, Vec::len);
        let mut index = Self::new(dim);
        for v in vectors {
            index.push(v);
        }
        index
    }

    /// Adds a vector (normalised on the way in). Vectors of the wrong length are padded or
    /// truncated to keep the layout intact; callers build indexes from one backbone only.
    pub fn push(&mut self, v: &[f32]) {
        let start = self.vectors.len();
        self.vectors.extend(v.iter().copied().take(self.dim));
        self.vectors.resize(start + self.dim, 0.0);
        self.prepare(start);
        self.present.push(true);
    }

    /// Adds a slot for an item without an embedding (keeps item positions aligned).
    pub fn push_missing(&mut self) {
        self.vectors.extend(std::iter::repeat_n(0.0, self.dim));
        self.present.push(false);
    }

    /// Centres (when the index is centred) and normalises the vector starting at `start`.
    fn prepare(&mut self, start: usize) {
        let v = &mut self.vectors[start..start + self.dim];
        if self.mean.len() == v.len() {
            v.iter_mut().zip(&self.mean).for_each(|(x, m)| *x -= m);
        }
        normalize(v);
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.vectors.len().checked_div(self.dim).unwrap_or(0)
    }

    /// True when the index holds no vectors.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the slot at `index` holds a real vector.
    pub fn is_present(&self, index: usize) -> bool {
        self.present.get(index).copied().unwrap_or(false)
    }

    /// Number of slots holding a real vector.
    pub fn present_count(&self) -> usize {
        self.present.iter().filter(|p| **p).count()
    }

    /// Length of each vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The normalised vector at `index`.
    pub fn vector(&self, index: usize) -> Option<&[f32]> {
        let start = index.checked_mul(self.dim)?;
        self.vectors.get(start..start + self.dim)
    }

    /// The `k` most similar vectors to `query` by cosine similarity, best first, skipping
    /// `exclude` (the query item itself). Ties go to the lower index so results are stable.
    pub fn nearest(&self, query: &[f32], k: usize, exclude: Option<usize>) -> Vec<Neighbour> {
        if k == 0 || self.dim == 0 || query.len() != self.dim {
            return Vec::new();
        }
        let mut q = query.to_vec();
        if self.mean.len() == q.len() {
            q.iter_mut().zip(&self.mean).for_each(|(x, m)| *x -= m);
        }
        normalize(&mut q);
        self.top_k(&q, k, exclude)
    }

    /// The `k` best dot products with a prepared (centred, unit) query.
    fn top_k(&self, q: &[f32], k: usize, exclude: Option<usize>) -> Vec<Neighbour> {
        // A small sorted buffer beats sorting all scores: k is 5, the index may hold 100k.
        let mut best: Vec<Neighbour> = Vec::with_capacity(k + 1);
        for (index, v) in self.vectors.chunks_exact(self.dim).enumerate() {
            if Some(index) == exclude || !self.present[index] {
                continue;
            }
            let score = dot(v, q);
            if best.len() == k && best.last().is_some_and(|w| score <= w.score) {
                continue;
            }
            let at = best.partition_point(|n| n.score >= score);
            best.insert(at, Neighbour { index, score });
            best.truncate(k);
        }
        best
    }

    /// Cosine similarity of a raw query vector (centred like the items) with every slot, in
    /// slot order; 0 for slots without a vector and for a query of the wrong length.
    pub fn scores(&self, query: &[f32]) -> Vec<f32> {
        if self.dim == 0 || query.len() != self.dim {
            return vec![0.0; self.len()];
        }
        let mut q = query.to_vec();
        if self.mean.len() == q.len() {
            q.iter_mut().zip(&self.mean).for_each(|(x, m)| *x -= m);
        }
        normalize(&mut q);
        self.all_dots(&q)
    }

    /// Cosine similarity of the item at `index` with every slot (0 everywhere when the item
    /// has no vector).
    pub fn item_scores(&self, index: usize) -> Vec<f32> {
        match self.vector(index).filter(|_| self.is_present(index)) {
            Some(v) => self.all_dots(v),
            None => vec![0.0; self.len()],
        }
    }

    /// Dot products of a prepared query with every slot, on all cores for large indexes.
    fn all_dots(&self, q: &[f32]) -> Vec<f32> {
        use rayon::prelude::*;
        let mut out = vec![0.0f32; self.len()];
        let rows = 4096;
        out.par_chunks_mut(rows)
            .zip(self.vectors.par_chunks(rows * self.dim))
            .for_each(|(o, vs)| {
                for (x, v) in o.iter_mut().zip(vs.chunks_exact(self.dim)) {
                    *x = dot(v, q);
                }
            });
        out
    }

    /// The `k` nearest neighbours of the item at `index` (itself excluded).
    pub fn nearest_to_item(&self, index: usize, k: usize) -> Vec<Neighbour> {
        if !self.present.get(index).copied().unwrap_or(false) {
            return Vec::new();
        }
        let Some(v) = self.vector(index) else {
            return Vec::new();
        };
        // Stored vectors are already centred and normalised.
        self.top_k(v, k, Some(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_a_plain_sum() {
        let a: Vec<f32> = (0..21).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - i as f32 * 0.1).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-4);
    }

    #[test]
    fn cosine_of_parallel_and_orthogonal_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 3.0]).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }

    #[test]
    fn nearest_orders_by_similarity_and_excludes_the_query() {
        let index = EmbeddingIndex::from_vectors(&[
            vec![1.0, 0.0, 0.0],
            vec![0.9, 0.1, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.7, 0.7, 0.0],
            vec![-1.0, 0.0, 0.0],
        ]);
        let found = index.nearest_to_item(0, 3);
        let order: Vec<usize> = found.iter().map(|n| n.index).collect();
        assert_eq!(order, vec![1, 3, 2]);
        assert!(found[0].score > found[1].score && found[1].score > found[2].score);
        let all = index.nearest(&[1.0, 0.0, 0.0], 10, None);
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].index, 0);
        assert_eq!(all[4].index, 4);
        assert!((all[4].score + 1.0).abs() < 1e-6);
    }

    #[test]
    fn centred_index_skips_missing_items_and_centres_queries() {
        let vectors = vec![
            Some(vec![10.0, 1.0]),
            None,
            Some(vec![10.0, -1.0]),
            Some(vec![10.0, 0.9]),
        ];
        let index = EmbeddingIndex::centered(&vectors);
        assert_eq!(index.len(), 4);
        // Raw cosine would call all three alike; centred, 0 and 3 pair up and 2 is opposite.
        let found = index.nearest_to_item(0, 3);
        assert_eq!(
            found.iter().map(|n| n.index).collect::<Vec<_>>(),
            vec![3, 2]
        );
        assert!(found[1].score < 0.0);
        assert!(index.nearest_to_item(1, 3).is_empty());
        let q = index.nearest(&[10.0, 1.2], 1, None);
        assert_eq!(q[0].index, 0);
    }

    #[test]
    fn ties_keep_index_order_and_bad_queries_find_nothing() {
        let index = EmbeddingIndex::from_vectors(&[vec![1.0, 0.0], vec![1.0, 0.0], vec![1.0, 0.0]]);
        let order: Vec<usize> = index
            .nearest(&[1.0, 0.0], 2, None)
            .iter()
            .map(|n| n.index)
            .collect();
        assert_eq!(order, vec![0, 1]);
        assert!(index.nearest(&[1.0, 0.0, 0.0], 2, None).is_empty());
        assert!(index.nearest_to_item(7, 2).is_empty());
        assert_eq!(index.len(), 3);
    }
}
