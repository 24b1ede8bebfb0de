//! Carrying out what the user asked for: actions from the panels, dropped files, keys and
//! file dialogs. Requests to the worker are recorded in the job table.

use std::path::{Path, PathBuf};

use eframe::egui;
use egui::Key;

use super::actions::Action;
use super::app::{RightView, VitrineApp};
use super::dialogs::{DialogKind, DialogOutcome};
use super::drop::is_catalogue_path;
use super::jobs::JobKind;
use super::loader::CatalogueSource;
use super::settings::Tab;
use super::train_panel::RunStatus;
use crate::engine::{Command, TrainConfig};

impl VitrineApp {
    /// Files dropped on the window this frame: a catalogue opens, a photo is tagged.
    pub(super) fn take_dropped_files(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        let Some(first) = dropped.first() else {
            return;
        };
        if dropped.len() > 1 {
            self.messages.warning(format!(
                "{} files were dropped; only the first, {}, is used.",
                dropped.len(),
                first.display()
            ));
        }
        if is_catalogue_path(first) {
            actions.push(Action::OpenCatalogue(first.clone()));
        } else {
            actions.push(Action::Predict(first.clone()));
        }
    }

    /// Arrow keys move the selection; Alt+arrows go back and forward.
    pub(super) fn keyboard(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if self.tab != Tab::Catalogue || ctx.text_edit_focused() || self.view.is_none() {
            return;
        }
        let (alt, pressed) = ctx.input(|i| {
            let keys = [
                Key::ArrowLeft,
                Key::ArrowRight,
                Key::ArrowUp,
                Key::ArrowDown,
                Key::Home,
                Key::End,
            ];
            (
                i.modifiers.alt,
                keys.into_iter().find(|k| i.key_pressed(*k)),
            )
        });
        let Some(key) = pressed else {
            return;
        };
        if alt {
            match key {
                Key::ArrowLeft => actions.push(Action::Back),
                Key::ArrowRight => actions.push(Action::Forward),
                _ => {}
            }
            return;
        }
        if let Some(next) = self.grid.step(self.selection.current(), key) {
            actions.push(Action::Select(next));
        }
    }

    /// Carries out what the user asked for.
    pub(super) fn apply(&mut self, action: Action) {
        match action {
            Action::Select(item) => {
                self.selection.select(item);
                self.right = RightView::Item;
                self.grid.reveal_selected();
            }
            Action::Back => {
                if self.selection.back() {
                    self.right = RightView::Item;
                    self.grid.reveal_selected();
                }
            }
            Action::Forward => {
                if self.selection.forward() {
                    self.right = RightView::Item;
                    self.grid.reveal_selected();
                }
            }
            Action::ShowItem => self.right = RightView::Item,
            Action::OpenCatalogueDialog => self.open_dialog(DialogKind::CatalogueFile),
            Action::OpenFolderDialog => self.open_dialog(DialogKind::CatalogueFolder),
            Action::OpenPhotoDialog => self.open_dialog(DialogKind::Photo),
            Action::ExportShopDialog(export) => self.open_dialog(DialogKind::ExportShop(export)),
            Action::ExportShop(export, path) => self.export_shop(export, path),
            Action::StopFetchingPhotos => {
                if let Some(loading) = &self.loading {
                    loading.stop_fetching();
                }
            }
            Action::OpenCheckpointDialog => self.open_dialog(DialogKind::Checkpoint),
            Action::OpenCatalogue(path) => self.start_loading(CatalogueSource::Path(path), false),
            Action::OpenDemo => self.start_loading(CatalogueSource::Demo, false),
            Action::Predict(path) => {
                self.drop.start(path.clone());
                self.right = RightView::Photo;
                let job = JobKind::Predict {
                    photo: path.clone(),
                };
                if !self.send_job(job, Command::Predict(path)) {
                    self.drop
                        .fail("the background worker is not running; restart vitrine".into());
                }
            }
            Action::StartTraining(config) => self.start_training(config, None),
            Action::Resume => match self.train.resume_config() {
                Ok((path, config)) => self.start_training(config, Some(path)),
                Err(e) => self.train.config_error = Some(format!("Cannot resume: {e}.")),
            },
            Action::StopTraining => self.stop_training(),
            Action::LoadCheckpoint(path) => self.load_checkpoint(path, true),
            Action::ShowReport => self.report_open = true,
            Action::SetTab(tab) => self.tab = tab,
            Action::Vocabulary(action) => self.vocabulary_action(action),
            Action::SetCorrection { item, tag, value } => self.correct(item, &tag, value),
            Action::ForgetCorrections(item) => self.forget_corrections(item),
            Action::RetrainWithCorrections => {
                let config = self.train.config.clone();
                self.start_training(config, None);
            }
            Action::ExportDialog => self.open_dialog(DialogKind::ExportTags),
            Action::ExportTags(path) => self.export_tags(&path),
            Action::SetMatchPreset(preset) => {
                self.matching.preset = Some(preset);
                self.matching.weights = preset.weights();
            }
            Action::SetMatchWeights(weights) => {
                self.matching.preset = crate::lookalike::Preset::ALL
                    .into_iter()
                    .find(|p| p.weights() == weights);
                self.matching.weights = weights;
            }
            Action::ShowGarmentMask(show) => self.matching.show_mask = show,
            Action::ExportLookalikesDialog => self.open_dialog(DialogKind::ExportLookalikes),
            Action::ExportLookalikes(path) => self.export_lookalikes(path),
        }
    }

