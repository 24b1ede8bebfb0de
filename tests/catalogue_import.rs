//! End-to-end catalogue imports on real files: the built-in demo and the small catalogues in
//! `tests/fixtures/catalogue/` (see the README there for what each one holds).

use std::path::{Path, PathBuf};

use vitrine::catalogue::{
    demo_into, load, load_with, CatalogueError, CatalogueFormat, FetchControl, ImportOptions,
    ProblemKind, Severity, DEMO_NAME,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalogue")
}

/// Loads a fixture offline: photos named by web address come from beside the file or not at
/// all, so no test leaves this machine.
fn load_fixture(name: &str) -> vitrine::catalogue::Catalogue {
    let offline = FetchControl {
        offline: true,
        ..FetchControl::default()
    };
    load_with(&fixtures().join(name), &ImportOptions::default(), offline)
        .unwrap_or_else(|err| panic!("{name} should load: {err}"))
}

fn ids(catalogue: &vitrine::catalogue::Catalogue) -> Vec<&str> {
    catalogue
        .items
        .iter()
        .map(|item| item.id.as_str())
        .collect()
}

fn problem_list(catalogue: &vitrine::catalogue::Catalogue) -> Vec<(Option<usize>, ProblemKind)> {
    catalogue
        .report
        .problems
        .iter()
        .map(|p| (p.line, p.kind))
        .collect()
}

#[test]
fn demo_catalogue_extracts_and_loads_cleanly() {
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("demo-catalogue");
    let catalogue = demo_into(&dir).unwrap();

    assert_eq!(catalogue.name, DEMO_NAME);
    assert_eq!(catalogue.format, CatalogueFormat::Csv);
    assert_eq!(catalogue.source, dir.join("catalogue.csv"));
    assert!(catalogue.report.is_clean(), "{}", catalogue.report);
    assert_eq!(catalogue.report.rows_read, 240);
    assert_eq!(catalogue.report.items_loaded, 240);
    assert_eq!(catalogue.items.len(), 240);
    for item in &catalogue.items {
        assert!(item.image_path.starts_with(dir.join("images")), "{item:?}");
        assert!(item.image_path.is_file(), "{item:?}");
        assert!(item.has_description(), "{item:?}");
        assert!(item.attributes.contains_key("category"), "{item:?}");
    }
    assert!(dir.join("README.md").is_file());
    assert!(dir.join("LICENSE-images-CC0.txt").is_file());

    // A second start finds everything in place and gives the same catalogue.
    let again = demo_into(&dir).unwrap();
    assert_eq!(again.items, catalogue.items);
}

#[test]
fn good_csv_loads_every_row_including_png_and_webp() {
    let catalogue = load_fixture("good.csv");
    assert!(catalogue.report.is_clean(), "{}", catalogue.report);
    assert_eq!(catalogue.format, CatalogueFormat::Csv);
    assert_eq!(catalogue.report.rows_read, 5);
    assert_eq!(
        ids(&catalogue),
        [
            "images/beanie.jpg",
            "images/shorts.jpg",
            "images/jeggings.jpg",
            "images/scarf.png",
            "images/boots.webp"
        ]
    );
    let scarf = catalogue.item("images/scarf.png").unwrap();
    assert_eq!(scarf.image_path, fixtures().join("images/scarf.png"));
    assert_eq!(scarf.description, "A red and cream striped scarf.");
    assert_eq!(scarf.attributes["category"], "Scarf");
}

