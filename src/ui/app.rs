//! The window's state ([`VitrineApp`]) and how it reacts to the worker, the loaders, dialogs,
//! dropped files and clicks. Drawing lives in the panel modules; this file wires them up.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;
use eframe::egui;
use egui::Key;

use super::detail::{detail_ui, DetailContext, Selection};
use super::dialogs::{DialogKind, DialogOutcome, Dialogs};
use super::drop::{drop_panel_ui, hover_overlay_ui, is_catalogue_path, DropState};
use super::gallery::gallery_ui;
use super::grid::{grid_ui, GridState};
use super::lookalikes::LookalikeFinder;
use super::messages::{messages_ui, Messages};
use super::report::report_window_ui;
use super::settings::{Settings, Tab};
use super::thumbnails::ImageCache;
use super::toolbar::{toolbar_ui, Activity, ToolbarInfo};
use super::train_panel::{train_panel_ui, RunStatus, TrainState};
use super::view::{CatalogueView, ItemPredictions};
use super::Repaint;
use crate::catalogue::{self, Catalogue, ImportOptions};
use crate::index::Neighbour;
use crate::engine::checkpoint::Checkpoint;
use crate::engine::core::EngineOptions;
use crate::engine::{Command, Event, TrainConfig, TrainMode, Worker};

/// Something the user asked for this frame; panels push them, [`VitrineApp`] carries them out
/// after drawing.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Select a catalogue item (and show it in the detail panel).
    Select(usize),
    /// The previously selected item.
    Back,
    /// The item selected before Back.
    Forward,
    /// Show the selected item instead of the dropped photo.
    ShowItem,
    /// Choose a CSV or JSON catalogue.
    OpenCatalogueDialog,
    /// Choose a folder of photos.
    OpenFolderDialog,
    /// Choose a photo to tag.
    OpenPhotoDialog,
    /// Choose a checkpoint folder.
    OpenCheckpointDialog,
    /// Open this catalogue.
    OpenCatalogue(PathBuf),
    /// Open the built-in demo catalogue.
    OpenDemo,
    /// Tag this photo and find its lookalikes.
    Predict(PathBuf),
    /// Start a new training run.
    StartTraining(TrainConfig),
    /// Continue the last run.
    Resume,
    /// Stop the run (a checkpoint is kept).
    StopTraining,
    /// Use the model of this checkpoint.
    LoadCheckpoint(PathBuf),
    /// Show the import report.
    ShowReport,
    /// Switch the left-hand tab.
    SetTab(Tab),
}

/// A scripted step run once the catalogue is ready, for demos and screenshots
/// (see [`parse_demo_actions`]).
#[derive(Clone, Debug, PartialEq)]
pub enum DemoAction {
    /// Set the number of epochs.
    Epochs(usize),
    /// Start training in this mode.
    Train(TrainMode),
    /// Select the item with this 1-based number.
    Select(usize),
    /// Tag this photo, as if dropped.
    Drop(PathBuf),
    /// Show this tab.
    Tab(Tab),
}

/// Reads `VITRINE_DEMO_ACTION`-style steps separated by `;`: `train`, `train:fine-tune`,
/// `epochs:N`, `select:N` (1-based), `drop:PATH`, `tab:catalogue|train|gallery`. Unknown
/// steps are returned as errors in words.
pub fn parse_demo_actions(text: &str) -> (Vec<DemoAction>, Vec<String>) {
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    for step in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, arg) = step.split_once(':').unwrap_or((step, ""));
        let parsed = match (name.trim().to_ascii_lowercase().as_str(), arg.trim()) {
            ("train", "") => Some(DemoAction::Train(TrainMode::Fast)),
            ("train", mode) => mode.parse().ok().map(DemoAction::Train),
            ("epochs", n) => n.parse().ok().filter(|n| *n > 0).map(DemoAction::Epochs),
            ("select", n) => n.parse().ok().filter(|n| *n > 0).map(DemoAction::Select),
            ("drop", path) if !path.is_empty() => Some(DemoAction::Drop(PathBuf::from(path))),
            ("tab", "catalogue") => Some(DemoAction::Tab(Tab::Catalogue)),
            ("tab", "train") => Some(DemoAction::Tab(Tab::Train)),
            ("tab", "gallery") => Some(DemoAction::Tab(Tab::Gallery)),
            _ => None,
        };
        match parsed {
            Some(a) => actions.push(a),
            None => errors.push(format!("unknown demo step \"{step}\"")),
        }
    }
    (actions, errors)
}

