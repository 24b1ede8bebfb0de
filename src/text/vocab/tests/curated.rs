//! The curated recipe's rules: word forms, the excluded words, one tag per word.

use crate::text::vocab::curated::tag_set_with;
use crate::text::vocab::forms::{ExcludedWords, WordForms};
use crate::text::vocab::words::read;
use crate::text::vocab::{extract_tags, TagOptions, TermKind};

#[test]
fn singular_forms_and_spellings_by_rule() {
    let forms = WordForms::shipped();
    for (word, key) in [
        ("buttons", "button"),
        ("button", "button"),
        ("hems", "hem"),
        ("sleeves", "sleeve"),
        ("pockets", "pocket"),
        ("dresses", "dress"),
        ("dress", "dress"),
        ("pouches", "pouch"),
        ("sashes", "sash"),
        ("accessories", "accessory"),
        ("shoes", "shoe"),
        ("scarves", "scarf"),
        ("sleeveless", "sleeveless"),
        ("jeans", "jeans"),
        ("colours", "color"),
        ("colour", "color"),
        ("color", "color"),
        ("grey", "gray"),
        ("greys", "gray"),
        ("greyish", "grayish"),
        ("zip", "zipper"),
        ("zips", "zipper"),
        ("pyjamas", "pajama"),
        ("canvas", "canvas"),
        ("long", "long"),
        ("various", "various"),
    ] {
        assert_eq!(forms.key(word), key, "{word}");
    }
    // Plural garments are not the plural of an adjective.
    for kept in [
        "shorts", "tights", "briefs", "flats", "overalls", "glasses", "bias",
    ] {
        assert_eq!(forms.key(kept), kept);
    }
}

#[test]
fn word_form_rules_are_checked_when_read() {
    let forms = WordForms::parse("# comment\nkeep shorts\nsame color colour # spelling\n").unwrap();
    assert_eq!(forms.key("colours"), "color");
    assert_eq!(forms.key("shorts"), "shorts");
    let e = WordForms::parse("keep shorts\nsame color\n").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(WordForms::parse("paint it\n").is_err());
}

#[test]
fn the_shipped_list_gives_every_word_a_reason() {
    let list = ExcludedWords::shipped();
    assert!(list.len() >= 50, "{}", list.len());
    for word in [
        "fit", "cut", "shape", "look", "style", "design", "detail", "chest",
    ] {
        let key = WordForms::shipped().key(word);
        assert!(list.reason(&key).is_some_and(|r| !r.is_empty()), "{word}");
    }
    // Forms are read through the same rules: "details" and "colours" are on it.
    assert!(list.reason(&WordForms::shipped().key("details")).is_some());
    assert!(list.reason(&WordForms::shipped().key("colours")).is_some());
    // Garment parts that share a body part's name are not on it.
    for kept in [
        "neck", "waist", "shoulder", "leg", "sleeve", "hem", "dress", "button",
    ] {
        assert!(list.reason(kept).is_none(), "{kept}");
    }
    let forms = WordForms::default();
    assert_eq!(ExcludedWords::parse("fit\n", &forms).unwrap_err().line, 1);
    assert!(ExcludedWords::parse("fit #\n", &forms).is_err());
    assert!(ExcludedWords::parse("two words # no\n", &forms).is_err());
    let list =
        ExcludedWords::parse("# header\n\nfit\tnot visible\ncut # not visible\n", &forms).unwrap();
    assert_eq!(list.reason("fit"), Some("not visible"));
    assert_eq!(list.len(), 2);
}

#[test]
fn one_tag_per_word_whatever_its_part_of_speech() {
    // "round" is a noun in "round neck" for the tagger and an adjective elsewhere; the
    // curated recipe counts it once.
    let texts = [
        "A navy jumper with a round neck and buttons.",
        "A round navy hat with one button.",
        "A grey top with a round neckline.",
        "A gray skirt with two buttons and a good fit.",
    ];
    let set = extract_tags(&texts, &TagOptions::default());
    let names = set.vocabulary.names();
    let count = |n: &str| names.iter().filter(|x| x.as_str() == n).count();
    assert_eq!(count("round"), 1, "{names:?}");
    assert_eq!(count("navy"), 1, "{names:?}");
    // button/buttons and grey/gray are one tag each, named by the form written most (ties
    // alphabetically).
    assert_eq!(count("buttons") + count("button"), 1, "{names:?}");
    assert_eq!(count("gray") + count("grey"), 1, "{names:?}");
    assert!(!names.iter().any(|n| n == "fit"), "{names:?}");
    let buttons = set
        .vocabulary
        .tags
        .iter()
        .find(|t| t.name.starts_with("button"))
        .unwrap();
    assert_eq!(buttons.count, 3);
    assert_eq!(buttons.name, "buttons");
    let round = set
        .vocabulary
        .tags
        .iter()
        .find(|t| t.name == "round")
        .unwrap();
    assert_eq!(round.count, 3);
    // Every item's tags are among its kept terms, in vocabulary order.
    for item in &set.items {
        for tag in &item.tags {
            assert!(
                item.nouns.contains(tag) || item.adjectives.contains(tag),
                "{tag}"
            );
        }
    }
}

#[test]
fn kinds_follow_the_catalogue_and_sizes_hold() {
    let (_, tokens) = read(&[
        "A red dress. A red skirt.",
        "A red coat with a belt.",
        "A blue dress with a belt.",
    ]);
    let forms = WordForms::default();
    let none = ExcludedWords::default();
    let opts = TagOptions {
        vocab_nouns: 2,
        vocab_adjectives: 1,
        ..TagOptions::default()
    };
    let set = tag_set_with(&tokens, &opts, &forms, &none);
    let tags: Vec<(&str, TermKind, usize)> = set
        .vocabulary
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.kind, t.count))
        .collect();
    assert_eq!(
        tags,
        [
            ("belt", TermKind::Noun, 2),
            ("dress", TermKind::Noun, 2),
            ("red", TermKind::Adjective, 2)
        ]
    );
    let excluded = ExcludedWords::parse("belt # test\n", &forms).unwrap();
    let set = tag_set_with(&tokens, &opts, &forms, &excluded);
    assert_eq!(set.vocabulary.names(), ["dress", "coat", "red"]);
}
