//! *Export…* in the window: every item's lookalikes written on the "vitrine-export" thread,
//! with the same scoring and file format as `vitrine export lookalikes`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_channel::Receiver;

use crate::catalogue::shop::export::{render, ExportOptions, ShopExport};
use crate::catalogue::{Catalogue, CatalogueFormat};
use crate::index::LOOKALIKES;
use crate::lookalike::export::{all_lookalikes, write};
use crate::lookalike::{Match, MatchIndex, Weights};
use crate::review::shop::product_results;
use crate::review::TagRecord;
use crate::ui::Repaint;

/// What an export does with every item's lookalikes: writes its file and says what it wrote.
type Finish = Box<dyn FnOnce(Vec<Vec<Match>>) -> Result<String, String> + Send>;

/// An export under way.
pub struct ExportJob {
    done: Arc<AtomicUsize>,
    total: usize,
    result: Receiver<Result<String, String>>,
}

impl ExportJob {
    /// Starts writing the lookalikes of every item of `index` to `path`.
    pub fn start(
        index: Arc<MatchIndex>,
        weights: Weights,
        ids: Vec<String>,
        path: PathBuf,
        repaint: Repaint,
    ) -> Result<Self, String> {
        let finish: Finish = Box::new(move |found| {
            let note = crate::durable::clear_leftovers_note(&path);
            let rows = write(&path, &ids, &found).map_err(|e| e.to_string())?;
            let written = format!(
                "{rows} lookalikes of {} items written to {}",
                ids.len(),
                path.display()
            );
            Ok(match note {
                Some(note) => format!("{written} ({note})"),
                None => written,
            })
        });
        Self::start_with(index, weights, repaint, finish)
    }

    /// Starts writing the shop's own file back with every product's tags (`records`, by item)
    /// and lookalikes, for `export`'s platform.
    pub fn start_shop(
        index: Arc<MatchIndex>,
        weights: Weights,
        catalogue: Arc<Catalogue>,
        records: Vec<TagRecord>,
        export: ShopExport,
        path: PathBuf,
        repaint: Repaint,
    ) -> Result<Self, String> {
        let CatalogueFormat::Shop(format) = catalogue.format else {
            return Err("this catalogue is not a shop's export".into());
        };
        let finish: Finish = Box::new(move |found| {
            let results = product_results(&catalogue, &records, &found);
            let source = std::fs::read(&catalogue.source).map_err(|e| {
                format!(
                    "{} cannot be read: {}",
                    catalogue.source.display(),
                    crate::durable::describe_io(&e)
                )
            })?;
            let bytes = render(&source, format, export, &results, &ExportOptions::default())?;
            crate::durable::write_file(&path, &bytes).map_err(|e| {
                format!(
                    "{} cannot be written: {}",
                    path.display(),
                    crate::durable::describe_io(&e)
                )
            })?;
            Ok(format!(
                "{} products with their tags and lookalikes written to {}",
                results.len(),
                path.display()
            ))
        });
        Self::start_with(index, weights, repaint, finish)
    }

    fn start_with(
        index: Arc<MatchIndex>,
        weights: Weights,
        repaint: Repaint,
        finish: Finish,
    ) -> Result<Self, String> {
        let done = Arc::new(AtomicUsize::new(0));
        let total = index.len();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let counter = done.clone();
        std::thread::Builder::new()
            .name("vitrine-export".into())
            .spawn(move || {
                let outcome = all_lookalikes(&index, &weights, LOOKALIKES, &mut |d, _| {
                    counter.store(d, Ordering::Relaxed);
                    repaint.request();
                    true
                })
                .map_err(|e| e.to_string())
                .and_then(finish);
                if tx.send(outcome).is_err() {
                    log::warn!("an export finished after the window closed");
                }
                repaint.request();
            })
            .map_err(|e| format!("the export could not start: {e}"))?;
        Ok(Self {
            done,
            total,
            result: rx,
        })
    }

    /// Items done and in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.total)
    }

    /// The outcome, once finished: what was written, or why not.
    pub fn finished(&self) -> Option<Result<String, String>> {
        self.result.try_recv().ok()
    }
}
