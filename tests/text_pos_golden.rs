//! The tokenizer and the part-of-speech tagger agree, token for token, with the Python
//! reference (textblob-aptagger 0.2.0 on NLTK) on every entry of the golden file written by
//! `scripts/make_pos_golden.py`: the 240 demo descriptions and a set of tricky sentences.

use serde::Deserialize;
use vitrine::text::{tokenize, tokenize_sentences, PosTagger};

#[derive(Deserialize)]
struct Golden {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    source: String,
    text: String,
    tokens: Vec<String>,
    tags: Vec<String>,
    sentence_lengths: Vec<usize>,
}

fn golden() -> Golden {
    serde_json::from_str(include_str!("fixtures/pos/golden.json")).expect("golden.json parses")
}

#[test]
fn golden_file_covers_the_demo_catalogue_and_tricky_sentences() {
    let golden = golden();
    let demo = golden.entries.iter().filter(|e| e.source == "demo").count();
    let tricky = golden
        .entries
        .iter()
        .filter(|e| e.source == "tricky")
        .count();
    assert_eq!(demo, 240);
    assert!(tricky >= 30, "{tricky} tricky sentences");
}

#[test]
fn tokens_match_python() {
    let mut failures = Vec::new();
    for entry in golden().entries {
        let tokens = tokenize(&entry.text);
        if tokens != entry.tokens {
            failures.push(format!(
                "{:?}\n  python: {:?}\n  rust:   {:?}",
                entry.text, entry.tokens, tokens
            ));
        }
        let lengths: Vec<usize> = tokenize_sentences(&entry.text)
            .iter()
            .map(Vec::len)
            .collect();
        if lengths != entry.sentence_lengths {
            failures.push(format!(
                "{:?}\n  python sentence lengths: {:?}\n  rust:                    {:?}",
                entry.text, entry.sentence_lengths, lengths
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn tags_match_python() {
    let tagger = PosTagger::embedded();
    let mut failures = Vec::new();
    let mut compared = 0;
    for entry in golden().entries {
        let tagged = tagger.tag_text(&entry.text);
        let tokens: Vec<&str> = tagged.iter().map(|(w, _)| w.as_str()).collect();
        let tags: Vec<&str> = tagged.iter().map(|(_, t)| t.as_str()).collect();
        compared += tags.len();
        if tokens != entry.tokens || tags != entry.tags {
            let diff: Vec<String> = entry
                .tokens
                .iter()
                .zip(&entry.tags)
                .zip(tokens.iter().zip(&tags))
                .filter(|((pw, pt), (rw, rt))| pw != *rw || pt != *rt)
                .map(|((pw, pt), (rw, rt))| format!("{pw}/{pt} vs {rw}/{rt}"))
                .collect();
            failures.push(format!("{:?}: {}", entry.text, diff.join(", ")));
        }
    }
    assert!(compared > 8000, "only {compared} tags compared");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn tagging_sentences_matches_tagging_text() {
    let tagger = PosTagger::embedded();
    for entry in golden().entries {
        let sentences = tokenize_sentences(&entry.text);
        let tags: Vec<String> = tagger
            .tag_sentences(&sentences)
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(tags, entry.tags, "{:?}", entry.text);
        // A single sentence tags the same on its own.
        if sentences.len() == 1 {
            assert_eq!(tagger.tag(&sentences[0]), entry.tags, "{:?}", entry.text);
        }
    }
}
