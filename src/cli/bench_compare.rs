//! `vitrine bench --compare`: the same work timed in vitrine and in PyTorch/numpy
//! (`scripts/bench_pytorch.py`, run with the setup's Python), side by side with the ratios.
//!
//! The two sides alternate: every round runs each group of rows on both sides, one after the
//! other, the side that goes first swapping from round to round, so that a machine whose
//! speed drifts slows both alike. The table gives each side's median over the rounds with
//! the min–max spread, and the ratio of the medians.

mod pytorch;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use vitrine::catalogue::Catalogue;
use vitrine::engine::calibrate::CalibrationKind;
use vitrine::engine::{measure, EngineOptions, TrainConfig, TrainMode};
use vitrine::index::{EmbeddingIndex, LOOKALIKES};
use vitrine::vision::{cpu_model_name, transforms, BackboneKind, CpuFeatures, Precision};

use pytorch::{find_python, get, PyTorchSide};

/// Photos embedded, fine-tuning steps timed and rounds run on each side.
pub struct CompareArgs {
    pub photos: usize,
    pub steps: usize,
    pub rounds: usize,
    pub python: Option<PathBuf>,
}

/// Epochs of the fast-mode row on both sides (fixed: no early stopping, no calibration).
const FAST_EPOCHS: usize = 150;
/// Vectors and dimensions of the query row.
const QUERY_VECTORS: usize = 100_000;
const QUERY_DIM: usize = 1_280;

/// The groups of rows, each one process of the PyTorch script per round.
const GROUPS: [&str; 4] = ["embedding", "finetune", "fast", "query"];

/// One row of the table: its label and every round's figure on each side.
struct Row {
    what: String,
    unit: &'static str,
    /// True when a larger figure is better (a rate); false for times.
    higher_is_better: bool,
    pytorch: Vec<f64>,
    vitrine: Vec<f64>,
}

/// The rows in the order they are printed, by key.
struct Table {
    order: Vec<&'static str>,
    rows: BTreeMap<&'static str, Row>,
}

impl Table {
    fn define(&mut self, key: &'static str, what: String, unit: &'static str, higher: bool) {
        self.order.push(key);
        self.rows.insert(
            key,
            Row {
                what,
                unit,
                higher_is_better: higher,
                pytorch: Vec::new(),
                vitrine: Vec::new(),
            },
        );
    }

    fn vitrine(&mut self, key: &str, value: f64) {
        if let Some(row) = self.rows.get_mut(key) {
            row.vitrine.push(value);
        }
    }

    fn pytorch(&mut self, key: &str, value: Option<f64>) {
        if let (Some(row), Some(value)) = (self.rows.get_mut(key), value) {
            row.pytorch.push(value);
        }
    }

    fn print(&self) {
        println!(
            "| {:<74} | {:>24} | {:>24} | {:>6} |",
            "work", "PyTorch / numpy", "vitrine", "speed"
        );
        println!(
            "|{}|{}|{}|{}|",
            "-".repeat(76),
            "-".repeat(26),
            "-".repeat(26),
            "-".repeat(8)
        );
        for key in &self.order {
            let row = &self.rows[key];
            if row.vitrine.is_empty() {
                continue;
            }
            let ratio = match (median(&row.pytorch), median(&row.vitrine)) {
                (Some(p), Some(v)) if p > 0.0 && v > 0.0 => {
                    let r = if row.higher_is_better { v / p } else { p / v };
                    format!("{r:.2}x")
                }
                _ => "—".into(),
            };
            println!(
                "| {:<74} | {:>24} | {:>24} | {:>6} |",
                row.what,
                spread(&row.pytorch, row.unit),
                spread(&row.vitrine, row.unit),
                ratio
            );
        }
    }
}

fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// `median (min–max) unit`, or a dash when there is no figure.
fn spread(values: &[f64], unit: &str) -> String {
    let fmt = |v: f64| {
        if v >= 100.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    let Some(mid) = median(values) else {
        return "—".into();
    };
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.len() == 1 {
        format!("{} {unit}", fmt(mid))
    } else {
        format!("{} ({}–{}) {unit}", fmt(mid), fmt(min), fmt(max))
    }
}

/// What vitrine's side needs across the rounds, made once.
struct VitrineSide {
    options: EngineOptions,
    catalogue: Arc<Catalogue>,
    paths: Vec<PathBuf>,
    images: Vec<image::RgbImage>,
    steps: usize,
    query_index: Option<EmbeddingIndex>,
}

/// Prints the machine, then every comparison row after `args.rounds` alternated rounds.
pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let options = EngineOptions::default();
    let threads = tch::get_num_threads();
    let cores = rayon::current_num_threads();
    let features = CpuFeatures::detect();
    let rounds = args.rounds.max(1);
    println!(
        "CPU: {} — {} logical CPUs; flags: {}",
        cpu_model_name().unwrap_or_else(|| "unknown".into()),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        features.names().join(" ")
    );
    println!(
        "vitrine: libtorch {threads} threads, {} decoding threads, inference in {}, device {:?}, \
         index search on {cores} threads",
        options.decode_threads, options.precision, options.device
    );
    let catalogue = Arc::new(vitrine::catalogue::demo().context("cannot open the demo catalogue")?);
    let mut side = VitrineSide {
        paths: (0..args.photos)
            .map(|i| {
                catalogue.items[i % catalogue.items.len()]
                    .image_path
                    .clone()
            })
            .collect(),
        images: catalogue
            .items
            .iter()
            .take(32)
            .filter_map(|i| transforms::load_prepared(&i.image_path, 224).ok())
            .collect(),
        catalogue,
        options,
        steps: args.steps,
        query_index: None,
    };
    let python = match find_python(args.python.as_deref()) {
        Some(python) => Ok(PyTorchSide {
            python,
            threads,
            decode_threads: side.options.decode_threads,
            photos: args.photos,
            steps: args.steps,
        }),
        None => Err(
            "no Python environment from scripts/setup.sh was found (set \
                     VITRINE_DEPS_DIR or --python)"
                .to_string(),
        ),
    };
    let mut table = define_rows(&side, args, cores);
    let mut pytorch_error = python.as_ref().err().cloned();
    let mut versions = None;
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        for (g, group) in GROUPS.iter().enumerate() {
            // The side that goes first swaps from group to group and from round to round.
            let vitrine_first = (round + g) % 2 == 0;
            if vitrine_first {
                vitrine_group(&mut side, group, &mut table)?;
            }
            if let (Ok(py), None) = (&python, &pytorch_error) {
                match py.run(group) {
                    Ok(out) => {
                        pytorch_group(&out, group, args.photos, &mut table);
                        versions.get_or_insert(out);
                    }
                    Err(why) => pytorch_error = Some(why),
                }
            }
            if !vitrine_first {
                vitrine_group(&mut side, group, &mut table)?;
            }
        }
    }
    match (&versions, &pytorch_error) {
        (_, Some(why)) => println!("PyTorch figures are not available: {why}."),
        (Some(p), None) => println!(
            "PyTorch {} ({} threads, f32, eager), numpy {}",
            p["torch"].as_str().unwrap_or("?"),
            p["threads"],
            p["numpy"].as_str().unwrap_or("?")
        ),
        (None, None) => {}
    }
    println!(
        "{rounds} rounds; each round runs every group of rows on both sides in turn, the side \
         that goes first alternating. Figures: median (min–max) over the rounds."
    );
    table.print();
    println!(
        "speed: the ratio of the medians, vitrine's over PyTorch's for rates, PyTorch's over \
         vitrine's for times (above 1: vitrine is faster)."
    );
    Ok(())
}

fn define_rows(side: &VitrineSide, args: &CompareArgs, cores: usize) -> Table {
    let mut t = Table {
        order: Vec::new(),
        rows: BTreeMap::new(),
    };
    let n = args.photos;
    let precision = side.options.precision;
    t.define(
        "embed",
        format!("embedding {n} photos (decode + resize + forward, batch 32), vitrine {precision}"),
        "photos/s",
        true,
    );
    let stages: [(&str, &str); 6] = [
        ("decode", "  decode (one thread), per photo"),
        ("resize", "  resize (one thread), per photo"),
        ("to_tensor", "  to tensor, per photo"),
        (
            "fwd_unfolded",
            "  forward, per photo: PyTorch f32 / vitrine f32, batch norm unfolded",
        ),
        (
            "fwd_folded",
            "  forward, per photo: PyTorch f32 / vitrine f32, batch norm folded",
        ),
        (
            "fwd_bf16",
            "  forward, per photo: PyTorch f32 / vitrine bf16, batch norm folded",
        ),
    ];
    for (key, what) in stages {
        t.define(key, what.to_string(), "ms", false);
    }
    let tune_precision = match precision {
        Precision::Bf16 => "bf16 mixed precision",
        Precision::F32 => "f32",
    };
    t.define(
        "finetune",
        format!(
            "fine-tune Lite0, batch 32, {} steps: PyTorch f32 / vitrine {tune_precision}",
            args.steps
        ),
        "images/s",
        true,
    );
    t.define(
        "fast",
        format!(
            "fast mode on the demo, {FAST_EPOCHS} fixed epochs, no early stopping or calibration"
        ),
        "s",
        false,
    );
    t.define(
        "query",
        format!(
            "top-5 query, {QUERY_VECTORS} x {QUERY_DIM}: numpy f32 / vitrine f16 + int8 scan, {cores} threads"
        ),
        "ms",
        false,
    );
    t
}

