//! `vitrine bench --index`: lookalike search at catalogue scale (100k and 1M vectors with the
//! structure of real embeddings), the approximate graph's recall, build time and memory, and
//! what f16, int8 and PCA projections do to lookalike quality on real catalogues.
//!
//! Synthetic vectors: a real embedding picked at random (from an embedding cache folder,
//! `--index-base`) plus uniform noise whose length is `--index-noise` times the embeddings'
//! typical distance to their mean, so near neighbours exist at every scale as in a catalogue.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use rand::{Rng, SeedableRng};
use vitrine::index::ann::{AnnIndex, AnnSettings};
use vitrine::index::cache::EmbeddingCache;
use vitrine::index::{simd_in_use, EmbeddingIndex, LOOKALIKES};

mod quality;
use quality::quality_rows;

/// Options of the index benchmark.
#[derive(Debug, Args, Clone)]
pub struct IndexBenchArgs {
    /// Run the index benchmark instead of the usual one.
    #[arg(long = "index")]
    pub index: bool,
    /// Embedding cache folder whose vectors give the synthetic ones their structure.
    #[arg(long = "index-base")]
    pub base: Option<PathBuf>,
    /// Noise length relative to the base vectors' distance to their mean.
    #[arg(long = "index-noise", default_value_t = 0.5)]
    pub noise: f32,
    /// Sizes of the synthetic indexes, in vectors.
    #[arg(
        long = "index-sizes",
        value_delimiter = ',',
        default_value = "100000,1000000"
    )]
    pub sizes: Vec<usize>,
    /// Build the approximate graph for sizes of at least this many vectors (0: never).
    #[arg(long = "index-graph-from", default_value_t = 1_000_000)]
    pub graph_from: usize,
    /// Dimensions the graph's vectors are projected to (PCA; 0 keeps all 1,280).
    #[arg(long = "index-graph-dims", default_value_t = AnnSettings::default().projected_dims)]
    pub graph_dims: usize,
    /// Keep the graph in this file: loaded when it is there (the synthetic vectors are the same
    /// on every run), else built and saved there.
    #[arg(long = "index-graph-file")]
    pub graph_file: Option<PathBuf>,
    /// Queries timed per measurement.
    #[arg(long = "index-queries", default_value_t = 30)]
    pub queries: usize,
    /// Catalogues (CSV with a `category` column) whose cached embeddings are scored with
    /// f32 vectors, the index's f16 vectors, int8 codes alone, PCA-256 and PCA-64.
    #[arg(long = "index-eval")]
    pub eval: Vec<PathBuf>,
}

/// Prints one table row.
fn row(what: impl AsRef<str>, value: impl AsRef<str>, note: impl AsRef<str>) {
    println!(
        "| {:<52} | {:>16} | {} |",
        what.as_ref(),
        value.as_ref(),
        note.as_ref()
    );
}

/// Runs the index benchmark.
pub fn run(args: &IndexBenchArgs) -> anyhow::Result<()> {
    println!(
        "vitrine bench --index — {} cores, dot products: {}",
        rayon::current_num_threads(),
        simd_in_use()
    );
    println!("| {:<52} | {:>16} | note |", "measurement", "result");
    println!("|{}|{}|------|", "-".repeat(54), "-".repeat(18));
    for catalogue in &args.eval {
        let folder = args
            .base
            .as_deref()
            .context("--index-eval reads the embeddings of --index-base")?;
        quality_rows(catalogue, folder)?;
    }
    let base = base_vectors(args.base.as_deref())?;
    for &n in &args.sizes {
        size_rows(args, &base, n)?;
    }
    if let Some(peak) = peak_rss_mib() {
        row(
            "peak memory of this benchmark process",
            format!("{peak:.0} MiB"),
            "VmHWM",
        );
    }
    Ok(())
}

