//! The reliability diagram and the expected calibration error (ECE).

use serde::{Deserialize, Serialize};

use super::RELIABILITY_BINS;

/// One bin of a reliability diagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the bin's probability range.
    pub lower: f32,
    /// Upper edge.
    pub upper: f32,
    /// (item, tag) pairs whose probability falls in the bin.
    pub count: usize,
    /// Their mean probability.
    pub mean_probability: f32,
    /// The share of them that truly have the tag.
    pub frequency: f32,
}

/// A reliability diagram and its expected calibration error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// [`RELIABILITY_BINS`] equal-width bins over [0, 1].
    pub bins: Vec<ReliabilityBin>,
    /// Σ over bins of (pairs in bin / all pairs) · |frequency − mean probability|.
    pub ece: f32,
}

/// The reliability diagram of every (item, tag) probability against the truth.
pub fn reliability(probabilities: &[Vec<f32>], truth: &[Vec<bool>]) -> Reliability {
    let n_bins = RELIABILITY_BINS;
    let mut count = vec![0usize; n_bins];
    let mut sum_p = vec![0.0f64; n_bins];
    let mut positives = vec![0usize; n_bins];
    for (row, y_row) in probabilities.iter().zip(truth) {
        for (&p, &y) in row.iter().zip(y_row) {
            let b = ((p.clamp(0.0, 1.0) * n_bins as f32) as usize).min(n_bins - 1);
            count[b] += 1;
            sum_p[b] += p as f64;
            positives[b] += usize::from(y);
        }
    }
    let total: usize = count.iter().sum();
    let mut ece = 0.0f64;
    let bins = (0..n_bins)
        .map(|b| {
            let (mean_probability, frequency) = if count[b] == 0 {
                (0.0, 0.0)
            } else {
                (
                    sum_p[b] / count[b] as f64,
                    positives[b] as f64 / count[b] as f64,
                )
            };
            if total > 0 {
                ece += count[b] as f64 / total as f64 * (frequency - mean_probability).abs();
            }
            ReliabilityBin {
                lower: b as f32 / n_bins as f32,
                upper: (b + 1) as f32 / n_bins as f32,
                count: count[b],
                mean_probability: mean_probability as f32,
                frequency: frequency as f32,
            }
        })
        .collect();
    Reliability {
        bins,
        ece: ece as f32,
    }
}
