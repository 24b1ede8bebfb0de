//! Tokenizes and tags arbitrary text: must never panic, and every token gets a tag.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vitrine::text::{split_sentences, tokenize, PosTagger};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let words = tokenize(&text);
    let _ = split_sentences(&text);
    let tagged = PosTagger::embedded().tag_text(&text);
    assert_eq!(tagged.len(), words.len());
});
