//! The window's state ([`VitrineApp`]) and its frame: which panels are drawn where. Reacting
//! to the worker (`events.rs`), the loader (`loader.rs`) and the user (`apply.rs`) lives beside
//! it; drawing lives in the panel modules.

use std::collections::VecDeque;
use std::path::PathBuf;

use eframe::egui;

use super::actions::Action;
use super::corrections::CorrectionsState;
use super::demo::DemoAction;
use super::detail::{detail_ui, DetailContext, Selection};
use super::dialogs::Dialogs;
use super::drop::{drop_panel_ui, hover_overlay_ui, DropState};
use super::gallery::gallery_ui;
use super::grid::{grid_ui, GridState};
use super::jobs::JobTable;
use super::loader::{CatalogueSource, Loading};
use super::lookalikes::LookalikeFinder;
use super::messages::{messages_ui, Messages};
use super::options::AppOptions;
use super::report::report_window_ui;
use super::review_panel::{review_ui, ReviewState};
use super::settings::{Settings, Tab};
use super::style::apply_style;
use super::thumbnails::ImageCache;
use super::toolbar::{toolbar_ui, Activity, ToolbarInfo};
use super::train_panel::{train_panel_ui, TrainState};
use super::view::CatalogueView;
use super::vocabulary::{vocabulary_window_ui, VocabularyEditor};
use super::Repaint;

mod access;
use crate::engine::{Task, TrainConfig, Worker};

/// Which side panel content is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RightView {
    /// The selected catalogue item.
    Item,
    /// The dropped (or opened) photo.
    Photo,
}

/// The whole window's state. Drive it with [`VitrineApp::ui`] from eframe or from a test
/// harness.
pub struct VitrineApp {
    pub(super) repaint: Repaint,
    pub(super) worker: Option<Worker>,
    pub(super) checkpoint_root: PathBuf,
    pub(super) images: ImageCache,
    pub(super) dialogs: Dialogs,
    pub(super) settings: Settings,
    pub(super) tab: Tab,
    pub(super) right: RightView,
    pub(super) view: Option<CatalogueView>,
    pub(super) loading: Option<Loading>,
    pub(super) grid: GridState,
    pub(super) selection: Selection,
    pub(super) lookalikes: LookalikeFinder,
    pub(super) matching: super::matching::MatchState,
    pub(super) embeddings_generation: u64,
    pub(super) train: TrainState,
    pub(super) drop: DropState,
    pub(super) messages: Messages,
    pub(super) activity: Option<Activity>,
    pub(super) report_open: bool,
    pub(super) demo_actions: VecDeque<DemoAction>,
    pub(super) auto_load_checkpoint: bool,
    /// Requests sent to the worker and not ended.
    pub(super) jobs: JobTable,
    /// A training run waiting for the catalogue to be prepared.
    pub(super) queued_train: Option<(TrainConfig, Option<PathBuf>)>,
    /// Stop was clicked while the run was queued behind other work.
    pub(super) stop_requested: bool,
    pub(super) style_applied: bool,
    /// The vocabulary editor.
    pub(super) vocabulary: VocabularyEditor,
    /// The open catalogue's corrections file and the export prompt.
    pub(super) corrections: CorrectionsState,
    /// The Review list.
    pub(super) review: ReviewState,
    /// Keep the detail panel scrolled to the item's tag tick boxes (a demo step) until the
    /// user clicks or scrolls.
    pub(super) reveal_item_tags: bool,
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
        let match_repaint = repaint.clone();
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
            loading: None,
            grid: GridState::default(),
            selection: Selection::default(),
            lookalikes,
            matching: super::matching::MatchState::new(match_repaint),
            embeddings_generation: 0,
            train: TrainState::new(settings.train.clone()),
            drop: DropState::default(),
            messages,
            activity: None,
            report_open: false,
            demo_actions: options.demo_actions.into(),
            auto_load_checkpoint: options.auto_load_checkpoint,
            jobs: JobTable::default(),
            queued_train: None,
            stop_requested: false,
            style_applied: false,
            vocabulary: VocabularyEditor::default(),
            corrections: CorrectionsState::new(options.catalogue_state_root),
            review: ReviewState::default(),
            reveal_item_tags: false,
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
    // Drawing.

