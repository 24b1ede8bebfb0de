//! Writes that survive a crash or a power cut: the data goes to a temporary file beside the
//! target, the file is flushed to disk (`fsync`), renamed over the target, and the folder is
//! flushed too so the rename itself is on disk. A reader sees the old file or the new one,
//! never half of one.
//!
//! Every file vitrine writes for the user (exports), for itself (state, caches) goes through
//! [`AtomicFile`] (streamed) or [`write_file`] (bytes at hand). Writing onto a symbolic link
//! replaces the file the link points to and keeps the link. Temporary files are named
//! `<target>.<process id>-<n>.tmp`; those of a process that is no longer running are leftovers
//! of a killed run, which [`remove_leftovers`] deletes from vitrine's own folders and
//! [`leftovers_of`] finds beside a user's file. Read-modify-write of a state file happens under
//! [`StateLock`], an advisory lock on a `.lock` file beside it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

mod leftovers;
mod lock;

pub use leftovers::{
    clear_leftovers_note, leftovers_of, remove_leftovers, remove_leftovers_of,
    written_by_running_process,
};
pub use lock::StateLock;

/// Suffix of every temporary file or folder vitrine writes before renaming it into place.
pub const TMP_SUFFIX: &str = ".tmp";

/// Links followed at most when resolving a target (as Linux's `ELOOP` limit).
const MAX_LINKS: usize = 40;

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

/// The file a write to `target` replaces: symbolic links followed to their end (a dangling
/// link's destination is created), and a bare file name placed in the current folder so its
/// folder can be flushed.
pub fn resolve_target(target: &Path) -> std::io::Result<PathBuf> {
    let mut path = match target.parent() {
        Some(dir) if dir.as_os_str().is_empty() => Path::new(".").join(target),
        _ => target.to_path_buf(),
    };
    for _ in 0..MAX_LINKS {
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return Ok(path);
        }
        let next = std::fs::read_link(&path)?;
        path = match path.parent() {
            Some(dir) if next.is_relative() => dir.join(next),
            _ => next,
        };
    }
    Err(std::io::Error::other(format!(
        "{} is a chain of more than {MAX_LINKS} symbolic links",
        target.display()
    )))
}

/// A file being written crash-safely: everything written goes to a temporary file beside the
/// target, which [`AtomicFile::commit`] flushes and renames over the target. Dropped without a
/// commit (an error, a panic), it removes its temporary file and the target is untouched.
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` (a symbolic link's destination; see [`resolve_target`]). The
    /// folder must exist. A file it replaces keeps its permissions.
    pub fn create(target: &Path) -> std::io::Result<Self> {
        let target = resolve_target(target)?;
        let tmp = tmp_path_for(&target);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut this = Self {
            target,
            tmp,
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        };
        if let Ok(meta) = std::fs::metadata(&this.target) {
            if let Some(f) = &mut this.file {
                f.get_ref().set_permissions(meta.permissions())?;
            }
        }
        Ok(this)
    }

    /// The file this replaces when committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the data to disk, renames it over the target and flushes the folder. On error
    /// the temporary file is removed and the target is untouched.
    pub fn commit(mut self) -> std::io::Result<()> {
        let Some(writer) = self.file.take() else {
            return Err(std::io::Error::other("the file was already committed"));
        };
        let result = (|| {
            let file = writer.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&self.tmp, &self.target)?;
            sync_dir(self.target.parent().unwrap_or(Path::new(".")))
        })();
        if result.is_err() {
            remove_quietly(&self.tmp);
        }
        result
    }

    fn writer(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the file was already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            remove_quietly(&self.tmp);
        }
    }
}

/// Writes `bytes` to `target` atomically and durably (temporary file, `fsync`, rename,
/// `fsync` of the folder). The folder must exist. On failure the temporary file is removed.
pub fn write_file(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(target)?;
    file.write_all(bytes)?;
    file.commit()
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
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The words of an I/O error, without Rust's debug text (`Os { code: 28, … }`) and without the
/// OS error number: "No space left on device".
pub fn describe_io(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// A message with Rust's debug text of I/O errors replaced by their words, and OS error
/// numbers dropped: `IoError(Os { code: 28, kind: StorageFull, message: "No space left on
/// device" })` becomes `No space left on device`. Libraries below vitrine (libtorch's
/// safetensors writer) put such text in their messages.
pub fn plain_words(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(os) = out.find("Os { code:") {
        let Some(words) = out[os..].find("message: \"").map(|at| os + at + 10) else {
            break;
        };
        let Some(words_end) = out[words..].find('"').map(|at| words + at) else {
            break;
        };
        let Some(close) = out[words_end..].find('}').map(|at| words_end + at + 1) else {
            break;
        };
        // `IoError(Os { … })`: the wrapper's name and parentheses go too.
        let mut start = os;
        let mut end = close;
        if out[..start].ends_with('(') && out[end..].starts_with(')') {
            start -= 1;
            end += 1;
            start = out[..start]
                .rfind(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .map_or(0, |at| at + 1);
        }
        let message = out[words..words_end].to_string();
        out.replace_range(start..end, &message);
    }
    while let Some(at) = out.find(" (os error ") {
        let Some(end) = out[at..].find(')').map(|e| at + e + 1) else {
            break;
        };
        out.replace_range(at..end, "");
    }
    out
}

/// Joins an error and its causes for people: each cause once (a cause whose words the message
/// already holds is left out), in plain words (see [`plain_words`]).
pub fn describe_chain<'a>(
    chain: impl IntoIterator<Item = &'a (dyn std::error::Error + 'static)>,
) -> String {
    let mut message = String::new();
    for cause in chain {
        let text = plain_words(&cause.to_string());
        if text.is_empty() || message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
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
mod tests;
