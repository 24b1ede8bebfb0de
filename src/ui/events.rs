//! How the window takes the worker's events. Each event names its request; the job table says
//! what that request was for, so an answer is never matched by position or by text.

use std::sync::Arc;

use super::app::{RightView, VitrineApp};
use super::detail::Selection;
use super::jobs::JobKind;
use super::style::capitalise;
use super::toolbar::Activity;
use super::train_panel::RunStatus;
use super::view::CatalogueView;
use crate::catalogue::CatalogueFormat;
use crate::engine::protocol::{
    CatalogueEmbeddings, CatalogueTags, EngineFailure, ModelSummary, Prediction, RunEnd,
    RunStarted,
};
use crate::engine::{Event, EventBody, RequestId, RunOutcome, Task, Worker};

impl VitrineApp {
    /// Takes the events waiting from the worker.
    pub(super) fn poll_worker(&mut self) {
        // A bounded batch per frame keeps a frame short even after a burst of events.
        for _ in 0..1000 {
            let Some(event) = self.worker.as_ref().and_then(Worker::try_recv) else {
                return;
            };
            self.handle(event);
        }
        self.repaint.request();
    }

    /// Takes one event from the worker.
    pub(crate) fn handle(&mut self, event: Event) {
        let Event { request, body } = event;
        if self.stop_requested && self.jobs.training() == Some(request) {
            // Stop was clicked while the run waited behind other work: it has begun now.
            if let Some(worker) = &self.worker {
                worker.stop();
            }
            self.stop_requested = false;
        }
        match body {
            EventBody::CatalogueReady(ready) => self.catalogue_ready(&ready),
            EventBody::Busy { task, done, total } => {
                self.activity = Some(Activity {
                    label: task.label().to_string(),
                    task: Some(task),
                    request,
                    done,
                    total,
                });
            }
            EventBody::Notice(text) => self.messages.warning(capitalise(&text)),
            EventBody::Embeddings(embeddings) => self.embeddings_ready(embeddings),
            EventBody::TrainingStarted(run) => self.training_started(&run),
            EventBody::Progress(progress) => {
                self.activity = Some(Activity {
                    label: format!("Training: epoch {} of {}", progress.epoch, progress.epochs),
                    task: None,
                    request,
                    done: progress.epoch.saturating_sub(1) * progress.steps_per_epoch
                        + progress.step,
                    total: progress.epochs * progress.steps_per_epoch,
                });
                self.train.push_progress(progress);
            }
            EventBody::Eval(report) => {
                self.train
                    .push_eval(report.epoch, report.step, report.metrics.clone());
                self.train.thresholds = report.thresholds.clone();
                self.train.validation = report.validation.clone();
            }
            EventBody::Checkpoint { path, epoch } => {
                self.settings.last_checkpoint = Some(path.clone());
                self.train.last_checkpoint = Some((path, epoch));
            }
            EventBody::Finished(end) => self.training_finished(end),
            EventBody::ModelReady(summary) => self.model_ready(request, summary),
            EventBody::ItemTags(predictions) => {
                if let Some(view) = &mut self.view {
                    if !view.set_predictions(predictions) {
                        log::warn!("tag predictions for another catalogue were ignored");
                    }
                }
            }
            EventBody::Prediction(prediction) => self.prediction_ready(request, prediction),
            EventBody::Done => self.job_ended(request),
            EventBody::Failed(failure) => self.job_failed(request, failure),
        }
        self.send_queued_train();
    }

    /// The worker took a catalogue: it becomes the open one.
    fn catalogue_ready(&mut self, ready: &CatalogueTags) {
        let catalogue = &ready.catalogue;
        let has_problems = !catalogue.report.problems.is_empty();
        let format_folder = catalogue.format == CatalogueFormat::Folder;
        let trainable_items = ready.trainable_items;
        let view = CatalogueView::new(ready);
        if view.is_empty() {
            self.messages.warning(format!(
                "{} has no usable photos. See the import report for why.",
                view.catalogue.name
            ));
        } else if format_folder || trainable_items == 0 {
            self.messages.warning(format!(
                "{} has no descriptions, so there are no tags to learn. Lookalikes still work.",
                view.catalogue.name
            ));
        } else if trainable_items < 4 {
            self.messages.warning(format!(
                "Only {trainable_items} item(s) of {} have tags; training needs at least 4.",
                view.catalogue.name
            ));
        }
        self.selection = Selection::default();
        if !view.is_empty() {
            self.selection.select(0);
        }
        self.lookalikes.reset();
        self.grid.reset();
        self.train.reset_runs();
        self.drop.forget_lookalikes();
        self.right = RightView::Item;
        self.report_open = has_problems;
        self.view = Some(view);
        self.run_demo_actions();
    }

