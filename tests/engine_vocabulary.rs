//! The engine's vocabulary on the demo catalogue: made with the catalogue's saved settings,
//! remade and saved on `SetVocabulary`, and a model trained on another vocabulary refused in
//! words. No network runs here: the refusal comes before any weights are read.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{demo, run, run_failing};
use vitrine::engine::checkpoint::{
    CheckpointMeta, History, FORMAT_VERSION, META_FILE, WEIGHTS_FILE,
};
use vitrine::engine::protocol::VocabularyReport;
use vitrine::engine::split::Split;
use vitrine::engine::{
    Command, EngineOptions, EventBody, FailureKind, TrainConfig, TrainMode, Worker,
};
use vitrine::text::vocab::{store, VocabEdit, VocabMode, VocabularySettings};
use vitrine::text::TagOptions;

fn worker(dir: &Path) -> Worker {
    let options = EngineOptions {
        vocabulary_root: Some(dir.join("catalogues")),
        ..common::options(dir.join("checkpoints"))
    };
    Worker::spawn(options, Box::new(|| {})).expect("spawn worker")
}

fn report(events: &[EventBody]) -> Arc<VocabularyReport> {
    events
        .iter()
        .find_map(|e| match e {
            EventBody::VocabularyReady(r) => Some(r.clone()),
            _ => None,
        })
        .expect("a VocabularyReady event")
}

/// A checkpoint folder trained (as far as its metadata says) on `settings`' vocabulary.
fn checkpoint_on(dir: &Path, vocabulary: vitrine::text::Vocabulary, settings: VocabularySettings) {
    let tags = vocabulary.len();
    let ids: Vec<String> = demo().items.iter().map(|i| i.id.clone()).collect();
    let meta = CheckpointMeta {
        format_version: FORMAT_VERSION,
        run_id: "seed-run".into(),
        catalogue_name: demo().name.clone(),
        config: TrainConfig::for_mode(TrainMode::Fast),
        vocabulary,
        vocabulary_settings: Some(settings),
        split: Split::new(&ids, 1),
        thresholds: vec![0.5; tags],
        epochs_completed: 1,
        stopped_mid_epoch: false,
        global_step: 1,
        backbone_weights: "test".into(),
        includes_backbone: false,
        history: History::default(),
        tuning: None,
        weights_checksum: None,
    };
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(WEIGHTS_FILE), b"not weights").unwrap();
    std::fs::write(dir.join(META_FILE), serde_json::to_string(&meta).unwrap()).unwrap();
}

#[test]
fn a_model_on_another_vocabulary_is_refused_and_edits_are_saved() {
    let dir = tempfile::tempdir().unwrap();
    let worker = worker(dir.path());
    let catalogue = demo();
    let opened = report(&run(&worker, Command::SetCatalogue(catalogue.clone())));
    assert_eq!(opened.settings, VocabularySettings::default());
    assert!(opened.tags.vocabulary.iter().any(|t| t == "dress"));
    assert!(opened.words.find("fit").is_some());

    // A model trained on the seed vocabulary, with the catalogue on the curated one.
    let seed = VocabularySettings {
        options: TagOptions::seed(),
        ..Default::default()
    };
    let seed_worker = Worker::spawn(common::options(dir.path().join("other")), Box::new(|| {}))
        .expect("spawn worker");
    run(&seed_worker, Command::SetCatalogue(catalogue.clone()));
    let seeded = report(&run(
        &seed_worker,
        Command::SetVocabulary {
            settings: seed.clone(),
            save: true,
        },
    ));
    assert_eq!(seeded.file, None, "no vocabulary root: nothing saved");
    let ck = dir.path().join("seed-run/epoch-0001");
    checkpoint_on(&ck, seeded.vocabulary.clone(), seed.clone());
    let (failure, _) = run_failing(&worker, Command::LoadCheckpoint(ck.clone()));
    assert_eq!(failure.kind, FailureKind::Checkpoint);
    let text = failure.message;
    assert!(
        text.contains("this model was trained on a vocabulary of 50 tags that differs from the catalogue's 50"),
        "{text}"
    );
    assert!(
        text.contains("it has fit") && text.contains("it lacks"),
        "{text}"
    );
    assert!(text.contains("made seed, 25 + 25 tags"), "{text}");

    // Switching the catalogue to the seed vocabulary saves it; the model then fits (and only
    // its fake weights fail).
    let switched = report(&run(
        &worker,
        Command::SetVocabulary {
            settings: seed.clone(),
            save: true,
        },
    ));
    let file = switched
        .file
        .clone()
        .expect("saved in the catalogue's state");
    assert!(
        file.starts_with(dir.path().join("catalogues")),
        "{}",
        file.display()
    );
    assert_eq!(store::load(&file).unwrap(), Some(seed.clone()));
    assert_eq!(switched.tags.vocabulary, seeded.tags.vocabulary);
    let (failure, _) = run_failing(&worker, Command::LoadCheckpoint(ck));
    assert!(!failure.message.contains("differs"), "{}", failure.message);

    // An edit, saved, and read back by a new worker opening the catalogue.
    let mut edited = seed.clone();
    edited.options.mode = VocabMode::Curated;
    edited.edits.push(VocabEdit::Remove {
        tag: "dress".into(),
    });
    edited.edits.push(VocabEdit::Add { word: "fit".into() });
    run(
        &worker,
        Command::SetVocabulary {
            settings: edited.clone(),
            save: true,
        },
    );
    drop(worker);
    let again = worker_again(dir.path());
    let reopened = report(&run(&again, Command::SetCatalogue(catalogue)));
    assert_eq!(reopened.settings, edited);
    assert!(!reopened.tags.vocabulary.iter().any(|t| t == "dress"));
    assert_eq!(
        reopened.tags.vocabulary.last().map(String::as_str),
        Some("fit")
    );
    assert!(reopened.notes.is_empty(), "{:?}", reopened.notes);
}

fn worker_again(dir: &Path) -> Worker {
    worker(dir)
}
