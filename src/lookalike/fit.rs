//! Choosing Match weights on labelled catalogues, with cross-validation over query items.
//!
//! **Objective.** For every catalogue and every labelled attribute (a category, a colour…) the
//! P@5 of the lookalikes (see [`super::eval`]); the weights are chosen to maximise the
//! **harmonic mean** of those P@5 figures. The harmonic mean values them all: it is pulled
//! down by the weakest one, so weights that buy type at the cost of colour (or the reverse)
//! lose, while it still rewards raising both (the minimum alone would ignore every figure but
//! the lowest).
//!
//! **Cross-validation.** Each catalogue's items are dealt into `folds` folds at random (a fixed
//! seed). For each fold, the weights are chosen on the queries of the other folds and
//! measured on the queries of that fold (every item stays a candidate lookalike: only the
//! questions are held out). The cross-validated P@5 is the mean of the held-out figures; fixed
//! presets are measured on the same folds, so the comparison is like for like.

use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::eval::{mean_over, ScoredCatalogue};
use super::weights::{Preset, Weights};
use crate::index::LOOKALIKES;

/// Seed of the fold assignment.
pub const FOLD_SEED: u64 = 5;

/// Harmonic mean of positive figures (0 when any is 0; `None` for none).
pub fn harmonic_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    if values.iter().any(|v| *v <= 0.0) {
        return Some(0.0);
    }
    Some(values.len() as f64 / values.iter().map(|v| 1.0 / v).sum::<f64>())
}

/// The weights searched: shape 1 with colour, description and type on a grid, and every
/// preset's own weights.
pub fn weight_grid() -> Vec<Weights> {
    let mut grid: Vec<Weights> = Preset::ALL.iter().map(|p| p.weights()).collect();
    for colour in [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5] {
        for text in [0.0, 0.3, 0.6, 1.0, 1.5] {
            for kind in [0.0, 0.5, 1.0, 1.5, 2.0] {
                grid.push(Weights {
                    shape: 1.0,
                    colour,
                    text,
                    kind,
                });
            }
        }
    }
    grid
}

/// A named metric: catalogue and attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    /// The catalogue's name.
    pub catalogue: String,
    /// The attribute's name.
    pub attribute: String,
}

/// What one fold chose and how it did on its held-out queries.
#[derive(Clone, Debug)]
pub struct FoldResult {
    /// Weights chosen on the other folds.
    pub chosen: Weights,
    /// Held-out P@5 per metric.
    pub held_out: Vec<f64>,
}

/// Weights measured on the same folds.
#[derive(Clone, Debug)]
pub struct Measured {
    /// What they are ("Balanced", "fitted", …).
    pub name: String,
    /// The weights (for fitted: those chosen on all queries).
    pub weights: Weights,
    /// Mean held-out P@5 per metric.
    pub p5: Vec<f64>,
    /// Mean over folds of the held-out objective.
    pub objective: f64,
}

/// The outcome of a cross-validated search.
#[derive(Clone, Debug)]
pub struct Search {
    /// The metrics, in order.
    pub metrics: Vec<Metric>,
    /// Each fold's choice.
    pub folds: Vec<FoldResult>,
    /// The search procedure under cross-validation (name "fitted"), then every preset.
    pub measured: Vec<Measured>,
    /// The weights chosen on every query, to keep.
    pub chosen: Weights,
    /// Their P@5 per metric on every query (not a held-out figure).
    pub chosen_p5: Vec<f64>,
}

/// Each catalogue's fold of each item.
fn folds_of(catalogues: &[ScoredCatalogue], folds: usize) -> Vec<Vec<usize>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(FOLD_SEED);
    catalogues
        .iter()
        .map(|c| {
            let mut order: Vec<usize> = (0..c.scores.len()).collect();
            order.shuffle(&mut rng);
            let mut f = vec![0; order.len()];
            for (k, i) in order.into_iter().enumerate() {
                f[i] = k % folds;
            }
            f
        })
        .collect()
}

/// P@5 per metric of one weight setting (`hits[c][attribute][query]`) on these queries.
fn p5_of(hits: &[Vec<Vec<Option<f64>>>], queries: &[Vec<usize>]) -> Vec<f64> {
    hits.iter()
        .zip(queries)
        .flat_map(|(attrs, q)| attrs.iter().map(|h| mean_over(h, q).unwrap_or(0.0)))
        .collect()
}

