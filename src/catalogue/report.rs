//! The import report: every problem found while reading a catalogue, with where it is.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What went wrong with one row, entry or image of a catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProblemKind {
    /// The image file named by the row does not exist.
    MissingImage,
    /// The image file exists but cannot be opened or its header is damaged.
    UnreadableImage,
    /// The file is an image of a kind vitrine does not read (only JPEG, PNG and WebP).
    UnsupportedImageType,
    /// The image is over vitrine's limits (file size, pixels per side, memory to decode); it
    /// was refused from its header without decoding.
    ImageTooLarge,
    /// The row has no description; the item loads but teaches no tags.
    EmptyDescription,
    /// The description is not valid UTF-8; unreadable bytes were replaced with `�`.
    NonUtf8Description,
    /// Another field (image path, attribute, header) is not valid UTF-8 and was decoded lossily.
    NonUtf8Text,
    /// The same image is listed twice; the later row is skipped.
    DuplicateImage,
    /// The row has fewer fields than the header, or a needed field or column is absent.
    MissingColumns,
    /// The row has more fields than the header (often an unquoted comma); extras are ignored.
    ExtraColumns,
    /// A JSON entry is not an object or has a field of the wrong type.
    MalformedEntry,
    /// A CSV field opens a double quote that its line does not close, so it swallowed the
    /// following rows; the row is loaded from its own line and the rows after it are read on
    /// their own.
    UnclosedQuote,
    /// A relative image path leads out of the catalogue's folder (`../`); the item loads.
    OutsideCatalogue,
    /// The description is longer than [`MAX_DESCRIPTION_CHARS`](super::MAX_DESCRIPTION_CHARS);
    /// the item loads with its beginning.
    LongDescription,
    /// The file has a header but no rows: nothing to load.
    NoRows,
    /// A photo named by web address could not be downloaded (or, offline, is not cached).
    DownloadFailed,
}

impl ProblemKind {
    /// A short lowercase label for lists and logs, e.g. `missing image`.
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::MissingImage => "missing image",
            ProblemKind::UnreadableImage => "unreadable image",
            ProblemKind::UnsupportedImageType => "unsupported image type",
            ProblemKind::ImageTooLarge => "image too large",
            ProblemKind::EmptyDescription => "empty description",
            ProblemKind::NonUtf8Description => "non-UTF-8 description",
            ProblemKind::NonUtf8Text => "non-UTF-8 text",
            ProblemKind::DuplicateImage => "duplicate image",
            ProblemKind::MissingColumns => "missing columns",
            ProblemKind::ExtraColumns => "extra columns",
            ProblemKind::MalformedEntry => "malformed entry",
            ProblemKind::UnclosedQuote => "unclosed quote",
            ProblemKind::OutsideCatalogue => "outside the catalogue folder",
            ProblemKind::LongDescription => "description cut",
            ProblemKind::NoRows => "no rows",
            ProblemKind::DownloadFailed => "download failed",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How much a problem cost: whether the row still became an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// The item was loaded anyway (for instance without a description).
    Warning,
    /// The row was left out of the catalogue.
    Skipped,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Skipped => "skipped",
        })
    }
}

/// One problem found while importing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where it is, 1-based: for CSV the physical line where the record starts (the header is
    /// line 1); for JSON the entry's position in the list; `None` for plain folders and for
    /// problems that concern the whole file. The message says which of these it is.
    pub line: Option<usize>,
    /// What went wrong.
    pub kind: ProblemKind,
    /// Whether the row was still loaded.
    pub severity: Severity,
    /// A plain-words explanation that names the catalogue file (and the image, when relevant).
    pub message: String,
}

impl fmt::Display for Problem {
    /// The message alone: it already says where the problem is and what became of the row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What an import did: rows read, items loaded, and every problem on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Every problem, ordered by line (entry) number, in the order found within a line.
    pub problems: Vec<Problem>,
    /// Data rows (CSV records, JSON entries, image files in a folder) that were read.
    pub rows_read: usize,
    /// Items that made it into the catalogue.
    pub items_loaded: usize,
    /// Facts about the whole catalogue that are not problems, e.g. that a plain folder has no
    /// descriptions so no tags can be learned from it.
    pub notes: Vec<String>,
}

