//! The window's tag corrections driven headless with egui_kittest on the demo catalogue: tick
//! boxes save the sidecar file and mark tags "by you", the Review list ranks and selects items,
//! Retrain with corrections is one click, and the validation gallery and the split come back
//! with a loaded checkpoint.

use std::path::Path;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use vitrine::engine::corrections::Corrections;
use vitrine::ui::{RunStatus, Tab, VitrineApp};

#[path = "common/window.rs"]
mod window;
use window::{app_options, harness, run_until};

fn new_app(scratch: &Path) -> VitrineApp {
    let shared = window::shared_dir("vitrine-ui-corrections");
    let mut options = app_options(shared, &scratch.join("checkpoints"));
    options.catalogue_state_root = scratch.join("catalogues");
    VitrineApp::new(options)
}

/// Scrolls the tick box of `tag` into view and clicks it.
fn tick(harness: &mut Harness<'static, VitrineApp>, tag: &str) {
    harness
        .get_by_role_and_label(Role::CheckBox, tag)
        .scroll_to_me();
    harness.step();
    // The accessibility click reaches the widget wherever the scroll left it.
    harness
        .get_by_role_and_label(Role::CheckBox, tag)
        .click_accesskit();
    harness.step();
    harness.step();
}

fn correction(app: &VitrineApp, item: usize, tag: &str) -> Option<bool> {
    let view = app.catalogue()?;
    view.corrections.get(&view.catalogue.items[item].id, tag)
}

#[test]
fn tick_boxes_review_list_and_restart() {
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut harness = harness(new_app(scratch.path()));
    run_until(&mut harness, "the demo catalogue", |app| {
        app.catalogue().is_some()
    });
    assert_eq!(harness.state().selected(), Some(0));
    let (described, missing) = {
        let view = harness.state().catalogue().expect("open");
        let described = view.true_tags(0).to_vec();
        let missing = view
            .tags
            .vocabulary
            .iter()
            .find(|t| !described.contains(t))
            .expect("a tag item 1 lacks")
            .clone();
        (described, missing)
    };

    // Ticking a tag the description lacks, and unticking one it has.
    tick(&mut harness, &missing);
    assert_eq!(correction(harness.state(), 0, &missing), Some(true));
    tick(&mut harness, &described[0]);
    assert_eq!(correction(harness.state(), 0, &described[0]), Some(false));
    harness.get_by_label_contains("Checked by you: 2 tag(s)");
    assert_eq!(harness.query_all_by_label("by you").count(), 2);
    let sidecar = scratch.path().join("catalogues/demo/corrections.json");
    let saved = Corrections::load(&sidecar).expect("the sidecar file reads back");
    assert_eq!(
        saved,
        harness.state().catalogue().expect("open").corrections
    );
    assert_eq!(saved.items_corrected(), 1);

    // The Review list asks for a model first.
    harness.get_by_label("Review").click();
    harness.step();
    assert_eq!(harness.state().tab(), Tab::Review);
    harness.step();
    harness.get_by_label_contains("Train a model (Train tab)");

    // A short fast run; then the list ranks items, the checked item after the unchecked ones.
    harness.get_by_label("Train").click();
    harness.step();
    harness.state_mut().train_settings_mut().epochs = 3;
    harness.step();
    harness.get_by_label("Start training").click();
    harness.step();
    run_until(&mut harness, "predicted tags", |app| {
        app.training().status == RunStatus::Idle
            && app
                .catalogue()
                .is_some_and(|c| c.predictions.is_some() && c.split.is_some())
    });
    harness.get_by_label("Review").click();
    harness.step();
    harness.step();
    let rows: Vec<String> = harness
        .query_all_by_label_contains("Review item ")
        .filter_map(|n| n.accesskit_node().label())
        .collect();
    assert!(!rows.is_empty(), "the list shows items");
    assert!(
        !rows[0].starts_with("Review item 1:"),
        "the checked item is not first: {rows:?}"
    );
    let first: usize = rows[0]
        .trim_start_matches("Review item ")
        .split(':')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number");
    // Through accesskit: the row may lie under the window's lower edge in the test's frame.
    harness.get_by_label(&rows[0]).click_accesskit();
    harness.step();
    assert_eq!(harness.state().selected(), Some(first - 1), "{rows:?}");

    // The detail panel names the item's split; the grid filters to validation items.
    let role_shown = harness
        .query_by_label_contains("Validation item: the model")
        .is_some()
        || harness
            .query_by_label_contains("Training item: the model")
            .is_some();
    assert!(
        role_shown,
        "the detail panel says which split the item was in"
    );

    drop(harness);

    // After a restart the checkpoint is loaded: split, gallery and corrections come back.
    let mut harness = self::harness(new_app(scratch.path()));
    run_until(&mut harness, "the loaded model's predictions", |app| {
        app.catalogue().is_some_and(|c| c.predictions.is_some())
            && !app.training().validation.is_empty()
    });
    let app = harness.state();
    let view = app.catalogue().expect("open");
    let split = view.split.as_ref().expect("the split of the loaded model");
    let shown: Vec<usize> = app.training().validation.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        shown,
        split.items(vitrine::engine::split::SplitRole::Validation)
    );
    assert_eq!(correction(app, 0, &missing), Some(true));
    harness
        .get_by_role_and_label(Role::CheckBox, "Validation items only")
        .click();
    harness.step();
    harness.step();
    assert_eq!(harness.state().shown_items(), shown.as_slice());
}
