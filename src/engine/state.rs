//! What the engine keeps between commands: the open catalogue with what was derived from it,
//! and the flags other threads set.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::corrections::Corrections;
use super::data::PreparedImages;
use super::identity::ModelIdentity;
use super::reports::CatalogueEmbeddings;
use crate::catalogue::Catalogue;
use crate::text::vocab::{VocabularySettings, WordIndex};
use crate::text::TagSet;

/// The catalogue the engine works on, with what has been derived from it.
pub(crate) struct CatalogueState {
    pub(crate) catalogue: Arc<Catalogue>,
    pub(crate) tags: TagSet,
    /// The settings that made `tags`.
    pub(crate) vocabulary: VocabularySettings,
    /// Every word of the descriptions, for adding tags.
    pub(crate) words: Arc<WordIndex>,
    /// Prepared photos of every item, decoded once for fine-tuning.
    pub(crate) images: Option<PreparedImages>,
    /// Embeddings of the network that computed them last.
    pub(crate) embeddings: Option<StoredEmbeddings>,
    /// The user's tag corrections, applied to the targets of the next training run.
    pub(crate) corrections: Arc<Corrections>,
    /// Colour palettes and the description index, once computed.
    pub(crate) match_parts: Option<Arc<super::reports::MatchParts>>,
}

/// Flags the worker's owner sets from other threads.
#[derive(Clone, Default)]
pub struct Signals {
    /// Stop the running job at its next step (training keeps a checkpoint).
    pub stop: Arc<AtomicBool>,
    /// The worker is shutting down: stop, and skip work that only serves what comes next.
    pub shutdown: Arc<AtomicBool>,
}

impl Signals {
    pub(crate) fn shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }
}

/// A catalogue's embeddings by one network: the shared lookalike index, which is also the
/// only copy of the raw pooled vectors (the tag head's input, see
/// [`crate::index::EmbeddingIndex::raw_vector`]).
pub(crate) struct StoredEmbeddings {
    pub(crate) shared: Arc<CatalogueEmbeddings>,
}

impl StoredEmbeddings {
    /// The network that computed them.
    pub(crate) fn model(&self) -> &ModelIdentity {
        &self.shared.model
    }
}
