//! One CSV record into one row: fields decoded (lossily, reported), short and long rows
//! reported, the image resolved, other fields kept as attributes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use ::csv::ByteRecord;

use super::Columns;
use crate::catalogue::error::quoted_list;
use crate::catalogue::report::{ProblemKind, Severity};
use crate::catalogue::rows::{cut_description, description_prefix, Locator, Problems, Row};

/// Reads one record into a row, recording its problems; `None` when the row cannot load.
pub(super) fn read_row(
    record: &ByteRecord,
    locator: Locator,
    header: &[String],
    columns: &Columns,
    base_dir: &Path,
    problems: &mut Problems<'_>,
) -> Option<Row> {
    if !check_field_count(record.len(), locator, header, columns, problems) {
        return None;
    }

    let mut text_was_lossy = false;
    let image_ref = decode(
        record.get(columns.image).unwrap_or_default(),
        &mut text_was_lossy,
    );
    let image_ref = image_ref.trim();
    if image_ref.is_empty() {
        problems.add(
            locator,
            ProblemKind::MissingImage,
            Severity::Skipped,
            format!(
                "no image given in column \"{}\"; skipped",
                header[columns.image]
            ),
        );
        return None;
    }
    let image_path = problems.resolve_row_image(locator, image_ref, base_dir)?;

    let mut description = String::new();
    if let Some(raw) = columns.description.and_then(|i| record.get(i)) {
        let mut lossy = false;
        description = decode(description_prefix(raw), &mut lossy)
            .trim()
            .to_string();
        if let Some(message) = cut_description(&mut description, raw.len()) {
            problems.add(
                locator,
                ProblemKind::LongDescription,
                Severity::Warning,
                message,
            );
        }
        if lossy {
            problems.add(
                locator,
                ProblemKind::NonUtf8Description,
                Severity::Warning,
                "the description is not UTF-8 text; unreadable characters were replaced with \
                 \u{FFFD} (save the file as UTF-8 to fix this)",
            );
        }
        if description.is_empty() {
            problems.empty_description(locator, image_ref);
        }
    }

    let attributes = read_attributes(record, header, columns, &mut text_was_lossy);
    if text_was_lossy {
        problems.add(
            locator,
            ProblemKind::NonUtf8Text,
            Severity::Warning,
            "a field other than the description is not UTF-8 text; unreadable characters were \
             replaced with \u{FFFD}",
        );
    }

    Some(Row {
        locator,
        id: image_ref.to_string(),
        image_path,
        description,
        attributes,
    })
}

/// Reports a row with fewer or more fields than the header; `false` when the row lacks its
/// image field and is skipped.
fn check_field_count(
    field_count: usize,
    locator: Locator,
    header: &[String],
    columns: &Columns,
    problems: &mut Problems<'_>,
) -> bool {
    if field_count < header.len() {
        let missing: Vec<&str> = header[field_count..].iter().map(String::as_str).collect();
        let image_missing = columns.image >= field_count;
        let (severity, consequence) = if image_missing {
            (Severity::Skipped, "skipped")
        } else {
            (Severity::Warning, "loaded without them")
        };
        problems.add(
            locator,
            ProblemKind::MissingColumns,
            severity,
            format!(
                "the row has only {field_count} of the {} columns (no {}); {consequence}",
                header.len(),
                quoted_list(&missing)
            ),
        );
        if image_missing {
            return false;
        }
    } else if field_count > header.len() {
        problems.add(
            locator,
            ProblemKind::ExtraColumns,
            Severity::Warning,
            format!(
                "{field_count} fields but the header names {}; the extra fields were ignored \
                 (a comma inside a description needs the whole description in double quotes)",
                header.len()
            ),
        );
    }
    true
}

/// The fields other than the image and the description, by column name, empty ones left out.
fn read_attributes(
    record: &ByteRecord,
    header: &[String],
    columns: &Columns,
    lossy: &mut bool,
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    for (index, raw) in record.iter().enumerate().take(header.len()) {
        if index == columns.image || Some(index) == columns.description {
            continue;
        }
        let value = decode(raw, lossy);
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let key = if header[index].is_empty() {
            format!("column {}", index + 1)
        } else {
            header[index].clone()
        };
        attributes.insert(key, value.to_string());
    }
    attributes
}

/// Decodes a field, replacing invalid UTF-8 and noting that it did.
fn decode<'a>(raw: &'a [u8], lossy: &mut bool) -> Cow<'a, str> {
    let text = String::from_utf8_lossy(raw);
    if matches!(text, Cow::Owned(_)) {
        *lossy = true;
    }
    text
}

pub(super) fn decode_header(record: &ByteRecord, problems: &mut Problems<'_>) -> Vec<String> {
    let mut lossy = false;
    let header = record
        .iter()
        .map(|raw| decode(raw, &mut lossy).trim().to_string())
        .collect();
    if lossy {
        problems.add(
            Locator::Line(1),
            ProblemKind::NonUtf8Text,
            Severity::Warning,
            "the header is not UTF-8 text; unreadable characters were replaced with \u{FFFD}",
        );
    }
    header
}
