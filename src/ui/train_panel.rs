//! The Train tab: settings, Start/Stop/Resume, live progress, loss and F1 charts, and the
//! per-tag scores of the last evaluation.

use std::path::PathBuf;

use eframe::egui;
use egui::{Color32, RichText};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Legend, Line, Plot, PlotPoint, Points};

use super::app::Action;
use crate::engine::checkpoint::{Checkpoint, History, ResumePlan};
use crate::engine::metrics::{Metrics, TagScore};
use crate::engine::worker::{ModelSummary, Progress};
use crate::engine::{TrainConfig, TrainMode};
use crate::vision::BackboneKind;

/// Where a training run stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunStatus {
    /// No run.
    #[default]
    Idle,
    /// Asked for; the worker is preparing (or finishing another job first).
    Starting,
    /// Steps are running.
    Running,
    /// Stop was clicked; waiting for the worker to save and stop.
    Stopping,
}

impl RunStatus {
    /// True from the click on Start until the run has ended.
    pub fn is_active(self) -> bool {
        self != RunStatus::Idle
    }
}

/// One validation evaluation, for the F1 chart.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalPoint {
    /// Fractional epoch.
    pub epoch: f64,
    /// Global step.
    pub step: usize,
    /// Micro-averaged F1.
    pub micro_f1: f64,
    /// Macro-averaged F1.
    pub macro_f1: f64,
    /// Samples-averaged F1.
    pub samples_f1: f64,
}

/// Which column the per-tag table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortBy {
    Tag,
    Precision,
    Recall,
    F1,
    Support,
}

/// Everything the Train tab and the validation gallery show.
pub struct TrainState {
    /// The settings being edited.
    pub config: TrainConfig,
    /// Where the run stands.
    pub status: RunStatus,
    /// The run's folder name.
    pub run_id: Option<String>,
    /// Settings of the last run started (for Resume).
    pub run_config: Option<TrainConfig>,
    /// The latest step.
    pub progress: Option<Progress>,
    /// Loss per step (x: global step).
    pub losses: Vec<PlotPoint>,
    /// Validation F1 over time.
    pub evals: Vec<EvalPoint>,
    /// Scores of the last evaluation.
    pub last_metrics: Option<Metrics>,
    /// Tags being learned, in model output order.
    pub vocabulary: Vec<String>,
    /// Per-tag thresholds of the last evaluation.
    pub thresholds: Vec<f32>,
    /// Items of the validation split.
    pub validation_items: Vec<usize>,
    /// Validation items with their tag probabilities, from the last evaluation.
    pub validation: Vec<(usize, Vec<f32>)>,
    /// Items of the training split.
    pub train_items: usize,
    /// The last checkpoint written or loaded, and its epochs.
    pub last_checkpoint: Option<(PathBuf, usize)>,
    /// The model in use.
    pub model: Option<ModelSummary>,
    /// A settings problem, in words.
    pub config_error: Option<String>,
    sort: (SortBy, bool),
}

impl TrainState {
    /// A fresh state with these settings.
    pub fn new(config: TrainConfig) -> Self {
        Self {
            config,
            status: RunStatus::Idle,
            run_id: None,
            run_config: None,
            progress: None,
            losses: Vec::new(),
            evals: Vec::new(),
            last_metrics: None,
            vocabulary: Vec::new(),
            thresholds: Vec::new(),
            validation_items: Vec::new(),
            validation: Vec::new(),
            train_items: 0,
            last_checkpoint: None,
            model: None,
            config_error: None,
            sort: (SortBy::Support, true),
        }
    }

    /// Forgets runs, checkpoint and model (a new catalogue was opened), keeping the settings
    /// and the sort order. A checkpoint that fits the new catalogue is loaded again after.
    pub fn reset_runs(&mut self) {
        let config = self.config.clone();
        let sort = self.sort;
        *self = Self::new(config);
        self.sort = sort;
    }

    /// Replaces the charts with a run's history (on start, resume or checkpoint load).
    pub fn set_history(&mut self, history: &History) {
        self.losses = history
            .losses
            .iter()
            .map(|p| PlotPoint::new(p.step as f64, p.loss as f64))
            .collect();
        self.evals = history
            .evals
            .iter()
            .map(|e| eval_point(e.epoch, e.step, &e.metrics))
            .collect();
        self.last_metrics = history.evals.last().map(|e| e.metrics.clone());
    }

