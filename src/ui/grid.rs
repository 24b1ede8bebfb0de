//! The catalogue grid: a search box, tag chips, a count, and the photos in as many columns as
//! fit. Only the rows on screen are laid out and asked for, so 10,000 items scroll smoothly.

use std::collections::BTreeSet;

use eframe::egui;
use egui::text::{LayoutJob, TextWrapping};
use egui::{Color32, FontId, Key, Rect, RichText, Sense, Vec2};

use super::actions::Action;
use super::thumbnails::{paint_photo, ImageCache, ImageKey, THUMBNAIL_PX};
use super::view::CatalogueView;

/// Size of one grid cell: the thumbnail square plus a caption line.
const CELL: Vec2 = Vec2::new(THUMBNAIL_PX as f32 + 12.0, THUMBNAIL_PX as f32 + 34.0);
/// Tag chips shown before "More tags".
const CHIPS_SHOWN: usize = 30;

/// What the grid remembers between frames.
#[derive(Default)]
pub struct GridState {
    /// The search box's text.
    pub query: String,
    /// Tags every shown item must have.
    pub active_tags: BTreeSet<String>,
    /// Show only the validation items of the model in use.
    pub validation_only: bool,
    filtered: Vec<usize>,
    filter_key: Option<(String, BTreeSet<String>, u64, usize, bool)>,
    /// Columns in the last frame (for the arrow keys).
    pub columns: usize,
    scroll_to_selected: bool,
    all_tags: bool,
    last_offset_y: f32,
    last_view_height: f32,
}

impl GridState {
    /// Clears the search and tag filters.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Recomputes the shown items if the filters or the catalogue changed.
    pub fn refresh(&mut self, view: &CatalogueView) {
        let key = (
            self.query.clone(),
            self.active_tags.clone(),
            view.generation,
            view.len(),
            self.validation_only,
        );
        if self.filter_key.as_ref() == Some(&key) {
            return;
        }
        let words: Vec<String> = self
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let tags: Vec<&str> = self.active_tags.iter().map(String::as_str).collect();
        let validation_only = self.validation_only && view.split.is_some();
        self.filtered = (0..view.len())
            .filter(|&i| !validation_only || view.is_validation(i))
            .filter(|&i| view.matches(i, &words, &tags))
            .collect();
        self.filter_key = Some(key);
    }

    /// The items shown, in catalogue order.
    pub fn filtered(&self) -> &[usize] {
        &self.filtered
    }

    /// Scrolls the grid to the selected item on the next frame if it is off screen.
    pub fn reveal_selected(&mut self) {
        self.scroll_to_selected = true;
    }

    /// The item an arrow key moves the selection to, among the shown items.
    pub fn step(&self, current: Option<usize>, key: Key) -> Option<usize> {
        let shown = &self.filtered;
        if shown.is_empty() {
            return None;
        }
        let Some(pos) = current.and_then(|c| shown.iter().position(|&i| i == c)) else {
            return shown.first().copied();
        };
        let cols = self.columns.max(1);
        let last = shown.len() - 1;
        let next = match key {
            Key::ArrowLeft => pos.saturating_sub(1),
            Key::ArrowRight => (pos + 1).min(last),
            Key::ArrowUp => pos.checked_sub(cols).unwrap_or(pos),
            Key::ArrowDown => {
                if pos + cols <= last {
                    pos + cols
                } else {
                    pos
                }
            }
            Key::Home => 0,
            Key::End => last,
            _ => pos,
        };
        shown.get(next).copied()
    }
}

/// Draws the search box, tag chips, count and grid.
pub fn grid_ui(
    ui: &mut egui::Ui,
    state: &mut GridState,
    view: &CatalogueView,
    images: &mut ImageCache,
    selected: Option<usize>,
    actions: &mut Vec<Action>,
) {
    state.refresh(view);
    search_bar_ui(ui, state, view);
    tag_chips_ui(ui, state, view);
    state.refresh(view);
    ui.separator();

    if view.is_empty() {
        ui.add_space(20.0);
        ui.label("This catalogue has no items. Open another one with Open catalogue….");
        return;
    }
    if state.filtered.is_empty() {
        ui.add_space(20.0);
        ui.label("No item matches the search and the selected tags.");
        if ui.button("Show all items").clicked() {
            state.query.clear();
            state.active_tags.clear();
            state.validation_only = false;
        }
        return;
    }
    cells_ui(ui, state, view, images, selected, actions);
}

