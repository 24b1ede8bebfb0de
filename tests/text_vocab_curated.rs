//! End to end on the demo catalogue: the default, curated vocabulary (one tag per word, word
//! forms merged, words that name no visible property left out), the seed recipe unchanged
//! against the tags recorded from it, and edits saved and read back.

use vitrine::text::vocab::{derive_tags, store, VocabEdit, VocabMode, VocabularySettings};
use vitrine::text::{extract_tags, TagOptions, TermKind};

fn demo_descriptions() -> Vec<String> {
    let csv = include_str!("../assets/demo/catalogue.csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("catalogue header").clone();
    let column = headers
        .iter()
        .position(|h| h == "description")
        .expect("description column");
    reader
        .records()
        .map(|r| r.expect("catalogue row")[column].to_owned())
        .collect()
}

#[derive(serde::Deserialize)]
struct SeedRecord {
    vocabulary: Vec<(String, TermKind, usize)>,
    item_tags: Vec<Vec<String>>,
}

#[test]
fn seed_mode_gives_the_recorded_vocabulary_and_tags() {
    let record: SeedRecord =
        serde_json::from_str(include_str!("fixtures/vocab/seed-demo.json")).expect("record");
    let descriptions = demo_descriptions();
    let refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    let seed = VocabularySettings {
        options: TagOptions::seed(),
        ..Default::default()
    };
    for set in [
        extract_tags(&refs, &TagOptions::seed()),
        derive_tags(&refs, &seed).set,
    ] {
        let got: Vec<(String, TermKind, usize)> = set
            .vocabulary
            .tags
            .iter()
            .map(|t| (t.name.clone(), t.kind, t.count))
            .collect();
        assert_eq!(got, record.vocabulary);
        let tags: Vec<Vec<String>> = set.items.iter().map(|i| i.tags.clone()).collect();
        assert_eq!(tags, record.item_tags);
    }
}

#[test]
fn the_default_vocabulary_is_one_a_shop_would_filter_by() {
    let descriptions = demo_descriptions();
    let refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    assert_eq!(TagOptions::default().mode, VocabMode::Curated);
    let set = extract_tags(&refs, &TagOptions::default());
    let names = set.vocabulary.names();
    assert_eq!(names.len(), 50, "{names:?}");
    assert!(names.iter().any(|n| n == "dress"), "{names:?}");
    for gone in [
        "fit", "cut", "shape", "chest", "look", "design", "detail", "style",
    ] {
        assert!(!names.iter().any(|n| n == gone), "{gone} in {names:?}");
    }
    let buttons = names.iter().filter(|n| n.starts_with("button")).count();
    assert_eq!(buttons, 1, "{names:?}");
    let pockets = names.iter().filter(|n| n.starts_with("pocket")).count();
    assert_eq!(pockets, 1, "{names:?}");
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    // "round" is one tag though the tagger makes it a noun in "round neck".
    assert_eq!(names.iter().filter(|n| n.as_str() == "round").count(), 1);
    // The merged tag counts the items of both forms.
    let seed = extract_tags(&refs, &TagOptions::seed());
    let count = |set: &vitrine::text::TagSet, name: &str| {
        set.vocabulary
            .tags
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.count)
    };
    let merged = set
        .vocabulary
        .tags
        .iter()
        .find(|t| t.name.starts_with("button"))
        .unwrap();
    assert!(merged.count > count(&seed, "button").max(count(&seed, "buttons")));
    // Sizes still hold.
    let small = extract_tags(
        &refs,
        &TagOptions {
            vocab_nouns: 10,
            vocab_adjectives: 5,
            ..TagOptions::default()
        },
    );
    let nouns = small
        .vocabulary
        .tags
        .iter()
        .filter(|t| t.kind == TermKind::Noun)
        .count();
    assert_eq!((nouns, small.vocabulary.len()), (10, 15));
}

#[test]
fn edits_round_trip_through_the_saved_file() {
    let descriptions = demo_descriptions();
    let refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    let mut settings = VocabularySettings::default();
    let plain = derive_tags(&refs, &settings);
    let first = plain.set.vocabulary.tags[0].name.clone();
    settings
        .edits
        .push(VocabEdit::Remove { tag: first.clone() });
    settings.edits.push(VocabEdit::Add { word: "fit".into() });
    settings.edits.push(VocabEdit::Rename {
        from: "dress".into(),
        to: "dresses".into(),
    });
    let dir = tempfile::tempdir().unwrap();
    let path = store::path_in(&dir.path().join("demo-0000"));
    store::save(&path, &settings).unwrap();
    let back = store::load(&path).unwrap().expect("saved settings");
    assert_eq!(back, settings);
    let edited = derive_tags(&refs, &back);
    assert!(edited.notes.is_empty(), "{:?}", edited.notes);
    let names = edited.set.vocabulary.names();
    assert!(!names.contains(&first));
    assert_eq!(names.last().map(String::as_str), Some("fit"));
    assert!(names.contains(&"dresses".to_string()) && !names.contains(&"dress".to_string()));
    let fit_items = plain.words.find("fit").expect("fit is a word").items.len();
    assert_eq!(edited.set.vocabulary.tags.last().unwrap().count, fit_items);
    assert!(fit_items >= 40, "{fit_items}");
}