    /// Records a training step.
    pub fn push_progress(&mut self, progress: Progress) {
        self.losses.push(PlotPoint::new(
            progress.global_step as f64,
            progress.loss as f64,
        ));
        self.status = match self.status {
            RunStatus::Stopping => RunStatus::Stopping,
            _ => RunStatus::Running,
        };
        self.progress = Some(progress);
    }

    /// Records an evaluation.
    pub fn push_eval(&mut self, epoch: f32, step: usize, metrics: Metrics) {
        self.evals.push(eval_point(epoch, step, &metrics));
        self.last_metrics = Some(metrics);
    }

    /// The fraction of the run done, from the latest step.
    pub fn fraction_done(&self) -> f32 {
        match &self.progress {
            Some(p) if p.epochs > 0 && p.steps_per_epoch > 0 => {
                let done = p.epoch.saturating_sub(1) * p.steps_per_epoch + p.step;
                (done as f32 / (p.epochs * p.steps_per_epoch) as f32).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }

    /// The settings for Resume, by the same rule as `vitrine train --resume`
    /// ([`ResumePlan::for_checkpoint`]): the last checkpoint's run with its own settings,
    /// continued up to the epochs set here; a run that has done them is refused in words.
    pub fn resume_config(&self) -> Result<(PathBuf, TrainConfig), String> {
        let Some((path, _)) = &self.last_checkpoint else {
            return Err("there is no checkpoint to resume yet".into());
        };
        let plan = Checkpoint::load(path)
            .and_then(|ck| ResumePlan::for_checkpoint(&ck, Some(self.config.epochs)))
            .map_err(|e| e.to_string())?;
        Ok((plan.checkpoint, plan.config))
    }
}

fn eval_point(epoch: f32, step: usize, m: &Metrics) -> EvalPoint {
    EvalPoint {
        epoch: epoch as f64,
        step,
        micro_f1: m.micro_f1 as f64,
        macro_f1: m.macro_f1 as f64,
        samples_f1: m.samples_f1 as f64,
    }
}

/// Draws the Train tab.
pub fn train_panel_ui(
    ui: &mut egui::Ui,
    state: &mut TrainState,
    catalogue_ready: bool,
    actions: &mut Vec<Action>,
) {
    egui::ScrollArea::vertical()
        .id_salt("train_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading("Train a tagging model");
            ui.add(
                egui::Label::new(
                    "The model learns to see the tags of the shop descriptions in the photos. \
                     Fast mode trains only the last layer on the network's features (seconds); \
                     fine-tune trains the whole network (minutes on a CPU).",
                )
                .wrap(),
            );
            ui.add_space(6.0);
            let running = state.status.is_active();
            ui.add_enabled_ui(!running, |ui| settings_ui(ui, state));
            ui.add_space(6.0);
            buttons_ui(ui, state, catalogue_ready, actions);
            if let Some(error) = &state.config_error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            ui.add_space(6.0);
            progress_ui(ui, state);
            ui.add_space(6.0);
            charts_ui(ui, state);
            ui.add_space(8.0);
            per_tag_table_ui(ui, state);
        });
}

fn settings_ui(ui: &mut egui::Ui, state: &mut TrainState) {
    let config = &mut state.config;
    egui::Grid::new("train_settings")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Backbone");
            egui::ComboBox::from_id_salt("backbone")
                .selected_text(config.backbone.name())
                .show_ui(ui, |ui| {
                    for kind in BackboneKind::ALL {
                        ui.selectable_value(&mut config.backbone, kind, kind.name());
                    }
                })
                .response
                .labelled_by(label.id)
                .on_hover_text(
                    "efficientnet-lite0 is small and fast; resnext50 is larger and slower on a \
                     CPU (its pretrained weights must be installed)",
                );
            ui.end_row();

            ui.label("Mode");
            ui.horizontal(|ui| {
                let before = config.mode;
                ui.radio_value(&mut config.mode, TrainMode::Fast, "Fast")
                    .on_hover_text("Only the tag layer learns; seconds on a CPU");
                ui.radio_value(&mut config.mode, TrainMode::FineTune, "Fine-tune")
                    .on_hover_text(
                        "The whole network learns, with augmentations; minutes on a CPU",
                    );
                if config.mode != before {
                    // Each mode has its own sensible numbers.
                    let defaults = TrainConfig::for_mode(config.mode);
                    config.epochs = defaults.epochs;
                    config.batch_size = defaults.batch_size;
                    config.learning_rate = defaults.learning_rate;
                    config.weight_decay = defaults.weight_decay;
                    config.tune_thresholds = defaults.tune_thresholds;
                    config.eval_every_steps = defaults.eval_every_steps;
                }
            });
            ui.end_row();

            let label = ui.label("Epochs");
            ui.add(egui::DragValue::new(&mut config.epochs).range(1..=1000))
                .labelled_by(label.id)
                .on_hover_text("Passes over the training photos");
            ui.end_row();

            let label = ui.label("Batch size");
            ui.add(egui::DragValue::new(&mut config.batch_size).range(1..=512))
                .labelled_by(label.id)
                .on_hover_text("Photos per learning step");
            ui.end_row();

            let label = ui.label("Learning rate");
            ui.add(
                egui::DragValue::new(&mut config.learning_rate)
                    .range(1e-6..=0.5)
                    .speed(1e-5)
                    .max_decimals(6),
            )
            .labelled_by(label.id)
            .on_hover_text("How big each learning step is; 0.001 works well");
            ui.end_row();

            let label = ui.label("Threshold");
            ui.add(egui::Slider::new(&mut config.threshold, 0.05..=0.95).fixed_decimals(2))
                .labelled_by(label.id)
                .on_hover_text("Probability from which a tag counts as predicted");
            ui.end_row();

            ui.label("");
            ui.checkbox(&mut config.tune_thresholds, "Tune one threshold per tag")
                .on_hover_text("Chooses each tag's threshold on the training photos");
            ui.end_row();
        });
}

