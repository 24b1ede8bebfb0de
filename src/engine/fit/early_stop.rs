//! Early stopping on validation micro-F1: remember the best evaluation, stop once `patience`
//! evaluations in a row have not beaten it.

use serde::{Deserialize, Serialize};

/// The evaluation a run keeps: the best validation micro-F1 so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BestEpoch {
    /// Epochs completed when it was measured.
    pub epoch: usize,
    /// Optimisation steps completed then.
    pub step: usize,
    /// Its validation micro-F1 (the run's global threshold, uncalibrated).
    pub micro_f1: f32,
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
    pub fn observe(&mut self, epoch: usize, step: usize, micro_f1: f32) -> Verdict {
        let improved = self.best.as_ref().is_none_or(|b| micro_f1 > b.micro_f1);
        if improved {
            self.best = Some(BestEpoch {
                epoch,
                step,
                micro_f1,
            });
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
                micro_f1: 0.5
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
}
