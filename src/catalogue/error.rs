//! Fatal import errors: the catalogue cannot be read at all.
//!
//! Problems with single rows are not errors; they go into the
//! [`ImportReport`](super::ImportReport) and the good rows still load.

use std::path::PathBuf;

/// Why a catalogue could not be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Nothing exists at the given path.
    #[error(
        "no catalogue at {}: nothing exists there. Choose a CSV file, a JSON file or a folder of \
         images",
        path.display()
    )]
    NotFound {
        /// The path that was asked for.
        path: PathBuf,
    },

    /// The file or folder exists but could not be read.
    #[error("could not read {}: {source}", path.display())]
    Unreadable {
        /// The file or folder that failed.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The file has no rows or entries at all.
    #[error("{} is empty: expected {expected}", path.display())]
    Empty {
        /// The catalogue file.
        path: PathBuf,
        /// What a catalogue of this format should contain, in plain words.
        expected: &'static str,
    },

    /// A CSV file whose header has no column that names the images.
    #[error(
        "{} is not a catalogue: no column names the image files. Its first line has the columns \
         {found}; vitrine looks for one called {expected} (any case), or a column named in the \
         import options. The first line must be a header that names the columns",
        path.display()
    )]
    NoImageColumn {
        /// The CSV file.
        path: PathBuf,
        /// The header's column names, quoted and comma-separated.
        found: String,
        /// The accepted image column names, quoted and comma-separated.
        expected: String,
    },

    /// A column named in [`ImportOptions`](super::ImportOptions) is not in the header.
    #[error(
        "{} has no column called \"{column}\" (asked for as the {role} column); its columns are \
         {found}",
        path.display()
    )]
    ColumnNotFound {
        /// The CSV file.
        path: PathBuf,
        /// `image` or `description`.
        role: &'static str,
        /// The name that was asked for.
        column: String,
        /// The header's column names, quoted and comma-separated.
        found: String,
    },

    /// The file is not valid JSON.
    #[error(
        "{} is not valid JSON (line {line}, column {column}): {message}",
        path.display()
    )]
    InvalidJson {
        /// The JSON file.
        path: PathBuf,
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// What the parser said.
        message: String,
    },

    /// The file is something other than a catalogue (wrong JSON shape, an image, ...).
    #[error("{} is not a catalogue: {reason}", path.display())]
    NotACatalogue {
        /// The file that was opened.
        path: PathBuf,
        /// What was found and what was expected instead.
        reason: String,
    },

    /// A folder (and its subfolders) without a single JPEG, PNG or WebP image.
    #[error(
        "{} holds no images: expected JPEG, PNG or WebP files (.jpg, .jpeg, .png, .webp) in it \
         or its subfolders",
        path.display()
    )]
    NoImages {
        /// The folder.
        path: PathBuf,
    },

    /// The embedded demo catalogue could not be written out.
    #[error("could not set up the demo catalogue in {}: {source}", path.display())]
    DemoSetup {
        /// The file or folder that could not be written.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// Quotes and joins column names for error messages, shortening very long ones.
pub(crate) fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    const MAX_NAMES: usize = 20;
    const MAX_CHARS: usize = 40;
    let mut parts: Vec<String> = names
        .iter()
        .take(MAX_NAMES)
        .map(|name| {
            let name = name.as_ref();
            if name.chars().count() > MAX_CHARS {
                let short: String = name.chars().take(MAX_CHARS).collect();
                format!("\"{short}…\"")
            } else {
                format!("\"{name}\"")
            }
        })
        .collect();
    if names.len() > MAX_NAMES {
        parts.push(format!("and {} more", names.len() - MAX_NAMES));
    }
    if parts.is_empty() {
        "(none)".to_string()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_list_quotes_and_shortens() {
        assert_eq!(quoted_list(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(quoted_list::<&str>(&[]), "(none)");
        let long = "x".repeat(50);
        assert_eq!(quoted_list(&[long]), format!("\"{}…\"", "x".repeat(40)));
        let many: Vec<String> = (0..25).map(|i| i.to_string()).collect();
        assert!(quoted_list(&many).ends_with("\"19\", and 5 more"));
    }

    #[test]
    fn messages_name_the_file_and_what_was_expected() {
        let err = CatalogueError::NoImageColumn {
            path: PathBuf::from("shop.csv"),
            found: quoted_list(&["name", "price"]),
            expected: quoted_list(&["image", "file"]),
        };
        let text = err.to_string();
        assert!(text.starts_with("shop.csv is not a catalogue"));
        assert!(text.contains("\"name\", \"price\""));
        assert!(text.contains("\"image\", \"file\""));
    }
}