/// Real embeddings to build synthetic ones from: every vector of a cache folder, or random
/// ones when there is none.
fn base_vectors(folder: Option<&Path>) -> anyhow::Result<Vec<Vec<f32>>> {
    let dim = 1280;
    if let Some(folder) = folder {
        let cache = EmbeddingCache::open(folder, dim)
            .with_context(|| format!("cannot read the embedding cache {}", folder.display()))?;
        let mut vectors: Vec<(u128, Vec<f32>)> =
            cache.iter().map(|(h, v)| (h, v.to_vec())).collect();
        vectors.sort_by_key(|(h, _)| *h);
        if !vectors.is_empty() {
            println!(
                "synthetic vectors around {} real embeddings of {}",
                vectors.len(),
                folder.display()
            );
            return Ok(vectors.into_iter().map(|(_, v)| v).collect());
        }
    }
    println!("no embedding cache given (--index-base): synthetic vectors around 1,000 random ones");
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    Ok((0..1_000)
        .map(|_| (0..dim).map(|_| rng.random::<f32>()).collect())
        .collect())
}

/// Mean of the base vectors and their typical (RMS) distance to it.
fn spread(base: &[Vec<f32>]) -> (Vec<f32>, f32) {
    let dim = base[0].len();
    let mut mean = vec![0.0f32; dim];
    for v in base {
        mean.iter_mut()
            .zip(v)
            .for_each(|(m, x)| *m += x / base.len() as f32);
    }
    let ms: f32 = base
        .iter()
        .map(|v| {
            v.iter()
                .zip(&mean)
                .map(|(x, m)| (x - m) * (x - m))
                .sum::<f32>()
        })
        .sum::<f32>()
        / base.len() as f32;
    (mean, ms.sqrt())
}

/// `n` synthetic vectors in a mean-centred index (the mean of the base vectors).
fn synthetic_index(base: &[Vec<f32>], n: usize, noise: f32, seed: u64) -> EmbeddingIndex {
    let (mean, radius) = spread(base);
    let dim = mean.len();
    // Uniform noise in [-a, a] has RMS a/√3 per value: scale to the wanted length.
    let a = noise * radius * 3f32.sqrt() / (dim as f32).sqrt();
    let mut index = EmbeddingIndex::with_mean(mean);
    index.reserve(n);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut v = vec![0.0f32; dim];
    for _ in 0..n {
        let b = &base[rng.random_range(0..base.len())];
        v.iter_mut()
            .zip(b)
            .for_each(|(x, y)| *x = y + a * (2.0 * rng.random::<f32>() - 1.0));
        index.push(&v);
    }
    index
}

/// Minimum and median of `times_ms`.
fn min_median(times_ms: &mut [f64]) -> (f64, f64) {
    times_ms.sort_by(f64::total_cmp);
    (times_ms[0], times_ms[times_ms.len() / 2])
}

