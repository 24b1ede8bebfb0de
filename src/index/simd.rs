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
mod x86 {
    use std::arch::x86_64::*;

    use half::f16;

    // The `_safe` wrappers are only installed by `detect` after the feature check passed.

    pub(super) fn dot_f32_avx512_safe(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: chosen only when AVX-512F was detected at run time.
        unsafe { dot_f32_avx512(a, b) }
    }

    pub(super) fn dot_i8_avx512_safe(codes: &[i8], q: &[f32]) -> f32 {
        // SAFETY: chosen only when AVX-512F was detected at run time.
        unsafe { dot_i8_avx512(codes, q) }
    }

    pub(super) fn dot_f16_avx512_safe(v: &[f16], q: &[f32]) -> f32 {
        // SAFETY: chosen only when AVX-512F was detected at run time.
        unsafe { dot_f16_avx512(v, q) }
    }

    pub(super) fn dot_f16_avx2_safe(v: &[f16], q: &[f32]) -> f32 {
        // SAFETY: chosen only when AVX2, FMA and F16C were detected at run time.
        unsafe { dot_f16_avx2(v, q) }
    }

    pub(super) fn dot_f32_avx2_safe(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: chosen only when AVX2 and FMA were detected at run time.
        unsafe { dot_f32_avx2(a, b) }
    }

    pub(super) fn dot_i8_avx2_safe(codes: &[i8], q: &[f32]) -> f32 {
        // SAFETY: chosen only when AVX2 and FMA were detected at run time.
        unsafe { dot_i8_avx2(codes, q) }
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn dot_f32_avx512(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY: every load reads within the first `n` elements of both slices.
        unsafe {
            while i + 64 <= n {
                for (j, acc) in acc.iter_mut().enumerate() {
                    let x = _mm512_loadu_ps(pa.add(i + 16 * j));
                    let y = _mm512_loadu_ps(pb.add(i + 16 * j));
                    *acc = _mm512_fmadd_ps(x, y, *acc);
                }
                i += 64;
            }
            while i + 16 <= n {
                let x = _mm512_loadu_ps(pa.add(i));
                let y = _mm512_loadu_ps(pb.add(i));
                acc[0] = _mm512_fmadd_ps(x, y, acc[0]);
                i += 16;
            }
        }
        let sum = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
        let mut total = _mm512_reduce_add_ps(sum);
        for k in i..n {
            total += a[k] * b[k];
        }
        total
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn dot_i8_avx512(codes: &[i8], q: &[f32]) -> f32 {
        let n = codes.len().min(q.len());
        let (pc, pq) = (codes.as_ptr(), q.as_ptr());
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY: every load reads within the first `n` elements of both slices.
        unsafe {
            while i + 64 <= n {
                for (j, acc) in acc.iter_mut().enumerate() {
                    let c = _mm_loadu_si128(pc.add(i + 16 * j).cast());
                    let x = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(c));
                    let y = _mm512_loadu_ps(pq.add(i + 16 * j));
                    *acc = _mm512_fmadd_ps(x, y, *acc);
                }
                i += 64;
            }
            while i + 16 <= n {
                let c = _mm_loadu_si128(pc.add(i).cast());
                let x = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(c));
                acc[0] = _mm512_fmadd_ps(x, _mm512_loadu_ps(pq.add(i)), acc[0]);
                i += 16;
            }
        }
        let sum = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
        let mut total = _mm512_reduce_add_ps(sum);
        for k in i..n {
            total += f32::from(codes[k]) * q[k];
        }
        total
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn dot_f16_avx512(v: &[f16], q: &[f32]) -> f32 {
        let n = v.len().min(q.len());
        let (pv, pq) = (v.as_ptr(), q.as_ptr());
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY: every load reads within the first `n` elements of both slices (an f16 is
        // two bytes, so 16 of them are one 256-bit load).
        unsafe {
            while i + 64 <= n {
                for (j, acc) in acc.iter_mut().enumerate() {
                    let h = _mm256_loadu_si256(pv.add(i + 16 * j).cast());
                    let x = _mm512_cvtph_ps(h);
                    let y = _mm512_loadu_ps(pq.add(i + 16 * j));
                    *acc = _mm512_fmadd_ps(x, y, *acc);
                }
                i += 64;
            }
            while i + 16 <= n {
                let x = _mm512_cvtph_ps(_mm256_loadu_si256(pv.add(i).cast()));
                acc[0] = _mm512_fmadd_ps(x, _mm512_loadu_ps(pq.add(i)), acc[0]);
                i += 16;
            }
        }
        let sum = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
        let mut total = _mm512_reduce_add_ps(sum);
        for k in i..n {
            total += v[k].to_f32() * q[k];
        }
        total
    }

    #[target_feature(enable = "avx2,fma,f16c")]
    unsafe fn dot_f16_avx2(v: &[f16], q: &[f32]) -> f32 {
        let n = v.len().min(q.len());
        let (pv, pq) = (v.as_ptr(), q.as_ptr());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY: every load reads within the first `n` elements of both slices (8 f16 are
        // one 128-bit load).
        unsafe {
            while i + 32 <= n {
                for (j, acc) in acc.iter_mut().enumerate() {
                    let x = _mm256_cvtph_ps(_mm_loadu_si128(pv.add(i + 8 * j).cast()));
                    let y = _mm256_loadu_ps(pq.add(i + 8 * j));
                    *acc = _mm256_fmadd_ps(x, y, *acc);
                }
                i += 32;
            }
        }
        let mut total = horizontal_sum(acc);
        for k in i..n {
            total += v[k].to_f32() * q[k];
        }
        total
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn dot_f32_avx2(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY: every load reads within the first `n` elements of both slices.
        unsafe {
            while i + 32 <= n {
                for (j, acc) in acc.iter_mut().enumerate() {
                    let x = _mm256_loadu_ps(pa.add(i + 8 * j));
                    let y = _mm256_loadu_ps(pb.add(i + 8 * j));
                    *acc = _mm256_fmadd_ps(x, y, *acc);
                }
                i += 32;
            }
        }
        let mut total = horizontal_sum(acc);
        for k in i..n {
            total += a[k] * b[k];
        }
        total
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn dot_i8_avx2(codes: &[i8], q: &[f32]) -> f32 {
        let n = codes.len().min(q.len());
        let (pc, pq) = (codes.as_ptr(), q.as_ptr());
        let mut acc = [_mm256_setzero_ps(); 4];
        let mut i = 0;
        // SAFETY: every load reads within the first `n` elements of both slices.
        unsafe {
            while i + 32 <= n {
                for (j, acc) in acc.iter_mut().enumerate() {
                    let c = _mm_loadl_epi64(pc.add(i + 8 * j).cast());
                    let x = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(c));
                    let y = _mm256_loadu_ps(pq.add(i + 8 * j));
                    *acc = _mm256_fmadd_ps(x, y, *acc);
                }
                i += 32;
            }
        }
        let mut total = horizontal_sum(acc);
        for k in i..n {
            total += f32::from(codes[k]) * q[k];
        }
        total
    }

    #[target_feature(enable = "avx2,fma")]
    fn horizontal_sum(acc: [__m256; 4]) -> f32 {
        let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds exactly eight f32.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), s) };
        lanes.iter().sum()
    }
}

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
