//! Throughput measurements for `vitrine bench`, run on the same code paths as the app.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use image::RgbImage;
use rand::SeedableRng;
use tch::nn::{self, OptimizerConfig};
use tch::{Kind, Tensor};

use super::config::{TrainConfig, TrainMode};
use super::core::{Engine, Signals};
use super::data::PreparedImages;
use super::embed::embed_paths;
use super::eval::Inputs;
use super::fit::train_step;
use super::network::{Head, Network, INFERENCE_BATCH};
use super::options::EngineOptions;
use super::protocol::{EventBody, RunOutcome};
use super::EngineError;
use crate::text::{TermKind, VocabTag, Vocabulary};
use crate::vision::{transforms, BackboneKind, CpuFeatures, Precision};

/// Photos per second through decode + resize + backbone forward (batches of 32, the next
/// batch decoded while the network runs, as the app embeds), with the installed pretrained
/// weights (or random ones when missing: the speed is the same), in `options.precision`.
pub fn embedding_images_per_sec(
    options: &EngineOptions,
    kind: BackboneKind,
    paths: &[PathBuf],
) -> Result<f64, EngineError> {
    let net = Network::pretrained(options, kind, 1, &|_| {})?;
    warm_up(&net, paths)?;
    let never = AtomicBool::new(false);
    let started = Instant::now();
    embed_paths(&net, paths, options, &never, false, &mut |_, results| {
        std::hint::black_box(results);
        Ok(())
    })?;
    Ok(paths.len() as f64 / started.elapsed().as_secs_f64().max(1e-9))
}

/// One forward pass so one-time allocations and the folding do not count.
fn warm_up(net: &Network, paths: &[PathBuf]) -> Result<(), EngineError> {
    if let Some(first) = paths.first() {
        let img = transforms::load_prepared(first, net.kind.input_size_px())?;
        net.features(&[img])?;
    }
    Ok(())
}

/// Where the time of embedding goes, each stage timed on its own on this thread.
#[derive(Clone, Debug, Default)]
pub struct EmbeddingStages {
    /// Photos timed.
    pub photos: usize,
    /// Decoding the files to RGB (one thread).
    pub decode_secs: f64,
    /// Centre crop and resize to the input size (one thread).
    pub resize_secs: f64,
    /// Packing batches into normalised input tensors.
    pub to_tensor_secs: f64,
    /// The backbone as it was before folding: f32 with separate batch norms.
    pub forward_unfolded_f32_secs: f64,
    /// The folded backbone in f32.
    pub forward_folded_f32_secs: f64,
    /// The folded backbone in bf16, when this CPU runs bf16 natively.
    pub forward_folded_bf16_secs: Option<f64>,
}

/// Times each stage of embedding `paths` separately (decode, resize, to tensor, forward in
/// each precision), batches of 32, after one warm-up batch per variant.
pub fn embedding_stages(
    options: &EngineOptions,
    kind: BackboneKind,
    paths: &[PathBuf],
) -> Result<EmbeddingStages, EngineError> {
    let net = Network::pretrained(options, kind, 1, &|_| {})?;
    let mut stages = EmbeddingStages {
        photos: paths.len(),
        ..Default::default()
    };
    let mut images = Vec::with_capacity(paths.len());
    for path in paths {
        let started = Instant::now();
        let img = transforms::load_image(path)?;
        stages.decode_secs += started.elapsed().as_secs_f64();
        let started = Instant::now();
        images.push(transforms::prepare(&img, kind.input_size_px()));
        stages.resize_secs += started.elapsed().as_secs_f64();
    }
    let mut batches = Vec::new();
    for chunk in images.chunks(INFERENCE_BATCH) {
        let started = Instant::now();
        batches.push(transforms::to_tensor(chunk, kind)?.to_device(options.device));
        stages.to_tensor_secs += started.elapsed().as_secs_f64();
    }
    let time = |forward: &dyn Fn(&Tensor) -> Tensor| -> f64 {
        if let Some(first) = batches.first() {
            let _ = std::hint::black_box(forward(first));
        }
        let started = Instant::now();
        for xs in &batches {
            let _ = std::hint::black_box(forward(xs));
        }
        started.elapsed().as_secs_f64()
    };
    stages.forward_unfolded_f32_secs =
        time(&|xs| tch::no_grad(|| net.backbone.features(xs, false)));
    let folded_f32 = crate::vision::fold(net.backbone.as_ref(), Precision::F32);
    stages.forward_folded_f32_secs = time(&|xs| tch::no_grad(|| folded_f32.features(xs)));
    if CpuFeatures::detect().bf16() || options.precision == Precision::Bf16 {
        let folded_bf16 = crate::vision::fold(net.backbone.as_ref(), Precision::Bf16);
        stages.forward_folded_bf16_secs =
            Some(time(&|xs| tch::no_grad(|| folded_bf16.features(xs))));
    }
    Ok(stages)
}

