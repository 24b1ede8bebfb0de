//! Headless training, tagging and lookalikes: the same worker the window uses, with progress
//! bars instead of charts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vitrine::catalogue::Catalogue;
use vitrine::engine::checkpoint::{resume_plan, Checkpoint};
use vitrine::engine::core::EngineOptions;
use vitrine::engine::worker::PredictedTag;
use vitrine::engine::{Command, Event, TrainConfig, TrainMode, Worker};
use vitrine::index::{EmbeddingIndex, Neighbour, LOOKALIKES};
use vitrine::vision::BackboneKind;

use super::CatalogueArgs;

/// Where models live and which weights to use.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// Pretrained backbone weights (safetensors) instead of the installed default.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Folder for training runs and checkpoints (default: vitrine's data folder).
    #[arg(long)]
    pub checkpoints: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// fast (frozen backbone, seconds) or fine-tune (whole network, minutes).
    #[arg(long, default_value = "fast")]
    mode: TrainMode,
    /// efficientnet-lite0 or resnext50.
    #[arg(long, default_value = "efficientnet-lite0")]
    backbone: BackboneKind,
    /// Passes over the training split (default depends on the mode).
    #[arg(long)]
    epochs: Option<usize>,
    /// Images per step.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Adam learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Probability from which a tag is predicted.
    #[arg(long)]
    threshold: Option<f32>,
    /// Seed for the split, shuffling and augmentation.
    #[arg(long)]
    seed: Option<u64>,
    /// Continue a run: `--resume` alone continues the latest run of this catalogue,
    /// `--resume=CHECKPOINT` a given checkpoint folder. The run keeps its own settings and
    /// epochs (`--epochs` raises them); a complete run is not extended.
    #[arg(long, num_args = 0..=1, value_name = "CHECKPOINT")]
    resume: Option<Option<PathBuf>>,
}

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// A catalogue item id (its image path as written in the catalogue), its 1-based number,
    /// or a photo file.
    item_or_image: String,
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Use the backbone of this fine-tuned checkpoint instead of the pretrained one.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// The photo to tag.
    image: PathBuf,
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// The checkpoint to use (default: the most recent one).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EmbedArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
}

impl ModelArgs {
    fn options(&self, backbone: BackboneKind) -> EngineOptions {
        let mut options = EngineOptions::default();
        if let Some(w) = &self.weights {
            options.weights.insert(backbone, w.clone());
        }
        if let Some(dir) = &self.checkpoints {
            options.checkpoint_root = dir.clone();
        }
        options
    }

    fn checkpoint_root(&self) -> PathBuf {
        self.checkpoints
            .clone()
            .unwrap_or_else(vitrine::paths::checkpoints_dir)
    }
}

fn open_catalogue(args: &CatalogueArgs) -> anyhow::Result<Catalogue> {
    let catalogue = args.load()?;
    eprintln!(
        "{}: {} items ({})",
        catalogue.name,
        catalogue.items.len(),
        catalogue.report.summary()
    );
    Ok(catalogue)
}

/// A progress bar that shows preparation work, reused for each task.
struct Bars {
    busy: Option<ProgressBar>,
    train: Option<ProgressBar>,
}

impl Bars {
    fn new() -> Self {
        Self {
            busy: None,
            train: None,
        }
    }

    fn println(&self, line: String) {
        match (&self.train, &self.busy) {
            // A hidden bar (output is not a terminal) prints nothing, so print directly.
            (Some(bar), _) | (None, Some(bar)) if !bar.is_hidden() => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }

    fn busy(&mut self, task: &str, done: usize, total: usize) {
        let bar = self.busy.get_or_insert_with(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        });
        bar.set_length(total as u64);
        bar.set_message(task.to_string());
        bar.set_position(done as u64);
        if done >= total {
            bar.finish();
            self.busy = None;
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.busy.take() {
            bar.finish_and_clear();
        }
        if let Some(bar) = self.train.take() {
            bar.finish();
        }
    }
}

/// Handles the events every command shares; returns Err on failure.
fn common_event(bars: &mut Bars, event: &Event) -> anyhow::Result<()> {
    match event {
        Event::Busy { task, done, total } => bars.busy(task, *done, *total),
        Event::Notice(text) => bars.println(format!("note: {text}")),
        Event::Failed(reason) => {
            bars.finish();
            bail!("{reason}")
        }
        _ => {}
    }
    Ok(())
}

fn recv(worker: &Worker) -> anyhow::Result<Event> {
    loop {
        match worker.events().recv_timeout(Duration::from_millis(500)) {
            Ok(event) => return Ok(event),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                bail!("the worker thread ended unexpectedly")
            }
        }
    }
}

