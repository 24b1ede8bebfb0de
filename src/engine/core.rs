//! The engine the worker thread runs: it owns the catalogue state and the network in use, and
//! carries out one command at a time. Nothing here touches the UI; results leave through the
//! `emit` callback as plain data.
//!
//! The network in use only ever changes to weights that are whole: pretrained ones, or the
//! weights of a checkpoint. A training run owns its own network and hands it over when it ends
//! (completed or stopped, both with a checkpoint of exactly those weights); when a run fails,
//! the engine moves to the run's last checkpoint, or keeps the network it had.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::checkpoint::{Checkpoint, CheckpointMeta};
use super::config::TrainConfig;
use super::corrections::Corrections;
use super::embed;
use super::fit::{RunStart, TrainingRun};
use super::network::{Emit, Network};
use super::options::EngineOptions;
use super::protocol::{EventBody, RunEnd, RunOutcome};
use super::split::DEFAULT_SEED;
use super::state::CatalogueState;
pub use super::state::Signals;
use super::vocabulary;
use super::EngineError;
use crate::catalogue::Catalogue;
use crate::text::vocab::describe_difference;
use crate::vision::BackboneKind;

/// The engine; see the module documentation.
pub struct Engine {
    pub(crate) options: EngineOptions,
    pub(crate) signals: Signals,
    pub(crate) catalogue: Option<CatalogueState>,
    pub(crate) network: Option<Network>,
    /// The catalogue's own similarity cutoff, computed once per lookalike index.
    pub(crate) familiar: super::familiar::FamiliarCutoff,
}

impl Engine {
    /// A new engine; its signals are polled between steps of long jobs.
    pub fn new(options: EngineOptions, signals: Signals) -> Self {
        Self {
            options,
            signals,
            catalogue: None,
            network: None,
            familiar: Default::default(),
        }
    }

    /// Takes a catalogue, derives its tags and reports what can be learned from it.
    /// The vocabulary is made with the catalogue's saved settings (the curated default when it
    /// has none); [`EventBody::VocabularyReady`] follows `CatalogueReady`.
    pub fn set_catalogue(&mut self, catalogue: Arc<Catalogue>, emit: Emit) {
        let settings = vocabulary::saved_settings(&self.options, &catalogue, emit);
        let derived = vocabulary::derive(&catalogue, &settings);
        let tags = derived.set;
        let vocabulary = tags.vocabulary.names();
        let shown = vocabulary::catalogue_tags(catalogue.clone(), &tags);
        emit(EventBody::CatalogueReady(shown.clone()));
        self.catalogue = Some(CatalogueState {
            catalogue,
            tags,
            vocabulary: settings,
            words: Arc::new(derived.words),
            images: None,
            embeddings: None,
            corrections: Arc::default(),
            match_parts: None,
        });
        self.report_vocabulary(shown, derived.notes, emit);
        // A head trained on another vocabulary cannot tag this catalogue (one without
        // descriptions takes any head's tags).
        if let Some(net) = &mut self.network {
            if net
                .head
                .as_ref()
                .is_some_and(|h| !vocabulary.is_empty() && h.vocabulary.names() != vocabulary)
            {
                net.head = None;
            }
        }
    }

    /// Uses these tag corrections in the next training runs of the open catalogue (until the
    /// next catalogue).
    pub fn set_corrections(&mut self, corrections: Arc<Corrections>) -> Result<(), EngineError> {
        let state = self.catalogue.as_mut().ok_or(EngineError::NoCatalogue)?;
        state.corrections = corrections;
        Ok(())
    }

    /// The network in use, building the default pretrained one if there is none.
    pub(crate) fn ensure_network(&mut self, emit: Emit) -> Result<&Network, EngineError> {
        if self.network.is_none() {
            let kind = BackboneKind::EfficientNetLite0;
            self.network = Some(Network::pretrained(
                &self.options,
                kind,
                DEFAULT_SEED,
                emit,
            )?);
        }
        self.network.as_ref().ok_or(EngineError::NoModel)
    }

    /// Makes sure the catalogue's embeddings are those of the network in use; false when
    /// stopped first.
    pub(crate) fn ensure_embeddings(&mut self, emit: Emit) -> Result<bool, EngineError> {
        self.ensure_network(emit)?;
        let (Some(net), Some(state)) = (&self.network, &mut self.catalogue) else {
            return Err(EngineError::NoCatalogue);
        };
        embed::ensure(net, state, &self.options, &self.signals.stop, emit)
    }

    /// Computes (or reads from the cache) the embedding of every catalogue photo with the
    /// network in use, then emits them.
    pub fn embed(&mut self, emit: Emit) -> Result<(), EngineError> {
        if !self.ensure_embeddings(emit)? {
            emit(EventBody::Notice(
                "Stopped computing lookalike embeddings; lookalikes appear once they are \
                 computed."
                    .into(),
            ));
            return Ok(());
        }
        if let Some(stored) = self.catalogue.as_ref().and_then(|s| s.embeddings.as_ref()) {
            emit(EventBody::Embeddings(stored.shared.clone()));
        }
        Ok(())
    }

