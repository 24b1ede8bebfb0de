//! The catalogue's lookalike embeddings: read from the on-disk cache where the same network
//! already embedded the same photo, computed otherwise, and saved back in batches.
//!
//! Vectors are cached only under the identity of the network that produced them
//! and precision ([`ModelIdentity::embedding_cache_key`]); a network being trained is never
//! cached.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use image::RgbImage;

use super::data::prepare_images;
use super::identity::ModelIdentity;
use super::network::{Emit, Network, INFERENCE_BATCH};
use super::options::EngineOptions;
use super::prefetch::pipelined;
use super::protocol::{CatalogueEmbeddings, EventBody, Task};
use super::state::{CatalogueState, StoredEmbeddings};
use super::EngineError;
use crate::index::ann::ANN_FROM_ITEMS;
use crate::index::cache::{file_hash, EmbeddingCache};
use crate::index::{AnnIndex, EmbeddingIndex};

/// Makes sure `state` holds the embeddings of `net`; returns false when stopped first (the
/// vectors computed so far are cached all the same).
pub(crate) fn ensure(
    net: &Network,
    state: &mut CatalogueState,
    options: &EngineOptions,
    stop: &AtomicBool,
    emit: Emit,
) -> Result<bool, EngineError> {
    if state
        .embeddings
        .as_ref()
        .is_some_and(|e| e.model() == &net.identity)
    {
        return Ok(true);
    }
    let dim = net.kind.feature_dim() as usize;
    let hashes: Vec<Option<u128>> = state
        .catalogue
        .items
        .iter()
        .map(|item| file_hash(&item.image_path).ok())
        .collect();
    let plain = pass_vectors(net, state, options, stop, emit, &hashes, false)?;
    let mut failures = plain.failures.clone();
    let mirrored = if options.flip_embeddings && !stop.load(Ordering::Relaxed) {
        // The mirror images' vectors are cached apart, so plain vectors are reused as they are.
        Some(pass_vectors(
            net, state, options, stop, emit, &hashes, true,
        )?)
    } else {
        None
    };
    for (i, h) in hashes.iter().enumerate() {
        if h.is_none() {
            failures.push((i, "the photo file cannot be read".into()));
        }
    }
    report_failures(state, failures, emit);
    if stop.load(Ordering::Relaxed) {
        return Ok(false);
    }
    // The index is built straight from the caches (and the few vectors computed without one),
    // so each vector is copied once, into the index; a flipped embedding is averaged on the way.
    let mut index = EmbeddingIndex::centered_from(hashes.len(), dim, |i| {
        let v = plain.get(i, &hashes)?;
        match &mirrored {
            None => Some(Cow::Borrowed(v)),
            Some(m) => {
                let m = m.get(i, &hashes).filter(|m| m.len() == v.len())?;
                Some(Cow::Owned(
                    v.iter().zip(m).map(|(a, b)| 0.5 * (a + b)).collect(),
                ))
            }
        }
    });
    let graph_key = mirrored.as_ref().unwrap_or(&plain).key.clone();
    drop(plain);
    drop(mirrored);
    if index.present_count() >= ANN_FROM_ITEMS {
        if let Some(key) = graph_key {
            attach_graph(&mut index, &key, options, &hashes, emit);
        }
    }
    state.embeddings = Some(StoredEmbeddings {
        shared: Arc::new(CatalogueEmbeddings {
            model: net.identity.clone(),
            index: Arc::new(index),
        }),
    });
    Ok(true)
}

/// One pass's vectors: the cache holding them, and those computed without a cache.
struct PassVectors {
    /// The cache's key, None when the network's vectors are not cached.
    key: Option<String>,
    cache: Option<EmbeddingCache>,
    uncached: Vec<Option<Vec<f32>>>,
    failures: Vec<(usize, String)>,
}

impl PassVectors {
    /// Item `i`'s vector, if it has one.
    fn get<'a>(&'a self, i: usize, hashes: &[Option<u128>]) -> Option<&'a [f32]> {
        self.uncached[i].as_deref().or_else(|| {
            let cache = self.cache.as_ref()?;
            hashes[i].and_then(|h| cache.get(h))
        })
    }
}

