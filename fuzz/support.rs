//! Shared by the import targets: a temporary folder with one real photo, the input written
//! beside it under `name`, then imported.

use std::path::PathBuf;
use std::sync::OnceLock;

use vitrine::catalogue::{load, ImportOptions};

/// One folder for the whole run: creating a photo per input would slow fuzzing down.
fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder").keep();
        image::RgbImage::new(2, 2)
            .save_with_format(dir.join("a.png"), image::ImageFormat::Png)
            .expect("photo");
        dir
    })
}

/// Writes `data` as `name` and imports it; errors are fine, panics are bugs.
pub fn import(data: &[u8], name: &str) {
    let path = folder().join(name);
    std::fs::write(&path, data).expect("write input");
    if let Ok(catalogue) = load(&path, &ImportOptions::default()) {
        assert_eq!(catalogue.report.items_loaded, catalogue.items.len());
        assert!(catalogue.report.items_loaded <= catalogue.report.rows_read);
    }
}
