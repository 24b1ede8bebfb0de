//! The validation gallery: each validation photo with the model's three most probable tags
//! beside its real tags, matches in green. Refreshed after every evaluation.

use std::path::Path;

use eframe::egui;
use egui::{Color32, RichText, Sense, Vec2};

use super::actions::Action;
use super::thumbnails::{paint_photo, ImageCache, ImageKey};
use super::train_panel::TrainState;
use super::view::CatalogueView;
use super::widgets::{chip_ui, good_colour};

/// Predicted tags shown per photo.
const TOP_K: usize = 3;
/// Side of a gallery thumbnail.
const PHOTO_SIDE: f32 = 96.0;

/// The `k` most probable tags of a probability row, with their probabilities.
pub fn top_tags<'v>(
    vocabulary: &'v [String],
    probabilities: &[f32],
    k: usize,
) -> Vec<(&'v str, f32)> {
    let mut ranked: Vec<(&str, f32)> = vocabulary
        .iter()
        .map(String::as_str)
        .zip(probabilities.iter().copied())
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked.truncate(k);
    ranked
}

/// Share of top-k predicted tags that are real tags, over all validation photos.
pub fn top_k_precision(train: &TrainState, view: &CatalogueView, k: usize) -> Option<f32> {
    let mut hits = 0usize;
    let mut total = 0usize;
    for (item, probs) in train.validation.iter() {
        let truth = view.true_tags(*item);
        for (tag, _) in top_tags(&train.vocabulary, probs, k) {
            total += 1;
            if truth.iter().any(|t| t == tag) {
                hits += 1;
            }
        }
    }
    (total > 0).then(|| hits as f32 / total as f32)
}

/// Draws the validation gallery.
pub fn gallery_ui(
    ui: &mut egui::Ui,
    train: &TrainState,
    view: Option<&CatalogueView>,
    images: &mut ImageCache,
    selected: Option<usize>,
    actions: &mut Vec<Action>,
) {
    let Some(view) = view else {
        ui.label("Waiting for the catalogue…");
        return;
    };
    ui.heading("Validation gallery");
    if train.validation.is_empty() {
        ui.add(
            egui::Label::new(
                "Photos held out from training appear here after the first evaluation of a \
                 training run, with the model's three most probable tags beside their real \
                 tags. Start a run in the Train tab.",
            )
            .wrap(),
        );
        return;
    }
    let evaluated_at = train
        .evals
        .last()
        .map(|e| format!(" · evaluated at epoch {:.1}", e.epoch))
        .unwrap_or_default();
    let precision = top_k_precision(train, view, TOP_K)
        .map(|p| {
            format!(
                " · {:.0}% of the top-3 predicted tags are real tags",
                p * 100.0
            )
        })
        .unwrap_or_default();
    ui.label(format!(
        "{} validation photos{evaluated_at}{precision}",
        train.validation.len()
    ));
    ui.horizontal(|ui| {
        ui.weak(
            "Green: a predicted tag that is a real tag, and a real tag the model put in its top 3.",
        );
    });
    ui.separator();

    let row_height = PHOTO_SIDE + 8.0;
    egui::ScrollArea::vertical()
        .id_salt("gallery_scroll")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, train.validation.len(), |ui, range| {
            for row in range {
                let Some((item, probs)) = train.validation.get(row) else {
                    continue;
                };
                gallery_row_ui(ui, train, view, images, *item, probs, selected, actions);
            }
        });
}

/// One validation photo with its top predicted tags and its real tags.
#[allow(clippy::too_many_arguments)]
fn gallery_row_ui(
    ui: &mut egui::Ui,
    train: &TrainState,
    view: &CatalogueView,
    images: &mut ImageCache,
    item: usize,
    probs: &[f32],
    selected: Option<usize>,
    actions: &mut Vec<Action>,
) {
    let Some(entry) = view.catalogue.items.get(item) else {
        return;
    };
    let truth = view.true_tags(item);
    let top = top_tags(&train.vocabulary, probs, TOP_K);
    let green = good_colour(ui);
    ui.horizontal(|ui| {
        ui.set_height(PHOTO_SIDE + 8.0);
        let caption = view.caption(item);
        let is_selected = selected == Some(item);
        if row_photo_ui(ui, images, &entry.image_path, item, &caption, is_selected) {
            actions.push(Action::Select(item));
        }
        ui.vertical(|ui| row_tags_ui(ui, &caption, &top, truth, green));
    });
}

/// The row's photo as a button that opens the item in the detail panel; true when clicked.
fn row_photo_ui(
    ui: &mut egui::Ui,
    images: &mut ImageCache,
    image_path: &Path,
    item: usize,
    caption: &str,
    selected: bool,
) -> bool {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(PHOTO_SIDE + 8.0), Sense::click());
    response.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::Role::Button,
            true,
            selected,
            format!("Validation item {}: {caption}", item + 1),
        )
    });
    if selected {
        ui.painter().rect_filled(
            rect,
            6.0,
            ui.visuals().selection.bg_fill.gamma_multiply(0.6),
        );
    }
    paint_photo(
        ui,
        images,
        &ImageKey::thumbnail(image_path),
        rect.shrink(4.0),
        false,
    );
    response
        .on_hover_text("Click to open it in the detail panel")
        .clicked()
}

/// The row's caption, its predicted and real tags (matches in green) and how many were right.
fn row_tags_ui(
    ui: &mut egui::Ui,
    caption: &str,
    top: &[(&str, f32)],
    truth: &[String],
    green: Color32,
) {
    ui.label(RichText::new(caption).strong());
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing = Vec2::new(4.0, 4.0);
        ui.label(RichText::new("Predicted:").weak());
        for (tag, p) in top {
            let hit = truth.iter().any(|t| t == tag);
            chip_ui(ui, &format!("{tag} {:.0}%", p * 100.0), hit);
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing = Vec2::new(4.0, 4.0);
        ui.label(RichText::new("Real:").weak());
        if truth.is_empty() {
            ui.weak("none");
        }
        for tag in truth {
            let hit = top.iter().any(|(t, _)| t == tag);
            chip_ui(ui, tag, hit);
        }
    });
    let hits = top
        .iter()
        .filter(|(t, _)| truth.iter().any(|x| x == t))
        .count();
    ui.label(
        RichText::new(format!("{hits} of {} top tags right", top.len()))
            .small()
            .color(if hits > 0 {
                green
            } else {
                ui.visuals().weak_text_color()
            }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_tags_are_the_most_probable() {
        let vocabulary = vec!["a".to_string(), "b".into(), "c".into(), "d".into()];
        let top = top_tags(&vocabulary, &[0.1, 0.9, 0.5, 0.7], 3);
        let names: Vec<&str> = top.iter().map(|(t, _)| *t).collect();
        assert_eq!(names, vec!["b", "d", "c"]);
        assert!(top_tags(&vocabulary, &[], 3).is_empty());
    }
}