    /// Draws the whole window for one frame and carries out what the user did.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.repaint.attach(&ctx);
        if !self.style_applied {
            apply_style(&ctx);
            self.style_applied = true;
        }
        let mut trace = super::frame_trace::FrameTrace::start();
        self.images.begin_frame(&ctx);
        self.poll_loader();
        self.poll_dialogs();
        trace.mark("loader and dialogs");
        self.poll_worker();
        self.poll_state_files();
        if let Some(view) = &mut self.view {
            view.poll_search();
        }
        trace.mark("worker events");
        self.refresh_lookalikes();
        self.refresh_matches();
        trace.mark("lookalikes");

        let mut actions = Vec::new();
        if self.reveal_item_tags
            && ctx.input(|i| i.pointer.any_pressed() || i.smooth_scroll_delta != egui::Vec2::ZERO)
        {
            self.reveal_item_tags = false;
        }
        self.take_dropped_files(&ctx, &mut actions);
        self.keyboard(&ctx, &mut actions);

        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            let info = ToolbarInfo {
                view: self.view.as_ref(),
                loading: self.loading.as_ref().map(|l| l.what.as_str()),
                fetching: self.loading.as_ref().and_then(|l| l.fetched()),
                activity: self.activity.as_ref(),
                dialog_open: self.dialogs.open_kind().is_some(),
                model: self.train.model.as_deref(),
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
        trace.mark("toolbar and side panel");
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui, &mut actions));
        trace.mark("central panel");

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
        if self.vocabulary.open {
            vocabulary_window_ui(&ctx, &mut self.vocabulary, &mut actions);
        }
        self.export_prompt_ui(&ctx);
        hover_overlay_ui(&ctx);
        self.images.end_frame();
        trace.mark("windows");
        for action in actions {
            self.apply(action);
        }
        trace.mark("actions");
        trace.finish();
    }

    /// Keeps the selected item's lookalikes found with the current embeddings.
    fn refresh_lookalikes(&mut self) {
        let (Some(view), Some(item)) = (&self.view, self.selection.current()) else {
            return;
        };
        if let Some(embeddings) = &view.embeddings {
            self.lookalikes
                .want(item, self.embeddings_generation, embeddings);
        }
    }

    fn side_panel_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        // A side panel shrinks to its content; keep the width the user gave it.
        ui.set_min_width(ui.available_width());
        ui.add_space(4.0);
        match self.right {
            RightView::Photo => {
                let training = self.train.status.is_active();
                let matching = self
                    .drop
                    .path
                    .clone()
                    .and_then(|p| self.match_panel(&super::matching::MatchKey::Photo(p)));
                drop_panel_ui(
                    ui,
                    &self.drop,
                    self.view.as_ref(),
                    &mut self.images,
                    training,
                    matching.as_ref(),
                    actions,
                );
            }
            RightView::Item => match &self.view {
                Some(view) => {
                    let embedding_progress = self
                        .activity
                        .as_ref()
                        .filter(|a| a.task == Some(Task::ComputingEmbeddings))
                        .map(|a| (a.done, a.total));
                    let found = self
                        .selection
                        .current()
                        .and_then(|item| self.lookalikes.get(item, self.embeddings_generation));
                    let matching = self
                        .selection
                        .current()
                        .and_then(|item| self.match_panel(&super::matching::MatchKey::Item(item)));
                    let context = DetailContext {
                        embedding_progress,
                        lookalikes: found,
                        matching,
                        reveal_tags: self.reveal_item_tags,
                        show_mask: self.matching.show_mask,
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
            for tab in [
                Tab::Catalogue,
                Tab::Train,
                Tab::Gallery,
                Tab::Review,
                Tab::Duplicates,
            ] {
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
            Tab::Review => match &self.view {
                Some(view) => review_ui(
                    ui,
                    &mut self.review,
                    view,
                    &mut self.images,
                    self.selection.current(),
                    self.train.status.is_active(),
                    actions,
                ),
                None => {
                    ui.label("Waiting for the catalogue…");
                }
            },
            Tab::Duplicates => match &self.view {
                Some(view) => super::matching::duplicates::duplicates_ui(
                    ui,
                    &mut self.matching.duplicates,
                    view,
                    &mut self.images,
                    actions,
                ),
                None => {
                    ui.label("Waiting for the catalogue…");
                }
            },
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
}

impl eframe::App for VitrineApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = std::time::Instant::now();
        VitrineApp::ui(self, ui);
        super::frame_stats::record_frame(started.elapsed(), self.images.bytes_in_memory());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, super::settings::SETTINGS_KEY, &self.settings());
    }
}
