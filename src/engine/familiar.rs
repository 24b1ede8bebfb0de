//! "Nothing in this catalogue looks like this photo": a new photo's best lookalike similarity
//! against what the catalogue's own items reach among themselves.
//!
//! The cutoff is a low percentile ([`CUTOFF_PERCENTILE`]) of the items' best-neighbour cosine
//! similarity (each item against all the others), over at most [`SAMPLE_ITEMS`] items spread
//! evenly through the catalogue, in two normalisations: the lookalike index's own (mean-centred
//! unit vectors) and the raw pooled features at unit length. Centring removes what every photo
//! of the catalogue shares (the kind of subject, the setting), which is exactly what an
//! unrelated photo lacks, so the raw one catches those. A photo below either cutoff is less
//! like the catalogue than all but a few of the catalogue's own items: its tags are a guess.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::protocol::CatalogueEmbeddings;
use crate::index::EmbeddingIndex;

/// Percentile of the items' best-neighbour similarities used as the cutoff.
pub const CUTOFF_PERCENTILE: f32 = 2.0;
/// Most items whose best neighbour is searched to find the cutoff.
pub const SAMPLE_ITEMS: usize = 300;

/// How close a photo comes to the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Familiarity {
    /// Cosine similarity of the photo's closest catalogue item.
    pub best_similarity: f32,
    /// The catalogue's cutoff.
    pub cutoff: f32,
    /// Cosine similarity of the closest item on the raw features (unit length, not centred).
    pub best_raw_similarity: f32,
    /// The catalogue's cutoff on the raw features.
    pub raw_cutoff: f32,
    /// True when the photo is below either cutoff: nothing in the catalogue looks like it.
    pub unlike_catalogue: bool,
}

impl Familiarity {
    /// A photo's best similarities (lookalike index, raw features) against the cutoffs.
    pub fn new(best: (f32, f32), cutoffs: Cutoffs) -> Self {
        Self {
            best_similarity: best.0,
            cutoff: cutoffs.centred,
            best_raw_similarity: best.1,
            raw_cutoff: cutoffs.raw,
            unlike_catalogue: best.0 < cutoffs.centred || best.1 < cutoffs.raw,
        }
    }

    /// The notice shown for a photo unlike the catalogue.
    pub const NOTICE: &'static str =
        "Nothing in this catalogue looks like this photo; its tags are a guess.";
}

/// A catalogue's cutoffs in both normalisations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cutoffs {
    /// On the lookalike index (mean-centred unit vectors).
    pub centred: f32,
    /// On the raw features at unit length.
    pub raw: f32,
}

/// The cutoffs of one lookalike index, computed once.
#[derive(Default)]
pub struct FamiliarCutoff {
    cached: Option<(Arc<CatalogueEmbeddings>, Option<Cutoffs>)>,
}

impl FamiliarCutoff {
    /// The cutoffs of `embeddings` (`None` with fewer than two items that have a vector).
    pub fn cutoff(&mut self, embeddings: &Arc<CatalogueEmbeddings>) -> Option<Cutoffs> {
        if let Some((seen, cutoff)) = &self.cached {
            if Arc::ptr_eq(seen, embeddings) {
                return *cutoff;
            }
        }
        let cutoff = catalogue_cutoffs(embeddings);
        self.cached = Some((embeddings.clone(), cutoff));
        cutoff
    }
}

/// The best raw cosine similarity of `query` (a raw pooled vector) to the index's items
/// (leaving out item `exclude`).
pub fn best_raw_similarity(
    index: &EmbeddingIndex,
    query: &[f32],
    exclude: Option<usize>,
) -> Option<f32> {
    index
        .raw_cosines(query)
        .into_iter()
        .enumerate()
        .filter(|(i, s)| Some(*i) != exclude && s.is_finite())
        .map(|(_, s)| s)
        .max_by(f32::total_cmp)
}

/// The [`CUTOFF_PERCENTILE`] of the sampled items' best-neighbour similarities.
pub fn catalogue_cutoffs(embeddings: &CatalogueEmbeddings) -> Option<Cutoffs> {
    let index = &embeddings.index;
    let present: Vec<usize> = (0..index.len()).filter(|&i| index.is_present(i)).collect();
    if present.len() < 2 {
        return None;
    }
    let step = present.len().div_ceil(SAMPLE_ITEMS).max(1);
    let sample: Vec<usize> = present.iter().step_by(step).copied().collect();
    let mut centred: Vec<f32> = sample
        .iter()
        .filter_map(|&i| index.nearest_to_item(i, 1).first().map(|n| n.score))
        .collect();
    let mut raw: Vec<f32> = sample
        .iter()
        .filter_map(|&i| {
            let v = index.raw_vector(i)?;
            best_raw_similarity(index, &v, Some(i))
        })
        .collect();
    centred.sort_by(f32::total_cmp);
    raw.sort_by(f32::total_cmp);
    Some(Cutoffs {
        centred: percentile(&centred, CUTOFF_PERCENTILE)?,
        raw: percentile(&raw, CUTOFF_PERCENTILE)?,
    })
}

/// The `pct` percentile of sorted values (nearest rank).
fn percentile(sorted: &[f32], pct: f32) -> Option<f32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((pct / 100.0) * sorted.len() as f32).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1).min(sorted.len() - 1))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentile() {
        let v: Vec<f32> = (1..=100).map(|i| i as f32).collect();
        assert_eq!(percentile(&v, 2.0), Some(2.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[0.3], 5.0), Some(0.3));
        assert_eq!(percentile(&[], 5.0), None);
        let cutoffs = Cutoffs {
            centred: 0.2,
            raw: 0.7,
        };
        assert!(Familiarity::new((0.1, 0.9), cutoffs).unlike_catalogue);
        assert!(Familiarity::new((0.3, 0.6), cutoffs).unlike_catalogue);
        assert!(!Familiarity::new((0.3, 0.8), cutoffs).unlike_catalogue);
        let mut index =
            EmbeddingIndex::centered(&[Some(vec![1.0, 0.0]), None, Some(vec![1.0, 1.0])]);
        index.push_missing();
        let best = best_raw_similarity(&index, &[2.0, 0.0], Some(0)).unwrap();
        assert!((best - 0.5f32.sqrt()).abs() < 1e-5, "{best}");
        let itself = best_raw_similarity(&index, &[3.0, 3.0], None).unwrap();
        assert!((itself - 1.0).abs() < 1e-5, "{itself}");
    }
}
