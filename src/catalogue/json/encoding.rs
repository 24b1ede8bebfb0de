//! JSON files saved in another encoding than UTF-8: decoded lossily, each entry with replaced
//! bytes reported with the file lines the bytes were on.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{field, Keys};
use crate::catalogue::report::{ProblemKind, Severity};
use crate::catalogue::rows::{Locator, Problems};

/// The 1-based line of every run of bytes that is not UTF-8, in file order: one per `�` that
/// [`String::from_utf8_lossy`] puts in.
pub(super) fn invalid_utf8_lines(bytes: &[u8]) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    for chunk in bytes.utf8_chunks() {
        line += chunk.valid().bytes().filter(|&b| b == b'\n').count();
        if !chunk.invalid().is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// Reports the replacement characters in `entry`, taking their file lines, in order, from
/// `bad_lines` (which holds one line per replacement in the whole file).
pub(super) fn report_replacements(
    entry: &Value,
    locator: Locator,
    keys: &Keys,
    bad_lines: &mut impl Iterator<Item = usize>,
    problems: &mut Problems<'_>,
) {
    let total = replacements(entry);
    if total == 0 {
        return;
    }
    let description = match entry {
        Value::Object(map) => field(map, &keys.description).map(|(key, value)| {
            (
                key.chars().filter(|&c| c == '\u{FFFD}').count() + replacements(value),
                key,
            )
        }),
        _ => None,
    };
    let in_description = description.map_or(0, |(count, _)| count);
    let lines: BTreeSet<usize> = bad_lines.take(total).collect();
    let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
    let place = match lines.len() {
        0 => String::new(),
        1 => format!(" (the bytes are on line {} of the file)", lines[0]),
        _ => format!(" (the bytes are on lines {} of the file)", lines.join(", ")),
    };
    if in_description > 0 {
        problems.add(
            locator,
            ProblemKind::NonUtf8Description,
            Severity::Warning,
            format!(
                "the description is not UTF-8 text{place}; unreadable characters were replaced \
                 with \u{FFFD} (save the file as UTF-8 to fix this)"
            ),
        );
    }
    if total > in_description {
        problems.add(
            locator,
            ProblemKind::NonUtf8Text,
            Severity::Warning,
            format!(
                "a field other than the description is not UTF-8 text{place}; unreadable \
                 characters were replaced with \u{FFFD}"
            ),
        );
    }
}

/// Replacement characters in every key and text of `value`.
fn replacements(value: &Value) -> usize {
    let count = |text: &str| text.chars().filter(|&c| c == '\u{FFFD}').count();
    match value {
        Value::String(text) => count(text),
        Value::Array(items) => items.iter().map(replacements).sum(),
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| count(key) + replacements(value))
            .sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_runs_are_found_with_their_lines() {
        assert!(invalid_utf8_lines(b"[\n\"ok\"\n]").is_empty());
        assert_eq!(
            invalid_utf8_lines(b"a\n\xe9\n\nb\xff\xfe c\xe9"),
            [2, 4, 4, 4]
        );
        let lossy = String::from_utf8_lossy(b"a\n\xe9\n\nb\xff\xfe c\xe9");
        assert_eq!(lossy.chars().filter(|&c| c == '\u{FFFD}').count(), 4);
    }
}
