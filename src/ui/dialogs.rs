//! Native file dialogs, run on their own thread so the window keeps drawing while one is open.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::Repaint;
use crate::catalogue::shop::export::ShopExport;

/// What a dialog is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    /// A CSV or JSON catalogue file.
    CatalogueFile,
    /// A folder of photos.
    CatalogueFolder,
    /// A photo to tag.
    Photo,
    /// A checkpoint folder.
    Checkpoint,
    /// The file to export every item's tags to.
    ExportTags,
    /// Where to write every item's lookalikes.
    ExportLookalikes,
    /// Where to write the shop's own file back with vitrine's results.
    ExportShop(ShopExport),
}

impl DialogKind {
    fn title(self) -> &'static str {
        match self {
            DialogKind::CatalogueFile => "Open a catalogue (CSV or JSON)",
            DialogKind::CatalogueFolder => "Open a folder of photos",
            DialogKind::Photo => "Open a photo to tag",
            DialogKind::Checkpoint => "Load a checkpoint folder",
            DialogKind::ExportTags => "Export tags (CSV or JSON Lines)",
            DialogKind::ExportLookalikes => "Export lookalikes (CSV or JSON Lines)",
            DialogKind::ExportShop(ShopExport::Shopify) => "Export for Shopify (product CSV)",
            DialogKind::ExportShop(ShopExport::WooCommerce) => {
                "Export for WooCommerce (product CSV)"
            }
            DialogKind::ExportShop(ShopExport::Merchant) => {
                "Export for Google Merchant (supplemental feed)"
            }
        }
    }
}

/// What came back from a dialog.
#[derive(Debug)]
pub enum DialogOutcome {
    /// The user chose this path.
    Chosen(DialogKind, PathBuf),
    /// The dialog closed without a choice. `suspicious` is true when it closed so fast that
    /// it was probably never shown (no file-chooser service on this desktop).
    Cancelled {
        /// True when it was probably never shown.
        suspicious: bool,
    },
}

/// A dialog that closes faster than this was almost certainly never on screen.
const NEVER_SHOWN: Duration = Duration::from_millis(250);

/// Opens dialogs on a named thread and hands back what the user chose.
pub struct Dialogs {
    tx: Sender<DialogOutcome>,
    rx: Receiver<DialogOutcome>,
    open: Option<DialogKind>,
    last: Option<DialogKind>,
}

impl Default for Dialogs {
    fn default() -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        Self {
            tx,
            rx,
            open: None,
            last: None,
        }
    }
}

impl Dialogs {
    /// The dialog on screen, if any (one at a time).
    pub fn open_kind(&self) -> Option<DialogKind> {
        self.open
    }

    /// Opens a dialog unless one is already open; returns an error in words if the dialog
    /// thread cannot start.
    pub fn open(
        &mut self,
        kind: DialogKind,
        start_dir: Option<PathBuf>,
        repaint: Repaint,
    ) -> Result<(), String> {
        if self.open.is_some() {
            return Ok(());
        }
        let tx = self.tx.clone();
        std::thread::Builder::new()
            .name("vitrine-file-dialog".into())
            .spawn(move || {
                let started = Instant::now();
                let mut dialog = rfd::FileDialog::new().set_title(kind.title());
                if let Some(dir) = start_dir.filter(|d| d.is_dir()) {
                    dialog = dialog.set_directory(dir);
                }
                let chosen = match kind {
                    DialogKind::CatalogueFile => dialog
                        .add_filter(
                            "Catalogue or shop export",
                            &["csv", "tsv", "txt", "json", "xml"],
                        )
                        .add_filter("Any file", &["*"])
                        .pick_file(),
                    DialogKind::CatalogueFolder | DialogKind::Checkpoint => dialog.pick_folder(),
                    DialogKind::ExportTags => dialog
                        .add_filter("CSV", &["csv"])
                        .add_filter("JSON Lines", &["jsonl"])
                        .set_file_name("tags.csv")
                        .save_file(),
                    DialogKind::Photo => dialog
                        .add_filter("Photo", &["jpg", "jpeg", "png", "webp"])
                        .add_filter("Any file", &["*"])
                        .pick_file(),
                    DialogKind::ExportLookalikes => dialog
                        .set_file_name("lookalikes.csv")
                        .add_filter("CSV", &["csv"])
                        .add_filter("JSON Lines", &["jsonl"])
                        .save_file(),
                    DialogKind::ExportShop(ShopExport::Merchant) => dialog
                        .set_file_name("supplemental-feed.tsv")
                        .add_filter("Tab-separated", &["tsv", "txt"])
                        .save_file(),
                    DialogKind::ExportShop(export) => dialog
                        .set_file_name(if export == ShopExport::Shopify {
                            "for-shopify.csv"
                        } else {
                            "for-woocommerce.csv"
                        })
                        .add_filter("CSV", &["csv"])
                        .save_file(),
                };
                let outcome = match chosen {
                    Some(path) => DialogOutcome::Chosen(kind, path),
                    None => DialogOutcome::Cancelled {
                        suspicious: started.elapsed() < NEVER_SHOWN,
                    },
                };
                if tx.send(outcome).is_err() {
                    log::debug!("a file dialog answered after the window stopped waiting");
                }
                repaint.request();
            })
            .map_err(|e| format!("the file dialog could not be opened: {e}"))?;
        self.open = Some(kind);
        self.last = Some(kind);
        Ok(())
    }

    /// The kind of the dialog opened last (still open or closed).
    pub fn last_kind(&self) -> Option<DialogKind> {
        self.last
    }

    /// The outcome of the open dialog, once it has closed.
    pub fn poll(&mut self) -> Option<DialogOutcome> {
        let outcome = self.rx.try_recv().ok()?;
        self.open = None;
        Some(outcome)
    }
}
