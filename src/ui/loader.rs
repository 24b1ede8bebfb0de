//! Importing a catalogue without stalling a frame: the "vitrine-catalogue-loader" thread
//! imports it and finds the newest checkpoint that fits it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::Receiver;

use super::Repaint;
use crate::catalogue::{self, Catalogue, FetchControl, FetchProgress, ImportOptions};
use crate::engine::checkpoint::Checkpoint;

/// Where a catalogue comes from.
pub(super) enum CatalogueSource {
    Demo,
    Path(PathBuf),
}

impl CatalogueSource {
    /// The source in words.
    pub(super) fn describe(&self) -> String {
        match self {
            CatalogueSource::Demo => "the demo catalogue".into(),
            CatalogueSource::Path(p) => p.display().to_string(),
        }
    }
}

/// An imported catalogue, with the newest checkpoint that fits it.
pub(super) struct Loaded {
    pub(super) catalogue: Catalogue,
    pub(super) source: CatalogueSource,
    pub(super) checkpoint: Option<PathBuf>,
}

/// What the loader thread hands back.
pub(super) enum LoadOutcome {
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
    pub(super) fall_back_to_demo: bool,
    /// Photos fetched so far, when the catalogue names them by web address.
    fetched: Arc<Mutex<Option<FetchProgress>>>,
    /// Set to stop downloading.
    stop: Arc<AtomicBool>,
}

impl Drop for Loading {
    /// A load the window no longer waits for downloads nothing more.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Loading {
    /// Starts importing `source` on the "vitrine-catalogue-loader" thread; `checkpoint_search`
    /// (the checkpoint folder and the model used last) also finds the newest fitting model.
    pub(super) fn start(
        source: CatalogueSource,
        fall_back_to_demo: bool,
        checkpoint_search: Option<(PathBuf, Option<PathBuf>)>,
        repaint: Repaint,
    ) -> std::io::Result<Self> {
        let what = format!("Opening {}…", source.describe());
        let (tx, rx) = crossbeam_channel::bounded(1);
        let fetched: Arc<Mutex<Option<FetchProgress>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let progress_repaint = repaint.clone();
        let progress_slot = Arc::clone(&fetched);
        let control = FetchControl {
            stop: Arc::clone(&stop),
            progress: Some(Arc::new(move |progress: FetchProgress| {
                if let Ok(mut slot) = progress_slot.lock() {
                    *slot = Some(progress);
                }
                progress_repaint.request();
            })),
            ..FetchControl::default()
        };
        std::thread::Builder::new()
            .name("vitrine-catalogue-loader".into())
            .spawn(move || {
                let outcome = load(source, checkpoint_search, control);
                if tx.send(outcome).is_err() {
                    log::debug!("a catalogue was imported after the window stopped waiting");
                }
                repaint.request();
                crate::memory::release_freed();
            })?;
        Ok(Self {
            rx,
            what,
            fall_back_to_demo,
            fetched,
            stop,
        })
    }

    /// Photos fetched so far (none: the catalogue has no photos to fetch, or not yet).
    pub(super) fn fetched(&self) -> Option<FetchProgress> {
        self.fetched.lock().ok().and_then(|p| *p)
    }

    /// Stops downloading photos; the catalogue opens with those already fetched.
    pub(super) fn stop_fetching(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// The import's outcome once it is there; an error when the loader ended without one.
    pub(super) fn poll(&self) -> Option<Result<LoadOutcome, ()>> {
        match self.rx.try_recv() {
            Ok(outcome) => Some(Ok(outcome)),
            Err(crossbeam_channel::TryRecvError::Empty) => None,
            Err(crossbeam_channel::TryRecvError::Disconnected) => Some(Err(())),
        }
    }
}

/// Imports the catalogue and finds its newest fitting checkpoint (runs on the loader thread).
fn load(
    source: CatalogueSource,
    checkpoint_search: Option<(PathBuf, Option<PathBuf>)>,
    control: FetchControl,
) -> LoadOutcome {
    let result = match &source {
        CatalogueSource::Demo => catalogue::demo().map_err(|e| e.to_string()),
        CatalogueSource::Path(p) => {
            catalogue::load_with(p, &ImportOptions::default(), control).map_err(|e| e.to_string())
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
