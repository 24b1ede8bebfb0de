//! Physical line numbers for CSV records, and spotting a quote left open.
//!
//! A stray `"` at the start of a field makes the CSV reader take everything up to the next `"`
//! (often the rest of the file, or the end of the next row) as one field. Such a field is
//! recognised by the whole rows it swallowed: a line inside it that has as many fields as the
//! header (counting, for its last line, the fields after the quote closed) and an image in the
//! image column (an image file name, a web address or a file that exists), or simply more lines
//! than any description has.

use std::path::Path;

use ::csv::ByteRecord;

use crate::catalogue::images::has_image_extension;

/// Lines inside one field beyond which it is taken for a quote left open, whatever they hold.
const MAX_FIELD_LINES: usize = 100;

/// Where each line of the file starts, to turn byte offsets into 1-based line numbers. Counting
/// `\n` only, so `\r\n` and `\n` files number their lines alike.
pub(super) struct LineCounter {
    /// Byte offsets of every `\n`.
    newlines: Vec<usize>,
    len_bytes: usize,
}

impl LineCounter {
    pub(super) fn new(bytes: &[u8]) -> Self {
        let newlines = bytes
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        LineCounter {
            newlines,
            len_bytes: bytes.len(),
        }
    }

    /// The 1-based line that byte `offset` is on.
    pub(super) fn line_at(&self, offset: usize) -> usize {
        1 + self.newlines.partition_point(|&newline| newline < offset)
    }

    /// The byte offset where 1-based `line` starts; the end of the file when there is no such
    /// line.
    pub(super) fn offset_of_line(&self, line: usize) -> usize {
        match line {
            0 | 1 => 0,
            n => self
                .newlines
                .get(n - 2)
                .map_or(self.len_bytes, |&newline| newline + 1),
        }
    }
}

/// The first byte at or after `offset` that is not a line break (records may be reported from
/// the blank line before them).
pub(super) fn skip_line_breaks(bytes: &[u8], offset: usize) -> usize {
    let rest = bytes.get(offset..).unwrap_or_default();
    offset
        + rest
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(rest.len())
}

/// A field that ran on over the following rows.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct RunawayField {
    /// Its position in the record.
    pub field: usize,
    /// Line breaks in the record before it, so its quote opens on the record's line plus this.
    pub lines_before: usize,
    /// Line breaks inside it.
    pub lines_inside: usize,
    /// The first line inside it that reads like a row of its own, counted from the quote's
    /// line (1: the next line); `None` when the field is only too long.
    pub first_row_after: Option<usize>,
}

/// The layout of the catalogue a runaway field is looked for in.
pub(super) struct RowShape<'a> {
    /// Fields in the header.
    pub header_len: usize,
    /// Position of the image column.
    pub image_column: usize,
    /// The field separator.
    pub delimiter: u8,
    /// The folder image paths resolve against.
    pub base_dir: &'a Path,
}

/// Finds a field of `record` that swallowed following rows, if there is one.
pub(super) fn find_runaway_field(
    record: &ByteRecord,
    shape: &RowShape<'_>,
) -> Option<RunawayField> {
    let mut lines_before = 0;
    for (field, raw) in record.iter().enumerate() {
        let lines_inside = raw.iter().filter(|&&b| b == b'\n').count();
        // The last line of the field continues with the record's fields after it.
        let fields_after = record.len() - field - 1;
        let first_row_after = (lines_inside > 0)
            .then(|| {
                raw.split(|&b| b == b'\n')
                    .enumerate()
                    .skip(1)
                    .find(|(n, line)| {
                        let extra = if *n == lines_inside { fields_after } else { 0 };
                        looks_like_row(line, extra, shape)
                    })
                    .map(|(n, _)| n)
            })
            .flatten();
        if lines_inside > MAX_FIELD_LINES || first_row_after.is_some() {
            return Some(RunawayField {
                field,
                lines_before,
                lines_inside,
                first_row_after,
            });
        }
        lines_before += lines_inside;
    }
    None
}

/// True when `line` (followed by `extra_fields` more fields) reads like a catalogue row of its
/// own: at least as many fields as the header, and an image in the image column.
fn looks_like_row(line: &[u8], extra_fields: usize, shape: &RowShape<'_>) -> bool {
    if shape.header_len < 2 {
        return false;
    }
    let fields: Vec<&[u8]> = line.split(|&b| b == shape.delimiter).collect();
    if fields.len() + extra_fields < shape.header_len {
        return false;
    }
    fields.get(shape.image_column).is_some_and(|raw| {
        let text = String::from_utf8_lossy(raw);
        let text = text.trim().trim_matches('"').trim();
        !text.is_empty()
            && !text.contains(char::is_whitespace)
            && (text.contains("://")
                || has_image_extension(Path::new(text))
                || shape.base_dir.join(text).is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_newlines_only() {
        let bytes = b"a\r\nb\r\n\r\nc";
        let lines = LineCounter::new(bytes);
        assert_eq!(lines.line_at(0), 1);
        assert_eq!(lines.line_at(3), 2);
        assert_eq!(lines.line_at(8), 4);
        assert_eq!(lines.offset_of_line(2), 3);
        assert_eq!(lines.offset_of_line(4), 8);
        assert_eq!(lines.offset_of_line(9), bytes.len());
        assert_eq!(skip_line_breaks(bytes, 6), 8);
    }

    fn shape(header_len: usize, base_dir: &Path) -> RowShape<'_> {
        RowShape {
            header_len,
            image_column: 0,
            delimiter: b',',
            base_dir,
        }
    }

    #[test]
    fn a_field_holding_whole_rows_is_a_runaway() {
        let here = Path::new(".");
        let record = ByteRecord::from(vec![&b"a.png"[..], b"Red dress\nb.png,Blue top\nc.png,Hat"]);
        assert_eq!(
            find_runaway_field(&record, &shape(2, here)),
            Some(RunawayField {
                field: 1,
                lines_before: 0,
                lines_inside: 2,
                first_row_after: Some(1),
            })
        );
        let two_paragraphs = ByteRecord::from(vec![&b"a.png"[..], b"Red dress.\nSlim fit, long"]);
        assert_eq!(find_runaway_field(&two_paragraphs, &shape(2, here)), None);
        let long = "line\n".repeat(MAX_FIELD_LINES + 1);
        let record = ByteRecord::from(vec!["a.png", long.as_str()]);
        let runaway = find_runaway_field(&record, &shape(2, here)).unwrap();
        assert_eq!(runaway.first_row_after, None);
    }

    #[test]
    fn a_row_closed_by_the_next_one_counts_the_fields_after_the_quote() {
        // image,description,price — `a.png,"Red,12` then `b,Blue top",13`: the swallowed
        // row's last field lies after the closing quote, and its image has no extension but
        // exists.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b"), b"x").unwrap();
        let record = ByteRecord::from(vec!["a.png", "Red,12\nb,Blue top", "13"]);
        let found = find_runaway_field(&record, &shape(3, dir.path())).unwrap();
        assert_eq!((found.field, found.first_row_after), (1, Some(1)));
        // Without the file, `b` is not an image reference.
        let elsewhere = tempfile::tempdir().unwrap();
        assert_eq!(
            find_runaway_field(&record, &shape(3, elsewhere.path())),
            None
        );
    }
}
