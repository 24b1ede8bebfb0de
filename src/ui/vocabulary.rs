//! The vocabulary editor: the catalogue's tags with their item counts, and the edits a shop
//! makes to them (remove, rename, merge, add a word of the descriptions). Every edit goes to
//! the worker at once ([`Command::SetVocabulary`]), which remakes the tags, saves the edits
//! with the catalogue's vitrine state and answers with the new vocabulary.

use std::collections::BTreeSet;
use std::sync::Arc;

use eframe::egui;
use egui::RichText;

use super::actions::Action;
use super::app::VitrineApp;
use super::jobs::JobKind;
use super::view::CatalogueView;
use crate::engine::protocol::VocabularyReport;
use crate::engine::Command;
use crate::text::vocab::{TagOptions, VocabEdit, VocabMode, VocabularyEdits};
use crate::text::TermKind;

/// Word suggestions shown under the search box.
const SUGGESTIONS: usize = 12;

/// What the user asked of the vocabulary editor.
#[derive(Clone, Debug, PartialEq)]
pub enum VocabularyAction {
    /// Show the editor.
    Open,
    /// Make one edit.
    Edit(VocabEdit),
    /// Change the mode or the sizes of the automatic vocabulary.
    SetOptions(TagOptions),
    /// Forget every edit.
    Reset,
}

/// The editor's state.
#[derive(Debug, Default)]
pub struct VocabularyEditor {
    /// The window is shown.
    pub open: bool,
    /// The open catalogue's vocabulary, as the worker sent it last.
    pub report: Option<Arc<VocabularyReport>>,
    /// Filters the tags and finds words to add.
    search: String,
    /// The tag being renamed and its new name.
    renaming: Option<(String, String)>,
    /// Tags ticked for a merge.
    ticked: BTreeSet<String>,
    /// Name of the merged tag.
    merge_into: String,
    /// Why the last edit was refused.
    pub error: Option<String>,
    /// An edit was sent and its answer has not come.
    pub waiting: bool,
    /// Settings saved elsewhere (another window, a command), to take in once no edit of this
    /// window is on its way.
    pub(super) changed_elsewhere: Option<crate::text::vocab::VocabularySettings>,
}

impl VocabularyEditor {
    /// Opens the editor with `search` in its search box.
    pub(super) fn show(&mut self, search: &str) {
        self.open = true;
        self.search = search.to_string();
    }
}

impl VitrineApp {
    /// The vocabulary editor's state.
    pub fn vocabulary_editor(&self) -> &VocabularyEditor {
        &self.vocabulary
    }

    /// The worker's vocabulary arrived: keep it for the editor and, when it changed the
    /// catalogue's tags, show those (embeddings are kept; predictions of a model trained on
    /// other tags are not).
    pub(super) fn vocabulary_ready(&mut self, report: Arc<VocabularyReport>) {
        self.vocabulary.waiting = false;
        for note in &report.notes {
            self.messages
                .warning(format!("Vocabulary edit skipped: {note}."));
        }
        if let Some(view) = &mut self.view {
            let same_catalogue = Arc::ptr_eq(&view.catalogue, &report.tags.catalogue);
            if same_catalogue && !Arc::ptr_eq(&view.tags, &report.tags) {
                let same_names = view.tags.vocabulary == report.tags.vocabulary;
                let mut fresh =
                    CatalogueView::new_in_background(report.tags.clone(), self.repaint.clone());
                fresh.embeddings = view.embeddings.take();
                if same_names {
                    fresh.predictions = view.predictions.take();
                } else {
                    self.train.model = None;
                }
                fresh.generation = view.generation + 1;
                *view = fresh;
                self.grid.reset();
            }
        }
        self.vocabulary.ticked.clear();
        self.vocabulary.report = Some(report);
    }

    /// Carries out an action of the editor.
    pub(super) fn vocabulary_action(&mut self, action: VocabularyAction) {
        let Some(report) = self.vocabulary.report.clone() else {
            self.vocabulary.open = matches!(action, VocabularyAction::Open);
            return;
        };
        let mut settings = report.settings.clone();
        match action {
            VocabularyAction::Open => {
                self.vocabulary.open = true;
                return;
            }
            VocabularyAction::Edit(edit) => {
                match VocabularyEdits::check(&edit, &report.vocabulary, &report.words) {
                    Ok(edit) => settings.edits.push(edit),
                    Err(e) => {
                        self.vocabulary.error = Some(format!("Cannot {edit}: {e}."));
                        return;
                    }
                }
            }
            VocabularyAction::SetOptions(options) => settings.options = options,
            VocabularyAction::Reset => settings.edits = VocabularyEdits::default(),
        }
        self.vocabulary.error = None;
        self.vocabulary.renaming = None;
        let command = Command::SetVocabulary {
            settings,
            save: true,
        };
        if self.send_job(JobKind::Vocabulary, command) {
            self.vocabulary.waiting = true;
        }
    }
}

