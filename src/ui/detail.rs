//! The detail panel of the selected item: its photo, description, true and predicted tags,
//! and its closest lookalikes, with back and forward through the items visited.

use eframe::egui;
use egui::Vec2;

use super::actions::Action;
use super::corrections_panel::{predicted_to_check_ui, split_badge_ui, tag_ticks_ui};
use super::thumbnails::{fitted_rect, paint_photo, ImageCache, ImageKey, ImageState};
use super::view::CatalogueView;
use super::widgets::{chips_ui, lookalikes_ui, probability_bars_ui};
use crate::catalogue::Item;
use crate::index::Neighbour;

/// Predicted tags listed in the detail panel.
const PREDICTED_ROWS: usize = 6;

/// The selected item and the way back to the ones seen before.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    current: Option<usize>,
    back: Vec<usize>,
    forward: Vec<usize>,
}

impl Selection {
    /// The selected item.
    pub fn current(&self) -> Option<usize> {
        self.current
    }

    /// Selects an item, remembering the previous one for Back.
    pub fn select(&mut self, item: usize) {
        if self.current == Some(item) {
            return;
        }
        if let Some(c) = self.current {
            self.back.push(c);
        }
        self.forward.clear();
        self.current = Some(item);
    }

    /// Goes back to the previous item; false when there is none.
    pub fn back(&mut self) -> bool {
        let Some(prev) = self.back.pop() else {
            return false;
        };
        if let Some(c) = self.current {
            self.forward.push(c);
        }
        self.current = Some(prev);
        true
    }

    /// Goes forward again after Back; false when there is nothing ahead.
    pub fn forward(&mut self) -> bool {
        let Some(next) = self.forward.pop() else {
            return false;
        };
        if let Some(c) = self.current {
            self.back.push(c);
        }
        self.current = Some(next);
        true
    }

    /// True when Back has somewhere to go.
    pub fn can_go_back(&self) -> bool {
        !self.back.is_empty()
    }

    /// True when Forward has somewhere to go.
    pub fn can_go_forward(&self) -> bool {
        !self.forward.is_empty()
    }
}

/// What the detail panel shows besides the catalogue: the embedding progress, if any.
pub struct DetailContext<'a> {
    /// "Computing lookalike embeddings" progress while it runs.
    pub embedding_progress: Option<(usize, usize)>,
    /// The item's lookalikes; None while they are being looked for.
    pub lookalikes: Option<&'a [Neighbour]>,
    /// The Match control and its lookalikes (shape, colour and description), once the
    /// embeddings are ready; the plain lookalikes above are shown without it.
    pub matching: Option<super::matching::MatchPanel>,
    /// Scroll to the item's tag tick boxes.
    pub reveal_tags: bool,
    /// Show the photo with the garment mask the colour similarity reads.
    pub show_mask: bool,
}

