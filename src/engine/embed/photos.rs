//! The network over photos: prepared images, or files decoded on the decoding pool a batch
//! ahead of the network, each photo's vector or the reason it has none.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;

use crate::engine::data::prepare_images;
use crate::engine::network::{Network, INFERENCE_BATCH};
use crate::engine::options::EngineOptions;
use crate::engine::prefetch::pipelined;
use crate::engine::EngineError;

/// The embeddings of prepared photos; with `flip`, each is the mean of the photo's and its
/// mirror image's (a garment seen from the other side is the same garment). The catalogue's
/// are computed the same way, the two halves cached apart.
pub(crate) fn features(
    net: &Network,
    images: &[RgbImage],
    flip: bool,
) -> Result<Vec<Vec<f32>>, EngineError> {
    let mut plain = net.features(images)?;
    if flip {
        let mirrored: Vec<RgbImage> = images
            .iter()
            .map(image::imageops::flip_horizontal)
            .collect();
        for (p, m) in plain.iter_mut().zip(net.features(&mirrored)?) {
            p.iter_mut().zip(m).for_each(|(a, b)| *a = 0.5 * (*a + b));
        }
    }
    Ok(plain)
}

/// One batch's vectors, or why a photo could not be used, in the batch's order.
pub(crate) type BatchResults = Vec<Result<Vec<f32>, String>>;

/// The vectors of prepared photos, or of their mirror images with `mirror` (or the reason a
/// photo is missing, passed through).
pub(super) fn embed_images(
    net: &Network,
    images: Vec<Result<RgbImage, String>>,
    mirror: bool,
) -> Result<BatchResults, EngineError> {
    let ok: Vec<RgbImage> = images
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|img| {
            if mirror {
                image::imageops::flip_horizontal(img)
            } else {
                img.clone()
            }
        })
        .collect();
    let mut vectors = if ok.is_empty() {
        Vec::new()
    } else {
        net.features(&ok)?
    }
    .into_iter();
    Ok(images
        .into_iter()
        .map(|r| r.and_then(|_| vectors.next().ok_or_else(|| "no vector came back".into())))
        .collect())
}

/// Embeds `paths` in batches of [`INFERENCE_BATCH`], decoding and resizing the next batch on
/// the decoding pool while the network runs on the current one. `on_batch` gets each batch's
/// positions in `paths` and its results, in order. Stops before the next batch once `stop` is
/// set.
pub(crate) fn embed_paths(
    net: &Network,
    paths: &[PathBuf],
    options: &EngineOptions,
    stop: &AtomicBool,
    mirror: bool,
    on_batch: &mut dyn FnMut(std::ops::Range<usize>, BatchResults) -> Result<(), EngineError>,
) -> Result<(), EngineError> {
    let batches: Vec<std::ops::Range<usize>> = (0..paths.len())
        .step_by(INFERENCE_BATCH)
        .map(|start| start..(start + INFERENCE_BATCH).min(paths.len()))
        .collect();
    let size_px = net.kind.input_size_px();
    let decode = |range: &std::ops::Range<usize>| {
        decoded(&paths[range.clone()], size_px, options.decode_threads, stop)
    };
    pipelined(&batches, &decode, &mut |i, images| {
        if stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        on_batch(batches[i].clone(), embed_images(net, images, mirror)?)?;
        Ok(true)
    })
}

/// Decodes and prepares `paths` on the decoding pool: each photo, or why it is missing.
fn decoded(
    paths: &[PathBuf],
    size_px: u32,
    threads: usize,
    stop: &AtomicBool,
) -> Vec<Result<RgbImage, String>> {
    let prepared = prepare_images(paths, size_px, threads, stop, &|_, _| {});
    let mut reasons: HashMap<usize, String> = prepared.failures.into_iter().collect();
    prepared
        .images
        .into_iter()
        .enumerate()
        .map(|(k, img)| img.ok_or_else(|| reasons.remove(&k).unwrap_or_else(|| "stopped".into())))
        .collect()
}
