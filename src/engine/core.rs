//! The engine the worker thread runs: it owns the network (VarStore, backbone, tag head) and
//! the optimizer, and turns commands into events. Nothing here touches the UI; results leave
//! through the `emit` callback as plain data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::nn::{self, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use super::checkpoint::{self, Checkpoint, CheckpointMeta, EvalPoint, History, LossPoint};
use super::config::{TrainConfig, TrainMode};
use super::data::{prepare_images, PreparedImages};
use super::metrics::{self, Metrics};
use super::split::Split;
use super::worker::{Event, ModelSummary, PredictedTag, Prediction, Progress};
use super::TrainError;
use crate::catalogue::Catalogue;
use crate::index::cache::{file_hash, EmbeddingCache};
use crate::index::{EmbeddingIndex, LOOKALIKES};
use crate::text::{extract_tags, TagOptions, TagSet, Vocabulary};
use crate::vision::{self, transforms, Backbone, BackboneKind, WeightsStatus};

/// Dropout before the tag head, as in the original design.
const HEAD_DROPOUT: f64 = 0.2;
/// Images per forward pass when embedding or evaluating.
const INFERENCE_BATCH: usize = 32;
/// Threshold candidates tried per tag when tuning thresholds on the training split.
const THRESHOLD_CANDIDATES: [f32; 19] = [
    0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
    0.9, 0.95,
];
/// Name of the tag head's variables in the VarStore (outside the backbone's names).
const HEAD_PREFIX: &str = "tag_head";

/// Where the engine keeps its files and which weights it uses.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Folder for training runs (one sub-folder per run).
    pub checkpoint_root: PathBuf,
    /// Folder for the embedding cache.
    pub cache_root: PathBuf,
    /// Pretrained weights to use instead of the default file, per backbone.
    pub weights: HashMap<BackboneKind, PathBuf>,
    /// Compute device (CUDA when available, else CPU).
    pub device: Device,
    /// Threads decoding photos.
    pub decode_threads: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            checkpoint_root: crate::paths::checkpoints_dir(),
            cache_root: crate::paths::cache_dir().join("embeddings"),
            weights: HashMap::new(),
            device: Device::cuda_if_available(),
            decode_threads: std::thread::available_parallelism()
                .map(|n| n.get().min(4))
                .unwrap_or(2),
        }
    }
}

/// The catalogue the engine works on, with what has been derived from it.
struct CatalogueState {
    catalogue: Catalogue,
    tags: TagSet,
    /// Prepared photos of every item, decoded once for fine-tuning.
    images: Option<PreparedImages>,
    /// Embeddings by model key.
    embeddings: Option<(String, Vec<Option<Vec<f32>>>)>,
}

/// A backbone with its weights, and a tag head once there is a vocabulary.
struct Network {
    vs: nn::VarStore,
    backbone: Box<dyn Backbone>,
    kind: BackboneKind,
    /// Identity of the backbone weights, the embedding cache key.
    key: String,
    /// Identity of the pretrained weights the network started from.
    pretrained_key: String,
    head: Option<Head>,
}

struct Head {
    linear: nn::Linear,
    /// Per-feature mean and standard deviation the head standardises its input with (set from
    /// the training split in fast mode; 0 and 1 otherwise). Saved with the head.
    feature_mean: Tensor,
    feature_std: Tensor,
    vocabulary: Vocabulary,
    thresholds: Vec<f32>,
    meta: Option<CheckpointMeta>,
}

impl Head {
    /// A fresh head for `n_tags` outputs on the features of `kind`, inside `vs`.
    fn new(
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
        }
    }

    /// Logits from pooled features; `train` turns dropout on.
    fn forward(&self, features: &Tensor, train: bool) -> Tensor {
        ((features - &self.feature_mean) / &self.feature_std)
            .dropout(HEAD_DROPOUT, train)
            .apply(&self.linear)
    }

    /// Every tensor of the head, by VarStore name.
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
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
        named
    }
}

/// The engine; see the module documentation.
pub struct Engine {
    options: EngineOptions,
    stop: Arc<AtomicBool>,
    catalogue: Option<CatalogueState>,
    network: Option<Network>,
}

type Emit<'a> = &'a (dyn Fn(Event) + Sync);

