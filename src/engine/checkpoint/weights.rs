//! The weights file of a checkpoint proves its contents: when it is written, every tensor is
//! checked finite (a run whose weights hold NaN or infinity writes no checkpoint) and the
//! xxh3-128 checksum of the file is recorded in `checkpoint.json` (`weights_checksum`); when it
//! is loaded, the checksum and the finiteness are checked again, and a checkpoint that fails
//! either is refused in words. Checkpoints written before checksums were recorded are still
//! checked finite.

use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use super::{Checkpoint, CheckpointError};

/// The checksum recorded for a weights file: xxh3-128 of its bytes, as 32 hex digits.
pub fn checksum(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

/// The name of the first floating-point tensor holding a value that is not a finite number,
/// or `None`; `Err` when the bytes are not a safetensors file.
pub fn first_non_finite(bytes: &[u8]) -> Result<Option<String>, String> {
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let mut names: Vec<String> = tensors.names().into_iter().map(|n| n.to_string()).collect();
    names.sort();
    for name in names {
        let view = tensors.tensor(&name).map_err(|e| e.to_string())?;
        let data = view.data();
        let finite = match view.dtype() {
            Dtype::F32 => data
                .chunks_exact(4)
                .all(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite()),
            Dtype::F64 => data
                .chunks_exact(8)
                .all(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])).is_finite()),
            Dtype::F16 => data
                .chunks_exact(2)
                .all(|b| half::f16::from_le_bytes([b[0], b[1]]).is_finite()),
            Dtype::BF16 => data
                .chunks_exact(2)
                .all(|b| half::bf16::from_le_bytes([b[0], b[1]]).is_finite()),
            _ => true,
        };
        if !finite {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// Checks a weights file just written: every tensor finite. Returns its checksum.
pub(super) fn seal(path: &Path) -> Result<String, CheckpointError> {
    let bytes = std::fs::read(path).map_err(CheckpointError::io("read", path))?;
    let damaged = |problem: String| CheckpointError::Weights {
        path: path.to_path_buf(),
        problem,
    };
    match first_non_finite(&bytes).map_err(damaged)? {
        Some(name) => Err(CheckpointError::NonFiniteWeights {
            path: None,
            tensor: name,
        }),
        None => Ok(checksum(&bytes)),
    }
}

impl Checkpoint {
    /// Checks the weights file against the checksum recorded with it, and that every weight is
    /// a finite number; a checkpoint that fails is refused.
    pub fn verify_weights(&self) -> Result<(), CheckpointError> {
        let path = self.weights_path();
        let bytes = std::fs::read(&path).map_err(CheckpointError::io("read", &path))?;
        let damaged = |problem: String| CheckpointError::Weights {
            path: path.clone(),
            problem,
        };
        if let Some(expected) = &self.meta.weights_checksum {
            if checksum(&bytes) != *expected {
                return Err(damaged(
                    "its contents do not match the checksum recorded in checkpoint.json (the \
                     file was damaged or replaced)"
                        .into(),
                ));
            }
        }
        match first_non_finite(&bytes).map_err(damaged)? {
            Some(tensor) => Err(CheckpointError::NonFiniteWeights {
                path: Some(path.clone()),
                tensor,
            }),
            None => Ok(()),
        }
    }
}
