//! Scripted steps for demos and screenshots (`VITRINE_DEMO_ACTION`), run once the first
//! catalogue is ready.

use std::path::PathBuf;

use super::actions::Action;
use super::app::VitrineApp;
use super::settings::Tab;
use super::view::CatalogueView;
use crate::engine::{TrainConfig, TrainMode};

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
}

/// Reads `VITRINE_DEMO_ACTION`-style steps separated by `;`: `train`, `train:fine-tune`,
/// `epochs:N`, `select:N` (1-based), `drop:PATH`, `tab:catalogue|train|gallery`. Unknown
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
            _ => None,
        };
        match parsed {
            Some(a) => actions.push(a),
            None => errors.push(format!("unknown demo step \"{step}\"")),
        }
    }
    (actions, errors)
}
impl VitrineApp {
    /// Runs the scripted steps still waiting (once, after the first catalogue is ready).
    pub(super) fn run_demo_actions(&mut self) {
        let mut epochs = None;
        while let Some(step) = self.demo_actions.pop_front() {
            match step {
                DemoAction::Epochs(n) => {
                    self.train.config.epochs = n;
                    epochs = Some(n);
                }
                DemoAction::Train(mode) => {
                    if mode != self.train.config.mode {
                        let backbone = self.train.config.backbone;
                        self.train.config = TrainConfig::for_mode(mode);
                        self.train.config.backbone = backbone;
                    }
                    if let Some(n) = epochs {
                        self.train.config.epochs = n;
                    }
                    self.tab = Tab::Train;
                    let config = self.train.config.clone();
                    self.apply(Action::StartTraining(config));
                }
                DemoAction::Select(n) => {
                    if n >= 1 && n <= self.view.as_ref().map_or(0, CatalogueView::len) {
                        self.apply(Action::Select(n - 1));
                    }
                }
                DemoAction::Drop(path) => self.apply(Action::Predict(path)),
                DemoAction::Tab(tab) => self.tab = tab,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_steps_parse() {
        let (steps, errors) =
            parse_demo_actions("epochs:3; train ;select:12;drop:/tmp/a b.jpg;tab:gallery;bogus");
        assert_eq!(
            steps,
            vec![
                DemoAction::Epochs(3),
                DemoAction::Train(TrainMode::Fast),
                DemoAction::Select(12),
                DemoAction::Drop(PathBuf::from("/tmp/a b.jpg")),
                DemoAction::Tab(Tab::Gallery),
            ]
        );
        assert_eq!(errors.len(), 1);
        let (steps, _) = parse_demo_actions("train:fine-tune");
        assert_eq!(steps, vec![DemoAction::Train(TrainMode::FineTune)]);
    }
}
