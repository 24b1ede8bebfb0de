//! Dot products for the lookalike search, picked once at run time for the CPU in use:
//! AVX-512F, else AVX2 + FMA, else portable code the compiler vectorises as it can.
//!
//! Three kernels: f32 · f32, f16 · f32 (exact scores of the stored f16 vectors: each value is
//! widened to f32, exactly, and the sum is taken in f32) and i8 · f32 (the quantised scan: each
//! code is widened to f32 and multiplied into the f32 query, so the only error is the codes'
//! own).

use std::sync::OnceLock;

use half::f16;

/// The dot-product kernels chosen for this CPU.
#[derive(Clone, Copy)]
pub(crate) struct Kernels {
    /// Name of the instruction set in use (for the bench and logs).
    pub(crate) name: &'static str,
    dot_f32: fn(&[f32], &[f32]) -> f32,
    dot_f16: fn(&[f16], &[f32]) -> f32,
    dot_i8: fn(&[i8], &[f32]) -> f32,
}

impl Kernels {
    /// `a · b` over the common length.
    #[inline]
    pub(crate) fn dot_f32(&self, a: &[f32], b: &[f32]) -> f32 {
        (self.dot_f32)(a, b)
    }

    /// `v · q` over the common length, `v` widened to f32 (exactly) and summed in f32.
    #[inline]
    pub(crate) fn dot_f16(&self, v: &[f16], q: &[f32]) -> f32 {
        (self.dot_f16)(v, q)
    }

    /// `codes · q` over the common length, codes widened to f32.
    #[inline]
    pub(crate) fn dot_i8(&self, codes: &[i8], q: &[f32]) -> f32 {
        (self.dot_i8)(codes, q)
    }
}

/// The kernels for this CPU (detected on first use).
pub(crate) fn kernels() -> &'static Kernels {
    static CHOSEN: OnceLock<Kernels> = OnceLock::new();
    CHOSEN.get_or_init(detect)
}

/// The portable kernels, whatever the CPU (for tests comparing against the SIMD ones).
pub(crate) fn portable() -> Kernels {
    Kernels {
        name: "portable",
        dot_f32: portable_dot_f32,
        dot_f16: portable_dot_f16,
        dot_i8: portable_dot_i8,
    }
}

fn detect() -> Kernels {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Kernels {
                name: "AVX-512",
                dot_f32: x86::dot_f32_avx512_safe,
                dot_f16: x86::dot_f16_avx512_safe,
                dot_i8: x86::dot_i8_avx512_safe,
            };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            let f16c = std::arch::is_x86_feature_detected!("f16c");
            return Kernels {
                name: "AVX2",
                dot_f32: x86::dot_f32_avx2_safe,
                dot_f16: if f16c {
                    x86::dot_f16_avx2_safe
                } else {
                    portable_dot_f16
                },
                dot_i8: x86::dot_i8_avx2_safe,
            };
        }
    }
    portable()
}

/// Eight independent partial sums, which the compiler can turn into vector code.
fn portable_dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The same sums in the same order as [`portable_dot_f32`] of the widened values.
fn portable_dot_f16(v: &[f16], q: &[f32]) -> f32 {
    let n = v.len().min(q.len());
    let (v, q) = (&v[..n], &q[..n]);
    let mut lanes = [0.0f32; 8];
    let (cv, cq) = (v.chunks_exact(8), q.chunks_exact(8));
    let tail: f32 = cv
        .remainder()
        .iter()
        .zip(cq.remainder())
        .map(|(x, y)| x.to_f32() * y)
        .sum();
    for (x, y) in cv.zip(cq) {
        for i in 0..8 {
            lanes[i] += x[i].to_f32() * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

fn portable_dot_i8(codes: &[i8], q: &[f32]) -> f32 {
    let n = codes.len().min(q.len());
    let (codes, q) = (&codes[..n], &q[..n]);
    let mut lanes = [0.0f32; 8];
    let (cc, cq) = (codes.chunks_exact(8), q.chunks_exact(8));
    let tail: f32 = cc
        .remainder()
        .iter()
        .zip(cq.remainder())
        .map(|(c, y)| f32::from(*c) * y)
        .sum();
    for (c, y) in cc.zip(cq) {
        for i in 0..8 {
            lanes[i] += f32::from(c[i]) * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize) -> (Vec<f32>, Vec<f32>, Vec<i8>) {
        let a: Vec<f32> = (0..n)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let b: Vec<f32> = (0..n)
            .map(|i| ((i * 53 % 89) as f32 - 44.0) / 44.0)
            .collect();
        let c: Vec<i8> = (0..n)
            .map(|i| ((i * 29 % 255) as i32 - 127) as i8)
            .collect();
        (a, b, c)
    }

    #[test]
    fn detected_kernels_agree_with_plain_sums_at_every_length() {
        let chosen = kernels();
        for n in [0, 1, 7, 8, 15, 16, 33, 63, 64, 65, 130, 1280] {
            let (a, b, c) = data(n);
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let plain_i8: f32 = c.iter().zip(&b).map(|(x, y)| f32::from(*x) * y).sum();
            let h: Vec<f16> = a.iter().map(|&x| f16::from_f32(x)).collect();
            let plain_f16: f32 = h.iter().zip(&b).map(|(x, y)| x.to_f32() * y).sum();
            for k in [chosen, &portable()] {
                assert!(
                    (k.dot_f32(&a, &b) - plain).abs() < 1e-3,
                    "{} f32 n={n}",
                    k.name
                );
                let got = k.dot_f16(&h, &b);
                assert!((got - plain_f16).abs() < 1e-3, "{} f16 n={n}", k.name);
                let got = k.dot_i8(&c, &b);
                assert!((got - plain_i8).abs() < 1e-2, "{} i8 n={n}", k.name);
            }
        }
    }
}
