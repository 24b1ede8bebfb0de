//! Turning catalogue photos into network inputs once: each photo is decoded, resized and
//! centre-cropped a single time and kept small in memory (never the full-size original).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use image::RgbImage;
use rayon::prelude::*;

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

/// The decoding pool of `threads` threads ("vitrine-decode-N"), built on first use and kept
/// for the life of the process (one per size asked for; in practice there is one). `None`
/// when the threads cannot be started (logged).
fn decode_pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    /// Pools by thread count.
    type Pools = Vec<(usize, Arc<rayon::ThreadPool>)>;
    static POOLS: OnceLock<Mutex<Pools>> = OnceLock::new();
    let threads = threads.max(1);
    let mut pools = POOLS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return Some(pool.clone());
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("vitrine-decode-{i}"))
        .build()
    {
        Ok(pool) => {
            let pool = Arc::new(pool);
            pools.push((threads, pool.clone()));
            Some(pool)
        }
        Err(e) => {
            log::warn!("cannot start the photo decoding threads ({e}); decoding on one thread");
            None
        }
    }
}

/// Decodes and prepares `paths` on a pool of `threads` named threads ("vitrine-decode-N"),
/// calling `progress(done, total)` as photos finish. Returns early (with what is done) when
/// `stop` is set.
pub fn prepare_images(
    paths: &[PathBuf],
    size_px: u32,
    threads: usize,
    stop: &AtomicBool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> PreparedImages {
    let total = paths.len();
    let done = AtomicUsize::new(0);
    let prepare_one = |path: &PathBuf| -> Option<Result<RgbImage, String>> {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        // A decoder that panics on a malformed file costs that photo only.
        let result = std::panic::catch_unwind(|| {
            transforms::load_image(path)
                .map(|img| transforms::prepare(&img, size_px))
                .map_err(|e| e.to_string())
        })
        .unwrap_or_else(|_| Err("the photo could not be decoded".into()));
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(finished, total);
        Some(result)
    };
    let results: Vec<Option<Result<RgbImage, String>>> = match decode_pool(threads) {
        Some(pool) => pool.install(|| paths.par_iter().map(prepare_one).collect()),
        None => paths.iter().map(prepare_one).collect(),
    };
    let mut prepared = PreparedImages {
        size_px,
        ..Default::default()
    };
    for (i, result) in results.into_iter().enumerate() {
        match result {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn photos(dir: &std::path::Path, n: usize) -> Vec<PathBuf> {
        (0..n)
            .map(|i| {
                let path = dir.join(format!("p{i}.png"));
                image::RgbImage::from_pixel(8 + i as u32, 6, image::Rgb([i as u8, 0, 0]))
                    .save(&path)
                    .unwrap();
                path
            })
            .collect()
    }

    #[test]
    fn prepares_every_photo_in_order_and_reports_failures_and_progress() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = photos(dir.path(), 6);
        paths.insert(2, dir.path().join("missing.png"));
        std::fs::write(dir.path().join("broken.png"), b"not a png").unwrap();
        paths.push(dir.path().join("broken.png"));
        let calls = AtomicUsize::new(0);
        let last = AtomicUsize::new(0);
        let progress = |done: usize, total: usize| {
            assert_eq!(total, 8);
            calls.fetch_add(1, Ordering::Relaxed);
            last.fetch_max(done, Ordering::Relaxed);
        };
        let prepared = prepare_images(&paths, 4, 3, &AtomicBool::new(false), &progress);
        assert_eq!(prepared.images.len(), 8);
        assert_eq!(prepared.ready(), 6);
        let failed: Vec<usize> = prepared.failures.iter().map(|(i, _)| *i).collect();
        assert_eq!(failed, [2, 7]);
        assert_eq!(prepared.images[3].as_ref().unwrap().dimensions(), (4, 4));
        // Slot 3 is photo 2 (red value 2): the order of the input is kept.
        assert_eq!(prepared.images[3].as_ref().unwrap().get_pixel(0, 0)[0], 2);
        assert_eq!(calls.load(Ordering::Relaxed), 8);
        assert_eq!(last.load(Ordering::Relaxed), 8);
    }

    #[test]
    fn a_stop_prepares_nothing_more_and_the_pool_runs_on_named_threads() {
        let dir = tempfile::tempdir().unwrap();
        let paths = photos(dir.path(), 3);
        let stopped = prepare_images(&paths, 4, 2, &AtomicBool::new(true), &|_, _| {});
        assert_eq!((stopped.images.len(), stopped.ready()), (3, 0));
        assert!(stopped.failures.is_empty());
        let pool = decode_pool(2).unwrap();
        let name = pool.install(|| std::thread::current().name().map(str::to_string));
        assert!(name.unwrap().starts_with("vitrine-decode-"));
        assert!(Arc::ptr_eq(&pool, &decode_pool(2).unwrap()), "built once");
    }
}
