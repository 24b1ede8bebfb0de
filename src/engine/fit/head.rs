//! The fast-mode recipe on cached features: a tag head trained alone (features standardised
//! with the training split's statistics, biases started at the tags' log-odds, dropout, Adam
//! with decoupled weight decay, binary cross-entropy, shuffled batches), shared by the
//! training run, its out-of-fold calibration and the cross-validation report.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::nn::{self, OptimizerConfig as _};
use tch::Tensor;

use super::early_stop::{EarlyStop, Verdict};
use super::plan::{prior_biases, standardise};
use crate::engine::config::TrainConfig;
use crate::engine::metrics;
use crate::engine::network::Head;
use crate::engine::EngineError;
use crate::text::Vocabulary;
use crate::vision::BackboneKind;

/// Runs libtorch on one intra-op thread while alive (restoring the count after). A head's
/// operations are tiny: spread over OpenMP threads they spend their time at barriers, waiting
/// for a thread the window's renderer or another process has taken the core from.
pub(crate) struct OneTorchThread(i32);

impl OneTorchThread {
    pub(crate) fn new() -> Self {
        let before = tch::get_num_threads();
        tch::set_num_threads(1);
        Self(before)
    }
}

impl Drop for OneTorchThread {
    fn drop(&mut self) {
        tch::set_num_threads(self.0.max(1));
    }
}

/// What a head learns from: every catalogue item's features and targets.
#[derive(Clone, Copy)]
pub(crate) struct HeadData<'a> {
    pub(crate) features: &'a Tensor,
    pub(crate) targets: &'a [Vec<f32>],
    pub(crate) kind: BackboneKind,
    pub(crate) vocabulary: &'a Vocabulary,
    pub(crate) config: &'a TrainConfig,
}

impl HeadData<'_> {
    /// The targets of `items` as decisions.
    pub(crate) fn truth(&self, items: &[usize]) -> Vec<Vec<bool>> {
        items
            .iter()
            .map(|&i| self.targets[i].iter().map(|&x| x >= 0.5).collect())
            .collect()
    }
}

fn index_tensor(items: &[usize], features: &Tensor) -> Tensor {
    let idx: Vec<i64> = items.iter().map(|&i| i as i64).collect();
    Tensor::from_slice(&idx).to_device(features.device())
}

/// One optimisation step of `head` on a batch of cached features; returns its loss.
pub(crate) fn head_step(
    head: &Head,
    features: &Tensor,
    targets: &[Vec<f32>],
    batch: &[usize],
    opt: &mut nn::Optimizer,
) -> Result<f32, EngineError> {
    let feats = features.f_index_select(0, &index_tensor(batch, features))?;
    let logits = head.forward(&feats, true);
    let flat: Vec<f32> = batch
        .iter()
        .flat_map(|&i| targets[i].iter().copied())
        .collect();
    let target = Tensor::from_slice(&flat)
        .view([batch.len() as i64, -1])
        .to_device(features.device());
    super::bce_step(&logits, &target, opt)
}

/// Logits of `items` in inference mode (with the head's ensemble, when it has one).
pub(crate) fn head_logits(
    head: &Head,
    features: &Tensor,
    items: &[usize],
) -> Result<Vec<Vec<f32>>, EngineError> {
    super::ensemble::item_logits(head, features, items)
}

/// The optimiser of the recipe: Adam with the settings' weight decay, decoupled from the
/// gradient (AdamW) when the settings say so, as an L2 term otherwise.
pub(crate) fn optimizer(
    vs: &nn::VarStore,
    config: &TrainConfig,
) -> Result<nn::Optimizer, EngineError> {
    let (b1, b2, wd) = (0.9, 0.999, config.weight_decay);
    Ok(if config.decoupled_weight_decay {
        nn::adamw(b1, b2, wd).build(vs, config.learning_rate)?
    } else {
        nn::adam(b1, b2, wd).build(vs, config.learning_rate)?
    })
}

/// The validation score early stopping watches: the settings' criterion on `head`'s
/// uncalibrated probabilities at the settings' threshold.
pub(crate) fn stop_score(head: &Head, data: HeadData, items: &[usize]) -> Result<f32, EngineError> {
    let probs: Vec<Vec<f32>> = head_logits(head, data.features, items)?
        .into_iter()
        .map(|row| row.into_iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect())
        .collect();
    let thresholds = vec![data.config.threshold; data.vocabulary.len()];
    let predicted = metrics::apply_thresholds(&probs, &thresholds);
    let names = vec![String::new(); data.vocabulary.len()];
    let truth = data.truth(items);
    let m = metrics::evaluate(&predicted, &truth, &names);
    Ok(data.config.stop_on.score(&m, &probs, &truth))
}

/// Copies of the head's learned weights.
pub(crate) fn snapshot(head: &Head) -> Vec<Tensor> {
    let mut weights = vec![head.linear.ws.copy()];
    if let Some(bias) = &head.linear.bs {
        weights.push(bias.copy());
    }
    weights
}

