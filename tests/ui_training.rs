//! The window's training driven headless with egui_kittest: the real app state, the real
//! worker, the demo catalogue and the installed pretrained weights. A fast run fills the charts,
//! the trained model tags a dropped photo, and a stopped run resumes from its checkpoint.

use std::path::Path;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use vitrine::ui::{RightView, RunStatus, Tab, VitrineApp};

#[path = "common/window.rs"]
mod window;
use window::{app_options, drop_file, harness, messages_text, run_until};

/// The app on the demo catalogue, with its checkpoints in `checkpoints`.
fn new_app(checkpoints: &Path) -> VitrineApp {
    VitrineApp::new(app_options(
        window::shared_dir("vitrine-ui-tests"),
        checkpoints,
    ))
}

/// Clicks Start training on the Train tab with a few fast epochs and waits for the end.
fn train_fast(harness: &mut Harness<'static, VitrineApp>, epochs: usize) {
    harness.get_by_label("Train").click();
    harness.step();
    assert_eq!(harness.state().tab(), Tab::Train);
    harness.state_mut().train_settings_mut().epochs = epochs;
    harness.step();
    harness.get_by_label("Start training").click();
    harness.step();
    assert!(
        harness.state().training().status.is_active(),
        "clicking Start training starts a run"
    );
    run_until(harness, "the first training step", |app| {
        !app.training().losses.is_empty() || !app.training().status.is_active()
    });
    run_until(harness, "the end of training", |app| {
        app.training().status == RunStatus::Idle
    });
}

#[test]
fn training_shows_progress_and_fills_the_charts() {
    let checkpoints = tempfile::tempdir().expect("a temporary folder");
    let mut harness = harness(new_app(checkpoints.path()));
    run_until(&mut harness, "the demo catalogue", |app| {
        app.catalogue().is_some()
    });
    assert_eq!(
        harness.state().catalogue().map(|c| c.len()),
        Some(240),
        "the demo catalogue opens on first launch"
    );

    let epochs = 4;
    train_fast(&mut harness, epochs);
    let app = harness.state();
    let t = app.training();
    assert!(t.config_error.is_none(), "{:?}", t.config_error);
    let progress = t.progress.as_ref().expect("progress events arrived");
    assert_eq!(progress.epoch, epochs);
    assert_eq!(progress.epochs, epochs);
    assert_eq!(
        t.losses.len(),
        epochs * progress.steps_per_epoch,
        "one loss point per step"
    );
    assert!(
        t.evals.len() >= epochs,
        "one F1 point per epoch at least, got {}",
        t.evals.len()
    );
    assert!(t.evals.iter().all(|e| (0.0..=1.0).contains(&e.micro_f1)));
    assert!(t.last_checkpoint.is_some(), "a checkpoint was written");
    assert!(!t.validation.is_empty(), "the validation gallery has items");
    assert!(
        messages_text(app).contains("Training finished"),
        "{}",
        messages_text(app)
    );

    // The per-tag table and the charts are on screen.
    harness.get_by_label_contains("Scores per tag");
    harness.get_by_label("Training loss per step");
    harness.get_by_label("F1 on the validation photos");
    harness.get_by_label_contains("Epoch 4 of 4");

    // Predicted tags reach every item once the model is published.
    run_until(&mut harness, "predicted tags for the catalogue", |app| {
        app.catalogue().is_some_and(|c| c.predictions.is_some())
    });

    // The validation gallery lists the held-out photos.
    harness.get_by_label("Validation gallery").click();
    harness.step();
    assert_eq!(harness.state().tab(), Tab::Gallery);
    harness.step();
    assert!(
        !harness
            .query_all_by_label_contains("Validation item ")
            .collect::<Vec<_>>()
            .is_empty(),
        "the gallery shows validation items"
    );
}

#[test]
fn a_dropped_photo_gets_tags_and_lookalikes_after_training() {
    let checkpoints = tempfile::tempdir().expect("a temporary folder");
    let mut harness = harness(new_app(checkpoints.path()));
    run_until(&mut harness, "the demo catalogue", |app| {
        app.catalogue().is_some()
    });
    train_fast(&mut harness, 3);
    run_until(&mut harness, "the trained model", |app| {
        app.training().model.is_some()
    });

    let photo = harness
        .state()
        .catalogue()
        .and_then(|c| c.catalogue.items.get(7))
        .map(|item| item.image_path.clone())
        .expect("the demo catalogue has photos");
    drop_file(&mut harness, &photo);
    assert_eq!(harness.state().right_view(), RightView::Photo);
    run_until(&mut harness, "the prediction", |app| {
        app.dropped().prediction.is_some() || app.dropped().error.is_some()
    });
    let dropped = harness.state().dropped();
    assert!(dropped.error.is_none(), "{:?}", dropped.error);
    let prediction = dropped.prediction.as_ref().expect("a prediction");
    let tags = prediction.tags.as_ref().expect("tags once a model exists");
    assert!(!tags.is_empty());
    assert!(tags
        .windows(2)
        .all(|w| w[0].probability >= w[1].probability));
    assert_eq!(prediction.lookalikes.len(), 5);
    assert_eq!(
        prediction.lookalikes[0].index, 7,
        "a catalogue photo finds itself first"
    );
    harness.get_by_label("Dropped photo");
    harness.get_by_label("Predicted tags");
    assert_eq!(
        window::count_labels_when_shown(&mut harness, "Lookalike ", 5),
        5
    );

    // Back to the catalogue item.
    harness.get_by_label("Back to the catalogue").click();
    harness.step();
    assert_eq!(harness.state().right_view(), RightView::Item);
}

#[test]
fn a_stopped_run_keeps_a_checkpoint_and_resumes() {
    let checkpoints = tempfile::tempdir().expect("a temporary folder");
    let mut harness = harness(new_app(checkpoints.path()));
    run_until(&mut harness, "the demo catalogue", |app| {
        app.catalogue().is_some()
    });
    harness.get_by_label("Train").click();
    harness.step();
    // Far more epochs than the test waits for: it stops the run itself.
    harness.state_mut().train_settings_mut().epochs = 100_000;
    harness.step();
    harness.get_by_label("Start training").click();
    harness.step();
    run_until(&mut harness, "a few epochs", |app| {
        app.training()
            .progress
            .as_ref()
            .is_some_and(|p| p.epoch >= 3)
    });
    harness.get_by_label("Stop").click();
    harness.step();
    run_until(&mut harness, "the run to stop", |app| {
        app.training().status == RunStatus::Idle
    });
    let stopped_at = harness
        .state()
        .training()
        .last_checkpoint
        .as_ref()
        .map(|(_, epochs)| *epochs)
        .expect("a checkpoint kept on Stop");
    assert!(stopped_at >= 2, "stopped after {stopped_at} epochs");
    assert!(messages_text(harness.state()).contains("Training stopped"));

    // Resume continues from the checkpoint: its loss chart keeps the earlier steps.
    let steps_before = harness.state().training().losses.len();
    harness.get_by_label_contains("Resume (from epoch").click();
    harness.step();
    run_until(&mut harness, "the resumed run", |app| {
        app.training()
            .progress
            .as_ref()
            .is_some_and(|p| p.epoch > stopped_at + 1)
    });
    assert!(harness.state().training().losses.len() > steps_before);
    assert!(harness.state().training().config_error.is_none());
    harness.get_by_label("Stop").click();
    run_until(&mut harness, "the resumed run to stop", |app| {
        app.training().status == RunStatus::Idle
    });
}