/// Draws the detail of the selected item.
pub fn detail_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    selection: &Selection,
    images: &mut ImageCache,
    context: &DetailContext<'_>,
    actions: &mut Vec<Action>,
) {
    history_bar_ui(ui, view, selection, actions);
    ui.separator();
    let Some(item_index) = selection.current() else {
        ui.add_space(30.0);
        ui.vertical_centered(|ui| {
            ui.label("Select a photo in the grid to see its details and lookalikes.");
        });
        return;
    };
    let Some(item) = view.catalogue.items.get(item_index) else {
        return;
    };

    egui::ScrollArea::vertical()
        .id_salt("detail_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let width = ui.available_width();
            let frame_size = Vec2::new(width, (width * 0.75).min(270.0));
            let (frame, _) = ui.allocate_exact_size(frame_size, egui::Sense::hover());
            if context.show_mask {
                mask_photo_ui(ui, images, &item.image_path, frame);
            } else {
                large_photo_ui(ui, images, &item.image_path, frame);
            }
            let mut show_mask = context.show_mask;
            if ui
                .checkbox(&mut show_mask, "Garment mask")
                .on_hover_text(
                    "Grey out what the colour similarity leaves out as background \
                     (a model of the border's colours, a centre prior, flood fill from the edge)",
                )
                .changed()
            {
                actions.push(Action::ShowGarmentMask(show_mask));
            }

            extra_photos_ui(ui, images, item);
            ui.add_space(6.0);
            item_text_ui(ui, view, item_index, item);
            split_badge_ui(ui, view, item_index);

            ui.add_space(8.0);
            ui.strong("Lookalikes");
            detail_lookalikes_ui(ui, view, images, context, actions);
            ui.add_space(8.0);
            ui.strong("Tags from the description");
            true_tags_ui(ui, view, item_index);

            ui.add_space(8.0);
            ui.strong("Predicted tags");
            predicted_tags_ui(ui, view, item_index);
            predicted_to_check_ui(ui, view, item_index, actions);

            ui.add_space(8.0);
            let heading = ui.strong("Its tags (correct them here)");
            if context.reveal_tags {
                heading.scroll_to_me(Some(egui::Align::Min));
            }
            tag_ticks_ui(ui, view, item_index, actions);
        });
}

/// Back and Forward, and which item of how many is shown.
fn history_bar_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    selection: &Selection,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        if ui
            .add_enabled(selection.can_go_back(), egui::Button::new("Back"))
            .on_hover_text("The item seen before")
            .clicked()
        {
            actions.push(Action::Back);
        }
        if ui
            .add_enabled(selection.can_go_forward(), egui::Button::new("Forward"))
            .clicked()
        {
            actions.push(Action::Forward);
        }
        if let Some(item) = selection.current() {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak(format!("item {} of {}", item + 1, view.len()));
            });
        }
    });
}

/// A shop product's other photos, as a row of thumbnails.
fn extra_photos_ui(ui: &mut egui::Ui, images: &mut ImageCache, item: &Item) {
    if item.extra_images.is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.weak(format!(
        "Other photos of this product ({})",
        item.extra_images.len()
    ));
    ui.horizontal_wrapped(|ui| {
        for path in &item.extra_images {
            let (rect, response) = ui.allocate_exact_size(Vec2::splat(72.0), egui::Sense::hover());
            match images.get(&ImageKey::thumbnail(path), true) {
                ImageState::Ready(texture) => {
                    let fitted = fitted_rect(rect, texture.size_vec2());
                    ui.painter().image(
                        texture.id(),
                        fitted,
                        egui::Rect::from_min_max(egui::Pos2::ZERO, egui::pos2(1.0, 1.0)),
                        egui::Color32::WHITE,
                    );
                }
                _ => {
                    ui.painter()
                        .rect_filled(rect, 4.0, ui.visuals().faint_bg_color);
                }
            }
            response.on_hover_text(path.display().to_string());
        }
    });
}

/// The item's caption, file name, description and attributes.
fn item_text_ui(ui: &mut egui::Ui, view: &CatalogueView, item_index: usize, item: &Item) {
    ui.heading(view.caption(item_index));
    let file_name = item
        .image_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| item.id.clone());
    ui.label(egui::RichText::new(file_name).small().weak())
        .on_hover_text(item.image_path.display().to_string());
    ui.add_space(4.0);
    if item.description.is_empty() {
        ui.weak("No description.");
    } else {
        ui.label(&item.description);
    }
    for (key, value) in &item.attributes {
        ui.horizontal(|ui| {
            ui.weak(format!("{key}:"));
            ui.label(value);
        });
    }
}

