//! The open catalogue's vocabulary in the engine: made with the catalogue's saved settings
//! when it is set, remade when the user edits it ([`Command::SetVocabulary`]), saved beside
//! the catalogue's other vitrine state, and recorded in every checkpoint.
//!
//! [`Command::SetVocabulary`]: super::Command::SetVocabulary

use std::path::PathBuf;
use std::sync::Arc;

use super::core::Engine;
use super::network::Emit;
use super::options::EngineOptions;
use super::protocol::{CatalogueTags, EventBody};
use super::EngineError;
use crate::catalogue::Catalogue;
use crate::text::vocab::{derive_tags, store, DerivedTags, VocabularySettings, WordIndex};
use crate::text::{TagSet, Vocabulary};

/// The vocabulary of the open catalogue, for the vocabulary editor and the command line.
#[derive(Debug)]
pub struct VocabularyReport {
    /// The catalogue's tags as they are now (the window shows them).
    pub tags: Arc<CatalogueTags>,
    /// The settings that made them.
    pub settings: VocabularySettings,
    /// The vocabulary with each tag's kind and number of items.
    pub vocabulary: Vocabulary,
    /// Every word of the descriptions with its items (to add a tag).
    pub words: Arc<WordIndex>,
    /// Edits that changed nothing, in words.
    pub notes: Vec<String>,
    /// The file the settings are saved in, when the engine keeps them.
    pub file: Option<PathBuf>,
}

/// The vocabulary file of a catalogue, when the engine keeps vocabularies on disk.
pub fn vocabulary_file(options: &EngineOptions, catalogue: &Catalogue) -> Option<PathBuf> {
    let root = options.vocabulary_root.as_ref()?;
    let dir = root.join(crate::paths::catalogue_key(catalogue));
    Some(store::path_in(&dir))
}

/// The catalogue's saved settings (the defaults when it has none); a file that cannot be read
/// is reported and the defaults are used.
pub(crate) fn saved_settings(
    options: &EngineOptions,
    catalogue: &Catalogue,
    emit: Emit,
) -> VocabularySettings {
    let Some(path) = vocabulary_file(options, catalogue) else {
        return VocabularySettings::default();
    };
    match store::load(&path) {
        Ok(saved) => saved.unwrap_or_default(),
        Err(e) => {
            emit(EventBody::Notice(format!(
                "The saved vocabulary of {} cannot be used ({e}); the default vocabulary is \
                 used until it is edited again.",
                catalogue.name
            )));
            VocabularySettings::default()
        }
    }
}

/// Derives the tags of a catalogue's descriptions.
pub(crate) fn derive(catalogue: &Catalogue, settings: &VocabularySettings) -> DerivedTags {
    let descriptions: Vec<&str> = catalogue
        .items
        .iter()
        .map(|i| i.description.as_str())
        .collect();
    derive_tags(&descriptions, settings)
}

/// What the window shows of a tag set.
pub(crate) fn catalogue_tags(catalogue: Arc<Catalogue>, tags: &TagSet) -> Arc<CatalogueTags> {
    Arc::new(CatalogueTags {
        catalogue,
        trainable_items: tags.items.iter().filter(|t| !t.tags.is_empty()).count(),
        item_tags: tags.items.iter().map(|t| t.tags.clone()).collect(),
        vocabulary: tags.vocabulary.names(),
    })
}

impl Engine {
    /// Announces the open catalogue's vocabulary ([`EventBody::VocabularyReady`]).
    pub(crate) fn report_vocabulary(
        &self,
        shown: Arc<CatalogueTags>,
        notes: Vec<String>,
        emit: Emit,
    ) {
        let Some(state) = &self.catalogue else {
            return;
        };
        emit(EventBody::VocabularyReady(Arc::new(VocabularyReport {
            tags: shown,
            settings: state.vocabulary.clone(),
            vocabulary: state.tags.vocabulary.clone(),
            words: state.words.clone(),
            notes,
            file: vocabulary_file(&self.options, &state.catalogue),
        })));
    }

    /// Remakes the open catalogue's tags with `settings` (saving them first when `save`), and
    /// drops a tag head trained on other tags; answered by [`EventBody::VocabularyReady`].
    ///
    /// Saving merges: edits saved by another vitrine since these settings were made (the
    /// command line, another window) are kept, and the tags are made with the merged settings.
    pub fn set_vocabulary(
        &mut self,
        mut settings: VocabularySettings,
        save: bool,
        emit: Emit,
    ) -> Result<(), EngineError> {
        let state = self.catalogue.as_mut().ok_or(EngineError::NoCatalogue)?;
        if save {
            if let Some(path) = vocabulary_file(&self.options, &state.catalogue) {
                settings = store::save_merged(&path, &state.vocabulary, &settings)?;
            }
        }
        let derived = derive(&state.catalogue, &settings);
        let shown = catalogue_tags(state.catalogue.clone(), &derived.set);
        state.tags = derived.set;
        state.words = Arc::new(derived.words);
        state.vocabulary = settings;
        let names = state.tags.vocabulary.names();
        if let Some(net) = &mut self.network {
            if net
                .head
                .as_ref()
                .is_some_and(|h| h.vocabulary.names() != names)
            {
                net.head = None;
                emit(EventBody::Notice(
                    "The model in use was trained on the vocabulary before this change; train \
                     again to predict the new tags."
                        .into(),
                ));
            }
        }
        self.report_vocabulary(shown, derived.notes, emit);
        Ok(())
    }
}
