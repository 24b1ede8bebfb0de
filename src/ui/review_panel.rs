//! The *Review* tab: the items whose predicted tags and tags disagree most, to check first
//! (the order is [`crate::review::rank`]'s); a click selects the item, whose detail panel has
//! the tick boxes. Retrain with corrections and Export… sit on top.

use std::sync::Arc;

use eframe::egui;
use egui::{RichText, Sense, Vec2};

use super::actions::Action;
use super::thumbnails::{paint_photo, ImageCache, ImageKey};
use super::view::CatalogueView;
use super::widgets::good_colour;
use crate::engine::split::SplitRole;
use crate::review::{rank, ReviewEntry};

/// Side of a row's thumbnail.
const PHOTO_SIDE: f32 = 56.0;

/// The ranked list, kept until the predictions, corrections or catalogue change.
#[derive(Default)]
pub struct ReviewState {
    key: Option<(usize, u64)>,
    entries: Vec<ReviewEntry>,
}

impl ReviewState {
    /// The ranking for `view`, recomputed only when what it depends on changed.
    pub fn entries(&mut self, view: &CatalogueView) -> &[ReviewEntry] {
        let key = (Arc::as_ptr(&view.catalogue) as usize, view.generation);
        if self.key != Some(key) {
            self.entries = rank(&view.tag_sources());
            self.key = Some(key);
        }
        &self.entries
    }
}

/// Draws the Review tab.
pub fn review_ui(
    ui: &mut egui::Ui,
    state: &mut ReviewState,
    view: &CatalogueView,
    images: &mut ImageCache,
    selected: Option<usize>,
    training: bool,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.heading("Review");
        ui.separator();
        let retrain = ui
            .add_enabled(!training, egui::Button::new("Retrain with corrections"))
            .on_hover_text("Train again with the current settings and your corrections");
        if retrain.clicked() {
            actions.push(Action::RetrainWithCorrections);
        }
        if ui
            .button("Export…")
            .on_hover_text("Every item's tags, corrections and predictions as CSV or JSON Lines")
            .clicked()
        {
            actions.push(Action::ExportDialog);
        }
        ui.weak(format!(
            "{} item(s) checked by you",
            view.corrections.items_corrected()
        ));
    });
    if view.predictions.is_none() {
        ui.add(
            egui::Label::new(
                "Train a model (Train tab) or load a checkpoint: this list then ranks the items \
                 whose predicted tags and tags disagree most, so the corrections that teach the \
                 model most come first.",
            )
            .wrap(),
        );
        return;
    }
    ui.add(
        egui::Label::new(
            "Most disagreement first (the sum over tags of |probability − tag|); items you have \
             not checked come before checked ones, and items the model never learned from \
             before its training items. Click one to check its tags in the detail panel.",
        )
        .wrap(),
    );
    ui.separator();
    let entries = state.entries(view);
    if entries.is_empty() {
        ui.label("No item has a prediction: the photos could not be used by the model.");
        return;
    }
    let row_height = PHOTO_SIDE + 8.0;
    egui::ScrollArea::vertical()
        .id_salt("review_list")
        .auto_shrink([false, false])
        .show_rows(ui, row_height, entries.len(), |ui, range| {
            for entry in &entries[range] {
                if row_ui(
                    ui,
                    view,
                    images,
                    entry,
                    selected == Some(entry.item),
                    row_height,
                )
                .clicked()
                {
                    actions.push(Action::Select(entry.item));
                }
            }
        });
}

/// One ranked item: thumbnail, caption, split, disagreement and the tags that disagree most.
fn row_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    images: &mut ImageCache,
    entry: &ReviewEntry,
    selected: bool,
    height: f32,
) -> egui::Response {
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(Vec2::new(width, height), Sense::hover());
    // A stable id per item, so a click lands on the same row whatever scrolled before it.
    let response = ui.interact(
        rect,
        ui.scope_id().with(("review_row", entry.item)),
        Sense::click(),
    );
    let caption = view.caption(entry.item);
    response.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::Role::Button,
            true,
            selected,
            format!("Review item {}: {caption}", entry.item + 1),
        )
    });
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let visuals = ui.visuals();
    if selected {
        ui.painter()
            .rect_filled(rect, 6.0, visuals.selection.bg_fill.gamma_multiply(0.6));
    } else if response.hovered() {
        ui.painter().rect_filled(rect, 6.0, visuals.faint_bg_color);
    }
    let photo = egui::Rect::from_min_size(rect.min + Vec2::new(4.0, 4.0), Vec2::splat(PHOTO_SIDE));
    if let Some(item) = view.catalogue.items.get(entry.item) {
        paint_photo(
            ui,
            images,
            &ImageKey::thumbnail(&item.image_path),
            photo,
            false,
        );
    }
    let text_rect = egui::Rect::from_min_max(
        egui::pos2(photo.max.x + 10.0, rect.min.y + 4.0),
        rect.max - Vec2::new(4.0, 4.0),
    );
    let mut text_ui = ui.new_child(egui::UiBuilder::new().max_rect(text_rect));
    text_ui.horizontal(|ui| {
        ui.strong(format!("{}. {caption}", entry.item + 1));
        let role = match entry.role {
            SplitRole::Validation => "validation",
            SplitRole::Train => "training",
            SplitRole::Outside => "not in the split",
        };
        ui.weak(role);
        ui.weak(format!("disagreement {:.2}", entry.disagreement));
        if entry.checked {
            ui.label(RichText::new("checked by you").color(good_colour(ui)));
        }
    });
    let worst: Vec<String> = entry
        .worst
        .iter()
        .map(|(tag, p, has)| {
            let says = if *has { "tagged" } else { "not tagged" };
            format!("{tag}: {:.0} % predicted, {says}", p * 100.0)
        })
        .collect();
    text_ui.label(RichText::new(worst.join(" · ")).small());
    response
}
