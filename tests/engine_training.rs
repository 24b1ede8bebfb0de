//! End-to-end tests of the learning engine on the demo catalogue (CPU): fast-mode quality
//! against an honest baseline, checkpoints, resume, stop, and refusal of a mismatched model.

mod common;

use std::collections::HashMap;

use common::{demo, embeddings_in, follow, item_tags_in, run, run_end_in, run_failing, worker};
use vitrine::engine::checkpoint::Checkpoint;
use vitrine::engine::metrics;
use vitrine::engine::protocol::RunStarted;
use vitrine::engine::{Command, EventBody, FailureKind, RunOutcome, TrainConfig, TrainMode};

fn fast_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        ..TrainConfig::for_mode(TrainMode::Fast)
    }
}

/// Trains fast mode on the demo catalogue and returns every event of the catalogue and the
/// training requests.
fn train_fast(worker: &vitrine::engine::Worker, epochs: usize) -> Vec<EventBody> {
    let mut events = run(worker, Command::SetCatalogue(demo()));
    events.extend(run(
        worker,
        Command::Train {
            config: fast_config(epochs),
            resume: None,
        },
    ));
    events
}

fn run_started(events: &[EventBody]) -> std::sync::Arc<RunStarted> {
    events
        .iter()
        .find_map(|e| match e {
            EventBody::TrainingStarted(run) => Some(run.clone()),
            _ => None,
        })
        .expect("the run started")
}

fn checkpoint_epochs(events: &[EventBody]) -> Vec<usize> {
    events
        .iter()
        .filter_map(|e| match e {
            EventBody::Checkpoint { epoch, .. } => Some(*epoch),
            _ => None,
        })
        .collect()
}

#[test]
fn fast_mode_beats_the_most_frequent_tags_baseline_on_validation() {
    let dir = tempfile::tempdir().unwrap();
    let worker = worker(dir.path().to_path_buf());
    let events = train_fast(&worker, TrainConfig::for_mode(TrainMode::Fast).epochs);

    let (vocabulary, item_tags) = events
        .iter()
        .find_map(|e| match e {
            EventBody::CatalogueReady(ready) => {
                Some((ready.vocabulary.clone(), ready.item_tags.clone()))
            }
            _ => None,
        })
        .unwrap();
    let started = run_started(&events);
    let (train, validation) = (&started.train_items, &started.validation_items);
    assert_eq!(train.len() + validation.len(), 237, "items with tags");
    assert!(validation.iter().all(|v| !train.contains(v)));

    // Baseline: every validation item gets the k most frequent training tags, k = the mean
    // number of tags per training item.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &i in train {
        for t in &item_tags[i] {
            *counts.entry(t.as_str()).or_default() += 1;
        }
    }
    let k = (train.iter().map(|&i| item_tags[i].len()).sum::<usize>() as f64 / train.len() as f64)
        .round() as usize;
    let mut by_count: Vec<(usize, &String)> = vocabulary
        .iter()
        .map(|t| (counts.get(t.as_str()).copied().unwrap_or(0), t))
        .collect();
    by_count.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let frequent: Vec<&String> = by_count.iter().take(k).map(|(_, t)| *t).collect();
    let truth: Vec<Vec<bool>> = validation
        .iter()
        .map(|&i| {
            vocabulary
                .iter()
                .map(|t| item_tags[i].contains(t))
                .collect()
        })
        .collect();
    let baseline_pred: Vec<Vec<bool>> = validation
        .iter()
        .map(|_| vocabulary.iter().map(|t| frequent.contains(&t)).collect())
        .collect();
    let baseline = metrics::evaluate(&baseline_pred, &truth, &vocabulary);
    // The model in use: the best epoch, calibrated, with the thresholds it chose.
    let model = events
        .iter()
        .find_map(|e| match e {
            EventBody::ModelReady(s) => s.last_metrics.clone(),
            _ => None,
        })
        .expect("the model's validation scores");
    eprintln!(
        "validation micro-F1: model {:.3} vs baseline {:.3} (k={k}); macro {:.3} vs {:.3}; samples {:.3} vs {:.3}",
        model.micro_f1, baseline.micro_f1, model.macro_f1, baseline.macro_f1,
        model.samples_f1, baseline.samples_f1
    );
    assert!(baseline.micro_f1 > 0.2, "baseline is a real one");
    assert!(
        model.micro_f1 > baseline.micro_f1 + 0.05,
        "model micro-F1 {:.3} does not clearly beat the baseline {:.3}",
        model.micro_f1,
        baseline.micro_f1
    );
    assert!(model.macro_f1 > baseline.macro_f1);
    assert!(model.samples_f1 > baseline.samples_f1);

    // Fast mode checkpoints the last epoch and the best (one checkpoint when they are the
    // same); the best is the run's latest.
    let checkpoints = checkpoint_epochs(&events);
    let epochs_run = *checkpoints.last().expect("a checkpoint");
    assert!(checkpoints.len() <= 2 && checkpoints.iter().all(|&e| e == epochs_run));
    assert!(epochs_run <= TrainConfig::for_mode(TrainMode::Fast).epochs);
    let latest = Checkpoint::latest(dir.path()).expect("latest checkpoint");
    assert_eq!(latest.meta.epochs_completed, epochs_run);
    assert!(latest.meta.tuning.is_some());
    assert_eq!(latest.meta.vocabulary.names(), vocabulary);
}

