//! Turning catalogue photos into network inputs once: each photo is decoded, resized and
//! centre-cropped a single time and kept small in memory (never the full-size original).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use image::RgbImage;

use crate::vision::transforms;

/// Photos prepared for the network, one slot per catalogue item.
#[derive(Debug, Default)]
pub struct PreparedImages {
    /// Side of the square images in pixels.
    pub size_px: u32,
    /// The prepared image, or `None` when the photo could not be read.
    pub images: Vec<Option<RgbImage>>,
    /// Items whose photo could not be read, with the reason in words.
    pub failures: Vec<(usize, String)>,
}

impl PreparedImages {
    /// Number of items whose photo is ready.
    pub fn ready(&self) -> usize {
        self.images.iter().filter(|i| i.is_some()).count()
    }
}

/// Decodes and prepares `paths` on `threads` named threads, calling `progress(done, total)`
/// as photos finish. Returns early (with what is done) when `stop` is set.
pub fn prepare_images(
    paths: &[PathBuf],
    size_px: u32,
    threads: usize,
    stop: &AtomicBool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> PreparedImages {
    let total = paths.len();
    let slots: Vec<Mutex<Option<Result<RgbImage, String>>>> =
        (0..total).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for t in 0..threads.max(1) {
            let work = || loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let result = transforms::load_image(&paths[i])
                    .map(|img| transforms::prepare(&img, size_px))
                    .map_err(|e| e.to_string());
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(result);
                }
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(finished, total);
            };
            // A thread that cannot be spawned just leaves its share to the others.
            let _ = std::thread::Builder::new()
                .name(format!("vitrine-decode-{t}"))
                .spawn_scoped(scope, work);
        }
    });
    let mut prepared = PreparedImages {
        size_px,
        ..Default::default()
    };
    for (i, slot) in slots.into_iter().enumerate() {
        match slot.into_inner().ok().flatten() {
            Some(Ok(img)) => prepared.images.push(Some(img)),
            Some(Err(reason)) => {
                prepared.failures.push((i, reason));
                prepared.images.push(None);
            }
            None => prepared.images.push(None),
        }
    }
    prepared
}
