//! What every format produces before validation (rows), and the shared steps that turn rows into
//! items: resolving image references, skipping duplicates and checking the image files.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use super::images::check_images;
use super::report::{ImportReport, ProblemKind, Severity};
use super::Item;

/// Where a row sits in its source, for problem messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Locator {
    /// CSV: the 1-based physical line where the record starts.
    Line(usize),
    /// JSON: the 1-based position of the entry in the list.
    Entry(usize),
    /// A file found in a plain folder.
    InFolder,
}

impl Locator {
    /// The number stored in [`Problem::line`](super::Problem::line).
    pub(crate) fn number(self) -> Option<usize> {
        match self {
            Locator::Line(n) | Locator::Entry(n) => Some(n),
            Locator::InFolder => None,
        }
    }

    /// `line 7` / `entry 7` / `folder`.
    pub(crate) fn short(self) -> String {
        match self {
            Locator::Line(n) => format!("line {n}"),
            Locator::Entry(n) => format!("entry {n}"),
            Locator::InFolder => "folder".to_string(),
        }
    }

    /// `line 7 of shop.csv` / `entry 7 of feidegger.json` / `folder photos`.
    pub(crate) fn place(self, source_name: &str) -> String {
        match self {
            Locator::Line(_) | Locator::Entry(_) => format!("{} of {source_name}", self.short()),
            Locator::InFolder => format!("folder {source_name}"),
        }
    }
}

/// The longest description kept, in characters: a longer one is cut to its beginning and
/// reported, so a runaway or machine-made description cannot make tagging and training use
/// memory out of proportion to the catalogue.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// The raw bytes of a description worth decoding: at most [`MAX_DESCRIPTION_CHARS`] characters
/// of UTF-8 (4 bytes each at most), cut before a character's first byte, so an enormous field
/// is never decoded whole.
pub(crate) fn description_prefix(raw: &[u8]) -> &[u8] {
    let limit = MAX_DESCRIPTION_CHARS * 4;
    if raw.len() <= limit {
        return raw;
    }
    let mut end = limit;
    // UTF-8 continuation bytes are 0b10xx_xxxx.
    while end > 0 && raw[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    &raw[..end]
}

/// Cuts `description` to [`MAX_DESCRIPTION_CHARS`]; returns the message to report when it
/// was longer (`raw_len`: its length in bytes as written).
pub(crate) fn cut_description(description: &mut String, raw_len: usize) -> Option<String> {
    let cut_at = description
        .char_indices()
        .nth(MAX_DESCRIPTION_CHARS)
        .map(|(at, _)| at)?;
    description.truncate(cut_at);
    Some(format!(
        "the description is {raw_len} bytes long, more than the {MAX_DESCRIPTION_CHARS} \
         characters vitrine keeps; its first {MAX_DESCRIPTION_CHARS} characters were loaded"
    ))
}

/// One catalogue row read from its source, before its image is checked.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub locator: Locator,
    /// The image reference exactly as written; becomes [`Item::id`].
    pub id: String,
    /// Where the image should be, absolute when the catalogue's folder is.
    pub image_path: PathBuf,
    pub description: String,
    pub attributes: BTreeMap<String, String>,
}

/// Collects problems for one source file, naming it in every message.
pub(crate) struct Problems<'a> {
    pub report: &'a mut ImportReport,
    /// File name (or folder name) used in messages.
    pub source_name: String,
}

