//! Every item's lookalikes at once, for a web shop's "you may also like": batched matrix
//! products (a block of queries against the whole catalogue per product), then CSV or JSON
//! Lines.
//!
//! Scores are the same as [`MatchIndex::lookalikes`] (normalised parts, weighted sum); they are
//! computed by libtorch in `f32`, so they agree with it to about 1e-5.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use tch::{Kind, Tensor};

use super::colour::DESCRIPTOR_LEN;
use super::kind::GarmentTypes;
use super::score::{Match, MatchIndex, TermStats, Weights};

/// Scores computed per matrix product at most (queries × items), to bound memory.
const BLOCK_SCORES: usize = 1 << 24;

/// The file formats an export can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// `item,rank,neighbour,score,shape,colour,text,type`.
    Csv,
    /// One JSON object per row with the same fields.
    JsonLines,
}

impl ExportFormat {
    /// The format a file name asks for: JSON Lines for `.jsonl`/`.ndjson`/`.json`, else CSV.
    pub fn for_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .as_deref()
        {
            Some("jsonl" | "ndjson" | "json") => ExportFormat::JsonLines,
            _ => ExportFormat::Csv,
        }
    }
}

/// One row of an export.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ExportRow {
    /// The item's id, as in the catalogue.
    pub item: String,
    /// 1 for the best lookalike.
    pub rank: usize,
    /// The lookalike's id.
    pub neighbour: String,
    /// Combined score.
    pub score: f32,
    /// Normalised shape similarity.
    pub shape: f32,
    /// Normalised colour similarity.
    pub colour: f32,
    /// Normalised description similarity.
    pub text: f32,
    /// Normalised kind-of-garment similarity.
    #[serde(rename = "type", default)]
    pub kind: f32,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// libtorch failed.
    #[error("computing lookalikes failed: {0}")]
    Tensor(#[from] tch::TchError),
    /// Writing the file failed (the previous file, if any, is untouched).
    #[error("cannot write {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong, in words.
        reason: String,
    },
    /// Stopped before the end.
    #[error("the export was stopped")]
    Stopped,
}

fn matrix(rows: &[f32], n: usize, dim: usize) -> Result<Tensor, tch::TchError> {
    Tensor::f_from_slice(rows)?.f_reshape([n as i64, dim as i64])
}

/// Normalised similarities of a block: `z(sim)` with both sides present, else 0.
fn normalise(
    sim: Tensor,
    stats: Option<TermStats>,
    rows: &Tensor,
    cols: &Tensor,
) -> Result<Tensor, tch::TchError> {
    let Some(s) = stats else {
        return sim.f_zeros_like();
    };
    let z = sim
        .f_sub_scalar(f64::from(s.mean))?
        .f_div_scalar(f64::from(s.std))?;
    z.f_mul(&rows.f_unsqueeze(1)?)?.f_mul(&cols.f_unsqueeze(0)?)
}

fn present_mask(flags: impl Iterator<Item = bool>) -> Result<Tensor, tch::TchError> {
    let v: Vec<f32> = flags.map(|p| if p { 1.0 } else { 0.0 }).collect();
    Tensor::f_from_slice(&v)
}

