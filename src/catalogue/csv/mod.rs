//! CSV catalogues: a header line, one garment per row, an image column and a description column.
//!
//! Fields are read as bytes so a file saved in another encoding still loads: invalid UTF-8 is
//! replaced with `�` and reported.

use std::path::Path;

use ::csv::{ByteRecord, ReaderBuilder};

use super::error::{quoted_list, CatalogueError};
use super::report::{ImportReport, ProblemKind, Severity};
use super::rows::{assemble, Locator, Problems, Row};
use super::{read_text_file, ImportOptions, Item};

use self::quotes::{find_runaway_field, skip_line_breaks, LineCounter, RowShape, RunawayField};
use self::record::{decode_header, read_row};

mod quotes;
mod record;

/// Header names (compared without case) that mark the image column, in order of preference.
pub const IMAGE_COLUMNS: [&str; 7] = [
    "image",
    "image_path",
    "img",
    "file",
    "filename",
    "path",
    "url",
];

/// Header names (compared without case) that mark the description column, in order of
/// preference.
pub const DESCRIPTION_COLUMNS: [&str; 5] =
    ["description", "desc", "text", "detail_desc", "caption"];

/// Reads a CSV catalogue; image paths resolve against `base_dir`.
pub(crate) fn load_csv(
    path: &Path,
    base_dir: &Path,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Item>, CatalogueError> {
    let bytes = read_text_file(
        path,
        "a header line naming the columns (for example image,description) and one line per \
         garment",
    )?;
    let bytes = bytes.as_slice();

    let delimiter = sniff_delimiter(path, bytes);
    let mut header_reader = reader_for(bytes, delimiter);
    let mut header_record = ByteRecord::new();
    let header_read = header_reader.read_byte_record(&mut header_record);
    if let Err(err) = header_read {
        return Err(CatalogueError::NotACatalogue {
            path: path.to_path_buf(),
            reason: format!("its first line could not be read as CSV: {err}"),
        });
    }
    let data_start = usize::try_from(header_reader.position().byte()).unwrap_or(bytes.len());

    let mut problems = Problems {
        report,
        source_name: file_label(path),
    };
    let header = decode_header(&header_record, &mut problems);
    let columns = Columns::find(path, &header, opts)?;
    if columns.description.is_none() {
        problems.add(
            Locator::Line(1),
            ProblemKind::MissingColumns,
            Severity::Warning,
            format!(
                "no description column (looked for {}; found {}); items load without \
                 descriptions, so no tags can be learned. Name the column in the import \
                 options if it is called something else",
                quoted_list(&DESCRIPTION_COLUMNS),
                quoted_list(&header)
            ),
        );
    }

    let table = Table {
        bytes,
        delimiter,
        header: &header,
        columns: &columns,
        base_dir,
    };
    let mut rows = Vec::new();
    let rows_read = table.read_rows(data_start, &mut rows, &mut problems);
    problems.report.rows_read = rows_read;
    if rows_read == 0 {
        problems.add(
            Locator::Line(1),
            ProblemKind::NoRows,
            Severity::Warning,
            "the file has a header line but no rows of garments under it, so nothing was \
             loaded",
        );
    }
    let items = assemble(rows, &mut problems);
    Ok(items)
}

/// A CSV reader over `bytes` that treats every line as data (the header is read as a record
/// too) and accepts rows of any length.
fn reader_for(bytes: &[u8], delimiter: u8) -> ::csv::Reader<&[u8]> {
    ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(bytes)
}

/// The data part of a CSV file and what is needed to turn its records into rows.
struct Table<'a> {
    bytes: &'a [u8],
    delimiter: u8,
    header: &'a [String],
    columns: &'a Columns,
    base_dir: &'a Path,
}

