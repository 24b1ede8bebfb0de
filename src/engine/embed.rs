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
    let mut pass = Pass {
        net,
        options,
        stop,
        emit,
        cache: open_cache(&net.identity, options, dim, emit),
    };
    let hashes: Vec<Option<u128>> = state
        .catalogue
        .items
        .iter()
        .map(|item| file_hash(&item.image_path).ok())
        .collect();
    // Only vectors computed without a cache to keep them live here; the index is built
    // straight from the cache, so each vector is copied once, into the index.
    let mut vectors: Vec<Option<Vec<f32>>> = vec![None; hashes.len()];
    let mut failures = pass.compute_missing(state, &hashes, &mut vectors)?;
    for (i, h) in hashes.iter().enumerate() {
        if h.is_none() {
            failures.push((i, "the photo file cannot be read".into()));
        }
    }
    report_failures(state, failures, emit);
    if stop.load(Ordering::Relaxed) {
        return Ok(false);
    }
    let cache = pass.cache.take();
    let mut index = EmbeddingIndex::centered_with(hashes.len(), dim, |i| {
        vectors[i].as_deref().or_else(|| {
            let cache = cache.as_ref()?;
            hashes[i].and_then(|h| cache.get(h))
        })
    });
    drop(cache);
    drop(vectors);
    if index.present_count() >= ANN_FROM_ITEMS {
        attach_graph(&mut index, &net.identity, options, &hashes, emit);
    }
    state.embeddings = Some(StoredEmbeddings {
        shared: Arc::new(CatalogueEmbeddings {
            model: net.identity.clone(),
            index,
        }),
    });
    Ok(true)
}

/// One pass of a network over the photos the cache does not have.
struct Pass<'a> {
    net: &'a Network,
    options: &'a EngineOptions,
    stop: &'a AtomicBool,
    emit: Emit<'a>,
    cache: Option<EmbeddingCache>,
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
        let cached = |h: u128| self.cache.as_ref().is_some_and(|c| c.get(h).is_some());
        let todo: Vec<usize> = (0..n)
            .filter(|&i| vectors[i].is_none() && hashes[i].is_some_and(|h| !cached(h)))
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
        let dim = self.net.kind.feature_dim() as usize;
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
                for (&i, v) in ok_idx.iter().zip(self.net.features(&ok_imgs)?) {
                    match (self.cache.as_mut(), hashes[i]) {
                        (Some(cache), Some(h)) if v.len() == dim => {
                            cache.insert(h, v);
                            unsaved += 1;
                        }
                        _ => vectors[i] = Some(v),
                    }
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

/// The cache for this network, or None when its vectors must not be cached.
fn open_cache(
    identity: &ModelIdentity,
    options: &EngineOptions,
    dim: usize,
    emit: Emit,
) -> Option<EmbeddingCache> {
    let key = identity.cache_key()?;
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

/// Loads the lookalike graph saved for exactly these photos by this network, or builds it
/// and saves it next to the embedding cache. Without a graph the exact search still answers.
fn attach_graph(
    index: &mut EmbeddingIndex,
    identity: &ModelIdentity,
    options: &EngineOptions,
    hashes: &[Option<u128>],
    emit: Emit,
) {
    let path = identity.cache_key().map(|key| {
        let mut bytes = Vec::with_capacity(hashes.len() * 17);
        for h in hashes {
            bytes.push(u8::from(h.is_some()));
            bytes.extend_from_slice(&h.unwrap_or(0).to_le_bytes());
        }
        let photos = xxhash_rust::xxh3::xxh3_128(&bytes);
        EmbeddingCache::path_for(&options.cache_root, &key)
            .join(format!("lookalike-graph-{photos:032x}.usearch"))
    });
    if let Some(path) = path.as_ref().filter(|p| p.is_file()) {
        match AnnIndex::load(path, index).map(Arc::new) {
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
    if let (Some(path), Some(graph)) = (path, index.ann()) {
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
