//! Every item's kind of garment: from its description where it names one, else predicted from
//! its photo by a head fitted on the catalogue's own description-derived kinds.
//!
//! **The head.** One centroid per garment type: the mean of the (centred, unit) image
//! embeddings of the items whose descriptions name it, each weighted by the item's share of
//! that type, scaled to unit length. A photo's kind is the softmax of its cosine with each
//! centroid divided by a temperature; the temperature is the one of [`TEMPERATURES`] that gives
//! the described items the highest likelihood of their own kinds. It needs two types with at
//! least [`MIN_EXAMPLES`] described items each; a catalogue without descriptions has no head,
//! and its kind part is off. The confidence shown is the probability of the most likely type.

use rayon::prelude::*;

use super::kind::GarmentTypes;
use crate::index::EmbeddingIndex;

/// Described items a type needs before the head predicts it.
pub const MIN_EXAMPLES: f32 = 2.0;
/// Temperatures the head chooses among.
const TEMPERATURES: [f32; 8] = [0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.25];
/// Described items the temperature is chosen on at most (spread over the catalogue).
const CALIBRATION_ITEMS: usize = 4000;

/// Where an item's kind comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KindSource {
    /// Its description names it.
    Description,
    /// Predicted from its photo, with the probability of the most likely type.
    Photo {
        /// Probability of the most likely type (0–1).
        confidence: f32,
    },
}

/// A nearest-centroid softmax over the garment types, on image embeddings.
#[derive(Clone, Debug)]
pub struct KindHead {
    dim: usize,
    /// `types × dim`, unit rows (zero for types without enough examples).
    centroids: Vec<f32>,
    usable: Vec<bool>,
    /// Softmax temperature.
    pub temperature: f32,
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl KindHead {
    /// Fits the head on the items that have both a vector and a kind; `None` when fewer than
    /// two types have [`MIN_EXAMPLES`] items.
    pub fn fit(shape: &EmbeddingIndex, kinds: &[Option<Vec<f32>>], types: usize) -> Option<Self> {
        let dim = shape.dim();
        let labelled: Vec<(Vec<f32>, &[f32])> = (0..shape.len().min(kinds.len()))
            .filter(|&i| shape.is_present(i))
            .filter_map(|i| Some((shape.vector(i)?, kinds[i].as_deref()?)))
            .filter(|(_, k)| k.len() == types)
            .collect();
        let mut centroids = vec![0.0f32; types * dim];
        let mut mass = vec![0.0f32; types];
        for (v, k) in &labelled {
            for (t, &share) in k.iter().enumerate().filter(|(_, s)| **s > 0.0) {
                mass[t] += share;
                let row = &mut centroids[t * dim..(t + 1) * dim];
                row.iter_mut().zip(v).for_each(|(c, x)| *c += share * x);
            }
        }
        let usable: Vec<bool> = mass.iter().map(|&m| m >= MIN_EXAMPLES).collect();
        if usable.iter().filter(|u| **u).count() < 2 || dim == 0 {
            return None;
        }
        for (t, row) in centroids.chunks_exact_mut(dim).enumerate() {
            if usable[t] {
                crate::index::normalize(row);
            } else {
                row.iter_mut().for_each(|c| *c = 0.0);
            }
        }
        let mut head = KindHead {
            dim,
            centroids,
            usable,
            temperature: TEMPERATURES[0],
        };
        let step = (labelled.len() / CALIBRATION_ITEMS).max(1);
        let sample: Vec<&(Vec<f32>, &[f32])> = labelled.iter().step_by(step).collect();
        let cosines: Vec<Vec<f32>> = sample.par_iter().map(|(v, _)| head.cosines(v)).collect();
        let mut best = f64::NEG_INFINITY;
        for temperature in TEMPERATURES {
            let ll: f64 = sample
                .iter()
                .zip(&cosines)
                .map(|((_, k), c)| {
                    let p = head.softmax(c, temperature);
                    k.iter()
                        .zip(&p)
                        .filter(|(s, _)| **s > 0.0)
                        .map(|(s, p)| f64::from(*s) * f64::from(p.max(1e-9)).ln())
                        .sum::<f64>()
                })
                .sum();
            if ll > best {
                best = ll;
                head.temperature = temperature;
            }
        }
        Some(head)
    }

    fn cosines(&self, unit: &[f32]) -> Vec<f32> {
        self.centroids
            .chunks_exact(self.dim)
            .map(|c| dot(c, unit))
            .collect()
    }

    fn softmax(&self, cosines: &[f32], temperature: f32) -> Vec<f32> {
        let top = cosines
            .iter()
            .zip(&self.usable)
            .filter(|(_, u)| **u)
            .map(|(c, _)| *c)
            .fold(f32::NEG_INFINITY, f32::max);
        let mut p: Vec<f32> = cosines
            .iter()
            .zip(&self.usable)
            .map(|(c, u)| {
                if *u {
                    ((c - top) / temperature).exp()
                } else {
                    0.0
                }
            })
            .collect();
        let sum: f32 = p.iter().sum();
        p.iter_mut().for_each(|v| *v /= sum.max(f32::MIN_POSITIVE));
        p
    }

    /// The kind of a centred unit embedding (as the index stores them).
    pub fn predict_unit(&self, unit: &[f32]) -> Option<Vec<f32>> {
        (unit.len() == self.dim).then(|| self.softmax(&self.cosines(unit), self.temperature))
    }
}

/// Every item's kind of garment in one catalogue, and the head that predicts one for a photo.
#[derive(Clone, Debug, Default)]
pub struct CatalogueKinds {
    /// One distribution over the garment types per item (`None`: unknown).
    pub kinds: Vec<Option<Vec<f32>>>,
    /// Where each known kind comes from.
    pub sources: Vec<Option<KindSource>>,
    /// The photo head (None without enough described items).
    pub head: Option<KindHead>,
}

impl CatalogueKinds {
    /// Kinds from the descriptions, and from the photos for the items without one.
    pub fn build(shape: &EmbeddingIndex, from_text: &[Option<Vec<f32>>]) -> Self {
        let types = GarmentTypes::curated().len();
        let head = KindHead::fit(shape, from_text, types);
        let n = shape.len();
        let (kinds, sources): (Vec<_>, Vec<_>) = (0..n)
            .into_par_iter()
            .map(|i| {
                if let Some(k) = from_text.get(i).cloned().flatten() {
                    return (Some(k), Some(KindSource::Description));
                }
                let predicted = head
                    .as_ref()
                    .filter(|_| shape.is_present(i))
                    .and_then(|h| h.predict_unit(&shape.vector(i)?));
                let source = predicted.as_ref().map(|p| KindSource::Photo {
                    confidence: p.iter().copied().fold(0.0, f32::max),
                });
                (predicted, source)
            })
            .unzip();
        Self {
            kinds,
            sources,
            head,
        }
    }

