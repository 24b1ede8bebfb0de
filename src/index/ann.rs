//! An approximate nearest-neighbour graph (HNSW, from the `usearch` crate) for catalogues too
//! large to scan on every query.
//!
//! The graph keeps its own f16 copy of the unit vectors (inner product, which is cosine for
//! unit vectors) keyed by slot. A search asks the graph for [`AnnIndex::CANDIDATES`]
//! candidates and re-ranks them with the index's f32 vectors, so scores are exact and only
//! the candidate set is approximate. Saved next to the embedding cache (see
//! [`AnnIndex::save`]) so a second launch loads it instead of building it again.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use thiserror::Error;
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

use super::projection::Projection;
use super::search::TopK;
use super::simd::kernels;
use super::{EmbeddingIndex, Neighbour};

/// Indexes with at least this many present vectors get a graph (below it the exact scan
/// answers within a few milliseconds on two cores).
pub const ANN_FROM_ITEMS: usize = 200_000;

/// Problems building, loading or searching the graph.
#[derive(Debug, Error)]
pub enum AnnError {
    /// The graph library reported an error.
    #[error("lookalike graph: {0}")]
    Graph(String),
    /// A loaded graph does not match the index it was meant for.
    #[error("lookalike graph {path}: {why}")]
    Mismatch {
        /// Where it was loaded from (empty when built in memory).
        path: PathBuf,
        /// What differs.
        why: String,
    },
}

fn graph_error(e: impl fmt::Display) -> AnnError {
    AnnError::Graph(e.to_string())
}

/// How the graph is built; the defaults reach recall@5 ≥ 0.95 on a million vectors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnnSettings {
    /// Links per node.
    pub connectivity: usize,
    /// Breadth of the search while inserting.
    pub expansion_add: usize,
    /// Breadth of the search while querying.
    pub expansion_search: usize,
    /// Stored vector precision in the graph: bf16 (`true`) or f16. (The graph's own int8
    /// conversion scales each vector by its length, which leaves unit vectors of 1,280 values
    /// a few levels each: too coarse.)
    pub bf16: bool,
    /// Dimensions the graph's vectors are projected to (PCA) when the index has more; 0 keeps
    /// every dimension.
    pub projected_dims: usize,
}

impl Default for AnnSettings {
    fn default() -> Self {
        Self {
            connectivity: 16,
            expansion_add: 64,
            expansion_search: 64,
            bf16: false,
            projected_dims: 256,
        }
    }
}

/// An HNSW graph over the present slots of one [`EmbeddingIndex`].
pub struct AnnIndex {
    graph: Index,
    slots: usize,
    dim: usize,
    /// The PCA projection the graph's vectors went through, if any.
    projection: Option<Projection>,
    /// Seconds the build took (0 for a loaded graph).
    pub build_secs: f64,
}

impl fmt::Debug for AnnIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AnnIndex")
            .field("slots", &self.slots)
            .field("dim", &self.dim)
            .field("size", &self.graph.size())
            .finish()
    }
}

impl AnnIndex {
    /// Candidates asked of the graph per search before re-ranking (at least 8 × k).
    pub const CANDIDATES: usize = 40;
    /// Candidates re-ranked when the graph holds projected vectors: the dimensions the
    /// projection drops still order close neighbours, so more are re-ranked with the full
    /// vectors (at 1M synthetic vectors, 40 exact projected candidates hold 57% of the exact
    /// top-5, 200 hold 98%, 400 all).
    pub const PROJECTED_CANDIDATES: usize = 320;

    /// Candidates this graph's searches re-rank.
    pub fn rerank_candidates(&self) -> usize {
        if self.projection.is_some() {
            Self::PROJECTED_CANDIDATES
        } else {
            Self::CANDIDATES
        }
    }

    /// Builds the graph over `index`'s present vectors with the default settings, on every
    /// core.
    pub fn build(index: &EmbeddingIndex) -> Result<Self, AnnError> {
        Self::build_with(index, AnnSettings::default())
    }

    /// Builds the graph with explicit settings.
    pub fn build_with(index: &EmbeddingIndex, settings: AnnSettings) -> Result<Self, AnnError> {
        let started = Instant::now();
        let projection = if settings.projected_dims > 0 && settings.projected_dims < index.dim() {
            Some(Projection::fit(
                index.len(),
                index.dim(),
                settings.projected_dims,
                |slot| index.vector(slot).filter(|_| index.is_present(slot)),
            )?)
        } else {
            None
        };
        let graph_dim = projection
            .as_ref()
            .map_or(index.dim(), Projection::dims_out);
        let graph = new_graph(graph_dim, &settings)?;
        let threads = rayon::current_num_threads().max(1);
        graph
            .reserve_capacity_and_threads(index.present_count(), threads)
            .map_err(graph_error)?;
        let slots: Vec<usize> = (0..index.len()).filter(|&s| index.is_present(s)).collect();
        for chunk in slots.chunks(8192) {
            let vectors: Vec<f32> = match &projection {
                Some(p) => {
                    let mut flat = Vec::with_capacity(chunk.len() * index.dim());
                    for &slot in chunk {
                        flat.extend(index.vector(slot).unwrap_or_default());
                    }
                    p.apply_many(&flat)?
                }
                None => chunk
                    .iter()
                    .flat_map(|&slot| index.vector(slot).unwrap_or_default())
                    .collect(),
            };
            chunk
                .par_iter()
                .zip(vectors.par_chunks_exact(graph_dim))
                .try_for_each(|(&slot, v)| graph.add(slot as u64, v).map_err(graph_error))?;
        }
        Ok(Self {
            graph,
            slots: index.len(),
            dim: index.dim(),
            projection,
            build_secs: started.elapsed().as_secs_f64(),
        })
    }