    /// Trains (fast or fine-tune) on the current catalogue, optionally resuming a checkpoint.
    pub fn train(
        &mut self,
        config: TrainConfig,
        resume: Option<&Path>,
        emit: Emit,
    ) -> Result<(), EngineError> {
        config.validate().map_err(EngineError::InvalidConfig)?;
        let start = self.run_start(config, resume, emit)?;
        let state = self.catalogue.as_mut().ok_or(EngineError::NoCatalogue)?;
        let stop = self.signals.stop.clone();
        let Some(mut run) = TrainingRun::prepare(start, state, &self.options, &stop, emit)? else {
            let model = self.ensure_network(emit)?.identity.clone();
            emit(EventBody::Finished(RunEnd {
                outcome: RunOutcome::Stopped,
                epochs_completed: 0,
                checkpoint: None,
                model,
            }));
            return Ok(());
        };
        let started = std::time::Instant::now();
        match run.run(&stop, emit) {
            Ok(outcome) => {
                let (net, end) = run.finish(outcome);
                log::info!(
                    "training run {} ({:?}, {} epochs) took {:.2} s",
                    end.model,
                    end.outcome,
                    end.epochs_completed,
                    started.elapsed().as_secs_f64()
                );
                self.network = Some(net);
                emit(EventBody::Finished(end));
                if self.signals.shutting_down() {
                    return Ok(());
                }
                // The run is over: what follows (embeddings, tags) serves the new model.
                self.signals.stop.store(false, Ordering::Relaxed);
                self.publish_model(emit)
            }
            Err(error) => {
                let fallback = run.last_checkpoint().cloned();
                let run_id = run.run_id().to_string();
                drop(run);
                self.recover_from_failed_run(&run_id, fallback.as_deref(), emit);
                Err(error)
            }
        }
    }

    /// The network and settings a run starts from.
    fn run_start(
        &self,
        config: TrainConfig,
        resume: Option<&Path>,
        emit: Emit,
    ) -> Result<RunStart, EngineError> {
        let state = self.catalogue.as_ref().ok_or(EngineError::NoCatalogue)?;
        if state.tags.vocabulary.is_empty() {
            let why = if state.catalogue.has_descriptions() {
                "the vocabulary has no tags (every tag was removed, or its sizes are 0): add \
                 tags with the vocabulary editor or `vitrine vocab add`, or forget the edits \
                 with `vitrine vocab reset`"
            } else {
                "this catalogue has no descriptions to learn tags from: import a CSV or JSON \
                 catalogue with a description for each photo"
            };
            return Err(EngineError::NothingToLearn(why.into()));
        }
        let Some(path) = resume else {
            let net = Network::pretrained(&self.options, config.backbone, config.seed, emit)?;
            return Ok(RunStart {
                net,
                config,
                resumed: None,
            });
        };
        let ck = Checkpoint::load(path)?;
        self.check_fits(&ck.meta)?;
        if ck.meta.config.backbone != config.backbone || ck.meta.config.mode != config.mode {
            return Err(EngineError::ModelMismatch(format!(
                "{} was trained with {} in {} mode; choose the same backbone and mode to \
                 resume it",
                ck.dir.display(),
                ck.meta.config.backbone,
                ck.meta.config.mode
            )));
        }
        Ok(RunStart {
            net: Network::from_checkpoint(&self.options, &ck, emit)?,
            config,
            resumed: Some(ck),
        })
    }

    /// After a failed run: use its last checkpoint if it wrote one (and say so), else keep the
    /// network in use before the run.
    fn recover_from_failed_run(&mut self, run_id: &str, fallback: Option<&Path>, emit: Emit) {
        if let Some(dir) = fallback {
            match self.load_checkpoint(dir, emit) {
                Ok(()) => {
                    emit(EventBody::Notice(format!(
                        "Training {run_id} failed; vitrine now uses its last checkpoint, {}.",
                        dir.display()
                    )));
                    return;
                }
                Err(e) => log::warn!("the last checkpoint of {run_id} cannot be used: {e}"),
            }
        }
        let kept = self.network.as_ref().map_or_else(
            || "the pretrained network".to_string(),
            |n| n.identity.to_string(),
        );
        emit(EventBody::Notice(format!(
            "Training {run_id} failed before its first checkpoint; vitrine keeps using {kept}."
        )));
    }

    /// Refuses a checkpoint that does not fit the open catalogue, in words.
    pub(crate) fn check_fits(&self, meta: &CheckpointMeta) -> Result<(), EngineError> {
        let state = self.catalogue.as_ref().ok_or(EngineError::NoCatalogue)?;
        let mine = state.tags.vocabulary.names();
        let theirs = meta.vocabulary.names();
        if mine.is_empty() {
            // A catalogue without descriptions has no tags of its own: any model's tags make it
            // searchable.
            return Ok(());
        }
        if let Some(difference) = describe_difference(&theirs, &mine) {
            let made = meta
                .vocabulary_settings
                .as_ref()
                .map_or_else(String::new, |s| format!(", made {}", s.describe()));
            return Err(EngineError::ModelMismatch(format!(
                "{difference}. It was trained on \"{}\" with a different tag vocabulary{made}; \
                 the open catalogue's is made {}. Train a new model, or open the catalogue and \
                 vocabulary it was trained on.",
                meta.catalogue_name,
                state.vocabulary.describe()
            )));
        }
        Ok(())
    }

    /// Loads a checkpoint for tagging and lookalikes (after checking it fits the catalogue).
    pub fn load_checkpoint(&mut self, path: &Path, emit: Emit) -> Result<(), EngineError> {
        let ck = Checkpoint::load(path)?;
        self.check_fits(&ck.meta)?;
        let net = Network::from_checkpoint(&self.options, &ck, emit)?;
        self.network = Some(net);
        self.publish_model(emit)
    }
}
