//! The vocabulary editor driven headless with egui_kittest on the demo catalogue: open it from
//! the toolbar, add a word of the descriptions, remove it again; each edit remakes the
//! catalogue's tags through the worker and is saved with the catalogue's vitrine state.

use egui_kittest::kittest::Queryable;
use vitrine::text::vocab::{store, VocabEdit};
use vitrine::ui::VitrineApp;

#[path = "common/window.rs"]
mod window;
use window::{app_options, harness, run_until};

fn has_tag(app: &VitrineApp, name: &str) -> bool {
    app.catalogue()
        .is_some_and(|c| c.tags.vocabulary.iter().any(|t| t == name))
}

#[test]
fn the_editor_adds_and_removes_tags_and_saves_them() {
    let shared = window::shared_dir("vitrine-ui-tests");
    let dir = tempfile::tempdir().unwrap();
    let mut options = app_options(shared, &dir.path().join("checkpoints"));
    options.engine.vocabulary_root = Some(dir.path().join("catalogues"));
    options.auto_load_checkpoint = false;
    let app = VitrineApp::new(options);
    let mut harness = harness(app);
    run_until(&mut harness, "the catalogue's vocabulary", |app| {
        app.catalogue().is_some() && app.vocabulary_editor().report.is_some()
    });
    // The default vocabulary is the curated one.
    assert!(has_tag(harness.state(), "dress"));
    assert!(!has_tag(harness.state(), "fit"));

    harness.get_by_label("Vocabulary…").click();
    // One frame carries out the click, the next ones lay the new window out and show it.
    harness.step();
    assert!(harness.state().vocabulary_editor().open);
    harness.step();
    harness.step();
    harness.get_by_label_contains("tags from the descriptions (curated, 25 + 25 tags)");

    let search = harness.get_by(|n| n.placeholder() == Some("a tag or a word, e.g. dress"));
    search.focus();
    search.type_text("fit");
    harness.step();
    harness.step();
    // "fit" is a word of the descriptions, shown with its number of items.
    harness.get_by_label_contains("fit (").click();
    run_until(&mut harness, "the added tag", |app| has_tag(app, "fit"));

    // The tag list is filtered by the search: one row, one Remove.
    harness.get_by_label("Remove").click();
    run_until(&mut harness, "the removed tag", |app| !has_tag(app, "fit"));
    assert!(harness.state().vocabulary_editor().error.is_none());

    let report = harness.state().vocabulary_editor().report.clone().unwrap();
    let file = report.file.clone().expect("the edits are saved");
    let saved = store::load(&file).unwrap().expect("a vocabulary file");
    assert_eq!(
        saved.edits.edits,
        [
            VocabEdit::Add { word: "fit".into() },
            VocabEdit::Remove { tag: "fit".into() }
        ]
    );
    harness.get_by_label_contains("2 edits.");
}
