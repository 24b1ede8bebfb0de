//! The Train tab's progress lines: the model in use, the run's progress bar, speed and time
//! left, and the last checkpoint.

use eframe::egui;

use super::state::{RunStatus, TrainState};
use crate::engine::protocol::ModelSummary;

pub(super) fn progress_ui(ui: &mut egui::Ui, state: &TrainState) {
    match (state.status, &state.progress) {
        (RunStatus::Idle, None) => {
            if let Some(model) = &state.model {
                ui.label(model_line(model));
            } else {
                ui.weak("No model yet. Click Start training: fast mode takes seconds.");
            }
        }
        (RunStatus::Starting, None) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Preparing: reading the photos and computing their features…");
            });
        }
        (status, progress) => {
            let fraction = state.fraction_done();
            let text = match progress {
                Some(p) => format!(
                    "Epoch {} of {} · step {} of {}",
                    p.epoch, p.epochs, p.step, p.steps_per_epoch
                ),
                None => "Starting…".to_string(),
            };
            ui.add(egui::ProgressBar::new(fraction).text(text).animate(false));
            if let Some(p) = progress {
                let mut line = format!("loss {:.4} · {:.0} images/s", p.loss, p.images_per_sec);
                if status.is_active() {
                    line.push_str(&format!(" · {} left", duration_words(p.eta_secs)));
                }
                if status == RunStatus::Stopping {
                    line.push_str(" · stopping…");
                }
                ui.label(line);
            }
            if !status.is_active() {
                if let Some(model) = &state.model {
                    ui.label(model_line(model));
                }
            }
        }
    }
    if let Some((path, epochs)) = &state.last_checkpoint {
        ui.weak(format!(
            "Last checkpoint: {} (after {epochs} epoch(s))",
            path.display()
        ));
    }
}

fn model_line(model: &ModelSummary) -> String {
    let mode = model
        .mode
        .map(|m| format!("{m} mode, "))
        .unwrap_or_default();
    let score = model
        .last_metrics
        .as_ref()
        .map(|m| {
            format!(
                "; validation micro-F1 {:.2}, macro-F1 {:.2}",
                m.micro_f1, m.macro_f1
            )
        })
        .unwrap_or_default();
    let epochs = match &model.tuning {
        Some(t) => format!(
            "epoch {} of {} kept (best validation {}{}){}",
            t.best_epoch,
            t.epochs_run,
            t.criterion.describe(),
            if t.stopped_early {
                ", stopped early"
            } else {
                ""
            },
            if t.ensemble > 0 {
                format!(", averaged with {} out-of-fold heads", t.ensemble)
            } else {
                String::new()
            }
        ),
        None => format!("{} epoch(s)", model.epochs_completed),
    };
    format!(
        "Model in use: {}, {mode}{epochs}, {} tags{score}",
        model.backbone,
        model.vocabulary.len()
    )
}

/// "about 12 s", "about 3 min", in words.
pub fn duration_words(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "unknown time".into();
    }
    if secs < 60.0 {
        format!("about {:.0} s", secs.ceil())
    } else if secs < 3600.0 {
        format!("about {:.0} min", (secs / 60.0).ceil())
    } else {
        format!("about {:.1} h", secs / 3600.0)
    }
}
