//! End-to-end: tag corrections on the demo catalogue travel through the sidecar file into the
//! next training run's targets; the model reports its split by item, also once loaded from a
//! checkpoint; and the tags export (library and `vitrine export tags`) parses back and agrees
//! with the predictions the window shows.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::{demo, item_tags_in, run, run_end_in, worker};
use vitrine::engine::corrections::Corrections;
use vitrine::engine::protocol::{CatalogueTags, ItemPredictions, ModelSummary, RunStarted};
use vitrine::engine::split::SplitRole;
use vitrine::engine::{Command, EventBody, TrainConfig, TrainMode};
use vitrine::review::{export, TagRecord, TagSources};

fn ready_in(events: &[EventBody]) -> Arc<CatalogueTags> {
    events
        .iter()
        .find_map(|e| match e {
            EventBody::CatalogueReady(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the catalogue is ready")
}

fn started_in(events: &[EventBody]) -> Arc<RunStarted> {
    events
        .iter()
        .find_map(|e| match e {
            EventBody::TrainingStarted(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the run started")
}

fn model_in(events: &[EventBody]) -> Arc<ModelSummary> {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            EventBody::ModelReady(m) => Some(m.clone()),
            _ => None,
        })
        .expect("a model is ready")
}

fn train(worker: &vitrine::engine::Worker) -> Vec<EventBody> {
    run(
        worker,
        Command::Train {
            config: TrainConfig {
                epochs: 3,
                ..TrainConfig::for_mode(TrainMode::Fast)
            },
            resume: None,
        },
    )
}

/// The predicted tags (name, probability) of an item as the window lists them.
fn shown(predictions: &ItemPredictions, item: usize) -> Vec<(String, f32)> {
    predictions
        .tags_of(item)
        .into_iter()
        .filter(|t| t.predicted)
        .map(|t| (t.name, t.probability))
        .collect()
}

#[test]
fn a_correction_round_trips_through_the_sidecar_and_changes_the_next_run() {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let w = worker(dir.path().join("checkpoints"));
    let ready = ready_in(&run(&w, Command::SetCatalogue(demo())));
    let vocab = &ready.vocabulary;

    let before = train(&w);
    let plain = started_in(&before);

    // Item 0 loses its first tag and gains a tag it does not have; item 1 loses every tag.
    let items = &ready.catalogue.items;
    let (dropped, added) = (
        ready.item_tags[0][0].clone(),
        vocab
            .iter()
            .find(|t| !ready.item_tags[0].contains(t))
            .expect("a tag item 0 lacks")
            .clone(),
    );
    let mut corrections = Corrections::default();
    corrections.set(&items[0].id, &dropped, Some(false));
    corrections.set(&items[0].id, &added, Some(true));
    for tag in &ready.item_tags[1] {
        corrections.set(&items[1].id, tag, Some(false));
    }
    let sidecar = dir.path().join("catalogues/demo/corrections.json");
    corrections
        .save(&sidecar, &ready.catalogue.name)
        .expect("saved");
    let loaded = Corrections::load(&sidecar).expect("read back");
    assert_eq!(loaded, corrections);

    run(&w, Command::SetCorrections(Arc::new(loaded)));
    let after_events = train(&w);
    let after = started_in(&after_events);
    let (d, a) = (
        vocab
            .iter()
            .position(|t| *t == dropped)
            .expect("in vocabulary"),
        vocab
            .iter()
            .position(|t| *t == added)
            .expect("in vocabulary"),
    );
    assert_eq!((plain.targets[0][d], plain.targets[0][a]), (1.0, 0.0));
    assert_eq!((after.targets[0][d], after.targets[0][a]), (0.0, 1.0));
    assert!(plain.targets[1].contains(&1.0));
    assert!(after.targets[1].iter().all(|&v| v == 0.0));
    let changed: Vec<usize> = (0..items.len())
        .filter(|&i| plain.targets[i] != after.targets[i])
        .collect();
    assert_eq!(changed, [0, 1], "only the corrected items change");
    // Item 1, checked to have no tag, still trains (as a negative example) or validates.
    let in_split: HashSet<usize> = after
        .train_items
        .iter()
        .chain(&after.validation_items)
        .copied()
        .collect();
    assert!(in_split.contains(&1));

    // The model reports its split by item; the same after loading its checkpoint afresh.
    let model = model_in(&after_events);
    let split = model.split.as_ref().expect("the model knows its split");
    assert_eq!(split.items(SplitRole::Validation), after.validation_items);
    assert_eq!(split.items(SplitRole::Train), after.train_items);
    let checkpoint = run_end_in(&after_events).checkpoint.expect("a checkpoint");
    let fresh = worker(dir.path().join("checkpoints"));
    run(&fresh, Command::SetCatalogue(demo()));
    let loaded_events = run(&fresh, Command::LoadCheckpoint(checkpoint));
    assert_eq!(model_in(&loaded_events).split.as_ref(), Some(split));
    let predictions = item_tags_in(&loaded_events).expect("every item's tags");

    // Export: both formats parse back and agree with what the window lists.
    let sources = TagSources {
        catalogue: &ready.catalogue,
        vocabulary: vocab,
        described: &ready.item_tags,
        corrections: &corrections,
        predictions: Some(&predictions),
        split: Some(split),
    };
    let records = sources.records();
    let jsonl = dir.path().join("tags.jsonl");
    let csv_path = dir.path().join("tags.csv");
    export::write(&jsonl, &records).expect("jsonl written");
    export::write(&csv_path, &records).expect("csv written");
    let back: Vec<TagRecord> = std::fs::read_to_string(&jsonl)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(back.len(), items.len());
    for (i, record) in back.iter().enumerate() {
        assert_eq!(record.id, items[i].id);
        assert_eq!(record.split, split.role(i));
        let listed: Vec<(String, f32)> = record
            .predicted
            .iter()
            .map(|t| (t.tag.clone(), t.probability))
            .collect();
        assert_eq!(listed, shown(&predictions, i), "item {i}");
    }
    assert!(back[0].corrected_tags.contains(&added));
    assert!(!back[0].corrected_tags.contains(&dropped));
    assert!(back[1].corrected_tags.is_empty() && back[1].checked_by_user);
    check_csv(
        &std::fs::read(&csv_path).expect("read"),
        &predictions,
        &records,
    );
}

/// The CSV has one row per item whose predicted tags and probabilities are the window's.
fn check_csv(bytes: &[u8], predictions: &ItemPredictions, records: &[TagRecord]) {
    let mut reader = csv::Reader::from_reader(bytes);
    assert_eq!(
        reader
            .headers()
            .expect("a header")
            .iter()
            .collect::<Vec<_>>(),
        export::CSV_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), records.len());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(&row[0], records[i].id);
        assert_eq!(&row[1], records[i].split.as_str());
        assert_eq!(
            row[3].split('|').filter(|t| !t.is_empty()).count(),
            records[i].corrected_tags.len()
        );
        let expected = shown(predictions, i);
        let names: Vec<&str> = row[7].split('|').filter(|t| !t.is_empty()).collect();
        assert_eq!(
            names,
            expected.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
        );
        for (pair, (name, p)) in row[8].split('|').filter(|t| !t.is_empty()).zip(&expected) {
            let (tag, value) = pair.split_once(':').expect("tag:probability");
            assert_eq!(tag, name);
            let value: f32 = value.parse().expect("a number");
            // Written with three decimals: half a unit of the last place, plus f32 rounding.
            assert!((value - p).abs() <= 0.0005 + 1e-6, "{tag}: {value} vs {p}");
        }
    }
}

#[test]
fn the_export_command_writes_csv_and_refuses_an_unknown_extension() {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let checkpoints = dir.path().join("checkpoints");
    let w = worker(checkpoints.clone());
    run(&w, Command::SetCatalogue(demo()));
    train(&w);
    drop(w);
    // The data folder is a scratch one (no corrections there); the weights are the installed.
    let weights =
        vitrine::vision::default_weights_path(vitrine::vision::BackboneKind::EfficientNetLite0);
    let vitrine = |out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(["export", "tags", "--out", out, "--checkpoints"])
            .arg(&checkpoints)
            .arg("--backbone-weights")
            .arg(&weights)
            .env(vitrine::paths::DATA_DIR_ENV, dir.path().join("data"))
            .env(
                vitrine::paths::CACHE_DIR_ENV,
                std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-cli-cache"),
            )
            .output()
            .expect("vitrine runs")
    };
    let bad = vitrine(dir.path().join("tags.xlsx").to_str().expect("utf-8"));
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains(".csv") && said.contains(".jsonl"), "{said}");

    let out = dir.path().join("tags.csv");
    let ok = vitrine(out.to_str().expect("utf-8"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let mut reader = csv::Reader::from_path(&out).expect("a CSV file");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 240);
    let validation = rows.iter().filter(|r| &r[1] == "validation").count();
    let train_rows = rows.iter().filter(|r| &r[1] == "train").count();
    assert!(
        validation > 40 && train_rows > 2 * validation,
        "{validation} / {train_rows}"
    );
    assert!(
        rows.iter().any(|r| !r[7].is_empty()),
        "the model's predictions are in the file"
    );
}
