//! Calibrated probabilities and decision thresholds chosen from data the model has not seen.
//!
//! Fast mode fits them on **out-of-fold** predictions of the training split: the split is cut
//! into k folds, a head is trained on k − 1 of them with the run's own recipe and predicts the
//! fold it never saw ([`super::fit::head::out_of_fold_logits`]). The head trained on the whole
//! split is never calibrated on its own (memorised) training predictions.
//!
//! - **Calibration**: one temperature for every tag (`σ(z / T)`), or Platt scaling per tag
//!   (`σ(a·z + b)`), fitted by maximum likelihood on the out-of-fold logits.
//! - **Thresholds**: the fixed threshold of the settings, one global threshold or one per tag
//!   (both chosen on the uncalibrated out-of-fold probabilities); the rule that scores the best
//!   validation micro-F1 is used and recorded. Decisions are taken on the uncalibrated scale
//!   and each threshold is carried over to the calibrated one
//!   ([`Calibration::threshold_for`]), so calibrating per tag changes the probabilities shown,
//!   never which tags are predicted.
//! - **ECE** (expected calibration error): 15 equal-width probability bins over every
//!   (item, tag) probability; the weighted mean gap between each bin's mean probability and
//!   the share of its pairs that truly have the tag.

use serde::{Deserialize, Serialize};

/// Number of equal-width bins of the reliability diagram and the ECE.
pub const RELIABILITY_BINS: usize = 15;

/// Threshold candidates tried on out-of-fold probabilities (global and per tag).
pub const THRESHOLD_CANDIDATES: [f32; 19] = [
    0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
    0.9, 0.95,
];

/// Which calibration a run fits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum CalibrationKind {
    /// Raw sigmoid outputs.
    #[default]
    None,
    /// One temperature shared by every tag.
    Temperature,
    /// A slope and an intercept per tag.
    Platt,
}

impl std::str::FromStr for CalibrationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "temperature" => Ok(Self::Temperature),
            "platt" => Ok(Self::Platt),
            other => Err(format!(
                "unknown calibration '{other}': choose none, temperature or platt"
            )),
        }
    }
}

/// A fitted map from logits to probabilities.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Calibration {
    /// `σ(z)`.
    #[default]
    Identity,
    /// `σ(z / temperature)`.
    Temperature {
        /// Above 1 softens overconfident outputs.
        temperature: f32,
    },
    /// `σ(slope[t]·z + intercept[t])` for tag `t`.
    Platt {
        /// One slope per tag.
        slopes: Vec<f32>,
        /// One intercept per tag.
        intercepts: Vec<f32>,
    },
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Calibration {
    /// The probability of tag `tag` for logit `logit`.
    pub fn probability(&self, tag: usize, logit: f32) -> f32 {
        match self {
            Calibration::Identity => sigmoid(logit),
            Calibration::Temperature { temperature } => sigmoid(logit / temperature.max(1e-3)),
            Calibration::Platt { slopes, intercepts } => {
                let a = slopes.get(tag).copied().unwrap_or(1.0);
                let b = intercepts.get(tag).copied().unwrap_or(0.0);
                sigmoid(a * logit + b)
            }
        }
    }

    /// The calibrated threshold that takes exactly the decisions `raw_threshold` takes on the
    /// uncalibrated probability of tag `tag` (every calibration here is increasing).
    pub fn threshold_for(&self, tag: usize, raw_threshold: f32) -> f32 {
        let th = raw_threshold.clamp(1e-6, 1.0 - 1e-6);
        self.probability(tag, (th / (1.0 - th)).ln())
    }

    /// Probabilities of rows of logits.
    pub fn probabilities(&self, logits: &[Vec<f32>]) -> Vec<Vec<f32>> {
        logits
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(t, &z)| self.probability(t, z))
                    .collect()
            })
            .collect()
    }

    /// Fits `kind` on logits and the truth they should predict.
    pub fn fit(kind: CalibrationKind, logits: &[Vec<f32>], truth: &[Vec<bool>]) -> Self {
        match kind {
            CalibrationKind::None => Calibration::Identity,
            CalibrationKind::Temperature => Calibration::Temperature {
                temperature: fit_temperature(logits, truth),
            },
            CalibrationKind::Platt => {
                let n_tags = truth.first().map_or(0, Vec::len);
                let (slopes, intercepts) = (0..n_tags)
                    .map(|t| {
                        let column: Vec<(f32, bool)> = logits
                            .iter()
                            .zip(truth)
                            .map(|(z, y)| (z[t], y[t]))
                            .collect();
                        fit_platt(&column)
                    })
                    .unzip();
                Calibration::Platt { slopes, intercepts }
            }
        }
    }

    /// In words, for the window and the command line.
    pub fn describe(&self) -> String {
        match self {
            Calibration::Identity => "none".into(),
            Calibration::Temperature { temperature } => format!("temperature {temperature:.2}"),
            Calibration::Platt { slopes, .. } => format!("Platt scaling ({} tags)", slopes.len()),
        }
    }
}