/// Draws the editor window while it is open.
pub fn vocabulary_window_ui(
    ctx: &egui::Context,
    editor: &mut VocabularyEditor,
    actions: &mut Vec<Action>,
) {
    let mut open = editor.open;
    egui::Window::new("Vocabulary")
        .id(egui::Id::unique("vocabulary_editor"))
        .open(&mut open)
        .default_size([520.0, 600.0])
        .default_pos(ctx.content_rect().center() - egui::vec2(260.0, 300.0))
        .resizable(true)
        .collapsible(false)
        .show(ctx, |ui| vocabulary_ui(ui, editor, actions));
    editor.open = open;
}

/// The editor's content.
fn vocabulary_ui(ui: &mut egui::Ui, editor: &mut VocabularyEditor, actions: &mut Vec<Action>) {
    let Some(report) = editor.report.clone() else {
        ui.label("Open a catalogue with descriptions to edit its tags.");
        return;
    };
    let push = |actions: &mut Vec<Action>, a: VocabularyAction| actions.push(Action::Vocabulary(a));
    options_ui(ui, &report, actions);
    ui.label(format!(
        "{} tags from the descriptions ({}); {} items have tags.",
        report.vocabulary.len(),
        report.settings.describe(),
        report.tags.trainable_items
    ));
    if let Some(file) = &report.file {
        ui.weak(format!("Edits are saved in {}", file.display()));
    }
    if let Some(error) = &editor.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    if editor.waiting {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Remaking the tags…");
        });
    }
    ui.separator();
    ui.horizontal(|ui| {
        ui.label("Find a tag or a word:");
        ui.add(
            egui::TextEdit::singleline(&mut editor.search)
                .hint_text("a tag or a word, e.g. dress")
                .desired_width(180.0),
        );
    });
    suggestions_ui(ui, editor, &report, actions);
    merge_ui(ui, editor, actions);
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .max_height(ui.available_height() - 40.0)
        .show(ui, |ui| tags_ui(ui, editor, &report, actions));
    ui.separator();
    ui.horizontal(|ui| {
        let edits = report.settings.edits.len();
        ui.label(match edits {
            0 => "No edits: the automatic vocabulary.".to_string(),
            1 => "1 edit.".to_string(),
            n => format!("{n} edits."),
        });
        if ui
            .add_enabled(
                edits > 0,
                egui::Button::new("Reset to the automatic vocabulary"),
            )
            .clicked()
        {
            push(actions, VocabularyAction::Reset);
        }
    });
}

/// Mode and sizes of the automatic vocabulary.
fn options_ui(ui: &mut egui::Ui, report: &VocabularyReport, actions: &mut Vec<Action>) {
    let current = report.settings.options;
    let mut options = current;
    ui.horizontal(|ui| {
        ui.label("Words:");
        ui.selectable_value(&mut options.mode, VocabMode::Curated, "Curated")
            .on_hover_text(
                "One tag per word, plurals and spellings merged, words that name no visible \
                 property left out",
            );
        ui.selectable_value(&mut options.mode, VocabMode::Seed, "Seed")
            .on_hover_text("The original recipe: every noun and adjective as written");
        ui.separator();
        ui.label("Nouns");
        ui.add(egui::DragValue::new(&mut options.vocab_nouns).range(0..=500));
        ui.label("Adjectives");
        ui.add(egui::DragValue::new(&mut options.vocab_adjectives).range(0..=500));
    });
    if options != current {
        actions.push(Action::Vocabulary(VocabularyAction::SetOptions(options)));
    }
}

