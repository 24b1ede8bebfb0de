//! Punkt's word tokens and their annotations (abbreviation, sentence break), used to decide
//! whether a candidate sentence end really is one.

use std::collections::HashSet;
use std::sync::OnceLock;

use rustc_hash::FxBuildHasher;

use crate::text::chars::{py_lower, py_space, rx_digit, rx_space, rx_word};

/// The listed abbreviations, lower case, without their final period.
pub(super) fn abbreviations() -> &'static HashSet<String, FxBuildHasher> {
    static SET: OnceLock<HashSet<String, FxBuildHasher>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("../../../assets/pos/abbreviations.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect()
    })
}

/// Characters that cannot be inside a word for Punkt (its `_re_non_word_chars`).
pub(super) fn is_non_word(c: char) -> bool {
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
pub(super) fn is_bad_word_start(c: char) -> bool {
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
pub(super) fn is_closer(c: char) -> bool {
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
pub(super) fn multi_char_at(s: &[char], i: usize) -> Option<usize> {
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
pub(super) fn word_ends_at(s: &[char], j: usize) -> bool {
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
pub(super) fn word_tokens(line: &[char]) -> Vec<String> {
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
pub(super) struct Token {
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
pub(super) fn is_numeric(text: &str) -> bool {
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
pub(super) fn ortho_says_no(next: &Token) -> Option<bool> {
    if matches!(next.text.as_str(), ";" | ":" | "," | "." | "!" | "?") {
        return Some(false);
    }
    if next.first_char().is_some_and(char::is_lowercase) {
        return Some(false);
    }
    None
}

/// Token-based reclassification of a period-final token given the token after it.
pub(super) fn second_pass(token: &mut Token, next: &Token) {
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
pub(super) fn contains_sentbreak(context: &[char]) -> bool {
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