    fn embeddings_ready(&mut self, embeddings: Arc<CatalogueEmbeddings>) {
        if self
            .activity
            .as_ref()
            .is_some_and(|a| a.task == Some(Task::ComputingEmbeddings))
        {
            self.activity = None;
        }
        if let Some(view) = &mut self.view {
            if view.set_embeddings(embeddings) {
                self.embeddings_generation += 1;
            } else {
                log::warn!("embeddings for another catalogue were ignored");
            }
        }
    }

    fn training_started(&mut self, run: &RunStarted) {
        self.activity = None;
        let t = &mut self.train;
        t.status = match t.status {
            RunStatus::Stopping => RunStatus::Stopping,
            _ => RunStatus::Running,
        };
        t.run_id = Some(run.run_id.clone());
        t.run_config = Some(run.config.clone());
        t.vocabulary = run.vocabulary.clone();
        t.train_items = run.train_items.len();
        t.validation_items = run.validation_items.clone();
        t.validation.clear();
        t.progress = None;
        t.set_history(&run.history);
    }

    fn training_finished(&mut self, end: RunEnd) {
        self.train.status = RunStatus::Idle;
        self.activity = None;
        let saved = end
            .checkpoint
            .as_ref()
            .map(|p| format!(" The model is saved in {}.", p.display()))
            .unwrap_or_default();
        let epochs = end.epochs_completed;
        self.messages.info(match end.outcome {
            RunOutcome::Stopped => format!(
                "Training stopped after {epochs} epoch(s).{saved} Click Resume to continue it."
            ),
            RunOutcome::Completed => format!(
                "Training finished: {epochs} epoch(s).{saved} Predicted tags now appear for \
                 every item."
            ),
        });
    }

    fn model_ready(&mut self, request: RequestId, summary: Arc<ModelSummary>) {
        if let Some(JobKind::Checkpoint { path, announce }) = self.jobs.get(request).cloned() {
            if announce {
                self.messages.info(format!(
                    "Model loaded from {} ({} epoch(s), {} tags).",
                    path.display(),
                    summary.epochs_completed,
                    summary.vocabulary.len()
                ));
            }
            self.train.set_history(&summary.history);
            self.train.vocabulary = summary.vocabulary.clone();
            self.train.thresholds = summary.thresholds.clone();
        }
        if let Some(path) = &summary.checkpoint {
            self.settings.last_checkpoint = Some(path.clone());
            self.train.last_checkpoint = Some((path.clone(), summary.epochs_completed));
        }
        self.train.model = Some(summary);
    }

    fn prediction_ready(&mut self, request: RequestId, prediction: Arc<Prediction>) {
        let newest = self
            .jobs
            .newest(|k| matches!(k, JobKind::Predict { .. }));
        if newest == Some(request) {
            self.drop.take_prediction(prediction);
        }
    }

    /// A request ended well: forget it, and its progress.
    fn job_ended(&mut self, request: RequestId) {
        let kind = self.jobs.finish(request);
        if self.activity.as_ref().is_some_and(|a| a.request == request) {
            self.activity = None;
        }
        if kind == Some(JobKind::Train) && self.train.status.is_active() {
            // A run that never started (stopped while preparing) ends here.
            self.train.status = RunStatus::Idle;
        }
    }

    /// A request failed: show why, and tell the panel whose request it was.
    fn job_failed(&mut self, request: RequestId, failure: EngineFailure) {
        let newest_photo = self
            .jobs
            .newest(|k| matches!(k, JobKind::Predict { .. }));
        let kind = self.jobs.finish(request);
        if self.activity.as_ref().is_some_and(|a| a.request == request) {
            self.activity = None;
        }
        let text = capitalise(&failure.message);
        match kind {
            Some(JobKind::Predict { .. }) => {
                // An older photo's failure must not mark the newest one, still queued.
                if newest_photo == Some(request) {
                    self.drop.fail(text.clone());
                }
            }
            Some(JobKind::Train) => {
                self.train.status = RunStatus::Idle;
                self.train.config_error = Some(text.clone());
            }
            Some(JobKind::Checkpoint { path, .. }) => {
                self.messages.warning(format!(
                    "The model in {} could not be used. {text} Train a new model instead.",
                    path.display()
                ));
                return;
            }
            Some(JobKind::Catalogue | JobKind::Embed) => {}
            None => log::warn!("a failure answered request {request}, which is not known"),
        }
        self.messages.error(text);
    }
}
