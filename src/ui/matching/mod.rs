//! The Match control (presets and a small weight editor), the lookalikes it finds with their
//! score breakdown, and *Export…* of every item's lookalikes.

pub mod duplicates;
pub mod export;
mod exporting;
pub mod finder;
mod updates;

use std::sync::Arc;

use eframe::egui;
use egui::{Color32, Sense, Vec2};

use super::actions::Action;
use super::thumbnails::{paint_photo, ImageCache, ImageKey};
use super::view::CatalogueView;
use crate::engine::protocol::MatchParts;
use crate::lookalike::{Match, Preset, Weights};
pub use finder::{MatchFinder, MatchKey, MatchSources};

/// Colours of the four parts in the breakdown bars.
const SHAPE_COLOUR: Color32 = Color32::from_rgb(90, 140, 220);
const COLOUR_COLOUR: Color32 = Color32::from_rgb(220, 120, 70);
const TEXT_COLOUR: Color32 = Color32::from_rgb(110, 180, 110);
const KIND_COLOUR: Color32 = Color32::from_rgb(190, 130, 210);
/// The parts' names in the window, in the order of [`parts_of`].
const PART_LABELS: [&str; 4] = ["shape", "colour", "description", "type"];
const PART_COLOURS: [Color32; 4] = [SHAPE_COLOUR, COLOUR_COLOUR, TEXT_COLOUR, KIND_COLOUR];

/// A match's four weighted parts, in the order of [`PART_LABELS`].
fn parts_of(w: &Weights, m: &Match) -> [f32; 4] {
    [
        w.shape * m.shape,
        w.colour * m.colour,
        w.text * m.text,
        w.kind * m.kind,
    ]
}

/// The window's Match settings and the parts computed for the open catalogue.
pub struct MatchState {
    /// The weights in use.
    pub weights: Weights,
    /// The preset they come from (None once edited).
    pub preset: Option<Preset>,
    /// Colours and descriptions of the open catalogue, once computed.
    pub parts: Option<Arc<MatchParts>>,
    /// Finds lookalikes off the UI thread.
    pub finder: MatchFinder,
    /// The export running, if any.
    pub export: Option<export::ExportJob>,
    /// The detail photo shows the garment mask the colour similarity reads.
    pub show_mask: bool,
    /// The open catalogue's own fitted weights (`vitrine eval lookalikes --fit`), if saved.
    pub fitted: Option<Weights>,
    /// The Duplicates view.
    pub duplicates: duplicates::DuplicatesState,
}

impl MatchState {
    /// Balanced, with the finder's thread started.
    pub fn new(repaint: super::Repaint) -> Self {
        Self {
            weights: Preset::Balanced.weights(),
            preset: Some(Preset::Balanced),
            parts: None,
            finder: MatchFinder::new(repaint.clone()),
            duplicates: duplicates::DuplicatesState::new(repaint),
            export: None,
            show_mask: false,
            fitted: None,
        }
    }

    /// Forgets the catalogue's parts (another catalogue was opened).
    pub fn reset(&mut self) {
        self.parts = None;
        self.fitted = None;
        self.duplicates.reset();
        self.finder.reset();
    }
}

/// What the panels need to draw the Match control and its lookalikes.
pub struct MatchPanel {
    /// The weights in use.
    pub weights: Weights,
    /// The preset, if the weights are one.
    pub preset: Option<Preset>,
    /// The lookalikes found; None while looked for.
    pub matches: Option<Vec<Match>>,
    /// False until the colours are computed.
    pub colours_ready: bool,
    /// Progress of the colour computation.
    pub colours_progress: Option<(usize, usize)>,
    /// Export progress (done, total) while one runs.
    pub export_progress: Option<(usize, usize)>,
    /// The catalogue's fitted weights, offered as the *Fitted* preset.
    pub fitted: Option<Weights>,
    /// The query's kind of garment in words (with its confidence when predicted).
    pub kind: Option<String>,
}

