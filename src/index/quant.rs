//! The int8 copy of an index's unit vectors: one byte per value and one scale per vector,
//! with each vector's exact quantisation error, which bounds how far an int8 score can be
//! from the f32 one (so the re-ranking knows which candidates it must check).

use serde::{Deserialize, Serialize};

/// Int8 codes of every slot, `dim` per slot, with their scales and errors.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Quantised {
    pub(crate) codes: Vec<i8>,
    /// `vector ≈ scale * codes`.
    pub(crate) scales: Vec<f32>,
    /// `‖vector − scale * codes‖₂`: for a unit query, `|int8 score − f32 score| ≤ error`.
    pub(crate) errors: Vec<f32>,
}

impl Quantised {
    pub(crate) fn reserve(&mut self, additional: usize, dim: usize) {
        self.codes.reserve_exact(additional * dim);
        self.scales.reserve_exact(additional);
        self.errors.reserve_exact(additional);
    }

    /// Appends the codes of `v` (symmetric: the largest magnitude maps to ±127).
    pub(crate) fn push(&mut self, v: &[f32]) {
        let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 0.0 };
        let mut error = 0.0f64;
        self.codes.extend(v.iter().map(|x| {
            let code = if scale > 0.0 {
                (x / scale).round().clamp(-127.0, 127.0)
            } else {
                0.0
            };
            let diff = f64::from(*x) - f64::from(code * scale);
            error += diff * diff;
            code as i8
        }));
        self.scales.push(scale);
        self.errors.push(error.sqrt() as f32);
    }

    /// Appends a slot of zeros.
    pub(crate) fn push_missing(&mut self, dim: usize) {
        self.codes.extend(std::iter::repeat_n(0, dim));
        self.scales.push(0.0);
        self.errors.push(0.0);
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.codes.len() + self.scales.len() * 4 + self.errors.len() * 4
    }

    /// True when it holds codes for `slots` slots of `dim` values.
    pub(crate) fn covers(&self, slots: usize, dim: usize) -> bool {
        self.scales.len() == slots && self.codes.len() == slots * dim
    }
}
