//! Embeddings and nearest neighbours: the "show me lookalikes" part of vitrine.
//!
//! [`EmbeddingIndex`] keeps L2-normalised vectors in one flat buffer so cosine similarity is a
//! dot product; [`cache`] stores computed embeddings on disk keyed by backbone, weights and image
//! content, so a second launch does not recompute them.
//!
//! The index is the only copy of a catalogue's embeddings in memory: the tag head's raw
//! features are rebuilt from it ([`EmbeddingIndex::raw_vector`]). The unit vectors are stored
//! in f16 (half the bytes of f32; the relative rounding, 2⁻¹¹ at most, leaves the lookalikes'
//! quality unchanged, see docs/scale.md), and every score is computed in f32 from them. Beside them
//! it keeps an int8 copy of the stored vectors (a quarter of the f32 bytes) that large
//! searches scan on every core with SIMD dot products, then re-rank in f32 from the f16
//! vectors (see `search.rs`): the result is the exact top-k of the stored vectors.
//! Above [`ann::ANN_FROM_ITEMS`] items an approximate HNSW graph ([`ann::AnnIndex`]) answers
//! instead.

pub mod ann;
pub mod cache;
pub mod projection;
mod quant;
mod search;
mod simd;

use std::borrow::Cow;
use std::sync::Arc;

use half::f16;
use serde::{Deserialize, Serialize};

pub use ann::AnnIndex;
pub use search::SCAN_QUANTISED_FROM;

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
#[derive(Clone, Debug, Default)]
pub struct EmbeddingIndex {
    dim: usize,
    /// The centred unit vectors, rounded to f16 (`dim` per slot, one after the other).
    vectors: Vec<f16>,
    /// Subtracted from every vector before normalising (empty: nothing subtracted).
    mean: Vec<f32>,
    /// False for slots whose item has no embedding; they are never returned.
    present: Vec<bool>,
    /// Length of each centred vector before normalising (to rebuild the raw vector).
    norms: Vec<f32>,
    /// The int8 copy scanned by large searches.
    quantised: quant::Quantised,
    /// An approximate graph over the vectors, used instead of the scan when attached.
    ann: Option<Arc<AnnIndex>>,
}

impl PartialEq for EmbeddingIndex {
    /// Same vectors, mean and slots (the search structures follow from those).
    fn eq(&self, other: &Self) -> bool {
        self.dim == other.dim
            && self.vectors == other.vectors
            && self.mean == other.mean
            && self.present == other.present
    }
}

/// Scales `v` to unit length in place; a zero vector stays zero (it matches nothing).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > f32::EPSILON {
        v.iter_mut().for_each(|x| *x /= norm);
    }
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

/// The instruction set the dot products use on this CPU ("AVX-512", "AVX2" or "portable").
pub fn simd_in_use() -> &'static str {
    simd::kernels().name
}

impl EmbeddingIndex {
    /// An empty index for vectors of `dim` values.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    /// An empty index that subtracts `mean` from every vector pushed and every query (its
    /// length is the index's dimension).
    pub fn with_mean(mean: Vec<f32>) -> Self {
        Self {
            dim: mean.len(),
            mean,
            ..Self::default()
        }
    }

    /// Builds a mean-centred index from one optional vector per item (`None` where an item's
    /// photo could not be embedded: that slot keeps its position but is never found).
    pub fn centered(vectors: &[Option<Vec<f32>>]) -> Self {
        let dim = vectors.iter().flatten().map(Vec::len).next().unwrap_or(0);
        Self::centered_with(vectors.len(), dim, |i| vectors[i].as_deref())
    }

