//! The network in use is never a mix: a stopped or failed fine-tune leaves the engine on a
//! checkpoint of that run (announced) or on the network it had, and vectors are cached only
//! under the identity of the network that computed them.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{demo, embeddings_in, follow, run, run_end_in, run_failing};
use vitrine::engine::protocol::CatalogueEmbeddings;
use vitrine::engine::{
    Command, EngineOptions, EventBody, FailureKind, ModelIdentity, RunOutcome, TrainConfig,
    TrainMode, Worker,
};

/// A worker whose embedding cache lives in `dir` (so this test sees only its own cache).
fn worker_in(dir: &Path, fail_at_step: Option<usize>) -> Worker {
    let options = EngineOptions {
        checkpoint_root: dir.join("checkpoints"),
        cache_root: dir.join("embeddings"),
        fail_at_step,
        ..EngineOptions::default()
    };
    Worker::spawn(options, Box::new(|| {})).expect("spawn worker")
}

fn fine_tune(epochs: usize, batch_size: usize) -> Command {
    Command::Train {
        config: TrainConfig {
            epochs,
            batch_size,
            eval_every_steps: 0,
            ..TrainConfig::for_mode(TrainMode::FineTune)
        },
        resume: None,
    }
}

/// The pretrained embeddings of the demo, as a fresh worker reads them from `dir`'s cache.
fn pretrained_embeddings(dir: &Path) -> Arc<CatalogueEmbeddings> {
    let worker = worker_in(dir, None);
    run(&worker, Command::SetCatalogue(demo()));
    let found = embeddings_in(&run(&worker, Command::Embed)).expect("embeddings");
    assert!(found.model.is_pretrained(), "{}", found.model);
    found
}

fn same_vectors(a: &CatalogueEmbeddings, b: &CatalogueEmbeddings) -> bool {
    (0..a.index.len()).all(|i| a.index.vector(i) == b.index.vector(i))
}

#[test]
fn a_stopped_fine_tune_moves_to_its_checkpoint_and_keeps_the_pretrained_cache_clean() {
    let dir = tempfile::tempdir().unwrap();
    let before = pretrained_embeddings(dir.path());

    let worker = worker_in(dir.path(), None);
    run(&worker, Command::SetCatalogue(demo()));
    let request = worker.send(fine_tune(2, 4)).unwrap();
    let mut steps = 0;
    let events = follow(&worker, request, |e| {
        if matches!(e, EventBody::Progress(_)) {
            steps += 1;
            if steps == 2 {
                worker.stop();
            }
        }
    });
    assert!(matches!(events.last(), Some(EventBody::Done)), "{events:?}");
    let end = run_end_in(&events);
    assert_eq!(end.outcome, RunOutcome::Stopped);
    let ModelIdentity::FineTuned { global_step, .. } = &end.model else {
        panic!("after a stopped fine-tune the engine uses {}", end.model)
    };
    assert!(*global_step >= 2);
    // The window is told which model it now has, and its vectors are that model's.
    let announced = events.iter().find_map(|e| match e {
        EventBody::ModelReady(summary) => Some(summary.identity.clone()),
        _ => None,
    });
    assert_eq!(announced.as_ref(), Some(&end.model));
    assert_eq!(
        embeddings_in(&events).map(|e| e.model.clone()),
        Some(end.model.clone())
    );

    // Opening the catalogue again embeds with the fine-tuned network, under its own name.
    run(&worker, Command::SetCatalogue(demo()));
    let after = embeddings_in(&run(&worker, Command::Embed)).expect("embeddings");
    assert_eq!(after.model, end.model);
    assert!(!same_vectors(&after, &before), "the backbone did change");
    drop(worker);

    // The pretrained cache still holds the pretrained vectors.
    let again = pretrained_embeddings(dir.path());
    assert!(same_vectors(&again, &before));
}

