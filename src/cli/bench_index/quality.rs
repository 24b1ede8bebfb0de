//! Lookalike quality with compressed vectors: P@5 (the share of an item's five nearest
//! neighbours in its own category) of a real catalogue's cached embeddings, mean-centred:
//! compared in f32 (the reference), as the index stores them (f16), as int8 codes alone (what
//! the scan reads before its f32 re-rank), and projected to 256 and 64 PCA dimensions.

use std::path::Path;

use anyhow::Context;
use tch::{Kind, Tensor};
use vitrine::catalogue::{self, ImportOptions};
use vitrine::index::cache::{file_hash, EmbeddingCache};
use vitrine::index::{EmbeddingIndex, LOOKALIKES};

use super::row;

/// P@5 rows for one catalogue whose embeddings are in `cache_folder` (an embedding cache
/// folder of one network).
pub(super) fn quality_rows(path: &Path, cache_folder: &Path) -> anyhow::Result<()> {
    let cat = catalogue::load(path, &ImportOptions::default())
        .with_context(|| format!("cannot open {}", path.display()))?;
    let dim = 1280;
    let cache = EmbeddingCache::open(cache_folder, dim)
        .with_context(|| format!("cannot read the embedding cache {}", cache_folder.display()))?;
    let mut vectors = Vec::new();
    let mut categories = Vec::new();
    for item in &cat.items {
        let (Some(category), Ok(hash)) =
            (item.attributes.get("category"), file_hash(&item.image_path))
        else {
            continue;
        };
        if let Some(v) = cache.get(hash) {
            vectors.push(v.to_vec());
            categories.push(category.clone());
        }
    }
    anyhow::ensure!(
        vectors.len() > LOOKALIKES,
        "{}: only {} items have a category and a cached embedding (run `vitrine embed` first)",
        path.display(),
        vectors.len()
    );
    let name = path.display().to_string();
    let n = vectors.len();
    // f32: the mean-centred unit vectors kept and compared in f32 (no index involved).
    let centred_f32 = centred_unit_f32(&vectors);
    let base = precision_at_5_f32(&centred_f32, &categories);
    row(
        format!("P@5, f32 vectors, {n} items"),
        format!("{base:.4}"),
        format!("{name}; exact f32 scan"),
    );
    // f16: the index as the app builds it (mean-centred unit vectors stored in f16).
    let f16_index =
        EmbeddingIndex::centered(&vectors.iter().cloned().map(Some).collect::<Vec<_>>());
    let p = precision_at_5(&f16_index, &categories);
    row(
        "P@5, f16 vectors (the index as stored)",
        format!("{p:.4}"),
        format!("{:+.4} against f32", p - base),
    );
    // The scan's int8 codes are made from the stored f16 values.
    let int8: Vec<Vec<f32>> = (0..n)
        .map(|i| int8_round_trip(&f16_index.vector(i).unwrap_or_default()))
        .collect();
    let p = precision_at_5_f32(&int8, &categories);
    row(
        "P@5, int8 codes alone (no re-rank)",
        format!("{p:.4}"),
        format!("{:+.4} against f32", p - base),
    );
    for components in [256i64, 64] {
        let projected = pca(&vectors, components);
        let p = precision_at_5_f32(&projected, &categories);
        row(
            format!("P@5, PCA to {components} dimensions (f32)"),
            format!("{p:.4}"),
            format!("{:+.4} against f32", p - base),
        );
    }
    Ok(())
}

/// Share of each item's five nearest neighbours that share its category, averaged.
fn precision_at_5(index: &EmbeddingIndex, categories: &[String]) -> f64 {
    let mut total = 0.0;
    for (i, category) in categories.iter().enumerate() {
        let found = index.nearest_to_item(i, LOOKALIKES);
        let same = found
            .iter()
            .filter(|f| &categories[f.index] == category)
            .count();
        total += same as f64 / LOOKALIKES as f64;
    }
    total / categories.len() as f64
}

/// The vectors minus their mean, at unit length, in f32.
fn centred_unit_f32(vectors: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let dim = vectors[0].len();
    let mut mean = vec![0f64; dim];
    for v in vectors {
        mean.iter_mut()
            .zip(v)
            .for_each(|(m, x)| *m += f64::from(*x));
    }
    let n = vectors.len() as f64;
    vectors
        .iter()
        .map(|v| {
            let c: Vec<f32> = v
                .iter()
                .zip(&mean)
                .map(|(x, m)| x - (m / n) as f32)
                .collect();
            let norm = c.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            c.iter().map(|x| x / norm).collect()
        })
        .collect()
}

/// P@5 by cosine over `vectors` in f32 (each vector normalised, every pair compared as one
/// f32 matrix product), an item never its own neighbour.
fn precision_at_5_f32(vectors: &[Vec<f32>], categories: &[String]) -> f64 {
    let n = vectors.len() as i64;
    let dim = vectors[0].len() as i64;
    let flat: Vec<f32> = vectors.iter().flatten().copied().collect();
    let x = Tensor::from_slice(&flat).view([n, dim]);
    let x = &x / x.norm_scalaropt_dim(2, [1], true).clamp_min(1e-12);
    let scores = x.matmul(&x.transpose(0, 1));
    let _ = scores.diagonal(0, 0, 1).fill_(f64::NEG_INFINITY);
    let (_, top) = scores.topk(LOOKALIKES as i64, 1, true, true);
    let top: Vec<i64> = Vec::<i64>::try_from(top.view([-1])).unwrap_or_default();
    let mut total = 0.0;
    for (i, found) in top.chunks(LOOKALIKES).enumerate() {
        let same = found
            .iter()
            .filter(|&&j| categories[j as usize] == categories[i])
            .count();
        total += same as f64 / LOOKALIKES as f64;
    }
    total / categories.len() as f64
}

/// The vector after symmetric per-vector int8 quantisation and back.
fn int8_round_trip(v: &[f32]) -> Vec<f32> {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    v.iter()
        .map(|x| (x / scale).round().clamp(-127.0, 127.0) * scale)
        .collect()
}

/// The mean-centred vectors projected on their first `components` principal axes.
fn pca(vectors: &[Vec<f32>], components: i64) -> Vec<Vec<f32>> {
    let n = vectors.len() as i64;
    let dim = vectors[0].len() as i64;
    let flat: Vec<f32> = vectors.iter().flatten().copied().collect();
    let x = Tensor::from_slice(&flat)
        .view([n, dim])
        .to_kind(Kind::Double);
    let centred = &x - x.mean_dim(0, true, Kind::Double);
    let covariance = centred.transpose(0, 1).matmul(&centred) / (n as f64);
    let (_, axes) = covariance.linalg_eigh("L");
    // Eigenvalues come in ascending order: the last columns are the main axes.
    let main = axes.narrow(1, dim - components, components);
    let projected = centred.matmul(&main).to_kind(Kind::Float).contiguous();
    let values: Vec<f32> = Vec::<f32>::try_from(projected.view([-1])).unwrap_or_default();
    values
        .chunks(components as usize)
        .map(<[f32]>::to_vec)
        .collect()
}