impl Problems<'_> {
    /// Records a problem at `locator`; `text` follows the place, e.g. `line 4 of a.csv: {text}`.
    pub(crate) fn add(
        &mut self,
        locator: Locator,
        kind: ProblemKind,
        severity: Severity,
        text: impl AsRef<str>,
    ) {
        let message = format!("{}: {}", locator.place(&self.source_name), text.as_ref());
        self.report.push(locator.number(), kind, severity, message);
    }

    /// Resolves a row's image reference (see [`resolve_image`]); a reference that cannot name
    /// a file is reported and the row skipped (`None`).
    pub(crate) fn resolve_row_image(
        &mut self,
        locator: Locator,
        reference: &str,
        base_dir: &Path,
    ) -> Option<PathBuf> {
        match resolve_image(reference, base_dir) {
            Ok(path) => {
                let folder = normalise(base_dir);
                if is_relative_path(reference) && !path.starts_with(&folder) {
                    self.add(
                        locator,
                        ProblemKind::OutsideCatalogue,
                        Severity::Warning,
                        format!(
                            "image \"{reference}\" lies outside the catalogue folder {} (the \
                             path leads out of it with ../)",
                            folder.display()
                        ),
                    );
                }
                Some(path)
            }
            Err(reason) => {
                self.add(
                    locator,
                    ProblemKind::MissingImage,
                    Severity::Skipped,
                    format!("{reason}; skipped"),
                );
                None
            }
        }
    }

    /// Reports that the row for `image_ref` has no description (the item still loads).
    pub(crate) fn empty_description(&mut self, locator: Locator, image_ref: &str) {
        self.add(
            locator,
            ProblemKind::EmptyDescription,
            Severity::Warning,
            format!("image \"{image_ref}\" has no description; it loads without tags"),
        );
    }
}

/// Resolves an image reference from a catalogue to a file path.
///
/// `http(s)://host/dir/name.jpg?size=2` becomes `base_dir/name.jpg` (catalogues that list web
/// addresses are used with the images downloaded next to them); `file:///x/y.jpg` becomes
/// `/x/y.jpg`; relative paths are taken from `base_dir`; absolute paths are kept. The result is
/// normalised (`.` and `..` removed) so the same file written two ways is found as a duplicate.
pub(crate) fn resolve_image(reference: &str, base_dir: &Path) -> Result<PathBuf, String> {
    let reference = reference.trim();
    if let Some((scheme, rest)) = reference.split_once("://") {
        if scheme.eq_ignore_ascii_case("file") {
            return Ok(normalise(Path::new(rest)));
        }
        let without_query = rest.split(['?', '#']).next().unwrap_or_default();
        let name = without_query.rsplit('/').next().unwrap_or_default();
        // `https://host` alone has no path at all.
        if name.is_empty() || !without_query.contains('/') {
            return Err(format!(
                "the address \"{reference}\" does not end in a file name"
            ));
        }
        return Ok(normalise(&base_dir.join(name)));
    }
    Ok(normalise(&base_dir.join(reference)))
}

/// True for a reference that is a plain relative path (not absolute, not an address).
fn is_relative_path(reference: &str) -> bool {
    !reference.contains("://") && Path::new(reference.trim()).is_relative()
}

