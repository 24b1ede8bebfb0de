//! The window driven headless with egui_kittest: the real app state, the real worker, the demo
//! catalogue and the installed pretrained weights. Widgets are found by their accessible
//! labels and clicked; assertions read the app state.

use std::path::Path;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use vitrine::ui::{RightView, Tab, VitrineApp};

#[path = "common/window.rs"]
mod window;
use window::{app_options, drop_file, harness, messages_text, run_until};

/// The app on the demo catalogue, with its checkpoints in `checkpoints`.
fn new_app(checkpoints: &Path) -> VitrineApp {
    VitrineApp::new(app_options(
        window::shared_dir("vitrine-ui-tests"),
        checkpoints,
    ))
}

/// Scrolls the widget whose label contains `label` into view, then clicks it.
fn click_label_containing(harness: &mut Harness<'static, VitrineApp>, label: &str) {
    harness.get_by_label_contains(label).scroll_to_me();
    harness.step();
    harness.get_by_label_contains(label).click();
    harness.step();
}

fn catalogue_with_lookalikes(app: &VitrineApp) -> bool {
    app.catalogue().is_some_and(|c| c.embeddings.is_some())
}

#[test]
fn selecting_an_item_shows_five_lookalikes() {
    let checkpoints = tempfile::tempdir().expect("a temporary folder");
    let mut harness = harness(new_app(checkpoints.path()));
    run_until(
        &mut harness,
        "the lookalike embeddings",
        catalogue_with_lookalikes,
    );
    assert_eq!(harness.state().tab(), Tab::Catalogue);
    harness.get_by_label_contains("240 of 240 items");

    click_label_containing(&mut harness, "Item 3:");
    harness.step();
    assert_eq!(harness.state().selected(), Some(2));
    assert_eq!(harness.state().right_view(), RightView::Item);
    let lookalikes = harness.state().selected_lookalikes().to_vec();
    assert_eq!(lookalikes.len(), 5, "five lookalikes");
    assert!(
        lookalikes.iter().all(|n| n.index != 2),
        "an item is not its own lookalike"
    );
    assert!(lookalikes.windows(2).all(|w| w[0].score >= w[1].score));
    // The Match scores are summed on their own thread: give it a few frames.
    let shown = window::count_labels_when_shown(&mut harness, "Lookalike ", 5);
    assert_eq!(shown, 5, "the detail panel shows five lookalike thumbnails");
    // Before a model exists the panel says how to get predicted tags.
    harness.get_by_label_contains("Train a model to see predicted tags");

    // Clicking a lookalike selects it; Back returns. (The rows are the Match control's, ranked
    // by the Balanced preset, so the first one need not be the shape-only nearest.)
    click_label_containing(&mut harness, "Lookalike 1:");
    harness.step();
    let first = harness.state().selected().expect("a lookalike is selected");
    assert_ne!(first, 2, "the lookalike, not the item itself");
    harness.get_by_label("Back").click();
    harness.step();
    assert_eq!(harness.state().selected(), Some(2));
    harness.get_by_label("Forward").click();
    harness.step();
    assert_eq!(harness.state().selected(), Some(first));

    // The arrow keys move through the grid (back on item 3 first; its row may have scrolled
    // out of view, and off-screen rows are not drawn).
    harness.get_by_label("Back").click();
    harness.step();
    assert_eq!(harness.state().selected(), Some(2));
    harness.key_press(egui::Key::ArrowRight);
    harness.step();
    assert_eq!(harness.state().selected(), Some(3));
    harness.key_press(egui::Key::ArrowLeft);
    harness.step();
    assert_eq!(harness.state().selected(), Some(2));

    // Thumbnails are loaded lazily, for the rows on screen only.
    run_until(&mut harness, "some thumbnails", |app| {
        app.photos_in_memory() > 0
    });
    assert!(harness.state().photos_in_memory() < 240);

    // The search box filters by words in descriptions and tags.
    let search = harness.get_by_label("Search");
    search.focus();
    search.type_text("dress");
    harness.step();
    harness.step();
    let shown = harness.state().shown_items().len();
    assert!(
        shown > 0 && shown < 240,
        "the search narrows the grid ({shown})"
    );
    harness.get_by_label_contains(&format!("{shown} of 240 items"));

    // The garment mask toggle under the detail photo shows what the colour similarity reads.
    assert!(!harness.state().garment_mask_shown());
    click_label_containing(&mut harness, "Garment mask");
    assert!(harness.state().garment_mask_shown());
    run_until(&mut harness, "the masked photo", |app| {
        app.photos_in_memory_masked() > 0
    });
    click_label_containing(&mut harness, "Garment mask");
    assert!(!harness.state().garment_mask_shown());
}