/// Words of the descriptions matching the search that are not tags yet, each with its items.
fn suggestions_ui(
    ui: &mut egui::Ui,
    editor: &VocabularyEditor,
    report: &VocabularyReport,
    actions: &mut Vec<Action>,
) {
    if editor.search.trim().is_empty() {
        return;
    }
    let words = report.words.search(&editor.search, SUGGESTIONS * 2);
    let addable: Vec<_> = words
        .into_iter()
        .filter(|w| report.vocabulary.index_of(&w.name).is_none())
        .take(SUGGESTIONS)
        .collect();
    if addable.is_empty() {
        ui.weak("No other word of the descriptions starts so.");
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Add:");
        for word in addable {
            let button = egui::Button::new(format!("{} ({})", word.name, word.items.len()));
            if ui
                .add(button)
                .on_hover_text(format!(
                    "Add \"{}\" as a tag: {} items' descriptions have it",
                    word.name,
                    word.items.len()
                ))
                .clicked()
            {
                actions.push(Action::Vocabulary(VocabularyAction::Edit(VocabEdit::Add {
                    word: word.name.clone(),
                })));
            }
        }
    });
}

/// Merging the ticked tags.
fn merge_ui(ui: &mut egui::Ui, editor: &mut VocabularyEditor, actions: &mut Vec<Action>) {
    if editor.ticked.len() < 2 {
        ui.weak("Tick two tags or more to merge them.");
        return;
    }
    if editor.merge_into.trim().is_empty() {
        editor.merge_into = editor.ticked.iter().next().cloned().unwrap_or_default();
    }
    ui.horizontal(|ui| {
        let names: Vec<&str> = editor.ticked.iter().map(String::as_str).collect();
        ui.label(format!("Merge {} into", names.join(", ")));
        ui.add(egui::TextEdit::singleline(&mut editor.merge_into).desired_width(120.0));
        if ui.button("Merge").clicked() {
            actions.push(Action::Vocabulary(VocabularyAction::Edit(
                VocabEdit::Merge {
                    tags: editor.ticked.iter().cloned().collect(),
                    into: editor.merge_into.clone(),
                },
            )));
            editor.merge_into.clear();
        }
    });
}

/// The tags (filtered by the search), each with its kind, items, and what can be done.
fn tags_ui(
    ui: &mut egui::Ui,
    editor: &mut VocabularyEditor,
    report: &VocabularyReport,
    actions: &mut Vec<Action>,
) {
    let filter = editor.search.trim().to_lowercase();
    egui::Grid::new("vocabulary_tags")
        .num_columns(4)
        .striped(true)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Tag").strong());
            ui.label(RichText::new("Kind").strong());
            ui.label(RichText::new("Items").strong());
            ui.label("");
            ui.end_row();
            for tag in report
                .vocabulary
                .tags
                .iter()
                .filter(|t| filter.is_empty() || t.name.contains(&filter))
            {
                let mut ticked = editor.ticked.contains(&tag.name);
                if ui.checkbox(&mut ticked, &tag.name).changed() {
                    if ticked {
                        editor.ticked.insert(tag.name.clone());
                    } else {
                        editor.ticked.remove(&tag.name);
                    }
                }
                ui.weak(match tag.kind {
                    TermKind::Noun => "noun",
                    TermKind::Adjective => "adjective",
                });
                ui.label(tag.count.to_string());
                ui.horizontal(|ui| row_buttons_ui(ui, editor, &tag.name, actions));
                ui.end_row();
            }
        });
}

/// Rename and Remove for one tag.
fn row_buttons_ui(
    ui: &mut egui::Ui,
    editor: &mut VocabularyEditor,
    name: &str,
    actions: &mut Vec<Action>,
) {
    let edit = |actions: &mut Vec<Action>, e: VocabEdit| {
        actions.push(Action::Vocabulary(VocabularyAction::Edit(e)));
    };
    match &mut editor.renaming {
        Some((from, to)) if from == name => {
            let field = ui.add(egui::TextEdit::singleline(to).desired_width(100.0));
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.small_button("OK").clicked() || entered {
                edit(
                    actions,
                    VocabEdit::Rename {
                        from: from.clone(),
                        to: to.clone(),
                    },
                );
            }
            if ui.small_button("Cancel").clicked() {
                editor.renaming = None;
            }
        }
        _ => {
            if ui.small_button("Rename").clicked() {
                editor.renaming = Some((name.to_string(), name.to_string()));
            }
            if ui
                .small_button("Remove")
                .on_hover_text(format!("Remove the tag \"{name}\""))
                .clicked()
            {
                edit(
                    actions,
                    VocabEdit::Remove {
                        tag: name.to_string(),
                    },
                );
            }
        }
    }
}
