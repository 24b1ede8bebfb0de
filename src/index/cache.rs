//! On-disk cache of image embeddings.
//!
//! One file per model (backbone + exact weights), holding one vector per image content hash, so
//! renaming or re-importing a catalogue reuses the vectors and editing a photo recomputes only it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

const MAGIC: &[u8; 8] = b"VTRNEMB1";

/// Problems reading or writing the embedding cache.
#[derive(Debug, Error)]
pub enum CacheError {
    /// The cache file could not be read or written.
    #[error("embedding cache {path}: {source}")]
    Io {
        /// The cache file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The cache file exists but is not a vitrine embedding cache (or is truncated).
    #[error("embedding cache {0} is damaged; it will be rebuilt")]
    Damaged(PathBuf),
}

/// Hash of a file's bytes, the key of its cached embedding.
pub fn content_hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Hash of the file at `path`.
pub fn file_hash(path: &Path) -> std::io::Result<u128> {
    Ok(content_hash(&std::fs::read(path)?))
}

/// Embeddings of one model, keyed by image content hash.
#[derive(Debug, Default)]
pub struct EmbeddingCache {
    path: PathBuf,
    dim: usize,
    entries: HashMap<u128, Vec<f32>>,
    dirty: bool,
}

impl EmbeddingCache {
    /// The cache file for a model, named by `model_key` (backbone and weights identity) under
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
        dir.join(format!("{safe}.emb"))
    }

    /// Opens the cache at `path` for vectors of `dim` values. A missing file gives an empty
    /// cache; a damaged file or one of another dimension is reported as `Damaged` so the caller
    /// can say so and start afresh with [`EmbeddingCache::empty`].
    pub fn open(path: &Path, dim: usize) -> Result<Self, CacheError> {
        let mut cache = Self::empty(path, dim);
        let mut file = match std::fs::File::open(path) {
            Ok(f) => std::io::BufReader::new(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cache),
            Err(source) => {
                return Err(CacheError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let damaged = || CacheError::Damaged(path.to_path_buf());
        let mut header = [0u8; 24];
        file.read_exact(&mut header).map_err(|_| damaged())?;
        if &header[..8] != MAGIC {
            return Err(damaged());
        }
        let file_dim = u64::from_le_bytes(header[8..16].try_into().map_err(|_| damaged())?);
        let count = u64::from_le_bytes(header[16..24].try_into().map_err(|_| damaged())?);
        if file_dim != dim as u64 {
            return Err(damaged());
        }
        let mut key = [0u8; 16];
        let mut values = vec![0u8; dim * 4];
        for _ in 0..count {
            file.read_exact(&mut key).map_err(|_| damaged())?;
            file.read_exact(&mut values).map_err(|_| damaged())?;
            let v = values
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            cache.entries.insert(u128::from_le_bytes(key), v);
        }
        Ok(cache)
    }

    /// An empty cache that will be written to `path`.
    pub fn empty(path: &Path, dim: usize) -> Self {
        Self {
            path: path.to_path_buf(),
            dim,
            entries: HashMap::new(),
            dirty: false,
        }
    }

    /// The cached vector for an image content hash.
    pub fn get(&self, hash: u128) -> Option<&[f32]> {
        self.entries.get(&hash).map(Vec::as_slice)
    }

    /// Stores a vector; vectors of the wrong length are ignored.
    pub fn insert(&mut self, hash: u128, vector: Vec<f32>) {
        if vector.len() == self.dim {
            self.entries.insert(hash, vector);
            self.dirty = true;
        }
    }

    /// Number of cached vectors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the cache if anything changed, atomically (temporary file, then rename).
    pub fn save(&mut self) -> Result<(), CacheError> {
        if !self.dirty {
            return Ok(());
        }
        let io = |source| CacheError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Unique per process and per save, so concurrent writers never share a temporary file.
        static SAVES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self
            .path
            .with_extension(format!("tmp{}-{n}", std::process::id()));
        {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
            out.write_all(MAGIC).map_err(io)?;
            out.write_all(&(self.dim as u64).to_le_bytes())
                .map_err(io)?;
            out.write_all(&(self.entries.len() as u64).to_le_bytes())
                .map_err(io)?;
            let mut keys: Vec<&u128> = self.entries.keys().collect();
            keys.sort();
            for key in keys {
                out.write_all(&key.to_le_bytes()).map_err(io)?;
                for x in &self.entries[key] {
                    out.write_all(&x.to_le_bytes()).map_err(io)?;
                }
            }
            out.flush().map_err(io)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        self.dirty = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_dimensions() {
        let dir = tempfile::tempdir().unwrap();
        let path = EmbeddingCache::path_for(dir.path(), "efficientnet-lite0/abc");
        assert!(path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("efficientnet-lite0_abc"));
        let mut cache = EmbeddingCache::open(&path, 3).unwrap();
        assert!(cache.is_empty());
        cache.insert(7, vec![1.0, 2.0, 3.0]);
        cache.insert(8, vec![1.0]); // wrong length: ignored
        cache.save().unwrap();
        let again = EmbeddingCache::open(&path, 3).unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again.get(7), Some(&[1.0, 2.0, 3.0][..]));
        assert!(matches!(
            EmbeddingCache::open(&path, 4),
            Err(CacheError::Damaged(_))
        ));
        std::fs::write(&path, b"not a cache").unwrap();
        assert!(matches!(
            EmbeddingCache::open(&path, 3),
            Err(CacheError::Damaged(_))
        ));
    }

    #[test]
    fn content_hash_depends_on_bytes_only() {
        assert_eq!(content_hash(b"abc"), content_hash(b"abc"));
        assert_ne!(content_hash(b"abc"), content_hash(b"abd"));
    }
}
