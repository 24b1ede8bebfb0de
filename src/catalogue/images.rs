//! Cheap image checks at import: every image goes through [`crate::photo::check`], which reads
//! the header and the last few KiB only, so checking 10,000 images takes seconds, not minutes.
//! Special files, photos over vitrine's size limits and truncated files are refused here, before
//! anything tries to decode them.

use std::path::Path;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::photo::{self, PhotoProblem};

use super::report::ProblemKind;

/// File extensions (lowercase) that a plain folder import picks up.
pub(crate) const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// Checks run on one thread when there are fewer images than this.
const PARALLEL_THRESHOLD: usize = 64;

/// Most threads used for checking: the app shares the machine with training.
const MAX_WORKERS: usize = 2;

/// Images handed to a thread at a time.
const BATCH: usize = 32;

/// Why an image failed its check: the kind of problem and the rest of a sentence that starts
/// with the image's name, e.g. `is truncated: it ends before its end-of-image marker`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImageFault {
    pub kind: ProblemKind,
    pub reason: String,
}

/// True when the path ends in `.jpg`, `.jpeg`, `.png` or `.webp`, in any case.
pub(crate) fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| ext.eq_ignore_ascii_case(known))
        })
}

/// Checks one image: a regular file within the size limits, JPEG/PNG/WebP by its contents,
/// a readable header, and complete.
pub(crate) fn check_image(path: &Path) -> Result<(), ImageFault> {
    let problem = match photo::check(path) {
        Ok(_) => return Ok(()),
        Err(err) => err.problem,
    };
    let kind = match &problem {
        PhotoProblem::NotFound => ProblemKind::MissingImage,
        PhotoProblem::FileTooLarge { .. }
        | PhotoProblem::TooManyPixels { .. }
        | PhotoProblem::TooMuchMemory { .. } => ProblemKind::ImageTooLarge,
        PhotoProblem::UnsupportedFormat { .. } => ProblemKind::UnsupportedImageType,
        // Named like an image but not one inside: damaged rather than unsupported.
        PhotoProblem::NotAnImage if !has_image_extension(path) => ProblemKind::UnsupportedImageType,
        _ => ProblemKind::UnreadableImage,
    };
    Err(ImageFault {
        kind,
        reason: problem.to_string(),
    })
}

/// Checks every path, on up to two threads; results come back in the order of `paths`.
pub(crate) fn check_images(paths: &[&Path]) -> Vec<Result<(), ImageFault>> {
    let check = |path: &&Path| {
        // A bug in a decoder's header reader must cost one photo, not the whole import.
        std::panic::catch_unwind(|| check_image(path)).unwrap_or_else(|_| {
            log::error!("checking {} panicked", path.display());
            Err(ImageFault {
                kind: ProblemKind::UnreadableImage,
                reason: "could not be checked (the image reader failed on it)".into(),
            })
        })
    };
    match check_pool() {
        Some(pool) if paths.len() >= PARALLEL_THRESHOLD => {
            pool.install(|| paths.par_iter().with_min_len(BATCH).map(check).collect())
        }
        _ => paths.iter().map(check).collect(),
    }
}