/// How the window starts.
pub struct AppOptions {
    /// Where the worker keeps checkpoints and caches, and which weights it uses.
    pub engine: EngineOptions,
    /// A catalogue to open (else the last one, else the demo catalogue).
    pub catalogue: Option<PathBuf>,
    /// Settings restored from the last launch.
    pub settings: Settings,
    /// Folder for cached thumbnails (None: no disk cache).
    pub thumbnail_cache: Option<PathBuf>,
    /// Threads decoding thumbnails.
    pub thumbnail_threads: usize,
    /// Load the newest checkpoint that fits each catalogue opened.
    pub auto_load_checkpoint: bool,
    /// Scripted steps run once the first catalogue is ready.
    pub demo_actions: Vec<DemoAction>,
}

impl AppOptions {
    /// The usual options: platform folders, two thumbnail threads, automatic checkpoint loading.
    pub fn new(catalogue: Option<PathBuf>) -> Self {
        Self {
            engine: EngineOptions::default(),
            catalogue,
            settings: Settings::default(),
            thumbnail_cache: Some(crate::paths::cache_dir().join("thumbnails")),
            thumbnail_threads: 2,
            auto_load_checkpoint: true,
            demo_actions: Vec::new(),
        }
    }
}

/// Which side panel content is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RightView {
    /// The selected catalogue item.
    Item,
    /// The dropped (or opened) photo.
    Photo,
}

/// A command sent to the worker and not answered yet. The worker runs them in order, so the
/// oldest one is the one running, and each answer belongs to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Catalogue,
    Embed,
    Checkpoint,
    Train,
    Predict,
}

impl Job {
    /// Jobs that prepare the catalogue; training waits for them so Stop cannot hit them.
    fn prepares(self) -> bool {
        matches!(self, Job::Catalogue | Job::Embed | Job::Checkpoint)
    }
}