pub fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let catalogue = open_catalogue(&args.catalogue)?;
    let mut config = TrainConfig::for_mode(args.mode);
    config.backbone = args.backbone;
    if let Some(v) = args.epochs {
        config.epochs = v;
    }
    if let Some(v) = args.batch_size {
        config.batch_size = v;
    }
    if let Some(v) = args.lr {
        config.learning_rate = v;
    }
    if let Some(v) = args.threshold {
        config.threshold = v;
    }
    if let Some(v) = args.seed {
        config.seed = v;
    }
    let resume = match &args.resume {
        None => None,
        Some(requested) => {
            let plan = resume_plan(
                &args.model.checkpoint_root(),
                &catalogue.name,
                requested.as_deref(),
                args.epochs,
            )?;
            eprintln!(
                "resuming {} after {} of {} epoch(s)",
                plan.checkpoint.display(),
                plan.epochs_completed,
                plan.config.epochs
            );
            config = plan.config;
            Some(plan.checkpoint)
        }
    };
    let worker = Worker::spawn(args.model.options(config.backbone), Box::new(|| {}))?;
    worker.send(Command::SetCatalogue(Box::new(catalogue)));
    worker.send(Command::Train {
        config: config.clone(),
        resume,
    });
    let mut bars = Bars::new();
    let mut vocabulary = Vec::new();
    loop {
        let event = recv(&worker)?;
        common_event(&mut bars, &event)?;
        match event {
            Event::CatalogueReady {
                vocabulary: v,
                trainable_items,
                ..
            } => {
                eprintln!(
                    "{} tags learned from the descriptions; {trainable_items} items have tags",
                    v.len()
                );
                vocabulary = v;
            }
            Event::TrainingStarted {
                run_id,
                steps_per_epoch,
                start_epoch,
                train_items,
                validation_items,
                ..
            } => {
                eprintln!(
                    "run {run_id}: {} training / {} validation items, {} mode, {} epochs",
                    train_items.len(),
                    validation_items.len(),
                    config.mode,
                    config.epochs
                );
                let bar = ProgressBar::new((steps_per_epoch * config.epochs) as u64);
                bar.set_style(
                    ProgressStyle::with_template(
                        "[{elapsed_precise}] [{bar:30}] {pos}/{len} {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_position((steps_per_epoch * start_epoch) as u64);
                bars.train = Some(bar);
            }
            Event::Progress(p) => {
                if let Some(bar) = &bars.train {
                    bar.set_position(((p.epoch - 1) * p.steps_per_epoch + p.step) as u64);
                    bar.set_message(format!(
                        "epoch {}/{} loss {:.4} {:.1} img/s ETA {}",
                        p.epoch,
                        p.epochs,
                        p.loss,
                        p.images_per_sec,
                        format_secs(p.eta_secs)
                    ));
                }
            }
            Event::Eval { epoch, metrics, .. } if epoch.fract() == 0.0 => {
                bars.println(format!(
                    "epoch {epoch:>3}: validation micro-F1 {:.3}  macro-F1 {:.3}  samples-F1 {:.3}",
                    metrics.micro_f1, metrics.macro_f1, metrics.samples_f1
                ));
            }
            Event::Checkpoint { path, .. } => {
                bars.println(format!("checkpoint: {}", path.display()));
            }
            Event::Finished {
                stopped: true,
                checkpoint,
                ..
            } => {
                bars.finish();
                eprintln!(
                    "stopped; last checkpoint: {}",
                    checkpoint.map_or("none".into(), |p| p.display().to_string())
                );
                return Ok(());
            }
            Event::Finished { .. } => {
                if let Some(bar) = bars.train.take() {
                    bar.finish();
                }
            }
            Event::ModelReady(summary) => {
                if let Some(m) = &summary.last_metrics {
                    let mut per_tag = m.per_tag.clone();
                    per_tag.sort_by(|a, b| b.f1.total_cmp(&a.f1));
                    eprintln!("best tags on the validation split:");
                    for s in per_tag.iter().take(10) {
                        eprintln!(
                            "  {:<14} F1 {:.2}  precision {:.2}  recall {:.2}  support {}",
                            s.tag, s.f1, s.precision, s.recall, s.support
                        );
                    }
                }
            }
            Event::ItemTags { .. } => {
                bars.finish();
                eprintln!("model ready: {} tags", vocabulary.len());
                return Ok(());
            }
            _ => {}
        }
    }
}

fn format_secs(secs: f64) -> String {
    let secs = secs.max(0.0).round() as u64;
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// Finds a catalogue item by id, by file name, or by 1-based number.
fn find_item(catalogue: &Catalogue, key: &str) -> Option<usize> {
    catalogue
        .items
        .iter()
        .position(|i| i.id == key)
        .or_else(|| {
            catalogue
                .items
                .iter()
                .position(|i| Path::new(&i.id).file_name().and_then(|n| n.to_str()) == Some(key))
        })
        .or_else(|| {
            key.parse::<usize>()
                .ok()
                .filter(|n| *n >= 1 && *n <= catalogue.items.len())
                .map(|n| n - 1)
        })
}

fn print_neighbours(catalogue: &Catalogue, neighbours: &[Neighbour]) {
    for (rank, n) in neighbours.iter().enumerate() {
        if let Some(item) = catalogue.items.get(n.index) {
            let category = item
                .attributes
                .get("category")
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            println!(
                "{}. {:.3}  {}{category}  {}",
                rank + 1,
                n.score,
                item.id,
                first_words(&item.description, 12)
            );
        }
    }
}

fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut s = words.iter().take(n).copied().collect::<Vec<_>>().join(" ");
    if words.len() > n {
        s.push_str(" ...");
    }
    s
}

/// Waits for the first event `pick` accepts, showing progress and notes on the way and
/// failing on `Failed`.
fn wait_for<T>(
    worker: &Worker,
    bars: &mut Bars,
    mut pick: impl FnMut(Event) -> Option<T>,
) -> anyhow::Result<T> {
    loop {
        let event = recv(worker)?;
        common_event(bars, &event)?;
        if let Some(found) = pick(event) {
            return Ok(found);
        }
    }
}

/// Waits until the worker has finished publishing a loaded checkpoint.
fn wait_model(worker: &Worker, bars: &mut Bars) -> anyhow::Result<()> {
    wait_for(worker, bars, |e| {
        matches!(e, Event::ItemTags { .. }).then_some(())
    })
}

/// A worker for the lookalike and tagging commands (no repaint callback).
fn headless_worker(model: &ModelArgs) -> anyhow::Result<Worker> {
    Ok(Worker::spawn(
        model.options(BackboneKind::EfficientNetLite0),
        Box::new(|| {}),
    )?)
}

fn percent(tag: &PredictedTag) -> String {
    format!("{} {:.0}%", tag.name, tag.probability * 100.0)
}

pub fn similar(args: &SimilarArgs) -> anyhow::Result<()> {
    let catalogue = open_catalogue(&args.catalogue)?;
    let worker = headless_worker(&args.model)?;
    let item = find_item(&catalogue, &args.item_or_image);
    let photo = Path::new(&args.item_or_image);
    if item.is_none() && !photo.is_file() {
        bail!(
            "'{}' is neither an item of {} nor a photo file",
            args.item_or_image,
            catalogue.name
        );
    }
    let mut bars = Bars::new();
    worker.send(Command::SetCatalogue(Box::new(catalogue.clone())));
    if let Some(ck) = &args.checkpoint {
        worker.send(Command::LoadCheckpoint(ck.clone()));
        wait_model(&worker, &mut bars)?;
    }
    match item {
        Some(index) => {
            worker.send(Command::Embed);
            let vectors = wait_for(&worker, &mut bars, |e| match e {
                Event::Embeddings { vectors, .. } => Some(vectors),
                _ => None,
            })?;
            bars.finish();
            if vectors[index].is_none() {
                bail!(
                    "the photo of {} could not be read",
                    catalogue.items[index].id
                );
            }
            let index_set = EmbeddingIndex::centered(&vectors);
            println!("Lookalikes of {}:", catalogue.items[index].id);
            print_neighbours(&catalogue, &index_set.nearest_to_item(index, LOOKALIKES));
        }
        None => {
            worker.send(Command::Predict(photo.to_path_buf()));
            let p = wait_for(&worker, &mut bars, |e| match e {
                Event::Prediction(p) => Some(p),
                _ => None,
            })?;
            bars.finish();
            println!("Lookalikes of {}:", p.source.display());
            print_neighbours(&catalogue, &p.lookalikes);
        }
    }
    Ok(())
}

pub fn tag(args: &TagArgs) -> anyhow::Result<()> {
    let catalogue = open_catalogue(&args.catalogue)?;
    let checkpoint = match &args.checkpoint {
        Some(p) => p.clone(),
        None => {
            let root = args.model.checkpoint_root();
            Checkpoint::latest_for(&root, &catalogue.name)
                .with_context(|| {
                    format!(
                        "no model trained on {} in {}: run `vitrine train` first, or give \
                         --checkpoint",
                        catalogue.name,
                        root.display()
                    )
                })?
                .dir
        }
    };
    let worker = headless_worker(&args.model)?;
    let mut bars = Bars::new();
    worker.send(Command::SetCatalogue(Box::new(catalogue.clone())));
    worker.send(Command::LoadCheckpoint(checkpoint.clone()));
    wait_model(&worker, &mut bars)?;
    worker.send(Command::Predict(args.image.clone()));
    let p = wait_for(&worker, &mut bars, |e| match e {
        Event::Prediction(p) => Some(p),
        _ => None,
    })?;
    bars.finish();
    println!("{} (model {})", p.source.display(), checkpoint.display());
    let tags = p.tags.unwrap_or_default();
    let chosen: Vec<String> = tags.iter().filter(|t| t.predicted).map(percent).collect();
    println!(
        "tags: {}",
        if chosen.is_empty() {
            "(none above their thresholds)".to_string()
        } else {
            chosen.join(", ")
        }
    );
    let others: Vec<String> = tags
        .iter()
        .filter(|t| !t.predicted)
        .take(5)
        .map(percent)
        .collect();
    println!("next most likely: {}", others.join(", "));
    println!("lookalikes:");
    print_neighbours(&catalogue, &p.lookalikes);
    Ok(())
}

pub fn embed(args: &EmbedArgs) -> anyhow::Result<()> {
    let catalogue = open_catalogue(&args.catalogue)?;
    let worker = headless_worker(&args.model)?;
    let mut bars = Bars::new();
    worker.send(Command::SetCatalogue(Box::new(catalogue)));
    worker.send(Command::Embed);
    let (vectors, model_key) = wait_for(&worker, &mut bars, |e| match e {
        Event::Embeddings {
            vectors, model_key, ..
        } => Some((vectors, model_key)),
        _ => None,
    })?;
    bars.finish();
    let done = vectors.iter().filter(|v| v.is_some()).count();
    println!(
        "{done} of {} photos embedded with {model_key}; cached in {}",
        vectors.len(),
        vitrine::paths::cache_dir().join("embeddings").display()
    );
    Ok(())
}

#[cfg(test)]
mod tests;