/// One round of a group on vitrine's side.
fn vitrine_group(side: &mut VitrineSide, group: &str, table: &mut Table) -> anyhow::Result<()> {
    let kind = BackboneKind::EfficientNetLite0;
    let options = &side.options;
    match group {
        "embedding" => {
            let ips = measure::embedding_images_per_sec(options, kind, &side.paths)?;
            table.vitrine("embed", ips);
            let stages = measure::embedding_stages(options, kind, &side.paths)?;
            let ms = |secs: f64| secs * 1e3 / side.paths.len().max(1) as f64;
            table.vitrine("decode", ms(stages.decode_secs));
            table.vitrine("resize", ms(stages.resize_secs));
            table.vitrine("to_tensor", ms(stages.to_tensor_secs));
            table.vitrine("fwd_unfolded", ms(stages.forward_unfolded_f32_secs));
            table.vitrine("fwd_folded", ms(stages.forward_folded_f32_secs));
            if let Some(bf16) = stages.forward_folded_bf16_secs {
                table.vitrine("fwd_bf16", ms(bf16));
            }
        }
        "finetune" => {
            let ips = measure::training_images_per_sec(
                options,
                kind,
                TrainMode::FineTune,
                32,
                side.steps,
                &side.images,
                50,
            )?;
            table.vitrine("finetune", ips);
        }
        "fast" => table.vitrine("fast", fast_secs(side)?),
        _ => table.vitrine("query", query_ms(side)),
    }
    Ok(())
}

/// A fast-mode run doing what the PyTorch script's does: every epoch, no early stopping, no
/// calibration or threshold search (vitrine also checkpoints each epoch).
fn fast_secs(side: &VitrineSide) -> anyhow::Result<f64> {
    let config = TrainConfig {
        epochs: FAST_EPOCHS,
        patience: 0,
        tune_thresholds: false,
        calibration: CalibrationKind::None,
        calibration_folds: 0,
        ..TrainConfig::for_mode(TrainMode::Fast)
    };
    let scratch = std::env::temp_dir().join(format!("vitrine-bench-{}", std::process::id()));
    let secs = measure::fast_run_secs(&side.options, side.catalogue.clone(), config, &scratch);
    if let Err(e) = std::fs::remove_dir_all(&scratch) {
        if scratch.exists() {
            log::warn!("cannot remove {}: {e}", scratch.display());
        }
    }
    Ok(secs?)
}

/// Milliseconds per top-5 query over the synthetic index (built on first use).
fn query_ms(side: &mut VitrineSide) -> f64 {
    let index = side.query_index.get_or_insert_with(|| {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut index = EmbeddingIndex::new(QUERY_DIM);
        let mut v = vec![0f32; QUERY_DIM];
        for _ in 0..QUERY_VECTORS {
            v.iter_mut().for_each(|x| *x = rng.random::<f32>() - 0.5);
            index.push(&v);
        }
        index
    });
    std::hint::black_box(index.nearest_to_item(0, LOOKALIKES));
    let queries = 20;
    let started = Instant::now();
    for q in 0..queries {
        std::hint::black_box(index.nearest_to_item(q * 37 % QUERY_VECTORS, LOOKALIKES));
    }
    started.elapsed().as_secs_f64() * 1e3 / queries as f64
}

/// One round of a group on PyTorch's side, from the script's output.
fn pytorch_group(out: &Value, group: &str, photos: usize, table: &mut Table) {
    let ms = |secs: Option<f64>| secs.map(|s| s * 1e3 / photos.max(1) as f64);
    match group {
        "embedding" => {
            table.pytorch("embed", get(out, &["embedding", "photos_per_sec"]));
            table.pytorch("to_tensor", ms(get(out, &["embedding", "to_tensor_secs"])));
            let forward = ms(get(out, &["embedding", "forward_secs"]));
            for key in ["fwd_unfolded", "fwd_folded", "fwd_bf16"] {
                table.pytorch(key, forward);
            }
        }
        "finetune" => table.pytorch("finetune", get(out, &["finetune", "images_per_sec"])),
        "fast" => table.pytorch("fast", get(out, &["fast", "secs"])),
        _ => table.pytorch("query", get(out, &["query", "ms_per_query"])),
    }
}
