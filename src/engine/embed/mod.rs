//! The catalogue's lookalike embeddings: read from the on-disk cache where the same network
//! already embedded the same photo, computed otherwise, and saved back in batches.
//!
//! Vectors are cached only under the identity of the network that produced them
//! and precision ([`ModelIdentity::embedding_cache_key`]); a network being trained is never
//! cached.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::identity::ModelIdentity;
use super::network::{Emit, Network, INFERENCE_BATCH};
use super::options::EngineOptions;
use super::protocol::{CatalogueEmbeddings, EventBody, Task};
use super::state::{CatalogueState, StoredEmbeddings};
use super::EngineError;
use crate::index::ann::ANN_FROM_ITEMS;
use crate::index::cache::{file_hash, EmbeddingCache};
use crate::index::EmbeddingIndex;

mod graph;
mod photos;

use graph::attach_graph;
use photos::embed_images;
pub(crate) use photos::{embed_paths, features, BatchResults};

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
