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
    CatalogueEmbeddings, CatalogueTags, EngineFailure, ModelSummary, Prediction, RunEnd, RunStarted,
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
            let name = super::frame_trace::event_name(&event.body);
            let started = std::time::Instant::now();
            self.handle(event);
            super::frame_trace::note_event(name, started.elapsed());
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
            EventBody::CatalogueReady(ready) => self.catalogue_ready(ready),
            EventBody::VocabularyReady(report) => self.vocabulary_ready(report),
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
                self.train.validation_from(&predictions);
                if let Some(view) = &mut self.view {
                    if !view.set_predictions(predictions) {
                        log::warn!("tag predictions for another catalogue were ignored");
                    }
                }
                self.rebuild_validation_gallery();
            }
            EventBody::Prediction(prediction) => self.prediction_ready(request, prediction),
            EventBody::MatchParts(parts) => self.match_parts_ready(parts),
            EventBody::Done => self.job_ended(request),
            EventBody::Failed(failure) => self.job_failed(request, failure),
        }
        self.send_queued_train();
    }

    /// The worker took a catalogue: it becomes the open one.
    fn catalogue_ready(&mut self, ready: Arc<CatalogueTags>) {
        let has_problems = !ready.catalogue.report.problems.is_empty();
        let format_folder = ready.catalogue.format == CatalogueFormat::Folder;
        let trainable_items = ready.trainable_items;
        let view = CatalogueView::new_in_background(ready, self.repaint.clone());
        if view.is_empty() {
            self.messages.warning(format!(
                "{} has no usable photos. See the import report for why.",
                view.catalogue.name
            ));
        } else if format_folder || !view.catalogue.has_descriptions() {
            self.messages.warning(format!(
                "{} has no descriptions, so there are no tags to learn. Lookalikes still work.",
                view.catalogue.name
            ));
        } else if trainable_items == 0 {
            self.messages.warning(format!(
                "The vocabulary of {} has no tags, so there is nothing to learn: add tags in \
                 the vocabulary editor, or reset its edits. Lookalikes still work.",
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
        self.matching.reset();
        self.grid.reset();
        self.train.reset_runs();
        self.drop.forget_lookalikes();
        self.right = RightView::Item;
        self.report_open = has_problems;
        self.view = Some(view);
        self.load_corrections();
        self.load_fitted_weights();
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
        t.validation = Default::default();
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
        if let Some(view) = &mut self.view {
            view.set_split(summary.split.clone());
        }
        if summary.tuning.is_some() {
            // The kept epoch's calibrated scores, not the last evaluation's.
            self.train.last_metrics = summary.last_metrics.clone();
            self.train.thresholds = summary.thresholds.clone();
        }
        self.train.model = Some(summary);
    }

    fn prediction_ready(&mut self, request: RequestId, prediction: Arc<Prediction>) {
        let newest = self.jobs.newest(|k| matches!(k, JobKind::Predict { .. }));
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
        let newest_photo = self.jobs.newest(|k| matches!(k, JobKind::Predict { .. }));
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
            Some(JobKind::Catalogue | JobKind::Embed | JobKind::Corrections | JobKind::Colours) => {
            }
            Some(JobKind::Vocabulary) => self.vocabulary.waiting = false,
            None => log::warn!("a failure answered request {request}, which is not known"),
        }
        self.messages.error(text);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::catalogue::{Catalogue, ImportReport, Item};
    use crate::engine::{EngineFailure, FailureKind};
    use crate::ui::AppOptions;

    fn app(dir: &std::path::Path) -> VitrineApp {
        let mut options = AppOptions::new(Some(dir.join("no-catalogue-here.csv")));
        options.engine.checkpoint_root = dir.join("checkpoints");
        options.engine.cache_root = dir.join("embeddings");
        options.thumbnail_cache = None;
        options.auto_load_checkpoint = false;
        VitrineApp::new(options)
    }

    fn ready(name: &str) -> Arc<CatalogueTags> {
        let items = (0..3)
            .map(|i| Item {
                id: format!("{i}.jpg"),
                image_path: PathBuf::from(format!("/nowhere/{i}.jpg")),
                description: "A red dress".into(),
                attributes: BTreeMap::new(),
                extra_images: Vec::new(),
            })
            .collect();
        Arc::new(CatalogueTags {
            catalogue: Arc::new(Catalogue {
                name: name.into(),
                source: PathBuf::from("/nowhere"),
                format: CatalogueFormat::Csv,
                items,
                report: ImportReport::default(),
            }),
            vocabulary: vec!["red".into(), "dress".into()],
            item_tags: vec![vec!["red".into(), "dress".into()]; 3],
            trainable_items: 3,
        })
    }

    fn event(request: u64, body: EventBody) -> Event {
        Event {
            request: RequestId(request),
            body,
        }
    }

    #[test]
    fn a_failed_catalogue_job_does_not_swallow_the_next_catalogue() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let mut app = app(dir.path());
        app.jobs.started(RequestId(101), JobKind::Catalogue);
        app.jobs.started(RequestId(102), JobKind::Embed);
        app.jobs.started(RequestId(103), JobKind::Catalogue);
        app.handle(event(
            101,
            EventBody::Failed(EngineFailure {
                kind: FailureKind::Internal,
                message: "opening the catalogue failed: the tagger broke".into(),
            }),
        ));
        assert!(app.catalogue().is_none());
        assert!(app
            .messages()
            .items()
            .iter()
            .any(|m| m.text.contains("the tagger broke")));
        app.handle(event(102, EventBody::Done));
        // The next catalogue opens, although the one before it failed.
        app.handle(event(103, EventBody::CatalogueReady(ready("second"))));
        app.handle(event(103, EventBody::Done));
        assert_eq!(
            app.catalogue().map(|v| v.catalogue.name.as_str()),
            Some("second")
        );
        assert!(app.jobs.running().is_none());
        assert!(!app.jobs.opening_catalogue());
    }

    #[test]
    fn an_old_photo_failing_does_not_mark_the_newest_one() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let mut app = app(dir.path());
        let old = PathBuf::from("/photos/old.jpg");
        let new = PathBuf::from("/photos/new.jpg");
        app.jobs
            .started(RequestId(7), JobKind::Predict { photo: old });
        app.jobs
            .started(RequestId(8), JobKind::Predict { photo: new.clone() });
        app.drop.start(new);
        app.handle(event(
            7,
            EventBody::Failed(EngineFailure {
                kind: FailureKind::Photo,
                message: "tagging the photo failed: old.jpg is not a photo".into(),
            }),
        ));
        assert!(app.dropped().waiting, "the newest photo still waits");
        assert!(app.dropped().error.is_none());
        app.handle(event(
            8,
            EventBody::Failed(EngineFailure {
                kind: FailureKind::Photo,
                message: "tagging the photo failed: new.jpg is not a photo".into(),
            }),
        ));
        assert!(app
            .dropped()
            .error
            .as_deref()
            .is_some_and(|e| e.contains("new.jpg")));
    }
}
