//! Asking an [`EmbeddingIndex`]: queries centred and normalised like the stored vectors, the
//! nearest neighbours and every slot's score, and the approximate graph the searches use when
//! one is attached.

use std::sync::Arc;

use super::ann::{self, AnnIndex};
use super::{normalize, EmbeddingIndex, Neighbour};

impl EmbeddingIndex {
    /// Centres and normalises a query the way stored vectors were; `None` when its length is
    /// not the index's.
    pub fn prepare_query(&self, query: &[f32]) -> Option<Vec<f32>> {
        if self.dim == 0 || query.len() != self.dim {
            return None;
        }
        let mut q = query.to_vec();
        if self.mean.len() == q.len() {
            q.iter_mut().zip(&self.mean).for_each(|(x, m)| *x -= m);
        }
        normalize(&mut q);
        Some(q)
    }

    /// The `k` most similar vectors to `query` by cosine similarity, best first, skipping
    /// `exclude` (the query item itself). Ties go to the lower index so results are stable.
    /// Exact, unless an approximate graph is attached ([`EmbeddingIndex::attach_ann`]).
    pub fn nearest(&self, query: &[f32], k: usize, exclude: Option<usize>) -> Vec<Neighbour> {
        if k == 0 {
            return Vec::new();
        }
        match self.prepare_query(query) {
            Some(q) => self.top_k_prepared(&q, k, exclude),
            None => Vec::new(),
        }
    }

    /// The `k` nearest neighbours of the item at `index` (itself excluded).
    pub fn nearest_to_item(&self, index: usize, k: usize) -> Vec<Neighbour> {
        if !self.present.get(index).copied().unwrap_or(false) || k == 0 {
            return Vec::new();
        }
        let Some(v) = self.vector(index) else {
            return Vec::new();
        };
        // Stored vectors are already centred and normalised.
        self.top_k_prepared(&v, k, Some(index))
    }

    /// The exact top `k` by cosine similarity, whatever is attached (same order and ties as
    /// [`EmbeddingIndex::nearest`]).
    pub fn nearest_exact(&self, query: &[f32], k: usize, exclude: Option<usize>) -> Vec<Neighbour> {
        match self.prepare_query(query) {
            Some(q) if k > 0 => self.exact_top_k(&q, k, exclude),
            _ => Vec::new(),
        }
    }

    /// Cosine similarity of `query` to every slot, in slot order (`f32::NEG_INFINITY` for
    /// missing slots); empty when the query's length is wrong. Uses every core.
    pub fn scores(&self, query: &[f32]) -> Vec<f32> {
        match self.prepare_query(query) {
            Some(q) => self.exact_scores(&q),
            None => Vec::new(),
        }
    }

    /// About `n` items likely to be the closest to `query`, for a caller that re-ranks them
    /// with its own score: the graph's candidates when one is attached, else the exact top
    /// `n`. Best first by cosine similarity.
    pub fn candidates(&self, query: &[f32], n: usize, exclude: Option<usize>) -> Vec<usize> {
        self.nearest(query, n, exclude)
            .into_iter()
            .map(|found| found.index)
            .collect()
    }

    /// Builds the approximate graph over the present vectors and attaches it (searches then
    /// use it). Takes a while: see [`AnnIndex::build`].
    pub fn build_ann(&mut self) -> Result<(), ann::AnnError> {
        let graph = AnnIndex::build(self)?;
        self.ann = Some(Arc::new(graph));
        Ok(())
    }

    /// Attaches a graph built over these vectors (for instance loaded from disk); refused
    /// when it holds another number of slots or dimensions.
    pub fn attach_ann(&mut self, graph: Arc<AnnIndex>) -> Result<(), ann::AnnError> {
        graph.check_fits(self)?;
        self.ann = Some(graph);
        Ok(())
    }

    /// The attached approximate graph, if any.
    pub fn ann(&self) -> Option<&Arc<AnnIndex>> {
        self.ann.as_ref()
    }

    /// Drops the attached graph: searches are exact again.
    pub fn detach_ann(&mut self) {
        self.ann = None;
    }
}
