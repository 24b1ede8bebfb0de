//! Catalogue import and validation.
//!
//! A catalogue is a list of garment photos with shop descriptions. [`load`] reads one from
//! - a CSV file with a header (an image column, a description column, any other columns kept as
//!   attributes),
//! - a FEIDEGGER-style JSON list (`[{"url": …, "descriptions": [...]}]`),
//! - or a plain folder of images (no descriptions),
//!
//! and checks every image cheaply (it exists, it is a JPEG, PNG or WebP, its header reads).
//! Bad rows never stop an import: they are skipped or loaded with a warning, and each one is
//! listed in the [`ImportReport`]. Only a file that is not a catalogue at all is an error
//! ([`CatalogueError`]). [`demo`] loads the catalogue built into the app.

mod csv;
mod demo;
mod error;
pub mod fetch;
mod folder;
mod images;
mod json;
mod report;
mod rows;
pub mod shop;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use self::csv::{DESCRIPTION_COLUMNS, IMAGE_COLUMNS};
pub use self::demo::{demo, demo_into, DEMO_NAME};
pub use self::error::CatalogueError;
pub use self::fetch::{FetchControl, FetchProgress, FetchSettings};
pub use self::folder::FOLDER_ATTRIBUTE;
pub use self::report::{ImportReport, Problem, ProblemKind, Severity};
pub use self::rows::MAX_DESCRIPTION_CHARS;
pub use self::shop::ShopFormat;

/// One garment: a photo, its description and any extra facts about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The image reference exactly as written in the catalogue (a relative path, an absolute path
    /// or a URL; for plain folders the path relative to the folder, with `/`). Unique within a
    /// catalogue.
    pub id: String,
    /// Where the image file is on disk (absolute).
    pub image_path: PathBuf,
    /// The shop description, trimmed; empty when the catalogue has none for this item.
    pub description: String,
    /// Other non-empty fields of the row, by column name, e.g. `category` → `Dress`.
    pub attributes: BTreeMap<String, String>,
    /// The product's other photos (shop formats list several per product), checked like the
    /// main one; empty for most catalogues.
    #[serde(default)]
    pub extra_images: Vec<PathBuf>,
}

impl Item {
    /// True when the item has a description to learn tags from.
    pub fn has_description(&self) -> bool {
        !self.description.is_empty()
    }
}

/// How a catalogue was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CatalogueFormat {
    /// A CSV (or TSV) file with a header line.
    Csv,
    /// A FEIDEGGER-style JSON list of entries.
    Json,
    /// A folder of images without descriptions.
    Folder,
    /// A shop platform's own export or feed (see [`shop`]).
    Shop(ShopFormat),
}

/// An imported catalogue: its items in source order, and what the import found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Catalogue {
    /// A name for display: the file or folder name, or [`DEMO_NAME`].
    pub name: String,
    /// The catalogue file or folder that was read (absolute).
    pub source: PathBuf,
    /// How it was stored.
    pub format: CatalogueFormat,
    /// The items that passed validation, in the order of the source.
    pub items: Vec<Item>,
    /// Rows read, items loaded and every problem found.
    pub report: ImportReport,
}

impl Catalogue {
    /// True when at least one item has a description, so tags can be learned.
    pub fn has_descriptions(&self) -> bool {
        self.items.iter().any(Item::has_description)
    }

    /// The item with this id, if any.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.id == id)
    }
}

/// Choices for reading a catalogue whose layout is not the usual one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// The column (CSV) or field (JSON) holding the image; by default the first of
    /// [`IMAGE_COLUMNS`] found (JSON: `url` first), compared without case.
    pub image_column: Option<String>,
    /// The column (CSV) or field (JSON) holding the description; by default the first of
    /// [`DESCRIPTION_COLUMNS`] found (JSON: `descriptions` first), compared without case.
    pub description_column: Option<String>,
    /// The folder that relative image paths and URL file names are looked up in. By default the
    /// folder of the CSV or JSON file. Not used for plain folders.
    pub image_dir: Option<PathBuf>,
}

