//! CSV catalogues: a header line, one garment per row, an image column and a description column.
//!
//! Fields are read as bytes so a file saved in another encoding still loads: invalid UTF-8 is
//! replaced with `�` and reported.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use ::csv::{ByteRecord, ReaderBuilder};

use super::error::{quoted_list, CatalogueError};
use super::report::{ImportReport, ProblemKind, Severity};
use super::rows::{assemble, Locator, Problems, Row};
use super::{read_file, ImportOptions, Item};

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

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a CSV catalogue; image paths resolve against `base_dir`.
pub(crate) fn load_csv(
    path: &Path,
    base_dir: &Path,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Vec<Item>, CatalogueError> {
    let bytes = read_file(path)?;
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CatalogueError::Empty {
            path: path.to_path_buf(),
            expected: "a header line naming the columns (for example image,description) and \
                       one line per garment",
        });
    }

    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .delimiter(sniff_delimiter(path, bytes))
        .from_reader(bytes);
    let header_record = reader
        .byte_headers()
        .map_err(|err| CatalogueError::NotACatalogue {
            path: path.to_path_buf(),
            reason: format!("its first line could not be read as CSV: {err}"),
        })?
        .clone();

    let source_name = file_label(path);
    let mut problems = Problems {
        report,
        source_name,
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

    let mut rows = Vec::new();
    let mut record = ByteRecord::new();
    let mut rows_read = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // Reading from memory with flexible rows cannot fail; stop rather than loop if it does.
            Err(err) => {
                let line = err.position().map_or(1, |p| p.line() as usize);
                problems.add(
                    Locator::Line(line),
                    ProblemKind::MissingColumns,
                    Severity::Skipped,
                    format!("the rest of the file could not be read as CSV: {err}"),
                );
                break;
            }
        }
        if record.iter().all(|field| field.trim_ascii().is_empty()) {
            continue;
        }
        rows_read += 1;
        let line = record
            .position()
            .map_or(rows_read + 1, |p| p.line() as usize);
        if let Some(row) = read_row(
            &record,
            Locator::Line(line),
            &header,
            &columns,
            base_dir,
            &mut problems,
        ) {
            rows.push(row);
        }
    }

    problems.report.rows_read = rows_read;
    let items = assemble(rows, &mut problems);
    Ok(items)
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

/// Reads one record into a row, recording its problems; `None` when the row cannot load.
fn read_row(
    record: &ByteRecord,
    locator: Locator,
    header: &[String],
    columns: &Columns,
    base_dir: &Path,
    problems: &mut Problems<'_>,
) -> Option<Row> {
    let field_count = record.len();
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
            return None;
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
        description = decode(raw, &mut lossy).trim().to_string();
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

    let mut attributes = BTreeMap::new();
    for (index, raw) in record.iter().enumerate().take(header.len()) {
        if index == columns.image || Some(index) == columns.description {
            continue;
        }
        let value = decode(raw, &mut text_was_lossy);
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

/// Decodes a field, replacing invalid UTF-8 and noting that it did.
fn decode<'a>(raw: &'a [u8], lossy: &mut bool) -> Cow<'a, str> {
    let text = String::from_utf8_lossy(raw);
    if matches!(text, Cow::Owned(_)) {
        *lossy = true;
    }
    text
}

