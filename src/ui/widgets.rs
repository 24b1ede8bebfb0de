//! Small pieces shared by the panels: tag chips, probability bars and the lookalike strip.

use eframe::egui;
use egui::{Color32, Sense, Vec2};

use super::app::Action;
use super::thumbnails::{paint_photo, ImageCache, ImageKey};
use super::view::CatalogueView;
use crate::index::Neighbour;
use crate::engine::worker::PredictedTag;

/// Green used for tags that match (predicted and true, or above threshold).
pub fn good_colour(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(110, 200, 120)
    } else {
        Color32::from_rgb(20, 120, 40)
    }
}

/// A tag drawn as a rounded chip; `highlight` paints it green. One widget, so wrapped rows
/// move a chip to the next line whole instead of breaking its text.
pub fn chip_ui(ui: &mut egui::Ui, text: &str, highlight: bool) -> egui::Response {
    let (fill, colour) = if highlight {
        (good_colour(ui).gamma_multiply(0.25), good_colour(ui))
    } else {
        (ui.visuals().faint_bg_color, ui.visuals().text_color())
    };
    let font = egui::TextStyle::Body.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.to_string(), font, colour);
    let padding = Vec2::new(7.0, 2.0);
    let (rect, response) = ui.allocate_exact_size(galley.size() + 2.0 * padding, Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
    if ui.is_rect_visible(rect) {
        let painter = ui.painter();
        painter.rect(
            rect,
            8.0,
            fill,
            (1.0, colour.gamma_multiply(0.5)),
            egui::StrokeKind::Inside,
        );
        painter.galley(rect.min + padding, galley, colour);
    }
    response
}

/// Chips for a list of tags, wrapped over lines.
pub fn chips_ui(ui: &mut egui::Ui, tags: &[String], highlight: impl Fn(&str) -> bool) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing = Vec2::new(4.0, 4.0);
        for tag in tags {
            chip_ui(ui, tag, highlight(tag));
        }
    });
}

/// Probability bars for the most probable tags; tags at or above their threshold are green.
pub fn probability_bars_ui(ui: &mut egui::Ui, tags: &[PredictedTag], max_rows: usize) {
    let name_width = 110.0;
    for tag in tags.iter().take(max_rows) {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(
                Vec2::new(name_width, ui.text_style_height(&egui::TextStyle::Body)),
                Sense::hover(),
            );
            let colour = if tag.predicted {
                good_colour(ui)
            } else {
                ui.visuals().text_color()
            };
            let mut job = egui::text::LayoutJob::simple_singleline(
                tag.name.clone(),
                egui::TextStyle::Body.resolve(ui.style()),
                colour,
            );
            job.wrap = egui::text::TextWrapping::truncate_at_width(name_width - 4.0);
            let galley = ui.painter().layout_job(job);
            ui.painter().galley(rect.min, galley, colour);
            let fill = if tag.predicted {
                good_colour(ui).gamma_multiply(0.8)
            } else {
                ui.visuals().widgets.inactive.bg_fill.gamma_multiply(1.6)
            };
            ui.add(
                egui::ProgressBar::new(tag.probability.clamp(0.0, 1.0))
                    .desired_width(ui.available_width().min(220.0))
                    .fill(fill)
                    .text(format!("{:.0}%", tag.probability * 100.0)),
            )
            .on_hover_text(if tag.predicted {
                format!("{}: {:.1}% — predicted", tag.name, tag.probability * 100.0)
            } else {
                format!(
                    "{}: {:.1}% — below the tag's threshold",
                    tag.name,
                    tag.probability * 100.0
                )
            });
        });
    }
}

/// A row of lookalike thumbnails with their similarity; clicking one selects that item.
pub fn lookalikes_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    images: &mut ImageCache,
    neighbours: &[Neighbour],
    actions: &mut Vec<Action>,
) {
    let spacing = ui.spacing().item_spacing.x;
    let n = neighbours.len().max(1) as f32;
    let side = ((ui.available_width() - spacing * (n - 1.0)) / n).clamp(48.0, 110.0);
    ui.horizontal_top(|ui| {
        for (k, neighbour) in neighbours.iter().enumerate() {
            let Some(item) = view.catalogue.items.get(neighbour.index) else {
                continue;
            };
            let caption = view.caption(neighbour.index);
            let (rect, response) =
                ui.allocate_exact_size(Vec2::new(side, side + 20.0), Sense::click());
            response.widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Button,
                    true,
                    format!(
                        "Lookalike {}: {caption}, similarity {:.2}",
                        k + 1,
                        neighbour.score
                    ),
                )
            });
            if response.hovered() {
                ui.painter()
                    .rect_filled(rect, 4.0, ui.visuals().faint_bg_color);
            }
            let photo = egui::Rect::from_min_size(rect.min, Vec2::splat(side));
            paint_photo(
                ui,
                images,
                &ImageKey::thumbnail(&item.image_path),
                photo,
                true,
            );
            ui.painter().text(
                egui::pos2(rect.center().x, photo.max.y + 3.0),
                egui::Align2::CENTER_TOP,
                format!("{:.2}", neighbour.score),
                egui::FontId::proportional(12.0),
                ui.visuals().weak_text_color(),
            );
            let description = item.description.clone();
            let clicked = response.clicked();
            response.on_hover_ui(|ui| {
                ui.set_max_width(320.0);
                ui.strong(format!("{caption} — similarity {:.2}", neighbour.score));
                if !description.is_empty() {
                    ui.label(description);
                }
                ui.weak("Click to open it");
            });
            if clicked {
                actions.push(Action::Select(neighbour.index));
            }
        }
    });
}
