//! What the user can ask for in a frame. Panels push [`Action`]s while they draw; the window
//! carries them out after drawing (see `apply.rs`), so no panel changes the window's state.

use std::path::PathBuf;

use super::settings::Tab;
use super::vocabulary::VocabularyAction;
use crate::engine::TrainConfig;

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
    /// Choose where to write the shop's own file back with vitrine's results.
    ExportShopDialog(crate::catalogue::shop::export::ShopExport),
    /// Write the shop's own file back with vitrine's results.
    ExportShop(crate::catalogue::shop::export::ShopExport, PathBuf),
    /// Stop downloading the photos of the catalogue being opened (those already fetched load).
    StopFetchingPhotos,
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
    /// Open or edit the vocabulary.
    Vocabulary(VocabularyAction),
    /// Correct one tag of an item: it has the tag (`Some(true)`), it does not
    /// (`Some(false)`), or forget the correction (`None`).
    SetCorrection {
        /// The item's index.
        item: usize,
        /// The tag.
        tag: String,
        /// The correction.
        value: Option<bool>,
    },
    /// Forget every correction of an item.
    ForgetCorrections(usize),
    /// Train again with the current settings, the corrections included.
    RetrainWithCorrections,
    /// Choose where to export every item's tags.
    ExportDialog,
    /// Export every item's tags to this file (CSV or JSON Lines by its extension).
    ExportTags(PathBuf),
    /// Match lookalikes with a preset's weights.
    SetMatchPreset(crate::lookalike::Preset),
    /// Match lookalikes with these weights.
    SetMatchWeights(crate::lookalike::Weights),
    /// Show (true) or hide the garment mask over the selected photo.
    ShowGarmentMask(bool),
    /// Choose where to export every item's lookalikes.
    ExportLookalikesDialog,
    /// Export every item's lookalikes to this file.
    ExportLookalikes(PathBuf),
}
