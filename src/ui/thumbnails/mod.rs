//! Photos for the window: decoded and shrunk on a pool of background loader threads, cached on
//! disk as small JPEGs, and uploaded as textures on the UI thread.
//!
//! Each frame the panels ask for the photos they are about to draw ([`ImageCache::get`]); at the
//! end of the frame the list of photos still missing replaces the loaders' queue, so photos that
//! scrolled out of view before they were decoded are never decoded at all. The queue is drained
//! by at most one task per pool thread, started when photos are wanted and ending when the
//! queue is empty.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use crossbeam_channel::{Receiver, Sender};
use eframe::egui;
use egui::{ColorImage, TextureHandle, TextureOptions};
use lru::LruCache;

mod disk;
mod key;
mod paint;

use disk::load;
pub use key::ImageKey;
pub use paint::{fitted_rect, paint_photo};

use super::Repaint;

/// Longest side of a grid thumbnail, in pixels.
pub const THUMBNAIL_PX: u32 = 160;
/// Longest side of the large photo in the detail panel, in pixels.
pub const PHOTO_PX: u32 = 640;
/// Bytes of decoded textures kept in memory before the least recently drawn are dropped
/// (about 1,400 grid thumbnails).
pub const MEMORY_BUDGET_BYTES: usize = 96 << 20;
/// Bytes of cached thumbnail files kept on disk before the least recently used are deleted.
pub const DISK_BUDGET_BYTES: u64 = 512 << 20;
/// Textures uploaded per frame at most, so a burst of results never stalls a frame.
const UPLOADS_PER_FRAME: usize = 48;
/// JPEG quality of the cached thumbnails.
const CACHE_JPEG_QUALITY: u8 = 85;

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
        size_bytes: usize,
    },
    Failed(String),
}

/// How much the photo cache may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// Bytes of decoded textures in memory (RGBA, 4 bytes a pixel). Photos drawn in the
    /// current frame are never dropped, so one frame's photos may exceed it.
    pub memory_bytes: usize,
    /// Bytes of thumbnail files in the disk cache.
    pub disk_bytes: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            memory_bytes: MEMORY_BUDGET_BYTES,
            disk_bytes: DISK_BUDGET_BYTES,
        }
    }
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
    disk: disk::DiskBudget,
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
    /// Least recently drawn last.
    entries: LruCache<ImageKey, Entry>,
    memory_budget_bytes: usize,
    bytes_in_memory: usize,
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
        Self::with_budgets(repaint, disk_cache, threads, Budgets::default())
    }

    /// Like [`ImageCache::new`] with explicit memory and disk budgets.
    pub fn with_budgets(
        repaint: Repaint,
        disk_cache: Option<PathBuf>,
        threads: usize,
        budgets: Budgets,
    ) -> Self {
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
            disk: disk::DiskBudget::new(budgets.disk_bytes),
        });
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("vitrine-thumbnails-{}", i + 1))
            .panic_handler(|_| log::error!("a photo loader task panicked"))
            .build();
        // Without loader threads photos stay placeholders; everything else still works.
        let pool = match pool {
            Ok(pool) => {
                // Trims a disk cache left over budget by earlier launches.
                let shared = shared.clone();
                pool.spawn(move || {
                    shared.disk.enforce(shared.disk_cache.as_deref());
                });
                Some(pool)
            }
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
            entries: LruCache::unbounded(),
            memory_budget_bytes: budgets.memory_bytes,
            bytes_in_memory: 0,
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
                Ok(image) => {
                    let size_bytes = image.pixels.len() * 4;
                    self.bytes_in_memory += size_bytes;
                    Entry::Ready {
                        texture: ctx.load_texture(
                            format!("photo:{}@{}", key.path.display(), key.size_px),
                            image,
                            TextureOptions::LINEAR,
                        ),
                        last_used_pass: self.pass,
                        size_bytes,
                    }
                }
                Err(reason) => Entry::Failed(reason),
            };
            if let Some((_, old)) = self.entries.push(key, entry) {
                self.forget(&old);
            }
        }
        if !self.results.is_empty() {
            ctx.request_repaint();
        }
    }

    /// The photo if it is ready; otherwise it is queued for loading (after the urgent ones
    /// when `urgent` is false).
    pub fn get(&mut self, key: &ImageKey, urgent: bool) -> ImageState<'_> {
        let pass = self.pass;
        if !self.entries.contains(key) {
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
                ..
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
        match self.entries.peek(key) {
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

    /// Drops the least recently drawn textures until the memory budget holds (never one
    /// drawn this frame).
    fn evict(&mut self) {
        while self.bytes_in_memory > self.memory_budget_bytes {
            let drawn_now = matches!(
                self.entries.peek_lru(),
                Some((_, Entry::Ready { last_used_pass, .. })) if *last_used_pass >= self.pass
            );
            if drawn_now {
                break;
            }
            match self.entries.pop_lru() {
                Some((_, old)) => self.forget(&old),
                None => break,
            }
        }
    }

    /// Takes a dropped entry's bytes off the count.
    fn forget(&mut self, entry: &Entry) {
        if let Entry::Ready { size_bytes, .. } = entry {
            self.bytes_in_memory = self.bytes_in_memory.saturating_sub(*size_bytes);
        }
    }

    /// Bytes of decoded textures held in memory.
    pub fn bytes_in_memory(&self) -> usize {
        self.bytes_in_memory
    }

    /// Textures held in memory (for tests and diagnostics).
    pub fn textures_in_memory(&self) -> usize {
        self.entries
            .iter()
            .filter(|(_, e)| matches!(e, Entry::Ready { .. }))
            .count()
    }

    /// Garment-mask pictures held in memory (for tests and diagnostics).
    pub fn masks_in_memory(&self) -> usize {
        self.entries
            .iter()
            .filter(|(k, e)| k.garment_mask && matches!(e, Entry::Ready { .. }))
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
        let budget = &shared.disk;
        let result = std::panic::catch_unwind(|| load(&key, disk_cache, budget))
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

#[cfg(test)]
mod tests;
