//! Photos for the window: decoded and shrunk on a pool of background loader threads, cached on
//! disk as small JPEGs, and uploaded as textures on the UI thread.
//!
//! Each frame the panels ask for the photos they are about to draw ([`ImageCache::get`]); at the
//! end of the frame the list of photos still missing replaces the loaders' queue, so photos that
//! scrolled out of view before they were decoded are never decoded at all. The queue is drained
//! by at most one task per pool thread, started when photos are wanted and ending when the
//! queue is empty.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::UNIX_EPOCH;

use crossbeam_channel::{Receiver, Sender};
use eframe::egui;
use egui::{Color32, ColorImage, Pos2, Rect, TextureHandle, TextureOptions, Vec2};

use super::Repaint;
use crate::vision::transforms;

/// Longest side of a grid thumbnail, in pixels.
pub const THUMBNAIL_PX: u32 = 160;
/// Longest side of the large photo in the detail panel, in pixels.
pub const PHOTO_PX: u32 = 640;
/// Textures kept in memory before the least recently drawn ones are dropped.
const TEXTURE_CAPACITY: usize = 900;
/// Textures uploaded per frame at most, so a burst of results never stalls a frame.
const UPLOADS_PER_FRAME: usize = 48;
/// JPEG quality of the cached thumbnails.
const CACHE_JPEG_QUALITY: u8 = 85;

/// A photo at a given size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageKey {
    /// The photo file.
    pub path: PathBuf,
    /// Longest side wanted, in pixels.
    pub size_px: u32,
}

impl ImageKey {
    /// The grid-sized thumbnail of `path`.
    pub fn thumbnail(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            size_px: THUMBNAIL_PX,
        }
    }

    /// The detail-sized photo of `path`.
    pub fn photo(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            size_px: PHOTO_PX,
        }
    }
}