enum CatalogueSource {
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

struct Loading {
    rx: Receiver<LoadOutcome>,
    what: String,
    /// Open the demo catalogue if this one fails (used for the remembered catalogue).
    fall_back_to_demo: bool,
}

/// The whole window's state. Drive it with [`VitrineApp::ui`] from eframe or from a test
/// harness.
pub struct VitrineApp {
    repaint: Repaint,
    worker: Option<Worker>,
    checkpoint_root: PathBuf,
    images: ImageCache,
    dialogs: Dialogs,
    settings: Settings,
    tab: Tab,
    right: RightView,
    view: Option<CatalogueView>,
    pending_catalogues: VecDeque<Catalogue>,
    loading: Option<Loading>,
    grid: GridState,
    selection: Selection,
    lookalikes: LookalikeFinder,
    embeddings_generation: u64,
    train: TrainState,
    drop: DropState,
    messages: Messages,
    activity: Option<Activity>,
    report_open: bool,
    demo_actions: VecDeque<DemoAction>,
    auto_load_checkpoint: bool,
    /// A checkpoint asked for, and whether to announce it (not for the automatic one).
    loading_checkpoint: Option<(PathBuf, bool)>,
    /// Commands sent and not answered, oldest (running) first.
    jobs: VecDeque<Job>,
    /// A training run waiting for the catalogue to be prepared.
    queued_train: Option<(TrainConfig, Option<PathBuf>)>,
    /// Stop was clicked while the run was queued behind other work.
    stop_requested: bool,
    style_applied: bool,
}

impl VitrineApp {
    /// Starts the worker and the loader threads and begins opening the catalogue. Nothing here
    /// waits: problems show up in the window.
    pub fn new(options: AppOptions) -> Self {
        let repaint = Repaint::default();
        let mut messages = Messages::default();
        let notify = repaint.clone();
        let checkpoint_root = options.engine.checkpoint_root.clone();
        let worker = match Worker::spawn(options.engine, Box::new(move || notify.request())) {
            Ok(w) => Some(w),
            Err(e) => {
                messages.error(format!(
                    "The background worker could not start ({e}), so nothing can be trained or \
                     compared. Close other programs and restart vitrine."
                ));
                None
            }
        };
        let images = ImageCache::new(
            repaint.clone(),
            options.thumbnail_cache,
            options.thumbnail_threads,
        );
        if images.has_no_loader() {
            messages.warning("Photos cannot be shown: the photo loader could not start.");
        }
        let lookalikes = LookalikeFinder::new(repaint.clone());
        let settings = options.settings;
        let mut app = Self {
            repaint,
            worker,
            checkpoint_root,
            images,
            dialogs: Dialogs::default(),
            tab: settings.tab,
            right: RightView::Item,
            view: None,
            pending_catalogues: VecDeque::new(),
            loading: None,
            grid: GridState::default(),
            selection: Selection::default(),
            lookalikes,
            embeddings_generation: 0,
            train: TrainState::new(settings.train.clone()),
            drop: DropState::default(),
            messages,
            activity: None,
            report_open: false,
            demo_actions: options.demo_actions.into(),
            auto_load_checkpoint: options.auto_load_checkpoint,
            loading_checkpoint: None,
            jobs: VecDeque::new(),
            queued_train: None,
            stop_requested: false,
            style_applied: false,
            settings,
        };
        let remembered = app.settings.last_catalogue.clone().filter(|p| p.exists());
        match (options.catalogue, remembered) {
            (Some(path), _) => app.start_loading(CatalogueSource::Path(path), false),
            (None, Some(path)) => app.start_loading(CatalogueSource::Path(path), true),
            (None, None) => app.start_loading(CatalogueSource::Demo, false),
        }
        app
    }

    // ---------------------------------------------------------------------------------------
    // Read access, for tests and embedding.

    /// The open catalogue, once the worker has taken it.
    pub fn catalogue(&self) -> Option<&CatalogueView> {
        self.view.as_ref()
    }

    /// The training state (settings, progress, charts, last evaluation).
    pub fn training(&self) -> &TrainState {
        &self.train
    }

    /// The training settings, to change before clicking Start training.
    pub fn train_settings_mut(&mut self) -> &mut TrainConfig {
        &mut self.train.config
    }

    /// The dropped photo and its prediction.
    pub fn dropped(&self) -> &DropState {
        &self.drop
    }

    /// Messages shown in the window.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// The selected item.
    pub fn selected(&self) -> Option<usize> {
        self.selection.current()
    }

    /// The selected item's lookalikes, once computed (after a frame).
    pub fn selected_lookalikes(&self) -> &[Neighbour] {
        self.selection
            .current()
            .and_then(|item| self.lookalikes.get(item, self.embeddings_generation))
            .unwrap_or(&[])
    }

    /// The shown tab.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// What the side panel shows.
    pub fn right_view(&self) -> RightView {
        self.right
    }

    /// The items the grid shows with the current search and tag filters.
    pub fn shown_items(&self) -> &[usize] {
        self.grid.filtered()
    }

    /// True while a catalogue is being read or waits for the worker.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some() || !self.pending_catalogues.is_empty()
    }

    /// The settings to remember (what eframe stores on exit).
    pub fn settings(&self) -> Settings {
        let mut s = self.settings.clone();
        s.train = self.train.config.clone();
        s.tab = self.tab;
        s
    }

    /// Photos decoded and held as textures (thumbnails and large photos).
    pub fn photos_in_memory(&self) -> usize {
        self.images.textures_in_memory()
    }

    /// Shows an error in the window's message area.
    pub fn note_error(&mut self, text: impl Into<String>) {
        self.messages.error(text);
    }

    // ---------------------------------------------------------------------------------------
    // Drawing.