#[test]
fn problem_csv_reports_each_bad_row_and_loads_the_good_ones() {
    let catalogue = load_fixture("problems.csv");
    let report = &catalogue.report;
    assert_eq!(
        problem_list(&catalogue),
        [
            (Some(5), ProblemKind::MissingImage),
            (Some(6), ProblemKind::UnreadableImage),
            (Some(7), ProblemKind::UnreadableImage),
            (Some(8), ProblemKind::UnsupportedImageType),
            (Some(9), ProblemKind::EmptyDescription),
            (Some(10), ProblemKind::NonUtf8Description),
            (Some(11), ProblemKind::DuplicateImage),
            (Some(12), ProblemKind::MissingColumns),
            (Some(13), ProblemKind::MissingColumns),
        ],
        "{report}"
    );
    let severities: Vec<Severity> = report.problems.iter().map(|p| p.severity).collect();
    use Severity::{Skipped, Warning};
    assert_eq!(
        severities,
        [Skipped, Skipped, Skipped, Skipped, Warning, Warning, Skipped, Warning, Skipped]
    );
    for problem in &report.problems {
        let line = problem.line.unwrap();
        assert!(
            problem
                .message
                .starts_with(&format!("line {line} of problems.csv: ")),
            "{}",
            problem.message
        );
    }
    assert!(report.problems[0].message.contains("images/missing.jpg"));
    assert!(report.problems[3].message.contains("GIF"));
    assert!(report.problems[6]
        .message
        .contains("already listed on line 2"));

    // The good rows (and those with warnings) still load, in file order.
    assert_eq!(report.rows_read, 12);
    assert_eq!(report.items_loaded, 6);
    assert_eq!(
        ids(&catalogue),
        [
            "images/beanie.jpg",
            "images/scarf.png",
            "images/jeggings.jpg",
            "images/blazer.jpg",
            "images/shorts.jpg",
            "images/boots.webp"
        ]
    );
    let beanie = catalogue.item("images/beanie.jpg").unwrap();
    assert_eq!(
        beanie.description,
        "Black knitted beanie with a ribbed band.\nA row of grey dashes runs all around."
    );
    assert_eq!(
        catalogue.item("images/jeggings.jpg").unwrap().description,
        ""
    );
    assert_eq!(
        catalogue.item("images/blazer.jpg").unwrap().description,
        "Navy blazer with a caf\u{FFFD} cr\u{FFFD}me lining."
    );
    let shorts = catalogue.item("images/shorts.jpg").unwrap();
    assert_eq!(shorts.description, "");
    assert_eq!(shorts.attributes["category"], "Shorts");

    let listing = report.to_string();
    assert!(
        listing.starts_with("6 of 12 items loaded; 6 skipped, 3 warnings"),
        "{listing}"
    );
    assert_eq!(listing.lines().count(), 1 + report.problems.len());
}

#[test]
fn alternate_header_names_are_recognised() {
    let catalogue = load_fixture("renamed.csv");
    assert!(catalogue.report.is_clean(), "{}", catalogue.report);
    assert_eq!(ids(&catalogue), ["images/blazer.jpg", "images/shorts.jpg"]);
    assert_eq!(
        catalogue.items[0].description,
        "Navy blue blazer with notched lapels."
    );
    assert_eq!(catalogue.items[0].attributes["colour"], "navy");
}

#[test]
fn columns_named_in_options() {
    let path = fixtures().join("custom_columns.csv");
    // Without options the file has no recognisable image column.
    let err = load(&path, &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, CatalogueError::NoImageColumn { .. }), "{err}");

    let opts = ImportOptions {
        image_column: Some("photo".into()),
        description_column: Some("BLURB".into()),
        image_dir: None,
    };
    let catalogue = load(&path, &opts).unwrap();
    assert!(catalogue.report.is_clean(), "{}", catalogue.report);
    assert_eq!(
        ids(&catalogue),
        ["images/beanie.jpg", "images/jeggings.jpg"]
    );
    assert_eq!(catalogue.items[1].description, "Indigo jeggings.");
    let attributes: Vec<(&str, &str)> = catalogue.items[1]
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(attributes, [("category", "Pants"), ("sku", "J-002")]);
}

