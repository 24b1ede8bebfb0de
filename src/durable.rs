//! Writes that survive a crash or a power cut: the data goes to a temporary file beside the
//! target, the file is flushed to disk (`fsync`), renamed over the target, and the folder is
//! flushed too so the rename itself is on disk. A reader sees the old file or the new one,
//! never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Suffix of every temporary file or folder vitrine writes before renaming it into place.
pub const TMP_SUFFIX: &str = ".tmp";

/// A temporary name beside `target`, unique per process and per call, ending in
/// [`TMP_SUFFIX`] (`shard-000001.safetensors` → `shard-000001.safetensors.4711-3.tmp`).
pub fn tmp_path_for(target: &Path) -> PathBuf {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{n}{TMP_SUFFIX}", std::process::id()));
    target.with_file_name(name)
}

/// True when `path`'s file name ends in [`TMP_SUFFIX`].
pub fn is_tmp(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(TMP_SUFFIX))
}

/// Writes `bytes` to `target` atomically and durably (temporary file, `fsync`, rename,
/// `fsync` of the folder). The folder must exist. On failure the temporary file is removed.
pub fn write_file(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = tmp_path_for(target);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, target)?;
        sync_dir(target.parent().unwrap_or(Path::new(".")))
    })();
    if result.is_err() {
        remove_quietly(&tmp);
    }
    result
}

/// Flushes a file that is already written (and closed) to disk.
pub fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?
        .sync_all()
}

/// Flushes a folder's entries (new names, renames, removals) to disk. Only Unix can open a
/// folder for this; elsewhere the rename is as durable as the file system makes it.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes a temporary file after a failed write; a failure to remove it is logged (the next
/// open of its folder removes leftovers anyway).
fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            log::warn!("cannot remove temporary file {}: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        write_file(&target, b"one").unwrap();
        write_file(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn temporary_names_are_unique_and_recognised() {
        let target = Path::new("/x/shard-000001.safetensors");
        let (a, b) = (tmp_path_for(target), tmp_path_for(target));
        assert_ne!(a, b);
        assert!(is_tmp(&a) && !is_tmp(target));
        assert!(a
            .to_str()
            .unwrap()
            .starts_with("/x/shard-000001.safetensors."));
    }

    #[test]
    fn a_failed_write_reports_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_file(&dir.path().join("missing/a.json"), b"x").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