/// Every text painted in the last frame.
fn painted_text(harness: &Harness<'static, VitrineApp>) -> Vec<String> {
    fn collect(shape: &egui::Shape, out: &mut Vec<String>) {
        match shape {
            egui::Shape::Text(text) => out.push(text.galley.text().to_string()),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect(s, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &harness.output().shapes {
        collect(&clipped.shape, &mut out);
    }
    out
}

#[test]
fn a_corrupt_dropped_file_shows_an_error_in_the_window() {
    let checkpoints = tempfile::tempdir().expect("a temporary folder");
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let corrupt = scratch.path().join("broken.jpg");
    std::fs::write(&corrupt, b"this is not a photo \x00\x01\x02\x03 at all").expect("write");

    let mut harness = harness(new_app(checkpoints.path()));
    run_until(&mut harness, "the demo catalogue", |app| {
        app.catalogue().is_some()
    });

    // While a file is dragged over the window, an overlay says what dropping does.
    harness.input_mut().hovered_files.push(egui::HoveredFile {
        path: Some(corrupt.clone()),
        mime: String::new(),
    });
    harness.step();
    assert!(
        painted_text(&harness)
            .iter()
            .any(|t| t.contains("Drop the photo here")),
        "the drop overlay is shown"
    );
    harness.input_mut().hovered_files.clear();
    harness.step();
    assert!(!painted_text(&harness)
        .iter()
        .any(|t| t.contains("Drop the photo here")));

    drop_file(&mut harness, &corrupt);
    assert_eq!(harness.state().right_view(), RightView::Photo);
    run_until(&mut harness, "the worker's answer", |app| {
        app.dropped().error.is_some() || app.dropped().prediction.is_some()
    });
    let error = harness.state().dropped().error.clone().expect("an error");
    assert!(error.contains("broken.jpg"), "{error}");
    assert!(harness.state().dropped().prediction.is_none());
    harness.get_by_label("This file cannot be used");
    // Said in the photo panel and in the message area.
    assert_eq!(
        harness
            .query_all_by_label_contains("broken.jpg is not a JPEG, PNG or WebP image")
            .count(),
        2
    );
    assert!(
        messages_text(harness.state()).contains("broken.jpg"),
        "the message area names the file"
    );
    // The message can be dismissed.
    let before = harness.state().messages().items().len();
    harness
        .get_all_by_label("Dismiss")
        .next()
        .expect("a Dismiss button")
        .click();
    harness.step();
    assert_eq!(harness.state().messages().items().len(), before - 1);
}

#[test]
fn a_dropped_csv_opens_with_its_import_report() {
    let checkpoints = tempfile::tempdir().expect("a temporary folder");
    let shop = tempfile::tempdir().expect("a temporary folder");
    let mut harness = harness(new_app(checkpoints.path()));
    run_until(&mut harness, "the demo catalogue", |app| {
        app.catalogue().is_some()
    });

    // A small catalogue made of demo photos, with one row pointing at a missing photo.
    let demo = harness
        .state()
        .catalogue()
        .map(|c| c.catalogue.clone())
        .expect("demo");
    let mut csv = String::from("image,description\n");
    for item in demo.items.iter().take(6) {
        csv.push_str(&format!(
            "{},\"{}\"\n",
            item.image_path.display(),
            item.description.replace('"', "'")
        ));
    }
    csv.push_str("missing.jpg,A red dress that is not there\n");
    let file = shop.path().join("my-shop.csv");
    std::fs::write(&file, csv).expect("write");

    drop_file(&mut harness, &file);
    run_until(&mut harness, "the dropped catalogue", |app| {
        app.catalogue()
            .is_some_and(|c| c.catalogue.name == "my-shop")
    });
    let view = harness.state().catalogue().expect("a catalogue");
    assert_eq!(view.len(), 6);
    assert_eq!(view.catalogue.report.problems.len(), 1);
    assert_eq!(view.catalogue.report.problems[0].line, Some(8));
    // The report window opens by itself and lists the problem with its line.
    harness.get_by_label("Import report: my-shop");
    harness.get_by_label("missing image");
    harness.get_by_label("8");
    harness.get_by_label_contains("6 of 6 items");
}

#[test]
fn a_ten_thousand_item_catalogue_only_loads_the_photos_on_screen() {
    let checkpoints = tempfile::tempdir().expect("a temporary folder");
    let shop = tempfile::tempdir().expect("a temporary folder");
    let mut harness = harness(new_app(checkpoints.path()));
    run_until(&mut harness, "the demo catalogue", |app| {
        app.catalogue().is_some()
    });

    // 10,000 items: links to the demo photos under distinct names.
    let demo = harness
        .state()
        .catalogue()
        .map(|c| c.catalogue.clone())
        .expect("demo");
    let mut csv = String::from("image,description\n");
    for n in 0..10_000 {
        let item = &demo.items[n % demo.items.len()];
        let photo = shop.path().join(format!("photo-{n:05}.jpg"));
        if std::fs::hard_link(&item.image_path, &photo).is_err() {
            std::fs::copy(&item.image_path, &photo).expect("copy a photo");
        }
        csv.push_str(&format!(
            "photo-{n:05}.jpg,\"{}\"\n",
            item.description.replace('"', "'")
        ));
    }
    let file = shop.path().join("big-shop.csv");
    std::fs::write(&file, csv).expect("write");
    drop_file(&mut harness, &file);
    run_until(&mut harness, "the big catalogue", |app| {
        app.catalogue().is_some_and(|c| c.len() == 10_000)
    });
    harness.get_by_label_contains("10000 of 10000 items");

    run_until(&mut harness, "the first thumbnails", |app| {
        app.photos_in_memory() >= 8
    });
    for _ in 0..20 {
        harness.step();
    }
    let loaded = harness.state().photos_in_memory();
    assert!(
        loaded < 200,
        "only the rows on screen are decoded, not all 10,000 ({loaded} in memory)"
    );

    // Jumping to the end with the keyboard selects the last item and scrolls to it.
    harness.key_press(egui::Key::End);
    harness.step();
    harness.step();
    assert_eq!(harness.state().selected(), Some(9_999));
    harness.get_by_label_contains("Item 10000:");
}