impl MatchPanel {
    /// The name of the weights in use: a preset's, *Fitted*, or *Custom*.
    fn choice_label(&self) -> &'static str {
        match self.preset {
            Some(p) => p.label(),
            None if self.fitted == Some(self.weights) => FITTED_LABEL,
            None => "Custom",
        }
    }
}

/// The name of a catalogue's own fitted weights in the Match control.
pub const FITTED_LABEL: &str = "Fitted";

/// The preset menu with *Export…* on one row, the four weights in a grid below: the control
/// keeps this layout from a narrow side panel up.
pub fn match_control_ui(ui: &mut egui::Ui, panel: &MatchPanel, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.label("Match:");
        egui::ComboBox::from_id_salt("match-preset")
            .selected_text(panel.choice_label())
            .show_ui(ui, |ui| {
                for preset in Preset::ALL {
                    if ui
                        .selectable_label(panel.preset == Some(preset), preset.label())
                        .clicked()
                    {
                        actions.push(Action::SetMatchPreset(preset));
                    }
                }
                if let Some(fitted) = panel.fitted {
                    let on = panel.preset.is_none() && panel.weights == fitted;
                    if ui
                        .selectable_label(on, FITTED_LABEL)
                        .on_hover_text("The weights fitted on this catalogue's own labels")
                        .clicked()
                    {
                        actions.push(Action::SetMatchWeights(fitted));
                    }
                }
            });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            export_button_ui(ui, panel, actions);
        });
    });
    let mut w = panel.weights;
    let mut changed = false;
    egui::Grid::new("match-weights")
        .num_columns(4)
        .spacing([6.0, 4.0])
        .show(ui, |ui| {
            let slots = [&mut w.shape, &mut w.colour, &mut w.text, &mut w.kind];
            for (k, ((label, value), colour)) in PART_LABELS
                .into_iter()
                .zip(slots)
                .zip(PART_COLOURS)
                .enumerate()
            {
                ui.colored_label(colour, label);
                changed |= ui
                    .add(
                        egui::DragValue::new(value)
                            .range(0.0..=3.0)
                            .speed(0.01)
                            .fixed_decimals(2),
                    )
                    .on_hover_text(format!("Weight of the {label} similarity (0 turns it off)"))
                    .changed();
                if k % 2 == 1 {
                    ui.end_row();
                }
            }
        });
    if changed {
        actions.push(Action::SetMatchWeights(w));
    }
    if let Some(kind) = &panel.kind {
        ui.weak(format!("Kind of garment: {kind}"));
    }
    if !panel.colours_ready {
        let text = match panel.colours_progress {
            Some((done, total)) => format!("Computing garment colours… {done} of {total}"),
            None => "Colours are not computed yet: the colour term is off.".to_string(),
        };
        ui.weak(text);
    }
}

fn export_button_ui(ui: &mut egui::Ui, panel: &MatchPanel, actions: &mut Vec<Action>) {
    match panel.export_progress {
        Some((done, total)) => {
            ui.spinner();
            ui.weak(format!("Exporting {done}/{total}"));
        }
        None => {
            if ui
                .button("Export…")
                .on_hover_text(
                    "Write every item's five lookalikes with these weights (CSV or JSON Lines)",
                )
                .clicked()
            {
                actions.push(Action::ExportLookalikesDialog);
            }
        }
    }
}