fn buttons_ui(
    ui: &mut egui::Ui,
    state: &mut TrainState,
    catalogue_ready: bool,
    actions: &mut Vec<Action>,
) {
    ui.horizontal_wrapped(|ui| {
        let active = state.status.is_active();
        let start = ui
            .add_enabled(
                !active && catalogue_ready,
                egui::Button::new(RichText::new("Start training").strong()),
            )
            .on_disabled_hover_text(if active {
                "A run is in progress"
            } else {
                "Waiting for the catalogue"
            });
        if start.clicked() {
            match state.config.validate() {
                Ok(()) => {
                    state.config_error = None;
                    actions.push(Action::StartTraining(state.config.clone()));
                }
                Err(e) => state.config_error = Some(format!("Cannot start: {e}.")),
            }
        }
        let stop = ui
            .add_enabled(
                matches!(state.status, RunStatus::Starting | RunStatus::Running),
                egui::Button::new("Stop"),
            )
            .on_hover_text("Stops after the current step and keeps a checkpoint");
        if stop.clicked() {
            actions.push(Action::StopTraining);
        }
        let resume_label = match &state.last_checkpoint {
            Some((_, epochs)) => format!("Resume (from epoch {epochs})"),
            None => "Resume".to_string(),
        };
        let resume = ui
            .add_enabled(
                !active && catalogue_ready && state.last_checkpoint.is_some(),
                egui::Button::new(resume_label),
            )
            .on_hover_text("Continues the last run up to the number of epochs set above");
        if resume.clicked() {
            match state.resume_config() {
                Ok(_) => {
                    state.config_error = None;
                    actions.push(Action::Resume);
                }
                Err(e) => state.config_error = Some(format!("Cannot resume: {e}.")),
            }
        }
        if ui
            .add_enabled(!active, egui::Button::new("Load checkpoint…"))
            .on_hover_text("Use a model trained before (a checkpoint folder)")
            .clicked()
        {
            actions.push(Action::OpenCheckpointDialog);
        }
        if ui
            .add_enabled(!active, egui::Button::new("Default settings"))
            .clicked()
        {
            let backbone = state.config.backbone;
            state.config = TrainConfig::for_mode(state.config.mode);
            state.config.backbone = backbone;
            state.config_error = None;
        }
    });
}

