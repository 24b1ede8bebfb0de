//! Character classes with exactly the meaning they have in the Python reference.
//!
//! Three sources of character semantics meet there, and they disagree at the edges:
//! - `str` methods (`split`, `strip`, `isdigit`, `lower`): prefixed `py_`;
//! - the standard `re` module, which NLTK uses for its contraction patterns: prefixed `re_`;
//! - the third-party `regex` module, which NLTK uses for every other tokenizer pattern:
//!   prefixed `rx_`. Its `\w` covers combining marks but not numbers like `①` or `½`, its `\s`
//!   is Unicode White_Space (no U+001C–U+001F, which `str.split()` does split at).

use std::borrow::Cow;
use std::cmp::Ordering;

use super::unicode_tables::{PY_ALNUM, PY_DIGIT, RX_DIGIT, RX_WORD};

fn in_ranges(table: &[(u32, u32)], c: char) -> bool {
    let code = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < code {
                Ordering::Less
            } else if lo > code {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// Python's `str.isspace()`: where `str.split()` splits and `str.strip()` strips (also `\s`
/// of the standard `re` module). Unlike Unicode White_Space it includes U+001C–U+001F.
pub(crate) fn py_space(c: char) -> bool {
    rx_space(c) || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.isdigit()` on one character (decimal digits plus superscripts, circled
/// digits and the like).
pub(crate) fn py_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_ranges(PY_DIGIT, c)
    }
}

/// `\w` of the standard `re` module: `str.isalnum()` or `_`.
pub(crate) fn re_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        in_ranges(PY_ALNUM, c)
    }
}

/// `\w` of the `regex` module.
pub(crate) fn rx_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        in_ranges(RX_WORD, c)
    }
}

/// `\d` of the `regex` module.
pub(crate) fn rx_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_ranges(RX_DIGIT, c)
    }
}

/// `\s` of the `regex` module: Unicode White_Space, which is what Rust's
/// `char::is_whitespace` implements (the generator checks that the sets are the same).
pub(crate) fn rx_space(c: char) -> bool {
    c.is_whitespace()
}

/// Which engine's case-insensitive matching applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    /// The standard `re` module.
    Re,
    /// The `regex` module.
    Rx,
}

/// Whether `c` matches the lower-case ASCII letter `lower` under case-insensitive matching,
/// which lets a few non-ASCII letters match too (the generator checks this list).
fn ci_eq(engine: Engine, c: char, lower: char) -> bool {
    if c.is_ascii() {
        return c.to_ascii_lowercase() == lower;
    }
    match (lower, c) {
        ('i', '\u{130}') | ('s', '\u{17f}') | ('k', '\u{212a}') => true,
        ('i', '\u{131}') => engine == Engine::Re,
        _ => false,
    }
}

/// Whether `chars[at..]` starts with the ASCII `pattern` under case-insensitive matching.
pub(crate) fn starts_with_ci(engine: Engine, chars: &[char], at: usize, pattern: &str) -> bool {
    let mut i = at;
    for p in pattern.chars() {
        match chars.get(i) {
            Some(&c) if c == p || (p.is_ascii_alphabetic() && ci_eq(engine, c, p)) => i += 1,
            _ => return false,
        }
    }
    true
}

/// Python's `str.lower()` (full Unicode lower-casing, final sigma included), borrowing when
/// the text is ASCII without capitals.
pub(crate) fn py_lower(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces() {
        assert!(py_space('\u{1f}') && !rx_space('\u{1f}'));
        assert!(py_space('\u{a0}') && rx_space('\u{a0}') && rx_space('\u{85}'));
        assert!(!py_space('\u{200b}') && !rx_space('\u{200b}'));
    }

    #[test]
    fn word_characters_differ_between_engines() {
        assert!(re_word('é') && rx_word('é') && re_word('_') && rx_word('_'));
        // A circled digit is alphanumeric for `str` and `re`, not for `regex`.
        assert!(re_word('①') && !rx_word('①'));
        // A combining mark is the other way round.
        assert!(!re_word('\u{301}') && rx_word('\u{301}'));
        assert!(!re_word('-') && !rx_word('-'));
    }

    #[test]
    fn digits() {
        assert!(rx_digit('٣') && !rx_digit('²') && !rx_digit('½'));
        assert!(py_digit('²') && py_digit('①') && !py_digit('½'));
    }

    #[test]
    fn case_insensitive_letters() {
        assert!(starts_with_ci(Engine::Re, &['N', '\'', 'T'], 0, "n't"));
        assert!(starts_with_ci(Engine::Re, &['\u{17f}'], 0, "s"));
        assert!(starts_with_ci(Engine::Re, &['\u{131}'], 0, "i"));
        assert!(!starts_with_ci(Engine::Rx, &['\u{131}'], 0, "i"));
        assert!(starts_with_ci(Engine::Rx, &['\u{130}'], 0, "i"));
        assert!(!starts_with_ci(Engine::Rx, &['a'], 0, "ab"));
    }

    #[test]
    fn lower_case() {
        assert_eq!(py_lower("ΟΔΟΣ"), "οδο\u{3c2}"); // final sigma, as in Python
        assert!(matches!(py_lower("plain"), Cow::Borrowed(_)));
        assert_eq!(py_lower("Dress"), "dress");
    }
}
