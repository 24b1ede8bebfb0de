//! Candidate terms: the nouns and adjectives of one text, as the tagger marks them.

use super::TermKind;
use crate::text::chars::py_lower;
use crate::text::pos::{PosTagger, START};
use crate::text::stopwords::is_stop_word;
use crate::text::tokenize::tokenize_sentences;

/// The candidate terms of one text, before ranking.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Candidates {
    /// Nouns, lower case, in text order, with repeats.
    pub nouns: Vec<String>,
    /// Adjectives, lower case, in text order, with repeats.
    pub adjectives: Vec<String>,
    /// Number of tokens of the text.
    pub tokens: usize,
}

/// Whether a lower-cased token can be a term.
fn is_term(word: &str) -> bool {
    !word.is_empty() && word.chars().all(char::is_alphabetic) && !is_stop_word(word)
}

/// Tokenizes and tags `text` with the embedded tagger and collects its candidate terms.
pub fn candidates(text: &str) -> Candidates {
    CandidateFinder::new().find(text)
}

/// The tagger and what it takes to read its tags as term kinds, set up once for many texts.
pub(super) struct CandidateFinder {
    tagger: &'static PosTagger,
    /// The term kind of every tagger class.
    kinds: Vec<Option<TermKind>>,
}

impl CandidateFinder {
    pub(super) fn new() -> Self {
        let tagger = PosTagger::embedded();
        let kinds = tagger
            .classes()
            .iter()
            .map(|c| TermKind::of_pos_tag(c))
            .collect();
        CandidateFinder { tagger, kinds }
    }

    pub(super) fn find(&self, text: &str) -> Candidates {
        let mut out = Candidates::default();
        out.tokens = self.visit(text, |word, kind| {
            let Some(kind) = kind else {
                return;
            };
            let term = py_lower(word);
            if is_term(&term) {
                match kind {
                    TermKind::Noun => out.nouns.push(term.into_owned()),
                    TermKind::Adjective => out.adjectives.push(term.into_owned()),
                }
            }
        });
        out
    }

    /// Tags `text` and hands every token to `on_token` with its term kind (None for tokens
    /// that are neither nouns nor adjectives); returns the number of tokens.
    pub(super) fn visit(
        &self,
        text: &str,
        mut on_token: impl FnMut(&str, Option<TermKind>),
    ) -> usize {
        let mut tokens = 0;
        let mut state = START;
        let mut ids = Vec::new();
        for words in &tokenize_sentences(text) {
            ids.clear();
            self.tagger.tag_sentence_ids(words, &mut state, &mut ids);
            tokens += words.len();
            for (word, &id) in words.iter().zip(&ids) {
                on_token(word, self.kinds[usize::from(id)]);
            }
        }
        tokens
    }
}
