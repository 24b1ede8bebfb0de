//! Shared helpers for the end-to-end tests: a worker on the demo catalogue with its files in
//! test folders, and ways to wait for a request's events without timing assertions.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vitrine::catalogue::{self, Catalogue};
use vitrine::engine::protocol::{CatalogueEmbeddings, EngineFailure, ItemPredictions, RunEnd};
use vitrine::engine::{Command, EngineOptions, Event, EventBody, RequestId, Worker};

/// Generous cap on how long a test waits for the worker; a hang fails instead of blocking CI.
pub const WAIT_CAP: Duration = Duration::from_secs(900);

/// The demo catalogue, shared.
pub fn demo() -> Arc<Catalogue> {
    Arc::new(catalogue::demo().expect("demo catalogue"))
}

/// Engine options writing checkpoints to `checkpoints` and sharing one embedding cache per test
/// binary (the pretrained embeddings are the same for every test).
pub fn options(checkpoints: PathBuf) -> EngineOptions {
    EngineOptions {
        checkpoint_root: checkpoints,
        cache_root: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("embedding-cache"),
        ..EngineOptions::default()
    }
}

/// A worker with no repaint callback.
pub fn worker(checkpoints: PathBuf) -> Worker {
    Worker::spawn(options(checkpoints), Box::new(|| {})).expect("spawn worker")
}

/// The next event, failing the test when the worker is silent for [`WAIT_CAP`].
pub fn next_event(worker: &Worker, started: Instant) -> Event {
    let left = WAIT_CAP.saturating_sub(started.elapsed());
    assert!(
        !left.is_zero(),
        "the worker did not answer within {WAIT_CAP:?}"
    );
    worker
        .events()
        .recv_timeout(left)
        .expect("worker ended or did not answer")
}

/// Every event body of `request` up to its terminal one (included); `on_event` sees each as
/// it comes (to stop a run, say). Events of other requests are skipped.
pub fn follow(
    worker: &Worker,
    request: RequestId,
    mut on_event: impl FnMut(&EventBody),
) -> Vec<EventBody> {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let event = next_event(worker, started);
        if event.request != request {
            continue;
        }
        on_event(&event.body);
        let terminal = event.is_terminal();
        seen.push(event.body);
        if terminal {
            return seen;
        }
    }
}

/// Sends `command` and returns its events; the test fails if the request fails.
pub fn run(worker: &Worker, command: Command) -> Vec<EventBody> {
    let request = worker.send(command).expect("worker alive");
    let events = follow(worker, request, |_| {});
    if let Some(EventBody::Failed(f)) = events.last() {
        panic!("worker failed: {}", f.message);
    }
    events
}

/// Sends `command`, which must fail, and returns the failure and the events before it.
pub fn run_failing(worker: &Worker, command: Command) -> (EngineFailure, Vec<EventBody>) {
    let request = worker.send(command).expect("worker alive");
    let mut events = follow(worker, request, |_| {});
    match events.pop() {
        Some(EventBody::Failed(f)) => (f, events),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The lookalike index announced among `events`.
pub fn embeddings_in(events: &[EventBody]) -> Option<Arc<CatalogueEmbeddings>> {
    events.iter().rev().find_map(|e| match e {
        EventBody::Embeddings(e) => Some(e.clone()),
        _ => None,
    })
}

/// The item tag probabilities announced among `events`.
pub fn item_tags_in(events: &[EventBody]) -> Option<Arc<ItemPredictions>> {
    events.iter().rev().find_map(|e| match e {
        EventBody::ItemTags(p) => Some(p.clone()),
        _ => None,
    })
}

/// How the training run among `events` ended; the test fails if it did not.
pub fn run_end_in(events: &[EventBody]) -> RunEnd {
    events
        .iter()
        .find_map(|e| match e {
            EventBody::Finished(end) => Some(end.clone()),
            _ => None,
        })
        .expect("the run ended")
}
