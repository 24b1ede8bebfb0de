//! Photos named by web address (`https://…/dress.jpg`), fetched into vitrine's photo cache
//! (`<cache dir>/photos/`, never beside the user's files) before the import checks them.
//!
//! - A photo already beside the catalogue under the address's file name is used as it is
//!   (catalogues whose photos were downloaded by hand keep working).
//! - Otherwise the photo is looked up in the cache under a hash of its address; what is there
//!   is used without asking the server again, so a second import downloads nothing.
//! - What is missing is downloaded on a bounded pool of connections ([`FetchSettings`]), with
//!   timeouts, retries with back-off and a few redirects at most; every photo is written to a
//!   temporary file, checked with [`crate::photo::check`] (size, pixels, truncation) and only
//!   then renamed into the cache, so the cache never holds half a photo.
//! - Every failure names the row it came from in the import report.
//!
//! How the import fetches (offline or not, progress, stopping) is set for the thread that
//! imports with [`with_control`]; [`crate::catalogue::load_with`] does this.

mod download;

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub(crate) use self::download::download_all;

/// How photos are downloaded: connections, limits and patience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchSettings {
    /// Folder the photos are cached in; by default `<cache dir>/photos`.
    pub cache_dir: PathBuf,
    /// Downloads at once (one connection each).
    pub connections: usize,
    /// Longest wait to connect to a server.
    pub connect_timeout: Duration,
    /// Longest a whole download may take, from connecting to the photo's last byte.
    pub download_timeout: Duration,
    /// Tries per photo when the server is unreachable, slow or answers 5xx / 429.
    pub attempts: u32,
    /// The wait before the second try; it doubles before each further one.
    pub first_backoff: Duration,
    /// Redirects followed at most.
    pub max_redirects: u32,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            cache_dir: photo_cache_dir(),
            connections: 8,
            connect_timeout: Duration::from_secs(10),
            download_timeout: Duration::from_secs(60),
            attempts: 3,
            first_backoff: Duration::from_millis(500),
            max_redirects: 3,
        }
    }
}

/// The default photo cache: `<cache dir>/photos`.
pub fn photo_cache_dir() -> PathBuf {
    crate::paths::cache_dir().join("photos")
}

/// Photos fetched so far during an import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchProgress {
    /// Photos finished (downloaded, found in the cache, or failed).
    pub done: usize,
    /// Photos the import needs from the web.
    pub total: usize,
    /// Of `done`, those that were downloaded now (not found in the cache).
    pub downloaded: usize,
    /// Of `done`, those that failed.
    pub failed: usize,
}

/// Called with each step of the fetching, on the importing thread.
pub type ProgressFn = Arc<dyn Fn(FetchProgress) + Send + Sync>;

/// How one import fetches photos: the settings, cache only or not, progress and stopping.
#[derive(Clone, Default)]
pub struct FetchControl {
    /// Connections, timeouts and the cache folder.
    pub settings: FetchSettings,
    /// Use only what is in the cache; download nothing.
    pub offline: bool,
    /// Set to stop downloading: photos not fetched yet are reported as not downloaded.
    pub stop: Arc<AtomicBool>,
    /// Told of every finished photo.
    pub progress: Option<ProgressFn>,
}

impl fmt::Debug for FetchControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchControl")
            .field("settings", &self.settings)
            .field("offline", &self.offline)
            .field("stop", &self.stop.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

thread_local! {
    static CONTROL: RefCell<Option<FetchControl>> = const { RefCell::new(None) };
}

/// Runs `f` (an import) with `control` deciding how its photos are fetched on this thread.
pub fn with_control<R>(control: FetchControl, f: impl FnOnce() -> R) -> R {
    let previous = CONTROL.with(|c| c.replace(Some(control)));
    // Restored even if `f` panics, so a caught panic leaves no control behind.
    struct Restore(Option<FetchControl>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CONTROL.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(previous);
    f()
}

/// The control set by [`with_control`] on this thread, or the defaults.
pub(crate) fn current_control() -> FetchControl {
    CONTROL.with(|c| c.borrow().clone()).unwrap_or_default()
}

/// True for an `http://` or `https://` address.
pub fn is_web_address(reference: &str) -> bool {
    let reference = reference.trim();
    ["http://", "https://"].iter().any(|scheme| {
        reference
            .get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    })
}

/// Where the photo at `url` is cached in `cache_dir`: a hash of the address, with the
/// address's image extension when it has one (the content decides the format anyway).
pub fn cached_path(cache_dir: &Path, url: &str) -> PathBuf {
    let hash = xxhash_rust::xxh3::xxh3_128(url.trim().as_bytes());
    let path_part = url.split(['?', '#']).next().unwrap_or_default();
    let ext = path_part
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| ["jpg", "jpeg", "png", "webp"].contains(&ext.as_str()))
        .unwrap_or_else(|| "img".to_string());
    cache_dir.join(format!("{hash:032x}.{ext}"))
}

/// Why a photo could not be fetched; the text completes `image "…" …`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchFailure {
    /// Offline, and the photo is not in the cache.
    #[error("is not in the photo cache and downloading is off (offline)")]
    NotCached,
    /// Stopped before this photo was fetched.
    #[error("was not downloaded: fetching photos was stopped")]
    Stopped,
    /// The server answered with an error status.
    #[error("could not be downloaded: the server answered {status}{}", tries_text(.attempts))]
    Status {
        /// The HTTP status.
        status: u16,
        /// Tries made.
        attempts: u32,
    },
    /// No answer in time.
    #[error("could not be downloaded: the server did not answer in time{}", tries_text(.attempts))]
    TimedOut {
        /// Tries made.
        attempts: u32,
    },
    /// The address redirects too often (or in a loop).
    #[error("could not be downloaded: the address redirects more than {0} times")]
    TooManyRedirects(u32),
    /// The server says or sends more bytes than a photo may have.
    #[error("could not be downloaded: it is larger than vitrine's limit of {limit_mib} MiB")]
    TooLarge {
        /// The limit, in MiB.
        limit_mib: u64,
    },
    /// The connection failed or broke off.
    #[error("could not be downloaded: {reason}{}", tries_text(.attempts))]
    Network {
        /// What happened, in words.
        reason: String,
        /// Tries made.
        attempts: u32,
    },
    /// What arrived is not a photo vitrine can use.
    #[error("was downloaded but {0}")]
    NotAPhoto(String),
    /// The cache folder cannot be written.
    #[error("could not be saved in the photo cache: {0}")]
    Cache(String),
}

