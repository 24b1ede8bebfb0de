//! Frame-time measurement for the window: how long each frame's update took, summarised in
//! the log every [`REPORT_EVERY_SECS`] seconds (`RUST_LOG=vitrine::frames=info`), with the
//! process's peak resident memory.
//!
//! A line reads `frames: 312 in 5.0 s, update max 12.3 ms, p99 8.1 ms, median 1.2 ms, over
//! 50 ms: 0 (since start: 0, worst 31.0 ms); peak RSS 640 MiB; thumbnails 41 MiB`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Seconds between two summaries in the log.
pub const REPORT_EVERY_SECS: f64 = 5.0;
/// A frame's update taking longer than this is counted as a stall.
pub const SLOW_FRAME_MS: f64 = 50.0;

/// Frame times since the last summary.
#[derive(Debug)]
pub struct FrameStats {
    window_start: Instant,
    update_ms: Vec<f64>,
    slow_since_start: usize,
    worst_since_start_ms: f64,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self::new(Instant::now())
    }
}

/// A summary of the frames of one period.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameSummary {
    /// Frames in the period.
    pub frames: usize,
    /// Length of the period, in seconds.
    pub period_secs: f64,
    /// Slowest update, in milliseconds.
    pub max_ms: f64,
    /// 99th percentile update, in milliseconds.
    pub p99_ms: f64,
    /// Median update, in milliseconds.
    pub median_ms: f64,
    /// Updates over [`SLOW_FRAME_MS`] in the period.
    pub slow: usize,
}

impl FrameStats {
    /// Starts counting at `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            window_start: now,
            update_ms: Vec::new(),
            slow_since_start: 0,
            worst_since_start_ms: 0.0,
        }
    }

    /// Counts one frame whose update took `update`; returns the period's summary when the
    /// period is over (and starts the next).
    pub fn record(&mut self, update: Duration, now: Instant) -> Option<FrameSummary> {
        let ms = update.as_secs_f64() * 1e3;
        self.update_ms.push(ms);
        if ms > SLOW_FRAME_MS {
            self.slow_since_start += 1;
        }
        self.worst_since_start_ms = self.worst_since_start_ms.max(ms);
        let period_secs = now.duration_since(self.window_start).as_secs_f64();
        if period_secs < REPORT_EVERY_SECS {
            return None;
        }
        let mut times = std::mem::take(&mut self.update_ms);
        self.window_start = now;
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        Some(FrameSummary {
            frames: times.len(),
            period_secs,
            max_ms: at(1.0),
            p99_ms: at(0.99),
            median_ms: at(0.5),
            slow: times.iter().filter(|&&t| t > SLOW_FRAME_MS).count(),
        })
    }

    /// Updates over [`SLOW_FRAME_MS`] since the window opened.
    pub fn slow_since_start(&self) -> usize {
        self.slow_since_start
    }

    /// The slowest update since the window opened, in milliseconds.
    pub fn worst_since_start_ms(&self) -> f64 {
        self.worst_since_start_ms
    }
}

/// Peak resident memory of this process in MiB (`VmHWM`, Linux; `None` elsewhere).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

static STATS: Mutex<Option<FrameStats>> = Mutex::new(None);

/// Counts one frame of the window (its update took `update`) and logs the summary when a
/// period ends. `thumbnail_bytes` is what the photo cache holds in memory.
pub fn record_frame(update: Duration, thumbnail_bytes: usize) {
    let now = Instant::now();
    let mut guard = STATS.lock().unwrap_or_else(|e| e.into_inner());
    let stats = guard.get_or_insert_with(|| FrameStats::new(now));
    let Some(s) = stats.record(update, now) else {
        return;
    };
    log::info!(
        target: "vitrine::frames",
        "frames: {} in {:.1} s, update max {:.1} ms, p99 {:.1} ms, median {:.1} ms, over {SLOW_FRAME_MS} ms: {} \
         (since start: {}, worst {:.1} ms); peak RSS {} MiB; thumbnails {:.0} MiB",
        s.frames,
        s.period_secs,
        s.max_ms,
        s.p99_ms,
        s.median_ms,
        s.slow,
        stats.slow_since_start(),
        stats.worst_since_start_ms(),
        peak_rss_mib().map_or("?".to_string(), |m| format!("{m:.0}")),
        thumbnail_bytes as f64 / (1 << 20) as f64,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_summarised_once_it_is_over() {
        let start = Instant::now();
        let mut stats = FrameStats::new(start);
        for i in 0..99 {
            let at = start + Duration::from_millis(10 * i);
            assert!(stats.record(Duration::from_millis(2), at).is_none());
        }
        let end = start + Duration::from_secs_f64(REPORT_EVERY_SECS);
        let s = stats.record(Duration::from_millis(80), end);
        let s = s.expect("the period is over");
        assert_eq!(s.frames, 100);
        assert!((s.max_ms - 80.0).abs() < 1e-9);
        assert!((s.median_ms - 2.0).abs() < 1e-9);
        assert_eq!(s.slow, 1);
        assert_eq!(stats.slow_since_start(), 1);
        assert!(stats.record(Duration::from_millis(1), end).is_none());
    }
}
