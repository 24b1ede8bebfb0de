//! The reliability diagram of the model in use: for each of the 15 probability bins, the
//! share of (validation item, tag) pairs that truly have the tag against their mean
//! probability, before and after calibration, with the expected calibration error.

use eframe::egui;
use egui::Color32;
use egui_plot::{Legend, Line, LineStyle, Plot, Points};

use crate::engine::calibrate::{Reliability, Tuning};

/// Before-calibration colour.
const RAW: Color32 = Color32::from_rgb(230, 100, 100);
/// After-calibration colour.
const CALIBRATED: Color32 = Color32::from_rgb(80, 160, 255);

/// The points of a diagram: (mean probability, frequency) of each non-empty bin.
pub(super) fn diagram_points(reliability: &Reliability) -> Vec<[f64; 2]> {
    reliability
        .bins
        .iter()
        .filter(|b| b.count > 0)
        .map(|b| [b.mean_probability as f64, b.frequency as f64])
        .collect()
}

/// Draws the diagram (`height_px` tall) and the figures behind it.
pub(super) fn reliability_ui(ui: &mut egui::Ui, tuning: &Tuning, height_px: f32) {
    ui.strong("Reliability on the validation photos");
    Plot::new("reliability_plot")
        .height(height_px)
        .include_x(0.0)
        .include_x(1.0)
        .include_y(0.0)
        .include_y(1.0)
        .x_axis_label("predicted probability")
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .show(ui, |plot_ui| {
            plot_ui.line(
                Line::new("perfectly calibrated", vec![[0.0, 0.0], [1.0, 1.0]])
                    .color(Color32::GRAY)
                    .style(LineStyle::dashed_loose())
                    .width(1.0),
            );
            for (name, colour, reliability) in [
                ("before calibration", RAW, &tuning.before),
                ("after calibration", CALIBRATED, &tuning.after),
            ] {
                let points = diagram_points(reliability);
                plot_ui.line(Line::new(name, points.clone()).color(colour).width(1.5));
                plot_ui.points(Points::new(name, points).color(colour).radius(3.0));
            }
        });
    ui.label(format!(
        "Calibration error (ECE, 15 bins): {:.3} before, {:.3} after.",
        tuning.before.ece, tuning.after.ece
    ))
    .on_hover_text(format!(
        "The share of (photo, tag) pairs truly tagged against the mean predicted probability, \
         per probability bin. {} fitted on {}-fold out-of-fold predictions of the training \
         photos; tags decided by {}.",
        tuning.calibration.describe(),
        tuning.folds,
        tuning.rule.describe()
    ));
}
