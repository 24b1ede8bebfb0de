//! End to end on the demo catalogue: descriptions → tags and vocabulary, in the seed recipe
//! (the reference's; `tests/text_vocab_curated.rs` covers the default, curated one).

use vitrine::text::{extract_tags, TagOptions, TagSet, TermKind};

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

fn demo_tags() -> (Vec<String>, TagSet) {
    let descriptions = demo_descriptions();
    let refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    let set = extract_tags(&refs, &TagOptions::seed());
    (descriptions, set)
}

#[test]
fn vocabulary_has_25_nouns_and_25_adjectives() {
    let (descriptions, set) = demo_tags();
    assert_eq!(descriptions.len(), 240);
    assert_eq!(set.items.len(), 240);
    assert_eq!(set.vocabulary.len(), 50);
    let nouns = set
        .vocabulary
        .tags
        .iter()
        .filter(|t| t.kind == TermKind::Noun)
        .count();
    assert_eq!(nouns, 25);
    assert_eq!(set.vocabulary.len() - nouns, 25);

    // Nouns come first, each kind by decreasing count then by name; names are unique.
    let kinds: Vec<TermKind> = set.vocabulary.tags.iter().map(|t| t.kind).collect();
    assert!(kinds.windows(2).all(|w| w[0] <= w[1]));
    for pair in set.vocabulary.tags.windows(2) {
        if pair[0].kind == pair[1].kind {
            assert!(
                pair[0].count > pair[1].count
                    || (pair[0].count == pair[1].count && pair[0].name < pair[1].name),
                "{pair:?}"
            );
        }
    }
    let mut names = set.vocabulary.names();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 50);
}

#[test]
fn described_items_get_terms_and_almost_all_get_tags() {
    let (descriptions, set) = demo_tags();
    for (description, item) in descriptions.iter().zip(&set.items) {
        if !description.trim().is_empty() {
            assert!(
                !item.nouns.is_empty() && !item.adjectives.is_empty(),
                "no terms for {description:?}"
            );
        }
        assert!(item.nouns.len() <= 10 && item.adjectives.len() <= 10);
        for tag in &item.tags {
            assert!(item.nouns.contains(tag) || item.adjectives.contains(tag));
            assert!(set.vocabulary.index_of(tag).is_some());
        }
    }
    assert_eq!(set.stats.items, 240);
    assert_eq!(set.stats.items_without_text, 0);
    assert!(set.stats.tokens > 7000, "{:?}", set.stats);
    // With 25 + 25 tags, a few items whose terms are all specific to their kind of garment
    // (two pairs of shoes and a beanie) keep no tag; a larger vocabulary tags every item.
    assert!(set.stats.items_without_tags <= 3, "{:?}", set.stats);
    let refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    let wider = extract_tags(
        &refs,
        &TagOptions {
            vocab_nouns: 50,
            ..TagOptions::seed()
        },
    );
    assert_eq!(wider.stats.items_without_tags, 0);
}

#[test]
fn obvious_tags_are_found() {
    let (_, set) = demo_tags();
    let names = set.vocabulary.names();
    for expected in [
        "sleeves", "collar", "pockets", "waist", "skirt", "jacket", "hood", "fabric", "white",
        "short", "long",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    let kind_of = |name: &str| {
        set.vocabulary
            .tags
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.kind)
    };
    assert_eq!(kind_of("sleeves"), Some(TermKind::Noun));
    assert_eq!(kind_of("white"), Some(TermKind::Adjective));
    assert!(set
        .vocabulary
        .tags
        .iter()
        .all(|t| t.name.chars().all(char::is_alphabetic)));

    // "dress" is a top noun of the dresses, but with 25 noun tags it ranks just outside the
    // vocabulary (20 items, against 21 for the 25th noun); two more noun tags take it in.
    let dresses = set
        .items
        .iter()
        .filter(|i| i.nouns.iter().any(|n| n == "dress"))
        .count();
    assert_eq!(dresses, 20);
    let descriptions = demo_descriptions();
    let refs: Vec<&str> = descriptions.iter().map(String::as_str).collect();
    let wider = extract_tags(
        &refs,
        &TagOptions {
            vocab_nouns: 27,
            ..TagOptions::seed()
        },
    );
    assert_eq!(kind_of_in(&wider, "dress"), Some(TermKind::Noun));
}

fn kind_of_in(set: &TagSet, name: &str) -> Option<TermKind> {
    set.vocabulary
        .tags
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.kind)
}

#[test]
fn targets_are_multi_hot_over_the_vocabulary() {
    let (_, set) = demo_tags();
    let targets = set.targets();
    assert_eq!(targets.len(), set.items.len());
    for (target, item) in targets.iter().zip(&set.items) {
        assert_eq!(target.len(), 50);
        assert!(target.iter().all(|&v| v == 0.0 || v == 1.0));
        assert_eq!(
            target.iter().filter(|&&v| v == 1.0).count(),
            item.tags.len()
        );
        assert_eq!(set.vocabulary.tags_from_multi_hot(target, 0.5), item.tags);
    }
}

#[test]
fn extraction_is_deterministic() {
    let (_, first) = demo_tags();
    let (_, second) = demo_tags();
    assert_eq!(first, second);
    // And it survives a serialisation round trip (a trained model records its vocabulary).
    let json = serde_json::to_string(&first.vocabulary).expect("serialise");
    let back: vitrine::text::Vocabulary = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, first.vocabulary);
}
