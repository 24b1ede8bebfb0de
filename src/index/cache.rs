//! On-disk cache of image embeddings.
//!
//! Vectors are keyed by the image's content hash and grouped by model (backbone + exact
//! weights), so renaming or re-importing a catalogue reuses them and editing a photo recomputes
//! only that photo.
//!
//! # Format (version [`FORMAT_VERSION`])
//!
//! One folder per model, named by [`EmbeddingCache::path_for`] (the model key with characters
//! other than ASCII letters, digits, `-` and `_` replaced by `_`). The folder holds shards named
//! `shard-NNNNNN.safetensors` (six or more decimal digits, increasing), each a
//! [safetensors](https://github.com/huggingface/safetensors) file with:
//!
//! - `hashes`: `U8`, shape `[n, 16]`, row `i` the little-endian bytes of the `u128` xxh3-128
//!   content hash of image `i`;
//! - `vectors`: `F32`, shape `[n, dim]`, row `i` the embedding of image `i`;
//! - `__metadata__`: `format_version` (this constant, in decimal), `dim` (decimal), `model`
//!   (the folder name) and `checksum`: the xxh3-128 hash of the `hashes` bytes followed by the
//!   `vectors` bytes, as 32 lowercase hex digits.
//!
//! A shard is used only when its checksum matches its payload and every vector value is a
//! finite number; otherwise it is skipped with a logged warning (and deleted), and its
//! embeddings are computed again. A shard without a checksum (written by an older vitrine) is
//! treated the same way.
//!
//! Each [`EmbeddingCache::flush`] writes what was inserted since the previous flush as one new
//! shard, so a long pass that is interrupted keeps what it computed. Opening reads every shard
//! (a later shard wins for a hash found twice) and, when there are more than
//! [`COMPACT_ABOVE_SHARDS`], rewrites them as one. Every shard is written durably (see
//! [`crate::durable`]): temporary file, `fsync`, rename, `fsync` of the folder; temporary files
//! left behind by a crash are removed on open.
//!
//! Version 1 (vitrine before this format) was a single file `<model>.emb` beside the folder;
//! it is deleted on open and a note says the embeddings are computed again. A shard that cannot
//! be read is skipped with a note, never trusted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::Dtype;
use thiserror::Error;

use crate::durable;

mod shard;

use shard::{list_shards, model_name, read_shard, shard_path, Unusable};

/// Version of the cache format described in the module docs (version 1 was the single-file
/// `.emb` layout).
pub const FORMAT_VERSION: u32 = 2;
/// Opening a cache with more shards than this rewrites them as one.
pub const COMPACT_ABOVE_SHARDS: usize = 16;
/// Temporary files younger than this may belong to another vitrine writing the same cache right
/// now, so open leaves them alone.
const TMP_GRACE_SECS: u64 = 120;
const HASHES: &str = "hashes";
const VECTORS: &str = "vectors";
const CHECKSUM: &str = "checksum";
const SHARD_PREFIX: &str = "shard-";
const SHARD_SUFFIX: &str = ".safetensors";

/// The note given when a cache of the previous format was found and deleted.
pub const OLD_FORMAT_NOTE: &str =
    "the embedding cache was written by an older vitrine and was discarded; embeddings are \
     computed again";

/// Problems reading or writing the embedding cache.
#[derive(Debug, Error)]
pub enum CacheError {
    /// The cache folder or a shard could not be read or written.
    #[error("embedding cache {path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The vectors could not be encoded as a shard.
    #[error("embedding cache {path}: cannot encode a shard: {reason}")]
    Encode {
        /// The shard being written.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Hash of a file's bytes, the key of its cached embedding.
pub fn content_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// The checksum of a shard's payload (see the module docs).
fn payload_checksum(hashes: &[u8], vectors: &[u8]) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(hashes);
    h.update(vectors);
    format!("{:032x}", h.digest128())
}

/// Hash of the file at `path`.
pub fn file_hash(path: &Path) -> std::io::Result<u128> {
    Ok(content_hash(&std::fs::read(path)?))
}

/// Embeddings of one model, keyed by image content hash.
#[derive(Debug, Default)]
pub struct EmbeddingCache {
    dir: PathBuf,
    dim: usize,
    entries: HashMap<u128, Vec<f32>>,
    /// Hashes inserted since the last flush, in insertion order.
    pending: Vec<u128>,
    /// Number of the next shard to write.
    next_shard: u64,
    notes: Vec<String>,
}

impl EmbeddingCache {
    /// The cache folder for a model, named by `model_key` (backbone and weights identity) under
    /// `dir`. Characters that are unsafe in file names are replaced.
    pub fn path_for(dir: &Path, model_key: &str) -> PathBuf {
        let safe: String = model_key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        dir.join(safe)
    }

