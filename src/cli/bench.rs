//! `vitrine bench`: speed measured on this machine, printed as a table.

use std::time::Instant;

use anyhow::Context;
use clap::Args;
use rand::{Rng, SeedableRng};
use vitrine::engine::TrainMode;
use vitrine::engine::{measure, EngineOptions};
use vitrine::index::{EmbeddingIndex, LOOKALIKES, SCAN_QUANTISED_FROM};
use vitrine::text::{extract_tags, tokenize, TagOptions};
use vitrine::vision::{transforms, BackboneKind};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Only the fast measurements (text and queries), no networks.
    #[arg(long)]
    quick: bool,
    /// Optimisation steps timed per training measurement.
    #[arg(long, default_value_t = 3)]
    steps: usize,
    /// Time the same work in PyTorch and numpy (`scripts/bench_pytorch.py`, with the Python
    /// environment `scripts/setup.sh` made) and print both with the ratios.
    #[arg(long)]
    compare: bool,
    /// Rounds of `--compare`: both sides run every row once per round, alternating which goes
    /// first; the table gives the median and the min–max spread.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Photos embedded by `--compare` (the demo's, repeated when more).
    #[arg(long, default_value_t = 64)]
    photos: usize,
    /// The Python to run the PyTorch side with (default: the setup's virtual environment).
    #[arg(long)]
    python: Option<std::path::PathBuf>,
    /// The lookalike index at scale instead (see `--index-*`).
    #[command(flatten)]
    index: super::bench_index::IndexBenchArgs,
}

struct Table {
    rows: Vec<[String; 3]>,
}

impl Table {
    fn row(&mut self, what: impl Into<String>, value: impl Into<String>, note: impl Into<String>) {
        let row = [what.into(), value.into(), note.into()];
        println!("| {:<52} | {:>16} | {} |", row[0], row[1], row[2]);
        self.rows.push(row);
    }
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.index.index {
        return super::bench_index::run(&args.index);
    }
    if args.compare {
        return super::bench_compare::run(&super::bench_compare::CompareArgs {
            photos: args.photos,
            steps: args.steps,
            rounds: args.rounds,
            python: args.python.clone(),
        });
    }
    let catalogue = vitrine::catalogue::demo().context("cannot open the demo catalogue")?;
    let device = vitrine::vision::cuda::device();
    println!(
        "vitrine bench — {} threads for libtorch, device {:?}, inference in {}",
        tch::get_num_threads(),
        device,
        EngineOptions::default().precision
    );
    println!("| {:<52} | {:>16} | note |", "measurement", "result");
    println!("|{}|{}|------|", "-".repeat(54), "-".repeat(18));
    let mut table = Table { rows: Vec::new() };

    // Tag extraction: the demo catalogue, and the same descriptions repeated 50 times.
    let descriptions: Vec<&str> = catalogue
        .items
        .iter()
        .map(|i| i.description.as_str())
        .collect();
    for repeat in [1usize, 50] {
        let texts: Vec<&str> = descriptions
            .iter()
            .copied()
            .cycle()
            .take(descriptions.len() * repeat)
            .collect();
        let tokens: usize = texts.iter().map(|t| tokenize(t).len()).sum();
        let started = Instant::now();
        let tags = extract_tags(&texts, &TagOptions::default());
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        table.row(
            format!("tag extraction, {} items", texts.len()),
            format!("{:.0} items/s", texts.len() as f64 / secs),
            format!(
                "{:.0} tokens/s, {:.1} ms in all, {} tags",
                tokens as f64 / secs,
                secs * 1e3,
                tags.vocabulary.len()
            ),
        );
    }

