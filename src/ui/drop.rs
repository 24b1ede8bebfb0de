//! The dropped-photo panel: a photo dragged onto the window (or opened with Open photo…) with
//! its predicted tags and its lookalikes in the catalogue, plus the overlay shown while a file
//! is dragged over the window.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;
use egui::{Color32, RichText, Vec2};

use super::actions::Action;
use super::detail::large_photo_ui;
use super::thumbnails::ImageCache;
use super::view::CatalogueView;
use super::widgets::{lookalikes_ui, probability_bars_ui};
use crate::engine::protocol::Prediction;
use crate::engine::reports::Familiarity;

/// Predicted tags listed for a dropped photo.
const PREDICTED_ROWS: usize = 8;

/// The photo being tagged and what came back.
#[derive(Default)]
pub struct DropState {
    /// The photo file.
    pub path: Option<PathBuf>,
    /// True while the worker has not answered.
    pub waiting: bool,
    /// The worker's answer.
    pub prediction: Option<Arc<Prediction>>,
    /// Why the photo could not be tagged, in words.
    pub error: Option<String>,
}

impl DropState {
    /// Starts on a new photo.
    pub fn start(&mut self, path: PathBuf) {
        *self = Self {
            path: Some(path),
            waiting: true,
            prediction: None,
            error: None,
        };
    }

    /// Takes the worker's answer if it is about the current photo.
    pub fn take_prediction(&mut self, prediction: Arc<Prediction>) -> bool {
        if self.path.as_deref() != Some(prediction.source.as_path()) {
            return false;
        }
        self.waiting = false;
        self.error = None;
        self.prediction = Some(prediction);
        true
    }

    /// Records why the photo could not be tagged.
    pub fn fail(&mut self, reason: String) {
        self.waiting = false;
        self.error = Some(reason);
    }

    /// Forgets lookalikes that pointed into a catalogue that is no longer open.
    pub fn forget_lookalikes(&mut self) {
        if let Some(p) = &mut self.prediction {
            Arc::make_mut(p).lookalikes.clear();
        }
    }
}

/// What is a catalogue rather than a photo when dropped: a folder, or a CSV/TSV/JSON file.
pub fn is_catalogue_path(path: &Path) -> bool {
    if path.is_dir() {
        return true;
    }
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["csv", "tsv", "txt", "json", "xml"]
            .iter()
            .any(|c| e.eq_ignore_ascii_case(c))
    })
}

/// Draws the dropped photo, its predicted tags and its lookalikes.
pub fn drop_panel_ui(
    ui: &mut egui::Ui,
    state: &DropState,
    view: Option<&CatalogueView>,
    images: &mut ImageCache,
    worker_busy_training: bool,
    matching: Option<&super::matching::MatchPanel>,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        if ui
            .button("Back to the catalogue")
            .on_hover_text("Show the selected catalogue item again")
            .clicked()
        {
            actions.push(Action::ShowItem);
        }
        if ui.button("Open another photo…").clicked() {
            actions.push(Action::OpenPhotoDialog);
        }
    });
    ui.separator();
    let Some(path) = &state.path else {
        ui.label("Drag a photo onto the window to tag it and find its lookalikes.");
        return;
    };
    egui::ScrollArea::vertical()
        .id_salt("drop_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading("Dropped photo");
            ui.weak(
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string()),
            );
            let width = ui.available_width();
            let frame_size = Vec2::new(width, (width * 0.8).min(260.0));
            let (frame, _) = ui.allocate_exact_size(frame_size, egui::Sense::hover());
            let load_failure = large_photo_ui(ui, images, path, frame);

            if let Some(error) = state.error.as_ref().or(load_failure.as_ref()) {
                error_box_ui(ui, error);
                return;
            }
            if state.waiting {
                waiting_ui(ui, worker_busy_training);
                return;
            }
            let Some(prediction) = &state.prediction else {
                return;
            };
            ui.add_space(8.0);
            ui.strong(if prediction.tags_are_a_guess {
                "Tags: a guess"
            } else {
                "Predicted tags"
            });
            dropped_tags_ui(ui, prediction);
            ui.add_space(8.0);
            ui.strong("Lookalikes in the catalogue");
            match view {
                Some(view) if matching.is_some() => {
                    if let Some(panel) = matching {
                        super::matching::match_panel_ui(ui, view, images, panel, actions);
                    }
                }
                Some(view) if !prediction.lookalikes.is_empty() => {
                    lookalikes_ui(ui, view, images, &prediction.lookalikes, actions);
                }
                _ => {
                    ui.weak("None found: the catalogue's photos are not compared yet.");
                }
            }
        });
}

/// A spinner and what the photo is waiting for.
fn waiting_ui(ui: &mut egui::Ui, worker_busy_training: bool) {
    ui.horizontal(|ui| {
        ui.spinner();
        if worker_busy_training {
            ui.label("Waiting for training to finish, then tagging the photo…");
        } else {
            ui.label("Tagging the photo and looking for lookalikes…");
        }
    });
}

/// The dropped photo's tag probabilities, or why it has none.
fn dropped_tags_ui(ui: &mut egui::Ui, prediction: &Prediction) {
    match &prediction.tags {
        None => {
            ui.weak(
                "Train a model (Train tab) or load a checkpoint to get tags; lookalikes \
                 work already.",
            );
        }
        Some(tags) if tags.is_empty() => {
            ui.weak("The model knows no tags.");
        }
        Some(tags) => {
            let guess = prediction.tags_are_a_guess;
            if guess {
                ui.colored_label(ui.visuals().warn_fg_color, Familiarity::NOTICE);
                ui.weak("No tag is predicted. The model's most probable tags, as a guess:");
            } else {
                let n = tags.iter().filter(|t| t.predicted).count();
                ui.weak(format!(
                    "{n} tag(s) above their threshold (green); the most probable first"
                ));
            }
            ui.scope(|ui| {
                if guess {
                    // Muted: shown, but not to be trusted.
                    ui.multiply_opacity(0.4);
                }
                probability_bars_ui(ui, tags, PREDICTED_ROWS);
            });
        }
    }
}

/// A red box with an explanation.
pub fn error_box_ui(ui: &mut egui::Ui, text: &str) {
    let colour = ui.visuals().error_fg_color;
    egui::Frame::new()
        .fill(colour.gamma_multiply(0.12))
        .stroke((1.0, colour))
        .corner_radius(4.0)
        .inner_margin(8)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new("This file cannot be used")
                    .strong()
                    .color(colour),
            );
            ui.add(egui::Label::new(text).wrap());
        });
}

/// Dims the window and says what dropping will do while a file is dragged over it.
pub fn hover_overlay_ui(ctx: &egui::Context) {
    let hovered: Vec<PathBuf> = ctx.input(|i| {
        i.raw
            .hovered_files
            .iter()
            .filter_map(|f| f.path.clone())
            .collect()
    });
    let any = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if !any {
        return;
    }
    let text = match hovered.first() {
        Some(p) if is_catalogue_path(p) => "Drop to open this catalogue",
        _ => "Drop the photo here to tag it and find its lookalikes",
    };
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop_overlay"),
    ));
    let screen = ctx.content_rect();
    painter.rect_filled(screen, 0.0, Color32::from_black_alpha(170));
    let target = screen.shrink(40.0);
    painter.rect_stroke(
        target,
        16.0,
        egui::Stroke::new(3.0, Color32::from_gray(230)),
        egui::StrokeKind::Inside,
    );
    painter.text(
        target.center(),
        egui::Align2::CENTER_CENTER,
        text,
        egui::FontId::proportional(28.0),
        Color32::WHITE,
    );
}
