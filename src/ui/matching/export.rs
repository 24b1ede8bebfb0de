//! *Export…* in the window: every item's lookalikes written on the "vitrine-export" thread,
//! with the same scoring and file format as `vitrine export lookalikes`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_channel::Receiver;

use crate::index::LOOKALIKES;
use crate::lookalike::export::{all_lookalikes, write};
use crate::lookalike::{MatchIndex, Weights};
use crate::ui::Repaint;

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
                .and_then(|found| {
                    let note = crate::durable::clear_leftovers_note(&path);
                    write(&path, &ids, &found).map(|rows| (rows, note))
                })
                .map(|(rows, note)| {
                    let written = format!(
                        "{rows} lookalikes of {} items written to {}",
                        ids.len(),
                        path.display()
                    );
                    match note {
                        Some(note) => format!("{written} ({note})"),
                        None => written,
                    }
                })
                .map_err(|e| e.to_string());
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