    /// Opens the cache folder at `path` for vectors of `dim` values: reads every shard,
    /// removes leftovers of interrupted writes, deletes a cache of the previous format and
    /// compacts many small shards into one. A missing folder gives an empty cache. What was
    /// skipped or discarded is in [`EmbeddingCache::notes`] (and logged); only a folder that
    /// cannot be listed is an error.
    pub fn open(path: &Path, dim: usize) -> Result<Self, CacheError> {
        let mut cache = Self::empty(path, dim);
        cache.discard_old_format();
        let shards = match list_shards(path) {
            Ok(shards) => shards,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cache),
            Err(source) => {
                return Err(CacheError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        cache.next_shard = shards.last().map_or(0, |(n, _)| n + 1);
        let mut readable = Vec::new();
        for (_, shard) in &shards {
            match read_shard(shard, dim, &model_name(path)) {
                Ok(rows) => {
                    cache.entries.extend(rows);
                    readable.push(shard.clone());
                }
                Err(Unusable { why, newer_format }) => {
                    // Removed so the note is given once; a newer vitrine's shard is kept.
                    let removed = !newer_format && std::fs::remove_file(shard).is_ok();
                    cache.note(format!(
                        "embedding cache shard {} was skipped ({why}{}); its embeddings are \
                         computed again",
                        shard.display(),
                        if removed { ", deleted" } else { "" }
                    ));
                }
            }
        }
        log::debug!(
            "embedding cache {}: {} vectors from {} shard(s)",
            path.display(),
            cache.entries.len(),
            readable.len()
        );
        if readable.len() > COMPACT_ABOVE_SHARDS {
            cache.compact(&readable);
        }
        Ok(cache)
    }

    /// An empty cache that will be written to the folder `path`.
    pub fn empty(path: &Path, dim: usize) -> Self {
        Self {
            dir: path.to_path_buf(),
            dim,
            ..Self::default()
        }
    }

    /// What [`EmbeddingCache::open`] skipped or discarded, in words for the user.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The cached vector for an image content hash.
    pub fn get(&self, hash: u128) -> Option<&[f32]> {
        self.entries.get(&hash).map(Vec::as_slice)
    }

    /// Stores a vector (written by the next [`EmbeddingCache::flush`]); vectors of the wrong
    /// length are ignored.
    pub fn insert(&mut self, hash: u128, vector: Vec<f32>) {
        if vector.len() != self.dim {
            log::warn!(
                "embedding of {} values not cached: the cache holds {} values per image",
                vector.len(),
                self.dim
            );
            return;
        }
        if vector.iter().any(|x| !x.is_finite()) {
            log::warn!("an embedding holding values that are not finite numbers was not cached");
            return;
        }
        self.entries.insert(hash, vector);
        // A hash inserted twice before a flush is written once (see `write_shard`).
        self.pending.push(hash);
    }

    /// Every cached vector with its content hash, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u128, &[f32])> {
        self.entries.iter().map(|(h, v)| (*h, v.as_slice()))
    }

    /// Number of cached vectors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Insertions since the last flush (a hash inserted twice counts twice).
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Writes the vectors inserted since the last flush as one new shard; returns how many
    /// were written (0: nothing to write, no file created). On error nothing is lost from
    /// memory and the next flush tries again.
    pub fn flush(&mut self) -> Result<usize, CacheError> {
        if self.pending.is_empty() {
            return Ok(0);
        }
        let hashes = std::mem::take(&mut self.pending);
        match self.write_shard(&hashes) {
            Ok(()) => Ok(hashes.len()),
            Err(e) => {
                self.pending = hashes;
                Err(e)
            }
        }
    }

    /// Same as [`EmbeddingCache::flush`], for callers that do not need the count.
    pub fn save(&mut self) -> Result<(), CacheError> {
        self.flush().map(|_| ())
    }

    fn note(&mut self, note: String) {
        log::warn!("{note}");
        self.notes.push(note);
    }

    /// Deletes `<model>.emb` (format 1) beside the folder.
    fn discard_old_format(&mut self) {
        let old = self.dir.with_extension("emb");
        if !old.is_file() {
            return;
        }
        match std::fs::remove_file(&old) {
            Ok(()) => self.note(OLD_FORMAT_NOTE.to_string()),
            Err(e) => self.note(format!(
                "{OLD_FORMAT_NOTE}, but {} could not be deleted: {e}",
                old.display()
            )),
        }
    }

    /// Rewrites the readable shards as one, then removes them. A crash in between leaves
    /// duplicates, which read back the same.
    fn compact(&mut self, shards: &[PathBuf]) {
        let mut all: Vec<u128> = self.entries.keys().copied().collect();
        all.sort_unstable();
        if let Err(e) = self.write_shard(&all) {
            log::warn!("embedding cache not compacted: {e}");
            return;
        }
        for shard in shards {
            if let Err(e) = std::fs::remove_file(shard) {
                log::warn!("cannot remove compacted shard {}: {e}", shard.display());
            }
        }
        if let Err(e) = durable::sync_dir(&self.dir) {
            log::warn!("cannot flush folder {}: {e}", self.dir.display());
        }
    }

    fn write_shard(&mut self, hashes: &[u128]) -> Result<(), CacheError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CacheError::Io { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let mut hash_bytes = Vec::with_capacity(hashes.len() * 16);
        let mut vector_bytes = Vec::with_capacity(hashes.len() * self.dim * 4);
        let mut seen = std::collections::HashSet::with_capacity(hashes.len());
        for h in hashes {
            let Some(v) = self.entries.get(h).filter(|_| seen.insert(*h)) else {
                continue;
            };
            hash_bytes.extend_from_slice(&h.to_le_bytes());
            v.iter()
                .for_each(|x| vector_bytes.extend_from_slice(&x.to_le_bytes()));
        }
        let rows = hash_bytes.len() / 16;
        // Another vitrine may have written shards since this one opened: take the next free
        // number.
        let mut path = shard_path(&self.dir, self.next_shard);
        while path.exists() {
            self.next_shard += 1;
            path = shard_path(&self.dir, self.next_shard);
        }
        let encode = |reason: String| CacheError::Encode {
            path: path.clone(),
            reason,
        };
        let views = [
            (
                HASHES,
                safetensors::tensor::TensorView::new(Dtype::U8, vec![rows, 16], &hash_bytes)
                    .map_err(|e| encode(e.to_string()))?,
            ),
            (
                VECTORS,
                safetensors::tensor::TensorView::new(
                    Dtype::F32,
                    vec![rows, self.dim],
                    &vector_bytes,
                )
                .map_err(|e| encode(e.to_string()))?,
            ),
        ];
        let metadata = HashMap::from([
            (
                CHECKSUM.to_string(),
                payload_checksum(&hash_bytes, &vector_bytes),
            ),
            ("format_version".to_string(), FORMAT_VERSION.to_string()),
            ("dim".to_string(), self.dim.to_string()),
            ("model".to_string(), model_name(&self.dir)),
        ]);
        let bytes =
            safetensors::serialize(views, Some(metadata)).map_err(|e| encode(e.to_string()))?;
        durable::write_file(&path, &bytes).map_err(io(&path))?;
        log::debug!("wrote {rows} embeddings to {}", path.display());
        self.next_shard += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