impl Engine {
    /// A new engine; `stop` is polled between steps of long jobs.
    pub fn new(options: EngineOptions, stop: Arc<AtomicBool>) -> Self {
        Self {
            options,
            stop,
            catalogue: None,
            network: None,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Takes a catalogue, derives its tags and reports what can be learned from it.
    pub fn set_catalogue(&mut self, catalogue: Catalogue, emit: Emit) {
        let descriptions: Vec<&str> = catalogue
            .items
            .iter()
            .map(|i| i.description.as_str())
            .collect();
        let tags = extract_tags(&descriptions, &TagOptions::default());
        let trainable = tags.items.iter().filter(|t| !t.tags.is_empty()).count();
        emit(Event::CatalogueReady {
            name: catalogue.name.clone(),
            items: catalogue.items.len(),
            trainable_items: trainable,
            vocabulary: tags.vocabulary.names(),
            item_tags: tags.items.iter().map(|t| t.tags.clone()).collect(),
        });
        self.catalogue = Some(CatalogueState {
            catalogue,
            tags,
            images: None,
            embeddings: None,
        });
        // A head trained on another vocabulary cannot tag this catalogue.
        if let Some(net) = &mut self.network {
            let same = net.head.as_ref().is_some_and(|h| {
                self.catalogue
                    .as_ref()
                    .is_some_and(|c| c.tags.vocabulary.names() == h.vocabulary.names())
            });
            if !same {
                net.head = None;
            }
        }
    }

    fn weights_override(&self, kind: BackboneKind) -> Option<&Path> {
        self.options.weights.get(&kind).map(PathBuf::as_path)
    }

    /// A fresh network with pretrained weights (or random ones, said in a notice).
    fn build_network(
        &self,
        kind: BackboneKind,
        seed: u64,
        emit: Emit,
    ) -> Result<Network, TrainError> {
        tch::manual_seed(seed as i64);
        let mut vs = nn::VarStore::new(self.options.device);
        let backbone = vision::build_backbone(&vs.root(), kind);
        let status = vision::load_pretrained(&mut vs, "", kind, self.weights_override(kind))?;
        let key = match &status {
            WeightsStatus::Pretrained { path } => {
                let hash = file_hash(path).map_err(|e| {
                    TrainError::Checkpoint(format!("cannot read {}: {e}", path.display()))
                })?;
                format!("{kind}-{hash:032x}")
            }
            WeightsStatus::RandomInit { reason } => {
                emit(Event::Notice(format!(
                    "{kind}: {reason} — the network starts from random weights, so lookalikes \
                     and tags will be poor until it is trained (fine-tune mode)."
                )));
                format!("{kind}-random-seed{seed}")
            }
        };
        Ok(Network {
            vs,
            backbone,
            kind,
            pretrained_key: key.clone(),
            key,
            head: None,
        })
    }

    /// The current network, building the default pretrained one if there is none.
    fn ensure_network(&mut self, emit: Emit) -> Result<(), TrainError> {
        if self.network.is_none() {
            let net = self.build_network(
                BackboneKind::EfficientNetLite0,
                super::split::DEFAULT_SEED,
                emit,
            )?;
            self.network = Some(net);
        }
        Ok(())
    }

    /// Computes (or reads from the cache) the embedding of every catalogue photo with the
    /// current network, then emits them.
    pub fn embed(&mut self, emit: Emit) -> Result<(), TrainError> {
        self.ensure_network(emit)?;
        self.compute_embeddings(emit)?;
        if let (Some(state), Some(net)) = (&self.catalogue, &self.network) {
            match &state.embeddings {
                Some((key, vectors)) if key == &net.key => emit(Event::Embeddings {
                    model_key: key.clone(),
                    backbone: net.kind,
                    vectors: vectors.clone(),
                }),
                // Every Embed ends with an event, even a stopped one.
                _ => emit(Event::Notice(
                    "Stopped computing lookalike embeddings; lookalikes appear once they are \
                     computed."
                        .into(),
                )),
            }
        }
        Ok(())
    }

    fn compute_embeddings(&mut self, emit: Emit) -> Result<(), TrainError> {
        let Some(net) = &self.network else {
            return Err(TrainError::NoModel);
        };
        let Some(state) = &mut self.catalogue else {
            return Err(TrainError::NoCatalogue);
        };
        if state
            .embeddings
            .as_ref()
            .is_some_and(|(k, _)| k == &net.key)
        {
            return Ok(());
        }
        let n = state.catalogue.items.len();
        let dim = net.kind.feature_dim() as usize;
        let cacheable = !net.key.contains("-random-");
        let cache_path = EmbeddingCache::path_for(&self.options.cache_root, &net.key);
        let mut cache = match EmbeddingCache::open(&cache_path, dim) {
            Ok(c) => c,
            Err(e) => {
                emit(Event::Notice(e.to_string()));
                EmbeddingCache::empty(&cache_path, dim)
            }
        };
        let hashes: Vec<Option<u128>> = state
            .catalogue
            .items
            .iter()
            .map(|item| file_hash(&item.image_path).ok())
            .collect();
        let mut vectors: Vec<Option<Vec<f32>>> = hashes
            .iter()
            .map(|h| h.and_then(|h| cache.get(h)).map(<[f32]>::to_vec))
            .map(|v| if cacheable { v } else { None })
            .collect();
        let todo: Vec<usize> = (0..n)
            .filter(|&i| vectors[i].is_none() && hashes[i].is_some())
            .collect();
        let mut done = n - todo.len();
        emit(Event::Busy {
            task: "Computing lookalike embeddings".into(),
            done,
            total: n,
        });
        let mut failures = Vec::new();
        for chunk in todo.chunks(INFERENCE_BATCH) {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let images = images_for(
                state,
                chunk,
                net.kind.input_size_px(),
                self.options.decode_threads,
                &self.stop,
            );
            let mut ok_idx = Vec::new();
            let mut ok_imgs = Vec::new();
            for (&i, img) in chunk.iter().zip(images) {
                match img {
                    Ok(img) => {
                        ok_idx.push(i);
                        ok_imgs.push(img);
                    }
                    Err(reason) => failures.push((i, reason)),
                }
            }
            if !ok_imgs.is_empty() {
                let feats = forward_features(net, &ok_imgs)?;
                for (&i, v) in ok_idx.iter().zip(feats) {
                    if let (true, Some(h)) = (cacheable, hashes[i]) {
                        cache.insert(h, v.clone());
                    }
                    vectors[i] = Some(v);
                }
            }
            done += chunk.len();
            emit(Event::Busy {
                task: "Computing lookalike embeddings".into(),
                done,
                total: n,
            });
        }
        for (i, h) in hashes.iter().enumerate() {
            if h.is_none() {
                failures.push((i, "the photo file cannot be read".into()));
            }
        }
        if !failures.is_empty() {
            failures.sort();
            let names: Vec<String> = failures
                .iter()
                .take(5)
                .map(|(i, why)| format!("{} ({why})", state.catalogue.items[*i].id))
                .collect();
            emit(Event::Notice(format!(
                "{} photo(s) could not be used for lookalikes: {}{}",
                failures.len(),
                names.join("; "),
                if failures.len() > 5 { "; ..." } else { "" }
            )));
        }
        if cacheable {
            if let Err(e) = cache.save() {
                emit(Event::Notice(format!(
                    "{e} (embeddings will be recomputed next time)"
                )));
            }
        }
        if self.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        state.embeddings = Some((net.key.clone(), vectors));
        Ok(())
    }

    /// Trains (fast or fine-tune) on the current catalogue, optionally resuming a checkpoint.
    pub fn train(
        &mut self,
        config: TrainConfig,
        resume: Option<&Path>,
        emit: Emit,
    ) -> Result<(), TrainError> {
        config.validate().map_err(TrainError::InvalidConfig)?;
        let state = self.catalogue.as_ref().ok_or(TrainError::NoCatalogue)?;
        let vocabulary = state.tags.vocabulary.clone();
        if vocabulary.is_empty() {
            return Err(TrainError::NothingToLearn(
                "this catalogue has no descriptions to learn tags from: import a CSV or JSON \
                 catalogue with a description for each photo"
                    .into(),
            ));
        }
        // Resume: the checkpoint decides the network, split and history.
        let resumed = match resume {
            Some(path) => {
                let ck = Checkpoint::load(path)?;
                self.check_fits(&ck.meta)?;
                if ck.meta.config.backbone != config.backbone || ck.meta.config.mode != config.mode
                {
                    return Err(TrainError::Checkpoint(format!(
                        "{} was trained with {} in {} mode; choose the same backbone and mode to \
                         resume it",
                        ck.dir.display(),
                        ck.meta.config.backbone,
                        ck.meta.config.mode
                    )));
                }
                Some(ck)
            }
            None => None,
        };
        let mut net = match &resumed {
            Some(ck) => self.network_from_checkpoint(ck, emit)?,
            None => self.build_network(config.backbone, config.seed, emit)?,
        };
        let n_tags = vocabulary.len();
        let fresh_head = net.head.is_none();
        if fresh_head {
            net.head = Some(Head::new(
                &net.vs,
                net.kind,
                vocabulary.clone(),
                vec![config.threshold; n_tags],
            ));
        }
        self.network = Some(net);

        let state = self.catalogue.as_ref().ok_or(TrainError::NoCatalogue)?;
        let ids: Vec<String> = state
            .catalogue
            .items
            .iter()
            .zip(&state.tags.items)
            .filter(|(_, t)| !t.tags.is_empty())
            .map(|(i, _)| i.id.clone())
            .collect();
        if ids.len() < 4 {
            return Err(TrainError::NothingToLearn(format!(
                "only {} item(s) have tags from their descriptions; at least 4 are needed to \
                 train and validate",
                ids.len()
            )));
        }
        let (split, mut history, start_epoch, mut global_step, run_id) = match &resumed {
            Some(ck) => (
                ck.meta.split.clone(),
                ck.meta.history.clone(),
                ck.meta.epochs_completed,
                ck.meta.global_step,
                ck.meta.run_id.clone(),
            ),
            None => (
                Split::new(&ids, config.seed),
                History::default(),
                0,
                0,
                new_run_id(
                    &self.options.checkpoint_root,
                    &state.catalogue.name,
                    &config,
                )?,
            ),
        };
        let index_of: HashMap<&str, usize> = state
            .catalogue
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.as_str(), i))
            .collect();
        let to_idx = |ids: &[String]| -> Vec<usize> {
            ids.iter()
                .filter_map(|id| index_of.get(id.as_str()).copied())
                .collect()
        };
        let mut train_idx = to_idx(&split.train);
        let mut val_idx = to_idx(&split.validation);
        let targets: Vec<Vec<f32>> = state
            .tags
            .items
            .iter()
            .map(|t| vocabulary.multi_hot(&t.tags))
            .collect();
        let run_dir = self.options.checkpoint_root.join(&run_id);

        // Inputs: cached features (fast) or prepared photos (fine-tune).
        let features: Option<Tensor> = match config.mode {
            TrainMode::Fast => {
                self.compute_embeddings(emit)?;
                if self.stopped() {
                    emit(Event::Finished {
                        stopped: true,
                        epochs_completed: start_epoch,
                        checkpoint: None,
                    });
                    return Ok(());
                }
                let state = self.catalogue.as_ref().ok_or(TrainError::NoCatalogue)?;
                let dim = config.backbone.feature_dim() as usize;
                let vectors = state
                    .embeddings
                    .as_ref()
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                let mut flat = Vec::with_capacity(vectors.len() * dim);
                for v in &vectors {
                    match v {
                        Some(v) => flat.extend_from_slice(v),
                        None => flat.extend(std::iter::repeat_n(0.0, dim)),
                    }
                }
                train_idx.retain(|&i| vectors.get(i).is_some_and(Option::is_some));
                val_idx.retain(|&i| vectors.get(i).is_some_and(Option::is_some));
                Some(
                    Tensor::from_slice(&flat)
                        .view([vectors.len() as i64, dim as i64])
                        .to_device(self.options.device),
                )
            }
            TrainMode::FineTune => {
                let size_px = config.backbone.input_size_px();
                let state = self.catalogue.as_mut().ok_or(TrainError::NoCatalogue)?;
                if state.images.as_ref().is_none_or(|p| p.size_px != size_px) {
                    let paths: Vec<PathBuf> = state
                        .catalogue
                        .items
                        .iter()
                        .map(|i| i.image_path.clone())
                        .collect();
                    let total = paths.len();
                    let progress = |done: usize, total: usize| {
                        if done.is_multiple_of(8) || done == total {
                            emit(Event::Busy {
                                task: "Preparing photos".into(),
                                done,
                                total,
                            });
                        }
                    };
                    emit(Event::Busy {
                        task: "Preparing photos".into(),
                        done: 0,
                        total,
                    });
                    let prepared = prepare_images(
                        &paths,
                        size_px,
                        self.options.decode_threads,
                        &self.stop,
                        &progress,
                    );
                    if self.stop.load(Ordering::Relaxed) {
                        emit(Event::Finished {
                            stopped: true,
                            epochs_completed: start_epoch,
                            checkpoint: None,
                        });
                        return Ok(());
                    }
                    state.images = Some(prepared);
                }
                let ready = |i: &usize| {
                    state
                        .images
                        .as_ref()
                        .is_some_and(|p| p.images.get(*i).is_some_and(Option::is_some))
                };
                train_idx.retain(ready);
                val_idx.retain(ready);
                None
            }
        };
        if train_idx.is_empty() || val_idx.is_empty() {
            return Err(TrainError::NothingToLearn(
                "no usable photos in the training or validation split".into(),
            ));
        }

        let net = self.network.as_mut().ok_or(TrainError::NoModel)?;
        if let (true, Some(all), Some(head)) = (fresh_head, &features, &net.head) {
            // Standardised features train a linear head far better than raw pooled ones.
            let idx = Tensor::from_slice(&train_idx.iter().map(|&i| i as i64).collect::<Vec<_>>())
                .to_device(self.options.device);
            let train_feats = all.f_index_select(0, &idx)?;
            let mean = train_feats.mean_dim(0, false, Kind::Float);
            let std = train_feats.std_dim(0, false, false) + 1e-6;
            tch::no_grad(|| {
                head.feature_mean.shallow_clone().copy_(&mean);
                head.feature_std.shallow_clone().copy_(&std);
            });
        }
        let mut opt =
            nn::adam(0.9, 0.999, config.weight_decay).build(&net.vs, config.learning_rate)?;
        let steps_per_epoch = train_idx.len().div_ceil(config.batch_size);
        emit(Event::TrainingStarted {
            run_id: run_id.clone(),
            config: config.clone(),
            vocabulary: vocabulary.names(),
            train_items: train_idx.clone(),
            validation_items: val_idx.clone(),
            steps_per_epoch,
            start_epoch,
            history: history.clone(),
        });
        let state = self.catalogue.as_ref().ok_or(TrainError::NoCatalogue)?;
        let inputs = Inputs {
            features: features.as_ref(),
            images: state.images.as_ref(),
            targets: &targets,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed ^ 0x5eed);
        let started = Instant::now();
        let mut steps_this_run = 0usize;
        let mut last_checkpoint = None;
        let mut thresholds = net
            .head
            .as_ref()
            .map(|h| h.thresholds.clone())
            .unwrap_or_else(|| vec![config.threshold; n_tags]);
        let total_steps = steps_per_epoch * config.epochs;
        let run = RunContext {
            run_id: &run_id,
            run_dir: &run_dir,
            catalogue_name: &state.catalogue.name,
            config: &config,
            vocabulary: &vocabulary,
            split: &split,
        };
        for epoch in start_epoch..config.epochs {
            let mut order = train_idx.clone();
            let mut epoch_rng =
                rand::rngs::StdRng::seed_from_u64(config.seed.wrapping_add(epoch as u64));
            order.shuffle(&mut epoch_rng);
            for (s, batch) in order.chunks(config.batch_size).enumerate() {
                if self.stop.load(Ordering::Relaxed) {
                    let ckpt = RunCheckpoint {
                        epochs_completed: epoch,
                        stopped_mid_epoch: true,
                        global_step,
                    };
                    let dir = run.checkpoint(ckpt, net, &thresholds, &history, emit)?;
                    emit(Event::Finished {
                        stopped: true,
                        epochs_completed: epoch,
                        checkpoint: Some(dir),
                    });
                    return Ok(());
                }
                let loss = train_step(net, &inputs, batch, config.mode, &mut rng, &mut opt)?;
                global_step += 1;
                steps_this_run += 1;
                history.losses.push(LossPoint {
                    step: global_step,
                    loss,
                });
                let elapsed_secs = started.elapsed().as_secs_f64();
                let done_steps = epoch * steps_per_epoch + s + 1;
                let remaining = total_steps.saturating_sub(done_steps);
                let secs_per_step = elapsed_secs / steps_this_run as f64;
                emit(Event::Progress(Progress {
                    epoch: epoch + 1,
                    epochs: config.epochs,
                    step: s + 1,
                    steps_per_epoch,
                    global_step,
                    loss,
                    images_per_sec: (steps_this_run * config.batch_size) as f64
                        / elapsed_secs.max(1e-9),
                    eta_secs: secs_per_step * remaining as f64,
                }));
                // Evaluate every `eval_every_steps` steps and at the end of each epoch.
                let last_of_epoch = s + 1 == steps_per_epoch;
                if last_of_epoch
                    || (config.eval_every_steps > 0
                        && global_step.is_multiple_of(config.eval_every_steps))
                {
                    let frac = epoch as f32 + (s + 1) as f32 / steps_per_epoch as f32;
                    thresholds = evaluate(
                        net,
                        &inputs,
                        &train_idx,
                        &val_idx,
                        &vocabulary,
                        &config,
                        global_step,
                        frac,
                        &mut history,
                        emit,
                    )?;
                }
            }
            let ckpt = RunCheckpoint {
                epochs_completed: epoch + 1,
                stopped_mid_epoch: false,
                global_step,
            };
            last_checkpoint = Some(run.checkpoint(ckpt, net, &thresholds, &history, emit)?);
        }
        if config.mode == TrainMode::FineTune {
            // The backbone changed: its embeddings are new ones.
            net.key = format!("{}-finetuned-{run_id}-e{}", net.kind, config.epochs);
        }
        emit(Event::Finished {
            stopped: false,
            epochs_completed: config.epochs,
            checkpoint: last_checkpoint,
        });
        self.publish_model(emit)
    }

