//! The per-tag scores of the last evaluation (precision, recall, F1, support) with each tag's
//! threshold, in a table sorted by any column.

use eframe::egui;
use egui::RichText;
use egui_extras::{Column, TableBuilder};

use super::state::{SortBy, TrainState};
use crate::engine::metrics::TagScore;

/// Draws the scores of the last evaluation (nothing before the first one); a click on a column
/// title sorts by it.
pub(super) fn per_tag_table_ui(ui: &mut egui::Ui, state: &mut TrainState) {
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
    let rows = sorted_rows(&metrics.per_tag, &state.thresholds, state.sort);
    if let Some(column) = table_ui(ui, &rows, state.sort) {
        state.sort = next_sort(state.sort, column);
    }
    ui.add_space(4.0);
}

/// One row of the table: a tag's scores and its threshold (when the model's thresholds are
/// those of these tags).
pub(super) type Row<'a> = (&'a TagScore, Option<f32>);

/// The tags' scores, each with its threshold (`thresholds` in the same vocabulary order), in
/// the order of `(by, descending)`.
pub(super) fn sorted_rows<'a>(
    per_tag: &'a [TagScore],
    thresholds: &[f32],
    (by, descending): (SortBy, bool),
) -> Vec<Row<'a>> {
    let same_tags = thresholds.len() == per_tag.len();
    let mut rows: Vec<Row<'a>> = per_tag
        .iter()
        .enumerate()
        .map(|(t, s)| (s, thresholds.get(t).copied().filter(|_| same_tags)))
        .collect();
    rows.sort_by(|(a, ta), (b, tb)| {
        let order = match by {
            SortBy::Tag => a.tag.cmp(&b.tag),
            SortBy::Precision => a.precision.total_cmp(&b.precision),
            SortBy::Recall => a.recall.total_cmp(&b.recall),
            SortBy::F1 => a.f1.total_cmp(&b.f1),
            SortBy::Support => a.support.cmp(&b.support),
            SortBy::Threshold => ta.unwrap_or(f32::NAN).total_cmp(&tb.unwrap_or(f32::NAN)),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    rows
}

/// The sort order after a click on `column`: the same column reverses, another one starts
/// high to low (the tag names A to Z).
pub(super) fn next_sort((by, descending): (SortBy, bool), column: SortBy) -> (SortBy, bool) {
    if by == column {
        (column, !descending)
    } else {
        (column, column != SortBy::Tag)
    }
}

/// The table itself; returns the column whose title was clicked.
fn table_ui(ui: &mut egui::Ui, rows: &[Row], sort: (SortBy, bool)) -> Option<SortBy> {
    let mut clicked = None;
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    TableBuilder::new(ui)
        .id_salt("per_tag_table")
        .striped(true)
        .vscroll(false)
        .column(Column::initial(160.0).at_least(100.0).clip(true))
        .columns(Column::initial(100.0).at_least(80.0), 5)
        .header(row_height + 4.0, |mut header| {
            for (title, column) in [
                ("Tag", SortBy::Tag),
                ("Precision", SortBy::Precision),
                ("Recall", SortBy::Recall),
                ("F1", SortBy::F1),
                ("Support", SortBy::Support),
                ("Threshold", SortBy::Threshold),
            ] {
                header.col(|ui| {
                    if column_title_ui(ui, title, column, sort) {
                        clicked = Some(column);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut row| {
                let Some((score, threshold)) = rows.get(row.index()) else {
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
                row.col(|ui| {
                    match threshold {
                        Some(th) => ui.label(format!("{th:.2}")),
                        None => ui.weak("–"),
                    }
                    .on_hover_text(
                        "Probability from which the model predicts the tag (calibrated scale)",
                    );
                });
            });
        });
    clicked
}

/// A column title as a frameless button, with the sort marker when the table is sorted by it;
/// true when clicked.
fn column_title_ui(
    ui: &mut egui::Ui,
    title: &str,
    column: SortBy,
    (by, descending): (SortBy, bool),
) -> bool {
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
    response.clicked()
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