/// What the cache can say about a photo this frame.
pub enum ImageState<'a> {
    /// Not decoded yet; a loader thread will get to it.
    Loading,
    /// Ready to draw.
    Ready(&'a TextureHandle),
    /// The photo could not be read; the reason in words.
    Failed(&'a str),
}

enum Entry {
    Ready {
        texture: TextureHandle,
        last_used_pass: u64,
    },
    Failed(String),
}

struct Queue {
    wanted: VecDeque<ImageKey>,
    in_flight: HashSet<ImageKey>,
    /// Tasks on the pool taking photos from `wanted`.
    drainers: usize,
    shutdown: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    results: Sender<LoadResult>,
    repaint: Repaint,
    disk_cache: Option<PathBuf>,
}

impl Shared {
    /// The queue even if a loader panicked while holding it (its data stays consistent).
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type LoadResult = (ImageKey, Result<ColorImage, String>);

/// Textures of catalogue photos, filled by background loader threads.
pub struct ImageCache {
    shared: Arc<Shared>,
    results: Receiver<LoadResult>,
    /// The loader threads; `None` when they could not be started.
    pool: Option<rayon::ThreadPool>,
    threads: usize,
    entries: HashMap<ImageKey, Entry>,
    /// Missing photos asked for this frame, most urgent first.
    wanted_urgent: Vec<ImageKey>,
    wanted: Vec<ImageKey>,
    wanted_set: HashSet<ImageKey>,
    last_sent: Vec<ImageKey>,
    pass: u64,
}

impl ImageCache {
    /// Starts a pool of `threads` loader threads ("vitrine-thumbnails-N"). With `disk_cache`,
    /// shrunk photos are kept there between launches.
    pub fn new(repaint: Repaint, disk_cache: Option<PathBuf>, threads: usize) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                wanted: VecDeque::new(),
                in_flight: HashSet::new(),
                drainers: 0,
                shutdown: false,
            }),
            results: tx,
            repaint,
            disk_cache,
        });
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("vitrine-thumbnails-{}", i + 1))
            .panic_handler(|_| log::error!("a photo loader task panicked"))
            .build();
        // Without loader threads photos stay placeholders; everything else still works.
        let pool = match pool {
            Ok(pool) => Some(pool),
            Err(e) => {
                log::warn!("cannot start the photo loader threads: {e}");
                None
            }
        };
        Self {
            shared,
            results: rx,
            pool,
            threads,
            entries: HashMap::new(),
            wanted_urgent: Vec::new(),
            wanted: Vec::new(),
            wanted_set: HashSet::new(),
            last_sent: Vec::new(),
            pass: 0,
        }
    }

    /// True when no loader thread could be started.
    pub fn has_no_loader(&self) -> bool {
        self.pool.is_none()
    }

    /// Takes decoded photos and uploads them as textures; call once at the start of a frame.
    pub fn begin_frame(&mut self, ctx: &egui::Context) {
        self.pass = ctx.cumulative_pass_nr();
        for _ in 0..UPLOADS_PER_FRAME {
            let Ok((key, result)) = self.results.try_recv() else {
                break;
            };
            let entry = match result {
                Ok(image) => Entry::Ready {
                    texture: ctx.load_texture(
                        format!("photo:{}@{}", key.path.display(), key.size_px),
                        image,
                        TextureOptions::LINEAR,
                    ),
                    last_used_pass: self.pass,
                },
                Err(reason) => Entry::Failed(reason),
            };
            self.entries.insert(key, entry);
        }
        if !self.results.is_empty() {
            ctx.request_repaint();
        }
    }

    /// The photo if it is ready; otherwise it is queued for loading (after the urgent ones
    /// when `urgent` is false).
    pub fn get(&mut self, key: &ImageKey, urgent: bool) -> ImageState<'_> {
        let pass = self.pass;
        if !self.entries.contains_key(key) {
            if self.wanted_set.insert(key.clone()) {
                if urgent {
                    self.wanted_urgent.push(key.clone());
                } else {
                    self.wanted.push(key.clone());
                }
            }
            return ImageState::Loading;
        }
        match self.entries.get_mut(key) {
            Some(Entry::Ready {
                texture,
                last_used_pass,
            }) => {
                *last_used_pass = pass;
                ImageState::Ready(texture)
            }
            Some(Entry::Failed(reason)) => ImageState::Failed(reason),
            None => ImageState::Loading,
        }
    }

    /// The reason a photo could not be read, if it could not (does not queue anything).
    pub fn failure(&self, key: &ImageKey) -> Option<&str> {
        match self.entries.get(key) {
            Some(Entry::Failed(reason)) => Some(reason),
            _ => None,
        }
    }

    /// Hands this frame's missing photos to the loaders and drops old textures; call once at
    /// the end of a frame.
    pub fn end_frame(&mut self) {
        let mut wanted = std::mem::take(&mut self.wanted_urgent);
        wanted.append(&mut self.wanted);
        self.wanted_set.clear();
        if wanted != self.last_sent {
            let mut queue = self.shared.lock();
            queue.wanted = wanted
                .iter()
                .filter(|k| !queue.in_flight.contains(*k))
                .cloned()
                .collect();
            self.start_drainers(&mut queue);
            drop(queue);
            self.last_sent = wanted;
        }
        self.evict();
    }

    /// Starts loader tasks until there is one per wanted photo or per pool thread.
    fn start_drainers(&self, queue: &mut Queue) {
        let Some(pool) = &self.pool else {
            return;
        };
        let needed = queue.wanted.len().min(self.threads);
        while queue.drainers < needed {
            queue.drainers += 1;
            let shared = self.shared.clone();
            pool.spawn(move || drain(&shared));
        }
    }

    /// Drops the least recently drawn textures beyond the capacity (never one drawn this frame).
    fn evict(&mut self) {
        let ready = self
            .entries
            .values()
            .filter(|e| matches!(e, Entry::Ready { .. }))
            .count();
        // Evicting in batches keeps this sort rare.
        if ready <= TEXTURE_CAPACITY + TEXTURE_CAPACITY / 8 {
            return;
        }
        let mut by_age: Vec<(u64, ImageKey)> = self
            .entries
            .iter()
            .filter_map(|(k, e)| match e {
                Entry::Ready { last_used_pass, .. } if *last_used_pass < self.pass => {
                    Some((*last_used_pass, k.clone()))
                }
                _ => None,
            })
            .collect();
        by_age.sort_by_key(|(pass, _)| *pass);
        for (_, key) in by_age.into_iter().take(ready - TEXTURE_CAPACITY) {
            self.entries.remove(&key);
        }
    }

    /// Textures held in memory (for tests and diagnostics).
    pub fn textures_in_memory(&self) -> usize {
        self.entries
            .values()
            .filter(|e| matches!(e, Entry::Ready { .. }))
            .count()
    }
}

