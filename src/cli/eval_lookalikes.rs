//! `vitrine eval lookalikes`: how often lookalikes share the item's category (the demo and,
//! given its path, clothing-3781) and colour (the demo, colour from the description), for every
//! Match preset, with and without mirror-image embeddings; with `--search`, the weights that do
//! best on all catalogues at once, chosen by 5-fold cross-validation over the queries.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use vitrine::catalogue::{self, Catalogue, ImportOptions};
use vitrine::engine::Command;
use vitrine::index::LOOKALIKES;
use vitrine::lookalike::eval::{colour_label, mean_over, ScoredCatalogue};
use vitrine::lookalike::{Preset, Query, Weights};
use vitrine::vision::BackboneKind;

use super::session::{ModelArgs, Session};

#[derive(Debug, Args)]
pub struct EvalLookalikesArgs {
    /// Also measure this catalogue (clothing-3781: its folder or its catalogue.csv).
    #[arg(long)]
    clothing: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// Search the weights (grid, 5-fold cross-validation over the queries of every catalogue).
    #[arg(long)]
    search: bool,
    /// Only with mirror-image embeddings on (skip the comparison without them).
    #[arg(long)]
    flip_only: bool,
}

fn labels_of(catalogue: &Catalogue) -> Vec<(String, Vec<Option<String>>)> {
    let category: Vec<Option<String>> = catalogue
        .items
        .iter()
        .map(|i| {
            i.attributes
                .get("category")
                .map(|c| c.trim().to_lowercase())
        })
        .collect();
    let mut labels = vec![("category".to_string(), category)];
    if catalogue.items.iter().any(|i| !i.description.is_empty()) {
        let colour = catalogue
            .items
            .iter()
            .map(|i| colour_label(&i.description).map(str::to_string))
            .collect();
        labels.push(("colour".to_string(), colour));
    }
    labels
}

/// Every item's normalised similarities with every other, through a worker.
fn scored(
    model: &ModelArgs,
    catalogue: &Arc<Catalogue>,
    flip: bool,
) -> anyhow::Result<ScoredCatalogue> {
    let mut options = model.options(BackboneKind::EfficientNetLite0);
    options.flip_embeddings = flip;
    let mut session = Session::start_with(options)?;
    session.request(Command::SetCatalogue(catalogue.clone()), |_, _| Ok(()))?;
    let (_, index) = super::match_cli::session_index(&mut session)?;
    let scores = (0..index.len())
        .map(|i| index.scores(&Query::Item(i)))
        .collect();
    Ok(ScoredCatalogue {
        name: catalogue.name.clone(),
        scores,
        labels: labels_of(catalogue),
    })
}

fn open(path: &Path) -> anyhow::Result<Catalogue> {
    let file = if path.is_dir() {
        path.join("catalogue.csv")
    } else {
        path.to_path_buf()
    };
    catalogue::load(&file, &ImportOptions::default())
        .with_context(|| format!("cannot open catalogue {}", file.display()))
}

fn weights_label(w: &Weights) -> String {
    format!("{:.2} / {:.2} / {:.2}", w.shape, w.colour, w.text)
}

pub fn run(args: &EvalLookalikesArgs) -> anyhow::Result<()> {
    let mut catalogues = vec![Arc::new(
        catalogue::demo().context("cannot open the demo catalogue")?,
    )];
    if let Some(path) = &args.clothing {
        catalogues.push(Arc::new(open(path)?));
    }
    let flips: &[bool] = if args.flip_only {
        &[true]
    } else {
        &[false, true]
    };
    println!("| embeddings | preset | weights shape / colour / text | metric | P@5 |");
    println!("|---|---|---|---|---|");
    let mut last = Vec::new();
    for &flip in flips {
        let scored: Vec<ScoredCatalogue> = catalogues
            .iter()
            .map(|c| scored(&args.model, c, flip))
            .collect::<anyhow::Result<_>>()?;
        for preset in Preset::ALL {
            let w = preset.weights();
            for c in &scored {
                let all: Vec<usize> = (0..c.scores.len()).collect();
                for (metric, p) in c.precisions(&w, LOOKALIKES, &all) {
                    println!(
                        "| {} | {} | {} | {metric} | {p:.3} |",
                        if flip { "photo + mirror" } else { "photo" },
                        preset.label(),
                        weights_label(&w)
                    );
                }
            }
        }
        last = scored;
    }
    if args.search {
        search(&last);
    }
    Ok(())
}

