//! `vitrine cv`: k-fold cross-validation of fast mode (mean ± sd of micro/macro/samples F1 and
//! of the ECE before and after calibration) against the top-k frequent-tags baseline.

use std::sync::Arc;

use clap::Args;
use vitrine::engine::calibrate::CalibrationKind;
use vitrine::engine::core::{Engine, Signals};
use vitrine::engine::crossval::{CrossValidation, FoldScores};
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

impl CvArgs {
    fn config(&self) -> TrainConfig {
        let mut c = TrainConfig::for_mode(TrainMode::Fast);
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
        c
    }
}

pub fn run(args: &CvArgs) -> anyhow::Result<()> {
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let config = args.config();
    let mut engine = Engine::new(args.model.options(config.backbone), Signals::default());
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
    let started = std::time::Instant::now();
    let cv = engine.cross_validate(&config, args.folds, &emit)?;
    println!(
        "{}-fold cross-validation of fast mode: {} items, {} tags, {:.1} s",
        args.folds,
        cv.items,
        cv.tags,
        started.elapsed().as_secs_f64()
    );
    println!(
        "settings: epochs ≤ {}, patience {}, evaluate every {} epoch(s), lr {}, weight decay {}, \
         calibration {:?}, threshold {}{}",
        config.epochs,
        config.patience,
        config.eval_every_epochs,
        config.learning_rate,
        config.weight_decay,
        config.calibration,
        config.threshold,
        if config.tune_thresholds {
            " or out-of-fold thresholds when they win on validation"
        } else {
            ""
        }
    );
    if args.verbose {
        for (i, f) in cv.folds.iter().enumerate() {
            println!(
                "  fold {}: {} items, micro-F1 {:.3}, baseline {:.3}, ECE {:.3} -> {:.3}, epoch \
                 {} of {}, {}, {}",
                i + 1,
                f.items,
                f.model.micro_f1,
                f.baseline.micro_f1,
                f.ece_before,
                f.ece_after,
                f.best_epoch,
                f.epochs_run,
                f.calibration.describe(),
                f.rule.describe()
            );
        }
    }
    print_table(&cv);
    Ok(())
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
