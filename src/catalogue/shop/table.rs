//! A shop's CSV (or TSV) file as its header and records, cells kept as the bytes in the file,
//! so an export can write every cell it does not change back exactly.

use std::borrow::Cow;

use ::csv::{ByteRecord, ReaderBuilder};

/// A delimited file: its header and its records with the line each starts on.
#[derive(Clone, Debug)]
pub struct Table {
    /// The field separator: `,` or a tab.
    pub delimiter: u8,
    /// The header's names, trimmed, decoded lossily.
    pub header: Vec<String>,
    /// The header exactly as in the file.
    pub header_record: ByteRecord,
    /// The data records, each with the 1-based line it starts on.
    pub records: Vec<(usize, ByteRecord)>,
}

impl Table {
    /// Reads a whole file (a UTF-8 byte order mark is dropped); the delimiter is a tab when
    /// the first line has one. An error says why the file is not a table.
    pub fn read(bytes: &[u8]) -> Result<Table, String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let delimiter = if first_line.contains(&b'\t') {
            b'\t'
        } else {
            b','
        };
        let mut reader = reader(bytes, delimiter);
        let mut header_record = ByteRecord::new();
        match reader.read_byte_record(&mut header_record) {
            Ok(true) => {}
            Ok(false) => return Err("it is empty".to_string()),
            Err(err) => return Err(format!("its header cannot be read ({err})")),
        }
        let header = header_record
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let mut records = Vec::new();
        loop {
            let mut record = ByteRecord::new();
            let line = usize::try_from(reader.position().line()).unwrap_or(0);
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    // Blank lines are not records.
                    if !(record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace)) {
                        records.push((line, record));
                    }
                }
                Ok(false) => break,
                Err(err) => return Err(format!("line {line} cannot be read ({err})")),
            }
        }
        Ok(Table {
            delimiter,
            header,
            header_record,
            records,
        })
    }

    /// The index of the first column named any of `names` (compared without case).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| {
            self.header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
        })
    }

    /// A record's cell, trimmed and decoded (lossily); empty when the column or cell is absent.
    pub fn cell<'a>(record: &'a ByteRecord, column: Option<usize>) -> Cow<'a, str> {
        match column.and_then(|c| record.get(c)) {
            Some(bytes) => match String::from_utf8_lossy(bytes) {
                Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
                Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
            },
            None => Cow::Borrowed(""),
        }
    }
}

/// The header of a delimited file, or `None` when its first record cannot be read.
pub(super) fn read_header(bytes: &[u8], delimiter: u8) -> Option<Vec<String>> {
    let mut record = ByteRecord::new();
    reader(bytes, delimiter)
        .read_byte_record(&mut record)
        .ok()
        .filter(|read| *read)?;
    Some(
        record
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect(),
    )
}

fn reader(bytes: &[u8], delimiter: u8) -> ::csv::Reader<&[u8]> {
    ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes)
}
