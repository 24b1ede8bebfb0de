//! "Nothing in this catalogue looks like this photo": a new photo's best lookalike similarity
//! against what the catalogue's own items reach among themselves.
//!
//! The cutoff is a low percentile ([`CUTOFF_PERCENTILE`]) of the items' best-neighbour cosine
//! similarity (each item against all the others, in the lookalike index's own normalisation:
//! mean-centred unit vectors), over at most [`SAMPLE_ITEMS`] items spread evenly through the
//! catalogue. A photo whose best similarity falls below it is less like the catalogue than
//! all but a few of the catalogue's own items: its tags are a guess.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::protocol::CatalogueEmbeddings;

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
    /// True when the photo is below the cutoff: nothing in the catalogue looks like it.
    pub unlike_catalogue: bool,
}

impl Familiarity {
    /// A photo's best similarity against the catalogue's cutoff.
    pub fn new(best_similarity: f32, cutoff: f32) -> Self {
        Self {
            best_similarity,
            cutoff,
            unlike_catalogue: best_similarity < cutoff,
        }
    }

    /// The notice shown for a photo unlike the catalogue.
    pub const NOTICE: &'static str =
        "Nothing in this catalogue looks like this photo; its tags are a guess.";
}

/// The cutoff of one lookalike index, computed once.
#[derive(Default)]
pub struct FamiliarCutoff {
    cached: Option<(Arc<CatalogueEmbeddings>, Option<f32>)>,
}

impl FamiliarCutoff {
    /// The cutoff of `embeddings` (`None` with fewer than two items that have a vector).
    pub fn cutoff(&mut self, embeddings: &Arc<CatalogueEmbeddings>) -> Option<f32> {
        if let Some((seen, cutoff)) = &self.cached {
            if Arc::ptr_eq(seen, embeddings) {
                return *cutoff;
            }
        }
        let cutoff = catalogue_cutoff(embeddings);
        self.cached = Some((embeddings.clone(), cutoff));
        cutoff
    }
}

/// The [`CUTOFF_PERCENTILE`] of the sampled items' best-neighbour similarities.
pub fn catalogue_cutoff(embeddings: &CatalogueEmbeddings) -> Option<f32> {
    let index = &embeddings.index;
    let present: Vec<usize> = (0..index.len()).filter(|&i| index.is_present(i)).collect();
    if present.len() < 2 {
        return None;
    }
    let step = present.len().div_ceil(SAMPLE_ITEMS).max(1);
    let mut best: Vec<f32> = present
        .iter()
        .step_by(step)
        .filter_map(|&i| index.nearest_to_item(i, 1).first().map(|n| n.score))
        .collect();
    best.sort_by(f32::total_cmp);
    percentile(&best, CUTOFF_PERCENTILE)
}

/// The `pct` percentile of sorted values (nearest rank).
fn percentile(sorted: &[f32], pct: f32) -> Option<f32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((pct / 100.0) * sorted.len() as f32).ceil() as usize;
    sorted.get(rank.saturating_sub(1).min(sorted.len() - 1)).copied()
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
        assert!(Familiarity::new(0.1, 0.2).unlike_catalogue);
        assert!(!Familiarity::new(0.3, 0.2).unlike_catalogue);
    }
}