/// Reads a catalogue and checks its images.
///
/// The format follows from `path`: a folder is read as a plain folder of images, a `.json` file
/// as a FEIDEGGER-style list, anything else as CSV (a `.tsv` file as tab-separated). Problems
/// with single rows are in [`Catalogue::report`]; only a catalogue that cannot be read at all
/// gives an error.
pub fn load(path: &Path, opts: &ImportOptions) -> Result<Catalogue, CatalogueError> {
    load_inner(path, opts)
}

/// [`load`], with `control` deciding how photos named by web address are fetched (offline,
/// progress, stopping; see [`fetch`]).
pub fn load_with(
    path: &Path,
    opts: &ImportOptions,
    control: FetchControl,
) -> Result<Catalogue, CatalogueError> {
    fetch::with_control(control, || load_inner(path, opts))
}

fn load_inner(path: &Path, opts: &ImportOptions) -> Result<Catalogue, CatalogueError> {
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => CatalogueError::NotFound {
            path: path.to_path_buf(),
        },
        _ => CatalogueError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    // Absolute, so item paths stay valid if the working directory changes later.
    let source = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut report = ImportReport::default();

    let (format, items) = if metadata.is_dir() {
        let items = folder::load_folder(&source, &mut report)?;
        (CatalogueFormat::Folder, items)
    } else {
        let image_dir = match &opts.image_dir {
            Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
            None => source.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        if has_extension(&source, "json") {
            let items = json::load_json(&source, &image_dir, opts, &mut report)?;
            (CatalogueFormat::Json, items)
        } else if images::has_image_extension(&source) {
            return Err(CatalogueError::NotACatalogue {
                path: source,
                reason: "it is an image. To use a folder of images without descriptions, choose \
                         the folder itself"
                    .to_string(),
            });
        } else if let Some((shop_format, bytes)) = shop_file(&source, opts)? {
            let items = shop::load_shop(&source, &bytes, shop_format, &image_dir, &mut report)?;
            (CatalogueFormat::Shop(shop_format), items)
        } else {
            let items = csv::load_csv(&source, &image_dir, opts, &mut report)?;
            (CatalogueFormat::Csv, items)
        }
    };

    report.items_loaded = items.len();
    if format != CatalogueFormat::Folder
        && !items.is_empty()
        && !items.iter().any(Item::has_description)
    {
        report
            .notes
            .push("no item has a description, so no tags can be learned".to_string());
    }
    Ok(Catalogue {
        name: display_name(&source),
        source,
        format,
        items,
        report,
    })
}

/// The file's bytes when it is a shop's export or feed, recognised from its header. Columns
/// named in the options mean the user wants the generic reader, so shop formats are then not
/// looked for.
fn shop_file(
    source: &Path,
    opts: &ImportOptions,
) -> Result<Option<(ShopFormat, Vec<u8>)>, CatalogueError> {
    if opts.image_column.is_some() || opts.description_column.is_some() {
        return Ok(None);
    }
    let bytes = read_text_file(source, "a header line naming the columns")?;
    Ok(shop::detect(&bytes).map(|format| (format, bytes)))
}

/// Reads a whole catalogue file, telling a missing file apart from an unreadable one.
fn read_file(path: &Path) -> Result<Vec<u8>, CatalogueError> {
    fs::read(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => CatalogueError::NotFound {
            path: path.to_path_buf(),
        },
        _ => CatalogueError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// A UTF-8 byte order mark, which editors on Windows put at the start of text files.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a catalogue text file without its byte order mark; a file of only white space is
/// refused, saying what was `expected` in it.
fn read_text_file(path: &Path, expected: &'static str) -> Result<Vec<u8>, CatalogueError> {
    let mut bytes = read_file(path)?;
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CatalogueError::Empty {
            path: path.to_path_buf(),
            expected,
        });
    }
    Ok(bytes)
}

fn has_extension(path: &Path, wanted: &str) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case(wanted))
}

