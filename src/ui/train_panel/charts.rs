//! The loss and F1 charts of the Train tab.

use eframe::egui;
use egui::Color32;
use egui_plot::{Legend, Line, LineStyle, Plot, Points, VLine};

use super::reliability::reliability_ui;
use super::state::{EvalPoint, TrainState};

/// One line of the F1 chart: its name, colour and value.
type F1Series = (&'static str, Color32, fn(&EvalPoint) -> f64);

pub(super) fn charts_ui(ui: &mut egui::Ui, state: &TrainState) {
    let wide = ui.available_width() > 720.0;
    let height = 200.0;
    let loss_chart = |ui: &mut egui::Ui| {
        ui.strong("Training loss per step");
        Plot::new("loss_plot")
            .height(height)
            .x_axis_label("step")
            .include_y(0.0)
            .allow_scroll(false)
            .show(ui, |plot_ui| {
                plot_ui.line(
                    Line::new("loss", &state.losses[..])
                        .color(Color32::from_rgb(230, 100, 100))
                        .width(1.5),
                );
            });
    };
    let f1_chart = |ui: &mut egui::Ui| {
        ui.strong("F1 on the validation photos");
        Plot::new("f1_plot")
            .height(height)
            .x_axis_label("epoch")
            .include_y(0.0)
            .include_y(1.0)
            .allow_scroll(false)
            .legend(Legend::default())
            .show(ui, |plot_ui| {
                let series: [F1Series; 3] = [
                    ("micro F1", Color32::from_rgb(80, 160, 255), |e| e.micro_f1),
                    ("macro F1", Color32::from_rgb(245, 150, 50), |e| e.macro_f1),
                    ("samples F1", Color32::from_rgb(90, 190, 110), |e| {
                        e.samples_f1
                    }),
                ];
                if let Some(epoch) = state.epoch_in_use() {
                    plot_ui.vline(
                        VLine::new("epoch in use", epoch)
                            .color(Color32::from_rgb(160, 160, 160))
                            .style(LineStyle::dashed_loose())
                            .width(1.5),
                    );
                }
                for (name, colour, value) in series {
                    let points: Vec<[f64; 2]> =
                        state.evals.iter().map(|e| [e.epoch, value(e)]).collect();
                    plot_ui.line(Line::new(name, points.clone()).color(colour).width(1.5));
                    plot_ui.points(Points::new(name, points).color(colour).radius(2.5));
                }
            });
    };
    let tuning = state.model.as_ref().and_then(|m| m.tuning.as_ref());
    if wide {
        ui.columns(if tuning.is_some() { 3 } else { 2 }, |cols| {
            loss_chart(&mut cols[0]);
            f1_chart(&mut cols[1]);
            if let (Some(tuning), Some(col)) = (tuning, cols.get_mut(2)) {
                reliability_ui(col, tuning, height);
            }
        });
    } else {
        loss_chart(ui);
        ui.add_space(6.0);
        f1_chart(ui);
        if let Some(tuning) = tuning {
            ui.add_space(6.0);
            reliability_ui(ui, tuning, height);
        }
    }
}
