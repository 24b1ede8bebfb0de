//! Shared helpers for the end-to-end tests: a worker on the demo catalogue with its files in
//! test folders, and a way to wait for events without timing assertions.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vitrine::engine::core::EngineOptions;
use vitrine::engine::{Event, Worker};

/// Generous cap on how long a test waits for the worker; a hang fails instead of blocking CI.
pub const WAIT_CAP: Duration = Duration::from_secs(900);

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

/// Receives events until `done` returns true for one, returning every event seen (that one
/// included). Panics on `Failed` unless `allow_failed`, and when the cap is reached.
pub fn collect_until(
    worker: &Worker,
    allow_failed: bool,
    mut done: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let left = WAIT_CAP.saturating_sub(started.elapsed());
        assert!(
            !left.is_zero(),
            "the worker did not answer within {WAIT_CAP:?}"
        );
        let event = worker
            .events()
            .recv_timeout(left)
            .expect("worker ended or did not answer");
        if let Event::Failed(reason) = &event {
            assert!(allow_failed, "worker failed: {reason}");
        }
        let stop = done(&event);
        seen.push(event);
        if stop {
            return seen;
        }
    }
}