/// Puts weights taken by [`snapshot`] back.
pub(crate) fn restore(head: &Head, weights: &[Tensor]) {
    tch::no_grad(|| {
        if let Some(w) = weights.first() {
            head.linear.ws.shallow_clone().copy_(w);
        }
        if let (Some(bias), Some(b)) = (&head.linear.bs, weights.get(1)) {
            bias.shallow_clone().copy_(b);
        }
    });
}

/// A head trained on `train` by the recipe, with its own variables.
pub(crate) struct TrainedHead {
    /// Holds the head's variables.
    pub(crate) _vs: nn::VarStore,
    pub(crate) head: Head,
    /// Epochs that ran.
    pub(crate) epochs_run: usize,
}

/// Trains a fresh head on `train` for up to `epochs` epochs; after each epoch `after_epoch`
/// (given the epoch count so far) says whether to go on.
pub(crate) fn train_head(
    data: HeadData,
    train: &[usize],
    epochs: usize,
    seed: u64,
    mut after_epoch: impl FnMut(usize, &Head) -> Result<bool, EngineError>,
) -> Result<TrainedHead, EngineError> {
    let config = data.config;
    tch::manual_seed(seed as i64);
    let vs = nn::VarStore::new(data.features.device());
    let head = Head::new(
        &vs,
        data.kind,
        data.vocabulary.clone(),
        vec![config.threshold; data.vocabulary.len()],
    );
    standardise(&head, data.features, train)?;
    prior_biases(&head, data.targets, train);
    let mut opt = optimizer(&vs, config)?;
    let mut epochs_run = 0;
    for epoch in 0..epochs {
        let mut order = train.to_vec();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed.wrapping_add(epoch as u64));
        order.shuffle(&mut rng);
        for batch in order.chunks(config.batch_size.max(1)) {
            head_step(&head, data.features, data.targets, batch, &mut opt)?;
        }
        epochs_run = epoch + 1;
        if !after_epoch(epochs_run, &head)? {
            break;
        }
    }
    Ok(TrainedHead {
        _vs: vs,
        head,
        epochs_run,
    })
}

/// The recipe with early stopping on `validation` (every `eval_every_epochs` epochs, with the
/// settings' patience); the head returned holds the best evaluation's weights.
pub(crate) fn train_head_early_stopping(
    data: HeadData,
    train: &[usize],
    validation: &[usize],
    seed: u64,
) -> Result<(TrainedHead, EarlyStop), EngineError> {
    let config = data.config;
    let every = config.eval_every_epochs.max(1);
    let mut stop = EarlyStop::new(config.patience);
    let mut best_weights = None;
    let mut step = 0;
    let steps_per_epoch = train.len().div_ceil(config.batch_size.max(1));
    let trained = train_head(data, train, config.epochs, seed, |epoch, head| {
        step += steps_per_epoch;
        if !epoch.is_multiple_of(every) && epoch != config.epochs {
            return Ok(true);
        }
        let score = stop_score(head, data, validation)?;
        Ok(match stop.observe(epoch, step, score) {
            Verdict::Improved => {
                best_weights = Some(snapshot(head));
                true
            }
            Verdict::Continue => true,
            Verdict::Stop => false,
        })
    })?;
    if let Some(weights) = &best_weights {
        restore(&trained.head, weights);
    }
    Ok((trained, stop))
}

/// Heads trained fold by fold on a training split, and what each predicts of its held-out fold.
pub(crate) struct OutOfFold {
    /// Logits of every item of the split from the head that never saw it, in the split's order.
    pub(crate) logits: Vec<Vec<f32>>,
    /// The fold heads (each trained on every fold but its own).
    pub(crate) heads: Vec<TrainedHead>,
}

/// Logits of every item of `train` from a head that never saw it: `folds` folds, each
/// predicted by a head trained on the others for `epochs` epochs; with those heads.
pub(crate) fn out_of_fold(
    data: HeadData,
    train: &[usize],
    folds: usize,
    epochs: usize,
) -> Result<OutOfFold, EngineError> {
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(data.config.seed ^ 0x0f01d);
    order.shuffle(&mut rng);
    let mut fold_of = vec![0usize; train.len()];
    for (rank, &pos) in order.iter().enumerate() {
        fold_of[pos] = rank % folds;
    }
    let mut logits = vec![Vec::new(); train.len()];
    let mut heads = Vec::with_capacity(folds);
    for fold in 0..folds {
        let (held, rest): (Vec<usize>, Vec<usize>) =
            (0..train.len()).partition(|&p| fold_of[p] == fold);
        let rest_items: Vec<usize> = rest.iter().map(|&p| train[p]).collect();
        let held_items: Vec<usize> = held.iter().map(|&p| train[p]).collect();
        let seed = data.config.seed.wrapping_add(1000 * (fold as u64 + 1));
        let trained = train_head(data, &rest_items, epochs, seed, |_, _| Ok(true))?;
        for (p, row) in held
            .iter()
            .zip(head_logits(&trained.head, data.features, &held_items)?)
        {
            logits[*p] = row;
        }
        heads.push(trained);
    }
    Ok(OutOfFold { logits, heads })
}
