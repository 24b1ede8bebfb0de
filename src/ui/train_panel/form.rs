//! The training settings form and the Start / Stop / Resume buttons of the Train tab.

use eframe::egui;
use egui::RichText;

use super::state::{RunStatus, TrainState};
use crate::engine::{TrainConfig, TrainMode};
use crate::ui::actions::Action;
use crate::vision::BackboneKind;

pub(super) fn settings_ui(ui: &mut egui::Ui, state: &mut TrainState) {
    let config = &mut state.config;
    egui::Grid::new("train_settings")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Backbone");
            egui::ComboBox::from_id_salt("backbone")
                .selected_text(config.backbone.name())
                .show_ui(ui, |ui| {
                    for kind in BackboneKind::ALL {
                        ui.selectable_value(&mut config.backbone, kind, kind.name());
                    }
                })
                .response
                .labelled_by(label.id)
                .on_hover_text(
                    "efficientnet-lite0 is small and fast; resnext50 is larger and slower on a \
                     CPU (its pretrained weights must be installed)",
                );
            ui.end_row();

            ui.label("Mode");
            ui.horizontal(|ui| {
                let before = config.mode;
                ui.radio_value(&mut config.mode, TrainMode::Fast, "Fast")
                    .on_hover_text("Only the tag layer learns; seconds on a CPU");
                ui.radio_value(&mut config.mode, TrainMode::FineTune, "Fine-tune")
                    .on_hover_text(
                        "The whole network learns, with augmentations; minutes on a CPU",
                    );
                if config.mode != before {
                    // Each mode has its own sensible numbers.
                    let defaults = TrainConfig::for_mode(config.mode);
                    config.epochs = defaults.epochs;
                    config.batch_size = defaults.batch_size;
                    config.learning_rate = defaults.learning_rate;
                    config.weight_decay = defaults.weight_decay;
                    config.tune_thresholds = defaults.tune_thresholds;
                    config.eval_every_steps = defaults.eval_every_steps;
                    config.patience = defaults.patience;
                    config.eval_every_epochs = defaults.eval_every_epochs;
                    config.calibration = defaults.calibration;
                    config.calibration_folds = defaults.calibration_folds;
                    config.decoupled_weight_decay = defaults.decoupled_weight_decay;
                    config.stop_on = defaults.stop_on;
                    config.ensemble = defaults.ensemble;
                }
            });
            ui.end_row();

            let label = ui.label("Epochs");
            ui.add(egui::DragValue::new(&mut config.epochs).range(1..=1000))
                .labelled_by(label.id)
                .on_hover_text("Passes over the training photos");
            ui.end_row();

            let label = ui.label("Batch size");
            ui.add(egui::DragValue::new(&mut config.batch_size).range(1..=512))
                .labelled_by(label.id)
                .on_hover_text("Photos per learning step");
            ui.end_row();

            let label = ui.label("Learning rate");
            ui.add(
                egui::DragValue::new(&mut config.learning_rate)
                    .range(1e-6..=0.5)
                    .speed(1e-5)
                    .max_decimals(6),
            )
            .labelled_by(label.id)
            .on_hover_text("How big each learning step is; 0.001 works well");
            ui.end_row();

            let label = ui.label("Threshold");
            ui.add(egui::Slider::new(&mut config.threshold, 0.05..=0.95).fixed_decimals(2))
                .labelled_by(label.id)
                .on_hover_text("Probability from which a tag counts as predicted");
            ui.end_row();

            ui.label("");
            ui.checkbox(&mut config.tune_thresholds, "Tune one threshold per tag")
                .on_hover_text(
                    "Fast mode: tries one threshold and one per tag, chosen on out-of-fold \
                     predictions of the training photos, and keeps them only if they beat the \
                     threshold above on the validation photos. Fine-tune: chooses each tag's \
                     threshold on the training photos",
                );
            ui.end_row();

            if config.mode == TrainMode::Fast {
                ui.label("");
                ui.checkbox(&mut config.ensemble, "Average with the out-of-fold heads")
                    .on_hover_text(
                        "Calibration trains one head per fold of the training photos; their \
                         probabilities are averaged with the model's own (an ensemble, at no \
                         extra training)",
                    );
                ui.end_row();
            }
        });
}

pub(super) fn buttons_ui(
    ui: &mut egui::Ui,
    state: &mut TrainState,
    catalogue_ready: bool,
    actions: &mut Vec<Action>,
) {
    ui.horizontal_wrapped(|ui| {
        let active = state.status.is_active();
        let start = ui
            .add_enabled(
                !active && catalogue_ready,
                egui::Button::new(RichText::new("Start training").strong()),
            )
            .on_disabled_hover_text(if active {
                "A run is in progress"
            } else {
                "Waiting for the catalogue"
            });
        if start.clicked() {
            match state.config.validate() {
                Ok(()) => {
                    state.config_error = None;
                    actions.push(Action::StartTraining(state.config.clone()));
                }
                Err(e) => state.config_error = Some(format!("Cannot start: {e}.")),
            }
        }
        let stop = ui
            .add_enabled(
                matches!(state.status, RunStatus::Starting | RunStatus::Running),
                egui::Button::new("Stop"),
            )
            .on_hover_text("Stops after the current step and keeps a checkpoint");
        if stop.clicked() {
            actions.push(Action::StopTraining);
        }
        let resume_label = match &state.last_checkpoint {
            Some((_, epochs)) => format!("Resume (from epoch {epochs})"),
            None => "Resume".to_string(),
        };
        let resume = ui
            .add_enabled(
                !active && catalogue_ready && state.last_checkpoint.is_some(),
                egui::Button::new(resume_label),
            )
            .on_hover_text("Continues the last run up to the number of epochs set above");
        if resume.clicked() {
            match state.resume_config() {
                Ok(_) => {
                    state.config_error = None;
                    actions.push(Action::Resume);
                }
                Err(e) => state.config_error = Some(format!("Cannot resume: {e}.")),
            }
        }
        if ui
            .add_enabled(!active, egui::Button::new("Load checkpoint…"))
            .on_hover_text("Use a model trained before (a checkpoint folder)")
            .clicked()
        {
            actions.push(Action::OpenCheckpointDialog);
        }
        if ui
            .add_enabled(!active, egui::Button::new("Default settings"))
            .clicked()
        {
            let backbone = state.config.backbone;
            state.config = TrainConfig::for_mode(state.config.mode);
            state.config.backbone = backbone;
            state.config_error = None;
        }
    });
}
