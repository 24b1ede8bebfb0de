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
        .default_size([720.0, 420.0])
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
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    TableBuilder::new(ui)
        .id_salt("report_table")
        .striped(true)
        .auto_shrink([false, false])
        .column(Column::exact(56.0))
        .column(Column::exact(70.0))
        .column(Column::exact(150.0))
        .column(Column::remainder().clip(true))
        .header(row_height, |mut header| {
            for title in ["Line", "Result", "Problem", "Details"] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, report.problems.len(), |mut row| {
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
                    ui.label(&problem.message).on_hover_text(&problem.message);
                });
            });
        });
}
