//! Throughput measurements for `vitrine bench`, run on the same code paths as the app.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use image::RgbImage;
use rand::SeedableRng;
use tch::nn::{self, OptimizerConfig};
use tch::{Kind, Tensor};

use super::config::TrainMode;
use super::data::{prepare_images, PreparedImages};
use super::eval::Inputs;
use super::fit::train_step;
use super::network::{Head, Network, INFERENCE_BATCH};
use super::options::EngineOptions;
use super::EngineError;
use crate::text::{TermKind, VocabTag, Vocabulary};
use crate::vision::{transforms, BackboneKind};

/// Photos per second through decode + resize + backbone forward (batches of 32), with the
/// installed pretrained weights (or random ones when missing: the speed is the same).
pub fn embedding_images_per_sec(
    options: &EngineOptions,
    kind: BackboneKind,
    paths: &[PathBuf],
) -> Result<f64, EngineError> {
    let net = Network::pretrained(options, kind, 1, &|_| {})?;
    let never = AtomicBool::new(false);
    // One warm-up batch so one-time allocations do not count.
    if let Some(first) = paths.first() {
        let img = transforms::load_prepared(first, kind.input_size_px())?;
        net.features(&[img])?;
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
        net.features(&images)?;
    }
    Ok(paths.len() as f64 / started.elapsed().as_secs_f64().max(1e-9))
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
    let batch: Vec<usize> = (0..batch_size).map(|i| i % n).collect();
    train_step(&net, &inputs, &batch, mode, &mut rng, &mut opt)?;
    let started = Instant::now();
    for _ in 0..steps {
        train_step(&net, &inputs, &batch, mode, &mut rng, &mut opt)?;
    }
    Ok((steps * batch_size) as f64 / started.elapsed().as_secs_f64().max(1e-9))
}
