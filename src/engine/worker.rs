//! The background worker thread ("vitrine-worker").
//!
//! The worker owns the [`Engine`] (and through it every tensor). The window or the command line
//! sends [`Command`]s with [`Worker::send`], which names each with a [`RequestId`], and reads
//! [`Event`]s that name the request they answer; neither ever waits on the other. After each
//! event the worker calls the `notify` callback (the window passes one that asks egui to
//! repaint).

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use thiserror::Error;

use super::core::{Engine, Signals};
use super::options::EngineOptions;
use super::protocol::{Command, EngineFailure, Event, EventBody, FailureKind, RequestId};

/// How long closing waits for the running step to finish before leaving the thread behind.
const SHUTDOWN_WAIT: Duration = Duration::from_millis(900);

/// The worker thread has ended, so it takes no more commands.
#[derive(Debug, Error)]
#[error("the background worker has stopped; restart vitrine")]
pub struct WorkerGone;

enum Envelope {
    Run(RequestId, Command),
    Shutdown,
}

/// Handle to the worker thread.
pub struct Worker {
    commands: Sender<Envelope>,
    events: Receiver<Event>,
    signals: Signals,
    next_id: AtomicU64,
    exited: Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread. `notify` is called after every event.
    pub fn spawn(
        options: EngineOptions,
        notify: Box<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Self> {
        let (cmd_tx, cmd_rx) = crossbeam_channel::unbounded::<Envelope>();
        let (evt_tx, evt_rx) = crossbeam_channel::unbounded::<Event>();
        let (exit_tx, exit_rx) = crossbeam_channel::bounded::<()>(1);
        let signals = Signals::default();
        let worker_signals = signals.clone();
        let thread = std::thread::Builder::new()
            .name("vitrine-worker".into())
            .spawn(move || {
                let mut engine = Engine::new(options, worker_signals.clone());
                while let Ok(Envelope::Run(request, command)) = cmd_rx.recv() {
                    worker_signals.stop.store(false, Ordering::Relaxed);
                    let emit = |body: EventBody| {
                        if evt_tx.send(Event { request, body }).is_err() {
                            // Nobody listens any more (closing); the work itself is kept.
                            log::debug!("event of request {request} dropped: no receiver");
                        }
                        notify();
                    };
                    run_command(&mut engine, command, &emit);
                    if worker_signals.shutdown.load(Ordering::Relaxed) {
                        break;
                    }
                }
                // The receiver is gone only if the handle was dropped without waiting.
                exit_tx.send(()).ok();
            })?;
        Ok(Self {
            commands: cmd_tx,
            events: evt_rx,
            signals,
            next_id: AtomicU64::new(1),
            exited: exit_rx,
            thread: Some(thread),
        })
    }

    /// Queues a command and returns the id its events will carry.
    pub fn send(&self, command: Command) -> Result<RequestId, WorkerGone> {
        let id = RequestId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.commands
            .send(Envelope::Run(id, command))
            .map_err(|_| WorkerGone)?;
        Ok(id)
    }

    /// Asks the running job to stop at the next step (training keeps a checkpoint).
    pub fn stop(&self) {
        self.signals.stop.store(true, Ordering::Relaxed);
    }

    /// The next event if one is waiting.
    pub fn try_recv(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// The event channel, for callers that block (the command line) or select.
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.signals.shutdown.store(true, Ordering::Relaxed);
        self.stop();
        if self.commands.send(Envelope::Shutdown).is_err() {
            log::debug!("the worker had already ended");
        }
        // A fine-tuning step can take seconds on a CPU: wait a moment for it, then leave the
        // thread to end with the process (checkpoints are written atomically, so none is
        // left half-written).
        match self.exited.recv_timeout(SHUTDOWN_WAIT) {
            Ok(()) | Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                if let Some(thread) = self.thread.take() {
                    if thread.join().is_err() {
                        log::warn!("the worker thread panicked while closing");
                    }
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                log::info!("closing without waiting for the worker's current step");
            }
        }
    }
}

/// Runs one command and ends it with `Done` or `Failed`, turning every error, and any panic
/// inside libtorch, into `Failed`.
fn run_command(engine: &mut Engine, command: Command, emit: &(dyn Fn(EventBody) + Sync)) {
    let what = command.describe();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match command {
        Command::SetCatalogue(catalogue) => {
            engine.set_catalogue(catalogue, emit);
            Ok(())
        }
        Command::Embed => engine.embed(emit),
        Command::Train { config, resume } => engine.train(config, resume.as_deref(), emit),
        Command::LoadCheckpoint(path) => engine.load_checkpoint(&path, emit),
        Command::Predict(path) => engine.predict(&path, emit),
        Command::SetVocabulary { settings, save } => engine.set_vocabulary(settings, save, emit),
        Command::SetCorrections(corrections) => engine.set_corrections(corrections),
        Command::PrepareMatch => engine.prepare_match(emit),
    }));
    // Catalogue phases free most of what they allocate; hand those pages back before the next.
    crate::memory::release_freed();
    let failure = match outcome {
        Ok(Ok(())) => {
            emit(EventBody::Done);
            return;
        }
        Ok(Err(e)) => EngineFailure {
            kind: e.kind(),
            message: format!(
                "{what} failed: {}",
                crate::durable::plain_words(&e.to_string())
            ),
        },
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown error".into());
            EngineFailure {
                kind: FailureKind::Internal,
                message: format!("{what} failed: {detail}"),
            }
        }
    };
    log::info!("{}", failure.message);
    emit(EventBody::Failed(failure));
}