/// Searches `grid` with `folds`-fold cross-validation over the queries of every catalogue (at
/// least 2 folds), measuring every preset on the same folds.
pub fn search(catalogues: &[ScoredCatalogue], grid: &[Weights], folds: usize) -> Search {
    let folds = folds.max(2);
    let metrics: Vec<Metric> = catalogues
        .iter()
        .flat_map(|c| {
            c.labels.iter().map(|(a, _)| Metric {
                catalogue: c.name.clone(),
                attribute: a.clone(),
            })
        })
        .collect();
    let hits_of = |w: &Weights| -> Vec<Vec<Vec<Option<f64>>>> {
        catalogues.iter().map(|c| c.hits(w, LOOKALIKES)).collect()
    };
    let hits: Vec<_> = grid.iter().map(hits_of).collect();
    let fold_of = folds_of(catalogues, folds);
    let queries = |keep: &dyn Fn(usize) -> bool| -> Vec<Vec<usize>> {
        fold_of
            .iter()
            .map(|f| (0..f.len()).filter(|&q| keep(f[q])).collect())
            .collect()
    };
    let objective = |p: &[f64]| harmonic_mean(p).unwrap_or(0.0);
    let pick = |q: &[Vec<usize>]| -> usize {
        let mut best = (0usize, f64::NEG_INFINITY);
        for (g, h) in hits.iter().enumerate() {
            let j = objective(&p5_of(h, q));
            if j > best.1 + 1e-12 {
                best = (g, j);
            }
        }
        best.0
    };
    let mut fold_results = Vec::new();
    for fold in 0..folds {
        let g = pick(&queries(&|f| f != fold));
        fold_results.push(FoldResult {
            chosen: grid[g],
            held_out: p5_of(&hits[g], &queries(&|f| f == fold)),
        });
    }
    let average = |per_fold: &[Vec<f64>]| -> (Vec<f64>, f64) {
        let m = per_fold.first().map_or(0, Vec::len);
        let p5 = (0..m)
            .map(|k| per_fold.iter().map(|f| f[k]).sum::<f64>() / per_fold.len() as f64)
            .collect();
        let obj = per_fold.iter().map(|f| objective(f)).sum::<f64>() / per_fold.len() as f64;
        (p5, obj)
    };
    let all = queries(&|_| true);
    let g = pick(&all);
    let fitted_folds: Vec<Vec<f64>> = fold_results.iter().map(|f| f.held_out.clone()).collect();
    let (p5, obj) = average(&fitted_folds);
    let mut measured = vec![Measured {
        name: "fitted".into(),
        weights: grid[g],
        p5,
        objective: obj,
    }];
    for preset in Preset::ALL {
        let h = hits_of(&preset.weights());
        let per_fold: Vec<Vec<f64>> = (0..folds)
            .map(|fold| p5_of(&h, &queries(&|f| f == fold)))
            .collect();
        let (p5, obj) = average(&per_fold);
        measured.push(Measured {
            name: preset.label().into(),
            weights: preset.weights(),
            p5,
            objective: obj,
        });
    }
    Search {
        metrics,
        folds: fold_results,
        measured,
        chosen: grid[g],
        chosen_p5: p5_of(&hits[g], &all),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_harmonic_mean_values_every_figure() {
        assert_eq!(harmonic_mean(&[]), None);
        assert!((harmonic_mean(&[0.5, 0.5]).unwrap_or(0.0) - 0.5).abs() < 1e-12);
        // 0.75 / 0.45 beats 0.9 / 0.3 though their plain means are equal.
        let balanced = harmonic_mean(&[0.75, 0.45]).unwrap_or(0.0);
        let lopsided = harmonic_mean(&[0.9, 0.3]).unwrap_or(0.0);
        assert!(balanced > lopsided);
        assert_eq!(harmonic_mean(&[0.8, 0.0]), Some(0.0));
    }

    #[test]
    fn the_grid_holds_every_preset() {
        let grid = weight_grid();
        for p in Preset::ALL {
            assert!(grid.contains(&p.weights()), "{p:?}");
        }
    }
}
