//! The background worker thread and the plain-data messages it exchanges.
//!
//! The worker owns the [`Engine`](super::core::Engine) (and through it every tensor); the
//! window or the command line sends [`Command`]s and reads [`Event`]s, and never waits on the
//! worker. After each event the worker calls the `notify` callback (the window passes one that
//! asks egui to repaint).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};

use super::checkpoint::History;
use super::config::{TrainConfig, TrainMode};
use super::core::{Engine, EngineOptions};
use super::metrics::Metrics;
use crate::catalogue::Catalogue;
use crate::index::Neighbour;
use crate::vision::BackboneKind;

/// What the worker is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Work on this catalogue from now on (derives its tags).
    SetCatalogue(Box<Catalogue>),
    /// Compute the embeddings of every catalogue photo with the current network.
    Embed,
    /// Train a model; with `resume`, continue the checkpoint at that path.
    Train {
        /// The settings.
        config: TrainConfig,
        /// A checkpoint folder to continue from.
        resume: Option<PathBuf>,
    },
    /// Use a trained model from a checkpoint folder.
    LoadCheckpoint(PathBuf),
    /// Tag a photo file and find its lookalikes.
    Predict(PathBuf),
    /// End the worker thread.
    Shutdown,
}

/// One training step's progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Current epoch, 1-based.
    pub epoch: usize,
    /// Epochs in the run.
    pub epochs: usize,
    /// Step within the epoch, 1-based.
    pub step: usize,
    /// Steps in one epoch.
    pub steps_per_epoch: usize,
    /// Steps since the run began (resumed runs continue the count).
    pub global_step: usize,
    /// Loss of this step's batch.
    pub loss: f32,
    /// Training throughput so far in this run (since it started or resumed).
    pub images_per_sec: f64,
    /// Estimated time to the end of the run.
    pub eta_secs: f64,
}

/// A tag with the model's probability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictedTag {
    /// The tag.
    pub name: String,
    /// Sigmoid output in [0, 1].
    pub probability: f32,
    /// True when the probability reaches the tag's threshold.
    pub predicted: bool,
}

/// Tags and lookalikes of a photo file.
#[derive(Clone, Debug)]
pub struct Prediction {
    /// The photo.
    pub source: PathBuf,
    /// A small square preview of it (at most 96 px).
    pub thumbnail: image::RgbImage,
    /// All vocabulary tags, most probable first; `None` before a model is trained or loaded.
    pub tags: Option<Vec<PredictedTag>>,
    /// The closest catalogue items (indices), best first.
    pub lookalikes: Vec<Neighbour>,
    /// The photo's embedding.
    pub embedding: Vec<f32>,
}

/// What a loaded or freshly trained model is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// Its backbone.
    pub backbone: BackboneKind,
    /// How it was trained (None for an untrained head).
    pub mode: Option<TrainMode>,
    /// Its run folder name.
    pub run_id: Option<String>,
    /// Epochs completed.
    pub epochs_completed: usize,
    /// Output tags in order.
    pub vocabulary: Vec<String>,
    /// Per-tag decision thresholds.
    pub thresholds: Vec<f32>,
    /// Latest validation metrics.
    pub last_metrics: Option<Metrics>,
    /// Loss and metrics over the run.
    pub history: History,
}