    /// Sends the model summary, the catalogue's embeddings and every item's tag probabilities.
    fn publish_model(&mut self, emit: Emit) -> Result<(), TrainError> {
        let Some(net) = &self.network else {
            return Err(TrainError::NoModel);
        };
        if let Some(head) = &net.head {
            emit(Event::ModelReady(summary(net, head)));
        }
        self.embed(emit)?;
        let (Some(net), Some(state)) = (&self.network, &self.catalogue) else {
            return Ok(());
        };
        let (Some(head), Some((_, vectors))) = (&net.head, &state.embeddings) else {
            return Ok(());
        };
        let probabilities = vectors
            .iter()
            .map(|v| v.as_ref().map(|v| head_probabilities(head, v)))
            .collect();
        emit(Event::ItemTags {
            vocabulary: head.vocabulary.names(),
            thresholds: head.thresholds.clone(),
            probabilities,
        });
        Ok(())
    }

    /// Refuses a checkpoint that does not fit the open catalogue, in words.
    fn check_fits(&self, meta: &CheckpointMeta) -> Result<(), TrainError> {
        let state = self.catalogue.as_ref().ok_or(TrainError::NoCatalogue)?;
        let mine = state.tags.vocabulary.names();
        let theirs = meta.vocabulary.names();
        if mine != theirs {
            let missing: Vec<&String> = theirs
                .iter()
                .filter(|t| !mine.contains(t))
                .take(5)
                .collect();
            return Err(TrainError::Checkpoint(format!(
                "this model was trained on \"{}\" with a different tag vocabulary ({} tags; e.g. \
                 {:?} are not tags of the open catalogue, which has {} tags). Open the catalogue \
                 it was trained on, or train a new model.",
                meta.catalogue_name,
                theirs.len(),
                missing,
                mine.len()
            )));
        }
        Ok(())
    }

