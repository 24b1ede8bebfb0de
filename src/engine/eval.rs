//! Scoring a model on the validation split: probabilities in inference mode, thresholds, and
//! micro/macro/samples F1.

use image::RgbImage;
use tch::{Device, Tensor};

use super::config::{TrainConfig, TrainMode};
use super::data::PreparedImages;
use super::metrics::{self, Metrics};
use super::network::{tensor_rows, Network, INFERENCE_BATCH};
use super::EngineError;
use crate::text::Vocabulary;
use crate::vision::transforms;

/// Threshold candidates tried per tag when tuning thresholds on the training split.
const THRESHOLD_CANDIDATES: [f32; 19] = [
    0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
    0.9, 0.95,
];

/// What a training run learns from: cached features (fast mode) or prepared photos
/// (fine-tune), and one multi-hot target row per catalogue item.
pub(crate) struct Inputs<'a> {
    pub(crate) features: Option<Tensor>,
    pub(crate) images: Option<&'a PreparedImages>,
    pub(crate) targets: Vec<Vec<f32>>,
}

impl Inputs<'_> {
    /// The targets of a batch as a tensor.
    pub(crate) fn target_tensor(&self, batch: &[usize], device: Device) -> Tensor {
        let flat: Vec<f32> = batch
            .iter()
            .flat_map(|&i| self.targets[i].iter().copied())
            .collect();
        Tensor::from_slice(&flat)
            .view([batch.len() as i64, -1])
            .to_device(device)
    }

    fn batch_images(&self, batch: &[usize]) -> Vec<RgbImage> {
        batch
            .iter()
            .filter_map(|&i| {
                self.images
                    .and_then(|p| p.images.get(i))
                    .and_then(Option::clone)
            })
            .collect()
    }

    fn truth(&self, items: &[usize]) -> Vec<Vec<bool>> {
        metrics::targets_to_bool(
            &items
                .iter()
                .map(|&i| self.targets[i].clone())
                .collect::<Vec<_>>(),
        )
    }
}

/// Logits for a batch; `train` turns on dropout (and batch-norm statistics in fine-tune), and
/// `rng` augments the photos.
pub(crate) fn logits(
    net: &Network,
    inputs: &Inputs,
    batch: &[usize],
    mode: TrainMode,
    train: bool,
    rng: Option<&mut rand::rngs::StdRng>,
) -> Result<Tensor, EngineError> {
    let device = net.vs.device();
    let head = net.head.as_ref().ok_or(EngineError::NoModel)?;
    let feats = match (mode, &inputs.features) {
        (TrainMode::Fast, Some(all)) => {
            let idx: Vec<i64> = batch.iter().map(|&i| i as i64).collect();
            all.f_index_select(0, &Tensor::from_slice(&idx).to_device(device))?
        }
        _ => {
            let mut images = inputs.batch_images(batch);
            if let Some(rng) = rng {
                let augmentation = transforms::Augmentation::default();
                images = images
                    .iter()
                    .map(|img| transforms::augment(img, &augmentation, rng))
                    .collect();
            }
            let xs = transforms::to_tensor(&images, net.kind)?.to_device(device);
            if train {
                net.training_features(&xs)?
            } else {
                net.inference_features(&xs)
            }
        }
    };
    Ok(head.forward(&feats, train))
}

/// Probabilities for `items` in inference mode.
pub(crate) fn probabilities(
    net: &Network,
    inputs: &Inputs,
    items: &[usize],
    mode: TrainMode,
) -> Result<Vec<Vec<f32>>, EngineError> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(INFERENCE_BATCH) {
        let probs = tch::no_grad(|| logits(net, inputs, chunk, mode, false, None))?.sigmoid();
        out.extend(tensor_rows(&probs)?);
    }
    Ok(out)
}

/// The items a run is scored on.
pub(crate) struct EvalSplit<'a> {
    pub(crate) train: &'a [usize],
    pub(crate) validation: &'a [usize],
}

/// One scoring of the validation split.
pub(crate) struct Evaluation {
    /// Per-tag thresholds used.
    pub(crate) thresholds: Vec<f32>,
    /// Probabilities of each validation item, in the split's order.
    pub(crate) validation_probabilities: Vec<Vec<f32>>,
    /// The scores.
    pub(crate) metrics: Metrics,
}

/// Scores the validation split (thresholds tuned on the training split when asked).
pub(crate) fn evaluate(
    net: &Network,
    inputs: &Inputs,
    split: EvalSplit,
    vocabulary: &Vocabulary,
    config: &TrainConfig,
) -> Result<Evaluation, EngineError> {
    let thresholds = if config.tune_thresholds {
        let train_probs = probabilities(net, inputs, split.train, config.mode)?;
        metrics::best_thresholds(
            &train_probs,
            &inputs.truth(split.train),
            &THRESHOLD_CANDIDATES,
            config.threshold,
        )
    } else {
        vec![config.threshold; vocabulary.len()]
    };
    let val_probs = probabilities(net, inputs, split.validation, config.mode)?;
    let predicted = metrics::apply_thresholds(&val_probs, &thresholds);
    let metrics = metrics::evaluate(
        &predicted,
        &inputs.truth(split.validation),
        &vocabulary.names(),
    );
    Ok(Evaluation {
        thresholds,
        validation_probabilities: val_probs,
        metrics,
    })
}
