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

use super::metrics::{self, Metrics};

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

/// How a model turns probabilities into tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThresholdRule {
    /// The settings' threshold for every tag.
    Fixed,
    /// One threshold for every tag, chosen on out-of-fold probabilities.
    OutOfFoldGlobal,
    /// One threshold per tag, chosen on out-of-fold probabilities.
    OutOfFoldPerTag,
}

impl ThresholdRule {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            ThresholdRule::Fixed => "the settings' threshold",
            ThresholdRule::OutOfFoldGlobal => "one threshold chosen out of fold",
            ThresholdRule::OutOfFoldPerTag => "per-tag thresholds chosen out of fold",
        }
    }
}

/// One threshold rule and how it scored on the validation split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCandidate {
    /// The rule.
    pub rule: ThresholdRule,
    /// Its thresholds, one per tag.
    pub thresholds: Vec<f32>,
    /// Validation micro-F1 with the calibrated probabilities.
    pub validation_micro_f1: f32,
}

/// The threshold with the best micro-F1 over every tag at once.
pub fn best_global_threshold(probabilities: &[Vec<f32>], truth: &[Vec<bool>]) -> f32 {
    let tags = truth.first().map_or(0, Vec::len);
    let mut best = (f32::MIN, 0.5);
    for &th in &THRESHOLD_CANDIDATES {
        let predicted = metrics::apply_thresholds(probabilities, &vec![th; tags]);
        let names = vec![String::new(); tags];
        let score = metrics::evaluate(&predicted, truth, &names).micro_f1;
        if score > best.0 {
            best = (score, th);
        }
    }
    best.1
}

/// The threshold rules, each with its thresholds from the out-of-fold probabilities and its
/// validation micro-F1; the first of equal scores is the simplest.
pub fn threshold_candidates(
    fixed: f32,
    out_of_fold: (&[Vec<f32>], &[Vec<bool>]),
    validation: (&[Vec<f32>], &[Vec<bool>]),
) -> Vec<ThresholdCandidate> {
    let tags = out_of_fold.1.first().map_or(0, Vec::len);
    let rules = [
        (ThresholdRule::Fixed, vec![fixed; tags]),
        (
            ThresholdRule::OutOfFoldGlobal,
            vec![best_global_threshold(out_of_fold.0, out_of_fold.1); tags],
        ),
        (
            ThresholdRule::OutOfFoldPerTag,
            metrics::best_thresholds(out_of_fold.0, out_of_fold.1, &THRESHOLD_CANDIDATES, fixed),
        ),
    ];
    let names = vec![String::new(); tags];
    rules
        .into_iter()
        .map(|(rule, thresholds)| {
            let predicted = metrics::apply_thresholds(validation.0, &thresholds);
            ThresholdCandidate {
                validation_micro_f1: metrics::evaluate(&predicted, validation.1, &names).micro_f1,
                rule,
                thresholds,
            }
        })
        .collect()
}

/// Everything chosen from data after a fast-mode run's epochs: the epoch kept, the
/// calibration and the thresholds, with the measurements behind each choice. Saved in the
/// checkpoint and shown in the Train tab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tuning {
    /// Epoch kept (best validation micro-F1 at the settings' threshold, uncalibrated).
    pub best_epoch: usize,
    /// Its validation micro-F1 then.
    pub best_epoch_micro_f1: f32,
    /// Epochs that ran.
    pub epochs_run: usize,
    /// True when early stopping ended the run before its last epoch.
    pub stopped_early: bool,
    /// Folds of the training split the calibration and thresholds were fitted on.
    pub folds: usize,
    /// The calibration in use.
    pub calibration: Calibration,
    /// Threshold rules tried, with their validation micro-F1.
    pub candidates: Vec<ThresholdCandidate>,
    /// The rule in use (the best of `candidates`).
    pub rule: ThresholdRule,
    /// Validation scores with calibrated probabilities and the chosen thresholds.
    pub validation: Metrics,
    /// Reliability on the validation split before calibration.
    pub before: Reliability,
    /// Reliability on the validation split after calibration.
    pub after: Reliability,
}

impl Tuning {
    /// The thresholds of the rule in use.
    pub fn thresholds(&self) -> Option<&[f32]> {
        self.candidates
            .iter()
            .find(|c| c.rule == self.rule)
            .map(|c| c.thresholds.as_slice())
    }
}

/// Picks the candidate with the best validation micro-F1 (the earliest of equals).
pub fn choose(candidates: &[ThresholdCandidate]) -> Option<&ThresholdCandidate> {
    candidates
        .iter()
        .fold(None, |best: Option<&ThresholdCandidate>, c| match best {
            Some(b) if b.validation_micro_f1 >= c.validation_micro_f1 => Some(b),
            _ => Some(c),
        })
}

#[cfg(test)]
mod tests;