    /// Draws the whole window for one frame and carries out what the user did.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.repaint.attach(&ctx);
        if !self.style_applied {
            apply_style(&ctx);
            self.style_applied = true;
        }
        self.images.begin_frame(&ctx);
        self.poll_loader();
        self.poll_dialogs();
        self.poll_worker();
        self.refresh_lookalikes();

        let mut actions = Vec::new();
        self.take_dropped_files(&ctx, &mut actions);
        self.keyboard(&ctx, &mut actions);

        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            let info = ToolbarInfo {
                view: self.view.as_ref(),
                loading: self.loading.as_ref().map(|l| l.what.as_str()),
                activity: self.activity.as_ref(),
                dialog_open: self.dialogs.open_kind().is_some(),
                model: self.train.model.as_ref(),
            };
            toolbar_ui(ui, &info, &mut actions);
            ui.add_space(2.0);
        });
        if !self.messages.is_empty() {
            egui::Panel::top("messages").show(ui, |ui| {
                ui.add_space(2.0);
                messages_ui(ui, &mut self.messages);
            });
        }
        egui::Panel::right("side")
            .resizable(true)
            .default_size(400.0)
            .size_range(300.0..=700.0)
            .show(ui, |ui| self.side_panel_ui(ui, &mut actions));
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui, &mut actions));

        if self.report_open {
            if let Some(view) = &self.view {
                report_window_ui(
                    &ctx,
                    &mut self.report_open,
                    &view.catalogue.name,
                    &view.catalogue.report,
                );
            }
        }
        hover_overlay_ui(&ctx);
        self.images.end_frame();
        for action in actions {
            self.apply(action);
        }
    }

    fn side_panel_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        // A side panel shrinks to its content; keep the width the user gave it.
        ui.set_min_width(ui.available_width());
        ui.add_space(4.0);
        match self.right {
            RightView::Photo => {
                let training = self.train.status.is_active();
                drop_panel_ui(
                    ui,
                    &self.drop,
                    self.view.as_ref(),
                    &mut self.images,
                    training,
                    actions,
                );
            }
            RightView::Item => match &self.view {
                Some(view) => {
                    let embedding_progress = self
                        .activity
                        .as_ref()
                        .filter(|a| a.task.contains("embedding"))
                        .map(|a| (a.done, a.total));
                    let found = self
                        .selection
                        .current()
                        .and_then(|item| self.lookalikes.get(item, self.embeddings_generation));
                    let context = DetailContext {
                        embedding_progress,
                        lookalikes: found,
                    };
                    detail_ui(
                        ui,
                        view,
                        &self.selection,
                        &mut self.images,
                        &context,
                        actions,
                    );
                }
                None => {
                    ui.add_space(20.0);
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Opening the catalogue…");
                    });
                }
            },
        }
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            for tab in [Tab::Catalogue, Tab::Train, Tab::Gallery] {
                if ui
                    .selectable_label(self.tab == tab, egui::RichText::new(tab.label()).size(16.0))
                    .clicked()
                {
                    actions.push(Action::SetTab(tab));
                }
            }
        });
        ui.separator();
        match self.tab {
            Tab::Catalogue => match &self.view {
                Some(view) => grid_ui(
                    ui,
                    &mut self.grid,
                    view,
                    &mut self.images,
                    self.selection.current(),
                    actions,
                ),
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Opening the catalogue…");
                    });
                }
            },
            Tab::Train => {
                let ready = self.view.is_some() && self.worker.is_some();
                train_panel_ui(ui, &mut self.train, ready, actions);
            }
            Tab::Gallery => gallery_ui(
                ui,
                &self.train,
                self.view.as_ref(),
                &mut self.images,
                self.selection.current(),
                actions,
            ),
        }
    }

    // ---------------------------------------------------------------------------------------
    // Input.

    fn take_dropped_files(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
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

    fn keyboard(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
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

    // ---------------------------------------------------------------------------------------
    // Actions.

    fn apply(&mut self, action: Action) {
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
            Action::OpenCheckpointDialog => self.open_dialog(DialogKind::Checkpoint),
            Action::OpenCatalogue(path) => self.start_loading(CatalogueSource::Path(path), false),
            Action::OpenDemo => self.start_loading(CatalogueSource::Demo, false),
            Action::Predict(path) => {
                self.drop.start(path.clone());
                self.right = RightView::Photo;
                if !self.send_job(Job::Predict, Command::Predict(path)) {
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
        }
    }

    fn send_job(&mut self, job: Job, command: Command) -> bool {
        let sent = self.send(command);
        if sent {
            self.jobs.push_back(job);
        }
        sent
    }

    fn send(&mut self, command: Command) -> bool {
        let sent = self.worker.as_ref().is_some_and(|w| w.send(command));
        if !sent {
            self.messages.error(
                "The background worker is not running, so this cannot be done. Restart vitrine.",
            );
        }
        sent
    }

    fn start_training(&mut self, config: TrainConfig, resume: Option<PathBuf>) {
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
    fn send_queued_train(&mut self) {
        if self.jobs.iter().any(|j| j.prepares()) {
            return;
        }
        let Some((config, resume)) = self.queued_train.take() else {
            return;
        };
        if !self.send_job(Job::Train, Command::Train { config, resume }) {
            self.train.status = RunStatus::Idle;
        }
    }

    fn stop_training(&mut self) {
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
        if self.jobs.front() == Some(&Job::Train) {
            if let Some(worker) = &self.worker {
                worker.stop();
            }
        } else {
            // The run is queued behind another job; stop it as soon as it starts.
            self.stop_requested = true;
        }
    }

    fn load_checkpoint(&mut self, path: PathBuf, announce: bool) {
        self.loading_checkpoint = Some((path.clone(), announce));
        self.send_job(Job::Checkpoint, Command::LoadCheckpoint(path));
    }

    fn open_dialog(&mut self, kind: DialogKind) {
        let start = self.settings.last_dialog_dir.clone();
        if let Err(e) = self.dialogs.open(kind, start, self.repaint.clone()) {
            self.messages
                .error(format!("{e}. Drag the file onto the window instead."));
        }
    }

    fn poll_dialogs(&mut self) {
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
                };
                self.apply(action);
            }
            DialogOutcome::Cancelled { suspicious: true } => self.messages.warning(
                "No file dialog could be shown: this desktop seems to have no file chooser \
                 service (xdg-desktop-portal). Drag the file or folder onto the window instead.",
            ),
            DialogOutcome::Cancelled { suspicious: false } => {}
        }
    }

    // ---------------------------------------------------------------------------------------
    // Catalogue loading.

    fn start_loading(&mut self, source: CatalogueSource, fall_back_to_demo: bool) {
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
                let result = match &source {
                    CatalogueSource::Demo => catalogue::demo().map_err(|e| e.to_string()),
                    CatalogueSource::Path(p) => {
                        catalogue::load(p, &ImportOptions::default()).map_err(|e| e.to_string())
                    }
                };
                let outcome = match result {
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
                };
                let _ = tx.send(outcome);
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

    fn poll_loader(&mut self) {
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
        self.pending_catalogues.push_back(catalogue.clone());
        if !self.send_job(Job::Catalogue, Command::SetCatalogue(Box::new(catalogue))) {
            self.pending_catalogues.clear();
            return;
        }
        self.send_job(Job::Embed, Command::Embed);
        if let Some(path) = checkpoint {
            self.load_checkpoint(path, false);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Worker events.

    fn poll_worker(&mut self) {
        // A bounded batch per frame keeps a frame short even after a burst of events.
        for _ in 0..1000 {
            let Some(event) = self.worker.as_ref().and_then(Worker::try_recv) else {
                return;
            };
            self.handle(event);
        }
        self.repaint.request();
    }

    fn handle(&mut self, event: Event) {
        // Which job this event ends, if any (a failure ends the running one).
        let ends: &[Job] = match &event {
            Event::CatalogueReady { .. } => &[Job::Catalogue],
            Event::Embeddings { .. } => &[Job::Embed],
            Event::ItemTags { .. } => &[Job::Checkpoint, Job::Train],
            Event::Finished { stopped: true, .. } => &[Job::Train],
            Event::Prediction(_) => &[Job::Predict],
            Event::Failed(_) => &[
                Job::Catalogue,
                Job::Embed,
                Job::Checkpoint,
                Job::Train,
                Job::Predict,
            ],
            _ => &[],
        };
        let running = self.jobs.front().copied();
        if self.stop_requested
            && running == Some(Job::Train)
            && matches!(
                event,
                Event::Busy { .. } | Event::TrainingStarted { .. } | Event::Progress(_)
            )
        {
            if let Some(worker) = &self.worker {
                worker.stop();
            }
        }
        if running.is_some_and(|job| ends.contains(&job)) {
            self.jobs.pop_front();
            if running == Some(Job::Train) {
                self.stop_requested = false;
            }
        }
        match event {
            Event::CatalogueReady {
                name,
                items,
                trainable_items,
                vocabulary,
                item_tags,
            } => self.catalogue_ready(name, items, trainable_items, vocabulary, item_tags),
            Event::Busy { task, done, total } => {
                self.activity = Some(Activity { task, done, total });
            }
            Event::Notice(text) => self.messages.warning(capitalise(&text)),
            Event::Embeddings {
                backbone, vectors, ..
            } => {
                if self
                    .activity
                    .as_ref()
                    .is_some_and(|a| a.task.contains("embedding"))
                {
                    self.activity = None;
                }
                if let Some(view) = &mut self.view {
                    if view.set_embeddings(backbone, &vectors) {
                        self.embeddings_generation += 1;
                    }
                }
            }
            Event::TrainingStarted {
                run_id,
                config,
                vocabulary,
                train_items,
                validation_items,
                history,
                ..
            } => {
                self.activity = None;
                let t = &mut self.train;
                t.status = match t.status {
                    RunStatus::Stopping => RunStatus::Stopping,
                    _ => RunStatus::Running,
                };
                t.run_id = Some(run_id);
                t.run_config = Some(config);
                t.vocabulary = vocabulary;
                t.train_items = train_items.len();
                t.validation_items = validation_items;
                t.validation.clear();
                t.progress = None;
                t.set_history(&history);
            }
            Event::Progress(progress) => {
                self.activity = Some(Activity {
                    task: format!("Training: epoch {} of {}", progress.epoch, progress.epochs),
                    done: progress.epoch.saturating_sub(1) * progress.steps_per_epoch
                        + progress.step,
                    total: progress.epochs * progress.steps_per_epoch,
                });
                self.train.push_progress(progress);
            }
            Event::Eval {
                epoch,
                step,
                metrics,
                thresholds,
                validation,
            } => {
                self.train.push_eval(epoch, step, metrics);
                self.train.thresholds = thresholds;
                self.train.validation = validation;
            }
            Event::Checkpoint { path, epoch } => {
                self.settings.last_checkpoint = Some(path.clone());
                self.train.last_checkpoint = Some((path, epoch));
            }
            Event::Finished {
                stopped,
                epochs_completed,
                checkpoint,
            } => {
                self.train.status = RunStatus::Idle;
                self.activity = None;
                let saved = checkpoint
                    .as_ref()
                    .map(|p| format!(" The model is saved in {}.", p.display()))
                    .unwrap_or_default();
                if stopped {
                    self.messages.info(format!(
                        "Training stopped after {epochs_completed} epoch(s).{saved} Click Resume \
                         to continue it."
                    ));
                } else {
                    self.messages.info(format!(
                        "Training finished: {epochs_completed} epoch(s).{saved} Predicted tags \
                         now appear for every item."
                    ));
                }
            }
            Event::ModelReady(summary) => {
                if let Some((path, announce)) = self.loading_checkpoint.take() {
                    if announce {
                        self.messages.info(format!(
                            "Model loaded from {} ({} epoch(s), {} tags).",
                            path.display(),
                            summary.epochs_completed,
                            summary.vocabulary.len()
                        ));
                    }
                    self.settings.last_checkpoint = Some(path.clone());
                    self.train.last_checkpoint = Some((path, summary.epochs_completed));
                    self.train.set_history(&summary.history);
                    self.train.vocabulary = summary.vocabulary.clone();
                    self.train.thresholds = summary.thresholds.clone();
                }
                self.train.model = Some(summary);
            }
            Event::ItemTags {
                vocabulary,
                thresholds,
                probabilities,
            } => {
                if let Some(view) = &mut self.view {
                    view.set_predictions(ItemPredictions {
                        vocabulary,
                        thresholds,
                        probabilities,
                    });
                }
            }
            Event::Prediction(prediction) => {
                self.drop.take_prediction(prediction);
            }
            Event::Failed(text) => self.failed(text, running),
        }
        self.send_queued_train();
    }

    fn catalogue_ready(
        &mut self,
        name: String,
        items: usize,
        trainable_items: usize,
        vocabulary: Vec<String>,
        item_tags: Vec<Vec<String>>,
    ) {
        // The worker answers in order, so this is the oldest catalogue sent.
        let Some(catalogue) = self.pending_catalogues.pop_front() else {
            return;
        };
        if catalogue.name != name || catalogue.items.len() != items {
            return;
        }
        let has_problems = !catalogue.report.problems.is_empty();
        let format_folder = catalogue.format == catalogue::CatalogueFormat::Folder;
        let view = CatalogueView::new(catalogue, vocabulary, item_tags, trainable_items);
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

    /// Shows a failure, and tells the panel whose job failed (the running one).
    fn failed(&mut self, text: String, job: Option<Job>) {
        let text = capitalise(&text);
        self.activity = None;
        match job {
            Some(Job::Predict) => {
                // An older photo's failure must not mark the newest one, still queued.
                let newer_queued = self.jobs.contains(&Job::Predict);
                if self.drop.waiting && !newer_queued {
                    self.drop.fail(text.clone());
                }
            }
            Some(Job::Train) => {
                self.train.status = RunStatus::Idle;
                self.train.config_error = Some(text.clone());
            }
            Some(Job::Checkpoint) => {
                if let Some((path, _)) = self.loading_checkpoint.take() {
                    self.messages.warning(format!(
                        "The model in {} could not be used. {text} Train a new model instead.",
                        path.display()
                    ));
                    return;
                }
            }
            Some(Job::Catalogue | Job::Embed) | None => {}
        }
        self.messages.error(text);
    }

    fn refresh_lookalikes(&mut self) {
        let (Some(view), Some(item)) = (&self.view, self.selection.current()) else {
            return;
        };
        if let Some(embeddings) = &view.embeddings {
            self.lookalikes
                .want(item, self.embeddings_generation, embeddings);
        }
    }

    fn run_demo_actions(&mut self) {
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
            }
        }
    }
}

impl eframe::App for VitrineApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        VitrineApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, super::settings::SETTINGS_KEY, &self.settings());
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

/// Larger text than egui's defaults, for a window read from a normal distance.
fn apply_style(ctx: &egui::Context) {
    use egui::{FontFamily, FontId, TextStyle};
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(20.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(14.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(14.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(11.5, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(13.0, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
    });
}

/// The text with its first letter in upper case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_steps_parse() {
        let (steps, errors) =
            parse_demo_actions("epochs:3; train ;select:12;drop:/tmp/a b.jpg;tab:gallery;bogus");
        assert_eq!(
            steps,
            vec![
                DemoAction::Epochs(3),
                DemoAction::Train(TrainMode::Fast),
                DemoAction::Select(12),
                DemoAction::Drop(PathBuf::from("/tmp/a b.jpg")),
                DemoAction::Tab(Tab::Gallery),
            ]
        );
        assert_eq!(errors.len(), 1);
        let (steps, _) = parse_demo_actions("train:fine-tune");
        assert_eq!(steps, vec![DemoAction::Train(TrainMode::FineTune)]);
    }

    #[test]
    fn capitalise_first_letter() {
        assert_eq!(capitalise("training failed: x"), "Training failed: x");
        assert_eq!(capitalise(""), "");
    }
}