#[test]
fn lookalikes_find_a_flipped_copy_and_are_mostly_the_same_garment() {
    let dir = tempfile::tempdir().unwrap();
    let worker = worker(dir.path().to_path_buf());
    let catalogue = demo();
    run(&worker, Command::SetCatalogue(catalogue.clone()));
    let embedded = embeddings_in(&run(&worker, Command::Embed)).expect("embeddings");
    assert_eq!(embedded.index.len(), 240);
    assert_eq!(embedded.vectors_present(), 240);
    assert!(embedded.model.is_pretrained());
    let index = &embedded.index;

    // Per category, how often each category appears among the items' 5 lookalikes.
    let category = |i: usize| catalogue.items[i].attributes["category"].clone();
    let mut found: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for i in 0..catalogue.items.len() {
        for n in index.nearest_to_item(i, 5) {
            *found
                .entry(category(i))
                .or_default()
                .entry(category(n.index))
                .or_default() += 1;
        }
    }
    let share = |c: &str| found[c].get(c).copied().unwrap_or(0) as f64 / 100.0; // 20 items x 5
    let overall = found.keys().map(|c| share(c)).sum::<f64>() / found.len() as f64;
    eprintln!(
        "same-category lookalikes: dresses {:.2}, all {overall:.2}",
        share("Dress")
    );
    // Each kind of garment finds its own kind more than any other, dresses included (chance
    // would be 8%); dresses are hard (skirts and shirts look alike), so the bar is plurality.
    for (cat, counts) in &found {
        let (top, n) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
        assert_eq!(top, cat, "lookalikes of {cat} are mostly {top} ({n})");
    }
    let dress = &found["Dress"];
    let runner_up = dress
        .iter()
        .filter(|(c, _)| c.as_str() != "Dress")
        .map(|(_, n)| *n)
        .max()
        .unwrap();
    assert!(dress["Dress"] >= 2 * runner_up, "{dress:?}");
    assert!(share("Dress") > 0.35);
    assert!(overall > 0.55);

    // A mirrored copy of a photo finds the original first.
    let original = 2; // a dress
    let img = image::open(&catalogue.items[original].image_path).unwrap();
    let flipped = dir.path().join("flipped.png");
    img.fliph().save(&flipped).unwrap();
    let events = run(&worker, Command::Predict(flipped.clone()));
    let Some(EventBody::Prediction(p)) = events
        .iter()
        .find(|e| matches!(e, EventBody::Prediction(_)))
    else {
        panic!("no prediction")
    };
    assert_eq!(
        p.model, embedded.model,
        "compared with vectors of the same network"
    );
    assert_eq!(p.lookalikes.len(), 5);
    assert_eq!(p.lookalikes[0].index, original, "{:?}", p.lookalikes);
    assert!(p.lookalikes[0].score > 0.8, "{:?}", p.lookalikes);
    assert!(p.tags.is_none(), "no model yet, so no tags");
}