    fn network_from_checkpoint(&self, ck: &Checkpoint, emit: Emit) -> Result<Network, TrainError> {
        let meta = &ck.meta;
        let mut net = self.build_network(meta.config.backbone, meta.config.seed, emit)?;
        if !meta.includes_backbone && net.pretrained_key != meta.backbone_weights {
            return Err(TrainError::Checkpoint(format!(
                "{} was trained on features of other {} weights than the ones installed now \
                 ({}); train a new model",
                ck.dir.display(),
                meta.config.backbone,
                net.pretrained_key
            )));
        }
        let mut head = Head::new(
            &net.vs,
            net.kind,
            meta.vocabulary.clone(),
            meta.thresholds.clone(),
        );
        let missing = net.vs.load_partial(ck.weights_path()).map_err(|e| {
            TrainError::Checkpoint(format!(
                "{} does not fit a {} network: {e}",
                ck.weights_path().display(),
                meta.config.backbone
            ))
        })?;
        if missing.iter().any(|m| m.starts_with(HEAD_PREFIX))
            || (meta.includes_backbone && !missing.is_empty())
        {
            return Err(TrainError::Checkpoint(format!(
                "{} is incomplete: {} weight(s) missing, e.g. {}",
                ck.weights_path().display(),
                missing.len(),
                missing.first().cloned().unwrap_or_default()
            )));
        }
        if meta.includes_backbone {
            net.key = format!(
                "{}-finetuned-{}-e{}",
                net.kind, meta.run_id, meta.epochs_completed
            );
        }
        head.meta = Some(meta.clone());
        net.head = Some(head);
        Ok(net)
    }

