//! One optimisation step on a batch: logits, mean binary cross-entropy, one optimiser step.

use tch::nn;
use tch::Tensor;

use crate::engine::config::TrainMode;
use crate::engine::eval::{self, Inputs};
use crate::engine::network::Network;
use crate::engine::EngineError;

/// One optimisation step of `net` on a batch; returns its loss.
pub(crate) fn train_step(
    net: &Network,
    inputs: &Inputs,
    batch: &[usize],
    mode: TrainMode,
    rng: &mut rand::rngs::StdRng,
    opt: &mut nn::Optimizer,
) -> Result<f32, EngineError> {
    let logits = eval::logits(net, inputs, batch, mode, true, Some(rng))?;
    let targets = inputs.target_tensor(batch, net.vs.device());
    bce_step(&logits, &targets, opt)
}

/// Mean binary cross-entropy of `logits` against `targets`, one optimiser step on it; returns
/// the loss.
pub(crate) fn bce_step(
    logits: &Tensor,
    targets: &Tensor,
    opt: &mut nn::Optimizer,
) -> Result<f32, EngineError> {
    let loss = logits.f_binary_cross_entropy_with_logits::<Tensor>(
        targets,
        None,
        None,
        tch::Reduction::Mean,
    )?;
    opt.zero_grad();
    loss.f_backward()?;
    opt.step();
    Ok(loss.double_value(&[]) as f32)
}