/// Removes `.` components and folds `..` into the component before it, without touching disk.
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_name =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_name {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Turns rows into items: skips later duplicates of an image, checks every remaining image file,
/// records problems (sorted by line), and keeps the rows' order.
pub(crate) fn assemble(rows: Vec<Row>, problems: &mut Problems<'_>) -> Vec<Item> {
    let rows = fetch_web_photos(rows, problems);
    let mut first_seen: HashMap<PathBuf, Locator> = HashMap::with_capacity(rows.len());
    let mut unique = Vec::with_capacity(rows.len());
    for row in rows {
        match first_seen.entry(row.image_path.clone()) {
            Entry::Occupied(first) => {
                let text = format!(
                    "image \"{}\" is already listed on {}; skipped",
                    row.id,
                    first.get().short()
                );
                problems.add(
                    row.locator,
                    ProblemKind::DuplicateImage,
                    Severity::Skipped,
                    text,
                );
            }
            Entry::Vacant(slot) => {
                slot.insert(row.locator);
                unique.push(row);
            }
        }
    }

    let paths: Vec<&Path> = unique.iter().map(|row| row.image_path.as_path()).collect();
    let checks = check_images(&paths);
    let mut items = Vec::with_capacity(unique.len());
    for (row, check) in unique.into_iter().zip(checks) {
        match check {
            Ok(()) => items.push(Item {
                id: row.id,
                image_path: row.image_path,
                description: row.description,
                attributes: row.attributes,
                extra_images: Vec::new(),
            }),
            Err(fault) => {
                let text = match fault.kind {
                    ProblemKind::MissingImage => format!(
                        "image \"{}\" not found (looked for {}); skipped",
                        row.id,
                        row.image_path.display()
                    ),
                    _ => format!("image \"{}\" {}; skipped", row.id, fault.reason),
                };
                problems.add(row.locator, fault.kind, Severity::Skipped, text);
            }
        }
    }
    // Image problems were found after the row problems; list everything in source order.
    problems.report.sort();
    items
}

/// Points rows whose image is a web address at the fetched photo (see
/// [`super::fetch`]); rows whose photo cannot be fetched are reported and left out.
fn fetch_web_photos(rows: Vec<Row>, problems: &mut Problems<'_>) -> Vec<Row> {
    if !rows.iter().any(|row| super::fetch::is_web_address(&row.id)) {
        return rows;
    }
    let images: Vec<(&str, &Path)> = rows
        .iter()
        .map(|row| (row.id.as_str(), row.image_path.as_path()))
        .collect();
    let found = super::fetch::localise(&images);
    let mut kept = Vec::with_capacity(rows.len());
    for (mut row, found) in rows.into_iter().zip(found) {
        match found {
            Ok(path) => {
                row.image_path = path;
                kept.push(row);
            }
            Err(failure) => problems.add(
                row.locator,
                ProblemKind::DownloadFailed,
                Severity::Skipped,
                format!("image \"{}\" {failure}; skipped", row.id),
            ),
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_to_their_file_name() {
        let base = Path::new("/shop");
        assert_eq!(
            resolve_image("https://img.example.com/a/b/dress.jpg?w=762&f=x#top", base),
            Ok(PathBuf::from("/shop/dress.jpg"))
        );
        assert_eq!(
            resolve_image("HTTP://example.com/c.png", base),
            Ok(PathBuf::from("/shop/c.png"))
        );
        assert!(resolve_image("https://example.com/dir/", base).is_err());
        assert!(resolve_image("https://example.com", base).is_err());
        assert_eq!(
            resolve_image("file:///photos/x.webp", base),
            Ok(PathBuf::from("/photos/x.webp"))
        );
    }

    #[test]
    fn paths_resolve_against_the_catalogue_folder() {
        let base = Path::new("/shop/cat");
        assert_eq!(
            resolve_image("images/a.jpg", base),
            Ok(PathBuf::from("/shop/cat/images/a.jpg"))
        );
        assert_eq!(
            resolve_image("./images/../images/a.jpg", base),
            Ok(PathBuf::from("/shop/cat/images/a.jpg"))
        );
        assert_eq!(
            resolve_image("../b.jpg", base),
            Ok(PathBuf::from("/shop/b.jpg"))
        );
        assert_eq!(
            resolve_image("/abs/c.jpg", base),
            Ok(PathBuf::from("/abs/c.jpg"))
        );
    }

    #[test]
    fn normalise_keeps_leading_parents_of_relative_paths() {
        assert_eq!(
            normalise(Path::new("../a/./b/../c")),
            PathBuf::from("../a/c")
        );
        assert_eq!(normalise(Path::new("/../a")), PathBuf::from("/a"));
    }

    #[test]
    fn duplicates_are_skipped_and_name_the_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("a.png");
        image::RgbImage::new(2, 2).save(&image).unwrap();
        let row = |line: usize| Row {
            locator: Locator::Line(line),
            id: "a.png".into(),
            image_path: image.clone(),
            description: format!("row {line}"),
            attributes: BTreeMap::new(),
        };
        let mut report = ImportReport::default();
        let mut problems = Problems {
            report: &mut report,
            source_name: "shop.csv".into(),
        };
        let items = assemble(vec![row(2), row(5)], &mut problems);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].description, "row 2");
        let problem = &report.problems[0];
        assert_eq!(problem.kind, ProblemKind::DuplicateImage);
        assert_eq!(problem.line, Some(5));
        assert_eq!(
            problem.message,
            "line 5 of shop.csv: image \"a.png\" is already listed on line 2; skipped"
        );
    }
}
