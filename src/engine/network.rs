//! The network the engine owns: a backbone with its weights and, once there is a vocabulary, a
//! tag head (Dropout + Linear on standardised pooled features).

use std::cell::RefCell;

use image::RgbImage;
use tch::{nn, Device, Kind, Tensor};

use super::calibrate::Calibration;
use super::checkpoint::{Checkpoint, CheckpointMeta};
use super::fit::ensemble::{self, Member};
use super::identity::ModelIdentity;
use super::options::EngineOptions;
use super::protocol::EventBody;
use super::EngineError;
use crate::index::cache::file_hash;
use crate::text::Vocabulary;
use crate::vision::{
    self, transforms, Backbone, BackboneKind, InferenceBackbone, Precision, WeightsStatus,
};

/// Dropout before the tag head, as in the original design.
const HEAD_DROPOUT: f64 = 0.2;
/// Images per forward pass when embedding or evaluating.
pub(crate) const INFERENCE_BATCH: usize = 32;
/// Name of the tag head's variables in the VarStore (outside the backbone's names).
const HEAD_PREFIX: &str = "tag_head";

/// How the engine's stages send events (the worker adds the request id).
pub(crate) type Emit<'a> = &'a (dyn Fn(EventBody) + Sync);

/// A backbone with its weights, and a tag head once there is a vocabulary.
pub(crate) struct Network {
    pub(crate) vs: nn::VarStore,
    pub(crate) backbone: Box<dyn Backbone>,
    pub(crate) kind: BackboneKind,
    /// What the backbone's weights are now.
    pub(crate) identity: ModelIdentity,
    /// What the backbone's weights were before any fine-tuning.
    pub(crate) pretrained: ModelIdentity,
    pub(crate) head: Option<Head>,
    /// Number format of inference.
    pub(crate) precision: Precision,
    /// The folded inference copy of the backbone and the identity of the weights it was made
    /// from (only weights that never change are kept; see [`Network::with_inference`]).
    inference: RefCell<Option<(ModelIdentity, Box<dyn InferenceBackbone>)>>,
}

/// The tag head and what it was trained with.
pub(crate) struct Head {
    pub(crate) linear: nn::Linear,
    /// Per-feature mean and standard deviation the head standardises its input with (set from
    /// the training split in fast mode; 0 and 1 otherwise). Saved with the head.
    pub(crate) feature_mean: Tensor,
    pub(crate) feature_std: Tensor,
    pub(crate) vocabulary: Vocabulary,
    pub(crate) thresholds: Vec<f32>,
    pub(crate) meta: Option<CheckpointMeta>,
    /// The checkpoint folder the head was last saved in or loaded from.
    pub(crate) checkpoint: Option<std::path::PathBuf>,
    /// Heads trained out of fold whose calibrated probabilities are averaged with this one's
    /// (fast mode with an ensemble; empty otherwise).
    pub(crate) ensemble: Vec<Member>,
}

impl Head {
    /// A fresh head for the vocabulary on the features of `kind`, inside `vs`.
    pub(crate) fn new(
        vs: &nn::VarStore,
        kind: BackboneKind,
        vocabulary: Vocabulary,
        thresholds: Vec<f32>,
    ) -> Self {
        let p = vs.root() / HEAD_PREFIX;
        let dim = kind.feature_dim();
        let linear = nn::linear(&p, dim, vocabulary.len() as i64, Default::default());
        Self {
            linear,
            feature_mean: p.zeros_no_train("feature_mean", &[dim]),
            feature_std: p.ones_no_train("feature_std", &[dim]),
            vocabulary,
            thresholds,
            meta: None,
            checkpoint: None,
            ensemble: Vec::new(),
        }
    }

    /// Logits from pooled features; `train` turns dropout on.
    pub(crate) fn forward(&self, features: &Tensor, train: bool) -> Tensor {
        ((features - &self.feature_mean) / &self.feature_std)
            .dropout(HEAD_DROPOUT, train)
            .apply(&self.linear)
    }