/// The `k` best lookalikes of every item, as [`MatchIndex::lookalikes`] finds them;
/// `progress(done, total)` is called after each block, and returning false stops.
pub fn all_lookalikes(
    index: &MatchIndex,
    weights: &Weights,
    k: usize,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Vec<Vec<Match>>, ExportError> {
    let _guard = tch::no_grad_guard();
    let n = index.len();
    let dim = index.shape.dim();
    let mut shape_rows = vec![0.0f32; n * dim];
    for (i, row) in shape_rows.chunks_exact_mut(dim.max(1)).enumerate() {
        if let Some(v) = index.shape.vector(i).filter(|_| index.shape.is_present(i)) {
            row.copy_from_slice(&v);
        }
    }
    let shape = matrix(&shape_rows, n, dim)?;
    drop(shape_rows);
    let eligible = present_mask((0..n).map(|i| index.shape.is_present(i)))?;
    let colour = match &index.colours {
        Some(c) if c.len() == n => Some((
            matrix(&c.descriptors, n, DESCRIPTOR_LEN)?,
            present_mask(c.present.iter().copied())?,
        )),
        _ => None,
    };
    let text_present: Vec<bool> = (0..n).map(|i| !index.text.vector(i).is_empty()).collect();
    let kinds = kind_matrices(index)?;
    let block = (BLOCK_SCORES / n.max(1)).clamp(16, 1024);
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let end = (start + block).min(n);
        let rows = eligible.f_narrow(0, start as i64, (end - start) as i64)?;
        let q = shape.f_narrow(0, start as i64, (end - start) as i64)?;
        let raw_shape = q.f_matmul(&shape.f_tr()?)?;
        let duplicates = match index.duplicate_threshold {
            Some(t) => Some(raw_shape.f_ge(f64::from(t))?),
            None => None,
        };
        let zs = normalise(raw_shape, index.norm.shape, &rows, &eligible)?;
        let zc = match &colour {
            Some((c, present)) => {
                let qc = c.f_narrow(0, start as i64, (end - start) as i64)?;
                let qp = present.f_narrow(0, start as i64, (end - start) as i64)?;
                normalise(qc.f_matmul(&c.f_tr()?)?, index.norm.colour, &qp, present)?
            }
            None => zs.f_zeros_like()?,
        };
        let zt = text_block(index, start, end, &text_present)?;
        let zk = match &kinds {
            Some((k, kr, present)) => {
                let qk = kr.f_narrow(0, start as i64, (end - start) as i64)?;
                let qp = present.f_narrow(0, start as i64, (end - start) as i64)?;
                normalise(qk.f_matmul(&k.f_tr()?)?, index.norm.kind, &qp, present)?
            }
            None => zs.f_zeros_like()?,
        };
        let combined = zs
            .f_mul_scalar(f64::from(weights.shape))?
            .f_add(&zc.f_mul_scalar(f64::from(weights.colour))?)?
            .f_add(&zt.f_mul_scalar(f64::from(weights.text))?)?
            .f_add(&zk.f_mul_scalar(f64::from(weights.kind))?)?;
        // Not eligible: items without a vector, and the query itself.
        let mut banned = eligible
            .f_eq(0.0)?
            .f_unsqueeze(0)?
            .f_repeat([(end - start) as i64, 1])?
            .f_to_kind(Kind::Bool)?;
        let diag =
            Tensor::f_arange_start(start as i64, end as i64, (Kind::Int64, tch::Device::Cpu))?;
        let rows_idx = Tensor::f_arange((end - start) as i64, (Kind::Int64, tch::Device::Cpu))?;
        banned = banned.f_index_put_(&[Some(rows_idx), Some(diag)], &Tensor::from(true), false)?;
        // An item's near-duplicates are not its lookalikes (unless the index keeps them).
        if let Some(d) = &duplicates {
            banned = banned.f_logical_or(d)?;
        }
        let combined = combined.f_masked_fill(&banned, f64::NEG_INFINITY)?;
        let kk = k.min(n.saturating_sub(1)) as i64;
        let (values, indices) = combined.f_topk(kk, 1, true, true)?;
        let parts = [zs, zc, zt, zk].map(|z| z.f_gather(1, &indices, false));
        let [ps, pc, pt, pk] = parts;
        let (ps, pc, pt, pk) = (ps?, pc?, pt?, pk?);
        let flat = |t: &Tensor| -> Result<Vec<f32>, tch::TchError> {
            Vec::<f32>::try_from(t.f_flatten(0, -1)?)
        };
        let (v, s, c, t) = (flat(&values)?, flat(&ps)?, flat(&pc)?, flat(&pt)?);
        let kd = flat(&pk)?;
        let ix: Vec<i64> = Vec::<i64>::try_from(indices.f_flatten(0, -1)?)?;
        let kk = kk as usize;
        for q in 0..end - start {
            let query_ok = index.shape.is_present(start + q);
            let row: Vec<Match> = (0..kk)
                .map(|r| q * kk + r)
                .filter(|&at| query_ok && v[at].is_finite())
                .map(|at| Match {
                    index: ix[at] as usize,
                    score: v[at],
                    shape: s[at],
                    colour: c[at],
                    text: t[at],
                    kind: kd[at],
                })
                .collect();
            out.push(row);
        }
        start = end;
        if !progress(start, n) {
            return Err(ExportError::Stopped);
        }
    }
    Ok(out)
}

