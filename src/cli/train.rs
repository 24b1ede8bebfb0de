//! `vitrine train`: headless training with a progress bar and metrics per epoch.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vitrine::engine::checkpoint::resume_plan;
use vitrine::engine::corrections::{self, Corrections};
use vitrine::engine::protocol::{ModelSummary, RunStarted};
use vitrine::engine::{Command, EventBody, RunOutcome, TrainConfig, TrainMode};
use vitrine::vision::BackboneKind;

use super::session::{open_catalogue, Bars, ModelArgs, Session};
use super::CatalogueArgs;

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    vocab: super::vocab::VocabFlags,
    /// fast (frozen backbone, seconds) or fine-tune (whole network, minutes).
    #[arg(long, default_value = "fast")]
    mode: TrainMode,
    /// efficientnet-lite0 or resnext50.
    #[arg(long, default_value = "efficientnet-lite0")]
    backbone: BackboneKind,
    /// Passes over the training split (default depends on the mode).
    #[arg(long)]
    epochs: Option<usize>,
    /// Images per step.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Adam learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Probability from which a tag is predicted.
    #[arg(long)]
    threshold: Option<f32>,
    /// Seed for the split, shuffling and augmentation.
    #[arg(long)]
    seed: Option<u64>,
    /// Continue a run: `--resume` alone continues the latest run of this catalogue,
    /// `--resume=CHECKPOINT` a given checkpoint folder. The run keeps its own settings and
    /// epochs (`--epochs` raises them); a complete run is not extended.
    #[arg(long, num_args = 0..=1, value_name = "CHECKPOINT")]
    resume: Option<Option<PathBuf>>,
}

impl TrainArgs {
    fn config(&self) -> TrainConfig {
        let mut config = TrainConfig::for_mode(self.mode);
        config.backbone = self.backbone;
        if let Some(v) = self.epochs {
            config.epochs = v;
        }
        if let Some(v) = self.batch_size {
            config.batch_size = v;
        }
        if let Some(v) = self.lr {
            config.learning_rate = v;
        }
        if let Some(v) = self.threshold {
            config.threshold = v;
        }
        if let Some(v) = self.seed {
            config.seed = v;
        }
        config
    }

    /// The checkpoint to resume and the settings to continue with (the rule the window uses
    /// too: [`resume_plan`]).
    fn resume(&self, catalogue_name: &str) -> anyhow::Result<Option<(PathBuf, TrainConfig)>> {
        let Some(requested) = &self.resume else {
            return Ok(None);
        };
        let plan = resume_plan(
            &self.model.checkpoint_root(),
            catalogue_name,
            requested.as_deref(),
            self.epochs,
        )?;
        eprintln!(
            "resuming {} after {} of {} epoch(s)",
            plan.checkpoint.display(),
            plan.epochs_completed,
            plan.config.epochs
        );
        Ok(Some((plan.checkpoint, plan.config)))
    }
}