    /// Every tensor of the head, by VarStore name.
    pub(crate) fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut named = vec![
            (
                format!("{HEAD_PREFIX}.weight"),
                self.linear.ws.shallow_clone(),
            ),
            (
                format!("{HEAD_PREFIX}.feature_mean"),
                self.feature_mean.shallow_clone(),
            ),
            (
                format!("{HEAD_PREFIX}.feature_std"),
                self.feature_std.shallow_clone(),
            ),
        ];
        if let Some(bias) = &self.linear.bs {
            named.push((format!("{HEAD_PREFIX}.bias"), bias.shallow_clone()));
        }
        named.extend(ensemble::named_tensors(&self.ensemble));
        named
    }

    /// Tag probabilities of one pooled embedding, calibrated when the head's checkpoint has a
    /// calibration, and averaged over the head's ensemble when it has one.
    pub(crate) fn probabilities(&self, embedding: &[f32]) -> Result<Vec<f32>, EngineError> {
        let xs = Tensor::from_slice(embedding)
            .view([1, -1])
            .to_device(self.linear.ws.device());
        let calibration = self
            .meta
            .as_ref()
            .and_then(|m| m.tuning.as_ref())
            .map_or(&Calibration::Identity, |t| &t.calibration);
        Ok(ensemble::batch_probabilities(self, &xs, calibration)?
            .pop()
            .unwrap_or_default())
    }
}

/// The names missing from a head's weights file, less its standardisation statistics: a head
/// saved without them loads with the identity (mean 0, spread 1) it was trained with.
pub(crate) fn without_statistics(missing: Vec<String>) -> Vec<String> {
    let statistic = |m: &String| {
        *m == format!("{HEAD_PREFIX}.feature_mean") || *m == format!("{HEAD_PREFIX}.feature_std")
    };
    missing.into_iter().filter(|m| !statistic(m)).collect()
}

/// The ensemble members a checkpoint's tuning records, from its weights file.
fn read_ensemble(ck: &Checkpoint, device: Device) -> Result<Vec<Member>, EngineError> {
    let count = ck.meta.tuning.as_ref().map_or(0, |t| t.ensemble);
    if count == 0 {
        return Ok(Vec::new());
    }
    let path = ck.weights_path();
    let tensors = Tensor::read_safetensors(&path)
        .map_err(|e| EngineError::Checkpoint(format!("{} cannot be read: {e}", path.display())))?;
    let tensors: Vec<(String, Tensor)> = tensors
        .into_iter()
        .filter(|(name, _)| name.starts_with(ensemble::ENSEMBLE_PREFIX))
        .map(|(name, t)| (name, t.to_device(device)))
        .collect();
    ensemble::read_members(&tensors, count).map_err(|name| {
        EngineError::Checkpoint(format!(
            "{} is incomplete: its ensemble of {count} heads lacks {name}",
            path.display()
        ))
    })
}

impl Network {
    /// A fresh network with pretrained weights (or random ones, said in a notice).
    pub(crate) fn pretrained(
        options: &EngineOptions,
        kind: BackboneKind,
        seed: u64,
        emit: Emit,
    ) -> Result<Self, EngineError> {
        tch::manual_seed(seed as i64);
        let mut vs = nn::VarStore::new(options.device);
        let backbone = vision::build_backbone(&vs.root(), kind);
        let weights = options.weights.get(&kind).map(std::path::PathBuf::as_path);
        let identity = match vision::load_pretrained(&mut vs, "", kind, weights)? {
            WeightsStatus::Pretrained { path } => {
                let weights_hash =
                    file_hash(&path).map_err(|source| EngineError::WeightsUnreadable {
                        path: path.clone(),
                        source,
                    })?;
                ModelIdentity::Pretrained {
                    backbone: kind,
                    weights_hash,
                }
            }
            WeightsStatus::RandomInit { reason } => {
                emit(EventBody::Notice(format!(
                    "{kind}: {reason} — the network starts from random weights, so lookalikes \
                     and tags will be poor until it is trained (fine-tune mode)."
                )));
                ModelIdentity::Random {
                    backbone: kind,
                    seed,
                }
            }
        };
        Ok(Self {
            vs,
            backbone,
            kind,
            pretrained: identity.clone(),
            identity,
            head: None,
            precision: options.precision,
            inference: RefCell::new(None),
        })
    }

