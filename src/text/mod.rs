//! Tags from text: shop descriptions become nouns and adjectives, ranked per item by TF-IDF,
//! and the catalogue's tag vocabulary with multi-hot targets for training.
//!
//! The pipeline reproduces a Python/TextBlob reference token for token:
//! - [`tokenize`]: Punkt sentence splitting and NLTK's Treebank-style word tokenizer;
//! - [`pos`]: textblob-aptagger's averaged-perceptron part-of-speech tagger, with its model
//!   embedded in the binary;
//! - [`vocab`]: candidate terms, TF-IDF ranking, vocabulary and item tags.
//!
//! The agreement with the reference is checked by `tests/text_pos_golden.rs` against output
//! recorded from Python (`scripts/make_pos_golden.py`).

mod chars;
pub mod pos;
mod punkt;
pub mod stopwords;
pub mod tokenize;
mod unicode_tables;
pub mod vocab;

pub use pos::{PosModelError, PosTagger};
pub use tokenize::{split_sentences, tokenize, tokenize_sentences, treebank_words};
pub use vocab::{
    candidates, extract_tags, tag_set_from_candidates, Candidates, ItemTerms, TagOptions, TagSet,
    TagStats, TermKind, VocabTag, Vocabulary,
};
