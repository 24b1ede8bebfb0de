//! Noticing the open catalogue's state files change on disk: another window or a command
//! (`vitrine vocab …`) edited its corrections or its vocabulary. The "vitrine-state-watch"
//! thread looks at the files' size and modification time once a second, reads and parses a
//! file that changed, and hands the window plain data; the window takes the change in (see
//! [`VitrineApp::poll_state_files`]). No file is read on the window's thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

use crossbeam_channel::{Receiver, Sender};

use super::app::VitrineApp;
use super::jobs::JobKind;
use super::Repaint;
use crate::engine::corrections::Corrections;
use crate::engine::Command;
use crate::text::vocab::{store, VocabularySettings};

/// How often the files are looked at.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// What changed on disk, read and parsed.
#[derive(Debug)]
pub enum StateChange {
    /// The corrections file at this path now holds these corrections.
    Corrections(PathBuf, Corrections),
    /// The vocabulary file at this path now holds these settings.
    Vocabulary(PathBuf, VocabularySettings),
}

/// The files watched: the open catalogue's corrections and vocabulary files.
#[derive(Debug, Default)]
struct Watched {
    corrections: Option<PathBuf>,
    vocabulary: Option<PathBuf>,
}

/// The watcher thread's handle; dropping it ends the thread at its next look.
pub struct StateWatch {
    watched: Arc<Mutex<Watched>>,
    changes: Receiver<StateChange>,
}

impl std::fmt::Debug for StateWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateWatch").finish_non_exhaustive()
    }
}

impl StateWatch {
    /// Starts the thread; `None` (logged) when it cannot start, and then nothing is watched.
    pub fn start(repaint: Repaint) -> Option<Self> {
        let watched = Arc::new(Mutex::new(Watched::default()));
        let (tx, rx) = crossbeam_channel::unbounded();
        let weak = Arc::downgrade(&watched);
        let spawned = std::thread::Builder::new()
            .name("vitrine-state-watch".into())
            .spawn(move || watch(weak, tx, repaint));
        match spawned {
            Ok(_) => Some(Self {
                watched,
                changes: rx,
            }),
            Err(e) => {
                log::warn!("changes to the catalogue's files made elsewhere are not noticed: {e}");
                None
            }
        }
    }

    /// Watches this corrections file from now on (`None`: none).
    pub fn set_corrections(&self, path: Option<PathBuf>) {
        if let Ok(mut w) = self.watched.lock() {
            w.corrections = path;
        }
    }

    /// Watches this vocabulary file from now on (`None`: none).
    pub fn set_vocabulary(&self, path: Option<PathBuf>) {
        if let Ok(mut w) = self.watched.lock() {
            w.vocabulary = path;
        }
    }

    /// The next change noticed, if any.
    pub fn try_recv(&self) -> Option<StateChange> {
        self.changes.try_recv().ok()
    }
}

/// A file's size and modification time, `None` when it does not exist.
fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Remembers the last stamp of each path; true when `path`'s stamp changed since the last
/// look, or at the first look at an existing file (the window ignores what it already shows,
/// and a change made between the window's read and the first look is not missed).
struct Stamps(Vec<(PathBuf, Option<(u64, SystemTime)>)>);

impl Stamps {
    fn changed(&mut self, path: &Path) -> bool {
        let now = stamp(path);
        match self.0.iter_mut().find(|(p, _)| p == path) {
            Some((_, last)) if *last == now => false,
            Some((_, last)) => {
                *last = now;
                now.is_some()
            }
            None => {
                self.0.push((path.to_path_buf(), now));
                now.is_some()
            }
        }
    }
}

fn watch(watched: Weak<Mutex<Watched>>, tx: Sender<StateChange>, repaint: Repaint) {
    let mut stamps = Stamps(Vec::new());
    loop {
        let (corrections, vocabulary) = {
            let Some(watched) = watched.upgrade() else {
                return;
            };
            let Ok(w) = watched.lock() else {
                return;
            };
            (w.corrections.clone(), w.vocabulary.clone())
        };
        let mut changes = Vec::new();
        if let Some(path) = corrections.filter(|p| stamps.changed(p)) {
            match Corrections::load(&path) {
                Ok(c) => changes.push(StateChange::Corrections(path, c)),
                Err(e) => log::warn!("a change to the corrections was not taken in: {e}"),
            }
        }
        if let Some(path) = vocabulary.filter(|p| stamps.changed(p)) {
            match store::load(&path) {
                Ok(Some(s)) => changes.push(StateChange::Vocabulary(path, s)),
                Ok(None) => {}
                Err(e) => log::warn!("a change to the vocabulary was not taken in: {e}"),
            }
        }
        for change in changes {
            if tx.send(change).is_err() {
                return;
            }
            repaint.request();
        }
        std::thread::sleep(POLL_EVERY);
    }
}

impl VitrineApp {
    /// Takes in changes to the open catalogue's state files made elsewhere: corrections are
    /// shown at once; a vocabulary edited elsewhere is remade by the worker (without saving)
    /// once no edit of this window is on its way.
    pub(super) fn poll_state_files(&mut self) {
        let Some(watch) = &self.corrections.watch else {
            return;
        };
        let vocabulary_file = self.vocabulary.report.as_ref().and_then(|r| r.file.clone());
        watch.set_vocabulary(vocabulary_file.clone());
        let mut changes = Vec::new();
        while let Some(change) = watch.try_recv() {
            changes.push(change);
        }
        for change in changes {
            match change {
                StateChange::Corrections(path, c) => self.corrections_changed_elsewhere(&path, c),
                StateChange::Vocabulary(path, settings) => {
                    if vocabulary_file.as_deref() == Some(path.as_path()) {
                        self.vocabulary.changed_elsewhere = Some(settings);
                    }
                }
            }
        }
        if self.vocabulary.waiting {
            return;
        }
        let Some(settings) = self.vocabulary.changed_elsewhere.take() else {
            return;
        };
        let current = self.vocabulary.report.as_ref().map(|r| &r.settings);
        if current == Some(&settings) {
            return;
        }
        self.messages
            .info("The vocabulary was edited elsewhere; its tags are remade.".to_string());
        let command = Command::SetVocabulary {
            settings,
            save: false,
        };
        if self.send_job(JobKind::Vocabulary, command) {
            self.vocabulary.waiting = true;
        }
    }
}
