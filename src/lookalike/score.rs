//! The combined lookalike score: three similarities, each normalised on the catalogue, summed
//! with the user's weights.
//!
//! **Normalisation.** Each similarity is z-scored with the mean and standard deviation of its
//! values over [`NORMALISATION_PAIRS`] random pairs of catalogue items (a fixed seed, so a
//! catalogue always gets the same figures): a shape part of 2 means "two standard deviations
//! more alike than two random items of this catalogue", whatever the catalogue, and so do the
//! colour and text parts. A similarity that does not vary on the catalogue (no descriptions)
//! is off: its part is 0.
//!
//! **Combination.** `score = w_shape·shape + w_colour·colour + w_text·text`, the parts being
//! the z-scores. The window, `vitrine similar` and `vitrine export lookalikes` all score
//! through [`MatchIndex`].

use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::colour::{CatalogueColours, DESCRIPTOR_LEN};
use super::text::{sparse_dot, SparseVector, TextIndex};
use crate::index::EmbeddingIndex;

/// Random item pairs the normalisation is measured on.
pub const NORMALISATION_PAIRS: usize = 20_000;
const SEED: u64 = 0x5eed_100c;

/// How much each similarity counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// The image embedding (shape and style).
    pub shape: f32,
    /// The garment's colours.
    pub colour: f32,
    /// The description.
    pub text: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Preset::Balanced.weights()
    }
}

/// The Match presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Preset {
    /// Shape, colour and description together (weights chosen on data, see docs/lookalikes.md).
    Balanced,
    /// The image embedding alone.
    SameShape,
    /// Colour first, shape to break ties.
    SameColour,
    /// Description first, shape to break ties.
    SimilarDescription,
}

impl Preset {
    /// Every preset, in the order the window shows them.
    pub const ALL: [Preset; 4] = [
        Preset::Balanced,
        Preset::SameShape,
        Preset::SameColour,
        Preset::SimilarDescription,
    ];

    /// The preset's weights.
    pub fn weights(self) -> Weights {
        let (shape, colour, text) = match self {
            Preset::Balanced => (1.0, 0.3, 1.0),
            Preset::SameShape => (1.0, 0.0, 0.0),
            Preset::SameColour => (0.25, 1.0, 0.0),
            Preset::SimilarDescription => (0.2, 0.0, 1.0),
        };
        Weights {
            shape,
            colour,
            text,
        }
    }

    /// Its name in the window.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Balanced => "Balanced",
            Preset::SameShape => "Same shape",
            Preset::SameColour => "Same colour",
            Preset::SimilarDescription => "Similar description",
        }
    }

    /// Its name on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Preset::Balanced => "balanced",
            Preset::SameShape => "shape",
            Preset::SameColour => "colour",
            Preset::SimilarDescription => "description",
        }
    }

    /// The preset named `name` (its key or label, any case; "color" works too).
    pub fn parse(name: &str) -> Option<Preset> {
        let n = name.trim().to_lowercase().replace(['-', '_'], " ");
        Preset::ALL.into_iter().find(|p| {
            n == p.key()
                || n == p.label().to_lowercase()
                || (n == "color" || n == "same color") && *p == Preset::SameColour
        })
    }
}

/// Mean and standard deviation of one similarity over random pairs; `None` when it does not
/// vary (the term is off).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TermStats {
    /// Mean similarity of two random items.
    pub mean: f32,
    /// Standard deviation (positive).
    pub std: f32,
}

impl TermStats {
    fn of(values: &[f32]) -> Option<TermStats> {
        if values.len() < 2 {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0);
        let std = var.sqrt();
        (std > 1e-6).then_some(TermStats {
            mean: mean as f32,
            std: std as f32,
        })
    }

    /// The z-score of a similarity.
    pub fn z(&self, similarity: f32) -> f32 {
        (similarity - self.mean) / self.std
    }
}

