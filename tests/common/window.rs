//! Shared helpers for the window tests (egui_kittest): the scratch folder of caches a test
//! binary shares, the app's options pointing at it, a harness the size of the real window,
//! and waiting for the app without timing assertions.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use vitrine::ui::{AppOptions, VitrineApp};

/// The longest any wait may take before the test gives up (a safety net, not a timing check:
/// a slow machine only makes the loops run longer).
pub const GIVE_UP: Duration = Duration::from_secs(900);

/// A scratch folder `name` under the build's temporary folder, kept between runs (so the
/// embedding and thumbnail caches make reruns fast). Set as `VITRINE_CACHE_DIR` before
/// anything reads it; the first call in a test binary decides the folder.
pub fn shared_dir(name: &str) -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        std::env::set_var(vitrine::paths::CACHE_DIR_ENV, &dir);
        dir
    })
}

/// The app's options on the demo catalogue: caches in `shared`, checkpoints in `checkpoints`.
pub fn app_options(shared: &Path, checkpoints: &Path) -> AppOptions {
    let mut options = AppOptions::new(None);
    options.engine.checkpoint_root = checkpoints.to_path_buf();
    options.engine.cache_root = shared.join("embeddings");
    options.thumbnail_cache = Some(shared.join("thumbnails"));
    options
}

/// A harness the size of the window, drawing the whole app.
pub fn harness(app: VitrineApp) -> Harness<'static, VitrineApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut VitrineApp| app.ui(ui), app)
}

/// Runs frames until `done` holds, failing with the window's messages after [`GIVE_UP`].
pub fn run_until(
    harness: &mut Harness<'static, VitrineApp>,
    what: &str,
    done: impl Fn(&VitrineApp) -> bool,
) {
    let started = Instant::now();
    while !done(harness.state()) {
        if started.elapsed() > GIVE_UP {
            let messages: Vec<String> = harness
                .state()
                .messages()
                .items()
                .iter()
                .map(|m| m.text.clone())
                .collect();
            panic!("gave up waiting for {what}; messages in the window: {messages:#?}");
        }
        harness.step();
        // Let the worker and the loaders run between frames.
        std::thread::sleep(Duration::from_millis(15));
    }
    harness.step();
}

/// Every message in the window's message area, one per line.
pub fn messages_text(app: &VitrineApp) -> String {
    app.messages()
        .items()
        .iter()
        .map(|m| m.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file dropped on the window, read from disk when asked.
#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drops the file at `path` on the window, as a file manager does, and runs a frame.
pub fn drop_file(harness: &mut Harness<'static, VitrineApp>, path: &Path) {
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.to_path_buf())));
    harness.step();
}

/// How many widgets with a label containing `text` are shown, after running frames until there
/// are `wanted` of them: some panels fill in a few frames later, when the `vitrine-match`
/// thread has summed the scores. Fails with what is shown and the window's messages if they
/// have not appeared after [`GIVE_UP`] (a safety net, not a timing check).
pub fn count_labels_when_shown(
    harness: &mut Harness<'static, VitrineApp>,
    text: &str,
    wanted: usize,
) -> usize {
    let started = Instant::now();
    loop {
        let shown = harness.query_all_by_label_contains(text).count();
        if shown == wanted {
            return shown;
        }
        if started.elapsed() > GIVE_UP {
            panic!(
                "gave up after {} s waiting for {wanted} widgets labelled \"{text}\": {shown} \
                 shown; messages in the window:\n{}",
                GIVE_UP.as_secs(),
                messages_text(harness.state())
            );
        }
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
}