    /// The network saved in a checkpoint (pretrained backbone + head, or a fine-tuned one).
    pub(crate) fn from_checkpoint(
        options: &EngineOptions,
        ck: &Checkpoint,
        emit: Emit,
    ) -> Result<Self, EngineError> {
        let meta = &ck.meta;
        let mut net = Self::pretrained(options, meta.config.backbone, meta.config.seed, emit)?;
        if !meta.includes_backbone && net.weights_key() != meta.backbone_weights {
            return Err(EngineError::ModelMismatch(format!(
                "{} was trained on features of other {} weights than the ones installed now \
                 ({}); train a new model",
                ck.dir.display(),
                meta.config.backbone,
                net.weights_key()
            )));
        }
        let mut head = Head::new(
            &net.vs,
            net.kind,
            meta.vocabulary.clone(),
            meta.thresholds.clone(),
        );
        // A damaged file, or weights that are not finite numbers, are refused before use.
        ck.verify_weights()?;
        let missing = net.vs.load_partial(ck.weights_path()).map_err(|e| {
            EngineError::Checkpoint(format!(
                "{} does not fit a {} network: {e}",
                ck.weights_path().display(),
                meta.config.backbone
            ))
        })?;
        let missing = without_statistics(missing);
        if missing.iter().any(|m| m.starts_with(HEAD_PREFIX))
            || (meta.includes_backbone && !missing.is_empty())
        {
            return Err(EngineError::Checkpoint(format!(
                "{} is incomplete: {} weight(s) missing, e.g. {}",
                ck.weights_path().display(),
                missing.len(),
                missing.first().cloned().unwrap_or_default()
            )));
        }
        if meta.includes_backbone {
            net.identity = ModelIdentity::FineTuned {
                backbone: net.kind,
                run_id: meta.run_id.clone(),
                epoch: meta.epochs_completed,
                global_step: meta.global_step,
            };
        }
        head.ensemble = read_ensemble(ck, net.vs.device())?;
        head.meta = Some(meta.clone());
        head.checkpoint = Some(ck.dir.clone());
        net.head = Some(head);
        Ok(net)
    }

    /// The pretrained weights' name as recorded in checkpoints ("efficientnet-lite0-<hash>").
    pub(crate) fn weights_key(&self) -> String {
        match &self.pretrained {
            ModelIdentity::Random { backbone, seed } => format!("{backbone}-random-seed{seed}"),
            other => other.cache_key().unwrap_or_default(),
        }
    }

    /// Pooled backbone features (inference mode) of prepared photos.
    pub(crate) fn features(&self, images: &[RgbImage]) -> Result<Vec<Vec<f32>>, EngineError> {
        let mut out = Vec::with_capacity(images.len());
        self.with_inference(|backbone| {
            for chunk in images.chunks(INFERENCE_BATCH) {
                let xs = transforms::to_tensor(chunk, self.kind)?.to_device(self.vs.device());
                let feats = tch::no_grad(|| backbone.features(&xs));
                out.extend(tensor_rows(&feats)?);
            }
            Ok(out)
        })
    }

    /// Pooled features of a batch in training mode (batch statistics, dropout), as f32. In bf16
    /// precision the backbone runs under bf16 autocast (mixed precision: the weights and their
    /// gradients stay f32).
    pub(crate) fn training_features(&self, xs: &Tensor) -> Result<Tensor, EngineError> {
        Ok(match self.precision {
            Precision::F32 => self.backbone.features(xs, true),
            Precision::Bf16 => {
                vision::autocast::bf16(self.vs.device(), || self.backbone.features(xs, true))
                    .f_to_kind(Kind::Float)?
            }
        })
    }

    /// Pooled features of a batch of input tensors in inference mode (folded batch norm, in
    /// the network's precision).
    pub(crate) fn inference_features(&self, xs: &Tensor) -> Tensor {
        self.with_inference(|backbone| tch::no_grad(|| backbone.features(xs)))
    }

    /// Runs `f` with the folded inference copy of the backbone. Weights that never change
    /// (pretrained, a checkpoint's, random) are folded once; weights being trained are folded
    /// afresh on every call, so inference always sees the weights as they are now.
    pub(crate) fn with_inference<T>(&self, f: impl FnOnce(&dyn InferenceBackbone) -> T) -> T {
        if matches!(self.identity, ModelIdentity::Training { .. }) {
            let folded = vision::fold(self.backbone.as_ref(), self.precision);
            return f(folded.as_ref());
        }
        let mut cached = self.inference.borrow_mut();
        let (_, folded) = match cached.take() {
            Some((identity, folded)) if identity == self.identity => {
                cached.insert((identity, folded))
            }
            _ => cached.insert((
                self.identity.clone(),
                vision::fold(self.backbone.as_ref(), self.precision),
            )),
        };
        f(folded.as_ref())
    }
}

/// The rows of a 2-D tensor as vectors (a 1-D tensor is one row).
pub(crate) fn tensor_rows(t: &Tensor) -> Result<Vec<Vec<f32>>, EngineError> {
    let t = t.to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
    let size = t.size();
    let (rows, cols) = match size.as_slice() {
        [r, c] => (*r as usize, *c as usize),
        _ => (1, t.numel()),
    };
    let flat = Vec::<f32>::try_from(t.view([-1]))?;
    Ok((0..rows)
        .map(|r| flat[r * cols..(r + 1) * cols].to_vec())
        .collect())
}