    /// Loads a checkpoint for tagging and lookalikes (after checking it fits the catalogue).
    pub fn load_checkpoint(&mut self, path: &Path, emit: Emit) -> Result<(), TrainError> {
        let ck = Checkpoint::load(path)?;
        self.check_fits(&ck.meta)?;
        let net = self.network_from_checkpoint(&ck, emit)?;
        self.network = Some(net);
        self.publish_model(emit)
    }

    /// Tags a photo file and finds its lookalikes in the catalogue.
    pub fn predict(&mut self, path: &Path, emit: Emit) -> Result<(), TrainError> {
        let img = transforms::load_image(path)?;
        self.ensure_network(emit)?;
        let size_px = self
            .network
            .as_ref()
            .map_or(224, |n| n.kind.input_size_px());
        let prepared = transforms::prepare(&img, size_px);
        let lookalikes = if self.catalogue.is_some() {
            self.compute_embeddings(emit)?;
            true
        } else {
            false
        };
        let net = self.network.as_ref().ok_or(TrainError::NoModel)?;
        let embedding = forward_features(net, std::slice::from_ref(&prepared))?
            .pop()
            .unwrap_or_default();
        let neighbours = match (&self.catalogue, lookalikes) {
            (Some(state), true) => match &state.embeddings {
                Some((_, vectors)) => nearest(vectors, &embedding),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        let tags = net.head.as_ref().map(|head| {
            let probs = head_probabilities(head, &embedding);
            let names = head.vocabulary.names();
            let mut tags: Vec<PredictedTag> = names
                .into_iter()
                .zip(probs)
                .zip(&head.thresholds)
                .map(|((name, probability), th)| PredictedTag {
                    name,
                    probability,
                    predicted: probability >= *th,
                })
                .collect();
            tags.sort_by(|a, b| b.probability.total_cmp(&a.probability));
            tags
        });
        emit(Event::Prediction(Prediction {
            source: path.to_path_buf(),
            thumbnail: image::imageops::thumbnail(&prepared, 96, 96),
            tags,
            lookalikes: neighbours,
            embedding,
        }));
        Ok(())
    }
}

/// Lookalikes of a vector among catalogue embeddings (missing ones are skipped).
fn nearest(vectors: &[Option<Vec<f32>>], query: &[f32]) -> Vec<crate::index::Neighbour> {
    EmbeddingIndex::centered(vectors).nearest(query, LOOKALIKES, None)
}

/// The prepared photos of `items`: from the fine-tuning cache when present, else decoded now.
fn images_for(
    state: &CatalogueState,
    items: &[usize],
    size_px: u32,
    threads: usize,
    stop: &AtomicBool,
) -> Vec<Result<RgbImage, String>> {
    if let Some(prepared) = state.images.as_ref().filter(|p| p.size_px == size_px) {
        return items
            .iter()
            .map(|&i| {
                prepared
                    .images
                    .get(i)
                    .and_then(Option::clone)
                    .ok_or_else(|| "the photo could not be decoded".to_string())
            })
            .collect();
    }
    let paths: Vec<PathBuf> = items
        .iter()
        .map(|&i| state.catalogue.items[i].image_path.clone())
        .collect();
    let prepared = prepare_images(&paths, size_px, threads, stop, &|_, _| {});
    let mut reasons: HashMap<usize, String> = prepared.failures.into_iter().collect();
    prepared
        .images
        .into_iter()
        .enumerate()
        .map(|(k, img)| img.ok_or_else(|| reasons.remove(&k).unwrap_or_else(|| "stopped".into())))
        .collect()
}

/// Pooled backbone features (inference mode) of prepared photos.
fn forward_features(net: &Network, images: &[RgbImage]) -> Result<Vec<Vec<f32>>, TrainError> {
    let mut out = Vec::with_capacity(images.len());
    for chunk in images.chunks(INFERENCE_BATCH) {
        let xs = transforms::to_tensor(chunk, net.kind)?.to_device(net.vs.device());
        let feats = tch::no_grad(|| net.backbone.features(&xs, false));
        out.extend(tensor_rows(&feats)?);
    }
    Ok(out)
}

fn tensor_rows(t: &Tensor) -> Result<Vec<Vec<f32>>, TrainError> {
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

fn head_probabilities(head: &Head, embedding: &[f32]) -> Vec<f32> {
    let xs = Tensor::from_slice(embedding)
        .view([1, -1])
        .to_device(head.linear.ws.device());
    let probs = tch::no_grad(|| head.forward(&xs, false).sigmoid());
    tensor_rows(&probs)
        .ok()
        .and_then(|mut r| r.pop())
        .unwrap_or_default()
}

struct Inputs<'a> {
    features: Option<&'a Tensor>,
    images: Option<&'a PreparedImages>,
    targets: &'a [Vec<f32>],
}

impl Inputs<'_> {
    fn target_tensor(&self, batch: &[usize], device: Device) -> Tensor {
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
}

/// Logits for a batch; `train` turns on dropout (and batch-norm statistics in fine-tune).
fn logits(
    net: &Network,
    inputs: &Inputs,
    batch: &[usize],
    mode: TrainMode,
    train: bool,
    rng: Option<&mut rand::rngs::StdRng>,
) -> Result<Tensor, TrainError> {
    let device = net.vs.device();
    let head = net.head.as_ref().ok_or(TrainError::NoModel)?;
    let feats = match (mode, inputs.features) {
        (TrainMode::Fast, Some(all)) => {
            let idx: Vec<i64> = batch.iter().map(|&i| i as i64).collect();
            all.f_index_select(0, &Tensor::from_slice(&idx).to_device(device))?
        }
        _ => {
            let mut images = inputs.batch_images(batch);
            if let Some(rng) = rng {
                images = images
                    .iter()
                    .map(|img| transforms::augment(img, &transforms::Augmentation::default(), rng))
                    .collect();
            }
            let xs = transforms::to_tensor(&images, net.kind)?.to_device(device);
            net.backbone.features(&xs, train)
        }
    };
    Ok(head.forward(&feats, train))
}

fn train_step(
    net: &Network,
    inputs: &Inputs,
    batch: &[usize],
    mode: TrainMode,
    rng: &mut rand::rngs::StdRng,
    opt: &mut nn::Optimizer,
) -> Result<f32, TrainError> {
    let logits = logits(net, inputs, batch, mode, true, Some(rng))?;
    let targets = inputs.target_tensor(batch, net.vs.device());
    let loss = logits.f_binary_cross_entropy_with_logits::<Tensor>(
        &targets,
        None,
        None,
        tch::Reduction::Mean,
    )?;
    opt.zero_grad();
    loss.f_backward()?;
    opt.step();
    Ok(loss.double_value(&[]) as f32)
}

/// Probabilities for `items` in inference mode.
fn probabilities(
    net: &Network,
    inputs: &Inputs,
    items: &[usize],
    mode: TrainMode,
) -> Result<Vec<Vec<f32>>, TrainError> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(INFERENCE_BATCH) {
        let probs = tch::no_grad(|| logits(net, inputs, chunk, mode, false, None))?.sigmoid();
        out.extend(tensor_rows(&probs)?);
    }
    Ok(out)
}

/// Scores the validation split, emits the result, and returns the thresholds in use.
#[allow(clippy::too_many_arguments)]
fn evaluate(
    net: &Network,
    inputs: &Inputs,
    train_idx: &[usize],
    val_idx: &[usize],
    vocabulary: &Vocabulary,
    config: &TrainConfig,
    step: usize,
    epoch: f32,
    history: &mut History,
    emit: Emit,
) -> Result<Vec<f32>, TrainError> {
    let n_tags = vocabulary.len();
    let thresholds = if config.tune_thresholds {
        let train_probs = probabilities(net, inputs, train_idx, config.mode)?;
        let truth: Vec<Vec<bool>> = metrics::targets_to_bool(
            &train_idx
                .iter()
                .map(|&i| inputs.targets[i].clone())
                .collect::<Vec<_>>(),
        );
        metrics::best_thresholds(
            &train_probs,
            &truth,
            &THRESHOLD_CANDIDATES,
            config.threshold,
        )
    } else {
        vec![config.threshold; n_tags]
    };
    let val_probs = probabilities(net, inputs, val_idx, config.mode)?;
    let truth = metrics::targets_to_bool(
        &val_idx
            .iter()
            .map(|&i| inputs.targets[i].clone())
            .collect::<Vec<_>>(),
    );
    let predicted = metrics::apply_thresholds(&val_probs, &thresholds);
    let m: Metrics = metrics::evaluate(&predicted, &truth, &vocabulary.names());
    history.evals.push(EvalPoint {
        step,
        epoch,
        metrics: m.clone(),
    });
    emit(Event::Eval {
        epoch,
        step,
        metrics: m,
        thresholds: thresholds.clone(),
        validation: val_idx.iter().copied().zip(val_probs).collect(),
    });
    Ok(thresholds)
}

/// What stays the same for every checkpoint of one training run.
struct RunContext<'a> {
    run_id: &'a str,
    run_dir: &'a Path,
    catalogue_name: &'a str,
    config: &'a TrainConfig,
    vocabulary: &'a Vocabulary,
    split: &'a Split,
}