    /// Item `i`'s kind.
    pub fn kind(&self, i: usize) -> Option<&[f32]> {
        self.kinds.get(i).and_then(Option::as_deref)
    }

    /// The kind of a photo from its raw embedding (`None` without a head).
    pub fn predict(&self, shape: &EmbeddingIndex, embedding: &[f32]) -> Option<Vec<f32>> {
        let unit = shape.prepare_query(embedding)?;
        self.head.as_ref()?.predict_unit(&unit)
    }
}

/// A kind in words: "dress" (from the description) or "dress (predicted from the photo, 82 %)".
pub fn describe(kind: &[f32], source: KindSource) -> String {
    let types = GarmentTypes::curated();
    let Some((t, p)) = types.top(kind) else {
        return "unknown".to_string();
    };
    match source {
        KindSource::Description => types.name(t).to_string(),
        KindSource::Photo { .. } => format!(
            "{} (predicted from the photo, {:.0} %)",
            types.name(t),
            p * 100.0
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(t: usize, n: usize) -> Option<Vec<f32>> {
        let mut v = vec![0.0; n];
        v[t] = 1.0;
        Some(v)
    }

    #[test]
    fn the_head_predicts_the_type_of_photos_near_its_described_items() {
        let n = GarmentTypes::curated().len();
        // Two clusters of embeddings; the described ones name type 0 or type 3.
        let vectors: Vec<Option<Vec<f32>>> = vec![
            Some(vec![1.0, 0.1, 0.0]),
            Some(vec![0.9, -0.1, 0.1]),
            Some(vec![1.0, 0.0, -0.1]),
            Some(vec![0.0, 1.0, 0.1]),
            Some(vec![0.1, 0.9, 0.0]),
            Some(vec![-0.1, 1.0, 0.0]),
            Some(vec![0.95, 0.05, 0.0]),
            Some(vec![0.05, 0.95, 0.05]),
        ];
        let shape = EmbeddingIndex::centered(&vectors);
        let mut text = vec![
            one_hot(0, n),
            one_hot(0, n),
            one_hot(0, n),
            one_hot(3, n),
            one_hot(3, n),
            one_hot(3, n),
        ];
        text.extend([None, None]);
        let kinds = CatalogueKinds::build(&shape, &text);
        assert_eq!(kinds.sources[0], Some(KindSource::Description));
        for (item, expected) in [(6, 0), (7, 3)] {
            let k = kinds.kind(item).expect("predicted");
            let (t, p) = GarmentTypes::curated().top(k).expect("a type");
            assert_eq!(t, expected);
            assert!(
                matches!(kinds.sources[item], Some(KindSource::Photo { confidence }) if (confidence - p).abs() < 1e-6)
            );
            assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        let photo = kinds.predict(&shape, &[0.0, 1.0, 0.0]).expect("a head");
        assert_eq!(GarmentTypes::curated().top(&photo).map(|x| x.0), Some(3));
        // Without descriptions there is no head and no kind.
        let none = CatalogueKinds::build(&shape, &vec![None; 8]);
        assert!(none.head.is_none() && none.kinds.iter().all(Option::is_none));
    }
}
