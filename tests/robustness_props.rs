//! Property tests: the tokenizer, the part-of-speech tagger and the CSV and JSON importers
//! never panic, whatever text or bytes they are given.

use std::path::Path;

use proptest::prelude::*;

use vitrine::catalogue::{load_with, FetchControl, ImportOptions};
use vitrine::text::{split_sentences, tokenize, treebank_words, PosTagger};

/// Text that looks like shop descriptions: words, punctuation, quotes, dashes, line breaks.
const SHOP_TEXT: &str = "[a-zA-Z0-9 .,;:!?'\"()\\-/$%&*\u{2019}\u{201c}\u{201d}\u{e9}\n]{0,200}";

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Writes `bytes` as `name` beside a small real photo and imports it; the result may be an
/// error, but the import must return.
fn import_bytes(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    image::RgbImage::new(2, 2)
        .save_with_format(dir.path().join("a.png"), image::ImageFormat::Png)
        .unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    // Offline: an odd entry that happens to be a web address is never fetched.
    let offline = FetchControl {
        offline: true,
        ..FetchControl::default()
    };
    if let Ok(catalogue) = load_with(&path, &ImportOptions::default(), offline) {
        check_report(&catalogue, &path);
    }
}

fn check_report(catalogue: &vitrine::catalogue::Catalogue, path: &Path) {
    let report = &catalogue.report;
    assert_eq!(
        report.items_loaded,
        catalogue.items.len(),
        "{}",
        path.display()
    );
    assert!(report.items_loaded <= report.rows_read, "{report}");
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn tokenizer_never_panics(text in any::<String>()) {
        let words = tokenize(&text);
        prop_assert!(words.iter().all(|w| !w.is_empty()));
        let _ = split_sentences(&text);
        let _ = treebank_words(&text);
    }

    #[test]
    fn tokenizer_never_panics_on_shop_text(text in SHOP_TEXT) {
        let words = tokenize(&text);
        prop_assert!(words.iter().all(|w| !w.chars().any(char::is_whitespace)));
    }

    #[test]
    fn tagger_tags_every_token(text in any::<String>()) {
        let tagged = PosTagger::embedded().tag_text(&text);
        prop_assert_eq!(tagged.len(), tokenize(&text).len());
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn tagger_tags_every_token_of_shop_text(text in SHOP_TEXT) {
        let tagged = PosTagger::embedded().tag_text(&text);
        prop_assert_eq!(tagged.len(), tokenize(&text).len());
    }

    #[test]
    fn csv_import_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        import_bytes("shop.csv", &bytes);
    }

    #[test]
    fn csv_import_never_panics_below_a_good_header(
        rows in proptest::collection::vec(
            proptest::string::string_regex("(a\\.png|\"|,|;|\r|\n|[a-z ]|\u{e9}){0,40}").unwrap(),
            0..12,
        )
    ) {
        let csv = format!("image,description,colour\n{}", rows.join("\n"));
        import_bytes("shop.csv", csv.as_bytes());
    }

    #[test]
    fn json_import_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        import_bytes("feidegger.json", &bytes);
    }

    #[test]
    fn json_import_never_panics_on_odd_entries(
        urls in proptest::collection::vec(any::<String>(), 1..6),
        descriptions in proptest::collection::vec(any::<String>(), 0..6),
        cut in any::<prop::sample::Index>(),
        junk in any::<u8>(),
    ) {
        let entries: Vec<serde_json::Value> = urls
            .iter()
            .map(|url| serde_json::json!({"url": url, "descriptions": descriptions, "n": 1}))
            .collect();
        let mut bytes = serde_json::to_vec(&entries).unwrap();
        import_bytes("feidegger.json", &bytes);
        // The same file with one byte changed.
        let at = cut.index(bytes.len());
        bytes[at] = junk;
        import_bytes("feidegger.json", &bytes);
    }
}