/// The item's lookalikes, or why there are none yet.
fn detail_lookalikes_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    images: &mut ImageCache,
    context: &DetailContext<'_>,
    actions: &mut Vec<Action>,
) {
    if let Some(panel) = &context.matching {
        super::matching::match_panel_ui(ui, view, images, panel, actions);
        return;
    }
    if let Some(found) = context.lookalikes.filter(|f| !f.is_empty()) {
        lookalikes_ui(ui, view, images, found, actions);
    } else if view.embeddings.is_some() && context.lookalikes.is_none() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.weak("Finding lookalikes…");
        });
    } else if view.embeddings.is_none() {
        match context.embedding_progress {
            Some((done, total)) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.weak(format!("Comparing photos… {done} of {total} done"));
                });
            }
            None => {
                ui.weak("Lookalikes appear once the photos have been compared.");
            }
        }
    } else {
        ui.weak("No lookalikes: this photo could not be used.");
    }
}

/// The tags of the item's description, those the model also predicts marked.
fn true_tags_ui(ui: &mut egui::Ui, view: &CatalogueView, item_index: usize) {
    let true_tags = view.true_tags(item_index);
    let predicted: Vec<String> = view
        .predictions
        .as_ref()
        .map(|p| {
            p.tags_of(item_index)
                .into_iter()
                .filter(|t| t.predicted)
                .map(|t| t.name)
                .collect()
        })
        .unwrap_or_default();
    if true_tags.is_empty() {
        ui.weak("None: the description names no known tag.");
    } else {
        chips_ui(ui, true_tags, |t| predicted.iter().any(|p| p == t));
    }
}

/// The model's most probable tags for the item, as probability bars.
fn predicted_tags_ui(ui: &mut egui::Ui, view: &CatalogueView, item_index: usize) {
    match &view.predictions {
        None => {
            ui.weak("Train a model to see predicted tags (Train tab), or load a checkpoint.");
        }
        Some(p) => {
            let tags = p.tags_of(item_index);
            if tags.is_empty() {
                ui.weak("This photo could not be used by the model.");
            } else {
                probability_bars_ui(ui, &tags, PREDICTED_ROWS);
            }
        }
    }
}

/// The large photo with its garment mask laid over it; the plain photo stands in while the
/// mask is computed.
fn mask_photo_ui(
    ui: &mut egui::Ui,
    images: &mut ImageCache,
    path: &std::path::Path,
    frame: egui::Rect,
) {
    let masked = ImageKey::garment_mask(path);
    if matches!(images.get(&masked, true), ImageState::Ready(_))
        || images.failure(&masked).is_some()
    {
        paint_photo(ui, images, &masked, frame, true);
    } else {
        large_photo_ui(ui, images, path, frame);
    }
}

/// The large photo, proportions kept; the thumbnail stands in while it loads.
pub fn large_photo_ui(
    ui: &mut egui::Ui,
    images: &mut ImageCache,
    path: &std::path::Path,
    frame: egui::Rect,
) -> Option<String> {
    let large = ImageKey::photo(path);
    let ready = matches!(images.get(&large, true), ImageState::Ready(_));
    if ready {
        return paint_photo(ui, images, &large, frame, true);
    }
    if let Some(reason) = images.failure(&large) {
        let reason = reason.to_string();
        paint_photo(ui, images, &large, frame, true);
        return Some(reason);
    }
    // While the large photo loads, the thumbnail stands in (scaled, proportions kept).
    if let ImageState::Ready(texture) = images.get(&ImageKey::thumbnail(path), true) {
        let rect = fitted_rect(frame, texture.size_vec2());
        ui.painter().image(
            texture.id(),
            rect,
            egui::Rect::from_min_max(egui::Pos2::ZERO, egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
        return None;
    }
    paint_photo(ui, images, &large, frame, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_and_forward_walk_the_history() {
        let mut s = Selection::default();
        assert!(!s.back());
        s.select(1);
        s.select(2);
        s.select(2);
        s.select(3);
        assert!(s.back());
        assert_eq!(s.current(), Some(2));
        assert!(s.back());
        assert_eq!(s.current(), Some(1));
        assert!(!s.back());
        assert!(s.forward());
        assert_eq!(s.current(), Some(2));
        s.select(7);
        assert!(!s.can_go_forward());
        assert!(s.back());
        assert_eq!(s.current(), Some(2));
    }
}
