//! What the window remembers between launches (through eframe's storage).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::engine::TrainConfig;

/// Key of the settings in eframe's storage.
pub const SETTINGS_KEY: &str = "vitrine-settings";

/// The left-hand tabs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    /// The photo grid with search and tag filters.
    #[default]
    Catalogue,
    /// Training settings, progress and charts.
    Train,
    /// Validation items with their predicted and true tags.
    Gallery,
    /// The items whose predictions and tags disagree most, to check first.
    Review,
    /// Near-duplicate photos, grouped.
    Duplicates,
}

impl Tab {
    /// The tab's label in the window.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Catalogue => "Catalogue",
            Tab::Train => "Train",
            Tab::Gallery => "Validation gallery",
            Tab::Review => "Review",
            Tab::Duplicates => "Duplicates",
        }
    }
}

/// Settings saved when the window closes and restored on the next launch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The catalogue opened last (None: the demo catalogue).
    pub last_catalogue: Option<PathBuf>,
    /// The checkpoint written or loaded last.
    pub last_checkpoint: Option<PathBuf>,
    /// The training settings last used.
    pub train: TrainConfig,
    /// The tab shown last.
    pub tab: Tab,
    /// The folder the file dialogs opened in last.
    pub last_dialog_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            last_catalogue: None,
            last_checkpoint: None,
            train: TrainConfig::default(),
            tab: Tab::Catalogue,
            last_dialog_dir: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_tolerate_missing_fields() {
        let settings = Settings {
            last_catalogue: Some(PathBuf::from("/shop/catalogue.csv")),
            tab: Tab::Train,
            ..Default::default()
        };
        let text = serde_json::to_string(&settings).unwrap();
        let back: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, settings);
        let partial: Settings = serde_json::from_str(r#"{"tab":"Gallery"}"#).unwrap();
        assert_eq!(partial.tab, Tab::Gallery);
        assert_eq!(partial.train, TrainConfig::default());
    }
}
