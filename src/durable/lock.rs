//! An advisory lock around the read-modify-write of a state file (a catalogue's vocabulary,
//! its corrections), so edits made at once by the window and the command line, or by two
//! commands, all survive: each reads the file only once the other has written it.
//!
//! The lock is taken on `<file>.lock` beside the file, never on the file itself (which each
//! write replaces by a rename). It is the operating system's advisory lock (`flock` on Linux),
//! released when the [`StateLock`] is dropped or its process dies, so a killed run never
//! leaves a catalogue locked.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Suffix of the lock file beside a state file.
pub const LOCK_SUFFIX: &str = ".lock";

/// An exclusive lock on a state file, held until dropped.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

impl StateLock {
    /// Waits for and takes the lock of the state file `file`, creating its folder and lock
    /// file when needed.
    pub fn acquire(file: &Path) -> std::io::Result<Self> {
        let path = lock_path(file);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let lock_file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        lock_file.lock()?;
        Ok(Self {
            file: lock_file,
            path,
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        if let Err(e) = self.file.unlock() {
            log::warn!("cannot release the lock {}: {e}", self.path.display());
        }
    }
}

/// `<file>.lock`.
fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(LOCK_SUFFIX);
    file.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    #[test]
    fn read_modify_writes_under_the_lock_all_survive() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/count.txt");
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (file, barrier) = (file.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for _ in 0..5 {
                        let _lock = StateLock::acquire(&file).unwrap();
                        let n: u32 = std::fs::read_to_string(&file)
                            .ok()
                            .and_then(|t| t.parse().ok())
                            .unwrap_or(0);
                        std::thread::yield_now();
                        super::super::write_file(&file, (n + 1).to_string().as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "40");
        assert!(dir.path().join("state/count.txt.lock").exists());
    }
}
