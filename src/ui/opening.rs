//! Opening a catalogue: the loader thread imports it, then the window hands it to the worker
//! with the requests that prepare it (embeddings, the newest fitting model); scripted demo
//! steps run once it is ready.

use std::sync::Arc;

use super::actions::Action;
use super::app::VitrineApp;
use super::demo::DemoAction;
use super::jobs::JobKind;
use super::loader::{CatalogueSource, LoadOutcome, Loaded, Loading};
use super::settings::Tab;
use super::view::CatalogueView;
use crate::engine::{Command, TrainConfig};

impl VitrineApp {
    /// Starts importing a catalogue on the loader thread.
    pub(super) fn start_loading(&mut self, source: CatalogueSource, fall_back_to_demo: bool) {
        let checkpoint_search = self.auto_load_checkpoint.then(|| {
            (
                self.checkpoint_root.clone(),
                self.settings.last_checkpoint.clone(),
            )
        });
        let repaint = self.repaint.clone();
        match Loading::start(source, fall_back_to_demo, checkpoint_search, repaint) {
            Ok(loading) => self.loading = Some(loading),
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
        let outcome = match loading.poll() {
            None => return,
            Some(Ok(outcome)) => outcome,
            Some(Err(())) => {
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
        self.send_job(JobKind::Colours, Command::PrepareMatch);
        if let Some(path) = checkpoint {
            self.load_checkpoint(path, false);
        }
    }

    /// Runs the scripted steps still waiting (once, after the first catalogue is ready).
    pub(super) fn run_demo_actions(&mut self) {
        let mut epochs = None;
        while let Some(step) = self.demo_actions.pop_front() {
            match step {
                DemoAction::Epochs(n) => {
                    self.train.config.epochs = n;
                    epochs = Some(n);
                }
                DemoAction::Train(mode) => {
                    if mode != self.train.config.mode {
                        let backbone = self.train.config.backbone;
                        self.train.config = TrainConfig::for_mode(mode);
                        self.train.config.backbone = backbone;
                    }
                    if let Some(n) = epochs {
                        self.train.config.epochs = n;
                    }
                    self.tab = Tab::Train;
                    let config = self.train.config.clone();
                    self.apply(Action::StartTraining(config));
                }
                DemoAction::Select(n) => {
                    if n >= 1 && n <= self.view.as_ref().map_or(0, CatalogueView::len) {
                        self.apply(Action::Select(n - 1));
                    }
                }
                DemoAction::Drop(path) => self.apply(Action::Predict(path)),
                DemoAction::Tab(tab) => self.tab = tab,
                DemoAction::Vocabulary(search) => self.vocabulary.show(&search),
                DemoAction::RevealTags => self.reveal_item_tags = true,
                DemoAction::ShowMask => self.matching.show_mask = true,
            }
        }
    }
}
