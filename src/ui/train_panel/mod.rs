//! The Train tab: settings, Start/Stop/Resume, live progress, loss and F1 charts, and the
//! per-tag scores of the last evaluation.

mod charts;
mod form;
mod progress;
mod reliability;
mod state;
mod tag_table;
#[cfg(test)]
mod tests;

use eframe::egui;

use super::actions::Action;
use charts::charts_ui;
use form::{buttons_ui, settings_ui};
use progress::progress_ui;
pub use state::{EvalPoint, RunStatus, TrainState};
use tag_table::per_tag_table_ui;

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