/// The normalisation of the three similarities on one catalogue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Normalisation {
    /// Shape similarity on the catalogue.
    pub shape: Option<TermStats>,
    /// Colour similarity.
    pub colour: Option<TermStats>,
    /// Description similarity.
    pub text: Option<TermStats>,
}

/// What a lookalike query is about.
#[derive(Clone, Debug)]
pub enum Query {
    /// A catalogue item (it is never its own lookalike).
    Item(usize),
    /// A photo from outside the catalogue.
    Photo {
        /// Its raw embedding by the same network as the catalogue's.
        embedding: Vec<f32>,
        /// Its colour descriptor.
        colour: Option<Vec<f32>>,
        /// Its predicted tags as a TF-IDF vector (None: the description term is off).
        text: Option<SparseVector>,
    },
}

/// One lookalike with its combined score and the normalised similarities it sums.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The catalogue item.
    pub index: usize,
    /// `w_shape·shape + w_colour·colour + w_text·text`.
    pub score: f32,
    /// Normalised shape similarity.
    pub shape: f32,
    /// Normalised colour similarity.
    pub colour: f32,
    /// Normalised description similarity.
    pub text: f32,
}

impl Weights {
    /// The combined score of three normalised similarities.
    pub fn combine(&self, shape: f32, colour: f32, text: f32) -> f32 {
        self.shape * shape + self.colour * colour + self.text * text
    }
}

/// Everything lookalikes are scored with: the embeddings, colours and descriptions of one
/// catalogue, and their normalisation.
#[derive(Clone, Debug)]
pub struct MatchIndex {
    /// The image embeddings (the network in use), shared with the worker and the window.
    pub shape: Arc<EmbeddingIndex>,
    /// Colour descriptors (None until computed).
    pub colours: Option<Arc<CatalogueColours>>,
    /// Description vectors.
    pub text: Arc<TextIndex>,
    /// The normalisation measured on this catalogue.
    pub norm: Normalisation,
}

/// The normalised similarities of one query with every item.
#[derive(Clone, Debug, Default)]
pub struct QueryScores {
    /// Normalised shape similarity per item (0 where off).
    pub shape: Vec<f32>,
    /// Normalised colour similarity per item.
    pub colour: Vec<f32>,
    /// Normalised description similarity per item.
    pub text: Vec<f32>,
    /// Items that can be returned (a vector, and not the query item).
    pub eligible: Vec<bool>,
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Z-scores `raw` in place with `stats`, or zeroes it when the term is off.
fn normalise_in_place(raw: &mut [f32], stats: Option<TermStats>) {
    match stats {
        Some(s) => raw.iter_mut().for_each(|v| *v = s.z(*v)),
        None => raw.iter_mut().for_each(|v| *v = 0.0),
    }
}

impl MatchIndex {
    /// Builds the index and measures its normalisation.
    pub fn new(
        shape: Arc<EmbeddingIndex>,
        colours: Option<Arc<CatalogueColours>>,
        text: Arc<TextIndex>,
    ) -> Self {
        let mut index = Self {
            shape,
            colours,
            text,
            norm: Normalisation::default(),
        };
        index.norm = index.measure_normalisation();
        index
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.shape.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.shape.is_empty()
    }

    fn colour_of(&self, item: usize) -> Option<&[f32]> {
        let colours = self.colours.as_ref()?;
        colours
            .present
            .get(item)
            .copied()
            .unwrap_or(false)
            .then(|| colours.descriptor(item))
            .flatten()
    }

    fn measure_normalisation(&self) -> Normalisation {
        let items: Vec<usize> = (0..self.len())
            .filter(|&i| self.shape.is_present(i))
            .collect();
        if items.len() < 2 {
            return Normalisation::default();
        }
        let mut rng = StdRng::seed_from_u64(SEED);
        let all_pairs = items.len() * (items.len() - 1) / 2;
        let count = NORMALISATION_PAIRS.min(all_pairs);
        let mut shape = Vec::with_capacity(count);
        let mut colour = Vec::with_capacity(count);
        let mut text = Vec::with_capacity(count);
        while shape.len() < count {
            let i = items[rng.random_range(0..items.len())];
            let j = items[rng.random_range(0..items.len())];
            if i == j {
                continue;
            }
            if let (Some(a), Some(b)) = (self.shape.vector(i), self.shape.vector(j)) {
                shape.push(dot(&a, &b));
            }
            if let (Some(a), Some(b)) = (self.colour_of(i), self.colour_of(j)) {
                colour.push(dot(a, b));
            }
            text.push(sparse_dot(self.text.vector(i), self.text.vector(j)));
        }
        Normalisation {
            shape: TermStats::of(&shape),
            colour: TermStats::of(&colour),
            text: TermStats::of(&text),
        }
    }

