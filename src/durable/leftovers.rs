//! Temporary files left behind by a run that was killed mid-write. A temporary file's name
//! carries the id of the process writing it (see [`super::tmp_path_for`]); when that process
//! is gone, nothing will ever rename the file into place and it can go.

use std::path::{Path, PathBuf};

use super::TMP_SUFFIX;

/// The id of the process that wrote a temporary file `<name>.<pid>-<n>.tmp`.
fn owner_pid(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?.strip_suffix(TMP_SUFFIX)?;
    let (_, tail) = name.rsplit_once('.')?;
    let (pid, n) = tail.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok().filter(|&p| p > 0)
}

/// True while process `pid` exists (this one always does).
fn process_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // Signal 0 checks that the process exists without touching it.
        // SAFETY: kill with signal 0 sends nothing; pid is positive, so it names one process.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        // Without a way to ask, every writer is taken to be running: nothing is removed.
        true
    }
}

/// True when the temporary file at `path` is being written by a running process (this one
/// included); false for a leftover of a process that is gone, or a name vitrine did not give.
pub fn written_by_running_process(path: &Path) -> bool {
    owner_pid(path).is_some_and(process_running)
}

fn is_leftover(path: &Path) -> bool {
    super::is_tmp(path)
        && owner_pid(path).is_some()
        && !written_by_running_process(path)
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// Removes from `dir` (not its subfolders) the temporary files of vitrine processes that are
/// no longer running, and returns them. Used on vitrine's own folders (state, caches) when
/// they are opened; a folder that cannot be listed has none.
pub fn remove_leftovers(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        if !is_leftover(&path) {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => {
                log::info!("removed unfinished file {}", path.display());
                removed.push(path);
            }
            Err(e) => log::warn!("cannot remove unfinished file {}: {e}", path.display()),
        }
    }
    removed
}

/// The temporary files of `target` itself (`<target name>.<pid>-<n>.tmp` beside it) left by
/// vitrine processes that are no longer running: what an export killed mid-write leaves
/// beside a user's file.
pub fn leftovers_of(target: &Path) -> Vec<PathBuf> {
    let Ok(target) = super::resolve_target(target) else {
        return Vec::new();
    };
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return Vec::new();
    };
    let prefix = format!("{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
                && is_leftover(p)
        })
        .collect();
    found.sort();
    found
}

/// Removes [`leftovers_of`] `target` and returns those removed (a file that cannot be removed
/// is logged and left), for the writer of a user's file to report.
pub fn remove_leftovers_of(target: &Path) -> Vec<PathBuf> {
    leftovers_of(target)
        .into_iter()
        .filter(|p| match std::fs::remove_file(p) {
            Ok(()) => true,
            Err(e) => {
                log::warn!("cannot remove unfinished file {}: {e}", p.display());
                false
            }
        })
        .collect()
}

/// Removes the leftovers of earlier, killed writes of the user's file `target` and says so in
/// words, for the command or window writing it now; `None` when there were none.
pub fn clear_leftovers_note(target: &Path) -> Option<String> {
    let removed = remove_leftovers_of(target);
    let names: Vec<String> = removed.iter().map(|p| p.display().to_string()).collect();
    match names.len() {
        0 => None,
        1 => Some(format!(
            "removed {}, an unfinished copy of {} left by a run that was stopped",
            names[0],
            target.display()
        )),
        n => Some(format!(
            "removed {n} unfinished copies of {} left by runs that were stopped: {}",
            target.display(),
            names.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_ids_are_read_from_vitrine_names_only() {
        assert_eq!(owner_pid(Path::new("/x/a.csv.4711-3.tmp")), Some(4711));
        assert_eq!(owner_pid(Path::new("/x/a.4711-3.tmp")), Some(4711));
        assert_eq!(owner_pid(Path::new("/x/epoch-0001.tmp")), None);
        assert_eq!(owner_pid(Path::new("/x/a.csv.0-3.tmp")), None);
        assert_eq!(owner_pid(Path::new("/x/a.csv.x-3.tmp")), None);
        assert_eq!(owner_pid(Path::new("/x/a.csv")), None);
    }

    #[test]
    fn files_of_a_gone_process_are_removed_and_running_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A child that has exited and been waited for: its id names no process.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let target = dir.path().join("lookalikes.csv");
        let stale = dir.path().join(format!("lookalikes.csv.{gone}-0.tmp"));
        let mine = super::super::tmp_path_for(&target);
        let other = dir.path().join(format!("other.csv.{gone}-1.tmp"));
        for p in [&stale, &mine, &other] {
            std::fs::write(p, b"part").unwrap();
        }
        assert!(written_by_running_process(&mine));
        assert!(!written_by_running_process(&stale));
        assert_eq!(leftovers_of(&target), vec![stale.clone()]);
        let mut removed = remove_leftovers(dir.path());
        removed.sort();
        let mut expected = vec![stale.clone(), other.clone()];
        expected.sort();
        assert_eq!(removed, expected);
        assert!(mine.exists() && !stale.exists());
    }
}