#[test]
fn a_csv_that_is_not_a_catalogue_is_an_error_naming_the_columns() {
    let err = load(
        &fixtures().join("not_a_catalogue.csv"),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, CatalogueError::NoImageColumn { .. }));
    let message = err.to_string();
    assert!(message.contains("not_a_catalogue.csv"), "{message}");
    assert!(
        message.contains("\"name\", \"price\", \"stock\""),
        "{message}"
    );
    for expected in [
        "\"image\"",
        "\"file\"",
        "\"filename\"",
        "\"path\"",
        "\"url\"",
    ] {
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn feidegger_json_joins_descriptions_and_reports_bad_entries() {
    let catalogue = load_fixture("feidegger/feidegger.json");
    assert_eq!(catalogue.format, CatalogueFormat::Json);
    assert_eq!(catalogue.name, "feidegger");
    assert_eq!(
        problem_list(&catalogue),
        [
            (Some(3), ProblemKind::DownloadFailed),
            (Some(4), ProblemKind::MissingColumns),
        ],
        "{}",
        catalogue.report
    );
    assert!(catalogue.report.problems[0]
        .message
        .starts_with("entry 3 of feidegger.json: "));
    assert!(catalogue.report.problems[0].message.contains("0d0d0d.jpg"));
    assert!(catalogue.report.problems[1].message.contains("\"url\""));

    assert_eq!(catalogue.report.rows_read, 5);
    assert_eq!(catalogue.items.len(), 3);
    let first = &catalogue.items[0];
    assert_eq!(first.image_path, fixtures().join("feidegger/5f1c2e.jpg"));
    assert_eq!(
        first.id,
        "https://img.example.com/article/spp-media-p1/5f1c2e.jpg?imwidth=762&filter=packshot"
    );
    assert_eq!(
        first.description,
        "A basic white t-shirt with short sleeves and a round neck. There is a small logo \
         printed on the left chest! Straight cut"
    );
    assert_eq!(first.attributes["split"], "0");
    assert_eq!(
        catalogue.items[2].description,
        "A navy blue blazer with notched lapels. It closes with two buttons."
    );
    assert_eq!(catalogue.items[2].attributes["split"], "4");
}

#[test]
fn json_images_can_live_in_another_folder() {
    let opts = ImportOptions {
        image_dir: Some(fixtures().join("images")),
        ..Default::default()
    };
    let offline = FetchControl {
        offline: true,
        ..FetchControl::default()
    };
    let catalogue =
        load_with(&fixtures().join("feidegger/feidegger.json"), &opts, offline).unwrap();
    // None of the entries' files are in images/, so every entry with a url would have to be
    // downloaded, and offline none is.
    assert_eq!(catalogue.items.len(), 0);
    assert_eq!(
        catalogue
            .report
            .of_kind(ProblemKind::DownloadFailed)
            .count(),
        4
    );
}

#[test]
fn url_column_resolves_to_files_beside_the_csv() {
    let catalogue = load_fixture("feidegger/urls.csv");
    assert!(catalogue.report.is_clean(), "{}", catalogue.report);
    let paths: Vec<&Path> = catalogue
        .items
        .iter()
        .map(|item| item.image_path.as_path())
        .collect();
    let dir = fixtures().join("feidegger");
    assert_eq!(paths, [dir.join("9a07bd.jpg"), dir.join("c4e8a1.jpg")]);
    assert_eq!(catalogue.items[1].description, "A navy blue blazer.");
}

#[test]
fn plain_folder_loads_every_image_without_descriptions() {
    let catalogue = load_fixture("folder");
    assert_eq!(catalogue.format, CatalogueFormat::Folder);
    assert_eq!(catalogue.name, "folder");
    assert!(catalogue.report.is_clean(), "{}", catalogue.report);
    assert_eq!(
        ids(&catalogue),
        ["accessories/Boots.WEBP", "accessories/Scarf.PNG", "top.jpg"]
    );
    assert!(catalogue
        .items
        .iter()
        .all(|item| item.description.is_empty()));
    assert!(!catalogue.has_descriptions());
    assert_eq!(catalogue.items[0].attributes["folder"], "accessories");
    assert_eq!(catalogue.report.rows_read, 3);
    assert!(
        catalogue
            .report
            .notes
            .iter()
            .any(|note| note.contains("no tags can be learned")),
        "{}",
        catalogue.report
    );
}

#[test]
fn missing_paths_are_errors() {
    let err = load(
        &fixtures().join("nothing-here.csv"),
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, CatalogueError::NotFound { .. }));
    assert!(err.to_string().contains("nothing-here.csv"));
}
