//! Sentence splitting with the Punkt algorithm, as NLTK's `PunktSentenceTokenizer` runs it,
//! with a fixed parameter set: the abbreviations of `assets/pos/abbreviations.txt` and no
//! learned collocations, frequent sentence starters or orthographic statistics.
//!
//! With those parameters the decisions are:
//! - a word ending in `.`, `?` or `!` ends a sentence when space and another word, or other
//!   punctuation, follow it;
//! - listed abbreviations (`e.g.`, `approx.`) and ellipses (`...`) never end one;
//! - an initial (`J.`) or a number (`8.`) does not end one when the next word starts in lower
//!   case or is `; : , . ! ?`, nor does an initial before a capitalised word.
//!
//! Everything works on `char` indices, which are Python's string indices.

use self::words::*;
use super::chars::{py_space, rx_space};

mod words;

/// A candidate sentence end: `. ? !` followed by other punctuation or by space and a token.
struct EndCandidate {
    /// Index of the `. ? !`.
    at: usize,
    /// End of the lookahead (the punctuation, or the next token).
    after_end: usize,
    /// Start of the next token when the end is followed by space.
    next_token: Option<usize>,
}

fn end_candidates(s: &[char]) -> Vec<EndCandidate> {
    let mut out = Vec::new();
    for (i, &c) in s.iter().enumerate() {
        if !matches!(c, '.' | '?' | '!') {
            continue;
        }
        match s.get(i + 1) {
            Some(&d) if is_non_word(d) => out.push(EndCandidate {
                at: i,
                after_end: i + 2,
                next_token: None,
            }),
            Some(&d) if rx_space(d) => {
                let start = i + 1 + s[i + 1..].iter().take_while(|&&c| rx_space(c)).count();
                if start < s.len() {
                    let end = start + s[start..].iter().take_while(|&&c| !rx_space(c)).count();
                    out.push(EndCandidate {
                        at: i,
                        after_end: end,
                        next_token: Some(start),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The candidates with the text around them that Punkt judges (the word before the end,
/// the end and its lookahead); of candidates whose word overlaps, only the last is kept.
fn end_contexts(s: &[char]) -> Vec<(EndCandidate, Vec<char>)> {
    let mut out = Vec::new();
    let mut previous: Option<(EndCandidate, usize, usize)> = None;
    let mut previous_slice = (0usize, 0usize);
    let context = |start: usize, candidate: &EndCandidate| -> Vec<char> {
        let mut text = s[start..candidate.at].to_vec();
        text.extend_from_slice(&s[candidate.at..candidate.after_end]);
        text
    };
    for candidate in end_candidates(s) {
        let before = &s[previous_slice.1..candidate.at];
        // The last ASCII whitespace; like the reference, one at index 0 counts as none.
        let last_space = before
            .iter()
            .rposition(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}'))
            .unwrap_or(0);
        let word_start = if last_space != 0 {
            last_space + previous_slice.1 + 1
        } else {
            previous_slice.0
        };
        if let Some((prev_candidate, prev_start, prev_stop)) = previous.take() {
            if prev_stop <= word_start {
                let text = context(prev_start, &prev_candidate);
                out.push((prev_candidate, text));
            }
        }
        previous_slice = (word_start, candidate.at);
        previous = Some((candidate, word_start, previous_slice.1));
    }
    if let Some((candidate, start, _)) = previous {
        let text = context(start, &candidate);
        out.push((candidate, text));
    }
    out
}

/// Length of the closing punctuation at the start of `s` that belongs to the sentence before,
/// and the length including the space after it.
fn realignment(s: &[char]) -> Option<(usize, usize)> {
    let mut k = 0;
    while k < s.len() && is_closer(s[k]) {
        k += 1;
        match s.get(k) {
            None => return Some((k, k)),
            Some(&c) if rx_space(c) => {
                let end = k + s[k..].iter().take_while(|&&c| rx_space(c)).count();
                return Some((k, end));
            }
            Some('-') if s.get(k + 1) == Some(&'-') => return Some((k, k)),
            _ => {}
        }
    }
    None
}

/// `s[start:stop]` with Python's slice semantics: clamped, and empty when reversed.
pub(crate) fn py_slice<T>(s: &[T], start: usize, stop: usize) -> &[T] {
    let start = start.min(s.len());
    &s[start..stop.clamp(start, s.len())]
}

/// Sentence spans of `s` as `char` index ranges, exactly as NLTK's
/// `PunktSentenceTokenizer.span_tokenize` returns them (with boundary realignment). A span
/// may be empty or reversed, which stands for an empty sentence (read it with [`py_slice`]).
pub(crate) fn sentence_spans(s: &[char]) -> Vec<(usize, usize)> {
    let mut slices = Vec::new();
    let mut last_break = 0;
    for (candidate, context) in end_contexts(s) {
        if contains_sentbreak(&context) {
            slices.push((last_break, candidate.at + 1));
            last_break = candidate.next_token.unwrap_or(candidate.at + 1);
        }
    }
    let trimmed_len = s.len() - s.iter().rev().take_while(|&&c| py_space(c)).count();
    slices.push((last_break, trimmed_len));

    // Python slices: an empty or reversed range is an empty string.
    let non_empty = |(a, b): (usize, usize)| a < b.min(s.len());
    let mut spans = Vec::with_capacity(slices.len());
    let mut realign = 0;
    for (i, &(start, stop)) in slices.iter().enumerate() {
        let current = (start + realign, stop);
        let Some(&(next_start, next_stop)) = slices.get(i + 1) else {
            if non_empty(current) {
                spans.push(current);
            }
            continue;
        };
        match realignment(py_slice(s, next_start, next_stop)) {
            Some((closers, total)) => {
                spans.push((current.0, next_start + closers));
                realign = total;
            }
            None => {
                realign = 0;
                if non_empty(current) {
                    spans.push(current);
                }
            }
        }
    }
    spans
}

#[cfg(test)]
mod tests;
