//! The window notices the open catalogue's state files changed elsewhere: a vocabulary edit
//! made with the real `vitrine vocab` command remakes the window's tags, and corrections saved
//! by another window show up, without reopening anything.

use vitrine::engine::corrections::Corrections;
use vitrine::text::vocab::VocabEdit;
use vitrine::ui::VitrineApp;

#[path = "common/window.rs"]
mod window;
use window::{app_options, harness, run_until};

fn has_tag(app: &VitrineApp, name: &str) -> bool {
    app.catalogue()
        .is_some_and(|c| c.tags.vocabulary.iter().any(|t| t == name))
}

#[test]
fn edits_made_elsewhere_are_taken_in_by_the_window() {
    let shared = window::shared_dir("vitrine-ui-tests");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut options = app_options(shared, &dir.path().join("checkpoints"));
    options.engine.vocabulary_root = Some(data.join("catalogues"));
    options.catalogue_state_root = data.join("catalogues");
    options.auto_load_checkpoint = false;
    let mut harness = harness(VitrineApp::new(options));
    run_until(&mut harness, "the catalogue's vocabulary", |app| {
        app.catalogue().is_some() && app.vocabulary_editor().report.is_some()
    });
    assert!(has_tag(harness.state(), "dress"));

    // The command line removes a tag while the window is open.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["vocab", "remove", "dress"])
        .env("VITRINE_DATA_DIR", &data)
        .env("VITRINE_CACHE_DIR", dir.path().join("cache"))
        .output()
        .expect("vitrine runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_until(&mut harness, "the vocabulary edited elsewhere", |app| {
        !has_tag(app, "dress")
            && app.vocabulary_editor().report.as_ref().is_some_and(|r| {
                r.settings.edits.edits
                    == [VocabEdit::Remove {
                        tag: "dress".into(),
                    }]
            })
    });
    let said = window::messages_text(harness.state());
    assert!(
        said.contains("The vocabulary was edited elsewhere"),
        "{said}"
    );

    // Another window corrects a tag of the first item.
    let (id, sidecar) = {
        let view = harness.state().catalogue().expect("open");
        (
            view.catalogue.items[0].id.clone(),
            data.join("catalogues/demo/corrections.json"),
        )
    };
    Corrections::update(&sidecar, "Demo catalogue", |c| {
        c.set(&id, "collar", Some(true));
    })
    .expect("saved");
    run_until(&mut harness, "the corrections saved elsewhere", |app| {
        app.catalogue()
            .is_some_and(|v| v.corrections.get(&id, "collar") == Some(true))
    });
}
