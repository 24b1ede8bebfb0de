//! Plain folders: every JPEG, PNG and WebP image in a folder and its subfolders, without
//! descriptions. Good for lookalike search; tags need descriptions, so none can be learned.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::csv::file_label;
use super::error::CatalogueError;
use super::images::has_image_extension;
use super::report::{ImportReport, ProblemKind, Severity};
use super::rows::{assemble, Locator, Problems, Row};
use super::Item;
use crate::photo;

/// Attribute holding the subfolder an image was found in (`dresses/summer`), when not the top.
pub const FOLDER_ATTRIBUTE: &str = "folder";

/// Reads every image under `dir`, sorted by path.
pub(crate) fn load_folder(
    dir: &Path,
    report: &mut ImportReport,
) -> Result<Vec<Item>, CatalogueError> {
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
    let mut walked = Walk::default();
    walk(dir, dir, &mut walked);
    let mut found = std::mem::take(&mut walked.images);
    if found.is_empty() {
        return Err(CatalogueError::NoImages {
            path: dir.to_path_buf(),
        });
    }
    found.sort();

    add_notes(report, dir, catalogue_files, &mut walked);

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
    walked.left_out.sort_by(|a, b| a.0.cmp(&b.0));
    report.rows_read = rows.len() + walked.left_out.len();
    let mut problems = Problems {
        report,
        source_name: file_label(dir),
    };
    for (path, why) in walked.left_out {
        problems.add(
            Locator::InFolder,
            ProblemKind::UnreadableImage,
            Severity::Skipped,
            format!("\"{}\" was left out: {why}", relative_name(dir, &path)),
        );
    }
    Ok(assemble(rows, &mut problems))
}

/// The folder's notes: no descriptions, catalogue files beside the images, subfolders that
/// could not be read, links to folders that were not followed.
fn add_notes(
    report: &mut ImportReport,
    dir: &Path,
    mut catalogue_files: Vec<String>,
    walked: &mut Walk,
) {
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
    for (path, err) in walked.unreadable.drain(..) {
        report.notes.push(format!(
            "the subfolder {} could not be read ({err}); its images were left out",
            path.display()
        ));
    }
    walked.linked_folders.sort();
    for (path, why) in walked.linked_folders.drain(..) {
        report.notes.push(format!(
            "the link {} {why}; links to folders are not followed, so its images were left out",
            relative_name(dir, &path)
        ));
    }
}

/// `sub/name.jpg`: the path inside the folder, with `/`.
fn relative_name(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// What a folder walk found.
#[derive(Default)]
struct Walk {
    /// Image files (regular files, or links to regular files).
    images: Vec<PathBuf>,
    /// Subfolders that could not be listed.
    unreadable: Vec<(PathBuf, std::io::Error)>,
    /// Entries that are not regular files or folders (FIFOs, sockets, devices, dangling or
    /// looping links), and why.
    left_out: Vec<(PathBuf, String)>,
    /// Links to folders, which are not followed, and what the note says about each.
    linked_folders: Vec<(PathBuf, &'static str)>,
}

/// Collects image files under `dir`. Hidden entries are skipped, and symbolic links to folders
/// are not followed, so a link loop cannot hang the import; every other entry that is not a
/// regular file is recorded with the reason, never opened.
fn walk(dir: &Path, root: &Path, out: &mut Walk) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            out.unreadable.push((dir.to_path_buf(), err));
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
            walk(&path, root, out);
        } else if file_type.is_file() {
            if has_image_extension(&path) {
                out.images.push(path);
            }
        } else if file_type.is_symlink() {
            follow_link(path, root, out);
        } else if let Ok(metadata) = entry.metadata() {
            let kind = photo::describe_file_type(&metadata);
            out.left_out
                .push((path, format!("it is {kind}, not a regular file")));
        }
    }
}

/// Sorts a symbolic link into images, linked folders or left-out entries.
fn follow_link(path: PathBuf, root: &Path, out: &mut Walk) {
    match fs::metadata(&path) {
        Ok(metadata) if metadata.is_file() => {
            if has_image_extension(&path) {
                out.images.push(path);
            }
        }
        Ok(metadata) if metadata.is_dir() => {
            let target = fs::canonicalize(&path).ok();
            let root = fs::canonicalize(root).ok();
            let loops = matches!((&root, &target), (Some(r), Some(t)) if r.starts_with(t));
            let note = if loops {
                "leads back to a folder it is in (a loop)"
            } else {
                "leads to a folder"
            };
            out.linked_folders.push((path, note));
        }
        Ok(metadata) => {
            let kind = photo::describe_file_type(&metadata);
            out.left_out.push((
                path,
                format!("it is a link to {kind}, not to a regular file"),
            ));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let target = fs::read_link(&path)
                .map(|t| format!(" {}", t.display()))
                .unwrap_or_default();
            out.left_out.push((
                path,
                format!("it is a link to{target}, which does not exist"),
            ));
        }
        Err(err) if photo::is_link_loop(&err) => {
            out.left_out.push((
                path,
                "it is a symbolic link that loops back on itself".to_string(),
            ));
        }
        Err(err) => out
            .left_out
            .push((path, format!("it could not be read ({err})"))),
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

    #[test]
    fn special_entries_and_links_get_a_report_line_each() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        image::RgbImage::new(2, 2)
            .save_with_format(root.join("good.png"), image::ImageFormat::Png)
            .unwrap();
        let fifo =
            std::ffi::CString::new(root.join("x.jpg").as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path and a plain mode.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let _socket = std::os::unix::net::UnixListener::bind(root.join("sub/s.png")).unwrap();
        std::os::unix::fs::symlink(root.join("gone.png"), root.join("dangling.png")).unwrap();
        std::os::unix::fs::symlink(root.join("loop.jpg"), root.join("loop.jpg")).unwrap();
        std::os::unix::fs::symlink("/dev/null", root.join("null.webp")).unwrap();
        std::os::unix::fs::symlink(root, root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink(root.join("good.png"), root.join("alias.png")).unwrap();

        let mut report = ImportReport::default();
        let items = load_folder(root, &mut report).unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["alias.png", "good.png"]);
        let messages: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
        let folder = file_label(root);
        let expected = [
            format!("folder {folder}: \"dangling.png\" was left out: it is a link to"),
            format!("folder {folder}: \"loop.jpg\" was left out: it is a symbolic link that loops"),
            format!(
                "folder {folder}: \"null.webp\" was left out: it is a link to a character device"
            ),
            format!("folder {folder}: \"sub/s.png\" was left out: it is a socket"),
            format!("folder {folder}: \"x.jpg\" was left out: it is a FIFO (named pipe)"),
        ];
        assert_eq!(messages.len(), expected.len(), "{report}");
        for (message, expected) in messages.iter().zip(&expected) {
            assert!(message.starts_with(expected.as_str()), "{message}");
        }
        assert!(
            messages[0].ends_with("which does not exist"),
            "{}",
            messages[0]
        );
        assert!(report
            .problems
            .iter()
            .all(|p| p.severity == Severity::Skipped && p.line.is_none()));
        assert_eq!(report.rows_read, 7);
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("the link sub/up leads back to a folder it is in (a loop)")),
            "{report}"
        );
    }
}