/// Where in the run a checkpoint is taken.
#[derive(Clone, Copy)]
struct RunCheckpoint {
    epochs_completed: usize,
    stopped_mid_epoch: bool,
    global_step: usize,
}

impl RunContext<'_> {
    /// Writes a checkpoint, announces it, and makes the head remember it; returns its folder.
    fn checkpoint(
        &self,
        at: RunCheckpoint,
        net: &mut Network,
        thresholds: &[f32],
        history: &History,
        emit: Emit,
    ) -> Result<PathBuf, TrainError> {
        let meta = CheckpointMeta {
            format_version: checkpoint::FORMAT_VERSION,
            run_id: self.run_id.to_string(),
            catalogue_name: self.catalogue_name.to_string(),
            config: self.config.clone(),
            vocabulary: self.vocabulary.clone(),
            split: self.split.clone(),
            thresholds: thresholds.to_vec(),
            epochs_completed: at.epochs_completed,
            stopped_mid_epoch: at.stopped_mid_epoch,
            global_step: at.global_step,
            backbone_weights: net.pretrained_key.clone(),
            includes_backbone: self.config.mode == TrainMode::FineTune,
            history: compact_history(history),
        };
        let ck = save_checkpoint(self.run_dir, &meta, net)?;
        emit(Event::Checkpoint {
            path: ck.dir.clone(),
            epoch: at.epochs_completed,
        });
        if let Some(head) = &mut net.head {
            head.thresholds = thresholds.to_vec();
            head.meta = Some(meta);
        }
        Ok(ck.dir)
    }
}