/// The "vitrine-photo-check-N" threads, started on first use and kept.
fn check_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(MAX_WORKERS);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("vitrine-photo-check-{i}"))
            .build()
            .inspect_err(|e| {
                log::warn!("cannot start the photo checking threads ({e}); checking on one thread")
            })
            .ok()
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageFormat;
    use std::io::Cursor;
    use std::path::PathBuf;

    fn write_png(dir: &Path, name: &str, width_px: u32, height_px: u32) -> PathBuf {
        let path = dir.join(name);
        image::RgbImage::from_pixel(width_px, height_px, image::Rgb([200, 30, 60]))
            .save_with_format(&path, ImageFormat::Png)
            .unwrap();
        path
    }

    fn jpeg_bytes(width_px: u32, height_px: u32) -> Vec<u8> {
        // Noise, so the image data is most of the file.
        let mut state = 12345u32;
        let img = image::RgbImage::from_fn(width_px, height_px, |_, _| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let v = (state >> 16) as u8;
            image::Rgb([v, v.wrapping_mul(3), v.wrapping_add(90)])
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn extensions_are_case_insensitive() {
        assert!(has_image_extension(Path::new("a/B.JPG")));
        assert!(has_image_extension(Path::new("c.WebP")));
        assert!(has_image_extension(Path::new("d.jpeg")));
        assert!(!has_image_extension(Path::new("e.gif")));
        assert!(!has_image_extension(Path::new("jpg")));
    }

    #[test]
    fn good_png_and_jpeg_pass() {
        let dir = tempfile::tempdir().unwrap();
        let png = write_png(dir.path(), "a.png", 3, 2);
        assert_eq!(check_image(&png), Ok(()));
        let jpg = dir.path().join("b.jpg");
        std::fs::write(&jpg, jpeg_bytes(16, 16)).unwrap();
        assert_eq!(check_image(&jpg), Ok(()));
    }

    #[test]
    fn content_decides_not_extension() {
        let dir = tempfile::tempdir().unwrap();
        // A PNG saved with a .jpg name and a JPEG without extension are both fine.
        let png = write_png(dir.path(), "x.png", 2, 2);
        let misnamed = dir.path().join("really-png.jpg");
        std::fs::rename(&png, &misnamed).unwrap();
        assert_eq!(check_image(&misnamed), Ok(()));
        let bare = dir.path().join("photo");
        std::fs::write(&bare, jpeg_bytes(8, 8)).unwrap();
        assert_eq!(check_image(&bare), Ok(()));
    }

    #[test]
    fn missing_empty_text_and_other_formats_fail() {
        let dir = tempfile::tempdir().unwrap();
        let kind = |name: &str| check_image(&dir.path().join(name)).unwrap_err().kind;

        assert_eq!(kind("nothing.jpg"), ProblemKind::MissingImage);
        std::fs::write(dir.path().join("empty.jpg"), b"").unwrap();
        assert_eq!(kind("empty.jpg"), ProblemKind::UnreadableImage);
        std::fs::write(dir.path().join("text.jpg"), b"not an image at all").unwrap();
        assert_eq!(kind("text.jpg"), ProblemKind::UnreadableImage);
        std::fs::write(dir.path().join("notes.txt"), b"not an image at all").unwrap();
        assert_eq!(kind("notes.txt"), ProblemKind::UnsupportedImageType);
        std::fs::write(
            dir.path().join("anim.gif"),
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        )
        .unwrap();
        let fault = check_image(&dir.path().join("anim.gif")).unwrap_err();
        assert_eq!(fault.kind, ProblemKind::UnsupportedImageType);
        assert!(fault.reason.contains("GIF"), "{}", fault.reason);
        std::fs::create_dir(dir.path().join("folder.jpg")).unwrap();
        assert_eq!(kind("folder.jpg"), ProblemKind::UnreadableImage);
    }

    #[test]
    fn damaged_and_truncated_files_fail() {
        let dir = tempfile::tempdir().unwrap();
        let full = jpeg_bytes(64, 64);
        std::fs::write(dir.path().join("cut.jpg"), &full[..40]).unwrap();
        let fault = check_image(&dir.path().join("cut.jpg")).unwrap_err();
        assert_eq!(fault.kind, ProblemKind::UnreadableImage);
        assert!(!fault.reason.contains('\n'), "{}", fault.reason);
        // The header is intact, the image data stops at 30 %.
        std::fs::write(dir.path().join("part.jpg"), &full[..full.len() * 3 / 10]).unwrap();
        let fault = check_image(&dir.path().join("part.jpg")).unwrap_err();
        assert_eq!(fault.kind, ProblemKind::UnreadableImage);
        assert!(fault.reason.starts_with("is truncated"), "{}", fault.reason);
    }

    #[test]
    fn oversized_files_are_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.jpg");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(photo::MAX_FILE_BYTES + 1)
            .unwrap();
        let fault = check_image(&path).unwrap_err();
        assert_eq!(fault.kind, ProblemKind::ImageTooLarge);
        assert!(fault.reason.contains("up to 200 MiB"), "{}", fault.reason);
    }

    #[test]
    fn parallel_results_keep_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let good = write_png(dir.path(), "good.png", 2, 2);
        let missing = dir.path().join("missing.png");
        let paths: Vec<&Path> = (0..500)
            .map(|i| {
                if i % 7 == 0 {
                    missing.as_path()
                } else {
                    good.as_path()
                }
            })
            .collect();
        let results = check_images(&paths);
        assert_eq!(results.len(), 500);
        for (i, result) in results.iter().enumerate() {
            assert_eq!(result.is_err(), i % 7 == 0, "image {i}");
        }
    }
}
