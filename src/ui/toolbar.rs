//! The toolbar: open a catalogue or a photo, what is open, and what the background is doing.

use eframe::egui;
use egui::RichText;

use super::actions::Action;
use super::view::CatalogueView;
use crate::catalogue::FetchProgress;
use crate::engine::protocol::{ModelSummary, RequestId, Task};

/// Background work shown at the right of the toolbar.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    /// What is being done, in words.
    pub label: String,
    /// The worker's task, when it is one of its preparations (None: training).
    pub task: Option<Task>,
    /// The request the work belongs to.
    pub request: RequestId,
    /// Units done and in all (0 of 0: no fraction known).
    pub done: usize,
    /// Units in all.
    pub total: usize,
}

/// What the toolbar needs to know.
pub struct ToolbarInfo<'a> {
    /// The open catalogue.
    pub view: Option<&'a CatalogueView>,
    /// A catalogue being read, in words.
    pub loading: Option<&'a str>,
    /// Its photos being fetched from the web.
    pub fetching: Option<FetchProgress>,
    /// Background work.
    pub activity: Option<&'a Activity>,
    /// A file dialog is open.
    pub dialog_open: bool,
    /// The model in use.
    pub model: Option<&'a ModelSummary>,
}

/// Draws the toolbar.
pub fn toolbar_ui(ui: &mut egui::Ui, info: &ToolbarInfo<'_>, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.add_enabled_ui(!info.dialog_open, |ui| open_buttons_ui(ui, actions));
        ui.separator();
        catalogue_status_ui(ui, info, actions);
        if info.view.is_some_and(|v| v.catalogue.has_descriptions())
            && ui
                .button("Vocabulary…")
                .on_hover_text("The tags learned from the descriptions: remove, rename, merge, add")
                .clicked()
        {
            actions.push(Action::Vocabulary(
                super::vocabulary::VocabularyAction::Open,
            ));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let Some(activity) = info.activity else {
                model_status_ui(ui, info.model);
                return;
            };
            if activity.total > 0 {
                ui.add(
                    egui::ProgressBar::new(activity.done as f32 / activity.total as f32)
                        .desired_width(120.0)
                        .text(format!("{} / {}", activity.done, activity.total)),
                );
            }
            ui.label(&activity.label);
            ui.spinner();
        });
    });
}

/// The Open catalogue… menu and Open photo….
fn open_buttons_ui(ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    ui.menu_button("Open catalogue…", |ui| {
        if ui
            .button("CSV or JSON file…")
            .on_hover_text("A table of photos with descriptions")
            .clicked()
        {
            actions.push(Action::OpenCatalogueDialog);
            ui.close();
        }
        if ui
            .button("Folder of photos…")
            .on_hover_text("Photos without descriptions: lookalikes only")
            .clicked()
        {
            actions.push(Action::OpenFolderDialog);
            ui.close();
        }
        ui.separator();
        if ui.button("Demo catalogue").clicked() {
            actions.push(Action::OpenDemo);
            ui.close();
        }
    });
    if ui
        .button("Open photo…")
        .on_hover_text("Tag a photo and find its lookalikes (or drag it onto the window)")
        .clicked()
    {
        actions.push(Action::OpenPhotoDialog);
    }
}

/// The catalogue being read, or the open one with its counts and its import report.
fn catalogue_status_ui(ui: &mut egui::Ui, info: &ToolbarInfo<'_>, actions: &mut Vec<Action>) {
    match (info.loading, info.view) {
        (Some(what), _) => match info.fetching.filter(|f| f.total > 0 && f.done < f.total) {
            Some(fetching) => fetching_ui(ui, fetching, actions),
            None => {
                ui.spinner();
                ui.label(what);
            }
        },
        (None, Some(view)) => {
            ui.label(RichText::new(&view.catalogue.name).strong());
            ui.label(format!(
                "{} items · {} with tags · {} tags",
                view.len(),
                view.tags.trainable_items,
                view.tags.vocabulary.len()
            ));
            shop_export_button_ui(ui, view, actions);
            let problems = view.catalogue.report.problems.len();
            if problems > 0 {
                let text = format!(
                    "Import report ({problems} problem{})",
                    if problems == 1 { "" } else { "s" }
                );
                if ui
                    .button(RichText::new(text).color(ui.visuals().warn_fg_color))
                    .on_hover_text(view.catalogue.report.summary())
                    .clicked()
                {
                    actions.push(Action::ShowReport);
                }
            }
        }
        (None, None) => {
            ui.weak("No catalogue open");
        }
    }
}

/// *Export for Shopify…* (or WooCommerce, Google Merchant) when the catalogue is a shop's.
fn shop_export_button_ui(ui: &mut egui::Ui, view: &CatalogueView, actions: &mut Vec<Action>) {
    use crate::catalogue::shop::export::ShopExport;
    use crate::catalogue::{CatalogueFormat, ShopFormat};
    let (export, label) = match view.catalogue.format {
        CatalogueFormat::Shop(ShopFormat::Shopify) => (ShopExport::Shopify, "Export for Shopify…"),
        CatalogueFormat::Shop(ShopFormat::WooCommerce) => {
            (ShopExport::WooCommerce, "Export for WooCommerce…")
        }
        CatalogueFormat::Shop(ShopFormat::MerchantTsv | ShopFormat::MerchantXml) => {
            (ShopExport::Merchant, "Export for Google Merchant…")
        }
        _ => return,
    };
    if ui
        .button(label)
        .on_hover_text(
            "The shop's own file back, every cell as it was, with each product's tags (your \
             corrections included) and its five lookalikes filled in",
        )
        .clicked()
    {
        actions.push(Action::ExportShopDialog(export));
    }
}

/// "Fetching photos 812 of 2,000" with a bar and a Stop button.
fn fetching_ui(ui: &mut egui::Ui, fetching: FetchProgress, actions: &mut Vec<Action>) {
    let fraction = fetching.done as f32 / fetching.total.max(1) as f32;
    let mut text = format!(
        "Fetching photos {} of {}",
        thousands(fetching.done),
        thousands(fetching.total)
    );
    if fetching.failed > 0 {
        text.push_str(&format!(" · {} failed", thousands(fetching.failed)));
    }
    ui.add(
        egui::ProgressBar::new(fraction)
            .desired_width(320.0)
            .text(text),
    );
    if ui
        .button("Stop")
        .on_hover_text("Open the catalogue with the photos fetched so far; the rest are listed in its import report")
        .clicked()
    {
        actions.push(Action::StopFetchingPhotos);
    }
}

/// `2000` → `2,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What model tags the photos, in a few words.
fn model_status_ui(ui: &mut egui::Ui, model: Option<&ModelSummary>) {
    match model {
        None => {
            ui.weak("No tagging model yet")
                .on_hover_text("Train one in the Train tab, or load a checkpoint there");
        }
        Some(m) => {
            let mode = m.mode.map(|m| format!("{m}, ")).unwrap_or_default();
            let score = m
                .last_metrics
                .as_ref()
                .map(|x| format!(" · micro-F1 {:.2}", x.micro_f1))
                .unwrap_or_default();
            ui.label(format!("Model: {mode}{} epochs{score}", m.epochs_completed))
                .on_hover_text(format!(
                    "{} trained on {} tags{}",
                    m.backbone,
                    m.vocabulary.len(),
                    m.run_id
                        .as_ref()
                        .map(|r| format!(" (run {r})"))
                        .unwrap_or_default()
                ));
        }
    }
}
