//! The import report window: what happened while reading the catalogue, one line per problem.

use eframe::egui;
use egui::RichText;
use egui_extras::{Column, TableBuilder};

use crate::catalogue::{ImportReport, Severity};

/// Draws the import report window while `open` is true (its close button clears it).
pub fn report_window_ui(
    ctx: &egui::Context,
    open: &mut bool,
    catalogue_name: &str,
    report: &ImportReport,
) {
    egui::Window::new(format!("Import report: {catalogue_name}"))
        .id(egui::Id::unique("import_report"))
        .open(open)
        .default_size([860.0, 440.0])
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
        .resizable(true)
        .collapsible(false)
        .show(ctx, |ui| report_ui(ui, report));
}

/// The report's summary, notes and problem table.
pub fn report_ui(ui: &mut egui::Ui, report: &ImportReport) {
    ui.label(RichText::new(report.summary()).strong());
    for note in &report.notes {
        ui.label(format!("Note: {note}"));
    }
    if report.problems.is_empty() {
        ui.label("Every row was read without a problem.");
        return;
    }
    ui.weak("Skipped rows are not in the catalogue; rows with a warning are, as described.");
    ui.separator();
    let line_height = ui.text_style_height(&egui::TextStyle::Body);
    // Rows are as tall as their wrapped message, estimated from its length (laying out
    // thousands of messages every frame just to measure them would be wasteful).
    let details_width = (ui.available_width() - 56.0 - 70.0 - 150.0 - 32.0).max(120.0);
    let chars_per_line = (details_width / (line_height * 0.5)).max(10.0);
    let heights: Vec<f32> = report
        .problems
        .iter()
        .map(|p| {
            let lines = (p.message.chars().count() as f32 / chars_per_line)
                .ceil()
                .clamp(1.0, 4.0);
            lines * line_height + 8.0
        })
        .collect();
    TableBuilder::new(ui)
        .id_salt("report_table")
        .striped(true)
        .auto_shrink([false, false])
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(56.0))
        .column(Column::exact(70.0))
        .column(Column::exact(150.0))
        .column(Column::remainder().clip(true))
        .header(line_height + 6.0, |mut header| {
            for title in ["Line", "Result", "Problem", "Details"] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.heterogeneous_rows(heights.into_iter(), |mut row| {
                let Some(problem) = report.problems.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    ui.label(problem.line.map_or("-".to_string(), |l| l.to_string()));
                });
                row.col(|ui| match problem.severity {
                    Severity::Skipped => {
                        ui.colored_label(ui.visuals().error_fg_color, "skipped");
                    }
                    Severity::Warning => {
                        ui.colored_label(ui.visuals().warn_fg_color, "warning");
                    }
                });
                row.col(|ui| {
                    ui.label(problem.kind.label());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(&problem.message).wrap())
                        .on_hover_text(&problem.message);
                });
            });
        });
}
