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

use std::collections::HashSet;
use std::sync::OnceLock;

use super::chars::{py_lower, py_space, rx_digit, rx_space, rx_word};
use rustc_hash::FxBuildHasher;

/// The listed abbreviations, lower case, without their final period.
fn abbreviations() -> &'static HashSet<String, FxBuildHasher> {
    static SET: OnceLock<HashSet<String, FxBuildHasher>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("../../assets/pos/abbreviations.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect()
    })
}

/// Characters that cannot be inside a word for Punkt (its `_re_non_word_chars`).
fn is_non_word(c: char) -> bool {
    matches!(
        c,
        ')' | '"'
            | ';'
            | '}'
            | ']'
            | '*'
            | ':'
            | '@'
            | '\''
            | '('
            | '{'
            | '['
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{ab}'
            | '\u{bb}'
            | '?'
            | '!'
    )
}

/// Characters a Punkt word token cannot start with (complement of its `_re_word_start`).
fn is_bad_word_start(c: char) -> bool {
    matches!(
        c,
        '(' | '"'
            | '`'
            | '{'
            | '['
            | ':'
            | ';'
            | '&'
            | '#'
            | '*'
            | '@'
            | ')'
            | '}'
            | ']'
            | '-'
            | ','
    )
}

/// Closing punctuation that moves onto the sentence before it (`re_boundary_realignment`).
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | ')'
            | ']'
            | '}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{ab}'
            | '\u{bb}'
    )
}

