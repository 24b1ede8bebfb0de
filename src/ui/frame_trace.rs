//! Where a slow frame's time went: the window's update is split into named phases, and a
//! frame over [`SLOW_FRAME_MS`] logs each phase's time (`RUST_LOG=vitrine::frames=info`), as
//! does any single worker event that took long to take in. This is how stalls are found;
//! the periodic summary lives in [`super::frame_stats`].

use std::time::{Duration, Instant};

use super::frame_stats::SLOW_FRAME_MS;
use crate::engine::EventBody;

/// A worker event taking longer than this to take in is logged on its own.
pub const SLOW_EVENT_MS: f64 = 10.0;

/// The phases of one frame's update, timed one after the other.
#[derive(Debug)]
pub struct FrameTrace {
    started: Instant,
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl FrameTrace {
    /// Starts timing a frame.
    pub fn start() -> Self {
        let now = Instant::now();
        Self {
            started: now,
            last: now,
            phases: Vec::with_capacity(8),
        }
    }

    /// Ends the phase `name` (it began at the previous mark or at the start).
    pub fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push((name, now - self.last));
        self.last = now;
    }

    /// The whole frame so far.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The phases, longest first, as `name 12.3 ms, …`.
    pub fn describe(&self) -> String {
        let mut phases = self.phases.clone();
        phases.sort_by_key(|p| std::cmp::Reverse(p.1));
        phases
            .iter()
            .map(|(name, d)| format!("{name} {:.1} ms", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Logs the phases when the frame was slow.
    pub fn finish(&self) {
        let ms = self.elapsed().as_secs_f64() * 1e3;
        if ms > SLOW_FRAME_MS {
            log::info!(target: "vitrine::frames", "slow frame {ms:.1} ms: {}", self.describe());
        }
    }
}

/// Logs a worker event that took long to take in (`took` is the time `handle` spent on it).
pub fn note_event(name: &str, took: Duration) {
    let ms = took.as_secs_f64() * 1e3;
    if ms > SLOW_EVENT_MS {
        log::info!(target: "vitrine::frames", "taking in {name} took {ms:.1} ms");
    }
}

/// A short name for an event's kind (for the log).
pub fn event_name(body: &EventBody) -> &'static str {
    match body {
        EventBody::CatalogueReady(_) => "CatalogueReady",
        EventBody::Busy { .. } => "Busy",
        EventBody::Embeddings(_) => "Embeddings",
        EventBody::ItemTags(_) => "ItemTags",
        EventBody::Prediction(_) => "Prediction",
        EventBody::VocabularyReady(_) => "VocabularyReady",
        EventBody::MatchParts(_) => "MatchParts",
        EventBody::ModelReady(_) => "ModelReady",
        EventBody::Done => "Done",
        EventBody::Failed(_) => "Failed",
        _ => "another event",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_described_longest_first() {
        let mut trace = FrameTrace::start();
        trace.phases.push(("short", Duration::from_millis(2)));
        trace.phases.push(("long", Duration::from_millis(70)));
        assert_eq!(trace.describe(), "long 70.0 ms, short 2.0 ms");
        trace.mark("tail");
        assert_eq!(trace.phases.last().map(|p| p.0), Some("tail"));
        assert!(trace.elapsed() >= trace.phases[2].1);
    }
}