/// What the worker reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// A catalogue was taken and its tags derived.
    CatalogueReady {
        /// Catalogue name.
        name: String,
        /// Number of items.
        items: usize,
        /// Items with at least one tag (usable for training).
        trainable_items: usize,
        /// The tag vocabulary.
        vocabulary: Vec<String>,
        /// Each item's true tags (from its description).
        item_tags: Vec<Vec<String>>,
    },
    /// A long preparation is under way.
    Busy {
        /// What is being done, in words.
        task: String,
        /// Units done.
        done: usize,
        /// Units in all.
        total: usize,
    },
    /// Something the user should know that is not a failure.
    Notice(String),
    /// Embeddings of every catalogue item (None where the photo could not be used).
    Embeddings {
        /// Identity of the network that computed them.
        model_key: String,
        /// The backbone.
        backbone: BackboneKind,
        /// One vector per item.
        vectors: Vec<Option<Vec<f32>>>,
    },
    /// Training began.
    TrainingStarted {
        /// Run folder name.
        run_id: String,
        /// Settings.
        config: TrainConfig,
        /// The tags being learned.
        vocabulary: Vec<String>,
        /// Indices of the training items.
        train_items: Vec<usize>,
        /// Indices of the validation items.
        validation_items: Vec<usize>,
        /// Steps in one epoch.
        steps_per_epoch: usize,
        /// Epochs already done (resume).
        start_epoch: usize,
        /// History carried over (resume).
        history: History,
    },
    /// One training step done.
    Progress(Progress),
    /// Validation metrics.
    Eval {
        /// Fractional epoch.
        epoch: f32,
        /// Global step.
        step: usize,
        /// The scores on the validation split.
        metrics: Metrics,
        /// Per-tag thresholds used.
        thresholds: Vec<f32>,
        /// Validation items (index) with their tag probabilities, for the gallery.
        validation: Vec<(usize, Vec<f32>)>,
    },
    /// A checkpoint was written.
    Checkpoint {
        /// The checkpoint folder.
        path: PathBuf,
        /// Epochs completed.
        epoch: usize,
    },
    /// Training ended.
    Finished {
        /// True when the user stopped it.
        stopped: bool,
        /// Epochs completed.
        epochs_completed: usize,
        /// Last checkpoint written.
        checkpoint: Option<PathBuf>,
    },
    /// A trained model is ready for tagging.
    ModelReady(ModelSummary),
    /// Tag probabilities of every catalogue item from the current model.
    ItemTags {
        /// Output tags in order.
        vocabulary: Vec<String>,
        /// Per-tag thresholds.
        thresholds: Vec<f32>,
        /// One row per item (None where the photo could not be used).
        probabilities: Vec<Option<Vec<f32>>>,
    },
    /// Tags and lookalikes of a photo file.
    Prediction(Prediction),
    /// A request failed; the worker carries on.
    Failed(String),
}

/// Handle to the worker thread.
pub struct Worker {
    commands: Sender<Command>,
    events: Receiver<Event>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread ("vitrine-worker"). `notify` is called after every event.
    pub fn spawn(
        options: EngineOptions,
        notify: Box<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Self> {
        let (cmd_tx, cmd_rx) = crossbeam_channel::unbounded::<Command>();
        let (evt_tx, evt_rx) = crossbeam_channel::unbounded::<Event>();
        let stop = Arc::new(AtomicBool::new(false));
        let worker_stop = stop.clone();
        let thread = std::thread::Builder::new()
            .name("vitrine-worker".into())
            .spawn(move || {
                let mut engine = Engine::new(options, worker_stop.clone());
                let emit = |event: Event| {
                    // The receiver may be gone while shutting down; nothing to tell then.
                    let _ = evt_tx.send(event);
                    notify();
                };
                while let Ok(command) = cmd_rx.recv() {
                    if matches!(command, Command::Shutdown) {
                        break;
                    }
                    worker_stop.store(false, Ordering::Relaxed);
                    run_command(&mut engine, command, &emit);
                }
            })?;
        Ok(Self {
            commands: cmd_tx,
            events: evt_rx,
            stop,
            thread: Some(thread),
        })
    }

    /// Sends a command; returns false if the worker has ended.
    pub fn send(&self, command: Command) -> bool {
        self.commands.send(command).is_ok()
    }

    /// Asks the running job to stop at the next step (training keeps a checkpoint).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// The next event if one is waiting.
    pub fn try_recv(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// The event channel, for callers that block (the command line) or select.
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
        let _ = self.commands.send(Command::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs one command, turning every error, and any panic inside libtorch, into `Failed`.
fn run_command(engine: &mut Engine, command: Command, emit: &(dyn Fn(Event) + Sync)) {
    let what = match &command {
        Command::SetCatalogue(_) => "opening the catalogue",
        Command::Embed => "computing embeddings",
        Command::Train { .. } => "training",
        Command::LoadCheckpoint(_) => "loading the checkpoint",
        Command::Predict(_) => "tagging the photo",
        Command::Shutdown => "shutting down",
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match command {
        Command::SetCatalogue(catalogue) => {
            engine.set_catalogue(*catalogue, emit);
            Ok(())
        }
        Command::Embed => engine.embed(emit),
        Command::Train { config, resume } => engine.train(config, resume.as_deref(), emit),
        Command::LoadCheckpoint(path) => engine.load_checkpoint(&path, emit),
        Command::Predict(path) => engine.predict(&path, emit),
        Command::Shutdown => Ok(()),
    }));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => emit(Event::Failed(format!("{what} failed: {e}"))),
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown error".into());
            emit(Event::Failed(format!("{what} failed: {detail}")));
        }
    }
}