impl Drop for ImageCache {
    fn drop(&mut self) {
        // Loader tasks finish the photo in hand, see the shutdown and end; dropping the pool
        // lets its threads exit once they have.
        let mut queue = self.shared.lock();
        queue.shutdown = true;
        queue.wanted.clear();
    }
}

/// Loads wanted photos until the queue is empty (or shut down); runs on the pool.
fn drain(shared: &Shared) {
    loop {
        let key = {
            let mut queue = shared.lock();
            loop {
                let next = if queue.shutdown {
                    None
                } else {
                    queue.wanted.pop_front()
                };
                match next {
                    // Decremented under the same lock `end_frame` checks, so a photo queued
                    // now always finds a task.
                    None => {
                        queue.drainers -= 1;
                        return;
                    }
                    Some(key) if queue.in_flight.insert(key.clone()) => break key,
                    Some(_) => continue,
                }
            }
        };
        let disk_cache = shared.disk_cache.as_deref();
        let result = std::panic::catch_unwind(|| load(&key, disk_cache))
            .unwrap_or_else(|_| Err("the photo could not be decoded".into()));
        shared.lock().in_flight.remove(&key);
        if shared.results.send((key, result)).is_err() {
            // The window is gone: nothing wants photos any more.
            let mut queue = shared.lock();
            queue.drainers -= 1;
            queue.shutdown = true;
            return;
        }
        shared.repaint.request();
    }
}

/// A shrunk copy of the photo: from the disk cache when it is there, else decoded (and cached).
fn load(key: &ImageKey, disk_cache: Option<&Path>) -> Result<ColorImage, String> {
    let cache_file = disk_cache.and_then(|dir| cache_file_for(dir, key));
    if let Some(file) = &cache_file {
        if let Ok(img) = crate::photo::open(file) {
            return Ok(to_color_image(&img.to_rgb8()));
        }
    }
    let photo = transforms::load_image(&key.path).map_err(|e| e.to_string())?;
    let small = shrink(&photo, key.size_px);
    if let Some(file) = &cache_file {
        // A cache that cannot be written only costs time on the next launch.
        if let Err(e) = write_cache_file(file, &small) {
            log::warn!("cannot cache a thumbnail in {}: {e}", file.display());
        }
    }
    Ok(to_color_image(&small))
}

/// Scales `img` so its longest side is at most `size_px`, keeping its proportions.
pub fn shrink(img: &image::RgbImage, size_px: u32) -> image::RgbImage {
    let (w, h) = img.dimensions();
    let (tw, th) = fit_within(w, h, size_px.max(1));
    if (tw, th) == (w, h) {
        return img.clone();
    }
    image::imageops::thumbnail(img, tw, th)
}

/// The size of a `w` × `h` image shrunk to fit in a `side` × `side` square (never enlarged).
pub fn fit_within(w: u32, h: u32, side: u32) -> (u32, u32) {
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
fn cache_file_for(dir: &Path, key: &ImageKey) -> Option<PathBuf> {
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
    // Written beside the target and renamed, so a reader never sees half a file.
    let temp = file.with_extension(format!("{}.tmp", std::process::id()));
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temp)?);
        let encoder =
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, CACHE_JPEG_QUALITY);
        img.write_with_encoder(encoder)
            .map_err(std::io::Error::other)?;
        out.flush()?;
        drop(out);
        std::fs::rename(&temp, file)
    })();
    if result.is_err() {
        if let Err(e) = std::fs::remove_file(&temp) {
            if e.kind() != std::io::ErrorKind::NotFound {
                log::warn!("cannot remove unfinished thumbnail {}: {e}", temp.display());
            }
        }
    }
    result
}

fn to_color_image(img: &image::RgbImage) -> ColorImage {
    let (w, h) = img.dimensions();
    ColorImage::from_rgb([w as usize, h as usize], img.as_raw())
}

/// The largest rectangle with the texture's proportions that fits in `frame`, centred.
pub fn fitted_rect(frame: Rect, texture_size: Vec2) -> Rect {
    if texture_size.x <= 0.0 || texture_size.y <= 0.0 {
        return frame;
    }
    let scale = (frame.width() / texture_size.x).min(frame.height() / texture_size.y);
    Rect::from_center_size(frame.center(), texture_size * scale)
}