fn tries_text(attempts: &u32) -> String {
    if *attempts > 1 {
        format!(" ({attempts} tries)")
    } else {
        String::new()
    }
}

/// Finds each image on disk, fetching web photos that are neither beside the catalogue
/// (`resolved`, the address's file name in the catalogue's folder) nor in the cache; results
/// in the order of `images`, each the file to use or why there is none.
pub(crate) fn localise(images: &[(&str, &Path)]) -> Vec<Result<PathBuf, FetchFailure>> {
    let control = current_control();
    let mut results: Vec<Result<PathBuf, FetchFailure>> = Vec::with_capacity(images.len());
    let mut jobs: Vec<download::Job> = Vec::new();
    let mut job_of_target = std::collections::HashMap::new();
    let mut waiting = Vec::new();
    for (i, (reference, resolved)) in images.iter().enumerate() {
        if !is_web_address(reference) || resolved.is_file() {
            results.push(Ok(resolved.to_path_buf()));
            continue;
        }
        let target = cached_path(&control.settings.cache_dir, reference);
        let job = *job_of_target.entry(target.clone()).or_insert_with(|| {
            jobs.push(download::Job {
                url: reference.trim().to_string(),
                target: target.clone(),
            });
            jobs.len() - 1
        });
        waiting.push((i, job));
        results.push(Ok(target));
    }
    if jobs.is_empty() {
        return results;
    }
    let outcomes = download_all(&jobs, &control);
    for (i, job) in waiting {
        if let Err(failure) = &outcomes[job] {
            results[i] = Err(failure.clone());
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_addresses_are_told_apart() {
        assert!(is_web_address("https://cdn.shop.com/a.jpg"));
        assert!(is_web_address(" HTTP://x/a.png"));
        assert!(!is_web_address("file:///a.jpg"));
        assert!(!is_web_address("photos/a.jpg"));
        assert!(!is_web_address("http"));
    }

    #[test]
    fn cache_names_follow_the_whole_address() {
        let dir = Path::new("/cache/photos");
        let a = cached_path(dir, "https://cdn.shop.com/products/dress.jpg?v=1");
        let b = cached_path(dir, "https://cdn.shop.com/files/dress.jpg?v=1");
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(dir));
        assert_eq!(a.extension().and_then(|e| e.to_str()), Some("jpg"));
        let odd = cached_path(dir, "https://img.example.com/render?id=7");
        assert_eq!(odd.extension().and_then(|e| e.to_str()), Some("img"));
    }

    #[test]
    fn offline_uses_only_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("photos");
        std::fs::create_dir(&cache).unwrap();
        let cached_url = "http://127.0.0.1:9/cached.png";
        std::fs::write(cached_path(&cache, cached_url), b"png").unwrap();
        let beside = dir.path().join("beside.png");
        std::fs::write(&beside, b"png").unwrap();
        let control = FetchControl {
            offline: true,
            settings: FetchSettings {
                cache_dir: cache.clone(),
                ..FetchSettings::default()
            },
            ..FetchControl::default()
        };
        let missing = dir.path().join("missing.png");
        let other = dir.path().join("cached.png");
        let results = with_control(control, || {
            localise(&[
                ("http://127.0.0.1:9/beside.png", beside.as_path()),
                (cached_url, other.as_path()),
                ("http://127.0.0.1:9/missing.png", missing.as_path()),
                ("local.png", missing.as_path()),
            ])
        });
        assert_eq!(results[0], Ok(beside.clone()));
        assert_eq!(results[1], Ok(cached_path(&cache, cached_url)));
        assert_eq!(results[2], Err(FetchFailure::NotCached));
        assert_eq!(results[3], Ok(missing.clone()));
    }
}
