//! `vitrine cv`: k-fold cross-validation of fast mode over one or more seeds (mean ± sd of
//! micro/macro/samples F1 and of the ECE before and after calibration, over every fold of every
//! seed) against the top-k frequent-tags baseline; `--recipe both` compares the head recipe
//! with the one before it.

use std::sync::Arc;

use clap::Args;
use vitrine::engine::calibrate::CalibrationKind;
use vitrine::engine::core::{Engine, Signals};
use vitrine::engine::crossval::{old_recipe, CrossValidation, FoldScores};
use vitrine::engine::fit::early_stop::StopCriterion;
use vitrine::engine::{EventBody, TrainConfig, TrainMode};
use vitrine::vision::BackboneKind;

use super::session::{open_catalogue, ModelArgs};
use super::CatalogueArgs;

#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    vocab: super::vocab::VocabFlags,
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seeds in a row (each cuts its own folds and trains its own heads); figures are the mean
    /// ± sd over every fold of every seed.
    #[arg(long, default_value_t = 1)]
    seeds: usize,
    /// The head recipe: new (the settings fast mode trains with), old (Adam with an L2 term,
    /// early stopping on micro-F1, no ensemble), or both, side by side.
    #[arg(long, default_value = "new")]
    recipe: RecipeChoice,
    /// Decoupled weight decay (AdamW) instead of an L2 term in Adam: true or false.
    #[arg(long)]
    decoupled: Option<bool>,
    /// What early stopping and the threshold rule maximise: micro, mean (of micro- and
    /// macro-F1) or loss.
    #[arg(long)]
    stop_on: Option<StopCriterion>,
    /// Average the out-of-fold heads' probabilities with the head's: true or false.
    #[arg(long)]
    ensemble: Option<bool>,
    /// efficientnet-lite0 or resnext50.
    #[arg(long, default_value = "efficientnet-lite0")]
    backbone: BackboneKind,
    /// Most epochs per fold (default: fast mode's).
    #[arg(long)]
    epochs: Option<usize>,
    /// Evaluations without improvement before stopping (0: never stop early).
    #[arg(long)]
    patience: Option<usize>,
    /// Evaluate every this many epochs.
    #[arg(long)]
    eval_every: Option<usize>,
    /// Adam's weight decay.
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Adam's learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// none, temperature or platt.
    #[arg(long)]
    calibration: Option<CalibrationKind>,
    /// The fixed threshold.
    #[arg(long)]
    threshold: Option<f32>,
    /// Keep the fixed threshold (no out-of-fold thresholds).
    #[arg(long)]
    fixed_threshold: bool,
    /// Seed of the folds, splits and initialisation.
    #[arg(long)]
    seed: Option<u64>,
    /// Print every fold.
    #[arg(long)]
    verbose: bool,
}

/// Which head recipe(s) `vitrine cv` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum RecipeChoice {
    Old,
    New,
    Both,
}

impl CvArgs {
    /// The recipes to run, by name, with this command's settings on top.
    fn configs(&self) -> Vec<(&'static str, TrainConfig)> {
        let recipes: Vec<(&'static str, TrainConfig)> = match self.recipe {
            RecipeChoice::Old => vec![("old", old_recipe())],
            RecipeChoice::New => vec![("new", TrainConfig::for_mode(TrainMode::Fast))],
            RecipeChoice::Both => vec![
                ("old", old_recipe()),
                ("new", TrainConfig::for_mode(TrainMode::Fast)),
            ],
        };
        recipes
            .into_iter()
            .map(|(name, base)| (name, self.config(base)))
            .collect()
    }

    fn config(&self, mut c: TrainConfig) -> TrainConfig {
        c.backbone = self.backbone;
        if let Some(v) = self.epochs {
            c.epochs = v;
        }
        if let Some(v) = self.patience {
            c.patience = v;
        }
        if let Some(v) = self.eval_every {
            c.eval_every_epochs = v;
        }
        if let Some(v) = self.weight_decay {
            c.weight_decay = v;
        }
        if let Some(v) = self.lr {
            c.learning_rate = v;
        }
        if let Some(v) = self.calibration {
            c.calibration = v;
        }
        if let Some(v) = self.threshold {
            c.threshold = v;
        }
        if let Some(v) = self.seed {
            c.seed = v;
        }
        if self.fixed_threshold {
            c.tune_thresholds = false;
        }
        if let Some(v) = self.decoupled {
            c.decoupled_weight_decay = v;
        }
        if let Some(v) = self.stop_on {
            c.stop_on = v;
        }
        if let Some(v) = self.ensemble {
            c.ensemble = v;
        }
        c
    }
}

pub fn run(args: &CvArgs) -> anyhow::Result<()> {
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let configs = args.configs();
    let backbone = args.backbone;
    let mut engine = Engine::new(args.model.options(backbone), Signals::default());
    let emit = |body: EventBody| {
        if let EventBody::Notice(text) = body {
            eprintln!("note: {text}");
        }
    };
    engine.set_catalogue(catalogue.clone(), &emit);
    if !args.vocab.is_empty() {
        let settings = args
            .vocab
            .apply(super::vocab::saved_settings(&catalogue)?)?;
        engine.set_vocabulary(settings, false, &emit)?;
    }
    let mut results = Vec::with_capacity(configs.len());
    for (name, config) in &configs {
        let started = std::time::Instant::now();
        let cv = engine.cross_validate_seeds(config, args.folds, args.seeds, &emit)?;
        println!(
            "{name} recipe: {}-fold cross-validation of fast mode × {} seed(s): {} items, {} tags, \
             {:.1} s",
            args.folds,
            cv.seeds,
            cv.items,
            cv.tags,
            started.elapsed().as_secs_f64()
        );
        print_settings(config);
        if args.verbose {
            print_folds(&cv);
        }
        print_table(&cv);
        println!();
        results.push((*name, cv));
    }
    print_comparison(&results);
    Ok(())
}

