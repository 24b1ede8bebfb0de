use std::collections::BTreeMap;
use std::path::PathBuf;

use super::export::{self, ExportFormat, CSV_COLUMNS};
use super::*;
use crate::catalogue::{CatalogueFormat, ImportReport, Item};

fn catalogue(n: usize) -> Catalogue {
    Catalogue {
        name: "t".into(),
        source: PathBuf::from("/x"),
        format: CatalogueFormat::Csv,
        items: (0..n)
            .map(|i| Item {
                id: format!("{i}.jpg"),
                image_path: PathBuf::from(format!("/x/{i}.jpg")),
                description: "A dress".into(),
                attributes: BTreeMap::new(),
                extra_images: Vec::new(),
            })
            .collect(),
        report: ImportReport::default(),
    }
}

fn names(tags: &[&str]) -> Vec<String> {
    tags.iter().map(|t| t.to_string()).collect()
}

struct Fixture {
    catalogue: Catalogue,
    vocabulary: Vec<String>,
    described: Vec<Vec<String>>,
    predictions: ItemPredictions,
    split: ItemSplit,
}

/// Four items, tags dress and zip: item 0 agrees with the model, item 1 (validation) and item 2
/// (training) disagree equally, item 3 has no prediction.
fn fixture() -> Fixture {
    Fixture {
        catalogue: catalogue(4),
        vocabulary: names(&["dress", "zip"]),
        described: vec![
            names(&["dress"]),
            names(&["dress"]),
            names(&["dress"]),
            vec![],
        ],
        predictions: ItemPredictions {
            vocabulary: names(&["dress", "zip"]),
            thresholds: vec![0.5, 0.5],
            probabilities: vec![
                Some(vec![0.9, 0.1]),
                Some(vec![0.2, 0.8]),
                Some(vec![0.2, 0.8]),
                None,
            ],
        },
        split: ItemSplit {
            seed: 1,
            roles: vec![
                SplitRole::Train,
                SplitRole::Validation,
                SplitRole::Train,
                SplitRole::Outside,
            ],
        },
    }
}

fn sources<'a>(f: &'a Fixture, corrections: &'a Corrections) -> TagSources<'a> {
    TagSources {
        catalogue: &f.catalogue,
        vocabulary: &f.vocabulary,
        described: &f.described,
        corrections,
        predictions: Some(&f.predictions),
        split: Some(&f.split),
    }
}

#[test]
fn review_ranks_unchecked_unseen_and_disagreeing_items_first() {
    let f = fixture();
    let none = Corrections::default();
    let ranked = rank(&sources(&f, &none));
    let order: Vec<usize> = ranked.iter().map(|e| e.item).collect();
    // Item 1 and 2 disagree the same (0.8 + 0.8); validation comes first; 3 has no prediction.
    assert_eq!(order, [1, 2, 0]);
    assert!((ranked[0].disagreement - 1.6).abs() < 1e-6);
    assert!((ranked[2].disagreement - 0.2).abs() < 1e-6);
    assert_eq!(ranked[0].worst[0].0, "dress");
    // Checking item 1 (the model was right: no dress, a zip) moves it last and ends its
    // disagreement.
    let mut checked = Corrections::default();
    checked.set("1.jpg", "dress", Some(false));
    checked.set("1.jpg", "zip", Some(true));
    let ranked = rank(&sources(&f, &checked));
    let order: Vec<usize> = ranked.iter().map(|e| e.item).collect();
    assert_eq!(order, [2, 0, 1]);
    assert!(ranked[2].checked && ranked[2].disagreement < 0.5);
    let no_model = TagSources {
        predictions: None,
        ..sources(&f, &none)
    };
    assert!(rank(&no_model).is_empty());
}

#[test]
fn records_show_every_source_and_both_exports_parse_back() {
    let f = fixture();
    let mut c = Corrections::default();
    c.set("0.jpg", "zip", Some(true));
    c.set("2.jpg", "dress", Some(false));
    let records = sources(&f, &c).records();
    assert_eq!(records.len(), 4);
    assert_eq!(records[0].corrected_tags, ["dress", "zip"]);
    assert_eq!(records[0].added_by_user, ["zip"]);
    assert_eq!(records[2].removed_by_user, ["dress"]);
    assert!(records[2].corrected_tags.is_empty() && records[2].checked_by_user);
    assert_eq!(records[1].predicted[0].tag, "zip");
    assert_eq!(records[3].split, SplitRole::Outside);
    assert!(records[3].predicted.is_empty() && records[3].probabilities.is_empty());

    let jsonl = export::render(&records, ExportFormat::JsonLines).unwrap();
    let back: Vec<TagRecord> = std::str::from_utf8(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back, records);

    let csv_bytes = export::render(&records, ExportFormat::Csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        CSV_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][3], "dress|zip");
    assert_eq!(&rows[1][1], "validation");
    assert_eq!(&rows[1][7], "zip");
    assert_eq!(&rows[1][8], "zip:0.800");
    assert_eq!(&rows[2][4], "yes");
}

#[test]
fn the_format_comes_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        ExportFormat::of_path(&dir.path().join("a.CSV")).unwrap(),
        ExportFormat::Csv
    );
    let err = export::write(&dir.path().join("tags.xlsx"), &[]).unwrap_err();
    assert!(err.to_string().contains(".csv"), "{err}");
    assert!(!dir.path().join("tags.xlsx").exists());
    let format = export::write(&dir.path().join("tags.jsonl"), &[]).unwrap();
    assert_eq!(format, ExportFormat::JsonLines);
}
