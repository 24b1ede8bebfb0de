//! The window's exports of lookalikes: every item's lookalikes, or the shop's own file back
//! with tags and related products, both on the "vitrine-export" thread.

use super::export;
use crate::ui::app::VitrineApp;

impl VitrineApp {
    /// The Match index of the open catalogue, or a warning to the user when it is not ready.
    fn export_index(&mut self) -> Option<std::sync::Arc<crate::lookalike::MatchIndex>> {
        let index = self
            .matching
            .finder
            .index
            .lock()
            .ok()
            .and_then(|i| i.clone());
        if self.view.is_none() || index.is_none() {
            self.messages
                .warning("Lookalikes are not ready yet: export once the photos are compared.");
            return None;
        }
        index
    }

    /// Starts writing every item's lookalikes to `path`.
    pub(in crate::ui) fn export_lookalikes(&mut self, path: std::path::PathBuf) {
        let Some(index) = self.export_index() else {
            return;
        };
        let Some(view) = &self.view else {
            return;
        };
        let ids = view.catalogue.items.iter().map(|i| i.id.clone()).collect();
        match export::ExportJob::start(
            index,
            self.matching.weights,
            ids,
            path,
            self.repaint.clone(),
        ) {
            Ok(job) => self.matching.export = Some(job),
            Err(e) => self.messages.error(e),
        }
    }

    /// Writes the shop's own file back with the tags and lookalikes (on the export thread).
    pub(in crate::ui) fn export_shop(
        &mut self,
        export_kind: crate::catalogue::shop::export::ShopExport,
        path: std::path::PathBuf,
    ) {
        let Some(index) = self.export_index() else {
            return;
        };
        let Some(view) = &self.view else {
            return;
        };
        let records = view.tag_sources().records();
        match export::ExportJob::start_shop(
            index,
            self.matching.weights,
            view.catalogue.clone(),
            records,
            export_kind,
            path,
            self.repaint.clone(),
        ) {
            Ok(job) => self.matching.export = Some(job),
            Err(e) => self.messages.error(e),
        }
    }
}