fn print_settings(config: &TrainConfig) {
    println!(
        "settings: epochs ≤ {}, patience {}, evaluate every {} epoch(s), lr {}, weight decay {} \
         ({}), early stopping on {}, calibration {:?}, threshold {}{}{}",
        config.epochs,
        config.patience,
        config.eval_every_epochs,
        config.learning_rate,
        config.weight_decay,
        if config.decoupled_weight_decay {
            "decoupled, AdamW"
        } else {
            "L2 in Adam"
        },
        config.stop_on.describe(),
        config.calibration,
        config.threshold,
        if config.tune_thresholds {
            " or out-of-fold thresholds when they win on validation"
        } else {
            ""
        },
        if config.ensemble {
            ", ensemble of the head and its out-of-fold heads"
        } else {
            ""
        }
    );
}

fn print_folds(cv: &CrossValidation) {
    for (i, f) in cv.folds.iter().enumerate() {
        println!(
            "  seed {} fold {}: {} items, micro-F1 {:.3}, macro-F1 {:.3}, baseline {:.3}, ECE \
             {:.3} -> {:.3}, epoch {} of {}, {}, {}, {} heads",
            f.seed,
            i % (cv.folds.len() / cv.seeds.max(1)).max(1) + 1,
            f.items,
            f.model.micro_f1,
            f.model.macro_f1,
            f.baseline.micro_f1,
            f.ece_before,
            f.ece_after,
            f.best_epoch,
            f.epochs_run,
            f.calibration.describe(),
            f.rule.describe(),
            f.ensemble + 1
        );
    }
}

/// The recipes side by side, as a Markdown table (mean ± sd over every fold of every seed).
fn print_comparison(results: &[(&str, CrossValidation)]) {
    let cell = |cv: &CrossValidation, figure: &dyn Fn(&FoldScores) -> f32| {
        let (mean, sd) = cv.mean_sd(figure);
        format!("{mean:.3} ± {sd:.3}")
    };
    println!("| recipe | folds × seeds | micro-F1 | macro-F1 | samples-F1 | ECE after calibration | epoch kept |");
    println!("|---|---|---|---|---|---|---|");
    for (name, cv) in results {
        let folds = cv.folds.len() / cv.seeds.max(1);
        println!(
            "| {name} | {folds} × {} | {} | {} | {} | {} | {} |",
            cv.seeds,
            cell(cv, &|f| f.model.micro_f1),
            cell(cv, &|f| f.model.macro_f1),
            cell(cv, &|f| f.model.samples_f1),
            cell(cv, &|f| f.ece_after),
            cell(cv, &|f| f.best_epoch as f32)
        );
    }
    if let Some((_, cv)) = results.first() {
        println!(
            "| top-k frequent tags baseline | | {} | {} | {} | | |",
            cell(cv, &|f| f.baseline.micro_f1),
            cell(cv, &|f| f.baseline.macro_f1),
            cell(cv, &|f| f.baseline.samples_f1)
        );
    }
}

fn print_table(cv: &CrossValidation) {
    let row = |name: &str, figure: &dyn Fn(&FoldScores) -> f32| {
        let (mean, sd) = cv.mean_sd(figure);
        format!("{name} {mean:.3} ± {sd:.3}")
    };
    println!(
        "{:<34} {:>22} {:>22} {:>22}",
        "", "micro-F1", "macro-F1", "samples-F1"
    );
    let lines: [(&str, ScoresOf); 3] = [
        ("fast mode (calibrated, thresholds)", |f| {
            [f.model.micro_f1, f.model.macro_f1, f.model.samples_f1]
        }),
        ("fast mode (raw, fixed threshold)", |f| {
            [
                f.uncalibrated.micro_f1,
                f.uncalibrated.macro_f1,
                f.uncalibrated.samples_f1,
            ]
        }),
        ("top-k frequent tags baseline", |f| {
            [
                f.baseline.micro_f1,
                f.baseline.macro_f1,
                f.baseline.samples_f1,
            ]
        }),
    ];
    for (name, figures) in lines {
        let cells: Vec<String> = (0..3)
            .map(|k| row("", &|f: &FoldScores| figures(f)[k]))
            .collect();
        println!(
            "{name:<34} {:>22} {:>22} {:>22}",
            cells[0], cells[1], cells[2]
        );
    }
    println!(
        "ECE (15 bins, held-out folds): {} before calibration, {} after",
        row("", &|f: &FoldScores| f.ece_before).trim(),
        row("", &|f: &FoldScores| f.ece_after).trim()
    );
    let epochs = row("", &|f: &FoldScores| f.best_epoch as f32);
    println!("epoch kept by early stopping: {}", epochs.trim());
}

/// Picks one fold's micro, macro and samples F1 of one model.
type ScoresOf = fn(&FoldScores) -> [f32; 3];
