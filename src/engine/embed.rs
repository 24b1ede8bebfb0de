//! The catalogue's lookalike embeddings: read from the on-disk cache where the same network
//! already embedded the same photo, computed otherwise, and saved back in batches.
//!
//! Vectors are cached only under the identity of the network that produced them
//! ([`ModelIdentity::cache_key`]); a network being trained is never cached.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use image::RgbImage;

use super::data::prepare_images;
use super::identity::ModelIdentity;
use super::network::{Emit, Network, INFERENCE_BATCH};
use super::options::EngineOptions;
use super::protocol::{CatalogueEmbeddings, EventBody, Task};
use super::state::{CatalogueState, StoredEmbeddings};
use super::EngineError;
use crate::index::cache::{file_hash, EmbeddingCache};
use crate::index::EmbeddingIndex;

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
    let (mut vectors, mut failures) =
        pass_vectors(net, state, options, stop, emit, &hashes, false)?;
    if options.flip_embeddings && !stop.load(Ordering::Relaxed) {
        // The mirror images' vectors are cached apart, so plain vectors are reused as they are.
        let (mirrored, _) = pass_vectors(net, state, options, stop, emit, &hashes, true)?;
        for (v, m) in vectors.iter_mut().zip(mirrored) {
            match (v.as_mut(), m) {
                (Some(v), Some(m)) if m.len() == v.len() => {
                    v.iter_mut().zip(m).for_each(|(a, b)| *a = 0.5 * (*a + b));
                }
                _ => *v = None,
            }
        }
    }
    for (i, h) in hashes.iter().enumerate() {
        if h.is_none() {
            failures.push((i, "the photo file cannot be read".into()));
        }
    }
    report_failures(state, failures, emit);
    if stop.load(Ordering::Relaxed) {
        return Ok(false);
    }
    let index = EmbeddingIndex::centered(&usable(&vectors, dim));
    state.embeddings = Some(StoredEmbeddings {
        vectors,
        shared: Arc::new(CatalogueEmbeddings {
            model: net.identity.clone(),
            index,
        }),
    });
    Ok(true)
}

/// Every photo's vector (of its mirror image with `mirror`) through the cache, with the items
/// whose photo could not be used.
#[allow(clippy::type_complexity)]
fn pass_vectors(
    net: &Network,
    state: &CatalogueState,
    options: &EngineOptions,
    stop: &AtomicBool,
    emit: Emit,
    hashes: &[Option<u128>],
    mirror: bool,
) -> Result<(Vec<Option<Vec<f32>>>, Vec<(usize, String)>), EngineError> {
    let dim = net.kind.feature_dim() as usize;
    let mut pass = Pass {
        net,
        options,
        stop,
        emit,
        cache: open_cache(&net.identity, options, dim, mirror, emit),
        mirror,
    };
    let mut vectors: Vec<Option<Vec<f32>>> = hashes
        .iter()
        .map(|h| {
            let cache = pass.cache.as_ref()?;
            h.and_then(|h| cache.get(h)).map(<[f32]>::to_vec)
        })
        .collect();
    let failures = pass.compute_missing(state, hashes, &mut vectors)?;
    Ok((vectors, failures))
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
    /// whose photo could not be used, with why.
    fn compute_missing(
        &mut self,
        state: &CatalogueState,
        hashes: &[Option<u128>],
        vectors: &mut [Option<Vec<f32>>],
    ) -> Result<Vec<(usize, String)>, EngineError> {
        let n = vectors.len();
        let todo: Vec<usize> = (0..n)
            .filter(|&i| vectors[i].is_none() && hashes[i].is_some())
            .collect();
        let mut done = n - todo.len();
        let busy = |done| EventBody::Busy {
            task: Task::ComputingEmbeddings,
            done,
            total: n,
        };
        (self.emit)(busy(done));
        let mut failures = Vec::new();
        let mut unsaved = 0usize;
        let size_px = self.net.kind.input_size_px();
        for chunk in todo.chunks(INFERENCE_BATCH) {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let mut ok_idx = Vec::new();
            let mut ok_imgs = Vec::new();
            let images = images_for(state, chunk, size_px, self.options, self.stop);
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
                if self.mirror {
                    ok_imgs = ok_imgs
                        .iter()
                        .map(image::imageops::flip_horizontal)
                        .collect();
                }
                let found = self.net.features(&ok_imgs)?;
                for (&i, v) in ok_idx.iter().zip(found) {
                    if let (Some(cache), Some(h)) = (self.cache.as_mut(), hashes[i]) {
                        cache.insert(h, v.clone());
                        unsaved += 1;
                    }
                    vectors[i] = Some(v);
                }
            }
            if unsaved >= self.options.embedding_save_every_items.max(1) {
                self.save();
                unsaved = 0;
            }
            done += chunk.len();
            (self.emit)(busy(done));
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

/// The cache for this network, or None when its vectors must not be cached.
fn open_cache(
    identity: &ModelIdentity,
    options: &EngineOptions,
    dim: usize,
    mirror: bool,
    emit: Emit,
) -> Option<EmbeddingCache> {
    let mut key = identity.cache_key()?;
    if mirror {
        key.push_str("-hflip");
    }
    let path = EmbeddingCache::path_for(&options.cache_root, &key);
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
    Some(cache)
}

/// Vectors of another length than the network's cannot be compared: treated as missing.
fn usable(vectors: &[Option<Vec<f32>>], dim: usize) -> Vec<Option<Vec<f32>>> {
    vectors
        .iter()
        .map(|v| v.clone().filter(|v| v.len() == dim))
        .collect()
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

/// The prepared photos of `items`: from the fine-tuning cache when present, else decoded now.
fn images_for(
    state: &CatalogueState,
    items: &[usize],
    size_px: u32,
    options: &EngineOptions,
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
    let prepared = prepare_images(&paths, size_px, options.decode_threads, stop, &|_, _| {});
    let mut reasons: HashMap<usize, String> = prepared.failures.into_iter().collect();
    prepared
        .images
        .into_iter()
        .enumerate()
        .map(|(k, img)| img.ok_or_else(|| reasons.remove(&k).unwrap_or_else(|| "stopped".into())))
        .collect()
}
