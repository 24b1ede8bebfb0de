//! Multi-label metrics, computed the way scikit-learn does (a ratio with a zero denominator
//! counts as 0), so vitrine's figures compare with the original pipeline's.

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 for one tag.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TagScore {
    /// The tag.
    pub tag: String,
    /// Of the items predicted to have the tag, the share that have it.
    pub precision: f32,
    /// Of the items that have the tag, the share predicted to have it.
    pub recall: f32,
    /// Harmonic mean of precision and recall.
    pub f1: f32,
    /// Number of items that have the tag.
    pub support: usize,
}

/// Micro, macro and samples-averaged F1, plus the per-tag scores.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// F1 over all (item, tag) decisions pooled together.
    pub micro_f1: f32,
    /// Mean of the per-tag F1 scores.
    pub macro_f1: f32,
    /// Mean over items of each item's F1.
    pub samples_f1: f32,
    /// Per-tag precision, recall, F1 and support, in vocabulary order.
    pub per_tag: Vec<TagScore>,
}

fn ratio(num: usize, den: usize) -> f32 {
    if den == 0 {
        0.0
    } else {
        num as f32 / den as f32
    }
}

fn f1(tp: usize, fp: usize, fn_: usize) -> f32 {
    ratio(2 * tp, 2 * tp + fp + fn_)
}

/// Scores predictions against truth. `predicted[i][t]` and `truth[i][t]` say whether item `i`
/// has tag `t`; `tags` names the columns. Rows of unequal length are compared on their common
/// prefix.
pub fn evaluate(predicted: &[Vec<bool>], truth: &[Vec<bool>], tags: &[String]) -> Metrics {
    let n_tags = tags.len();
    let mut tp = vec![0usize; n_tags];
    let mut fp = vec![0usize; n_tags];
    let mut fn_ = vec![0usize; n_tags];
    let mut samples_sum = 0.0f32;
    let items = predicted.len().min(truth.len());
    for (p_row, t_row) in predicted.iter().zip(truth) {
        let (mut s_tp, mut s_fp, mut s_fn) = (0, 0, 0);
        for t in 0..n_tags.min(p_row.len()).min(t_row.len()) {
            match (p_row[t], t_row[t]) {
                (true, true) => {
                    tp[t] += 1;
                    s_tp += 1;
                }
                (true, false) => {
                    fp[t] += 1;
                    s_fp += 1;
                }
                (false, true) => {
                    fn_[t] += 1;
                    s_fn += 1;
                }
                (false, false) => {}
            }
        }
        samples_sum += f1(s_tp, s_fp, s_fn);
    }
    let per_tag: Vec<TagScore> = (0..n_tags)
        .map(|t| TagScore {
            tag: tags[t].clone(),
            precision: ratio(tp[t], tp[t] + fp[t]),
            recall: ratio(tp[t], tp[t] + fn_[t]),
            f1: f1(tp[t], fp[t], fn_[t]),
            support: tp[t] + fn_[t],
        })
        .collect();
    let (all_tp, all_fp, all_fn) = (
        tp.iter().sum::<usize>(),
        fp.iter().sum::<usize>(),
        fn_.iter().sum::<usize>(),
    );
    Metrics {
        micro_f1: f1(all_tp, all_fp, all_fn),
        macro_f1: if n_tags == 0 {
            0.0
        } else {
            per_tag.iter().map(|s| s.f1).sum::<f32>() / n_tags as f32
        },
        samples_f1: if items == 0 {
            0.0
        } else {
            samples_sum / items as f32
        },
        per_tag,
    }
}

/// Turns probabilities into decisions with one threshold per tag.
pub fn apply_thresholds(probabilities: &[Vec<f32>], thresholds: &[f32]) -> Vec<Vec<bool>> {
    probabilities
        .iter()
        .map(|row| {
            row.iter()
                .zip(thresholds)
                .map(|(p, th)| *p >= *th)
                .collect()
        })
        .collect()
}