fn size_rows(args: &IndexBenchArgs, base: &[Vec<f32>], n: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let index = synthetic_index(base, n, args.noise, n as u64);
    let dim = index.dim();
    row(
        format!("build a {n} x {dim} index (f16 vectors + int8 copy)"),
        format!("{:.1} s", started.elapsed().as_secs_f64()),
        format!(
            "{:.0} MiB of vectors",
            index.memory_bytes() as f64 / (1 << 20) as f64
        ),
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let items: Vec<usize> = (0..args.queries.max(1))
        .map(|_| rng.random_range(0..n))
        .collect();
    let mut exact_ms = Vec::new();
    let mut full_ms = Vec::new();
    let mut exact_answers = Vec::new();
    for &item in &items {
        let q = index.raw_vector(item).unwrap_or_default();
        let t = Instant::now();
        let found = index.nearest_exact(&q, LOOKALIKES + 1, None);
        exact_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        std::hint::black_box(index.scores(&q));
        full_ms.push(t.elapsed().as_secs_f64() * 1e3);
        exact_answers.push(found);
    }
    let (min, median) = min_median(&mut exact_ms);
    row(
        format!("top-5 exact query, {n} x {dim}"),
        format!("{median:.2} ms"),
        format!(
            "median (min {min:.2} ms) of {}; int8 scan on {} threads + f32 re-rank of the f16 vectors",
            items.len(),
            rayon::current_num_threads()
        ),
    );
    let (min, median) = min_median(&mut full_ms);
    row(
        format!("cosine of every item (scores), {n} x {dim}"),
        format!("{median:.2} ms"),
        format!(
            "median (min {min:.2} ms); f16 vectors summed in f32, {} threads",
            rayon::current_num_threads()
        ),
    );
    if args.graph_from > 0 && n >= args.graph_from {
        graph_rows(&index, &items, &exact_answers, args)?;
    }
    Ok(())
}

fn graph_rows(
    index: &EmbeddingIndex,
    items: &[usize],
    exact: &[Vec<vitrine::index::Neighbour>],
    args: &IndexBenchArgs,
) -> anyhow::Result<()> {
    let n = index.len();
    let settings = AnnSettings {
        projected_dims: args.graph_dims,
        ..AnnSettings::default()
    };
    let kept = args.graph_file.as_deref().filter(|p| p.is_file());
    let rss_before = current_rss_mib().unwrap_or(0.0);
    let started = Instant::now();
    let graph = match kept {
        Some(path) => AnnIndex::load(path, index)?,
        None => AnnIndex::build_with(index, settings)?,
    };
    let rss_after = current_rss_mib().unwrap_or(0.0);
    if let (Some(path), None) = (&args.graph_file, kept) {
        graph.save(path)?;
    }
    row(
        format!(
            "{} the HNSW graph, {n} vectors",
            if kept.is_some() { "load" } else { "build" }
        ),
        format!(
            "{:.0} s",
            if kept.is_some() {
                started.elapsed().as_secs_f64()
            } else {
                graph.build_secs
            }
        ),
        format!(
            "usearch, f16, {} dims, M {} ef {}; graph {:.0} MiB (RSS +{:.0} MiB)",
            graph.graph_dims(),
            settings.connectivity,
            settings.expansion_add,
            graph.memory_bytes() as f64 / (1 << 20) as f64,
            rss_after - rss_before
        ),
    );
    for expansion in [64usize, 320, 640] {
        graph.set_expansion_search(expansion);
        let mut hits = 0usize;
        let mut total = 0usize;
        let mut times = Vec::new();
        for (&item, exact) in items.iter().zip(exact) {
            let q = index.vector(item).unwrap_or_default();
            let t = Instant::now();
            let found = graph.search(index, &q, LOOKALIKES + 1, None)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            let truth: Vec<usize> = exact.iter().take(LOOKALIKES).map(|f| f.index).collect();
            hits += found
                .iter()
                .take(LOOKALIKES)
                .filter(|f| truth.contains(&f.index))
                .count();
            total += truth.len();
        }
        let (min, median) = min_median(&mut times);
        row(
            format!("HNSW top-5, {n} vectors, ef_search {expansion}"),
            format!("{median:.2} ms"),
            format!(
                "recall@5 {:.3} against exact; min {min:.2} ms; {} candidates re-ranked in f32",
                hits as f64 / total.max(1) as f64,
                graph.rerank_candidates()
            ),
        );
    }
    let path = std::env::temp_dir().join(format!(
        "vitrine-bench-graph-{}.usearch",
        std::process::id()
    ));
    let t = Instant::now();
    graph.save(&path)?;
    let save_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let loaded = AnnIndex::load(&path, index)?;
    row(
        "save / load the graph",
        format!("{save_secs:.1} s / {:.1} s", t.elapsed().as_secs_f64()),
        format!(
            "{:.0} MiB file",
            std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / (1 << 20) as f64
        ),
    );
    drop(loaded);
    // A temporary file left behind is only wasted space.
    let _ = std::fs::remove_file(&path);
    Ok(())
}

fn current_rss_mib() -> Option<f64> {
    proc_status_mib("VmRSS:")
}

fn peak_rss_mib() -> Option<f64> {
    proc_status_mib("VmHWM:")
}

fn proc_status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
