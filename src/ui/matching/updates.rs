//! How the window's Match state follows the open catalogue: the worker's parts arriving, the
//! catalogue's fitted weights, and the lookalikes of the selected item or dropped photo.

use std::sync::Arc;

use super::*;
use crate::ui::app::VitrineApp;

impl VitrineApp {
    /// The worker's colours and descriptions for the open catalogue.
    pub(in crate::ui) fn match_parts_ready(&mut self, parts: Arc<MatchParts>) {
        let fits = self
            .view
            .as_ref()
            .is_some_and(|v| v.len() == parts.colours.len());
        if fits {
            self.matching.parts = Some(parts);
        } else {
            log::warn!("colours for another catalogue were ignored");
        }
        if self
            .activity
            .as_ref()
            .is_some_and(|a| a.task == Some(crate::engine::Task::ComputingColours))
        {
            self.activity = None;
        }
    }

    /// Reads the open catalogue's own fitted weights (a small file in its state folder, like
    /// the tag corrections), to offer them as the *Fitted* preset.
    pub(in crate::ui) fn load_fitted_weights(&mut self) {
        let Some(view) = &self.view else {
            return;
        };
        let state = self
            .corrections
            .state_root
            .join(crate::paths::catalogue_key(&view.catalogue));
        self.matching.fitted = match crate::lookalike::fitted::load(&state) {
            Ok(found) => found.map(|f| f.weights),
            Err(e) => {
                self.messages
                    .warning(format!("The fitted Match weights cannot be used: {e}."));
                None
            }
        };
    }

    /// The sources Match scoring uses now (None before the embeddings arrive).
    pub(in crate::ui) fn match_sources(&self) -> Option<MatchSources> {
        let view = self.view.as_ref()?;
        Some(MatchSources {
            embeddings: view.embeddings.clone()?,
            parts: self.matching.parts.clone(),
        })
    }

    /// Asks for the Match lookalikes of the selected item or the dropped photo.
    pub(in crate::ui) fn refresh_matches(&mut self) {
        let Some(sources) = self.match_sources() else {
            return;
        };
        let weights = self.matching.weights;
        match self.right {
            crate::ui::app::RightView::Photo => {
                if let (Some(path), Some(p)) = (&self.drop.path, &self.drop.prediction) {
                    if !p.embedding.is_empty() {
                        let key = MatchKey::Photo(path.clone());
                        self.matching.finder.want(key, weights, &sources, Some(p));
                    }
                }
            }
            crate::ui::app::RightView::Item => {
                if let Some(item) = self.selection.current() {
                    self.matching
                        .finder
                        .want(MatchKey::Item(item), weights, &sources, None);
                }
            }
        }
        if let Some(job) = &self.matching.export {
            if let Some(outcome) = job.finished() {
                match outcome {
                    Ok(text) => self.messages.info(text),
                    Err(text) => self.messages.error(text),
                }
                self.matching.export = None;
            }
        }
    }

    /// What the detail or dropped-photo panel shows for `key`.
    pub(in crate::ui) fn match_panel(&self, key: &MatchKey) -> Option<MatchPanel> {
        self.match_sources()?;
        if !self.matching.finder.is_running() {
            return None;
        }
        let colours_progress = self
            .activity
            .as_ref()
            .filter(|a| a.task == Some(crate::engine::Task::ComputingColours))
            .map(|a| (a.done, a.total));
        let found = self.matching.finder.get(key);
        Some(MatchPanel {
            weights: self.matching.weights,
            preset: self.matching.preset,
            matches: found.map(|f| f.matches.clone()),
            fitted: self.matching.fitted,
            kind: found.and_then(|f| f.kind.clone()),
            colours_ready: self.matching.parts.is_some(),
            colours_progress,
            export_progress: self
                .matching
                .export
                .as_ref()
                .map(export::ExportJob::progress),
        })
    }
}
