//! Throughput and time left of a training run, for its progress events.

use std::time::Instant;

use crate::engine::config::TrainConfig;
use crate::engine::protocol::Progress;

/// Throughput and time left, from the steps taken in this run.
pub(super) struct StepClock {
    started: Instant,
    steps_this_run: usize,
    total_steps: usize,
}

impl StepClock {
    pub(super) fn new(total_steps: usize) -> Self {
        Self {
            started: Instant::now(),
            steps_this_run: 0,
            total_steps,
        }
    }

    /// Progress after one more step: `(epoch, step)` are 0-based within the run,
    /// `(global_step, done_steps)` count from the first run of the checkpoint chain.
    pub(super) fn progress(
        &mut self,
        config: &TrainConfig,
        (epoch, step): (usize, usize),
        steps_per_epoch: usize,
        (global_step, done_steps): (usize, usize),
        loss: f32,
    ) -> Progress {
        self.steps_this_run += 1;
        let elapsed_secs = self.started.elapsed().as_secs_f64();
        let secs_per_step = elapsed_secs / self.steps_this_run as f64;
        Progress {
            epoch: epoch + 1,
            epochs: config.epochs,
            step: step + 1,
            steps_per_epoch,
            global_step,
            loss,
            images_per_sec: (self.steps_this_run * config.batch_size) as f64
                / elapsed_secs.max(1e-9),
            eta_secs: secs_per_step * self.total_steps.saturating_sub(done_steps) as f64,
        }
    }
}
