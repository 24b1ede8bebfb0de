//! Opening a catalogue without stalling a frame: the "vitrine-catalogue-loader" thread imports
//! it (and finds the newest checkpoint that fits it), then the window hands it to the worker.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::Receiver;

use super::app::VitrineApp;
use super::jobs::JobKind;
use crate::catalogue::{self, Catalogue, ImportOptions};
use crate::engine::checkpoint::Checkpoint;
use crate::engine::Command;

/// Where a catalogue comes from.
pub(super) enum CatalogueSource {
    Demo,
    Path(PathBuf),
}

impl CatalogueSource {
    fn describe(&self) -> String {
        match self {
            CatalogueSource::Demo => "the demo catalogue".into(),
            CatalogueSource::Path(p) => p.display().to_string(),
        }
    }
}

struct Loaded {
    catalogue: Catalogue,
    source: CatalogueSource,
    checkpoint: Option<PathBuf>,
}

enum LoadOutcome {
    Loaded(Box<Loaded>),
    Failed {
        source: CatalogueSource,
        message: String,
    },
}

/// A catalogue being imported.
pub(super) struct Loading {
    rx: Receiver<LoadOutcome>,
    /// What is being opened, in words.
    pub(super) what: String,
    /// Open the demo catalogue if this one fails (used for the remembered catalogue).
    fall_back_to_demo: bool,
}

impl VitrineApp {
    /// Starts importing a catalogue on the loader thread.
    pub(super) fn start_loading(&mut self, source: CatalogueSource, fall_back_to_demo: bool) {
        let what = format!("Opening {}…", source.describe());
        let checkpoint_search = self.auto_load_checkpoint.then(|| {
            (
                self.checkpoint_root.clone(),
                self.settings.last_checkpoint.clone(),
            )
        });
        let (tx, rx) = crossbeam_channel::bounded(1);
        let repaint = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("vitrine-catalogue-loader".into())
            .spawn(move || {
                let outcome = load(source, checkpoint_search);
                if tx.send(outcome).is_err() {
                    log::debug!("a catalogue was imported after the window stopped waiting");
                }
                repaint.request();
            });
        match spawned {
            Ok(_) => {
                self.loading = Some(Loading {
                    rx,
                    what,
                    fall_back_to_demo,
                })
            }
            Err(e) => self
                .messages
                .error(format!("The catalogue could not be opened: {e}")),
        }
    }

    /// Takes the loader's result, if it is there.
    pub(super) fn poll_loader(&mut self) {
        let Some(loading) = &self.loading else {
            return;
        };
        let outcome = match loading.rx.try_recv() {
            Ok(outcome) => outcome,
            Err(crossbeam_channel::TryRecvError::Empty) => return,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                self.loading = None;
                self.messages
                    .error("Opening the catalogue failed unexpectedly. Try again.");
                return;
            }
        };
        let fall_back = loading.fall_back_to_demo;
        self.loading = None;
        match outcome {
            LoadOutcome::Loaded(loaded) => self.catalogue_loaded(*loaded),
            LoadOutcome::Failed { source, message } => {
                self.messages
                    .error(format!("Could not open {}: {message}", source.describe()));
                if fall_back {
                    self.start_loading(CatalogueSource::Demo, false);
                }
            }
        }
    }

    /// Hands an imported catalogue to the worker, then its embeddings and model.
    fn catalogue_loaded(&mut self, loaded: Loaded) {
        let Loaded {
            catalogue,
            source,
            checkpoint,
        } = loaded;
        if self.train.status.is_active() {
            self.stop_training();
            self.messages.warning(format!(
                "Training was stopped to open {}; its checkpoint is kept.",
                catalogue.name
            ));
        }
        self.settings.last_catalogue = match &source {
            CatalogueSource::Demo => None,
            CatalogueSource::Path(p) => Some(p.clone()),
        };
        let catalogue = Arc::new(catalogue);
        if !self.send_job(JobKind::Catalogue, Command::SetCatalogue(catalogue)) {
            return;
        }
        self.send_job(JobKind::Embed, Command::Embed);
        if let Some(path) = checkpoint {
            self.load_checkpoint(path, false);
        }
    }
}

/// Imports the catalogue and finds its newest fitting checkpoint (runs on the loader thread).
fn load(
    source: CatalogueSource,
    checkpoint_search: Option<(PathBuf, Option<PathBuf>)>,
) -> LoadOutcome {
    let result = match &source {
        CatalogueSource::Demo => catalogue::demo().map_err(|e| e.to_string()),
        CatalogueSource::Path(p) => {
            catalogue::load(p, &ImportOptions::default()).map_err(|e| e.to_string())
        }
    };
    match result {
        Ok(catalogue) => {
            let checkpoint = checkpoint_search.and_then(|(root, preferred)| {
                fitting_checkpoint(&root, preferred.as_deref(), &catalogue.name)
            });
            LoadOutcome::Loaded(Box::new(Loaded {
                catalogue,
                source,
                checkpoint,
            }))
        }
        Err(message) => LoadOutcome::Failed { source, message },
    }
}

/// The newest checkpoint trained on a catalogue of this name: `preferred` if it fits, else the
/// newest fitting one under `root`.
fn fitting_checkpoint(
    root: &Path,
    preferred: Option<&Path>,
    catalogue_name: &str,
) -> Option<PathBuf> {
    if let Some(ck) = preferred.and_then(|p| Checkpoint::load(p).ok()) {
        if ck.meta.catalogue_name == catalogue_name {
            return Some(ck.dir);
        }
    }
    Checkpoint::latest_for(root, catalogue_name).map(|ck| ck.dir)
}