impl ImportReport {
    /// True when no problem at all was found (notes do not count).
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Problems whose row was left out.
    pub fn skipped(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Skipped)
    }

    /// Problems whose item was loaded anyway.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }

    /// Problems of one kind.
    pub fn of_kind(&self, kind: ProblemKind) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.kind == kind)
    }

    /// One line for a status bar, e.g. `238 of 240 items loaded; 2 skipped, 1 warning`.
    pub fn summary(&self) -> String {
        let skipped = self.skipped().count();
        let warnings = self.warnings().count();
        let mut line = format!(
            "{} of {} {} loaded",
            self.items_loaded,
            self.rows_read,
            plural(self.rows_read, "item", "items")
        );
        if self.is_clean() {
            line.push_str(", no problems");
        } else {
            let mut parts = Vec::new();
            if skipped > 0 {
                parts.push(format!("{skipped} skipped"));
            }
            if warnings > 0 {
                parts.push(format!(
                    "{warnings} {}",
                    plural(warnings, "warning", "warnings")
                ));
            }
            line.push_str("; ");
            line.push_str(&parts.join(", "));
        }
        if !self.notes.is_empty() {
            line.push_str(&format!(
                " ({} {})",
                self.notes.len(),
                plural(self.notes.len(), "note", "notes")
            ));
        }
        line
    }

    /// Appends a problem.
    pub(crate) fn push(
        &mut self,
        line: Option<usize>,
        kind: ProblemKind,
        severity: Severity,
        message: String,
    ) {
        self.problems.push(Problem {
            line,
            kind,
            severity,
            message,
        });
    }

    /// Orders problems by line; problems without a line keep their order, after the others.
    pub(crate) fn sort(&mut self) {
        self.problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

impl fmt::Display for ImportReport {
    /// The summary line, then one line per note and per problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary())?;
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: Option<usize>, kind: ProblemKind, severity: Severity) -> Problem {
        Problem {
            line,
            kind,
            severity,
            message: format!("line {line:?} of test.csv: {kind}"),
        }
    }

    #[test]
    fn clean_report_says_so() {
        let report = ImportReport {
            rows_read: 240,
            items_loaded: 240,
            ..Default::default()
        };
        assert!(report.is_clean());
        assert_eq!(report.summary(), "240 of 240 items loaded, no problems");
        assert_eq!(report.to_string(), report.summary());
    }

    #[test]
    fn summary_counts_skipped_and_warnings() {
        let report = ImportReport {
            problems: vec![
                problem(Some(3), ProblemKind::MissingImage, Severity::Skipped),
                problem(Some(4), ProblemKind::EmptyDescription, Severity::Warning),
                problem(Some(5), ProblemKind::NonUtf8Description, Severity::Warning),
            ],
            rows_read: 5,
            items_loaded: 4,
            notes: vec!["something to know".into()],
        };
        assert!(!report.is_clean());
        assert_eq!(
            report.summary(),
            "4 of 5 items loaded; 1 skipped, 2 warnings (1 note)"
        );
        let listing = report.to_string();
        assert_eq!(listing.lines().count(), 5);
        assert!(listing.contains("\n  note: something to know"));
        assert!(listing.contains("\n  - line Some(3) of test.csv: missing image"));
        assert_eq!(report.of_kind(ProblemKind::EmptyDescription).count(), 1);
    }

    #[test]
    fn sort_orders_by_line_and_keeps_lineless_last() {
        let mut report = ImportReport::default();
        report.push(
            None,
            ProblemKind::UnreadableImage,
            Severity::Skipped,
            "a".into(),
        );
        report.push(
            Some(9),
            ProblemKind::MissingImage,
            Severity::Skipped,
            "b".into(),
        );
        report.push(
            Some(2),
            ProblemKind::EmptyDescription,
            Severity::Warning,
            "c".into(),
        );
        report.push(
            Some(9),
            ProblemKind::EmptyDescription,
            Severity::Warning,
            "d".into(),
        );
        report.sort();
        let order: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(order, ["c", "b", "d", "a"]);
    }
}
