//! Decoding a photo for the window, through the disk cache of small JPEGs, kept within a
//! byte budget by deleting the least recently used files.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use eframe::egui::ColorImage;

use super::{ImageKey, CACHE_JPEG_QUALITY};
use crate::lookalike::colour::lab::LabConverter;
use crate::lookalike::colour::mask::garment_mask;
use crate::vision::transforms;

/// A shrunk copy of the photo: from the disk cache when it is there, else decoded (and cached).
pub(super) fn load(
    key: &ImageKey,
    disk_cache: Option<&Path>,
    budget: &DiskBudget,
) -> Result<ColorImage, String> {
    if key.garment_mask {
        // Computed fresh each time (a few milliseconds), never cached on disk.
        let photo = transforms::load_image(&key.path).map_err(|e| e.to_string())?;
        let mask = garment_mask(&photo, &LabConverter::default());
        return Ok(to_color_image(&mask.overlay(&shrink(&photo, key.size_px))));
    }
    let cache_file = disk_cache.and_then(|dir| cache_file_for(dir, key));
    if let Some(file) = &cache_file {
        if let Ok(img) = crate::photo::open(file) {
            touch(file);
            return Ok(to_color_image(&img.to_rgb8()));
        }
    }
    let photo = transforms::load_image(&key.path).map_err(|e| e.to_string())?;
    let small = shrink(&photo, key.size_px);
    if let Some(file) = &cache_file {
        // A cache that cannot be written only costs time on the next launch.
        match write_cache_file(file, &small) {
            Ok(()) => budget.wrote(file, disk_cache),
            Err(e) => log::warn!("cannot cache a thumbnail in {}: {e}", file.display()),
        }
    }
    Ok(to_color_image(&small))
}

/// Scales `img` so its longest side is at most `size_px`, keeping its proportions.
pub(super) fn shrink(img: &image::RgbImage, size_px: u32) -> image::RgbImage {
    let (w, h) = img.dimensions();
    let (tw, th) = fit_within(w, h, size_px.max(1));
    if (tw, th) == (w, h) {
        return img.clone();
    }
    image::imageops::thumbnail(img, tw, th)
}

/// The size of a `w` × `h` image shrunk to fit in a `side` × `side` square (never enlarged).
pub(super) fn fit_within(w: u32, h: u32, side: u32) -> (u32, u32) {
    if w == 0 || h == 0 || (w <= side && h <= side) {
        return (w.max(1), h.max(1));
    }
    let scale = side as f64 / w.max(h) as f64;
    let tw = ((w as f64 * scale).round() as u32).clamp(1, side);
    let th = ((h as f64 * scale).round() as u32).clamp(1, side);
    (tw, th)
}

/// The cache file name: a hash of the path, the size asked for, and the file's length and
/// modification time, so an edited photo gets a new thumbnail.
pub(super) fn cache_file_for(dir: &Path, key: &ImageKey) -> Option<PathBuf> {
    let meta = std::fs::metadata(&key.path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let mut bytes = key.path.as_os_str().as_encoded_bytes().to_vec();
    bytes.extend_from_slice(&key.size_px.to_le_bytes());
    bytes.extend_from_slice(&meta.len().to_le_bytes());
    bytes.extend_from_slice(&modified.to_le_bytes());
    let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
    Some(dir.join(format!("{hash:032x}.jpg")))
}

fn write_cache_file(file: &Path, img: &image::RgbImage) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Crash-safe: a reader never sees half a file, a killed run leaves only a temporary file
    // that the next start removes.
    let mut out = crate::durable::AtomicFile::create(file)?;
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, CACHE_JPEG_QUALITY);
    img.write_with_encoder(encoder)
        .map_err(std::io::Error::other)?;
    out.commit()
}

fn to_color_image(img: &image::RgbImage) -> ColorImage {
    let (w, h) = img.dimensions();
    ColorImage::from_rgb([w as usize, h as usize], img.as_raw())
}

/// Marks a cache file as just used (its modification time orders the deletions); a file
/// that cannot be touched is only deleted a little earlier.
fn touch(file: &Path) {
    if let Ok(f) = std::fs::File::options().append(true).open(file) {
        if let Err(e) = f.set_modified(SystemTime::now()) {
            log::debug!("cannot touch thumbnail {}: {e}", file.display());
        }
    }
}

/// Keeps the thumbnail folder under a byte budget.
pub(super) struct DiskBudget {
    budget_bytes: u64,
    /// Bytes written since the folder was last measured.
    written_bytes: AtomicU64,
    /// One trim at a time.
    trimming: Mutex<()>,
}

impl DiskBudget {
    pub(super) fn new(budget_bytes: u64) -> Self {
        Self {
            budget_bytes,
            written_bytes: AtomicU64::new(0),
            trimming: Mutex::new(()),
        }
    }

    /// Counts a file just written; trims the folder after an eighth of the budget.
    fn wrote(&self, file: &Path, dir: Option<&Path>) {
        let size = std::fs::metadata(file).map_or(0, |m| m.len());
        let total = self.written_bytes.fetch_add(size, Ordering::Relaxed) + size;
        if total > self.budget_bytes / 8 {
            self.enforce(dir);
        }
    }

    /// Deletes the least recently used thumbnails until the folder holds at most 90% of the
    /// budget (when it holds more than the budget). Returns the bytes left.
    pub(super) fn enforce(&self, dir: Option<&Path>) -> u64 {
        let Some(dir) = dir else {
            return 0;
        };
        let Ok(_one_at_a_time) = self.trimming.try_lock() else {
            return 0;
        };
        self.written_bytes.store(0, Ordering::Relaxed);
        let Ok(listing) = std::fs::read_dir(dir) else {
            return 0;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = listing
            .filter_map(|e| {
                let e = e.ok()?;
                let path = e.path();
                let meta = e.metadata().ok()?;
                let is_thumbnail = path.extension().is_some_and(|x| x == "jpg");
                (meta.is_file() && is_thumbnail)
                    .then(|| (meta.modified().unwrap_or(UNIX_EPOCH), meta.len(), path))
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        if total <= self.budget_bytes {
            return total;
        }
        files.sort();
        let target = self.budget_bytes / 10 * 9;
        for (_, size, path) in files {
            if total <= target {
                break;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => total -= size,
                Err(e) => log::warn!("cannot delete old thumbnail {}: {e}", path.display()),
            }
        }
        total
    }
}
