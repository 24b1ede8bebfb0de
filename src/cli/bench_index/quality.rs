//! Lookalike quality with compressed vectors: P@5 (the share of an item's five nearest
//! neighbours in its own category) with f32, f16, int8, PCA-256 and PCA-64 vectors of a real
//! catalogue's cached embeddings.

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
    let f32_index =
        EmbeddingIndex::centered(&vectors.iter().cloned().map(Some).collect::<Vec<_>>());
    let base = precision_at_5(&f32_index, &categories);
    row(format!("P@5, f32, {n} items"), format!("{base:.4}"), &name);
    let f16: Vec<Option<Vec<f32>>> = vectors
        .iter()
        .map(|v| Some(v.iter().map(|x| half::f16::from_f32(*x).to_f32()).collect()))
        .collect();
    let p = precision_at_5(&EmbeddingIndex::centered(&f16), &categories);
    row(
        "P@5, f16 vectors",
        format!("{p:.4}"),
        format!("{:+.4} against f32", p - base),
    );
    let int8: Vec<Vec<f32>> = (0..n)
        .map(|i| int8_round_trip(&f32_index.vector(i).unwrap_or_default()))
        .collect();
    let p = precision_at_5(&EmbeddingIndex::from_vectors(&int8), &categories);
    row(
        "P@5, int8 vectors (the scan's codes)",
        format!("{p:.4}"),
        format!("{:+.4} against f32", p - base),
    );
    for components in [256i64, 64] {
        let projected = pca(&vectors, components);
        let p = precision_at_5(&EmbeddingIndex::from_vectors(&projected), &categories);
        row(
            format!("P@5, PCA to {components} dimensions"),
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