/// Every item's kind (`n × types`, zero rows where unknown), the same times the credit matrix,
/// and which items have a kind; `None` when the kind term is off.
#[allow(clippy::type_complexity)]
fn kind_matrices(index: &MatchIndex) -> Result<Option<(Tensor, Tensor, Tensor)>, tch::TchError> {
    let types = GarmentTypes::curated();
    let t = types.len();
    if index.norm.kind.is_none() || t == 0 {
        return Ok(None);
    }
    let n = index.len();
    let mut rows = vec![0.0f32; n * t];
    for (i, row) in rows.chunks_exact_mut(t).enumerate() {
        if let Some(k) = index.kinds.kind(i).filter(|k| k.len() == t) {
            row.copy_from_slice(k);
        }
    }
    let k = matrix(&rows, n, t)?;
    let credit = matrix(types.credit_matrix(), t, t)?;
    let kr = k.f_matmul(&credit)?;
    let present = present_mask((0..n).map(|i| index.kinds.kind(i).is_some()))?;
    Ok(Some((k, kr, present)))
}

/// The normalised description similarities of items `start..end` with every item.
fn text_block(
    index: &MatchIndex,
    start: usize,
    end: usize,
    has_text: &[bool],
) -> Result<Tensor, tch::TchError> {
    let n = index.len();
    let mut block = vec![0.0f32; (end - start) * n];
    if let Some(stats) = index.norm.text {
        block
            .par_chunks_mut(n.max(1))
            .enumerate()
            .for_each(|(q, row)| {
                let item = start + q;
                if !has_text[item] {
                    return;
                }
                let scores = index.text.scores(index.text.vector(item));
                for (o, s) in row.iter_mut().zip(scores) {
                    *o = stats.z(s);
                }
            });
    }
    matrix(&block, end - start, n)
}

/// Writes the lookalikes of every item to `path` (CSV or JSON Lines by its extension),
/// streamed into a temporary file beside it that replaces the file only once complete
/// ([`crate::durable::AtomicFile`]): a run killed or a disk filled mid-export leaves the
/// previous export as it was. A symbolic link's destination is written.
pub fn write(path: &Path, ids: &[String], lookalikes: &[Vec<Match>]) -> Result<usize, ExportError> {
    let io = |source: std::io::Error| ExportError::Io {
        path: path.display().to_string(),
        reason: crate::durable::describe_io(&source),
    };
    let format = ExportFormat::for_path(path);
    let mut file = crate::durable::AtomicFile::create(path).map_err(io)?;
    let rows = lookalikes.iter().enumerate().flat_map(|(item, found)| {
        found.iter().enumerate().map(move |(r, m)| ExportRow {
            item: ids[item].clone(),
            rank: r + 1,
            neighbour: ids[m.index].clone(),
            score: m.score,
            shape: m.shape,
            colour: m.colour,
            text: m.text,
            kind: m.kind,
        })
    });
    let mut written = 0usize;
    match format {
        ExportFormat::Csv => {
            // The header row comes from the field names of ExportRow, with the first row.
            let mut csv = csv::Writer::from_writer(&mut file);
            for row in rows {
                csv.serialize(&row).map_err(|e| io(e.into()))?;
                written += 1;
            }
            csv.flush().map_err(io)?;
        }
        ExportFormat::JsonLines => {
            for row in rows {
                serde_json::to_writer(&mut file, &row).map_err(|e| io(e.into()))?;
                file.write_all(b"\n").map_err(io)?;
                written += 1;
            }
        }
    }
    file.commit().map_err(io)?;
    Ok(written)
}