impl Table<'_> {
    /// Reads every record from byte `start` on into `rows`; returns how many non-blank records
    /// were read. A quote left open that swallows the following rows is reported, its row is
    /// loaded from its own lines (the quote closed at the end of its line), and reading starts
    /// again on the line after the quote, so the rows it swallowed load too.
    fn read_rows(&self, start: usize, rows: &mut Vec<Row>, problems: &mut Problems<'_>) -> usize {
        let mut rows_read = 0usize;
        let lines = LineCounter::new(self.bytes);
        let mut segment_start = start;
        'segments: while segment_start < self.bytes.len() {
            let mut reader = reader_for(&self.bytes[segment_start..], self.delimiter);
            let mut record = ByteRecord::new();
            loop {
                match reader.read_byte_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => break 'segments,
                    // Reading from memory with flexible rows cannot fail; stop rather than
                    // loop if it does.
                    Err(err) => {
                        let offset = err.position().map_or(0, |p| p.byte() as usize);
                        problems.add(
                            Locator::Line(lines.line_at(segment_start + offset)),
                            ProblemKind::MissingColumns,
                            Severity::Skipped,
                            format!("the rest of the file could not be read as CSV: {err}"),
                        );
                        break 'segments;
                    }
                }
                if record.iter().all(|field| field.trim_ascii().is_empty()) {
                    continue;
                }
                rows_read += 1;
                let record_start = segment_start
                    + record
                        .position()
                        .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
                let record_start = skip_line_breaks(self.bytes, record_start);
                let line = lines.line_at(record_start);
                let locator = Locator::Line(line);
                let shape = RowShape {
                    header_len: self.header.len(),
                    image_column: self.columns.image,
                    delimiter: self.delimiter,
                    base_dir: self.base_dir,
                };
                if let Some(runaway) = find_runaway_field(&record, &shape) {
                    let quote_line = line + runaway.lines_before;
                    let next_line = lines.offset_of_line(quote_line + 1);
                    let own_lines = &self.bytes[record_start..next_line.max(record_start)];
                    let row = self.row_cut_at_line(own_lines, locator, problems);
                    self.report_runaway(&runaway, quote_line, row.is_some(), problems);
                    rows.extend(row);
                    segment_start = next_line;
                    continue 'segments;
                }
                if let Some(row) = read_row(
                    &record,
                    locator,
                    self.header,
                    self.columns,
                    self.base_dir,
                    problems,
                ) {
                    rows.push(row);
                }
            }
        }
        rows_read
    }

    /// The row of a record whose quote ran away, read from its own lines only: the quote is
    /// closed at the end of its line.
    fn row_cut_at_line(
        &self,
        own_lines: &[u8],
        locator: Locator,
        problems: &mut Problems<'_>,
    ) -> Option<Row> {
        let text = own_lines.strip_suffix(b"\n").unwrap_or(own_lines);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let mut closed = text.to_vec();
        closed.push(b'"');
        let mut record = ByteRecord::new();
        match reader_for(&closed, self.delimiter).read_byte_record(&mut record) {
            Ok(true) => read_row(
                &record,
                locator,
                self.header,
                self.columns,
                self.base_dir,
                problems,
            ),
            _ => None,
        }
    }

    fn report_runaway(
        &self,
        runaway: &RunawayField,
        quote_line: usize,
        loaded: bool,
        problems: &mut Problems<'_>,
    ) {
        let column = self
            .header
            .get(runaway.field)
            .filter(|name| !name.is_empty())
            .map_or_else(
                || format!("column {}", runaway.field + 1),
                |name| format!("\"{name}\""),
            );
        let swallowed = match runaway.first_row_after {
            Some(after) => format!(
                "so line {} (which reads as a row of its own) was read into that field",
                quote_line + after
            ),
            None => format!(
                "so the next {} lines were read into that field",
                runaway.lines_inside
            ),
        };
        let (severity, this_row) = if loaded {
            (
                Severity::Warning,
                "this row was loaded with the text on its own line",
            )
        } else {
            (Severity::Skipped, "this row was skipped")
        };
        problems.add(
            Locator::Line(quote_line),
            ProblemKind::UnclosedQuote,
            severity,
            format!(
                "the double quote (\") that opens the {column} field is not closed on its line, \
                 {swallowed}; {this_row}, and the lines after it were read as rows of their own \
                 (a quote inside a quoted field is written \"\")"
            ),
        );
    }
}

/// Which header positions hold the image and the description.
struct Columns {
    image: usize,
    description: Option<usize>,
}

impl Columns {
    fn find(path: &Path, header: &[String], opts: &ImportOptions) -> Result<Self, CatalogueError> {
        let position = |name: &str| {
            header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name.trim()))
        };
        let named = |role: &'static str, name: &str| {
            position(name).ok_or_else(|| CatalogueError::ColumnNotFound {
                path: path.to_path_buf(),
                role,
                column: name.to_string(),
                found: quoted_list(header),
            })
        };
        let image = match &opts.image_column {
            Some(name) => named("image", name)?,
            None => IMAGE_COLUMNS
                .iter()
                .find_map(|name| position(name))
                .ok_or_else(|| CatalogueError::NoImageColumn {
                    path: path.to_path_buf(),
                    found: quoted_list(header),
                    expected: quoted_list(&IMAGE_COLUMNS),
                })?,
        };
        let description = match &opts.description_column {
            Some(name) => Some(named("description", name)?),
            None => DESCRIPTION_COLUMNS.iter().find_map(|name| position(name)),
        };
        Ok(Columns { image, description })
    }
}

/// Picks the field separator: tab for `.tsv`, otherwise whichever of `,` `;` tab appears most
/// in the header line (spreadsheets in many locales save with `;`), comma on a tie.
fn sniff_delimiter(path: &Path, bytes: &[u8]) -> u8 {
    let is_tsv = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    if is_tsv {
        return b'\t';
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |sep: u8| first_line.iter().filter(|&&b| b == sep).count();
    let mut best = (b',', count(b','));
    for sep in [b';', b'\t'] {
        let n = count(sep);
        if n > best.1 {
            best = (sep, n);
        }
    }
    best.0
}

/// The file name for messages, falling back to the whole path.
pub(crate) fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests;
