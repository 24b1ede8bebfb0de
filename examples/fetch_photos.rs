//! Benchmark of the photo downloader: imports a catalogue whose photos are web addresses into
//! a given cache folder, then prints the time, what was fetched and the peak memory.
//!
//! `cargo run --example fetch_photos -- CATALOGUE CACHE_DIR [CONNECTIONS]`
//! (`scripts/bench_fetch.sh` serves 2,000 photos on 127.0.0.1 and runs it twice.)

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use vitrine::catalogue::{self, FetchControl, FetchProgress, FetchSettings, ImportOptions};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let catalogue_path = PathBuf::from(args.next().ok_or_else(usage)?);
    let cache_dir = PathBuf::from(args.next().ok_or_else(usage)?);
    let connections = match args.next() {
        Some(n) => n.parse()?,
        None => FetchSettings::default().connections,
    };
    let last: Arc<Mutex<FetchProgress>> = Arc::default();
    let seen = Arc::clone(&last);
    let control = FetchControl {
        settings: FetchSettings {
            cache_dir,
            connections,
            ..FetchSettings::default()
        },
        progress: Some(Arc::new(move |p: FetchProgress| {
            if let Ok(mut slot) = seen.lock() {
                *slot = p;
            }
        })),
        ..FetchControl::default()
    };
    let started = Instant::now();
    let catalogue = catalogue::load_with(&catalogue_path, &ImportOptions::default(), control)?;
    let secs = started.elapsed().as_secs_f64();
    let progress = *last.lock().map_err(|_| anyhow::anyhow!("progress lock"))?;
    println!(
        "items {} | photos {} | downloaded {} | failed {} | connections {connections} | {secs:.2} s | peak memory {} MiB",
        catalogue.items.len(),
        progress.total,
        progress.downloaded,
        progress.failed,
        peak_rss_mib()
    );
    Ok(())
}

fn usage() -> anyhow::Error {
    anyhow::anyhow!("usage: fetch_photos CATALOGUE CACHE_DIR [CONNECTIONS]")
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.0}", kb / 1024.0))
        .unwrap_or_else(|| "?".into())
}