/// Every photo's vector (of its mirror image with `mirror`) through the cache, with the items
/// whose photo could not be used.
fn pass_vectors(
    net: &Network,
    state: &CatalogueState,
    options: &EngineOptions,
    stop: &AtomicBool,
    emit: Emit,
    hashes: &[Option<u128>],
    mirror: bool,
) -> Result<PassVectors, EngineError> {
    let dim = net.kind.feature_dim() as usize;
    let key = cache_key(&net.identity, options, mirror);
    let mut pass = Pass {
        net,
        options,
        stop,
        emit,
        cache: key.as_ref().map(|k| open_cache(k, options, dim, emit)),
        mirror,
    };
    let mut uncached: Vec<Option<Vec<f32>>> = vec![None; hashes.len()];
    let failures = pass.compute_missing(state, hashes, &mut uncached)?;
    Ok(PassVectors {
        key,
        cache: pass.cache.take(),
        uncached,
        failures,
    })
}

/// One pass of a network over the photos the cache does not have.
struct Pass<'a> {
    net: &'a Network,
    options: &'a EngineOptions,
    stop: &'a AtomicBool,
    emit: Emit<'a>,
    cache: Option<EmbeddingCache>,
    /// Embed the mirror images of the photos.
    mirror: bool,
}

impl Pass<'_> {
    /// Computes the missing vectors (saving them to the cache in batches); returns the items
    /// whose photo could not be used, with why. Photos are decoded a batch ahead of the
    /// network ([`embed_paths`]) unless fine-tuning already prepared them.
    fn compute_missing(
        &mut self,
        state: &CatalogueState,
        hashes: &[Option<u128>],
        vectors: &mut [Option<Vec<f32>>],
    ) -> Result<Vec<(usize, String)>, EngineError> {
        let n = vectors.len();
        let cached = |h: u128| self.cache.as_ref().is_some_and(|c| c.get(h).is_some());
        let todo: Vec<usize> = (0..n)
            .filter(|&i| vectors[i].is_none() && hashes[i].is_some_and(|h| !cached(h)))
            .collect();
        let dim = self.net.kind.feature_dim() as usize;
        let mut done = n - todo.len();
        (self.emit)(busy(done, n));
        let mut failures = Vec::new();
        let mut unsaved = 0usize;
        let mut take = |pass: &mut Self, items: &[usize], results: BatchResults| {
            for (&i, result) in items.iter().zip(results) {
                match result {
                    // A cached vector lives in the cache only.
                    Ok(v) => match (pass.cache.as_mut(), hashes[i]) {
                        (Some(cache), Some(h)) if v.len() == dim => {
                            cache.insert(h, v);
                            unsaved += 1;
                        }
                        _ => vectors[i] = Some(v),
                    },
                    Err(reason) => failures.push((i, reason)),
                }
            }
            if unsaved >= pass.options.embedding_save_every_items.max(1) {
                pass.save();
                unsaved = 0;
            }
            done += items.len();
            (pass.emit)(busy(done, n));
        };
        let size_px = self.net.kind.input_size_px();
        if let Some(prepared) = state.images.as_ref().filter(|p| p.size_px == size_px) {
            for chunk in todo.chunks(INFERENCE_BATCH) {
                if self.stop.load(Ordering::Relaxed) {
                    break;
                }
                let images = chunk.iter().map(|&i| {
                    prepared
                        .images
                        .get(i)
                        .and_then(Option::clone)
                        .ok_or_else(|| "the photo could not be decoded".to_string())
                });
                let results = embed_images(self.net, images.collect(), self.mirror)?;
                take(self, chunk, results);
            }
        } else {
            let paths: Vec<PathBuf> = todo
                .iter()
                .map(|&i| state.catalogue.items[i].image_path.clone())
                .collect();
            let (net, options, stop, mirror) = (self.net, self.options, self.stop, self.mirror);
            embed_paths(
                net,
                &paths,
                options,
                stop,
                mirror,
                &mut |positions, results| {
                    let items: Vec<usize> = positions.map(|k| todo[k]).collect();
                    take(self, &items, results);
                    Ok(())
                },
            )?;
        }
        if unsaved > 0 {
            self.save();
        }
        Ok(failures)
    }

    fn save(&mut self) {
        if let Some(cache) = &mut self.cache {
            if let Err(e) = cache.flush() {
                (self.emit)(EventBody::Notice(format!(
                    "{e} (embeddings will be recomputed next time)"
                )));
            }
        }
    }
}

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

