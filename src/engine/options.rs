//! Where the engine keeps its files, which weights and device it uses.

use std::collections::HashMap;
use std::path::PathBuf;

use tch::Device;

use crate::vision::{BackboneKind, Precision};

/// Where the engine keeps its files and which weights it uses.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Folder for training runs (one sub-folder per run).
    pub checkpoint_root: PathBuf,
    /// Folder for the embedding cache.
    pub cache_root: PathBuf,
    /// Pretrained weights to use instead of the default file, per backbone.
    pub weights: HashMap<BackboneKind, PathBuf>,
    /// Compute device (CUDA when available, else CPU).
    pub device: Device,
    /// Threads decoding photos.
    pub decode_threads: usize,
    /// Number format of inference (embedding, prediction, evaluation): bf16 on CPUs that run
    /// it natively, f32 elsewhere or when `VITRINE_PRECISION=f32` is set. Training keeps f32
    /// weights.
    pub precision: Precision,
    /// Computed embeddings are saved to the cache after this many, so a pass that is cut
    /// short (a crash, a power cut) keeps most of its work.
    pub embedding_save_every_items: usize,
    /// Folder of vitrine's state per catalogue, where each catalogue's vocabulary settings are
    /// read when it is set and saved when they are edited (`<root>/<catalogue key>/
    /// vocabulary.json`); None keeps them in memory only. The window and the command line use
    /// [`crate::paths::catalogues_dir`].
    pub vocabulary_root: Option<PathBuf>,
    /// Lookalike embeddings are the average of the photo's and its mirror image's
    /// (horizontal-flip test-time augmentation; cached apart from plain ones).
    pub flip_embeddings: bool,
    /// Fault injection for tests: the training step with this global number fails as a
    /// libtorch error would. Always `None` in the app.
    #[doc(hidden)]
    pub fail_at_step: Option<usize>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        let device = crate::vision::cuda::device();
        Self {
            checkpoint_root: crate::paths::checkpoints_dir(),
            cache_root: crate::paths::cache_dir().join("embeddings"),
            weights: HashMap::new(),
            device,
            decode_threads: std::thread::available_parallelism()
                .map(|n| n.get().min(4))
                .unwrap_or(2),
            precision: Precision::for_device(device),
            embedding_save_every_items: 512,
            vocabulary_root: None,
            flip_embeddings: true,
            fail_at_step: None,
        }
    }
}
