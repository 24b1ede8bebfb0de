//! Plain folders: every JPEG, PNG and WebP image in a folder and its subfolders, without
//! descriptions. Good for lookalike search; tags need descriptions, so none can be learned.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::csv::file_label;
use super::error::CatalogueError;
use super::images::has_image_extension;
use super::report::ImportReport;
use super::rows::{assemble, Locator, Problems, Row};
use super::Item;

/// Attribute holding the subfolder an image was found in (`dresses/summer`), when not the top.
pub const FOLDER_ATTRIBUTE: &str = "folder";

/// Reads every image under `dir`, sorted by path.
pub(crate) fn load_folder(
    dir: &Path,
    report: &mut ImportReport,
) -> Result<Vec<Item>, CatalogueError> {
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    let top = fs::read_dir(dir).map_err(|source| CatalogueError::Unreadable {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut catalogue_files = Vec::new();
    for entry in top.flatten() {
        let path = entry.path();
        let is_catalogue_file = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["csv", "tsv", "json"]
                .iter()
                .any(|k| e.eq_ignore_ascii_case(k))
        });
        if is_catalogue_file && path.is_file() {
            catalogue_files.push(file_label(&path));
        }
    }
    walk(dir, &mut found, &mut unreadable);
    if found.is_empty() {
        return Err(CatalogueError::NoImages {
            path: dir.to_path_buf(),
        });
    }
    found.sort();

    report.notes.push(
        "this folder has no descriptions, so no tags can be learned from it; lookalike search \
         still works. Import a CSV or JSON catalogue with descriptions to get tags"
            .to_string(),
    );
    catalogue_files.sort();
    for name in catalogue_files {
        report.notes.push(format!(
            "the folder also holds {name}; import that file instead to use its descriptions"
        ));
    }
    for (path, err) in unreadable {
        report.notes.push(format!(
            "the subfolder {} could not be read ({err}); its images were left out",
            path.display()
        ));
    }

    let rows: Vec<Row> = found
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let mut attributes = BTreeMap::new();
            if parts.len() > 1 {
                attributes.insert(
                    FOLDER_ATTRIBUTE.to_string(),
                    parts[..parts.len() - 1].join("/"),
                );
            }
            Row {
                locator: Locator::InFolder,
                id: parts.join("/"),
                image_path: path,
                description: String::new(),
                attributes,
            }
        })
        .collect();
    report.rows_read = rows.len();
    let mut problems = Problems {
        report,
        source_name: file_label(dir),
    };
    Ok(assemble(rows, &mut problems))
}

/// Collects image files under `dir`. Hidden entries are skipped, and symbolic links to folders
/// are not followed, so a link loop cannot hang the import.
fn walk(dir: &Path, found: &mut Vec<PathBuf>, unreadable: &mut Vec<(PathBuf, std::io::Error)>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            unreadable.push((dir.to_path_buf(), err));
            return;
        }
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            walk(&path, found, unreadable);
        } else if has_image_extension(&path) && (file_type.is_file() || path.is_file()) {
            found.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ProblemKind;

    #[test]
    fn finds_images_recursively_sorted_with_folder_attribute() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("tops/summer")).unwrap();
        fs::create_dir_all(root.join(".thumbs")).unwrap();
        for name in [
            "b.png",
            "A.PNG",
            "tops/summer/c.png",
            ".thumbs/t.png",
            ".hidden.png",
        ] {
            image::RgbImage::new(2, 2)
                .save_with_format(root.join(name), image::ImageFormat::Png)
                .unwrap();
        }
        fs::write(root.join("notes.txt"), "not an image").unwrap();
        fs::write(root.join("broken.jpg"), "not an image").unwrap();
        fs::write(root.join("shop.csv"), "image,description\n").unwrap();

        let mut report = ImportReport::default();
        let items = load_folder(root, &mut report).unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["A.PNG", "b.png", "tops/summer/c.png"]);
        assert!(items.iter().all(|i| i.description.is_empty()));
        assert_eq!(
            items[2]
                .attributes
                .get(FOLDER_ATTRIBUTE)
                .map(String::as_str),
            Some("tops/summer")
        );
        assert_eq!(report.rows_read, 4);
        assert_eq!(report.problems.len(), 1);
        assert_eq!(report.problems[0].kind, ProblemKind::UnreadableImage);
        assert_eq!(report.problems[0].line, None);
        assert!(report.notes[0].contains("no tags can be learned"));
        assert!(report.notes[1].contains("shop.csv"));
    }

    #[test]
    fn a_folder_without_images_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("readme.txt"), "hello").unwrap();
        let mut report = ImportReport::default();
        let err = load_folder(dir.path(), &mut report).unwrap_err();
        assert!(matches!(err, CatalogueError::NoImages { .. }));
    }
}
