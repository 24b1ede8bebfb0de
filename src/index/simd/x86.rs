//! The x86-64 kernels: AVX-512F, and AVX2 + FMA (with F16C for the f16 one).

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
