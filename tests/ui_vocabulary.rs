//! The vocabulary editor driven headless with egui_kittest on the demo catalogue: open it from
//! the toolbar, add a word of the descriptions, remove it again; each edit remakes the
//! catalogue's tags through the worker and is saved with the catalogue's vitrine state.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use vitrine::text::vocab::{store, VocabEdit};
use vitrine::ui::{AppOptions, VitrineApp};

/// A safety net, not a timing check.
const GIVE_UP: Duration = Duration::from_secs(900);

/// The scratch folder the window tests share (demo catalogue, caches).
fn shared_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vitrine-ui-tests");
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        std::env::set_var(vitrine::paths::CACHE_DIR_ENV, &dir);
        dir
    })
}

fn run_until(
    harness: &mut Harness<'static, VitrineApp>,
    what: &str,
    done: impl Fn(&VitrineApp) -> bool,
) {
    let started = Instant::now();
    while !done(harness.state()) {
        assert!(
            started.elapsed() < GIVE_UP,
            "gave up waiting for {what}; messages: {:?}",
            harness
                .state()
                .messages()
                .items()
                .iter()
                .map(|m| m.text.clone())
                .collect::<Vec<_>>()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(15));
    }
    harness.step();
}

fn has_tag(app: &VitrineApp, name: &str) -> bool {
    app.catalogue()
        .is_some_and(|c| c.tags.vocabulary.iter().any(|t| t == name))
}

#[test]
fn the_editor_adds_and_removes_tags_and_saves_them() {
    let shared = shared_dir();
    let dir = tempfile::tempdir().unwrap();
    let mut options = AppOptions::new(None);
    options.engine.checkpoint_root = dir.path().join("checkpoints");
    options.engine.cache_root = shared.join("embeddings");
    options.engine.vocabulary_root = Some(dir.path().join("catalogues"));
    options.thumbnail_cache = Some(shared.join("thumbnails"));
    options.auto_load_checkpoint = false;
    let app = VitrineApp::new(options);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui(ui), app);
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