/// Seconds of a fast-mode run with `config` on `catalogue` through the engine (tags, split,
/// standardising, every epoch's training, evaluation and checkpoints, then whatever `config`
/// asks for: early stopping, calibration), with the embeddings already computed (untimed) and
/// checkpoints written under `scratch`.
pub fn fast_run_secs(
    options: &EngineOptions,
    catalogue: std::sync::Arc<crate::catalogue::Catalogue>,
    config: TrainConfig,
    scratch: &std::path::Path,
) -> Result<f64, EngineError> {
    let options = EngineOptions {
        checkpoint_root: scratch.to_path_buf(),
        ..options.clone()
    };
    let mut engine = Engine::new(options, Signals::default());
    let failed = std::sync::Mutex::new(None);
    let emit = |event: EventBody| {
        if let EventBody::Finished(end) = &event {
            if end.outcome != RunOutcome::Completed {
                let mut failed = failed.lock().unwrap_or_else(|e| e.into_inner());
                *failed = Some(format!("the run ended {:?}", end.outcome));
            }
        }
    };
    engine.set_catalogue(catalogue, &emit);
    engine.embed(&emit)?;
    let started = Instant::now();
    engine.train(config, None, &emit)?;
    let secs = started.elapsed().as_secs_f64();
    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(why) => Err(EngineError::NothingToLearn(why)),
        None => Ok(secs),
    }
}

/// Training images per second for `mode` at `batch_size`, over `steps` optimisation steps
/// (after one warm-up step) on prepared photos with `n_tags` synthetic targets.
pub fn training_images_per_sec(
    options: &EngineOptions,
    kind: BackboneKind,
    mode: TrainMode,
    batch_size: usize,
    steps: usize,
    images: &[RgbImage],
    n_tags: usize,
) -> Result<f64, EngineError> {
    let run = TrainingRun {
        kind,
        mode,
        batch_size,
        steps,
        n_tags,
    };
    Ok(run.run(options, images)?.images_per_sec)
}

/// The loss of each of `steps` fine-tuning steps (after one warm-up step) on the same batch of
/// prepared photos with `n_tags` synthetic targets, augmentations and dropout seeded: the
/// curve of the network's precision (`options.precision`) against another's.
pub fn fine_tune_losses(
    options: &EngineOptions,
    kind: BackboneKind,
    batch_size: usize,
    steps: usize,
    images: &[RgbImage],
    n_tags: usize,
) -> Result<Vec<f32>, EngineError> {
    let run = TrainingRun {
        kind,
        mode: TrainMode::FineTune,
        batch_size,
        steps,
        n_tags,
    };
    Ok(run.run(options, images)?.losses)
}

/// A few optimisation steps of a freshly loaded network on synthetic targets.
struct TrainingRun {
    kind: BackboneKind,
    mode: TrainMode,
    batch_size: usize,
    steps: usize,
    n_tags: usize,
}

/// What a [`TrainingRun`] measured.
struct TrainingFigures {
    images_per_sec: f64,
    losses: Vec<f32>,
}

impl TrainingRun {
    fn run(
        &self,
        options: &EngineOptions,
        images: &[RgbImage],
    ) -> Result<TrainingFigures, EngineError> {
        let (kind, mode, n_tags) = (self.kind, self.mode, self.n_tags);
        tch::manual_seed(7);
        let mut net = Network::pretrained(options, kind, 1, &|_| {})?;
        let vocabulary = Vocabulary {
            tags: (0..n_tags)
                .map(|i| VocabTag {
                    name: format!("tag{i}"),
                    kind: TermKind::Noun,
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
            features,
            images: Some(&prepared),
            targets,
        };
        let mut opt = nn::adam(0.9, 0.999, 0.0).build(&net.vs, 1e-3)?;
        let batch: Vec<usize> = (0..self.batch_size).map(|i| i % n).collect();
        train_step(&net, &inputs, &batch, mode, &mut rng, &mut opt)?;
        let started = Instant::now();
        let mut losses = Vec::with_capacity(self.steps);
        for _ in 0..self.steps {
            losses.push(train_step(&net, &inputs, &batch, mode, &mut rng, &mut opt)?);
        }
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        Ok(TrainingFigures {
            images_per_sec: (self.steps * self.batch_size) as f64 / secs,
            losses,
        })
    }
}
