//! The window's side of tag corrections: reading and saving the catalogue's sidecar file,
//! handing the corrections to the worker before a run, the validation gallery rebuilt from the
//! model in use, and the tags export.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;

use super::app::VitrineApp;
use super::jobs::JobKind;
use crate::engine::corrections::{Corrections, FILE_NAME};
use crate::engine::split::SplitRole;
use crate::engine::Command;
use crate::review::export;

/// What the window keeps about the open catalogue's corrections.
#[derive(Debug, Default)]
pub struct CorrectionsState {
    /// The folder of every catalogue's state folder.
    pub(super) state_root: PathBuf,
    /// The open catalogue's sidecar file; `None` when it cannot be used (then nothing is
    /// saved, so a file vitrine cannot read is never overwritten).
    pub(super) path: Option<PathBuf>,
    /// The export path typed by the user when no file dialog could be shown.
    pub(super) export_prompt: Option<String>,
    /// Notices the state files changing on disk (started with the first catalogue).
    pub(super) watch: Option<super::state_watch::StateWatch>,
}

impl CorrectionsState {
    /// State with the catalogues' state folders in `state_root`.
    pub fn new(state_root: PathBuf) -> Self {
        Self {
            state_root,
            ..Self::default()
        }
    }
}

impl VitrineApp {
    /// The user's corrections of the catalogue just opened, from its sidecar file.
    pub(super) fn load_corrections(&mut self) {
        let Some(view) = &mut self.view else {
            return;
        };
        let path = self
            .corrections
            .state_root
            .join(crate::paths::catalogue_key(&view.catalogue))
            .join(FILE_NAME);
        if self.corrections.watch.is_none() {
            self.corrections.watch = super::state_watch::StateWatch::start(self.repaint.clone());
        }
        match Corrections::load(&path) {
            Ok(corrections) => {
                view.set_corrections(corrections);
                if let Some(watch) = &self.corrections.watch {
                    watch.set_corrections(Some(path.clone()));
                }
                self.corrections.path = Some(path);
            }
            Err(e) => {
                if let Some(watch) = &self.corrections.watch {
                    watch.set_corrections(None);
                }
                self.corrections.path = None;
                self.messages.error(format!(
                    "Your tag corrections cannot be used: {e}. Corrections made now are not saved."
                ));
            }
        }
    }

    /// Records one correction, saves the sidecar file.
    pub(super) fn correct(&mut self, item: usize, tag: &str, value: Option<bool>) {
        let Some(view) = &mut self.view else {
            return;
        };
        let Some(id) = view.catalogue.items.get(item).map(|i| i.id.clone()) else {
            return;
        };
        view.correct(item, tag, value);
        self.save_corrections(vec![(id, tag.to_string(), value)]);
    }

    /// Forgets every correction of one item, saves the sidecar file.
    pub(super) fn forget_corrections(&mut self, item: usize) {
        let Some(view) = &mut self.view else {
            return;
        };
        let Some(id) = view.catalogue.items.get(item).map(|i| i.id.clone()) else {
            return;
        };
        let tags: Vec<String> = view
            .corrections
            .of_item(&id)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        for tag in &tags {
            view.correct(item, tag, None);
        }
        let changes = tags.into_iter().map(|t| (id.clone(), t, None)).collect();
        self.save_corrections(changes);
    }

    /// Saves `changes` (item id, tag, correction) into the sidecar file under its lock, on top
    /// of what it holds now; corrections saved there by another window since are taken in.
    fn save_corrections(&mut self, changes: Vec<(String, String, Option<bool>)>) {
        let (Some(view), Some(path)) = (&mut self.view, &self.corrections.path) else {
            return;
        };
        let saved = Corrections::update(path, &view.catalogue.name, |c| {
            for (id, tag, value) in &changes {
                c.set(id, tag, *value);
            }
        });
        match saved {
            Ok(saved) if saved != view.corrections => view.set_corrections(saved),
            Ok(_) => {}
            Err(e) => self
                .messages
                .error(format!("Your tag corrections were not saved: {e}.")),
        }
    }

