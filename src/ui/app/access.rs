//! Read access to the window's state, for tests and embedding.

use super::{RightView, VitrineApp};
use crate::engine::TrainConfig;
use crate::index::Neighbour;
use crate::ui::drop::DropState;
use crate::ui::messages::Messages;
use crate::ui::settings::{Settings, Tab};
use crate::ui::train_panel::TrainState;
use crate::ui::view::CatalogueView;

impl VitrineApp {
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

    /// True while the detail photo shows its garment mask.
    pub fn garment_mask_shown(&self) -> bool {
        self.matching.show_mask
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
        self.loading.is_some() || self.jobs.opening_catalogue()
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

    /// Garment-mask pictures decoded and held as textures.
    pub fn photos_in_memory_masked(&self) -> usize {
        self.images.masks_in_memory()
    }

    /// Shows an error in the window's message area.
    pub fn note_error(&mut self, text: impl Into<String>) {
        self.messages.error(text);
    }
}
