//! How the window starts: where its files live and what it opens first.

use std::path::PathBuf;

use super::demo::DemoAction;
use super::settings::Settings;
use crate::engine::EngineOptions;

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
    /// Folder of the catalogues' state folders (tag corrections), normally
    /// [`crate::paths::catalogues_dir`].
    pub catalogue_state_root: PathBuf,
}

impl AppOptions {
    /// The usual options: platform folders, two thumbnail threads, automatic checkpoint loading.
    pub fn new(catalogue: Option<PathBuf>) -> Self {
        Self {
            engine: EngineOptions {
                vocabulary_root: Some(crate::paths::catalogues_dir()),
                ..EngineOptions::default()
            },
            catalogue,
            settings: Settings::default(),
            thumbnail_cache: Some(crate::paths::cache_dir().join("thumbnails")),
            thumbnail_threads: 2,
            auto_load_checkpoint: true,
            demo_actions: Vec::new(),
            catalogue_state_root: crate::paths::catalogues_dir(),
        }
    }
}