/// The weight grid: shape 1, colour 0..1 by 0.1, text 0..1.6 by 0.2.
fn grid() -> Vec<Weights> {
    let mut g = Vec::new();
    for c in 0..=10 {
        for t in 0..=8 {
            g.push(Weights {
                shape: 1.0,
                colour: c as f32 * 0.1,
                text: t as f32 * 0.2,
            });
        }
    }
    g
}

/// Mean of every metric of every catalogue on these queries (one list per catalogue).
fn objective(hits: &[Vec<Vec<Option<f64>>>], queries: &[Vec<usize>]) -> f64 {
    let values: Vec<f64> = hits
        .iter()
        .zip(queries)
        .flat_map(|(metrics, q)| metrics.iter().filter_map(|h| mean_over(h, q)))
        .collect();
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn search(scored: &[ScoredCatalogue]) {
    let grid = grid();
    // hits[g][c][metric][query]
    let hits: Vec<Vec<Vec<Vec<Option<f64>>>>> = grid
        .iter()
        .map(|w| scored.iter().map(|c| c.hits(w, LOOKALIKES)).collect())
        .collect();
    let folds = 5;
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let fold_of: Vec<Vec<usize>> = scored
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
        .collect();
    let pick = |keep: &dyn Fn(usize, usize) -> bool| -> usize {
        let queries: Vec<Vec<usize>> = fold_of
            .iter()
            .enumerate()
            .map(|(c, f)| (0..f.len()).filter(|&q| keep(c, q)).collect())
            .collect();
        let mut best = (0usize, f64::NEG_INFINITY);
        for (g, h) in hits.iter().enumerate() {
            let j = objective(h, &queries);
            if j > best.1 + 1e-12 {
                best = (g, j);
            }
        }
        best.0
    };
    println!();
    println!(
        "Weight search: shape 1, colour 0..1, text 0..1.6; objective = mean of every P@5 above."
    );
    println!("| fold | chosen on the other folds | held-out P@5 (each metric) |");
    println!("|---|---|---|");
    let mut held_sum: Vec<f64> = Vec::new();
    for fold in 0..folds {
        let g = pick(&|c, q| fold_of[c][q] != fold);
        let mut held = Vec::new();
        for (c, metrics) in hits[g].iter().enumerate() {
            let queries: Vec<usize> = (0..fold_of[c].len())
                .filter(|&q| fold_of[c][q] == fold)
                .collect();
            for (m, h) in metrics.iter().enumerate() {
                if let Some(p) = mean_over(h, &queries) {
                    held.push((format!("{} {}", scored[c].name, scored[c].labels[m].0), p));
                }
            }
        }
        if held_sum.is_empty() {
            held_sum = vec![0.0; held.len()];
        }
        for (s, (_, p)) in held_sum.iter_mut().zip(&held) {
            *s += p / folds as f64;
        }
        let text: Vec<String> = held.iter().map(|(n, p)| format!("{n} {p:.3}")).collect();
        println!(
            "| {fold} | {} | {} |",
            weights_label(&grid[g]),
            text.join(", ")
        );
    }
    println!(
        "cross-validated P@5 (mean of held-out folds): {:?}",
        held_sum
            .iter()
            .map(|p| format!("{p:.3}"))
            .collect::<Vec<_>>()
    );
    let g = pick(&|_, _| true);
    println!("weights chosen on all queries: {}", weights_label(&grid[g]));
    for (c, metrics) in hits[g].iter().enumerate() {
        let all: Vec<usize> = (0..scored[c].scores.len()).collect();
        for (m, h) in metrics.iter().enumerate() {
            if let Some(p) = mean_over(h, &all) {
                println!("  {} {}: {p:.3}", scored[c].name, scored[c].labels[m].0);
            }
        }
    }
}