/// Length of the multi-character punctuation (`--…`, `..…`, `. . .`) starting at `i`, if any.
fn multi_char_at(s: &[char], i: usize) -> Option<usize> {
    let at = |k: usize| s.get(k).copied();
    match at(i)? {
        '-' if at(i + 1) == Some('-') => Some(s[i..].iter().take_while(|&&c| c == '-').count()),
        '.' if at(i + 1) == Some('.') => Some(s[i..].iter().take_while(|&&c| c == '.').count()),
        '.' => {
            // `(?:\.\s){2,}\.`: as many "period, space" pairs as possible, then a period,
            // giving back one pair when the last pair is not followed by one.
            let mut pairs = 0;
            let mut p = i;
            while at(p) == Some('.') && at(p + 1).is_some_and(rx_space) {
                pairs += 1;
                p += 2;
            }
            if at(p) == Some('.') && pairs >= 2 {
                Some(2 * pairs + 1)
            } else if pairs >= 3 {
                Some(2 * (pairs - 1) + 1)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a Punkt word token may end before position `j` (the lookahead of its word regex).
fn word_ends_at(s: &[char], j: usize) -> bool {
    let Some(&c) = s.get(j) else { return true };
    if rx_space(c) || is_non_word(c) || multi_char_at(s, j).is_some() {
        return true;
    }
    c == ','
        && match s.get(j + 1) {
            None => true,
            Some(&d) => rx_space(d) || is_non_word(d) || multi_char_at(s, j + 1).is_some(),
        }
}

/// Punkt's word tokenizer on one line: splits off punctuation other than periods.
fn word_tokens(line: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if let Some(len) = multi_char_at(line, i) {
            out.push(line[i..i + len].iter().collect());
            i += len;
        } else if rx_space(c) {
            i += 1;
        } else if !is_bad_word_start(c) {
            let mut j = i + 1;
            while !word_ends_at(line, j) {
                j += 1;
            }
            out.push(line[i..j].iter().collect());
            i = j;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// A word token with Punkt's annotations.
struct Token {
    text: String,
    /// The lower-cased text, or `##number##` for numbers.
    kind: String,
    sentbreak: bool,
    abbr: bool,
}

impl Token {
    fn new(text: String) -> Self {
        let lowered = py_lower(&text).into_owned();
        let kind = if is_numeric(&lowered) {
            "##number##".to_owned()
        } else {
            lowered
        };
        let mut token = Token {
            text,
            kind,
            sentbreak: false,
            abbr: false,
        };
        token.first_pass();
        token
    }

    fn period_final(&self) -> bool {
        self.text.ends_with('.')
    }

    /// The type without its final period.
    fn kind_no_period(&self) -> &str {
        if self.kind.chars().count() > 1 && self.kind.ends_with('.') {
            &self.kind[..self.kind.len() - 1]
        } else {
            &self.kind
        }
    }

    fn first_char(&self) -> Option<char> {
        self.text.chars().next()
    }

    fn is_ellipsis(&self) -> bool {
        self.text.chars().count() >= 2 && self.text.chars().all(|c| c == '.')
    }

    /// A single letter followed by a period (`[^\W\d]\.`).
    fn is_initial(&self) -> bool {
        let mut chars = self.text.chars();
        matches!(
            (chars.next(), chars.next(), chars.next()),
            (Some(c), Some('.'), None) if rx_word(c) && !rx_digit(c)
        )
    }

    /// Type-based annotation: sentence-ending punctuation, ellipses, abbreviations.
    fn first_pass(&mut self) {
        if matches!(self.text.as_str(), "." | "?" | "!") {
            self.sentbreak = true;
        } else if self.is_ellipsis() {
            // An ellipsis is neither a break nor an abbreviation at first.
        } else if self.period_final() && !self.text.ends_with("..") {
            let stem = py_lower(&self.text[..self.text.len() - 1]).into_owned();
            let last_part = stem.rsplit('-').next().unwrap_or(&stem);
            let abbreviations = abbreviations();
            if abbreviations.contains(&stem) || abbreviations.contains(last_part) {
                self.abbr = true;
            } else {
                self.sentbreak = true;
            }
        }
    }
}

/// `^-?[\.,]?\d[\d,\.-]*\.?$`
fn is_numeric(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    if chars.first() == Some(&'-') {
        i += 1;
    }
    if matches!(chars.get(i), Some('.' | ',')) {
        i += 1;
    }
    if !chars.get(i).is_some_and(|&c| rx_digit(c)) {
        return false;
    }
    chars[i + 1..]
        .iter()
        .all(|&c| rx_digit(c) || matches!(c, ',' | '.' | '-'))
}

/// The orthographic heuristic with no statistics: `Some(false)` when the next token cannot
/// start a sentence, `None` when unknown (it never answers "yes" without statistics).
fn ortho_says_no(next: &Token) -> Option<bool> {
    if matches!(next.text.as_str(), ";" | ":" | "," | "." | "!" | "?") {
        return Some(false);
    }
    if next.first_char().is_some_and(char::is_lowercase) {
        return Some(false);
    }
    None
}

/// Token-based reclassification of a period-final token given the token after it.
fn second_pass(token: &mut Token, next: &Token) {
    if !token.period_final() {
        return;
    }
    let initial = token.is_initial();
    if initial || token.kind_no_period() == "##number##" {
        match ortho_says_no(next) {
            Some(false) => {
                token.sentbreak = false;
                token.abbr = true;
            }
            _ if initial && next.first_char().is_some_and(char::is_uppercase) => {
                token.sentbreak = false;
                token.abbr = true;
            }
            _ => {}
        }
    }
}

/// Whether `context` holds a sentence break followed by more text.
fn contains_sentbreak(context: &[char]) -> bool {
    let mut tokens: Vec<Token> = Vec::new();
    for line in context.split(|&c| c == '\n') {
        if line.iter().all(|&c| py_space(c)) {
            continue;
        }
        tokens.extend(word_tokens(line).into_iter().map(Token::new));
    }
    for i in 0..tokens.len().saturating_sub(1) {
        let (head, tail) = tokens.split_at_mut(i + 1);
        let token = &mut head[i];
        second_pass(token, &tail[0]);
        if token.sentbreak {
            return true;
        }
    }
    false
}

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
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        sentence_spans(&chars)
            .into_iter()
            .map(|(a, b)| py_slice(&chars, a, b).iter().collect())
            .collect()
    }

    #[test]
    fn splits_at_sentence_ends() {
        assert_eq!(
            split("Two sentences. Another one! And a third? Yes."),
            ["Two sentences.", "Another one!", "And a third?", "Yes."]
        );
        assert_eq!(split("  "), Vec::<String>::new());
        assert_eq!(split(""), Vec::<String>::new());
    }

    #[test]
    fn keeps_abbreviations_initials_and_numbers() {
        assert_eq!(
            split("Slim jeans, e.g. for tall people."),
            ["Slim jeans, e.g. for tall people."]
        );
        assert_eq!(
            split("J. Crew shirt, size 8. great fit."),
            ["J. Crew shirt, size 8. great fit."]
        );
        assert_eq!(split("Size 8. Great fit."), ["Size 8.", "Great fit."]);
        assert_eq!(
            split("The item no. 5 is sold out."),
            ["The item no.", "5 is sold out."]
        );
    }

    #[test]
    fn realigns_closing_punctuation() {
        assert_eq!(
            split("She left. (Really.) Then she came back."),
            ["She left.", "(Really.)", "Then she came back."]
        );
        assert_eq!(split("WOW!!! THIS IS IT..."), ["WOW!!!", "THIS IS IT..."]);
    }

    #[test]
    fn punkt_word_tokens() {
        let line: Vec<char> = "Hello, (world)... a . . . b--c 3,5 x,".chars().collect();
        assert_eq!(
            word_tokens(&line),
            [
                "Hello", ",", "(", "world", ")", "...", "a", ". . .", "b", "--", "c", "3,5", "x",
                ","
            ]
        );
    }
}