/// Draws the photo in `frame` with its proportions kept, or a placeholder while it loads (a
/// soft box) or when it failed (a crossed box). Returns the failure reason, if any.
pub fn paint_photo(
    ui: &egui::Ui,
    cache: &mut ImageCache,
    key: &ImageKey,
    frame: Rect,
    urgent: bool,
) -> Option<String> {
    let painter = ui.painter_at(frame);
    let visuals = ui.visuals();
    match cache.get(key, urgent) {
        ImageState::Ready(texture) => {
            let rect = fitted_rect(frame, texture.size_vec2());
            painter.image(
                texture.id(),
                rect,
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
            None
        }
        ImageState::Loading => {
            painter.rect_filled(frame.shrink(2.0), 4.0, visuals.faint_bg_color);
            painter.text(
                frame.center(),
                egui::Align2::CENTER_CENTER,
                "loading…",
                egui::FontId::proportional(11.0),
                visuals.weak_text_color(),
            );
            None
        }
        ImageState::Failed(reason) => {
            let reason = reason.to_string();
            let r = frame.shrink(4.0);
            painter.rect_stroke(
                r,
                4.0,
                (1.0, visuals.weak_text_color()),
                egui::StrokeKind::Inside,
            );
            painter.line_segment(
                [r.left_top(), r.right_bottom()],
                (1.0, visuals.weak_text_color()),
            );
            painter.line_segment(
                [r.right_top(), r.left_bottom()],
                (1.0, visuals.weak_text_color()),
            );
            painter.text(
                frame.center(),
                egui::Align2::CENTER_CENTER,
                "photo unreadable",
                egui::FontId::proportional(11.0),
                visuals.error_fg_color,
            );
            Some(reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_within_keeps_proportions_and_never_enlarges() {
        assert_eq!(fit_within(320, 480, 160), (107, 160));
        assert_eq!(fit_within(480, 320, 160), (160, 107));
        assert_eq!(fit_within(100, 50, 160), (100, 50));
        assert_eq!(fit_within(0, 0, 160), (1, 1));
    }

    #[test]
    fn fitted_rect_is_centred_and_undistorted() {
        let frame = Rect::from_min_size(Pos2::ZERO, Vec2::new(100.0, 100.0));
        let r = fitted_rect(frame, Vec2::new(50.0, 100.0));
        assert_eq!(r.size(), Vec2::new(50.0, 100.0));
        assert_eq!(r.center(), frame.center());
    }

    #[test]
    fn the_loader_pool_decodes_wanted_photos_and_caches_them_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let photos: Vec<ImageKey> = (0..5)
            .map(|i| {
                let path = dir.path().join(format!("p{i}.png"));
                image::RgbImage::new(400 + i, 200).save(&path).unwrap();
                ImageKey::thumbnail(&path)
            })
            .collect();
        let missing = ImageKey::thumbnail(&dir.path().join("missing.png"));
        let disk = dir.path().join("thumbs");
        let mut cache = ImageCache::new(Repaint::default(), Some(disk.clone()), 2);
        assert!(!cache.has_no_loader());
        let ctx = egui::Context::default();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            cache.begin_frame(&ctx);
            let ready = photos
                .iter()
                .filter(|k| matches!(cache.get(k, false), ImageState::Ready(_)))
                .count();
            let failed = matches!(cache.get(&missing, true), ImageState::Failed(_));
            cache.end_frame();
            if ready == photos.len() && failed {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{ready} photos loaded"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(cache.textures_in_memory(), 5);
        assert!(cache.failure(&missing).is_some());
        assert_eq!(std::fs::read_dir(&disk).unwrap().count(), 5);
    }

    #[test]
    fn cache_key_changes_with_size() {
        let dir = std::env::temp_dir();
        let file = dir.join(format!("vitrine-thumb-key-{}.png", std::process::id()));
        image::RgbImage::new(4, 2).save(&file).unwrap();
        let a = cache_file_for(&dir, &ImageKey::thumbnail(&file)).unwrap();
        let b = cache_file_for(&dir, &ImageKey::photo(&file)).unwrap();
        assert_ne!(a, b);
        let img = load(&ImageKey::thumbnail(&file), None).unwrap();
        assert_eq!(img.size, [4, 2]);
        let _ = std::fs::remove_file(&file);
    }
}