#[test]
fn checkpoints_round_trip_resume_and_refuse_another_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let first = worker(dir.path().to_path_buf());
    let events = train_fast(&first, 3);
    let trained = item_tags_in(&events)
        .expect("item tags")
        .probabilities
        .clone();
    drop(first);
    let ck = Checkpoint::latest(dir.path()).unwrap();
    assert_eq!(ck.meta.epochs_completed, 3);
    assert_eq!(ck.meta.history.evals.len(), 3);

    // A new worker loading the checkpoint predicts exactly the same.
    let second = worker(dir.path().to_path_buf());
    run(&second, Command::SetCatalogue(demo()));
    let events = run(&second, Command::LoadCheckpoint(ck.dir.clone()));
    assert_eq!(
        trained,
        item_tags_in(&events).expect("item tags").probabilities
    );

    // Resume continues the epoch count and the history.
    let events = run(
        &second,
        Command::Train {
            config: TrainConfig {
                epochs: 5,
                ..ck.meta.config.clone()
            },
            resume: Some(ck.dir.clone()),
        },
    );
    let started = run_started(&events);
    assert_eq!((started.start_epoch, started.history.evals.len()), (3, 3));
    assert_eq!(checkpoint_epochs(&events).last(), Some(&5));
    let resumed = Checkpoint::latest(dir.path()).unwrap();
    assert_eq!(resumed.meta.run_id, ck.meta.run_id);
    assert_eq!(resumed.meta.epochs_completed, 5);
    assert_eq!(resumed.meta.history.evals.len(), 5);
    let summary = |evals: &[vitrine::engine::checkpoint::EvalPoint]| -> Vec<(usize, f32, f32)> {
        evals
            .iter()
            .map(|e| (e.step, e.epoch, e.metrics.micro_f1))
            .collect()
    };
    assert_eq!(
        summary(&resumed.meta.history.evals[..3]),
        summary(&ck.meta.history.evals)
    );
    assert_eq!(resumed.meta.history.evals[4].metrics.per_tag.len(), 50);
    assert!(resumed.meta.global_step > ck.meta.global_step);

    // A catalogue with other descriptions has another vocabulary: the model is refused.
    let mut other = (*demo()).clone();
    other.items.truncate(40);
    for item in &mut other.items {
        item.description = "A plain cotton tote bag with long handles.".into();
    }
    run(&second, Command::SetCatalogue(std::sync::Arc::new(other)));
    let (failure, _) = run_failing(&second, Command::LoadCheckpoint(ck.dir.clone()));
    assert_eq!(failure.kind, FailureKind::Checkpoint);
    assert!(
        failure.message.contains("different tag vocabulary"),
        "{failure}"
    );

    // Not a checkpoint at all.
    let (failure, _) = run_failing(&second, Command::LoadCheckpoint(dir.path().join("nowhere")));
    assert!(
        failure.message.contains("not a vitrine checkpoint"),
        "{failure}"
    );
}

#[test]
fn stop_mid_epoch_keeps_a_loadable_fine_tuned_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let worker = worker(dir.path().to_path_buf());
    run(&worker, Command::SetCatalogue(demo()));
    let request = worker
        .send(Command::Train {
            config: TrainConfig {
                epochs: 2,
                batch_size: 4,
                eval_every_steps: 0,
                ..TrainConfig::for_mode(TrainMode::FineTune)
            },
            resume: None,
        })
        .unwrap();
    let mut progress_seen = 0;
    let events = follow(&worker, request, |e| {
        if let EventBody::Progress(p) = e {
            progress_seen += 1;
            assert_eq!(p.epoch, 1);
            assert!(p.loss.is_finite() && p.loss > 0.0);
            if progress_seen == 2 {
                worker.stop();
            }
        }
    });
    assert!(matches!(events.last(), Some(EventBody::Done)));
    let end = run_end_in(&events);
    assert_eq!(end.outcome, RunOutcome::Stopped);
    assert_eq!(end.epochs_completed, 0);
    let path = end.checkpoint.clone().expect("a checkpoint on stop");
    let ck = Checkpoint::load(&path).expect("loadable");
    assert!(ck.meta.stopped_mid_epoch);
    assert!(ck.meta.includes_backbone);
    assert!(ck.meta.global_step >= 2);

    let events = run(&worker, Command::LoadCheckpoint(path));
    let probabilities = item_tags_in(&events)
        .expect("item tags")
        .probabilities
        .clone();
    assert_eq!(probabilities.len(), 240);
    assert!(probabilities
        .iter()
        .all(|p| p.as_ref().is_some_and(|p| p.len() == 50)));
}

#[test]
fn a_corrupt_photo_is_explained_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let worker = worker(dir.path().to_path_buf());
    let bad = dir.path().join("not-a-photo.jpg");
    std::fs::write(&bad, b"this is a text file, not a JPEG").unwrap();
    let (failure, _) = run_failing(&worker, Command::Predict(bad));
    assert_eq!(failure.kind, FailureKind::Photo);
    assert!(failure.message.contains("not-a-photo.jpg"), "{failure}");
    // The worker lives on.
    let (failure, _) = run_failing(&worker, Command::Predict(dir.path().join("missing.png")));
    assert!(failure.message.contains("missing.png"), "{failure}");
}