    /// Builds a mean-centred index of `len` slots of `dim` values, asking `vector(i)` for each
    /// item's vector (twice: once for the mean, once to store it). Vectors of another length
    /// count as missing. Nothing is copied but into the index itself.
    pub fn centered_with<'a>(
        len: usize,
        dim: usize,
        vector: impl Fn(usize) -> Option<&'a [f32]>,
    ) -> Self {
        Self::centered_from(len, dim, |i| vector(i).map(Cow::Borrowed))
    }

    /// Like [`Self::centered_with`], for vectors that may be made on the fly (an average, say):
    /// `vector(i)` is asked twice per item, so it should be cheap.
    pub fn centered_from<'a>(
        len: usize,
        dim: usize,
        vector: impl Fn(usize) -> Option<Cow<'a, [f32]>>,
    ) -> Self {
        let usable = |i| vector(i).filter(|v| v.len() == dim);
        let mut mean = vec![0.0f64; dim];
        let mut count = 0usize;
        for v in (0..len).filter_map(usable) {
            mean.iter_mut()
                .zip(v.iter())
                .for_each(|(m, x)| *m += f64::from(*x));
            count += 1;
        }
        let mean: Vec<f32> = if count > 0 {
            mean.iter().map(|m| (m / count as f64) as f32).collect()
        } else {
            vec![0.0; dim]
        };
        let mut index = Self {
            dim,
            mean,
            ..Self::default()
        };
        index.reserve(len);
        for i in 0..len {
            match usable(i) {
                Some(v) => index.push(&v),
                None => index.push_missing(),
            }
        }
        index
    }

    /// Builds an index from one vector per item; every vector must have the same length.
    pub fn from_vectors(vectors: &[Vec<f32>]) -> Self {
        let dim = vectors.first().map_or(0, Vec::len);
        let mut index = Self::new(dim);
        index.reserve(vectors.len());
        for v in vectors {
            index.push(v);
        }
        index
    }

    /// Makes room for `additional` more slots without reallocating.
    pub fn reserve(&mut self, additional: usize) {
        self.vectors.reserve_exact(additional * self.dim);
        self.present.reserve_exact(additional);
        self.norms.reserve_exact(additional);
        self.quantised.reserve(additional, self.dim);
    }

    /// Adds a vector (centred and normalised in f32 on the way in, then stored in f16; the
    /// int8 copy is made from the stored f16 values). Vectors of the wrong length are padded
    /// or truncated to keep the layout intact; callers build indexes from one backbone only.
    pub fn push(&mut self, v: &[f32]) {
        let mut unit: Vec<f32> = v.iter().copied().take(self.dim).collect();
        unit.resize(self.dim, 0.0);
        let norm = self.prepare(&mut unit);
        self.vectors.extend(unit.iter().map(|&x| f16::from_f32(x)));
        // What the searches see is the f16 vector: quantise exactly that.
        let start = self.vectors.len() - self.dim;
        unit.iter_mut()
            .zip(&self.vectors[start..])
            .for_each(|(u, h)| *u = h.to_f32());
        self.norms.push(norm);
        self.quantised.push(&unit);
        self.present.push(true);
        self.ann = None;
    }

    /// Adds a slot for an item without an embedding (keeps item positions aligned).
    pub fn push_missing(&mut self) {
        self.vectors
            .extend(std::iter::repeat_n(f16::ZERO, self.dim));
        self.norms.push(0.0);
        self.quantised.push_missing(self.dim);
        self.present.push(false);
        self.ann = None;
    }

    /// Centres (when the index is centred) and normalises `v` in place; returns the factor
    /// that was divided out (1 for a vector too short to normalise).
    fn prepare(&self, v: &mut [f32]) -> f32 {
        if self.mean.len() == v.len() {
            v.iter_mut().zip(&self.mean).for_each(|(x, m)| *x -= m);
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > f32::EPSILON {
            v.iter_mut().for_each(|x| *x /= norm);
            norm
        } else {
            1.0
        }
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

    /// The stored (f16) normalised vector at `index`.
    pub fn vector_f16(&self, index: usize) -> Option<&[f16]> {
        let start = index.checked_mul(self.dim)?;
        self.vectors.get(start..start + self.dim)
    }

    /// The normalised vector at `index`, widened to f32 from the stored f16 (exactly: every
    /// f16 is an f32).
    pub fn vector(&self, index: usize) -> Option<Vec<f32>> {
        self.vector_f16(index)
            .map(|v| v.iter().map(|x| x.to_f32()).collect())
    }

    /// All stored normalised vectors, one after the other (`len() * dim()` values).
    pub fn vectors_flat(&self) -> &[f16] {
        &self.vectors
    }

    /// The vector that was pushed at `index`, rebuilt from the stored one (un-normalised and
    /// the mean added back; equal to the original within the f16 rounding of the unit vector,
    /// a relative 2⁻¹¹ per value at most); `None` for a missing slot.
    pub fn raw_vector(&self, index: usize) -> Option<Vec<f32>> {
        if !self.is_present(index) {
            return None;
        }
        let v = self.vector_f16(index)?;
        let norm = self.norms.get(index).copied().unwrap_or(1.0);
        Some(if self.mean.len() == v.len() {
            v.iter()
                .zip(&self.mean)
                .map(|(x, m)| x.to_f32() * norm + m)
                .collect()
        } else {
            v.iter().map(|x| x.to_f32() * norm).collect()
        })
    }

    /// Bytes of vector data held (f16 vectors, int8 copy, mean, per-slot values; without an
    /// attached graph).
    pub fn memory_bytes(&self) -> usize {
        self.vectors.len() * 2
            + self.mean.len() * 4
            + self.norms.len() * 4
            + self.present.len()
            + self.quantised.memory_bytes()
    }
}

mod query;
mod weighted;

#[cfg(test)]
mod tests;
