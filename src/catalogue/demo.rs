//! The demo catalogue built into the binary, so vitrine works out of the box.
//!
//! It is written out once to the cache folder, because the rest of the app (and the user)
//! works with image files on disk.

use std::fs;
use std::path::Path;

use include_dir::{include_dir, Dir};

use super::error::CatalogueError;
use super::{load, Catalogue, ImportOptions};

/// The demo catalogue's files: `catalogue.csv`, `images/`, its README and licence.
static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/assets/demo");

/// The name shown for the demo catalogue.
pub const DEMO_NAME: &str = "Demo catalogue";

/// The CSV file inside the demo folder.
const DEMO_CSV: &str = "catalogue.csv";

/// Loads the built-in demo catalogue, writing it out to
/// `vitrine::paths::cache_dir()/demo-catalogue` the first time.
pub fn demo() -> Result<Catalogue, CatalogueError> {
    demo_into(&crate::paths::cache_dir().join("demo-catalogue"))
}

/// Writes the built-in demo catalogue into `dir` (only files that are missing or have a different
/// size) and loads it from there.
///
/// Each file is written to a temporary name and renamed into place, so a second vitrine
/// starting at the same moment never sees a half-written file.
pub fn demo_into(dir: &Path) -> Result<Catalogue, CatalogueError> {
    extract(&DEMO, dir)?;
    let mut catalogue = load(&dir.join(DEMO_CSV), &ImportOptions::default())?;
    catalogue.name = DEMO_NAME.to_string();
    Ok(catalogue)
}

fn extract(embedded: &Dir<'_>, root: &Path) -> Result<(), CatalogueError> {
    let setup_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CatalogueError::DemoSetup { path, source }
    };
    let folder = root.join(embedded.path());
    fs::create_dir_all(&folder).map_err(setup_error(&folder))?;
    for file in embedded.files() {
        let target = root.join(file.path());
        let contents = file.contents();
        let up_to_date =
            fs::metadata(&target).is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64);
        if !up_to_date {
            write_atomically(&target, contents).map_err(setup_error(&target))?;
        }
    }
    for sub in embedded.dirs() {
        extract(sub, root)?;
    }
    Ok(())
}

/// Writes `contents` crash-safely over `target` (see [`crate::durable`]).
fn write_atomically(target: &Path, contents: &[u8]) -> std::io::Result<()> {
    crate::durable::write_file(target, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_demo_has_its_csv_and_images() {
        assert!(DEMO.get_file(DEMO_CSV).is_some());
        let images = DEMO.get_dir("images").map_or(0, |d| d.files().count());
        assert_eq!(images, 240);
    }

    #[test]
    fn extraction_rewrites_only_wrong_sized_files() {
        let dir = tempfile::tempdir().unwrap();
        extract(&DEMO, dir.path()).unwrap();
        let csv = dir.path().join(DEMO_CSV);
        let expected = DEMO.get_file(DEMO_CSV).unwrap().contents();
        assert_eq!(fs::read(&csv).unwrap(), expected);

        // Same size, different bytes: left alone (sizes are the cheap check).
        let mut same_size = expected.to_vec();
        same_size[0] = b'#';
        fs::write(&csv, &same_size).unwrap();
        extract(&DEMO, dir.path()).unwrap();
        assert_eq!(fs::read(&csv).unwrap(), same_size);

        // Truncated: rewritten.
        fs::write(&csv, b"image").unwrap();
        extract(&DEMO, dir.path()).unwrap();
        assert_eq!(fs::read(&csv).unwrap(), expected);

        let leftovers = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0);
    }
}
