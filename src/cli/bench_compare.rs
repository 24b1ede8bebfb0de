//! `vitrine bench --compare`: the same work timed in vitrine and in PyTorch/numpy
//! (`scripts/bench_pytorch.py`, run with the setup's Python), side by side with the ratios.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use vitrine::engine::{measure, EngineOptions, TrainMode};
use vitrine::index::{EmbeddingIndex, LOOKALIKES};
use vitrine::vision::{cpu_model_name, transforms, BackboneKind, CpuFeatures};

/// Photos embedded and fine-tuning steps timed on each side.
pub struct CompareArgs {
    pub photos: usize,
    pub steps: usize,
    pub python: Option<PathBuf>,
}

/// The setup's Python: `$VITRINE_DEPS_DIR/venv`, next to the libtorch this binary was built
/// against, or the repository's `.deps/venv` (see `scripts/setup.sh`).
fn find_python(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let mut deps_dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("VITRINE_DEPS_DIR") {
        deps_dirs.push(dir.into());
    }
    if let Some(libtorch) = option_env!("LIBTORCH") {
        if let Some(parent) = Path::new(libtorch).parent() {
            deps_dirs.push(parent.to_path_buf());
        }
    }
    deps_dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps"));
    deps_dirs
        .into_iter()
        .map(|d| d.join("venv").join("bin").join("python"))
        .find(|p| p.is_file())
}

