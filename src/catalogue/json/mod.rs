//! FEIDEGGER-style JSON catalogues: a list of entries such as
//! `{"url": "https://…/photo.jpg", "descriptions": ["…", "…"], "split": "0"}`.
//!
//! The image of an entry is the file named like the last segment of its URL, in the image
//! folder; several descriptions of one image are joined into one text.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::csv::{file_label, DESCRIPTION_COLUMNS, IMAGE_COLUMNS};
use super::error::CatalogueError;
use super::report::{ImportReport, ProblemKind, Severity};
use super::rows::{assemble, Locator, Problems, Row};
use super::{read_text_file, ImportOptions, Item};

use self::encoding::{invalid_utf8_lines, report_replacements};

mod encoding;

/// How an entry is expected to look, for error messages.
const EXPECTED_SHAPE: &str =
    "a list of entries like [{\"url\": \"https://…/photo.jpg\", \"descriptions\": [\"…\"]}]";

/// Reads a JSON catalogue; images are looked up in `image_dir`.
pub(crate) fn load_json(
    path: &Path,
    image_dir: &Path,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Item>, CatalogueError> {
    let bytes = read_text_file(path, EXPECTED_SHAPE)?;
    let bytes = bytes.as_slice();
    // Text saved in another encoding: decode lossily (`�`) and say where, entry by entry.
    let text = String::from_utf8_lossy(bytes);
    let bad_lines = invalid_utf8_lines(bytes);
    let value: Value = serde_json::from_str(&text).map_err(|err| CatalogueError::InvalidJson {
        path: path.to_path_buf(),
        line: err.line(),
        column: err.column(),
        message: err.to_string(),
    })?;
    let entries = match value {
        Value::Array(entries) => entries,
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(10).collect();
            return Err(CatalogueError::NotACatalogue {
                path: path.to_path_buf(),
                reason: format!(
                    "expected {EXPECTED_SHAPE}, found a single object with the keys {}",
                    super::error::quoted_list(&keys)
                ),
            });
        }
        other => {
            return Err(CatalogueError::NotACatalogue {
                path: path.to_path_buf(),
                reason: format!("expected {EXPECTED_SHAPE}, found {}", describe(&other)),
            });
        }
    };
    if entries.is_empty() {
        return Err(CatalogueError::Empty {
            path: path.to_path_buf(),
            expected: EXPECTED_SHAPE,
        });
    }

    let mut problems = Problems {
        report,
        source_name: file_label(path),
    };
    let keys = Keys::new(opts);
    let mut rows = Vec::with_capacity(entries.len());
    let mut bad_lines = bad_lines.into_iter();
    for (index, entry) in entries.iter().enumerate() {
        let locator = Locator::Entry(index + 1);
        report_replacements(entry, locator, &keys, &mut bad_lines, &mut problems);
        if let Some(row) = read_entry(entry, locator, &keys, image_dir, &mut problems) {
            rows.push(row);
        }
    }
    problems.report.rows_read = entries.len();
    Ok(assemble(rows, &mut problems))
}

/// Field names for the image and the description(s), in order of preference.
struct Keys {
    image: Vec<String>,
    description: Vec<String>,
}

impl Keys {
    fn new(opts: &ImportOptions) -> Self {
        let image = match &opts.image_column {
            Some(name) => vec![name.clone()],
            None => std::iter::once("url")
                .chain(IMAGE_COLUMNS)
                .map(String::from)
                .collect(),
        };
        let description = match &opts.description_column {
            Some(name) => vec![name.clone()],
            None => std::iter::once("descriptions")
                .chain(DESCRIPTION_COLUMNS)
                .map(String::from)
                .collect(),
        };
        Keys { image, description }
    }
}

/// Finds the first of `names` in the entry, comparing without case.
fn field<'a>(entry: &'a Map<String, Value>, names: &[String]) -> Option<(&'a str, &'a Value)> {
    names.iter().find_map(|name| {
        entry
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(key, value)| (key.as_str(), value))
    })
}

fn read_entry(
    entry: &Value,
    locator: Locator,
    keys: &Keys,
    image_dir: &Path,
    problems: &mut Problems<'_>,
) -> Option<Row> {
    let Value::Object(entry) = entry else {
        problems.add(
            locator,
            ProblemKind::MalformedEntry,
            Severity::Skipped,
            format!(
                "expected an object with \"url\" and \"descriptions\", found {}; skipped",
                describe(entry)
            ),
        );
        return None;
    };

    let Some((image_key, image_value)) = field(entry, &keys.image) else {
        problems.add(
            locator,
            ProblemKind::MissingColumns,
            Severity::Skipped,
            format!("no \"{}\" field naming the image; skipped", keys.image[0]),
        );
        return None;
    };
    let Value::String(image_ref) = image_value else {
        problems.add(
            locator,
            ProblemKind::MalformedEntry,
            Severity::Skipped,
            format!(
                "\"{image_key}\" should be text, found {}; skipped",
                describe(image_value)
            ),
        );
        return None;
    };
    let image_ref = image_ref.trim();
    if image_ref.is_empty() {
        problems.add(
            locator,
            ProblemKind::MissingImage,
            Severity::Skipped,
            format!("\"{image_key}\" is empty; skipped"),
        );
        return None;
    }
    let image_path = problems.resolve_row_image(locator, image_ref, image_dir)?;

    let description_field = field(entry, &keys.description);
    let (mut texts, non_text) = description_texts(description_field.map(|(_, value)| value));
    if non_text {
        let key = description_field.map_or("descriptions", |(key, _)| key);
        problems.add(
            locator,
            ProblemKind::MalformedEntry,
            Severity::Warning,
            format!("\"{key}\" should be text or a list of texts; the rest was ignored"),
        );
    }
    texts.retain(|text| !text.is_empty());
    let mut description = texts.join(" ");
    if description.is_empty() {
        problems.empty_description(locator, image_ref);
    }
    let raw_len = description.len();
    if let Some(message) = super::rows::cut_description(&mut description, raw_len) {
        problems.add(
            locator,
            ProblemKind::LongDescription,
            Severity::Warning,
            message,
        );
    }

    let description_key = description_field.map(|(key, _)| key);
    let attributes = scalar_attributes(entry, image_key, description_key);

    Some(Row {
        locator,
        id: image_ref.to_string(),
        image_path,
        description,
        attributes,
    })
}

/// The texts of a description field (text, or a list of texts; nulls skipped), and whether
/// anything else was in it.
fn description_texts(value: Option<&Value>) -> (Vec<&str>, bool) {
    let mut texts = Vec::new();
    let mut non_text = false;
    match value {
        Some(Value::String(text)) => texts.push(text.trim()),
        Some(Value::Array(list)) => {
            for item in list {
                match item {
                    Value::String(text) => texts.push(text.trim()),
                    Value::Null => {}
                    _ => non_text = true,
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => non_text = true,
    }
    (texts, non_text)
}

/// The entry's text, number and true/false fields other than the image and description.
fn scalar_attributes(
    entry: &Map<String, Value>,
    image_key: &str,
    description_key: Option<&str>,
) -> BTreeMap<String, String> {
    let mut attributes = BTreeMap::new();
    for (key, value) in entry {
        if key == image_key || Some(key.as_str()) == description_key {
            continue;
        }
        let text = match value {
            Value::String(text) => text.trim().to_string(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            // Nested values have no place in flat attributes.
            Value::Null | Value::Array(_) | Value::Object(_) => continue,
        };
        if !text.is_empty() {
            attributes.insert(key.clone(), text);
        }
    }
    attributes
}

/// `a number`, `a list`, ... for messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
