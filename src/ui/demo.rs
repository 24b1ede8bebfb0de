//! Scripted steps for demos and screenshots (`VITRINE_DEMO_ACTION`), run once the first
//! catalogue is ready.

use std::path::PathBuf;

use super::settings::Tab;
use crate::engine::TrainMode;

/// A scripted step run once the catalogue is ready, for demos and screenshots
/// (see [`parse_demo_actions`]).
#[derive(Clone, Debug, PartialEq)]
pub enum DemoAction {
    /// Set the number of epochs.
    Epochs(usize),
    /// Start training in this mode.
    Train(TrainMode),
    /// Select the item with this 1-based number.
    Select(usize),
    /// Tag this photo, as if dropped.
    Drop(PathBuf),
    /// Show this tab.
    Tab(Tab),
    /// Open the vocabulary editor with this search.
    Vocabulary(String),
    /// Scroll the detail panel to the selected item's tag tick boxes.
    RevealTags,
    /// Show the garment mask over the detail photo.
    ShowMask,
}

/// Reads `VITRINE_DEMO_ACTION`-style steps separated by `;`: `train`, `train:fine-tune`,
/// `epochs:N`, `select:N` (1-based), `drop:PATH`, `tab:catalogue|train|gallery|review|duplicates`,
/// `vocabulary` or `vocabulary:SEARCH` (the vocabulary editor, searching), `reveal:tags` (the
/// detail panel scrolled to the tag tick boxes), `mask` (the garment mask over the detail
/// photo). Unknown
/// steps are returned as errors in words.
pub fn parse_demo_actions(text: &str) -> (Vec<DemoAction>, Vec<String>) {
    let mut actions = Vec::new();
    let mut errors = Vec::new();
    for step in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, arg) = step.split_once(':').unwrap_or((step, ""));
        let parsed = match (name.trim().to_ascii_lowercase().as_str(), arg.trim()) {
            ("train", "") => Some(DemoAction::Train(TrainMode::Fast)),
            ("train", mode) => mode.parse().ok().map(DemoAction::Train),
            ("epochs", n) => n.parse().ok().filter(|n| *n > 0).map(DemoAction::Epochs),
            ("select", n) => n.parse().ok().filter(|n| *n > 0).map(DemoAction::Select),
            ("drop", path) if !path.is_empty() => Some(DemoAction::Drop(PathBuf::from(path))),
            ("tab", "catalogue") => Some(DemoAction::Tab(Tab::Catalogue)),
            ("tab", "train") => Some(DemoAction::Tab(Tab::Train)),
            ("tab", "gallery") => Some(DemoAction::Tab(Tab::Gallery)),
            ("tab", "review") => Some(DemoAction::Tab(Tab::Review)),
            ("tab", "duplicates") => Some(DemoAction::Tab(Tab::Duplicates)),
            ("vocabulary", search) => Some(DemoAction::Vocabulary(search.to_string())),
            ("reveal", "tags") => Some(DemoAction::RevealTags),
            ("mask", "") => Some(DemoAction::ShowMask),
            _ => None,
        };
        match parsed {
            Some(a) => actions.push(a),
            None => errors.push(format!("unknown demo step \"{step}\"")),
        }
    }
    (actions, errors)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_steps_parse() {
        let (steps, errors) = parse_demo_actions(
            "epochs:3; train ;select:12;drop:/tmp/a b.jpg;tab:gallery;mask;bogus",
        );
        assert_eq!(
            steps,
            vec![
                DemoAction::Epochs(3),
                DemoAction::Train(TrainMode::Fast),
                DemoAction::Select(12),
                DemoAction::Drop(PathBuf::from("/tmp/a b.jpg")),
                DemoAction::Tab(Tab::Gallery),
                DemoAction::ShowMask,
            ]
        );
        assert_eq!(errors.len(), 1);
        let (steps, _) = parse_demo_actions("train:fine-tune");
        assert_eq!(steps, vec![DemoAction::Train(TrainMode::FineTune)]);
    }
}