/// The search box, Clear search, and how many items are shown.
fn search_bar_ui(ui: &mut egui::Ui, state: &mut GridState, view: &CatalogueView) {
    ui.horizontal(|ui| {
        let label = ui.label("Search");
        let search = egui::TextEdit::singleline(&mut state.query)
            .hint_text("words in descriptions, tags and predicted tags")
            .desired_width(260.0);
        ui.add(search).labelled_by(label.id).on_hover_text(
            "Shows items whose description, tags, predicted tags, attributes or file name \
             contain every word",
        );
        if !state.query.is_empty() && ui.button("Clear search").clicked() {
            state.query.clear();
        }
        if view.split.is_some() {
            ui.checkbox(&mut state.validation_only, "Validation items only")
                .on_hover_text(
                    "Show only the items the model in use was scored on and never learned from",
                );
        }
        ui.separator();
        ui.label(
            RichText::new(format!("{} of {} items", state.filtered.len(), view.len())).strong(),
        );
    });
}

/// The shown items in as many columns as fit, only the rows on screen laid out; scrolls to
/// the selected item when asked to.
fn cells_ui(
    ui: &mut egui::Ui,
    state: &mut GridState,
    view: &CatalogueView,
    images: &mut ImageCache,
    selected: Option<usize>,
    actions: &mut Vec<Action>,
) {
    let spacing = ui.spacing().item_spacing;
    // Leave room for the scroll bar; spread the spare width over the cells.
    let width = ui.available_width() - ui.spacing().scroll.bar_width - 4.0;
    let columns = ((width + spacing.x) / (CELL.x + spacing.x))
        .floor()
        .max(1.0) as usize;
    let cell = Vec2::new(
        ((width + spacing.x) / columns as f32 - spacing.x).max(CELL.x),
        CELL.y,
    );
    state.columns = columns;
    let rows = state.filtered.len().div_ceil(columns);
    let row_pitch = CELL.y + spacing.y;

    let mut scroll = egui::ScrollArea::vertical()
        .id_salt("catalogue_grid")
        .auto_shrink([false, false]);
    if std::mem::take(&mut state.scroll_to_selected) {
        if let Some(pos) = selected.and_then(|s| state.filtered.iter().position(|&i| i == s)) {
            let top = (pos / columns) as f32 * row_pitch;
            let view_h = state.last_view_height.max(CELL.y);
            if top < state.last_offset_y {
                scroll = scroll.vertical_scroll_offset(top);
            } else if top + CELL.y > state.last_offset_y + view_h {
                scroll = scroll.vertical_scroll_offset(top + CELL.y - view_h);
            }
        }
    }
    let filtered = &state.filtered;
    let output = scroll.show_rows(ui, CELL.y, rows, |ui, row_range| {
        for row in row_range {
            ui.horizontal(|ui| {
                for col in 0..columns {
                    let Some(&item) = filtered.get(row * columns + col) else {
                        break;
                    };
                    if cell_ui(ui, view, images, item, cell, selected == Some(item)).clicked() {
                        actions.push(Action::Select(item));
                    }
                }
            });
        }
    });
    state.last_offset_y = output.state.clamped_offset().y;
    state.last_view_height = output.inner_rect.height();
}

