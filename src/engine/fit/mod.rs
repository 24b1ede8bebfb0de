//! One training run: [`TrainingRun::prepare`] (network, split, inputs), then epochs of
//! [`TrainingRun::step`], [`TrainingRun::evaluate`] and [`TrainingRun::checkpoint`].
//!
//! The run owns its network until it ends: the engine keeps using its previous network while
//! the run's weights change, and installs the run's only once they are the weights of a
//! checkpoint (see [`super::core::Engine::train`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::nn;

mod clock;
pub mod early_stop;
pub(crate) mod ensemble;
mod fast_end;
pub(crate) mod head;
mod plan;
mod save;
mod step;
pub(crate) mod tune;

use clock::StepClock;
use early_stop::{EarlyStop, Verdict};
use fast_end::FastEnd;
use head::{head_step, snapshot, OneTorchThread};
use plan::{plan, prepare_inputs, prior_biases, standardise};
pub(crate) use step::{bce_step, train_step};

use super::checkpoint::{Checkpoint, EvalPoint, History, LossPoint};
use super::config::{TrainConfig, TrainMode};
use super::eval::{self, EvalSplit, Inputs};
use super::identity::ModelIdentity;
use super::network::{Emit, Head, Network};
use super::options::EngineOptions;
use super::protocol::{EvalReport, EventBody, RunEnd, RunOutcome, RunStarted};
use super::split::Split;
use super::state::CatalogueState;
use super::EngineError;
use crate::text::vocab::VocabularySettings;
use crate::text::Vocabulary;

/// A training run in progress.
pub(crate) struct TrainingRun<'a> {
    net: Network,
    config: TrainConfig,
    vocabulary: Vocabulary,
    vocabulary_settings: VocabularySettings,
    split: Split,
    run_id: String,
    run_dir: PathBuf,
    catalogue_name: String,
    train_idx: Vec<usize>,
    val_idx: Vec<usize>,
    inputs: Inputs<'a>,
    history: History,
    start_epoch: usize,
    global_step: usize,
    thresholds: Vec<f32>,
    last_checkpoint: Option<PathBuf>,
    fail_at_step: Option<usize>,
}

/// What a new run starts from: a fresh network, or the checkpoint it resumes.
pub(crate) struct RunStart {
    pub(crate) net: Network,
    pub(crate) config: TrainConfig,
    pub(crate) resumed: Option<Checkpoint>,
}

/// Items, split and targets of a run, before its inputs are prepared.
pub(super) struct Plan {
    pub(super) split: Split,
    pub(super) history: History,
    pub(super) start_epoch: usize,
    pub(super) global_step: usize,
    pub(super) run_id: String,
    pub(super) train_idx: Vec<usize>,
    pub(super) val_idx: Vec<usize>,
    pub(super) targets: Vec<Vec<f32>>,
}

impl<'a> TrainingRun<'a> {
    /// Plans the run and prepares its inputs (features or photos, into `state`); `None` when
    /// stopped while preparing.
    pub(crate) fn prepare(
        start: RunStart,
        state: &'a mut CatalogueState,
        options: &EngineOptions,
        stop: &AtomicBool,
        emit: Emit,
    ) -> Result<Option<Self>, EngineError> {
        let RunStart {
            mut net,
            config,
            resumed,
        } = start;
        let vocabulary = state.tags.vocabulary.clone();
        let plan = plan(state, &config, &vocabulary, resumed.as_ref(), options)?;
        let fresh_head = net.head.is_none();
        if fresh_head {
            let thresholds = vec![config.threshold; vocabulary.len()];
            net.head = Some(Head::new(&net.vs, net.kind, vocabulary.clone(), thresholds));
        }
        let (features, train_idx, val_idx) =
            match prepare_inputs(&net, state, &config, options, stop, emit, &plan)? {
                Some(inputs) => inputs,
                None => return Ok(None),
            };
        if train_idx.is_empty() || val_idx.is_empty() {
            return Err(EngineError::NothingToLearn(
                "no usable photos in the training or validation split".into(),
            ));
        }
        if let (true, Some(head)) = (fresh_head, &net.head) {
            // Fine-tuning changes the features as it goes, so only fast mode standardises
            // them; both start every tag at its base rate.
            if let Some(all) = &features {
                standardise(head, all, &train_idx)?;
            }
            prior_biases(head, &plan.targets, &train_idx);
        }
        let state: &'a CatalogueState = state;
        let thresholds = net.head.as_ref().map(|h| h.thresholds.clone());
        if config.mode == TrainMode::FineTune {
            // From the first step on, these weights are no checkpoint's: never cache them.
            net.identity = ModelIdentity::Training {
                backbone: net.kind,
                run_id: plan.run_id.clone(),
            };
        }
        Ok(Some(Self {
            thresholds: thresholds.unwrap_or_else(|| vec![config.threshold; vocabulary.len()]),
            net,
            run_dir: options.checkpoint_root.join(&plan.run_id),
            catalogue_name: state.catalogue.name.clone(),
            inputs: Inputs {
                features,
                images: state.images.as_ref(),
                targets: plan.targets,
            },
            config,
            vocabulary,
            vocabulary_settings: state.vocabulary.clone(),
            split: plan.split,
            run_id: plan.run_id,
            train_idx,
            val_idx,
            history: plan.history,
            start_epoch: plan.start_epoch,
            global_step: plan.global_step,
            last_checkpoint: None,
            fail_at_step: options.fail_at_step,
        }))
    }

