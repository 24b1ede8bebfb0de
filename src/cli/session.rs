//! What the headless commands share: the worker, the catalogue, progress bars, and waiting for
//! a request's events until it is done.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vitrine::catalogue::Catalogue;
use vitrine::engine::{Command, EngineOptions, EventBody, Worker};
use vitrine::vision::BackboneKind;

use super::CatalogueArgs;

/// Where models live and which weights to use.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// Pretrained backbone weights (safetensors) instead of the installed default.
    #[arg(long = "backbone-weights", value_name = "FILE")]
    pub backbone_weights: Option<PathBuf>,
    /// Folder for training runs and checkpoints (default: vitrine's data folder).
    #[arg(long)]
    pub checkpoints: Option<PathBuf>,
}

impl ModelArgs {
    /// Engine options for `backbone` with these files.
    pub fn options(&self, backbone: BackboneKind) -> EngineOptions {
        let mut options = EngineOptions {
            vocabulary_root: Some(vitrine::paths::catalogues_dir()),
            ..EngineOptions::default()
        };
        if let Some(w) = &self.backbone_weights {
            options.weights.insert(backbone, w.clone());
        }
        if let Some(dir) = &self.checkpoints {
            options.checkpoint_root = dir.clone();
        }
        options
    }

    /// The folder of training runs.
    pub fn checkpoint_root(&self) -> PathBuf {
        self.checkpoints
            .clone()
            .unwrap_or_else(vitrine::paths::checkpoints_dir)
    }
}

/// Imports the catalogue and prints a one-line summary of it.
pub fn open_catalogue(args: &CatalogueArgs) -> anyhow::Result<Catalogue> {
    let catalogue = args.load()?;
    eprintln!(
        "{}: {} items ({})",
        catalogue.name,
        catalogue.items.len(),
        catalogue.report.summary()
    );
    Ok(catalogue)
}

/// A worker with progress bars, driven one request at a time.
pub struct Session {
    worker: Worker,
    /// The bars showing progress.
    pub bars: Bars,
}

impl Session {
    /// Starts a worker for `backbone` with these model files.
    pub fn start(model: &ModelArgs, backbone: BackboneKind) -> anyhow::Result<Self> {
        let worker = Worker::spawn(model.options(backbone), Box::new(|| {}))
            .context("the background worker could not start")?;
        Ok(Self {
            worker,
            bars: Bars::new(),
        })
    }

    /// Starts a worker with these engine options.
    pub fn start_with(options: vitrine::engine::EngineOptions) -> anyhow::Result<Self> {
        let worker = Worker::spawn(options, Box::new(|| {}))
            .context("the background worker could not start")?;
        Ok(Self {
            worker,
            bars: Bars::new(),
        })
    }

    /// Sends `command` and hands each of its events to `on_event` until the request is done;
    /// progress and notes are shown on the way, and a failure becomes the error.
    pub fn request(
        &mut self,
        command: Command,
        mut on_event: impl FnMut(&mut Bars, EventBody) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let request = self.worker.send(command)?;
        loop {
            let event = match self
                .worker
                .events()
                .recv_timeout(Duration::from_millis(500))
            {
                Ok(event) => event,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    bail!("the worker thread ended unexpectedly")
                }
            };
            if event.request != request {
                continue;
            }
            match event.body {
                EventBody::Busy { task, done, total } => self.bars.busy(task.label(), done, total),
                EventBody::Notice(text) => self.bars.println(format!("note: {text}")),
                EventBody::Done => return Ok(()),
                EventBody::Failed(failure) => {
                    self.bars.finish();
                    bail!("{failure}")
                }
                body => on_event(&mut self.bars, body)?,
            }
        }
    }

    /// Sends `command` and returns the first event body `pick` takes; fails if the request
    /// ends without one.
    pub fn request_one<T>(
        &mut self,
        command: Command,
        what: &str,
        mut pick: impl FnMut(EventBody) -> Option<T>,
    ) -> anyhow::Result<T> {
        let mut found = None;
        self.request(command, |_, body| {
            if found.is_none() {
                found = pick(body);
            }
            Ok(())
        })?;
        self.bars.finish();
        found.with_context(|| format!("the worker finished without {what}"))
    }
}

/// Progress bars for preparation work and for training, reused for each task.
pub struct Bars {
    busy: Option<ProgressBar>,
    /// The training bar, while a run is going.
    pub train: Option<ProgressBar>,
}

impl Bars {
    fn new() -> Self {
        Self {
            busy: None,
            train: None,
        }
    }

    /// Prints a line above the bars.
    pub fn println(&self, line: String) {
        match (&self.train, &self.busy) {
            // A hidden bar (output is not a terminal) prints nothing, so print directly.
            (Some(bar), _) | (None, Some(bar)) if !bar.is_hidden() => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }

    fn busy(&mut self, task: &str, done: usize, total: usize) {
        let bar = self.busy.get_or_insert_with(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        });
        bar.set_length(total as u64);
        bar.set_message(task.to_string());
        bar.set_position(done as u64);
        if done >= total {
            bar.finish();
            self.busy = None;
        }
    }

    /// Ends every bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.busy.take() {
            bar.finish_and_clear();
        }
        if let Some(bar) = self.train.take() {
            bar.finish();
        }
    }
}
