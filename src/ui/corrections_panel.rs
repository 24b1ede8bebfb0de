//! The parts of the detail panel about tag corrections: which split of the model in use the
//! item was in, the predicted tags to accept or reject, and a tick box for every vocabulary
//! tag, the ones the user checked marked "by you".

use eframe::egui;
use egui::RichText;

use super::actions::Action;
use super::view::CatalogueView;
use super::widgets::good_colour;
use crate::engine::split::SplitRole;

/// Tick boxes per row.
const TICK_COLUMNS: usize = 3;

/// One line saying whether the model in use trained or was validated on the item.
pub fn split_badge_ui(ui: &mut egui::Ui, view: &CatalogueView, item: usize) {
    let Some(split) = &view.split else {
        return;
    };
    match split.role(item) {
        SplitRole::Validation => {
            ui.label(
                RichText::new(
                    "Validation item: the model in use never learned from it, so its predicted \
                     tags show how it does on new photos.",
                )
                .color(good_colour(ui)),
            );
        }
        SplitRole::Train => {
            ui.label(
                RichText::new(
                    "Training item: the model in use learned from it, so its predicted tags \
                     look better than they would on a new photo.",
                )
                .color(ui.visuals().warn_fg_color),
            );
        }
        SplitRole::Outside => {
            ui.weak("Not in the model's split: the item had no tags when the model was trained.");
        }
    }
}

/// Predicted tags the item does not have yet and the user has not checked: Accept or Reject.
pub fn predicted_to_check_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    item: usize,
    actions: &mut Vec<Action>,
) {
    let Some(predictions) = &view.predictions else {
        return;
    };
    let sources = view.tag_sources();
    let tags = sources.corrected_tags(item);
    let id = view.catalogue.items.get(item).map_or("", |i| i.id.as_str());
    let open: Vec<_> = predictions
        .tags_of(item)
        .into_iter()
        .filter(|t| t.predicted && !tags.contains(&t.name))
        .filter(|t| view.corrections.get(id, &t.name).is_none())
        .collect();
    if open.is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.weak("Predicted, not among its tags; is the model right?");
    for tag in open {
        ui.horizontal(|ui| {
            ui.label(format!("{} {:.0} %", tag.name, tag.probability * 100.0));
            if ui
                .small_button("Accept")
                .on_hover_text(format!("The item has \"{}\"", tag.name))
                .clicked()
            {
                actions.push(Action::SetCorrection {
                    item,
                    tag: tag.name.clone(),
                    value: Some(true),
                });
            }
            if ui
                .small_button("Reject")
                .on_hover_text(format!("The item does not have \"{}\"", tag.name))
                .clicked()
            {
                actions.push(Action::SetCorrection {
                    item,
                    tag: tag.name.clone(),
                    value: Some(false),
                });
            }
        });
    }
}

/// A tick box for every vocabulary tag: ticked when the item has the tag (after the user's
/// corrections); a click records the user's choice, marked "by you".
pub fn tag_ticks_ui(
    ui: &mut egui::Ui,
    view: &CatalogueView,
    item: usize,
    actions: &mut Vec<Action>,
) {
    let sources = view.tag_sources();
    let names = sources.tag_names();
    if names.is_empty() {
        ui.weak("No tags to correct: this catalogue has no vocabulary and no model yet.");
        return;
    }
    let Some(id) = view.catalogue.items.get(item).map(|i| i.id.clone()) else {
        return;
    };
    let tags = sources.corrected_tags(item);
    let described = view.true_tags(item);
    let checked_by_you = view.corrections.of_item(&id).map_or(0, |c| c.len());
    if checked_by_you > 0 {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("Checked by you: {checked_by_you} tag(s)"))
                    .color(good_colour(ui))
                    .strong(),
            );
            if ui
                .small_button("Forget my corrections")
                .on_hover_text("Go back to the tags of the description")
                .clicked()
            {
                actions.push(Action::ForgetCorrections(item));
            }
        });
    } else {
        ui.weak("Tick or untick a tag to correct it; the next training run learns from it.");
    }
    egui::Grid::new(("tag_ticks", item))
        .num_columns(TICK_COLUMNS)
        .spacing([10.0, 2.0])
        .show(ui, |ui| {
            for (n, tag) in names.iter().enumerate() {
                let mut has = tags.contains(tag);
                let by_you = view.corrections.get(&id, tag).is_some();
                ui.horizontal(|ui| {
                    let was = has;
                    let text = if by_you {
                        RichText::new(tag).color(good_colour(ui)).strong()
                    } else {
                        RichText::new(tag)
                    };
                    let from_description = described.contains(tag);
                    let hover = match (by_you, from_description) {
                        (true, true) => "Checked by you (the description names it)",
                        (true, false) => "Checked by you (the description does not name it)",
                        (false, true) => "From the description",
                        (false, false) => "Not a tag of this item",
                    };
                    if ui.checkbox(&mut has, text).on_hover_text(hover).changed() && has != was {
                        actions.push(Action::SetCorrection {
                            item,
                            tag: tag.clone(),
                            value: Some(has),
                        });
                    }
                    if by_you {
                        ui.label(RichText::new("by you").small().color(good_colour(ui)));
                    }
                });
                if (n + 1) % TICK_COLUMNS == 0 {
                    ui.end_row();
                }
            }
        });
    if !view.corrections.is_empty() {
        ui.add_space(4.0);
        if ui
            .button("Retrain with corrections")
            .on_hover_text(format!(
                "Train again with the current settings; {} item(s) checked by you",
                view.corrections.items_corrected()
            ))
            .clicked()
        {
            actions.push(Action::RetrainWithCorrections);
        }
    }
}