/// The history as stored in a checkpoint: per-tag scores only for the latest evaluation, so a
/// long fast-mode run does not rewrite megabytes of old tables every epoch.
fn compact_history(history: &History) -> History {
    let mut compact = history.clone();
    let last = compact.evals.len().saturating_sub(1);
    for eval in &mut compact.evals[..last] {
        eval.metrics.per_tag.clear();
    }
    compact
}

fn save_checkpoint(
    run_dir: &Path,
    meta: &CheckpointMeta,
    net: &Network,
) -> Result<Checkpoint, TrainError> {
    checkpoint::write(run_dir, meta, |path| {
        if meta.includes_backbone {
            net.vs.save(path)?;
        } else {
            let head = net.head.as_ref().ok_or(TrainError::NoModel)?;
            Tensor::write_safetensors(&head.named_tensors(), path)?;
        }
        Ok(())
    })
}

fn summary(net: &Network, head: &Head) -> ModelSummary {
    let meta = head.meta.as_ref();
    ModelSummary {
        backbone: net.kind,
        mode: meta.map(|m| m.config.mode),
        run_id: meta.map(|m| m.run_id.clone()),
        epochs_completed: meta.map_or(0, |m| m.epochs_completed),
        vocabulary: head.vocabulary.names(),
        thresholds: head.thresholds.clone(),
        last_metrics: meta.and_then(|m| m.history.evals.last().map(|e| e.metrics.clone())),
        history: meta.map(|m| m.history.clone()).unwrap_or_default(),
    }
}