    /// Corrections read from the sidecar file after it changed on disk (another window, a
    /// command): shown at once when they differ from the window's.
    pub(super) fn corrections_changed_elsewhere(&mut self, path: &Path, corrections: Corrections) {
        let Some(view) = &mut self.view else {
            return;
        };
        if self.corrections.path.as_deref() != Some(path) || corrections == view.corrections {
            return;
        }
        view.set_corrections(corrections);
        self.messages
            .info("Tag corrections saved elsewhere were taken in.".to_string());
    }

    /// Hands the corrections to the worker (before a training run).
    pub(super) fn send_corrections(&mut self) {
        let Some(view) = &self.view else {
            return;
        };
        let corrections = Arc::new(view.corrections.clone());
        self.send_job(JobKind::Corrections, Command::SetCorrections(corrections));
    }

    /// Between runs, the validation gallery shows the model in use's validation items (after a
    /// checkpoint is loaded, at the next launch too): the same probabilities an evaluation
    /// reports, as the tag probabilities of every item are computed by the same head.
    pub(super) fn rebuild_validation_gallery(&mut self) {
        if self.train.status.is_active() {
            return;
        }
        let (Some(view), Some(model)) = (&self.view, &self.train.model) else {
            return;
        };
        let (Some(predictions), Some(split)) = (&view.predictions, &view.split) else {
            return;
        };
        if predictions.vocabulary != model.vocabulary {
            return;
        }
        let rows: Vec<(usize, Vec<f32>)> = split
            .items(SplitRole::Validation)
            .into_iter()
            .filter_map(|i| {
                let probs = predictions.probabilities.get(i)?.as_ref()?;
                Some((i, probs.clone()))
            })
            .collect();
        self.train.validation_items = rows.iter().map(|(i, _)| *i).collect();
        self.train.validation = Arc::new(rows);
        self.train.vocabulary = predictions.vocabulary.clone();
        self.train.thresholds = predictions.thresholds.clone();
    }

    /// Writes every item's tags to `path`, as the window shows them.
    pub(super) fn export_tags(&mut self, path: &Path) {
        let Some(view) = &self.view else {
            self.messages
                .error("Nothing to export: no catalogue is open.");
            return;
        };
        let records = view.tag_sources().records();
        let leftovers = crate::durable::clear_leftovers_note(path);
        match export::write(path, &records) {
            Ok(_) => {
                let mut note = if view.predictions.is_none() {
                    " There is no model yet, so the file has no predictions.".to_string()
                } else {
                    String::new()
                };
                if let Some(leftovers) = leftovers {
                    note.push_str(&format!(" Also {leftovers}."));
                }
                self.messages.info(format!(
                    "The tags of {} items were exported to {}.{note}",
                    records.len(),
                    path.display()
                ));
                self.corrections.export_prompt = None;
            }
            Err(e) => self.messages.error(format!("Export failed: {e}.")),
        }
    }

    /// No file dialog could be shown: ask for the path in the window.
    pub(super) fn ask_export_path(&mut self) {
        let dir = self
            .settings
            .last_dialog_dir
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        self.corrections.export_prompt = Some(dir.join("tags.csv").display().to_string());
    }

    /// The window asking for the export path, while it is open.
    pub(super) fn export_prompt_ui(&mut self, ctx: &egui::Context) {
        let Some(text) = &mut self.corrections.export_prompt else {
            return;
        };
        let mut export_to = None;
        let mut cancel = false;
        egui::Window::new("Export tags")
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label(
                    "No file dialog could be shown on this desktop. Type the file to write \
                     (.csv or .jsonl):",
                );
                ui.add(egui::TextEdit::singleline(text).desired_width(420.0));
                ui.horizontal(|ui| {
                    if ui.button("Export").clicked() {
                        export_to = Some(PathBuf::from(text.trim()));
                    }
                    if ui.button("Cancel").clicked() {
                        cancel = true;
                    }
                });
            });
        if cancel {
            self.corrections.export_prompt = None;
        }
        if let Some(path) = export_to {
            self.export_tags(&path);
        }
    }
}