fn progress_ui(ui: &mut egui::Ui, state: &TrainState) {
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
        .map(|m| format!("; validation micro-F1 {:.2}", m.micro_f1))
        .unwrap_or_default();
    format!(
        "Model in use: {}, {mode}{} epoch(s), {} tags{score}",
        model.backbone,
        model.epochs_completed,
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

/// One line of the F1 chart: its name, colour and value.
type F1Series = (&'static str, Color32, fn(&EvalPoint) -> f64);

fn charts_ui(ui: &mut egui::Ui, state: &TrainState) {
    let wide = ui.available_width() > 720.0;
    let height = 200.0;
    let loss_chart = |ui: &mut egui::Ui| {
        ui.strong("Training loss per step");
        Plot::new("loss_plot")
            .height(height)
            .x_axis_label("step")
            .include_y(0.0)
            .allow_scroll(false)
            .show(ui, |plot_ui| {
                plot_ui.line(
                    Line::new("loss", &state.losses[..])
                        .color(Color32::from_rgb(230, 100, 100))
                        .width(1.5),
                );
            });
    };
    let f1_chart = |ui: &mut egui::Ui| {
        ui.strong("F1 on the validation photos");
        Plot::new("f1_plot")
            .height(height)
            .x_axis_label("epoch")
            .include_y(0.0)
            .include_y(1.0)
            .allow_scroll(false)
            .legend(Legend::default())
            .show(ui, |plot_ui| {
                let series: [F1Series; 3] = [
                    ("micro F1", Color32::from_rgb(80, 160, 255), |e| e.micro_f1),
                    ("macro F1", Color32::from_rgb(245, 150, 50), |e| e.macro_f1),
                    ("samples F1", Color32::from_rgb(90, 190, 110), |e| {
                        e.samples_f1
                    }),
                ];
                for (name, colour, value) in series {
                    let points: Vec<[f64; 2]> =
                        state.evals.iter().map(|e| [e.epoch, value(e)]).collect();
                    plot_ui.line(Line::new(name, points.clone()).color(colour).width(1.5));
                    plot_ui.points(Points::new(name, points).color(colour).radius(2.5));
                }
            });
    };
    if wide {
        ui.columns(2, |cols| {
            loss_chart(&mut cols[0]);
            f1_chart(&mut cols[1]);
        });
    } else {
        loss_chart(ui);
        ui.add_space(6.0);
        f1_chart(ui);
    }
}

fn per_tag_table_ui(ui: &mut egui::Ui, state: &mut TrainState) {
    let Some(metrics) = &state.last_metrics else {
        return;
    };
    ui.horizontal(|ui| {
        ui.strong("Scores per tag (last evaluation)");
        ui.weak(format!(
            "micro F1 {:.3} · macro F1 {:.3} · samples F1 {:.3}",
            metrics.micro_f1, metrics.macro_f1, metrics.samples_f1
        ));
    });
    let mut rows: Vec<&TagScore> = metrics.per_tag.iter().collect();
    let (by, descending) = state.sort;
    rows.sort_by(|a, b| {
        let order = match by {
            SortBy::Tag => a.tag.cmp(&b.tag),
            SortBy::Precision => a.precision.total_cmp(&b.precision),
            SortBy::Recall => a.recall.total_cmp(&b.recall),
            SortBy::F1 => a.f1.total_cmp(&b.f1),
            SortBy::Support => a.support.cmp(&b.support),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    let mut clicked = None;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    TableBuilder::new(ui)
        .id_salt("per_tag_table")
        .striped(true)
        .vscroll(false)
        .column(Column::initial(160.0).at_least(100.0).clip(true))
        .columns(Column::initial(100.0).at_least(80.0), 4)
        .header(row_height + 4.0, |mut header| {
            for (title, column) in [
                ("Tag", SortBy::Tag),
                ("Precision", SortBy::Precision),
                ("Recall", SortBy::Recall),
                ("F1", SortBy::F1),
                ("Support", SortBy::Support),
            ] {
                header.col(|ui| {
                    let sorted = by == column;
                    let hint = match (sorted, descending) {
                        (false, _) => "Click to sort by this column",
                        (true, true) => "Sorted high to low; click to reverse",
                        (true, false) => "Sorted low to high; click to reverse",
                    };
                    let response = ui
                        .add(egui::Button::new(RichText::new(title).strong()).frame(false))
                        .on_hover_text(hint);
                    if sorted {
                        sort_marker_ui(ui, response.rect, descending);
                    }
                    if response.clicked() {
                        clicked = Some(column);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut row| {
                let Some(score) = rows.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    ui.label(&score.tag);
                });
                for value in [score.precision, score.recall, score.f1] {
                    row.col(|ui| {
                        ui.label(format!("{value:.2}"));
                    });
                }
                row.col(|ui| {
                    ui.label(score.support.to_string());
                });
            });
        });
    if let Some(column) = clicked {
        state.sort = if state.sort.0 == column {
            (column, !state.sort.1)
        } else {
            (column, column != SortBy::Tag)
        };
    }
    ui.add_space(4.0);
}

/// A small triangle after a column title: pointing down for high-to-low, up for low-to-high.
fn sort_marker_ui(ui: &egui::Ui, title: egui::Rect, descending: bool) {
    let size = 5.0;
    let centre = egui::pos2(title.right() + size + 3.0, title.center().y);
    let (tip, base) = if descending {
        (size, -size)
    } else {
        (-size, size)
    };
    let points = vec![
        egui::pos2(centre.x - size, centre.y + base * 0.6),
        egui::pos2(centre.x + size, centre.y + base * 0.6),
        egui::pos2(centre.x, centre.y + tip * 0.6),
    ];
    ui.painter().add(egui::Shape::convex_polygon(
        points,
        ui.visuals().strong_text_color(),
        egui::Stroke::NONE,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(epoch: usize, step: usize) -> Progress {
        Progress {
            epoch,
            epochs: 4,
            step,
            steps_per_epoch: 5,
            global_step: (epoch - 1) * 5 + step,
            loss: 0.5,
            images_per_sec: 100.0,
            eta_secs: 3.0,
        }
    }

    #[test]
    fn progress_fraction_and_points() {
        let mut s = TrainState::new(TrainConfig::default());
        s.status = RunStatus::Starting;
        s.push_progress(progress(2, 5));
        assert_eq!(s.status, RunStatus::Running);
        assert!((s.fraction_done() - 0.5).abs() < 1e-6);
        assert_eq!(s.losses.len(), 1);
        s.push_eval(2.0, 10, Metrics::default());
        assert_eq!(s.evals.len(), 1);
    }

    /// A checkpoint folder of a fine-tune run of 4 epochs that has done `done`.
    fn checkpoint_after(root: &std::path::Path, done: usize) -> PathBuf {
        use crate::engine::checkpoint::{write, CheckpointMeta, FORMAT_VERSION};
        use crate::engine::split::Split;
        use crate::engine::TrainError;
        use crate::text::vocab::{TermKind, VocabTag, Vocabulary};
        let meta = CheckpointMeta {
            format_version: FORMAT_VERSION,
            run_id: "run".into(),
            catalogue_name: "Shop".into(),
            config: TrainConfig {
                epochs: 4,
                learning_rate: 0.002,
                ..TrainConfig::for_mode(TrainMode::FineTune)
            },
            vocabulary: Vocabulary {
                tags: vec![VocabTag {
                    name: "dress".into(),
                    kind: TermKind::Noun,
                    count: 2,
                }],
            },
            split: Split::new(&["a.jpg".to_string(), "b.jpg".to_string()], 1),
            thresholds: vec![0.5],
            epochs_completed: done,
            stopped_mid_epoch: done < 4,
            global_step: done,
            backbone_weights: "test".into(),
            includes_backbone: true,
            history: History::default(),
        };
        write(&root.join("run"), &meta, |p| {
            std::fs::write(p, b"weights").map_err(|e| TrainError::Checkpoint(e.to_string()))
        })
        .unwrap()
        .dir
    }

    #[test]
    fn resume_continues_the_run_with_its_own_settings_up_to_the_epochs_set_here() {
        let root = tempfile::tempdir().unwrap();
        let mut s = TrainState::new(TrainConfig {
            epochs: 4,
            ..TrainConfig::default()
        });
        assert!(s.resume_config().is_err());
        let stopped = checkpoint_after(root.path(), 2);
        s.last_checkpoint = Some((stopped.clone(), 2));
        let (path, config) = s.resume_config().unwrap();
        assert_eq!(path, stopped);
        assert_eq!(config.mode, TrainMode::FineTune);
        assert_eq!((config.epochs, config.learning_rate), (4, 0.002));
        s.config.epochs = 6;
        assert_eq!(s.resume_config().unwrap().1.epochs, 6);
        s.config.epochs = 2;
        assert!(s.resume_config().unwrap_err().contains("more than 2"));

        let finished = checkpoint_after(root.path(), 4);
        s.last_checkpoint = Some((finished, 4));
        s.config.epochs = 4;
        assert_eq!(
            s.resume_config().unwrap_err(),
            "this run is already complete (4 of 4 epochs); start a new run or raise the epochs"
        );
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_words(4.2), "about 5 s");
        assert_eq!(duration_words(125.0), "about 3 min");
        assert_eq!(duration_words(f64::NAN), "unknown time");
    }
}