    /// Sends a command and records it in the job table; false (with a message) when the
    /// worker is gone.
    pub(super) fn send_job(&mut self, job: JobKind, command: Command) -> bool {
        let sent = match &self.worker {
            Some(worker) => worker.send(command).map_err(|e| e.to_string()),
            None => Err("the background worker is not running".to_string()),
        };
        match sent {
            Ok(request) => {
                self.jobs.started(request, job);
                true
            }
            Err(e) => {
                self.messages
                    .error(format!("This cannot be done: {e}. Restart vitrine."));
                false
            }
        }
    }

    pub(super) fn start_training(&mut self, config: TrainConfig, resume: Option<PathBuf>) {
        if self.view.is_none() {
            self.train.config_error = Some("Cannot start: no catalogue is open yet.".into());
            return;
        }
        self.train.config_error = None;
        self.train.run_config = Some(config.clone());
        self.train.progress = None;
        self.train.status = RunStatus::Starting;
        self.settings.train = self.train.config.clone();
        self.stop_requested = false;
        self.queued_train = Some((config, resume));
        self.send_queued_train();
    }

    /// Sends the waiting training run once nothing is preparing the catalogue.
    pub(super) fn send_queued_train(&mut self) {
        if self.jobs.any_preparing() {
            return;
        }
        let Some((config, resume)) = self.queued_train.take() else {
            return;
        };
        self.send_corrections();
        if !self.send_job(JobKind::Train, Command::Train { config, resume }) {
            self.train.status = RunStatus::Idle;
        }
    }

    /// Stops the run (or cancels it while it waits to start).
    pub(super) fn stop_training(&mut self) {
        if self.queued_train.take().is_some() {
            // It never started: nothing to stop, nothing to save.
            self.train.status = RunStatus::Idle;
            self.activity = None;
            return;
        }
        if !self.train.status.is_active() {
            return;
        }
        self.train.status = RunStatus::Stopping;
        let running = self.jobs.running().map(|(id, _)| id);
        if running.is_some() && running == self.jobs.training() {
            if let Some(worker) = &self.worker {
                worker.stop();
            }
        } else {
            // The run is queued behind another job; stop it as soon as it starts.
            self.stop_requested = true;
        }
    }

    /// Asks the worker to use a checkpoint's model.
    pub(super) fn load_checkpoint(&mut self, path: PathBuf, announce: bool) {
        let job = JobKind::Checkpoint {
            path: path.clone(),
            announce,
        };
        self.send_job(job, Command::LoadCheckpoint(path));
    }

    pub(super) fn open_dialog(&mut self, kind: DialogKind) {
        let start = self.settings.last_dialog_dir.clone();
        if let Err(e) = self.dialogs.open(kind, start, self.repaint.clone()) {
            self.messages
                .error(format!("{e}. Drag the file onto the window instead."));
        }
    }

    /// Takes a file dialog's answer.
    pub(super) fn poll_dialogs(&mut self) {
        let Some(outcome) = self.dialogs.poll() else {
            return;
        };
        match outcome {
            DialogOutcome::Chosen(kind, path) => {
                self.settings.last_dialog_dir = path.parent().map(Path::to_path_buf);
                let action = match kind {
                    DialogKind::CatalogueFile | DialogKind::CatalogueFolder => {
                        Action::OpenCatalogue(path)
                    }
                    DialogKind::Photo => Action::Predict(path),
                    DialogKind::Checkpoint => Action::LoadCheckpoint(path),
                    DialogKind::ExportTags => Action::ExportTags(path),
                    DialogKind::ExportLookalikes => Action::ExportLookalikes(path),
                    DialogKind::ExportShop(export) => Action::ExportShop(export, path),
                };
                self.apply(action);
            }
            DialogOutcome::Cancelled { suspicious: true }
                if self.dialogs.last_kind() == Some(DialogKind::ExportTags) =>
            {
                self.ask_export_path();
            }
            DialogOutcome::Cancelled { suspicious: true } => self.messages.warning(
                "No file dialog could be shown: this desktop seems to have no file chooser \
                 service (xdg-desktop-portal). Drag the file or folder onto the window instead.",
            ),
            DialogOutcome::Cancelled { suspicious: false } => {}
        }
    }
}