pub fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let catalogue = open_catalogue(&args.catalogue)?;
    let (resume, config) = match args.resume(&catalogue.name)? {
        Some((dir, config)) => (Some(dir), config),
        None => (None, args.config()),
    };
    let mut session = Session::start(&args.model, config.backbone)?;
    let catalogue_ref = Arc::new(catalogue);
    let ready = session.request_one(
        Command::SetCatalogue(catalogue_ref.clone()),
        "the catalogue's tags",
        |body| match body {
            EventBody::CatalogueReady(ready) => Some(ready),
            _ => None,
        },
    )?;
    let ready = if args.vocab.is_empty() {
        ready
    } else {
        let settings = args
            .vocab
            .apply(super::vocab::saved_settings(&catalogue_ref)?)?;
        let report = session.request_one(
            Command::SetVocabulary {
                settings,
                save: false,
            },
            "the vocabulary",
            |body| match body {
                EventBody::VocabularyReady(report) => Some(report),
                _ => None,
            },
        )?;
        for note in &report.notes {
            eprintln!("note: vocabulary edit skipped: {note}");
        }
        eprintln!("vocabulary for this run: {}", report.settings.describe());
        report.tags.clone()
    };
    eprintln!(
        "{} tags learned from the descriptions; {} items have tags",
        ready.vocabulary.len(),
        ready.trainable_items
    );
    let corrections = Corrections::load(&corrections::sidecar_path(&ready.catalogue))?;
    let corrected = corrections.items_corrected_in(&ready.catalogue);
    if corrected > 0 {
        eprintln!("{corrected} item(s) have tags checked by you; they train with your corrections");
        session.request(
            Command::SetCorrections(Arc::new(corrections)),
            |_, _| Ok(()),
        )?;
    }
    let command = Command::Train {
        config: config.clone(),
        resume,
    };
    let mut stopped = false;
    session.request(command, |bars, body| {
        match body {
            EventBody::TrainingStarted(run) => start_bar(bars, &run),
            EventBody::Progress(p) => {
                if let Some(bar) = &bars.train {
                    bar.set_position(((p.epoch - 1) * p.steps_per_epoch + p.step) as u64);
                    bar.set_message(format!(
                        "epoch {}/{} loss {:.4} {:.1} img/s ETA {}",
                        p.epoch,
                        p.epochs,
                        p.loss,
                        p.images_per_sec,
                        format_secs(p.eta_secs)
                    ));
                }
            }
            EventBody::Eval(e) if e.epoch.fract() == 0.0 => bars.println(format!(
                "epoch {:>3}: validation micro-F1 {:.3}  macro-F1 {:.3}  samples-F1 {:.3}",
                e.epoch, e.metrics.micro_f1, e.metrics.macro_f1, e.metrics.samples_f1
            )),
            EventBody::Checkpoint { path, .. } => {
                bars.println(format!("checkpoint: {}", path.display()));
            }
            EventBody::Finished(end) => {
                if let Some(bar) = bars.train.take() {
                    bar.finish();
                }
                if end.outcome == RunOutcome::Stopped {
                    stopped = true;
                    eprintln!(
                        "stopped; last checkpoint: {}",
                        end.checkpoint
                            .map_or("none".into(), |p| p.display().to_string())
                    );
                }
            }
            EventBody::ModelReady(summary) => {
                print_tuning(&summary);
                print_best_tags(&summary);
            }
            _ => {}
        }
        Ok(())
    })?;
    session.bars.finish();
    if !stopped {
        eprintln!("model ready: {} tags", ready.vocabulary.len());
    }
    Ok(())
}

fn start_bar(bars: &mut Bars, run: &RunStarted) {
    eprintln!(
        "run {}: {} training / {} validation items, {} mode, {} epochs",
        run.run_id,
        run.train_items.len(),
        run.validation_items.len(),
        run.config.mode,
        run.config.epochs
    );
    let bar = ProgressBar::new((run.steps_per_epoch * run.config.epochs) as u64);
    bar.set_style(
        ProgressStyle::with_template("[{elapsed_precise}] [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_position((run.steps_per_epoch * run.start_epoch) as u64);
    bars.train = Some(bar);
}

/// The epoch kept, the calibration and the thresholds, with the validation ECE.
fn print_tuning(summary: &ModelSummary) {
    let Some(t) = &summary.tuning else {
        return;
    };
    eprintln!(
        "kept epoch {} of {}{} (validation {} {:.3} at the fixed threshold){}",
        t.best_epoch,
        t.epochs_run,
        if t.stopped_early {
            ", stopped early"
        } else {
            ""
        },
        t.criterion.describe(),
        t.best_epoch_micro_f1,
        if t.ensemble > 0 {
            format!("; averaged with {} out-of-fold heads", t.ensemble)
        } else {
            String::new()
        }
    );
    eprintln!(
        "calibration: {} (fitted on {}-fold out-of-fold predictions of the training split); \
         ECE on the validation split {:.3} before, {:.3} after",
        t.calibration.describe(),
        t.folds,
        t.before.ece,
        t.after.ece
    );
    let tried: Vec<String> = t
        .candidates
        .iter()
        .map(|c| {
            format!(
                "{} {:.3} / {:.3}",
                c.rule.describe(),
                c.validation_micro_f1,
                c.validation_macro_f1
            )
        })
        .collect();
    eprintln!(
        "thresholds: {} (validation micro-F1 / macro-F1: {})",
        t.rule.describe(),
        tried.join(", ")
    );
}

fn print_best_tags(summary: &ModelSummary) {
    let Some(m) = &summary.last_metrics else {
        return;
    };
    let mut per_tag = m.per_tag.clone();
    per_tag.sort_by(|a, b| b.f1.total_cmp(&a.f1));
    eprintln!("best tags on the validation split:");
    for s in per_tag.iter().take(10) {
        eprintln!(
            "  {:<14} F1 {:.2}  precision {:.2}  recall {:.2}  support {}",
            s.tag, s.f1, s.precision, s.recall, s.support
        );
    }
}

fn format_secs(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests;
