//! Reading and naming the shards of an embedding cache folder (the format is described in the
//! parent module).

use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

use super::{
    payload_checksum, CHECKSUM, FORMAT_VERSION, HASHES, SHARD_PREFIX, SHARD_SUFFIX, TMP_GRACE_SECS,
    VECTORS,
};
use crate::durable;

pub(super) fn model_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(super) fn shard_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{SHARD_PREFIX}{number:06}{SHARD_SUFFIX}"))
}

/// The shards of a cache folder sorted by number; removes temporary files older than
/// [`TMP_GRACE_SECS`] on the way.
pub(super) fn list_shards(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut shards = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if durable::is_tmp(&path) {
            remove_stale_tmp(&path);
            continue;
        }
        let number = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix(SHARD_PREFIX)?.strip_suffix(SHARD_SUFFIX))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(number) = number {
            shards.push((number, path));
        }
    }
    shards.sort();
    Ok(shards)
}

/// Removes a temporary file whose writer is gone (a killed run), or that is older than
/// [`TMP_GRACE_SECS`] whoever wrote it.
pub(super) fn remove_stale_tmp(path: &Path) {
    if !durable::written_by_running_process(path) {
        remove_unfinished(path);
        return;
    }
    let age_secs = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map_or(u64::MAX, |d| d.as_secs());
    if age_secs >= TMP_GRACE_SECS {
        remove_unfinished(path);
    }
}

fn remove_unfinished(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => log::info!("removed unfinished cache file {}", path.display()),
        Err(e) => log::warn!("cannot remove unfinished file {}: {e}", path.display()),
    }
}

/// Why a shard was skipped.
pub(super) struct Unusable {
    pub(super) why: String,
    /// Written by a newer vitrine (kept on disk for it).
    pub(super) newer_format: bool,
}

impl From<String> for Unusable {
    fn from(why: String) -> Self {
        Self {
            why,
            newer_format: false,
        }
    }
}

/// The rows of one shard, or why it cannot be used.
pub(super) fn read_shard(
    path: &Path,
    dim: usize,
    model: &str,
) -> Result<Vec<(u128, Vec<f32>)>, Unusable> {
    if dim == 0 {
        return Err("a cache of vectors without values cannot be read"
            .to_string()
            .into());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let tensors = SafeTensors::deserialize(&bytes).map_err(|e| format!("damaged: {e}"))?;
    let (_, header) =
        SafeTensors::read_metadata(&bytes).map_err(|e| format!("damaged header: {e}"))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let field = |k: &str| meta.get(k).map(String::as_str).unwrap_or("missing");
    if field("format_version") != FORMAT_VERSION.to_string() {
        return Err(Unusable {
            why: format!(
                "format version {}, this vitrine reads {FORMAT_VERSION}",
                field("format_version")
            ),
            newer_format: field("format_version")
                .parse::<u32>()
                .is_ok_and(|v| v > FORMAT_VERSION),
        });
    }
    if field("dim") != dim.to_string() {
        return Err(format!("{} values per vector, expected {dim}", field("dim")).into());
    }
    if field("model") != model {
        return Err(format!("written for model {}", field("model")).into());
    }
    let hashes = tensors
        .tensor(HASHES)
        .map_err(|e| format!("no {HASHES}: {e}"))?;
    let vectors = tensors
        .tensor(VECTORS)
        .map_err(|e| format!("no {VECTORS}: {e}"))?;
    let rows = hashes.shape().first().copied().unwrap_or(0);
    if hashes.dtype() != Dtype::U8 || hashes.shape() != [rows, 16] {
        return Err(format!("{HASHES} is not {rows} x 16 bytes").into());
    }
    if vectors.dtype() != Dtype::F32 || vectors.shape() != [rows, dim] {
        return Err(format!("{VECTORS} is not {rows} x {dim} f32 values").into());
    }
    match meta.get(CHECKSUM) {
        None => {
            return Err("it has no checksum (an older vitrine wrote it)"
                .to_string()
                .into())
        }
        Some(sum) if *sum != payload_checksum(hashes.data(), vectors.data()) => {
            return Err("its contents do not match their checksum"
                .to_string()
                .into())
        }
        Some(_) => {}
    }
    let rows = hashes
        .data()
        .chunks_exact(16)
        .zip(vectors.data().chunks_exact(dim * 4))
        .map(|(h, v)| {
            let mut key = [0u8; 16];
            key.copy_from_slice(h);
            let vector = v
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (u128::from_le_bytes(key), vector)
        })
        .collect::<Vec<(u128, Vec<f32>)>>();
    if rows.iter().any(|(_, v)| v.iter().any(|x| !x.is_finite())) {
        return Err("it holds values that are not finite numbers"
            .to_string()
            .into());
    }
    Ok(rows)
}
