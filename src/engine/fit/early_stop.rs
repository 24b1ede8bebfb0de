//! Early stopping on a validation score ([`StopCriterion`]): remember the best evaluation, stop
//! once `patience` evaluations in a row have not beaten it.

use serde::{Deserialize, Serialize};

use crate::engine::metrics::Metrics;

/// What early stopping (and the choice of thresholds) maximises on the validation split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum StopCriterion {
    /// Micro-F1: every (item, tag) decision counts alike, so common tags dominate it.
    #[default]
    MicroF1,
    /// The mean of micro- and macro-F1: rare tags count as much as common ones in half of it.
    MeanF1,
    /// The validation binary cross-entropy (negated, so higher is better): every tag's
    /// probabilities, not only the decisions at one threshold.
    Loss,
}

impl StopCriterion {
    /// The score of one evaluation: decisions' `metrics`, with the probabilities and truth
    /// behind them (for the loss).
    pub fn score(self, metrics: &Metrics, probabilities: &[Vec<f32>], truth: &[Vec<bool>]) -> f32 {
        match self {
            StopCriterion::MicroF1 => metrics.micro_f1,
            StopCriterion::MeanF1 => (metrics.micro_f1 + metrics.macro_f1) / 2.0,
            StopCriterion::Loss => -mean_cross_entropy(probabilities, truth),
        }
    }

    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            StopCriterion::MicroF1 => "micro-F1",
            StopCriterion::MeanF1 => "mean of micro- and macro-F1",
            StopCriterion::Loss => "validation loss",
        }
    }
}

impl std::fmt::Display for StopCriterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopCriterion::MicroF1 => "micro",
            StopCriterion::MeanF1 => "mean",
            StopCriterion::Loss => "loss",
        })
    }
}

impl std::str::FromStr for StopCriterion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "micro" | "micro-f1" => Ok(Self::MicroF1),
            "mean" | "mean-f1" => Ok(Self::MeanF1),
            "loss" => Ok(Self::Loss),
            other => Err(format!(
                "unknown criterion '{other}': choose micro, mean or loss"
            )),
        }
    }
}

/// Mean binary cross-entropy of probabilities against the truth (probabilities clamped away
/// from 0 and 1).
pub fn mean_cross_entropy(probabilities: &[Vec<f32>], truth: &[Vec<bool>]) -> f32 {
    let mut sum = 0.0f64;
    let mut n = 0usize;
    for (row, y_row) in probabilities.iter().zip(truth) {
        for (&p, &y) in row.iter().zip(y_row) {
            let p = (p as f64).clamp(1e-7, 1.0 - 1e-7);
            sum -= if y { p.ln() } else { (1.0 - p).ln() };
            n += 1;
        }
    }
    (sum / n.max(1) as f64) as f32
}

/// The evaluation a run keeps: the best validation score so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BestEpoch {
    /// Epochs completed when it was measured.
    pub epoch: usize,
    /// Optimisation steps completed then.
    pub step: usize,
    /// Its validation score by the run's criterion (the run's global threshold, uncalibrated).
    pub score: f32,
}

/// What the run does after an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A new best: keep these weights.
    Improved,
    /// Not better; carry on.
    Continue,
    /// `patience` evaluations without a new best: stop.
    Stop,
}

/// Tracks the best evaluation and the evaluations since.
#[derive(Clone, Debug)]
pub struct EarlyStop {
    /// Evaluations without improvement before stopping; 0 never stops early.
    patience: usize,
    best: Option<BestEpoch>,
    since_best: usize,
}

impl EarlyStop {
    /// A tracker with this patience (in evaluations; 0 runs every epoch).
    pub fn new(patience: usize) -> Self {
        Self {
            patience,
            best: None,
            since_best: 0,
        }
    }

    /// Takes one evaluation. Only a strictly higher score is a new best, so among equal
    /// scores the earliest (least trained) weights are kept.
    pub fn observe(&mut self, epoch: usize, step: usize, score: f32) -> Verdict {
        let improved = self.best.as_ref().is_none_or(|b| score > b.score);
        if improved {
            self.best = Some(BestEpoch { epoch, step, score });
            self.since_best = 0;
            return Verdict::Improved;
        }
        self.since_best += 1;
        if self.patience > 0 && self.since_best >= self.patience {
            Verdict::Stop
        } else {
            Verdict::Continue
        }
    }

    /// The best evaluation so far.
    pub fn best(&self) -> Option<&BestEpoch> {
        self.best.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_best_and_stops_after_patience() {
        let mut stop = EarlyStop::new(3);
        let scores = [0.1, 0.3, 0.3, 0.25, 0.5, 0.4, 0.5, 0.45, 0.2];
        let verdicts: Vec<Verdict> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| stop.observe(i + 1, (i + 1) * 10, s))
            .collect();
        use Verdict::*;
        assert_eq!(
            verdicts,
            [Improved, Improved, Continue, Continue, Improved, Continue, Continue, Stop, Stop]
        );
        assert_eq!(
            stop.best(),
            Some(&BestEpoch {
                epoch: 5,
                step: 50,
                score: 0.5
            })
        );
    }

    #[test]
    fn zero_patience_never_stops() {
        let mut stop = EarlyStop::new(0);
        assert_eq!(stop.observe(1, 1, 0.5), Verdict::Improved);
        for e in 2..100 {
            assert_eq!(stop.observe(e, e, 0.1), Verdict::Continue);
        }
        assert_eq!(stop.best().map(|b| b.epoch), Some(1));
    }

    #[test]
    fn criteria_score_decisions_and_probabilities() {
        let metrics = Metrics {
            micro_f1: 0.6,
            macro_f1: 0.2,
            ..Metrics::default()
        };
        let probs = vec![vec![0.9, 0.2]];
        let truth = vec![vec![true, false]];
        assert_eq!(StopCriterion::MicroF1.score(&metrics, &probs, &truth), 0.6);
        assert!((StopCriterion::MeanF1.score(&metrics, &probs, &truth) - 0.4).abs() < 1e-6);
        let loss = -(0.9f32.ln() + 0.8f32.ln()) / 2.0;
        assert!((StopCriterion::Loss.score(&metrics, &probs, &truth) + loss).abs() < 1e-5);
        // A better probability of the truth scores higher.
        let sharper = vec![vec![0.99, 0.01]];
        assert!(
            StopCriterion::Loss.score(&metrics, &sharper, &truth)
                > StopCriterion::Loss.score(&metrics, &probs, &truth)
        );
    }
}
