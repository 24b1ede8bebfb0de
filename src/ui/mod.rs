//! The desktop window.
//!
//! [`run_app`] opens it; [`VitrineApp`] is the window's state, drawn by [`VitrineApp::ui`] from
//! eframe or from a test harness. The layout: a toolbar (open a catalogue or a photo, what is
//! open, background progress), the tabs Catalogue / Train / Validation gallery on the left, and
//! the selected item or the dropped photo on the right.
//!
//! Nothing slow runs on the UI thread: the worker thread ("vitrine-worker") embeds, trains and
//! tags; "vitrine-thumbnails-N" threads decode photos; "vitrine-catalogue-loader" reads
//! catalogues; "vitrine-file-dialog" shows file dialogs. Each hands its results over a channel
//! and asks for a repaint.
//!
//! For demos and screenshots, `VITRINE_DEMO_ACTION` scripts a few steps once the catalogue is
//! ready (see [`parse_demo_actions`]), e.g.
//! `VITRINE_DEMO_ACTION="epochs:5;train"` or `VITRINE_DEMO_ACTION="select:12"` or
//! `VITRINE_DEMO_ACTION="drop:/path/to/photo.jpg"`.

mod actions;
mod app;
mod apply;
mod corrections;
mod corrections_panel;
mod demo;
mod detail;
mod dialogs;
mod drop;
mod events;
mod frame_stats;
mod frame_trace;
mod gallery;
mod grid;
mod jobs;
mod loader;
mod lookalikes;
mod matching;
mod messages;
mod opening;
mod options;
mod report;
mod review_panel;
mod search_text;
mod settings;
mod state_watch;
mod style;
mod thumbnails;
mod toolbar;
mod train_panel;
mod view;
mod vocabulary;
mod widgets;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use eframe::egui;

pub use actions::Action;
pub use app::{RightView, VitrineApp};
pub use demo::{parse_demo_actions, DemoAction};
pub use detail::Selection;
pub use drop::DropState;
pub use messages::{Level, Message, Messages};
pub use options::AppOptions;
pub use settings::{Settings, Tab, SETTINGS_KEY};
pub use train_panel::{EvalPoint, RunStatus, TrainState};
pub use view::CatalogueView;
pub use vocabulary::{VocabularyAction, VocabularyEditor};

/// Environment variable holding scripted demo steps (see [`parse_demo_actions`]).
pub const DEMO_ACTION_ENV: &str = "VITRINE_DEMO_ACTION";

/// How long a repaint asked for by a background thread may wait, so that bursts of events
/// share one frame.
const REPAINT_COALESCE: std::time::Duration = std::time::Duration::from_millis(16);

/// Asks egui for a repaint from any thread, once the window's context is known.
#[derive(Clone, Default)]
pub struct Repaint(Arc<OnceLock<egui::Context>>);

impl Repaint {
    /// Remembers the context (the first one given wins).
    pub fn attach(&self, ctx: &egui::Context) {
        // Every frame offers the same context; only the first needs keeping.
        if self.0.get().is_none() && self.0.set(ctx.clone()).is_err() {
            log::debug!("the repaint context was attached by another thread first");
        }
    }

    /// Asks for a repaint; does nothing before a context is attached.
    pub fn request(&self) {
        if let Some(ctx) = self.0.get() {
            // Background threads can send thousands of events a second (a fast training run):
            // one frame per display refresh shows them all without starving the worker.
            ctx.request_repaint_after(REPAINT_COALESCE);
        }
    }
}

/// Opens the vitrine window (glow renderer, 1280×800) on `catalogue`, or on the catalogue
/// opened last, or on the built-in demo catalogue; returns when the window is closed.
pub fn run_app(catalogue: Option<PathBuf>) -> anyhow::Result<()> {
    let (demo_actions, demo_errors) = match std::env::var(DEMO_ACTION_ENV) {
        Ok(s) => parse_demo_actions(&s),
        Err(std::env::VarError::NotPresent) => Default::default(),
        Err(e) => (Vec::new(), vec![e.to_string()]),
    };
    let icon = egui::IconData::default();
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("vitrine")
            .with_app_id("vitrine")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([820.0, 520.0])
            .with_icon(icon)
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    eframe::run_native(
        "vitrine",
        native,
        Box::new(move |cc| {
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
                .unwrap_or_default();
            let mut options = AppOptions::new(catalogue);
            options.settings = settings;
            options.demo_actions = demo_actions;
            let mut app = VitrineApp::new(options);
            for error in demo_errors {
                app.note_error(format!("{DEMO_ACTION_ENV}: {error}"));
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "the window could not be opened: {e}. vitrine needs a graphical desktop with \
             OpenGL 2 or newer (on a server, run it under xvfb-run with \
             LIBGL_ALWAYS_SOFTWARE=1), or use the command-line subcommands (vitrine --help)"
        )
    })
}
