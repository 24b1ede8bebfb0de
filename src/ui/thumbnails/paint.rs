//! Painting a photo texture into a frame without distorting it.

use eframe::egui;
use egui::{Color32, Pos2, Rect, Vec2};

use super::{ImageCache, ImageKey, ImageState};

/// The largest rectangle with the texture's proportions that fits in `frame`, centred.
pub fn fitted_rect(frame: Rect, texture_size: Vec2) -> Rect {
    if texture_size.x <= 0.0 || texture_size.y <= 0.0 {
        return frame;
    }
    let scale = (frame.width() / texture_size.x).min(frame.height() / texture_size.y);
    Rect::from_center_size(frame.center(), texture_size * scale)
}

/// Draws the photo in `frame` with its proportions kept, or a placeholder while it loads (a
/// soft box) or when it failed (a crossed box). Returns the failure reason, if any.
pub fn paint_photo(
    ui: &egui::Ui,
    cache: &mut ImageCache,
    key: &ImageKey,
    frame: Rect,
    urgent: bool,
) -> Option<String> {
    let painter = ui.painter_at(frame);
    let visuals = ui.visuals();
    match cache.get(key, urgent) {
        ImageState::Ready(texture) => {
            let rect = fitted_rect(frame, texture.size_vec2());
            painter.image(
                texture.id(),
                rect,
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
            None
        }
        ImageState::Loading => {
            painter.rect_filled(frame.shrink(2.0), 4.0, visuals.faint_bg_color);
            painter.text(
                frame.center(),
                egui::Align2::CENTER_CENTER,
                "loading…",
                egui::FontId::proportional(11.0),
                visuals.weak_text_color(),
            );
            None
        }
        ImageState::Failed(reason) => {
            let reason = reason.to_string();
            let r = frame.shrink(4.0);
            painter.rect_stroke(
                r,
                4.0,
                (1.0, visuals.weak_text_color()),
                egui::StrokeKind::Inside,
            );
            painter.line_segment(
                [r.left_top(), r.right_bottom()],
                (1.0, visuals.weak_text_color()),
            );
            painter.line_segment(
                [r.right_top(), r.left_bottom()],
                (1.0, visuals.weak_text_color()),
            );
            painter.text(
                frame.center(),
                egui::Align2::CENTER_CENTER,
                "photo unreadable",
                egui::FontId::proportional(11.0),
                visuals.error_fg_color,
            );
            Some(reason)
        }
    }
}