#[test]
fn a_failing_step_leaves_the_last_checkpoint_or_the_previous_network() {
    let dir = tempfile::tempdir().unwrap();
    let before = pretrained_embeddings(dir.path());

    // Fails before any checkpoint: the engine keeps the pretrained network.
    let worker = worker_in(dir.path(), Some(2));
    run(&worker, Command::SetCatalogue(demo()));
    let (failure, events) = run_failing(&worker, fine_tune(1, 32));
    assert_eq!(failure.kind, FailureKind::Network);
    assert!(failure.message.contains("injected failure"), "{failure}");
    assert!(events.iter().any(
        |e| matches!(e, EventBody::Notice(n) if n.contains("keeps using") && n.contains("pretrained"))
    ));
    let found = embeddings_in(&run(&worker, Command::Embed)).expect("embeddings");
    assert!(found.model.is_pretrained(), "{}", found.model);
    assert!(same_vectors(&found, &before));
    drop(worker);

    // Fails after the first epoch's checkpoint (166 training photos: 6 steps of 32): the
    // engine moves to that checkpoint and says so.
    let worker = worker_in(dir.path(), Some(8));
    run(&worker, Command::SetCatalogue(demo()));
    let (failure, events) = run_failing(&worker, fine_tune(2, 32));
    assert_eq!(failure.kind, FailureKind::Network);
    let model = events
        .iter()
        .find_map(|e| match e {
            EventBody::ModelReady(summary) => Some(summary.identity.clone()),
            _ => None,
        })
        .expect("the checkpoint's model is announced");
    assert!(
        matches!(
            &model,
            ModelIdentity::FineTuned {
                epoch: 1,
                global_step: 6,
                ..
            }
        ),
        "{model}"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, EventBody::Notice(n) if n.contains("last checkpoint"))));
    let found = embeddings_in(&run(&worker, Command::Embed)).expect("embeddings");
    assert_eq!(found.model, model);
}

#[test]
fn a_stopped_embedding_pass_keeps_what_it_computed() {
    let dir = tempfile::tempdir().unwrap();
    let first_busy = |worker: &Worker| -> (Vec<EventBody>, usize) {
        let request = worker.send(Command::Embed).unwrap();
        let mut first = None;
        let events = follow(worker, request, |e| {
            if let EventBody::Busy { done, .. } = e {
                first.get_or_insert(*done);
                if *done > 0 {
                    worker.stop();
                }
            }
        });
        (events, first.expect("progress was reported"))
    };
    let worker = worker_in(dir.path(), None);
    run(&worker, Command::SetCatalogue(demo()));
    let (events, cached_at_start) = first_busy(&worker);
    assert_eq!(cached_at_start, 0, "a fresh cache");
    assert!(embeddings_in(&events).is_none(), "stopped before the end");
    drop(worker);

    // A new pass starts from the vectors the stopped one saved.
    let worker = worker_in(dir.path(), None);
    run(&worker, Command::SetCatalogue(demo()));
    let (_, cached_at_start) = first_busy(&worker);
    assert!(
        cached_at_start > 0 && cached_at_start < 240,
        "{cached_at_start} vectors were kept"
    );
}

/// Shard files of the embedding caches under `root`.
fn cache_shards(root: &Path) -> usize {
    let Ok(models) = std::fs::read_dir(root) else {
        return 0;
    };
    models
        .flatten()
        .filter_map(|m| std::fs::read_dir(m.path()).ok())
        .flatten()
        .flatten()
        .filter(|f| f.file_name().to_string_lossy().ends_with(".safetensors"))
        .count()
}

#[test]
fn embeddings_reach_the_disk_in_batches_while_the_pass_runs() {
    let dir = tempfile::tempdir().unwrap();
    let options = EngineOptions {
        checkpoint_root: dir.path().join("checkpoints"),
        cache_root: dir.path().join("embeddings"),
        embedding_save_every_items: 32,
        ..EngineOptions::default()
    };
    let worker = Worker::spawn(options, Box::new(|| {})).expect("spawn worker");
    run(&worker, Command::SetCatalogue(demo()));
    let request = worker.send(Command::Embed).unwrap();
    let mut shards_mid_pass = None;
    follow(&worker, request, |e| {
        if let EventBody::Busy { done, total, .. } = e {
            if shards_mid_pass.is_none() && *done >= 96 && done < total {
                shards_mid_pass = Some(cache_shards(&dir.path().join("embeddings")));
            }
        }
    });
    // Had the process died here, these batches would have been kept.
    let mid = shards_mid_pass.expect("progress in the middle of the pass");
    assert!(mid >= 2, "{mid} batches saved by item 96");
}