    /// The normalised similarities of `query` with every item.
    pub fn scores(&self, query: &Query) -> QueryScores {
        let n = self.len();
        let (mut shape, colour_q, text_q, exclude) = match query {
            Query::Item(i) => (
                self.shape.item_scores(*i),
                self.colour_of(*i).map(<[f32]>::to_vec),
                Some(self.text.vector(*i).to_vec()),
                Some(*i),
            ),
            Query::Photo {
                embedding,
                colour,
                text,
            } => {
                let colour = match (colour, &self.colours) {
                    (Some(c), Some(cat)) => Some(cat.centre(c.clone())),
                    _ => None,
                };
                (
                    self.shape.scores_or_zero(embedding),
                    colour,
                    text.clone(),
                    None,
                )
            }
        };
        shape.resize(n, 0.0);
        normalise_in_place(&mut shape, self.norm.shape);
        let mut colour = vec![0.0f32; n];
        if let (Some(q), Some(c)) = (
            colour_q.filter(|q| q.len() == DESCRIPTOR_LEN),
            &self.colours,
        ) {
            if let Some(stats) = self.norm.colour {
                for (i, out) in colour.iter_mut().enumerate() {
                    if c.present.get(i).copied().unwrap_or(false) {
                        *out = c.descriptor(i).map_or(0.0, |d| stats.z(dot(&q, d)));
                    }
                }
            }
        }
        let mut text = match text_q.filter(|t| !t.is_empty()) {
            Some(q) => self.text.scores(&q),
            None => vec![0.0; n],
        };
        text.resize(n, 0.0);
        // A query without text switches the term off rather than calling everything unlike.
        if query_has_text(query, &self.text) {
            normalise_in_place(&mut text, self.norm.text);
        } else {
            text.iter_mut().for_each(|v| *v = 0.0);
        }
        let eligible = (0..n)
            .map(|i| self.shape.is_present(i) && Some(i) != exclude)
            .collect();
        QueryScores {
            shape,
            colour,
            text,
            eligible,
        }
    }

    /// The `k` best lookalikes of `query` with these weights.
    pub fn lookalikes(&self, query: &Query, weights: &Weights, k: usize) -> Vec<Match> {
        self.scores(query).top(weights, k)
    }
}

fn query_has_text(query: &Query, text: &TextIndex) -> bool {
    match query {
        Query::Item(i) => !text.vector(*i).is_empty(),
        Query::Photo { text, .. } => text.as_ref().is_some_and(|t| !t.is_empty()),
    }
}

impl QueryScores {
    /// The `k` items with the highest combined score, best first; ties go to the lower index.
    pub fn top(&self, weights: &Weights, k: usize) -> Vec<Match> {
        let mut best: Vec<Match> = Vec::with_capacity(k + 1);
        if k == 0 {
            return best;
        }
        for (index, ok) in self.eligible.iter().enumerate() {
            if !ok {
                continue;
            }
            let (shape, colour, text) = (self.shape[index], self.colour[index], self.text[index]);
            let score = weights.combine(shape, colour, text);
            if best.len() == k && best.last().is_some_and(|w| score <= w.score) {
                continue;
            }
            let at = best.partition_point(|m| m.score >= score);
            best.insert(
                at,
                Match {
                    index,
                    score,
                    shape,
                    colour,
                    text,
                },
            );
            best.truncate(k);
        }
        best
    }
}