    // Lookalike queries over random unit vectors of the default backbone's size.
    let dim = BackboneKind::EfficientNetLite0.feature_dim() as usize;
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    for n in [1_000usize, 10_000, 100_000] {
        let mut index = EmbeddingIndex::new(dim);
        let mut v = vec![0f32; dim];
        for _ in 0..n {
            v.iter_mut().for_each(|x| *x = rng.random::<f32>() - 0.5);
            index.push(&v);
        }
        let queries = 20;
        let started = Instant::now();
        for q in 0..queries {
            let found = index.nearest_to_item(q * 37 % n, LOOKALIKES);
            std::hint::black_box(found);
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / queries as f64;
        let how = if n >= SCAN_QUANTISED_FROM {
            format!(
                "f16 vectors: int8 scan on {} threads + f32 re-rank",
                rayon::current_num_threads()
            )
        } else {
            "f16 vectors summed in f32, one thread".to_string()
        };
        table.row(
            format!("top-5 lookalike query, {n} embeddings of {dim} values"),
            format!("{ms:.2} ms"),
            how,
        );
    }
    match_rows(&mut table, &mut rng);
    if !args.quick {
        network_rows(&mut table, &catalogue, args)?;
    }
    if let Some(peak_mib) = peak_memory_mib() {
        table.row(
            "peak memory of this benchmark process",
            format!("{peak_mib:.0} MiB"),
            "VmHWM, includes libtorch",
        );
    }
    Ok(())
}

/// Peak resident memory of this process (Linux), in MiB.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn network_rows(
    table: &mut Table,
    catalogue: &vitrine::catalogue::Catalogue,
    args: &BenchArgs,
) -> anyhow::Result<()> {
    let options = EngineOptions::default();
    let paths: Vec<_> = catalogue
        .items
        .iter()
        .take(64)
        .map(|i| i.image_path.clone())
        .collect();
    for kind in BackboneKind::ALL {
        let ips = measure::embedding_images_per_sec(&options, kind, &paths)?;
        table.row(
            format!("embedding {} photos, {kind}", paths.len()),
            format!("{ips:.1} images/s"),
            "decode + resize + forward, batch 32",
        );
    }
    let images: Vec<_> = catalogue
        .items
        .iter()
        .take(32)
        .filter_map(|i| {
            transforms::load_prepared(&i.image_path, 224)
                .inspect_err(|e| log::warn!("{} left out of the benchmark: {e}", i.id))
                .ok()
        })
        .collect();
    for kind in BackboneKind::ALL {
        for mode in [TrainMode::Fast, TrainMode::FineTune] {
            let steps = if mode == TrainMode::Fast {
                200
            } else {
                args.steps
            };
            let ips =
                measure::training_images_per_sec(&options, kind, mode, 32, steps, &images, 50)?;
            table.row(
                format!("training, {kind}, {mode} mode, batch 32"),
                format!("{ips:.1} images/s"),
                format!("{steps} steps"),
            );
        }
    }
    Ok(())
}

/// Match queries and the export of every item's lookalikes on a synthetic catalogue (random
/// embeddings, palettes and descriptions).
fn match_rows(table: &mut Table, rng: &mut rand::rngs::StdRng) {
    use std::sync::Arc;
    use vitrine::lookalike::colour::lab::Lab;
    use vitrine::lookalike::colour::{CatalogueColours, Palette};
    use vitrine::lookalike::text::TextIndex;
    use vitrine::lookalike::{MatchIndex, Preset, Query};

    let dim = BackboneKind::EfficientNetLite0.feature_dim() as usize;
    let words = [
        "red", "blue", "dress", "shirt", "wool", "cotton", "long", "short", "navy", "pleated",
    ];
    for n in [20_000usize, 100_000] {
        let mut shape = EmbeddingIndex::new(dim);
        let mut v = vec![0f32; dim];
        let mut palettes = Vec::with_capacity(n);
        let mut texts = Vec::with_capacity(n);
        for _ in 0..n {
            v.iter_mut().for_each(|x| *x = rng.random::<f32>() - 0.5);
            shape.push(&v);
            let colour = Lab {
                l: rng.random::<f32>() * 100.0,
                a: rng.random::<f32>() * 120.0 - 60.0,
                b: rng.random::<f32>() * 120.0 - 60.0,
            };
            palettes.push(Some(Palette {
                colours: vec![(colour, 1.0)],
            }));
            texts.push(
                (0..6)
                    .map(|_| words[rng.random_range(0..words.len())])
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let index = MatchIndex::new(
            Arc::new(shape),
            Some(Arc::new(CatalogueColours::from_palettes(&palettes))),
            Arc::new(TextIndex::build(&refs)),
        );
        let weights = Preset::Balanced.weights();
        let started = Instant::now();
        let scores = index.scores(&Query::Item(7));
        let query_ms = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        for _ in 0..20 {
            std::hint::black_box(scores.top(&weights, LOOKALIKES));
        }
        let reweigh_ms = started.elapsed().as_secs_f64() * 1e3 / 20.0;
        table.row(
            format!("Match query (shape + colour + text), {n} items"),
            format!("{query_ms:.1} ms"),
            format!("new weights on the same query: {reweigh_ms:.2} ms"),
        );
        if n == 20_000 {
            let started = Instant::now();
            let done = vitrine::lookalike::export::all_lookalikes(
                &index,
                &weights,
                LOOKALIKES,
                &mut |_, _| true,
            );
            let secs = started.elapsed().as_secs_f64();
            if done.is_ok() {
                table.row(
                    format!("export lookalikes of every item, {n} items"),
                    format!("{secs:.1} s"),
                    "batched matrix products (libtorch); grows with items²",
                );
            }
        }
    }
}
