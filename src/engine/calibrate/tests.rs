use crate::engine::fit::early_stop::StopCriterion;
use rand::{Rng, SeedableRng};

use super::*;

/// Logits of a model twice as confident as it should be: the truth is drawn from σ(z / 2).
fn overconfident(n: usize, tags: usize, seed: u64) -> (Vec<Vec<f32>>, Vec<Vec<bool>>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut logits = Vec::new();
    let mut truth = Vec::new();
    for _ in 0..n {
        let row: Vec<f32> = (0..tags).map(|_| rng.random_range(-8.0..6.0)).collect();
        truth.push(
            row.iter()
                .map(|&z| rng.random::<f32>() < sigmoid(z / 2.0))
                .collect(),
        );
        logits.push(row);
    }
    (logits, truth)
}

#[test]
fn temperature_recovers_the_true_softening_and_lowers_ece() {
    let (logits, truth) = overconfident(2000, 5, 1);
    let t = fit_temperature(&logits, &truth);
    assert!((t - 2.0).abs() < 0.2, "temperature {t}");
    let (test_logits, test_truth) = overconfident(2000, 5, 2);
    let raw = reliability(
        &Calibration::Identity.probabilities(&test_logits),
        &test_truth,
    );
    let fitted = Calibration::fit(CalibrationKind::Temperature, &logits, &truth);
    let calibrated = reliability(&fitted.probabilities(&test_logits), &test_truth);
    assert!(
        calibrated.ece < raw.ece / 2.0,
        "ECE {} -> {}",
        raw.ece,
        calibrated.ece
    );
}

#[test]
fn platt_fits_slope_and_intercept_per_tag() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let column: Vec<(f32, bool)> = (0..4000)
        .map(|_| {
            let z: f32 = rng.random_range(-6.0..6.0);
            (z, rng.random::<f32>() < sigmoid(0.5 * z - 1.0))
        })
        .collect();
    let (a, b) = fit_platt(&column);
    assert!(
        (a - 0.5).abs() < 0.1 && (b + 1.0).abs() < 0.2,
        "a {a} b {b}"
    );
    // A tag never seen stays finite.
    let (a, b) = fit_platt(&[(1.0, false), (-2.0, false)]);
    assert!(a.is_finite() && b.is_finite());
}

#[test]
fn ece_is_the_weighted_gap_over_fifteen_bins() {
    // Half the pairs at 0.9 with 50 % true, half at 0.1 with 10 % true.
    let mut probs = Vec::new();
    let mut truth = Vec::new();
    for i in 0..20 {
        probs.push(vec![0.9, 0.1]);
        truth.push(vec![i % 2 == 0, i % 10 == 0]);
    }
    let r = reliability(&probs, &truth);
    assert_eq!(r.bins.len(), RELIABILITY_BINS);
    assert!((r.ece - 0.2).abs() < 1e-5, "ece {}", r.ece);
    let top = r
        .bins
        .iter()
        .find(|b| b.count > 0 && b.lower > 0.5)
        .unwrap();
    assert_eq!(top.count, 20);
    assert!((top.frequency - 0.5).abs() < 1e-6);
    // Probability 1.0 falls in the last bin.
    let r = reliability(&[vec![1.0]], &[vec![true]]);
    assert_eq!(r.bins[RELIABILITY_BINS - 1].count, 1);
    assert_eq!(r.ece, 0.0);
}

#[test]
fn the_best_rule_wins_and_ties_keep_the_simplest() {
    let oof = vec![vec![0.3, 0.8], vec![0.1, 0.6], vec![0.35, 0.2]];
    let oof_truth = vec![vec![true, true], vec![false, true], vec![true, false]];
    let micro = StopCriterion::MicroF1;
    let candidates = threshold_candidates(0.5, (&oof, &oof_truth), (&oof, &oof_truth), micro);
    assert_eq!(candidates.len(), 3);
    let chosen = choose(&candidates, micro).unwrap();
    assert_ne!(chosen.rule, ThresholdRule::Fixed, "{candidates:?}");
    assert!((chosen.validation_micro_f1 - 1.0).abs() < 1e-6);
    let tie = vec![
        ThresholdCandidate {
            rule: ThresholdRule::Fixed,
            thresholds: vec![0.5],
            validation_micro_f1: 0.4,
            validation_macro_f1: 0.2,
        },
        ThresholdCandidate {
            rule: ThresholdRule::OutOfFoldPerTag,
            thresholds: vec![0.3],
            validation_micro_f1: 0.4,
            validation_macro_f1: 0.3,
        },
    ];
    assert_eq!(choose(&tie, micro).unwrap().rule, ThresholdRule::Fixed);
    // Valuing rare tags, the per-tag thresholds pay: same micro-F1, better macro-F1.
    let mean = StopCriterion::MeanF1;
    assert_eq!(
        choose(&tie, mean).unwrap().rule,
        ThresholdRule::OutOfFoldPerTag
    );
}
