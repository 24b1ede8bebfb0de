//! A PCA projection of the index's unit vectors to fewer dimensions, for the approximate graph.
//!
//! Lookalike quality is unchanged to three decimals when embeddings are projected on their
//! first 256 principal components (measured on the demo and clothing-3781, see docs/scale.md),
//! while the graph's distance computations, build time and memory shrink fivefold. The graph
//! only proposes candidates: they are re-ranked with the full vectors, so scores stay exact.
//!
//! The basis is fitted on an evenly spread sample of the vectors (the covariance of at most
//! [`Projection::SAMPLE`] of them, its eigenvectors through libtorch) and saved beside the
//! graph as safetensors.

use std::collections::HashMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};
use tch::{Kind, Tensor};

use super::ann::AnnError;

const BASIS: &str = "basis";

/// Rows of `dims_out` principal directions of `dims_in`-dimensional vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    dims_in: usize,
    dims_out: usize,
    /// Row-major `dims_out` × `dims_in`, strongest direction first.
    basis: Vec<f32>,
}

fn projection_error(e: impl std::fmt::Display) -> AnnError {
    AnnError::Graph(format!("projection: {e}"))
}

impl Projection {
    /// Vectors the basis is fitted on, at most.
    pub const SAMPLE: usize = 20_000;

    /// Fits the `dims_out` principal directions of `count` vectors given by `vector(i)` (the
    /// vectors are taken as already centred, as the index's are). Fewer directions when there
    /// are fewer dimensions.
    pub fn fit(
        count: usize,
        dims_in: usize,
        dims_out: usize,
        vector: impl Fn(usize) -> Option<Vec<f32>>,
    ) -> Result<Self, AnnError> {
        let dims_out = dims_out.min(dims_in).max(1);
        let step = count.div_ceil(Self::SAMPLE).max(1);
        let mut sample = Vec::with_capacity(count.min(Self::SAMPLE) * dims_in);
        for v in (0..count).step_by(step).filter_map(&vector) {
            sample.extend_from_slice(&v[..dims_in.min(v.len())]);
            sample.resize(sample.len().next_multiple_of(dims_in), 0.0);
        }
        let rows = sample.len() / dims_in.max(1);
        if rows < 2 {
            return Err(projection_error("fewer than two vectors"));
        }
        let basis = tch::no_grad(|| -> Result<Vec<f32>, tch::TchError> {
            let x = Tensor::from_slice(&sample).view([rows as i64, dims_in as i64]);
            let covariance = x.transpose(0, 1).matmul(&x) / rows as f64;
            // Eigenvalues come in ascending order: the strongest directions are the last columns.
            let (_, vectors) = covariance.f_linalg_eigh("L")?;
            let top = vectors
                .narrow(1, (dims_in - dims_out) as i64, dims_out as i64)
                .flip([1])
                .transpose(0, 1)
                .contiguous();
            Vec::<f32>::try_from(top.reshape([-1]))
        })
        .map_err(projection_error)?;
        Ok(Self {
            dims_in,
            dims_out,
            basis,
        })
    }

    /// Dimensions of the vectors it takes.
    pub fn dims_in(&self) -> usize {
        self.dims_in
    }

    /// Dimensions of the vectors it gives.
    pub fn dims_out(&self) -> usize {
        self.dims_out
    }

    /// The projection of `v`, scaled to unit length (the graph compares by inner product).
    pub fn apply(&self, v: &[f32]) -> Vec<f32> {
        let mut out: Vec<f32> = self
            .basis
            .chunks_exact(self.dims_in)
            .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
            .collect();
        super::normalize(&mut out);
        out
    }

    /// Projects many vectors at once (`rows` × `dims_in`, row-major) with one matrix product.
    pub fn apply_many(&self, flat: &[f32]) -> Result<Vec<f32>, AnnError> {
        let rows = flat.len() / self.dims_in.max(1);
        tch::no_grad(|| -> Result<Vec<f32>, tch::TchError> {
            let x = Tensor::from_slice(&flat[..rows * self.dims_in])
                .view([rows as i64, self.dims_in as i64]);
            let basis =
                Tensor::from_slice(&self.basis).view([self.dims_out as i64, self.dims_in as i64]);
            let y = x.matmul(&basis.transpose(0, 1));
            let norms = y
                .norm_scalaropt_dim(2, [1i64].as_slice(), true)
                .clamp_min(f64::from(f32::EPSILON));
            Vec::<f32>::try_from((y / norms).reshape([-1]).to_kind(Kind::Float))
        })
        .map_err(projection_error)
    }

    /// Writes the basis to `path` (safetensors, through a temporary file).
    pub fn save(&self, path: &Path) -> Result<(), AnnError> {
        let bytes: Vec<u8> = self.basis.iter().flat_map(|x| x.to_le_bytes()).collect();
        let view = safetensors::tensor::TensorView::new(
            Dtype::F32,
            vec![self.dims_out, self.dims_in],
            &bytes,
        )
        .map_err(projection_error)?;
        let data = safetensors::serialize([(BASIS, view)], None::<HashMap<String, String>>)
            .map_err(projection_error)?;
        crate::durable::write_file(path, &data).map_err(projection_error)
    }

    /// Reads a basis written by [`Projection::save`].
    pub fn load(path: &Path) -> Result<Self, AnnError> {
        let bytes = std::fs::read(path).map_err(projection_error)?;
        let tensors = SafeTensors::deserialize(&bytes).map_err(projection_error)?;
        let t = tensors.tensor(BASIS).map_err(projection_error)?;
        let (&[dims_out, dims_in], Dtype::F32) = (t.shape(), t.dtype()) else {
            return Err(projection_error(format!(
                "{}: not a projection basis",
                path.display()
            )));
        };
        let basis: Vec<f32> = t
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Self {
            dims_in,
            dims_out,
            basis,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Vectors that vary along two directions only, plus a little noise.
    fn planar(n: usize, dim: usize) -> Vec<Vec<f32>> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        (0..n)
            .map(|_| {
                let (a, b) = (rng.random::<f32>() - 0.5, rng.random::<f32>() - 0.5);
                (0..dim)
                    .map(|j| match j {
                        0 => 3.0 * a,
                        1 => b,
                        _ => 0.01 * (rng.random::<f32>() - 0.5),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn finds_the_directions_the_vectors_vary_along() {
        let vectors = planar(500, 16);
        let p = Projection::fit(vectors.len(), 16, 2, |i| vectors.get(i).cloned()).expect("fits");
        assert_eq!((p.dims_in(), p.dims_out()), (16, 2));
        // The strongest direction is the first axis, then the second (up to sign).
        assert!(p.basis[0].abs() > 0.99, "{:?}", &p.basis[..16]);
        assert!(p.basis[16 + 1].abs() > 0.99, "{:?}", &p.basis[16..]);
        let one = p.apply(&vectors[3]);
        let many = p.apply_many(&vectors[3]).expect("projects");
        assert_eq!(one.len(), 2);
        for (a, b) in one.iter().zip(&many) {
            assert!((a - b).abs() < 1e-5);
        }
        assert!((one.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn saves_and_loads_the_same_basis() {
        let vectors = planar(50, 8);
        let p = Projection::fit(50, 8, 3, |i| vectors.get(i).cloned()).expect("fits");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("p.safetensors");
        p.save(&path).expect("saves");
        assert_eq!(Projection::load(&path).expect("loads"), p);
        std::fs::write(&path, b"not safetensors").expect("writes");
        assert!(Projection::load(&path).is_err());
    }
}