/// The cache key of this network's vectors (of mirror images with `mirror`), or None when its
/// vectors must not be cached.
fn cache_key(identity: &ModelIdentity, options: &EngineOptions, mirror: bool) -> Option<String> {
    let mut key = identity.embedding_cache_key(options.precision)?;
    if mirror {
        key.push_str("-hflip");
    }
    Some(key)
}

/// The cache under `key`, empty when it cannot be read (with a notice).
fn open_cache(key: &str, options: &EngineOptions, dim: usize, emit: Emit) -> EmbeddingCache {
    let path = EmbeddingCache::path_for(&options.cache_root, key);
    let cache = match EmbeddingCache::open(&path, dim) {
        Ok(c) => c,
        Err(e) => {
            emit(EventBody::Notice(e.to_string()));
            EmbeddingCache::empty(&path, dim)
        }
    };
    for note in cache.notes() {
        emit(EventBody::Notice(note.clone()));
    }
    cache
}

/// Loads the lookalike graph saved for exactly these photos by this network, or builds it
/// and saves it next to the embedding cache. Without a graph the exact search still answers.
fn attach_graph(
    index: &mut EmbeddingIndex,
    cache_key: &str,
    options: &EngineOptions,
    hashes: &[Option<u128>],
    emit: Emit,
) {
    let mut bytes = Vec::with_capacity(hashes.len() * 17);
    for h in hashes {
        bytes.push(u8::from(h.is_some()));
        bytes.extend_from_slice(&h.unwrap_or(0).to_le_bytes());
    }
    let photos = xxhash_rust::xxh3::xxh3_128(&bytes);
    let path = EmbeddingCache::path_for(&options.cache_root, cache_key)
        .join(format!("lookalike-graph-{photos:032x}.usearch"));
    if path.is_file() {
        match AnnIndex::load(&path, index).map(Arc::new) {
            Ok(graph) if index.attach_ann(graph.clone()).is_ok() => return,
            Ok(_) => log::warn!("lookalike graph {} does not fit; rebuilt", path.display()),
            Err(e) => log::warn!("{e}; rebuilt"),
        }
    }
    emit(EventBody::Notice(format!(
        "{} photos: building the lookalike graph (once for these photos)",
        index.present_count()
    )));
    if let Err(e) = index.build_ann() {
        emit(EventBody::Notice(format!(
            "{e}; lookalikes use the exact search"
        )));
        return;
    }
    if let Some(graph) = index.ann() {
        if let Err(e) = graph.save(&path) {
            log::warn!("{e} (the graph is built again next time)");
        }
    }
}

fn report_failures(state: &CatalogueState, mut failures: Vec<(usize, String)>, emit: Emit) {
    if failures.is_empty() {
        return;
    }
    failures.sort();
    let names: Vec<String> = failures
        .iter()
        .take(5)
        .map(|(i, why)| format!("{} ({why})", state.catalogue.items[*i].id))
        .collect();
    emit(EventBody::Notice(format!(
        "{} photo(s) could not be used for lookalikes: {}{}",
        failures.len(),
        names.join("; "),
        if failures.len() > 5 { "; ..." } else { "" }
    )));
}

/// Progress of a pass that has `done` of `total` photos.
fn busy(done: usize, total: usize) -> EventBody {
    EventBody::Busy {
        task: Task::ComputingEmbeddings,
        done,
        total,
    }
}

/// One batch's vectors, or why a photo could not be used, in the batch's order.
pub(crate) type BatchResults = Vec<Result<Vec<f32>, String>>;

/// The vectors of prepared photos, or of their mirror images with `mirror` (or the reason a
/// photo is missing, passed through).
fn embed_images(
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