fn decode_header(record: &ByteRecord, problems: &mut Problems<'_>) -> Vec<String> {
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
mod tests {
    use super::*;
    use std::path::PathBuf;

    struct Fixture {
        dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("images")).unwrap();
            for name in ["a.png", "b.png", "c.png"] {
                image::RgbImage::new(4, 3)
                    .save(dir.path().join("images").join(name))
                    .unwrap();
            }
            Fixture { dir }
        }

        fn load(
            &self,
            csv: &[u8],
            opts: &ImportOptions,
        ) -> Result<(Vec<Item>, ImportReport), CatalogueError> {
            let path = self.dir.path().join("shop.csv");
            std::fs::write(&path, csv).unwrap();
            let mut report = ImportReport::default();
            let items = load_csv(&path, self.dir.path(), opts, &mut report)?;
            Ok((items, report))
        }

        fn kinds(report: &ImportReport) -> Vec<(Option<usize>, ProblemKind)> {
            report.problems.iter().map(|p| (p.line, p.kind)).collect()
        }
    }

    #[test]
    fn good_rows_load_with_attributes() {
        let fx = Fixture::new();
        let (items, report) = fx
            .load(
                b"Image,Description,Category,Colour\n\
                  images/a.png,A red dress.,Dress,red\n\
                  images/b.png,\"Blue jeans, slim.\",Pants,\n",
                &ImportOptions::default(),
            )
            .unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.rows_read, 2);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].id, "images/a.png");
        assert_eq!(items[0].image_path, fx.dir.path().join("images/a.png"));
        assert_eq!(items[1].description, "Blue jeans, slim.");
        assert_eq!(
            items[0].attributes.get("Colour").map(String::as_str),
            Some("red")
        );
        // Empty values are left out rather than stored as "".
        assert!(!items[1].attributes.contains_key("Colour"));
        assert_eq!(
            items[1].attributes.get("Category").map(String::as_str),
            Some("Pants")
        );
    }

    #[test]
    fn bom_semicolons_and_crlf_are_understood() {
        let fx = Fixture::new();
        let (items, report) = fx
            .load(
                b"\xEF\xBB\xBFfile;caption\r\nimages/a.png;Short coat\r\n\r\nimages/b.png;Long coat\r\n",
                &ImportOptions::default(),
            )
            .unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].description, "Long coat");
    }

    #[test]
    fn line_numbers_count_physical_lines() {
        let fx = Fixture::new();
        let (items, report) = fx
            .load(
                b"image,description\nimages/a.png,\"two\nlines\"\nimages/missing.png,x\n",
                &ImportOptions::default(),
            )
            .unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(
            Fixture::kinds(&report),
            [(Some(4), ProblemKind::MissingImage)]
        );
        assert!(report.problems[0]
            .message
            .starts_with("line 4 of shop.csv: "));
    }

    #[test]
    fn short_long_and_empty_rows_are_reported() {
        let fx = Fixture::new();
        let (items, report) = fx
            .load(
                b"category,image,description\n\
                  Dress\n\
                  Dress,images/a.png\n\
                  Top,images/b.png,  \n\
                  Top,images/c.png,Cotton, with buttons\n\
                  Top,,no image\n",
                &ImportOptions::default(),
            )
            .unwrap();
        assert_eq!(
            Fixture::kinds(&report),
            [
                (Some(2), ProblemKind::MissingColumns),
                (Some(3), ProblemKind::MissingColumns),
                (Some(4), ProblemKind::EmptyDescription),
                (Some(5), ProblemKind::ExtraColumns),
                (Some(6), ProblemKind::MissingImage),
            ]
        );
        assert_eq!(report.problems[0].severity, Severity::Skipped);
        assert_eq!(report.problems[1].severity, Severity::Warning);
        assert_eq!(report.rows_read, 5);
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["images/a.png", "images/b.png", "images/c.png"]);
        assert_eq!(items[2].description, "Cotton");
    }

    #[test]
    fn non_utf8_is_decoded_lossily_and_reported() {
        let fx = Fixture::new();
        let (items, report) = fx
            .load(
                b"image,description,brand\nimages/a.png,Caf\xe9 cr\xe8me blouse,Ma\xefson\n",
                &ImportOptions::default(),
            )
            .unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].description, "Caf\u{FFFD} cr\u{FFFD}me blouse");
        assert_eq!(
            Fixture::kinds(&report),
            [
                (Some(2), ProblemKind::NonUtf8Description),
                (Some(2), ProblemKind::NonUtf8Text)
            ]
        );
    }

    #[test]
    fn columns_can_be_named_in_options() {
        let fx = Fixture::new();
        let opts = ImportOptions {
            image_column: Some("Photo".into()),
            description_column: Some("blurb".into()),
            ..Default::default()
        };
        let (items, report) = fx
            .load(
                b"photo,blurb,url\nimages/c.png,Wool scarf,https://x/y.jpg\n",
                &opts,
            )
            .unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(items[0].description, "Wool scarf");
        assert_eq!(
            items[0].attributes.get("url").map(String::as_str),
            Some("https://x/y.jpg")
        );

        let wrong = ImportOptions {
            description_column: Some("notes".into()),
            ..Default::default()
        };
        let err = fx
            .load(b"image,text\nimages/a.png,x\n", &wrong)
            .unwrap_err();
        assert!(matches!(
            err,
            CatalogueError::ColumnNotFound {
                role: "description",
                ..
            }
        ));
        assert!(err.to_string().contains("\"image\", \"text\""), "{err}");
    }

    #[test]
    fn image_column_preference_and_missing_description_column() {
        let fx = Fixture::new();
        // `image` wins over `url` when both exist; no description column is a warning.
        let (items, report) = fx
            .load(
                b"url,image\nhttps://x/remote.jpg,images/a.png\n",
                &ImportOptions::default(),
            )
            .unwrap();
        assert_eq!(items[0].image_path, fx.dir.path().join("images/a.png"));
        assert_eq!(
            Fixture::kinds(&report),
            [(Some(1), ProblemKind::MissingColumns)]
        );
        assert_eq!(report.problems[0].severity, Severity::Warning);
    }

    #[test]
    fn url_column_resolves_to_file_names_beside_the_csv() {
        let fx = Fixture::new();
        std::fs::copy(
            fx.dir.path().join("images/a.png"),
            fx.dir.path().join("shot.png"),
        )
        .unwrap();
        let (items, report) = fx
            .load(
                b"URL,desc\nhttps://cdn.example.com/p/shot.png?w=1,Linen shirt\n",
                &ImportOptions::default(),
            )
            .unwrap();
        assert!(report.is_clean(), "{report}");
        assert_eq!(items[0].id, "https://cdn.example.com/p/shot.png?w=1");
        assert_eq!(items[0].image_path, fx.dir.path().join("shot.png"));
    }

    #[test]
    fn not_a_catalogue_names_found_and_expected_columns() {
        let fx = Fixture::new();
        let err = fx
            .load(b"name,price,stock\nShirt,20,3\n", &ImportOptions::default())
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, CatalogueError::NoImageColumn { .. }));
        assert!(text.contains("\"name\", \"price\", \"stock\""), "{text}");
        assert!(text.contains("\"image\""), "{text}");
        assert!(text.contains("\"filename\""), "{text}");

        let err = fx.load(b"  \n", &ImportOptions::default()).unwrap_err();
        assert!(matches!(err, CatalogueError::Empty { .. }));
    }

    #[test]
    fn delimiter_sniffing() {
        let p = PathBuf::from("x.csv");
        assert_eq!(sniff_delimiter(&p, b"a,b;c\n"), b',');
        assert_eq!(sniff_delimiter(&p, b"a;b;c\nx,y"), b';');
        assert_eq!(sniff_delimiter(&p, b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(Path::new("x.TSV"), b"a,b\n"), b'\t');
    }
}