/// The file or folder name; for generic file names such as `catalogue.csv`, the folder's name.
fn display_name(source: &Path) -> String {
    const GENERIC_STEMS: [&str; 6] = ["catalogue", "catalog", "index", "data", "metadata", "items"];
    let stem = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_generic = GENERIC_STEMS.iter().any(|g| stem.eq_ignore_ascii_case(g));
    if source.is_file() && is_generic {
        if let Some(folder) = source.parent().and_then(Path::file_name) {
            return folder.to_string_lossy().into_owned();
        }
    }
    if source.is_dir() {
        if let Some(name) = source.file_name() {
            return name.to_string_lossy().into_owned();
        }
    }
    if stem.is_empty() {
        source.display().to_string()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_png(path: &Path) {
        image::RgbImage::new(2, 2)
            .save_with_format(path, image::ImageFormat::Png)
            .unwrap();
    }

    #[test]
    fn load_detects_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("shop")).unwrap();
        write_png(&root.join("shop/a.png"));
        fs::write(
            root.join("shop/catalogue.csv"),
            "image,description\na.png,Red top\n",
        )
        .unwrap();
        fs::write(
            root.join("shop/list.JSON"),
            r#"[{"url": "https://x/a.png", "descriptions": ["Red top"]}]"#,
        )
        .unwrap();

        let csv = load(&root.join("shop/catalogue.csv"), &ImportOptions::default()).unwrap();
        assert_eq!(csv.format, CatalogueFormat::Csv);
        assert_eq!(csv.name, "shop");
        assert!(csv.source.is_absolute());
        assert!(csv.report.is_clean(), "{}", csv.report);
        assert_eq!(csv.report.items_loaded, 1);
        assert!(csv.has_descriptions());
        assert_eq!(
            csv.item("a.png").map(|i| i.description.as_str()),
            Some("Red top")
        );

        let json = load(&root.join("shop/list.JSON"), &ImportOptions::default()).unwrap();
        assert_eq!(json.format, CatalogueFormat::Json);
        assert_eq!(json.name, "list");
        assert_eq!(json.items[0].image_path, root.join("shop/a.png"));

        let folder = load(&root.join("shop"), &ImportOptions::default()).unwrap();
        assert_eq!(folder.format, CatalogueFormat::Folder);
        assert_eq!(folder.name, "shop");
        assert!(!folder.has_descriptions());
        assert!(folder.report.is_clean());
    }

    #[test]
    fn image_dir_option_moves_the_image_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("photos")).unwrap();
        write_png(&root.join("photos/a.png"));
        fs::write(
            root.join("f.json"),
            r#"[{"url": "https://x/a.png", "descriptions": ["Red top"]}]"#,
        )
        .unwrap();
        let opts = ImportOptions {
            image_dir: Some(root.join("photos")),
            ..Default::default()
        };
        let catalogue = load(&root.join("f.json"), &opts).unwrap();
        assert!(catalogue.report.is_clean(), "{}", catalogue.report);
        assert_eq!(catalogue.items[0].image_path, root.join("photos/a.png"));
    }

    #[test]
    fn fatal_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(&dir.path().join("nope.csv"), &ImportOptions::default()).unwrap_err();
        assert!(matches!(err, CatalogueError::NotFound { .. }));
        let image = dir.path().join("a.png");
        write_png(&image);
        let err = load(&image, &ImportOptions::default()).unwrap_err();
        assert!(matches!(err, CatalogueError::NotACatalogue { .. }));
        assert!(err.to_string().contains("choose the folder"), "{err}");
    }

    #[test]
    fn catalogues_without_any_description_get_a_note() {
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("a.png"));
        fs::write(dir.path().join("c.csv"), "image,description\na.png,\n").unwrap();
        let catalogue = load(&dir.path().join("c.csv"), &ImportOptions::default()).unwrap();
        assert_eq!(catalogue.items.len(), 1);
        assert_eq!(catalogue.report.notes.len(), 1);
    }

    #[test]
    fn catalogue_serialises() {
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("a.png"));
        let catalogue = load(dir.path(), &ImportOptions::default()).unwrap();
        let json = serde_json::to_string(&catalogue).unwrap();
        assert!(json.contains("\"format\":\"Folder\""), "{json}");
    }
}