/// The lookalikes as rows: thumbnail, name, combined score and its shape / colour /
/// description / type bars.
pub fn match_results_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    images: &mut ImageCache,
    panel: &MatchPanel,
    matches: &[Match],
    actions: &mut Vec<Action>,
) {
    let w = panel.weights;
    let parts = |m: &Match| parts_of(&w, m);
    let scale = matches
        .iter()
        .flat_map(|m| parts(m).map(f32::abs))
        .fold(1e-6f32, f32::max);
    for (k, m) in matches.iter().enumerate() {
        let Some(item) = view.catalogue.items.get(m.index) else {
            continue;
        };
        let caption = view.caption(m.index);
        let row_height = 62.0;
        let (rect, response) =
            ui.allocate_exact_size(Vec2::new(ui.available_width(), row_height), Sense::click());
        response.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Button,
                true,
                format!("Lookalike {}: {caption}, score {:.2}", k + 1, m.score),
            )
        });
        if response.hovered() {
            ui.painter()
                .rect_filled(rect, 4.0, ui.visuals().faint_bg_color);
        }
        let photo = egui::Rect::from_min_size(rect.min, Vec2::splat(row_height - 4.0));
        paint_photo(
            ui,
            images,
            &ImageKey::thumbnail(&item.image_path),
            photo,
            true,
        );
        let text_x = photo.max.x + 8.0;
        let painter = ui.painter();
        painter.text(
            egui::pos2(text_x, rect.min.y + 2.0),
            egui::Align2::LEFT_TOP,
            format!("{}. {caption}", k + 1),
            egui::FontId::proportional(13.0),
            ui.visuals().text_color(),
        );
        painter.text(
            egui::pos2(text_x, rect.min.y + 20.0),
            egui::Align2::LEFT_TOP,
            format!("score {:.2}", m.score),
            egui::FontId::proportional(12.0),
            ui.visuals().strong_text_color(),
        );
        let bars_x = text_x + 128.0;
        let bar_max = (rect.max.x - bars_x - 60.0).max(20.0);
        for (row, ((label, value), colour)) in PART_LABELS
            .into_iter()
            .zip(parts(m))
            .zip(PART_COLOURS)
            .enumerate()
        {
            let y = rect.min.y + 16.0 + row as f32 * 11.0;
            painter.text(
                egui::pos2(bars_x - 4.0, y + 4.5),
                egui::Align2::RIGHT_CENTER,
                label,
                egui::FontId::proportional(10.0),
                ui.visuals().weak_text_color(),
            );
            let len = (value.abs() / scale) * bar_max;
            let bar =
                egui::Rect::from_min_size(egui::pos2(bars_x, y), Vec2::new(len.max(1.0), 9.0));
            let fill = if value >= 0.0 {
                colour
            } else {
                colour.gamma_multiply(0.35)
            };
            painter.rect_filled(bar, 2.0, fill);
            painter.text(
                egui::pos2(bars_x + len + 4.0, y + 4.5),
                egui::Align2::LEFT_CENTER,
                format!("{value:+.2}"),
                egui::FontId::proportional(10.0),
                ui.visuals().weak_text_color(),
            );
        }
        let description = item.description.clone();
        let (shape, colour, text, kind) = (m.shape, m.colour, m.text, m.kind);
        let clicked = response.clicked();
        response.on_hover_ui(|ui| {
            ui.set_max_width(320.0);
            ui.strong(caption.to_string());
            ui.label(format!(
                "normalised similarity: shape {shape:+.2}, colour {colour:+.2}, description \
                 {text:+.2}, type {kind:+.2} (standard deviations above two random items of \
                 this catalogue)"
            ));
            if !description.is_empty() {
                ui.label(description);
            }
            ui.weak("Click to open it");
        });
        if clicked {
            actions.push(Action::Select(m.index));
        }
    }
}

/// The Match control and the lookalikes it found (or a spinner while they are looked for).
pub fn match_panel_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    images: &mut ImageCache,
    panel: &MatchPanel,
    actions: &mut Vec<Action>,
) {
    match_control_ui(ui, panel, actions);
    match panel.matches.as_deref() {
        Some(found) if !found.is_empty() => {
            match_results_ui(ui, view, images, panel, found, actions)
        }
        Some(_) => {
            ui.weak("No lookalikes: this photo could not be used.");
        }
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("Finding lookalikes…");
            });
        }
    }
}