/// Converts multi-hot targets (1.0 / 0.0) into decisions.
pub fn targets_to_bool(targets: &[Vec<f32>]) -> Vec<Vec<bool>> {
    targets
        .iter()
        .map(|row| row.iter().map(|x| *x >= 0.5).collect())
        .collect()
}

/// For each tag, the threshold in `candidates` that maximises that tag's F1 on the given
/// (training) data; `fallback` where the tag never occurs. Choosing per-tag thresholds on the
/// training split helps rare tags whose probabilities rarely cross 0.5.
pub fn best_thresholds(
    probabilities: &[Vec<f32>],
    truth: &[Vec<bool>],
    candidates: &[f32],
    fallback: f32,
) -> Vec<f32> {
    let n_tags = truth.first().map_or(0, Vec::len);
    (0..n_tags)
        .map(|t| {
            let support = truth.iter().filter(|row| row[t]).count();
            if support == 0 {
                return fallback;
            }
            let mut best = (f32::MIN, fallback);
            for &th in candidates {
                let (mut tp, mut fp, mut fn_) = (0, 0, 0);
                for (p_row, t_row) in probabilities.iter().zip(truth) {
                    match (p_row[t] >= th, t_row[t]) {
                        (true, true) => tp += 1,
                        (true, false) => fp += 1,
                        (false, true) => fn_ += 1,
                        (false, false) => {}
                    }
                }
                let score = f1(tp, fp, fn_);
                if score > best.0 {
                    best = (score, th);
                }
            }
            best.1
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("t{i}")).collect()
    }

    #[test]
    fn matches_hand_computed_scores() {
        // Checked against sklearn.metrics.f1_score on the same arrays.
        let truth = vec![
            vec![true, false, true],
            vec![false, true, false],
            vec![true, true, false],
        ];
        let pred = vec![
            vec![true, false, false],
            vec![false, true, true],
            vec![false, true, false],
        ];
        let m = evaluate(&pred, &truth, &tags(3));
        // tp=3, fp=1, fn=2 -> 6/9
        assert!((m.micro_f1 - 6.0 / 9.0).abs() < 1e-6);
        // per tag: t0 tp1 fn1 -> 2/3; t1 tp2 -> 1; t2 fp1 fn1 -> 0
        assert!((m.per_tag[0].f1 - 2.0 / 3.0).abs() < 1e-6);
        assert!((m.per_tag[1].f1 - 1.0).abs() < 1e-6);
        assert_eq!(m.per_tag[2].f1, 0.0);
        assert!((m.macro_f1 - (2.0 / 3.0 + 1.0) / 3.0).abs() < 1e-6);
        // samples: 2/3, 2/3, 2/3
        assert!((m.samples_f1 - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(m.per_tag[1].support, 2);
        assert!((m.per_tag[2].precision).abs() < 1e-6);
    }

    #[test]
    fn perfect_and_empty_predictions() {
        let truth = vec![vec![true, false], vec![false, true]];
        let m = evaluate(&truth, &truth, &tags(2));
        assert_eq!((m.micro_f1, m.macro_f1, m.samples_f1), (1.0, 1.0, 1.0));
        let none = vec![vec![false, false], vec![false, false]];
        let m = evaluate(&none, &truth, &tags(2));
        assert_eq!((m.micro_f1, m.macro_f1, m.samples_f1), (0.0, 0.0, 0.0));
    }

    #[test]
    fn thresholds_pick_the_best_cut_per_tag() {
        let probs = vec![vec![0.3, 0.9], vec![0.2, 0.8], vec![0.05, 0.6]];
        let truth = vec![vec![true, true], vec![true, false], vec![false, false]];
        let th = best_thresholds(&probs, &truth, &[0.1, 0.5, 0.7, 0.85], 0.5);
        assert_eq!(th, vec![0.1, 0.85]);
        let decided = apply_thresholds(&probs, &th);
        assert_eq!(decided, truth);
    }
}