/// Creates the run's own folder (exclusively, with a random suffix) and returns its id.
fn new_run_id(
    root: &Path,
    catalogue_name: &str,
    config: &TrainConfig,
) -> Result<String, TrainError> {
    let slug: String = catalogue_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let base = format!(
        "{}-{}-{}-{millis}",
        slug.trim_matches('-'),
        config.backbone,
        config.mode
    );
    Ok(checkpoint::create_run_dir(root, &base)?.0)
}

/// Throughput measurements for `vitrine bench`, run on the same code paths as the app.
pub mod measure {
    use super::*;

    /// Photos per second through decode + resize + backbone forward (batches of 32), with the
    /// installed pretrained weights (or random ones when missing: the speed is the same).
    pub fn embedding_images_per_sec(
        options: &EngineOptions,
        kind: BackboneKind,
        paths: &[PathBuf],
    ) -> Result<f64, TrainError> {
        let engine = Engine::new(options.clone(), Arc::new(AtomicBool::new(false)));
        let net = engine.build_network(kind, 1, &|_| {})?;
        let never = AtomicBool::new(false);
        // One warm-up batch so one-time allocations do not count.
        if let Some(first) = paths.first() {
            let img = transforms::load_prepared(first, kind.input_size_px())?;
            forward_features(&net, &[img])?;
        }
        let started = Instant::now();
        for chunk in paths.chunks(INFERENCE_BATCH) {
            let prepared = prepare_images(
                chunk,
                kind.input_size_px(),
                options.decode_threads,
                &never,
                &|_, _| {},
            );
            let images: Vec<RgbImage> = prepared.images.into_iter().flatten().collect();
            forward_features(&net, &images)?;
        }
        Ok(paths.len() as f64 / started.elapsed().as_secs_f64().max(1e-9))
    }

    /// Training images per second for `mode` at `batch_size`, over `steps` optimisation steps
    /// (after one warm-up step) on prepared photos with `n_tags` random targets.
    pub fn training_images_per_sec(
        options: &EngineOptions,
        kind: BackboneKind,
        mode: TrainMode,
        batch_size: usize,
        steps: usize,
        images: &[RgbImage],
        n_tags: usize,
    ) -> Result<f64, TrainError> {
        let engine = Engine::new(options.clone(), Arc::new(AtomicBool::new(false)));
        let mut net = engine.build_network(kind, 1, &|_| {})?;
        let vocabulary = Vocabulary {
            tags: (0..n_tags)
                .map(|i| crate::text::VocabTag {
                    name: format!("tag{i}"),
                    kind: crate::text::TermKind::Noun,
                    count: 1,
                })
                .collect(),
        };
        net.head = Some(Head::new(&net.vs, kind, vocabulary, vec![0.5; n_tags]));
        let n = images.len().max(1);
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let targets: Vec<Vec<f32>> = (0..n)
            .map(|i| {
                (0..n_tags)
                    .map(|t| ((i * 7 + t * 3) % 5 == 0) as u8 as f32)
                    .collect()
            })
            .collect();
        let features = match mode {
            TrainMode::Fast => Some(Tensor::randn(
                [n as i64, kind.feature_dim()],
                (Kind::Float, options.device),
            )),
            TrainMode::FineTune => None,
        };
        let prepared = PreparedImages {
            size_px: kind.input_size_px(),
            images: images.iter().cloned().map(Some).collect(),
            failures: Vec::new(),
        };
        let inputs = Inputs {
            features: features.as_ref(),
            images: Some(&prepared),
            targets: &targets,
        };
        let mut opt = nn::adam(0.9, 0.999, 0.0).build(&net.vs, 1e-3)?;
        let batch: Vec<usize> = (0..batch_size).map(|i| i % n).collect();
        train_step(&net, &inputs, &batch, mode, &mut rng, &mut opt)?;
        let started = Instant::now();
        for _ in 0..steps {
            train_step(&net, &inputs, &batch, mode, &mut rng, &mut opt)?;
        }
        Ok((steps * batch_size) as f64 / started.elapsed().as_secs_f64().max(1e-9))
    }
}