    /// The newest checkpoint this run wrote.
    pub(crate) fn last_checkpoint(&self) -> Option<&PathBuf> {
        self.last_checkpoint.as_ref()
    }

    /// The network the engine used before (for messages).
    pub(crate) fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Runs the remaining epochs; stops (with a checkpoint) when `stop` is set. Fast mode
    /// evaluates every `eval_every_epochs` epochs, stops early after `patience` evaluations
    /// without a better score (the settings' criterion), and ends with the best weights, calibrated
    /// ([`Self::finish_fast`]); fine-tune writes a checkpoint every epoch.
    pub(crate) fn run(&mut self, stop: &AtomicBool, emit: Emit) -> Result<RunOutcome, EngineError> {
        let steps_per_epoch = self.train_idx.len().div_ceil(self.config.batch_size);
        emit(EventBody::TrainingStarted(Arc::new(RunStarted {
            run_id: self.run_id.clone(),
            config: self.config.clone(),
            vocabulary: self.vocabulary.names(),
            train_items: self.train_idx.clone(),
            validation_items: self.val_idx.clone(),
            steps_per_epoch,
            start_epoch: self.start_epoch,
            history: self.history.clone(),
            targets: Arc::new(self.inputs.targets.clone()),
        })));
        let fast = self.config.mode == TrainMode::Fast;
        let _one_thread = fast.then(OneTorchThread::new);
        let mut opt = head::optimizer(&self.net.vs, &self.config)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(self.config.seed ^ 0x5eed);
        let mut clock = StepClock::new(steps_per_epoch * self.config.epochs);
        let mut early = EarlyStop::new(self.config.patience);
        let mut best_weights = None;
        let mut end = FastEnd {
            epochs_done: self.start_epoch,
            stopped_mid_epoch: false,
            stopped_early: false,
        };
        'epochs: for epoch in self.start_epoch..self.config.epochs {
            let mut order = self.train_idx.clone();
            let mut epoch_rng =
                rand::rngs::StdRng::seed_from_u64(self.config.seed.wrapping_add(epoch as u64));
            order.shuffle(&mut epoch_rng);
            for (s, batch) in order.chunks(self.config.batch_size).enumerate() {
                if stop.load(Ordering::Relaxed) {
                    if fast {
                        end.stopped_mid_epoch = s > 0;
                        break 'epochs;
                    }
                    self.checkpoint(epoch, true, emit)?;
                    return Ok(RunOutcome::Stopped);
                }
                let loss = self.step(batch, &mut rng, &mut opt)?;
                let done_steps = epoch * steps_per_epoch + s + 1;
                emit(EventBody::Progress(clock.progress(
                    &self.config,
                    (epoch, s),
                    steps_per_epoch,
                    (self.global_step, done_steps),
                    loss,
                )));
                let last_of_epoch = s + 1 == steps_per_epoch;
                let every = self.config.eval_every_steps;
                if !fast && (last_of_epoch || (every > 0 && self.global_step.is_multiple_of(every)))
                {
                    let frac = epoch as f32 + (s + 1) as f32 / steps_per_epoch as f32;
                    self.evaluate(frac, emit)?;
                }
            }
            end.epochs_done = epoch + 1;
            if !fast {
                self.checkpoint(epoch + 1, false, emit)?;
                continue;
            }
            let due = end
                .epochs_done
                .is_multiple_of(self.config.eval_every_epochs.max(1))
                || end.epochs_done == self.config.epochs;
            if due {
                let score = self.evaluate(end.epochs_done as f32, emit)?;
                match early.observe(end.epochs_done, self.global_step, score) {
                    Verdict::Improved => {
                        best_weights = self.net.head.as_ref().map(snapshot);
                    }
                    Verdict::Continue => {}
                    Verdict::Stop => {
                        end.stopped_early = true;
                        break;
                    }
                }
            }
        }
        if !fast {
            return Ok(RunOutcome::Completed);
        }
        let outcome = if stop.load(Ordering::Relaxed) {
            RunOutcome::Stopped
        } else {
            RunOutcome::Completed
        };
        let best = early.best().cloned().zip(best_weights);
        self.finish_fast(end, best, emit)?;
        Ok(outcome)
    }

    /// One optimisation step on a batch; returns its loss.
    fn step(
        &mut self,
        batch: &[usize],
        rng: &mut rand::rngs::StdRng,
        opt: &mut nn::Optimizer,
    ) -> Result<f32, EngineError> {
        if self.fail_at_step == Some(self.global_step + 1) {
            return Err(EngineError::Torch(tch::TchError::Torch(format!(
                "injected failure at step {}",
                self.global_step + 1
            ))));
        }
        let loss = match (&self.inputs.features, &self.net.head) {
            (Some(features), Some(head)) if self.config.mode == TrainMode::Fast => {
                head_step(head, features, &self.inputs.targets, batch, opt)?
            }
            _ => train_step(&self.net, &self.inputs, batch, self.config.mode, rng, opt)?,
        };
        if !loss.is_finite() {
            return Err(EngineError::NonFinite(format!(
                "training stopped at step {}: the loss is {loss}, not a finite number, so the \
                 weights can no longer be trusted; no checkpoint was written from it (try a \
                 lower learning rate)",
                self.global_step + 1
            )));
        }
        self.global_step += 1;
        self.history.losses.push(LossPoint {
            step: self.global_step,
            loss,
        });
        Ok(loss)
    }

    /// Scores the validation split, records and emits the result, keeps its thresholds;
    /// returns its score by the settings' criterion. Fast mode scores at the settings' threshold: its thresholds are
    /// chosen out of fold at the end, never on the training split's own predictions.
    fn evaluate(&mut self, epoch: f32, emit: Emit) -> Result<f32, EngineError> {
        let split = EvalSplit {
            train: &self.train_idx,
            validation: &self.val_idx,
        };
        let mut config = self.config.clone();
        if config.mode == TrainMode::Fast {
            config.tune_thresholds = false;
        }
        let e = eval::evaluate(&self.net, &self.inputs, split, &self.vocabulary, &config)?;
        let truth: Vec<Vec<bool>> = self
            .val_idx
            .iter()
            .map(|&i| self.inputs.targets[i].iter().map(|&x| x >= 0.5).collect())
            .collect();
        let score = self
            .config
            .stop_on
            .score(&e.metrics, &e.validation_probabilities, &truth);
        self.history.evals.push(EvalPoint {
            step: self.global_step,
            epoch,
            metrics: e.metrics.clone(),
        });
        emit(EventBody::Eval(Arc::new(EvalReport {
            epoch,
            step: self.global_step,
            metrics: e.metrics,
            thresholds: e.thresholds.clone(),
            validation: Arc::new(
                self.val_idx
                    .iter()
                    .copied()
                    .zip(e.validation_probabilities)
                    .collect(),
            ),
        })));
        self.thresholds = e.thresholds;
        Ok(score)
    }

    /// The run's network, with the identity of its last checkpoint, and how the run ended.
    /// Only call after [`TrainingRun::run`] returned `Ok`: the weights then equal the last
    /// checkpoint's.
    pub(crate) fn finish(self, outcome: RunOutcome) -> (Network, RunEnd) {
        let mut net = self.net;
        let meta = net.head.as_ref().and_then(|h| h.meta.as_ref());
        let epochs_completed = meta.map_or(self.start_epoch, |m| m.epochs_completed);
        if self.config.mode == TrainMode::FineTune {
            net.identity = ModelIdentity::FineTuned {
                backbone: net.kind,
                run_id: self.run_id.clone(),
                epoch: epochs_completed,
                global_step: self.global_step,
            };
        }
        let end = RunEnd {
            outcome,
            epochs_completed,
            checkpoint: self.last_checkpoint,
            model: net.identity.clone(),
        };
        (net, end)
    }
}

#[cfg(test)]
mod tests;