/// Runs the PyTorch side; `Err` says in words why there are no PyTorch figures.
fn run_pytorch(args: &CompareArgs, threads: i32, decode_threads: usize) -> Result<Value, String> {
    let python = find_python(args.python.as_deref()).ok_or(
        "no Python environment from scripts/setup.sh was found (set VITRINE_DEPS_DIR or \
         --python)",
    )?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_pytorch.py");
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images");
    eprintln!("running {} {} ...", python.display(), script.display());
    let output = Command::new(&python)
        .arg(&script)
        .args(["--threads", &threads.to_string()])
        .args(["--decode-threads", &decode_threads.to_string()])
        .args(["--count", &args.photos.to_string()])
        .args(["--steps", &args.steps.to_string()])
        .arg("--photos")
        .arg(&photos)
        .output()
        .map_err(|e| format!("{} cannot be run: {e}", python.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        return Err(format!(
            "the PyTorch script failed ({}): {last}",
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| format!("the PyTorch script printed no JSON ({e})"))
}

/// One row: the PyTorch figure, vitrine's, and vitrine's speed relative to PyTorch.
struct Row {
    what: String,
    pytorch: Option<f64>,
    vitrine: f64,
    unit: &'static str,
    /// True when a larger figure is better (a rate); false for times.
    higher_is_better: bool,
}

impl Row {
    fn print(&self) {
        let fmt = |v: f64| {
            if v >= 100.0 {
                format!("{v:.0} {}", self.unit)
            } else {
                format!("{v:.2} {}", self.unit)
            }
        };
        let (theirs, ratio) = match self.pytorch {
            Some(p) if p > 0.0 && self.vitrine > 0.0 => {
                let r = if self.higher_is_better {
                    self.vitrine / p
                } else {
                    p / self.vitrine
                };
                (fmt(p), format!("{r:.2}x"))
            }
            _ => ("—".to_string(), "—".to_string()),
        };
        println!(
            "| {:<58} | {:>16} | {:>16} | {:>8} |",
            self.what,
            theirs,
            fmt(self.vitrine),
            ratio
        );
    }
}

fn get(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

/// Prints the machine, then every comparison row.
pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let options = EngineOptions::default();
    let threads = tch::get_num_threads();
    let features = CpuFeatures::detect();
    println!(
        "CPU: {} — {} logical CPUs; flags: {}",
        cpu_model_name().unwrap_or_else(|| "unknown".into()),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        features.names().join(" ")
    );
    println!(
        "vitrine: libtorch {threads} threads, {} decoding threads, inference in {}, device {:?}",
        options.decode_threads, options.precision, options.device
    );
    let pytorch = run_pytorch(args, threads, options.decode_threads);
    match &pytorch {
        Ok(p) => println!(
            "PyTorch {} ({} threads, f32, eager), numpy {}",
            p["torch"].as_str().unwrap_or("?"),
            p["threads"],
            p["numpy"].as_str().unwrap_or("?")
        ),
        Err(why) => println!("PyTorch figures are not available: {why}; vitrine's alone follow."),
    }
    let py = pytorch.as_ref().ok();
    let pyf = |path: &[&str]| py.and_then(|p| get(p, path));
    if let Some(err) = py.and_then(|p| p["embedding"]["error"].as_str()) {
        println!("PyTorch embedding row: {err}");
    }
    println!(
        "| {:<58} | {:>16} | {:>16} | {:>8} |",
        "work", "PyTorch / numpy", "vitrine", "speed"
    );
    println!(
        "|{}|{}|{}|{}|",
        "-".repeat(60),
        "-".repeat(18),
        "-".repeat(18),
        "-".repeat(10)
    );
    let note = embedding_rows(args, &options, &pyf)?;
    training_rows(args, &options, &pyf)?;
    query_row(&pyf).print();
    if let Some(note) = note {
        println!("{note}");
    }
    println!("speed: vitrine's figure over PyTorch's for rates, PyTorch's over vitrine's for times (above 1: vitrine is faster).");
    Ok(())
}

type PyFigure<'a> = dyn Fn(&[&str]) -> Option<f64> + 'a;

/// The embedding rows; returns a note to print under the table.
fn embedding_rows(
    args: &CompareArgs,
    options: &EngineOptions,
    pyf: &PyFigure,
) -> anyhow::Result<Option<String>> {
    let catalogue = vitrine::catalogue::demo().context("cannot open the demo catalogue")?;
    let paths: Vec<PathBuf> = (0..args.photos)
        .map(|i| {
            catalogue.items[i % catalogue.items.len()]
                .image_path
                .clone()
        })
        .collect();
    let kind = BackboneKind::EfficientNetLite0;
    let ips = measure::embedding_images_per_sec(options, kind, &paths)?;
    let n = paths.len();
    Row {
        what: format!("embedding {n} photos (decode + resize + forward, batch 32)"),
        pytorch: pyf(&["embedding", "photos_per_sec"]),
        vitrine: ips,
        unit: "photos/s",
        higher_is_better: true,
    }
    .print();
    let stages = measure::embedding_stages(options, kind, &paths)?;
    let py_forward = pyf(&["embedding", "forward_secs"]);
    let per_photo_ms = |secs: f64| secs * 1e3 / n.max(1) as f64;
    let stage = |what: &str, py: Option<f64>, secs: f64| Row {
        what: format!("  {what}, per photo"),
        pytorch: py.map(per_photo_ms),
        vitrine: per_photo_ms(secs),
        unit: "ms",
        higher_is_better: false,
    };
    stage("decode (one thread)", None, stages.decode_secs).print();
    stage("resize (one thread)", None, stages.resize_secs).print();
    stage(
        "to tensor",
        pyf(&["embedding", "to_tensor_secs"]),
        stages.to_tensor_secs,
    )
    .print();
    stage(
        "forward, f32, batch norm unfolded",
        py_forward,
        stages.forward_unfolded_f32_secs,
    )
    .print();
    stage(
        "forward, f32, batch norm folded",
        py_forward,
        stages.forward_folded_f32_secs,
    )
    .print();
    if let Some(bf16) = stages.forward_folded_bf16_secs {
        stage("forward, bf16, batch norm folded", py_forward, bf16).print();
    }
    Ok(pyf(&["embedding", "decode_resize_secs"]).map(|secs| {
        format!(
            "PyTorch side: decode + resize took {:.2} ms of wall time per photo on {} threads.",
            per_photo_ms(secs),
            options.decode_threads
        )
    }))
}

fn training_rows(
    args: &CompareArgs,
    options: &EngineOptions,
    pyf: &PyFigure,
) -> anyhow::Result<()> {
    let catalogue = vitrine::catalogue::demo().context("cannot open the demo catalogue")?;
    let images: Vec<_> = catalogue
        .items
        .iter()
        .take(32)
        .filter_map(|i| transforms::load_prepared(&i.image_path, 224).ok())
        .collect();
    let kind = BackboneKind::EfficientNetLite0;
    let ips = measure::training_images_per_sec(
        options,
        kind,
        TrainMode::FineTune,
        32,
        args.steps,
        &images,
        50,
    )?;
    Row {
        what: format!("fine-tune Lite0, batch 32, {} steps", args.steps),
        pytorch: pyf(&["finetune", "images_per_sec"]),
        vitrine: ips,
        unit: "images/s",
        higher_is_better: true,
    }
    .print();
    let scratch = std::env::temp_dir().join(format!("vitrine-bench-{}", std::process::id()));
    let secs = measure::fast_run_secs(options, std::sync::Arc::new(catalogue), &scratch);
    if let Err(e) = std::fs::remove_dir_all(&scratch) {
        if scratch.exists() {
            log::warn!("cannot remove {}: {e}", scratch.display());
        }
    }
    Row {
        what: "fast mode on the demo, 150 epochs (head on cached features)".into(),
        pytorch: pyf(&["fast", "secs"]),
        vitrine: secs?,
        unit: "s",
        higher_is_better: false,
    }
    .print();
    Ok(())
}

fn query_row(pyf: &PyFigure) -> Row {
    let (n, dim) = (100_000usize, 1280usize);
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut index = EmbeddingIndex::new(dim);
    let mut v = vec![0f32; dim];
    for _ in 0..n {
        v.iter_mut().for_each(|x| *x = rng.random::<f32>() - 0.5);
        index.push(&v);
    }
    std::hint::black_box(index.nearest_to_item(0, LOOKALIKES));
    let queries = 20;
    let started = Instant::now();
    for q in 0..queries {
        std::hint::black_box(index.nearest_to_item(q * 37 % n, LOOKALIKES));
    }
    Row {
        what: format!("top-5 query over {n} x {dim} f32 vectors"),
        pytorch: pyf(&["query", "ms_per_query"]),
        vitrine: started.elapsed().as_secs_f64() * 1e3 / queries as f64,
        unit: "ms",
        higher_is_better: false,
    }
}