    /// Refuses a graph that was built for another index (slot count or dimensions differ).
    pub fn check_fits(&self, index: &EmbeddingIndex) -> Result<(), AnnError> {
        let why = if self.dim != index.dim() {
            format!("{} dimensions, the index has {}", self.dim, index.dim())
        } else if self.graph.size() != index.present_count() {
            format!(
                "{} vectors, the index has {}",
                self.graph.size(),
                index.present_count()
            )
        } else {
            return Ok(());
        };
        Err(AnnError::Mismatch {
            path: PathBuf::new(),
            why,
        })
    }

    /// Vectors in the graph.
    pub fn len(&self) -> usize {
        self.graph.size()
    }

    /// True when the graph holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the graph holds (links and its vector copy).
    pub fn memory_bytes(&self) -> usize {
        self.graph.memory_usage()
    }

    /// Changes how broadly queries search (more: higher recall, slower).
    pub fn set_expansion_search(&self, expansion: usize) {
        self.graph.change_expansion_search(expansion);
    }

    /// Up to `n` slots the graph finds closest to a prepared (centred, unit) query, best
    /// first by the graph's own scores, `exclude` left out.
    pub fn candidates(
        &self,
        q: &[f32],
        n: usize,
        exclude: Option<usize>,
    ) -> Result<Vec<usize>, AnnError> {
        let wanted = n + usize::from(exclude.is_some());
        let projected;
        let q = match &self.projection {
            Some(p) => {
                projected = p.apply(q);
                &projected
            }
            None => q,
        };
        let found = self.graph.search(q, wanted).map_err(|e| {
            log::warn!("lookalike graph search failed: {e}");
            graph_error(e)
        })?;
        Ok(found
            .keys
            .iter()
            .map(|&key| key as usize)
            .filter(|&slot| Some(slot) != exclude && slot < self.slots)
            .take(n)
            .collect())
    }

    /// The `k` best of the graph's candidates, re-ranked with `index`'s f32 vectors.
    pub fn search(
        &self,
        index: &EmbeddingIndex,
        q: &[f32],
        k: usize,
        exclude: Option<usize>,
    ) -> Result<Vec<Neighbour>, AnnError> {
        let kernels = kernels();
        let mut top = TopK::new(k);
        for slot in self.candidates(q, self.rerank_candidates().max(8 * k), exclude)? {
            if let Some(v) = index.vector_f16(slot) {
                top.offer(slot, kernels.dot_f16(v, q));
            }
        }
        Ok(top.into_vec())
    }

    /// Dimensions of the graph's own vectors (those of the projection when there is one).
    pub fn graph_dims(&self) -> usize {
        self.graph.dimensions()
    }

    /// Writes the graph to `path` (through a temporary file renamed into place) and its
    /// projection, if any, beside it (see [`projection_path`]).
    pub fn save(&self, path: &Path) -> Result<(), AnnError> {
        let beside = projection_path(path);
        match &self.projection {
            Some(p) => p.save(&beside)?,
            None if beside.exists() => std::fs::remove_file(&beside)
                .map_err(|e| graph_error(format!("cannot remove {}: {e}", beside.display())))?,
            None => {}
        }
        let temp = crate::durable::tmp_path_for(path);
        let temp_str = temp.to_string_lossy().into_owned();
        self.graph.save(&temp_str).map_err(graph_error)?;
        std::fs::rename(&temp, path).map_err(|e| {
            // Best effort: a temporary file left behind is only wasted space.
            let _ = std::fs::remove_file(&temp);
            graph_error(format!(
                "cannot move the graph into {}: {e}",
                path.display()
            ))
        })
    }

    /// Reads a graph saved by [`AnnIndex::save`] and checks it fits `index`.
    pub fn load(path: &Path, index: &EmbeddingIndex) -> Result<Self, AnnError> {
        let path_str = path.to_string_lossy().into_owned();
        let graph = Index::restore(&path_str).map_err(graph_error)?;
        let beside = projection_path(path);
        let projection = if beside.is_file() {
            Some(Projection::load(&beside)?)
        } else {
            None
        };
        let (dims_in, dims_out) = projection
            .as_ref()
            .map_or((index.dim(), index.dim()), |p| (p.dims_in(), p.dims_out()));
        let loaded = Self {
            graph,
            slots: index.len(),
            dim: index.dim(),
            projection,
            build_secs: 0.0,
        };
        if loaded.graph.dimensions() != dims_out || dims_in != index.dim() {
            return Err(AnnError::Mismatch {
                path: path.to_path_buf(),
                why: format!(
                    "{} dimensions (projected from {dims_in})",
                    loaded.graph.dimensions()
                ),
            });
        }
        loaded.check_fits(index).map_err(|e| match e {
            AnnError::Mismatch { why, .. } => AnnError::Mismatch {
                path: path.to_path_buf(),
                why,
            },
            other => other,
        })?;
        Ok(loaded)
    }
}

/// Where the projection of the graph saved at `graph_path` is kept.
pub fn projection_path(graph_path: &Path) -> PathBuf {
    let mut name = graph_path.file_name().unwrap_or_default().to_os_string();
    name.push(".projection.safetensors");
    graph_path.with_file_name(name)
}

fn new_graph(dim: usize, settings: &AnnSettings) -> Result<Index, AnnError> {
    let options = IndexOptions {
        dimensions: dim,
        metric: MetricKind::IP,
        quantization: if settings.bf16 {
            ScalarKind::BF16
        } else {
            ScalarKind::F16
        },
        connectivity: settings.connectivity,
        expansion_add: settings.expansion_add,
        expansion_search: settings.expansion_search,
        multi: false,
    };
    Index::new(&options).map_err(graph_error)
}
