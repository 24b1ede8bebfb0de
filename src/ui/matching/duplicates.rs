//! The *Duplicates* view: the catalogue's near-duplicate groups, their photos side by side,
//! with a threshold slider.
//!
//! The candidate pairs (embedding cosine at least [`LOWEST_THRESHOLD`]) are found once per set
//! of embeddings on the "vitrine-duplicates" thread; moving the slider only filters them and
//! joins the pairs above it into groups, which costs a pass over the pairs.

use std::sync::Arc;

use crossbeam_channel::{Receiver, TryRecvError};
use eframe::egui;
use egui::{Sense, Vec2};

use crate::engine::protocol::CatalogueEmbeddings;
use crate::lookalike::duplicates::{groups, pairs, DuplicatePair, DEFAULT_THRESHOLD};
use crate::ui::actions::Action;
use crate::ui::thumbnails::{paint_photo, ImageCache, ImageKey};
use crate::ui::view::CatalogueView;
use crate::ui::Repaint;

/// The lowest threshold the slider offers.
pub const LOWEST_THRESHOLD: f32 = 0.80;
/// Groups shown at most.
const SHOWN_GROUPS: usize = 200;
/// Side of a photo in a group row, in points.
const PHOTO_SIDE: f32 = 110.0;

/// The view's state: the threshold, the candidate pairs of the current embeddings, the
/// groups at the threshold.
pub struct DuplicatesState {
    /// The slider's threshold.
    pub threshold: f32,
    embeddings: Option<usize>,
    pending: Option<Receiver<Vec<DuplicatePair>>>,
    candidates: Option<Arc<Vec<DuplicatePair>>>,
    grouped: Option<(f32, Vec<Vec<usize>>)>,
    repaint: Repaint,
}

impl DuplicatesState {
    /// No pairs yet, the default threshold.
    pub fn new(repaint: Repaint) -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            embeddings: None,
            pending: None,
            candidates: None,
            grouped: None,
            repaint,
        }
    }

    /// Makes sure the pairs of these embeddings are (being) found.
    pub fn want(&mut self, embeddings: &Arc<CatalogueEmbeddings>) {
        let id = Arc::as_ptr(embeddings) as usize;
        if self.embeddings == Some(id) {
            self.receive();
            return;
        }
        self.embeddings = Some(id);
        self.candidates = None;
        self.grouped = None;
        let (tx, rx) = crossbeam_channel::bounded(1);
        let index = embeddings.index.clone();
        let repaint = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("vitrine-duplicates".into())
            .spawn(move || {
                if tx.send(pairs(&index, LOWEST_THRESHOLD)).is_ok() {
                    repaint.request();
                }
            });
        match spawned {
            Ok(_) => self.pending = Some(rx),
            Err(e) => log::warn!("the duplicates thread could not start: {e}"),
        }
    }

    fn receive(&mut self) {
        let Some(rx) = &self.pending else { return };
        match rx.try_recv() {
            Ok(found) => {
                self.candidates = Some(Arc::new(found));
                self.pending = None;
            }
            Err(TryRecvError::Disconnected) => self.pending = None,
            Err(TryRecvError::Empty) => {}
        }
    }

    /// The groups at the current threshold (None while the pairs are looked for).
    fn groups(&mut self, len: usize) -> Option<&[Vec<usize>]> {
        let candidates = self.candidates.as_ref()?;
        if self.grouped.as_ref().map(|(t, _)| *t) != Some(self.threshold) {
            let above: Vec<DuplicatePair> = candidates
                .iter()
                .filter(|p| p.similarity >= self.threshold)
                .copied()
                .collect();
            self.grouped = Some((self.threshold, groups(len, &above)));
        }
        self.grouped.as_ref().map(|(_, g)| g.as_slice())
    }

    /// Forgets the pairs (another catalogue was opened).
    pub fn reset(&mut self) {
        self.embeddings = None;
        self.pending = None;
        self.candidates = None;
        self.grouped = None;
    }
}

/// The Duplicates view.
pub fn duplicates_ui(
    ui: &mut egui::Ui,
    state: &mut DuplicatesState,
    view: &CatalogueView,
    images: &mut ImageCache,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.heading("Near-duplicates");
        ui.separator();
        ui.label("Threshold");
        ui.add(
            egui::Slider::new(&mut state.threshold, LOWEST_THRESHOLD..=0.99)
                .step_by(0.005)
                .fixed_decimals(3),
        )
        .on_hover_text(
            "Embedding cosine from which two photos count as the same product (re-encoded, \
             cropped, mirrored, lighter or darker). Lookalikes and exports leave these out.",
        );
        if ui.small_button("Default").clicked() {
            state.threshold = DEFAULT_THRESHOLD;
        }
    });
    let Some(embeddings) = view.embeddings.clone() else {
        ui.weak("Waiting for the photos to be compared…");
        return;
    };
    state.want(&embeddings);
    let Some(found) = state.groups(view.len()) else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.weak("Looking for near-duplicates…");
        });
        return;
    };
    let items: usize = found.iter().map(Vec::len).sum();
    ui.label(format!(
        "{} groups, {items} photos: each row shows photos of one product.",
        found.len()
    ));
    if found.is_empty() {
        ui.weak("No near-duplicates at this threshold.");
        return;
    }
    let found = found.to_vec();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(
            ui,
            PHOTO_SIDE + 26.0,
            found.len().min(SHOWN_GROUPS),
            |ui, rows| {
                for k in rows {
                    group_row_ui(ui, k, &found[k], &embeddings, view, images, actions);
                }
            },
        );
}

fn group_row_ui(
    ui: &mut egui::Ui,
    k: usize,
    group: &[usize],
    embeddings: &CatalogueEmbeddings,
    view: &CatalogueView,
    images: &mut ImageCache,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.label(format!("{}.", k + 1));
        let first = embeddings.index.vector(group[0]);
        for &i in group {
            let Some(item) = view.catalogue.items.get(i) else {
                continue;
            };
            let cosine = first
                .as_ref()
                .zip(embeddings.index.vector(i))
                .map_or(0.0, |(a, b)| crate::index::cosine(a, &b));
            ui.vertical(|ui| {
                let (rect, response) =
                    ui.allocate_exact_size(Vec2::splat(PHOTO_SIDE), Sense::click());
                paint_photo(
                    ui,
                    images,
                    &ImageKey::thumbnail(&item.image_path),
                    rect,
                    false,
                );
                let caption = view.caption(i);
                if response
                    .on_hover_text(format!("{caption}\n{}\nClick to open it", item.id))
                    .clicked()
                {
                    actions.push(Action::Select(i));
                }
                let note = if i == group[0] {
                    "first".to_string()
                } else {
                    format!("cos {cosine:.3}")
                };
                ui.add_sized(
                    [PHOTO_SIDE, 14.0],
                    egui::Label::new(egui::RichText::new(note).small().weak()).truncate(),
                );
            });
        }
    });
    ui.separator();
}