/// The tag chips: the most common tags (all of them after More tags) and the selected ones;
/// a click selects or unselects a tag.
fn tag_chips_ui(ui: &mut egui::Ui, state: &mut GridState, view: &CatalogueView) {
    if view.tag_counts.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Tags:").weak());
        let shown = if state.all_tags {
            view.tag_counts.len()
        } else {
            CHIPS_SHOWN.min(view.tag_counts.len())
        };
        // Selected tags stay visible even when they are rare.
        let mut chips: Vec<&(String, usize)> = view.tag_counts.iter().take(shown).collect();
        for extra in view
            .tag_counts
            .iter()
            .skip(shown)
            .filter(|(t, _)| state.active_tags.contains(t))
        {
            chips.push(extra);
        }
        for (tag, count) in chips {
            let on = state.active_tags.contains(tag);
            let chip = ui
                .selectable_label(on, format!("{tag} {count}"))
                .on_hover_text(format!(
                    "Show only items described as \"{tag}\" or predicted to be ({count} described)"
                ));
            if chip.clicked() {
                if on {
                    state.active_tags.remove(tag);
                } else {
                    state.active_tags.insert(tag.clone());
                }
            }
        }
        if view.tag_counts.len() > CHIPS_SHOWN {
            let label = if state.all_tags {
                "Fewer tags".to_string()
            } else {
                format!("More tags ({})", view.tag_counts.len() - CHIPS_SHOWN)
            };
            if ui.link(label).clicked() {
                state.all_tags = !state.all_tags;
            }
        }
        if !state.active_tags.is_empty() && ui.small_button("Clear tags").clicked() {
            state.active_tags.clear();
        }
    });
}

/// One grid cell: the thumbnail (proportions kept) and a one-line caption.
fn cell_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    images: &mut ImageCache,
    item: usize,
    cell: Vec2,
    selected: bool,
) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(cell, Sense::click());
    let caption = view.caption(item);
    response.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::Role::Button,
            true,
            selected,
            format!("Item {}: {caption}", item + 1),
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
    let photo = Rect::from_center_size(
        egui::pos2(
            rect.center().x,
            rect.min.y + 6.0 + THUMBNAIL_PX as f32 / 2.0,
        ),
        Vec2::splat(THUMBNAIL_PX as f32),
    );
    let failure = view.catalogue.items.get(item).and_then(|it| {
        paint_photo(
            ui,
            images,
            &ImageKey::thumbnail(&it.image_path),
            photo,
            false,
        )
    });
    let text_colour = if selected {
        visuals.strong_text_color()
    } else {
        visuals.text_color()
    };
    let mut job = LayoutJob::simple_singleline(caption, FontId::proportional(13.0), text_colour);
    job.wrap = TextWrapping::truncate_at_width(cell.x - 12.0);
    let galley = ui.painter().layout_job(job);
    ui.painter().galley(
        egui::pos2(photo.min.x, photo.max.y + 5.0),
        galley,
        Color32::PLACEHOLDER,
    );
    let description = view
        .catalogue
        .items
        .get(item)
        .map(|it| it.description.clone())
        .unwrap_or_default();
    response.on_hover_ui(|ui| {
        ui.set_max_width(340.0);
        if let Some(reason) = &failure {
            ui.colored_label(ui.visuals().error_fg_color, reason);
        }
        if description.is_empty() {
            ui.weak("No description");
        } else {
            ui.label(description);
        }
        let tags = view.true_tags(item);
        if !tags.is_empty() {
            ui.weak(format!("Tags: {}", tags.join(", ")));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrow_keys_walk_the_shown_items() {
        let state = GridState {
            filtered: vec![2, 4, 6, 8, 10],
            columns: 2,
            ..Default::default()
        };
        assert_eq!(state.step(None, Key::ArrowRight), Some(2));
        assert_eq!(state.step(Some(2), Key::ArrowRight), Some(4));
        assert_eq!(state.step(Some(2), Key::ArrowLeft), Some(2));
        assert_eq!(state.step(Some(2), Key::ArrowDown), Some(6));
        assert_eq!(state.step(Some(8), Key::ArrowDown), Some(8));
        assert_eq!(state.step(Some(6), Key::ArrowUp), Some(2));
        assert_eq!(state.step(Some(10), Key::Home), Some(2));
        assert_eq!(state.step(Some(3), Key::ArrowDown), Some(2));
    }
}