/// Mean binary cross-entropy of `σ(scale·z)` against the truth.
fn scaled_nll(logits: &[Vec<f32>], truth: &[Vec<bool>], scale: f64) -> f64 {
    let mut sum = 0.0f64;
    let mut n = 0usize;
    for (row, y_row) in logits.iter().zip(truth) {
        for (&z, &y) in row.iter().zip(y_row) {
            let s = scale * z as f64;
            // log(1 + e^s) − y·s, computed stably.
            let softplus = if s > 0.0 {
                s + (-s).exp().ln_1p()
            } else {
                s.exp().ln_1p()
            };
            sum += softplus - if y { s } else { 0.0 };
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

/// The temperature minimising the negative log-likelihood (golden-section search on the
/// inverse temperature, in which the likelihood is convex). 1 when there is nothing to fit.
pub fn fit_temperature(logits: &[Vec<f32>], truth: &[Vec<bool>]) -> f32 {
    if logits.is_empty() {
        return 1.0;
    }
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut lo, mut hi) = (0.02f64, 5.0f64);
    let mut c = hi - phi * (hi - lo);
    let mut d = lo + phi * (hi - lo);
    let (mut fc, mut fd) = (scaled_nll(logits, truth, c), scaled_nll(logits, truth, d));
    for _ in 0..60 {
        if fc < fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - phi * (hi - lo);
            fc = scaled_nll(logits, truth, c);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + phi * (hi - lo);
            fd = scaled_nll(logits, truth, d);
        }
    }
    (2.0 / (lo + hi)) as f32
}

/// Platt's slope and intercept for one tag (Newton's method on the likelihood, with Platt's
/// smoothed targets so a tag with no positives does not push the intercept to −∞).
pub fn fit_platt(column: &[(f32, bool)]) -> (f32, f32) {
    let positives = column.iter().filter(|(_, y)| *y).count() as f64;
    let negatives = column.len() as f64 - positives;
    if column.is_empty() {
        return (1.0, 0.0);
    }
    let hi = (positives + 1.0) / (positives + 2.0);
    let lo = 1.0 / (negatives + 2.0);
    let (mut a, mut b) = (1.0f64, 0.0f64);
    let loss = |a: f64, b: f64| -> f64 {
        column
            .iter()
            .map(|&(z, y)| {
                let s = a * z as f64 + b;
                let t = if y { hi } else { lo };
                let softplus = if s > 0.0 {
                    s + (-s).exp().ln_1p()
                } else {
                    s.exp().ln_1p()
                };
                softplus - t * s
            })
            .sum()
    };
    let mut current = loss(a, b);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-6, 0.0, 1e-6);
        for &(z, y) in column {
            let z = z as f64;
            let p = 1.0 / (1.0 + (-(a * z + b)).exp());
            let t = if y { hi } else { lo };
            let w = p * (1.0 - p);
            ga += (p - t) * z;
            gb += p - t;
            haa += w * z * z;
            hab += w * z;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        // Halve the step until the likelihood improves.
        let mut step = 1.0;
        let mut improved = false;
        while step > 1e-4 {
            let (na, nb) = (a - step * da, b - step * db);
            let l = loss(na, nb);
            if l < current {
                (a, b, current) = (na, nb, l);
                improved = true;
                break;
            }
            step /= 2.0;
        }
        if !improved || (da.abs() + db.abs()) * step < 1e-7 {
            break;
        }
    }
    // Increasing, so decisions keep their order (a slope ≤ 0 would mean the head is useless
    // for the tag; it then predicts the base rate).
    (a.max(1e-3) as f32, b as f32)
}

mod reliability;
mod thresholds;

pub use reliability::{reliability, Reliability, ReliabilityBin};
pub use thresholds::{
    best_global_threshold, choose, threshold_candidates, ThresholdCandidate, ThresholdRule, Tuning,
};

#[cfg(test)]
mod tests;
