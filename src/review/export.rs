//! `vitrine export tags` and the window's *Export…*: every item's tags written as CSV or JSON
//! Lines, chosen by the file's extension.
//!
//! CSV (`.csv`), one row per item, with a header:
//!
//! | column | holds |
//! |---|---|
//! | `id` | the item's catalogue id (its image path as the catalogue names it) |
//! | `split` | `train`, `validation` or `none`: the item's part of the model's split |
//! | `description_tags` | tags from its description, joined by `\|` |
//! | `corrected_tags` | its tags after your corrections, joined by `\|` (what training learns) |
//! | `checked_by_user` | `yes` when you corrected any of its tags, else `no` |
//! | `added_by_user`, `removed_by_user` | the tags your corrections added or removed |
//! | `predicted_tags` | tags the model predicts (at its threshold or above), most probable first |
//! | `predicted_probabilities` | the same tags as `tag:0.873`, joined by `\|` |
//!
//! JSON Lines (`.jsonl`, `.ndjson`): one [`TagRecord`] object per line, with the same fields
//! (lists as arrays, `predicted` as `{"tag", "probability"}` objects) plus `probabilities`, the
//! model's probability of every vocabulary tag.

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::TagRecord;
use crate::durable;

/// The file formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values with a header.
    Csv,
    /// One JSON object per line.
    JsonLines,
}

/// Why an export could not be written.
#[derive(Debug, Error)]
pub enum ExportError {
    /// The file name does not say which format to write.
    #[error(
        "cannot tell which format to write from the name {}: use a name ending in .csv (CSV) \
         or .jsonl (JSON Lines)",
        path.display()
    )]
    UnknownFormat {
        /// The file asked for.
        path: PathBuf,
    },
    /// Writing failed.
    #[error("cannot write {}: {message}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

impl ExportFormat {
    /// The format a file name asks for, by its extension (any case).
    pub fn of_path(path: &Path) -> Result<Self, ExportError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(ExportFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(ExportFormat::JsonLines),
            _ => Err(ExportError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// The CSV header.
pub const CSV_COLUMNS: [&str; 9] = [
    "id",
    "split",
    "description_tags",
    "corrected_tags",
    "checked_by_user",
    "added_by_user",
    "removed_by_user",
    "predicted_tags",
    "predicted_probabilities",
];

/// The records in `format`, as bytes.
pub fn render(records: &[TagRecord], format: ExportFormat) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    render_to(records, format, &mut out).map_err(|e| durable::describe_io(&e))?;
    Ok(out)
}

/// Writes the records in `format` to `out`, one record at a time.
pub fn render_to(
    records: &[TagRecord],
    format: ExportFormat,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ExportFormat::Csv => render_csv(records, out),
        ExportFormat::JsonLines => {
            for record in records {
                serde_json::to_writer(&mut *out, record)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
    }
}

fn render_csv(records: &[TagRecord], out: &mut dyn Write) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    for r in records {
        let probabilities: Vec<String> = r
            .predicted
            .iter()
            .map(|t| format!("{}:{:.3}", t.tag, t.probability))
            .collect();
        let predicted: Vec<&str> = r.predicted.iter().map(|t| t.tag.as_str()).collect();
        writer.write_record([
            r.id.as_str(),
            r.split.as_str(),
            &r.description_tags.join("|"),
            &r.corrected_tags.join("|"),
            if r.checked_by_user { "yes" } else { "no" },
            &r.added_by_user.join("|"),
            &r.removed_by_user.join("|"),
            &predicted.join("|"),
            &probabilities.join("|"),
        ])?;
    }
    writer.flush()
}

/// Writes the records to `path` crash-safely (streamed into a temporary file beside it that
/// replaces it once complete; a symbolic link's destination is written), in the format its
/// extension names; returns the format written.
pub fn write(path: &Path, records: &[TagRecord]) -> Result<ExportFormat, ExportError> {
    let format = ExportFormat::of_path(path)?;
    let failed = |e: std::io::Error| ExportError::Write {
        path: path.to_path_buf(),
        message: durable::describe_io(&e),
    };
    let mut file = durable::AtomicFile::create(path).map_err(failed)?;
    render_to(records, format, &mut file).map_err(failed)?;
    file.commit().map_err(failed)?;
    Ok(format)
}
