//! How good lookalikes are: the share of an item's five lookalikes that share its category
//! (P@5 same category) or its colour (P@5 same colour), or any labelled attribute; the search
//! for weights is [`super::fit`].
//!
//! **Colour labels.** An item's colour is the *first* colour word of its description
//! ([`colour_label`]): descriptions name the main colour first ("Grey sweat shorts … white
//! drawstring" is grey). Words are matched after splitting on hyphens ("mid-blue" is blue,
//! "off-white" is white) and grouped into eleven families ([`COLOUR_FAMILIES`]: navy counts as
//! blue, burgundy as red, charcoal as grey, and so on). Items without a colour word are not
//! asked about; as lookalikes they count as a different colour.

use super::score::{QueryScores, Weights};

/// Colour families and the words that name them.
pub const COLOUR_FAMILIES: [(&str, &[&str]); 11] = [
    ("black", &["black", "jet", "ebony"]),
    ("white", &["white", "ivory", "snow"]),
    (
        "grey",
        &["grey", "gray", "charcoal", "silver", "slate", "marl"],
    ),
    (
        "red",
        &[
            "red", "burgundy", "maroon", "wine", "crimson", "scarlet", "cherry", "oxblood",
        ],
    ),
    (
        "pink",
        &["pink", "rose", "blush", "fuchsia", "magenta", "salmon"],
    ),
    (
        "orange",
        &["orange", "rust", "coral", "peach", "apricot", "terracotta"],
    ),
    (
        "yellow",
        &["yellow", "mustard", "gold", "golden", "lemon", "ochre"],
    ),
    (
        "green",
        &[
            "green", "olive", "mint", "emerald", "sage", "lime", "teal", "forest",
        ],
    ),
    (
        "blue",
        &[
            "blue",
            "navy",
            "cobalt",
            "indigo",
            "turquoise",
            "aqua",
            "denim-blue",
            "sky",
        ],
    ),
    (
        "purple",
        &[
            "purple",
            "violet",
            "lilac",
            "lavender",
            "plum",
            "mauve",
            "aubergine",
        ],
    ),
    (
        "brown",
        &[
            "brown",
            "tan",
            "camel",
            "chocolate",
            "beige",
            "taupe",
            "khaki",
            "cream",
            "sand",
            "stone",
            "nude",
            "caramel",
            "cognac",
        ],
    ),
];

/// The colour family of a description: that of its first colour word (see the module docs).
pub fn colour_label(description: &str) -> Option<&'static str> {
    for token in crate::text::tokenize(description) {
        for word in token.to_lowercase().split('-') {
            for (family, words) in COLOUR_FAMILIES {
                if words.contains(&word) {
                    return Some(family);
                }
            }
        }
    }
    None
}

/// The column name that stands for the colour named by each item's description.
pub const DESCRIPTION_COLOUR: &str = "description-colour";

/// Every item's label for an attribute: the value of `column` (trimmed, lower-case; `None`
/// where empty), or with [`DESCRIPTION_COLOUR`] the colour family the description names
/// first (unless the catalogue has a column of that name).
pub fn attribute_labels(
    catalogue: &crate::catalogue::Catalogue,
    column: &str,
) -> Vec<Option<String>> {
    let has_column = catalogue
        .items
        .iter()
        .any(|i| i.attributes.contains_key(column));
    catalogue
        .items
        .iter()
        .map(|i| {
            if column == DESCRIPTION_COLOUR && !has_column {
                return colour_label(&i.description).map(str::to_string);
            }
            i.attributes
                .get(column)
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
        })
        .collect()
}

/// Mean share of the lookalikes with the query's label, over the queries that have a label.
/// `lookalikes[i]` are item `i`'s lookalikes; `None` when no query has a label.
pub fn precision(lookalikes: &[Vec<usize>], labels: &[Option<String>]) -> Option<f64> {
    let mut sum = 0.0;
    let mut queries = 0usize;
    for (i, found) in lookalikes.iter().enumerate() {
        let Some(Some(label)) = labels.get(i) else {
            continue;
        };
        if found.is_empty() {
            continue;
        }
        let same = found
            .iter()
            .filter(|&&j| labels.get(j).and_then(Option::as_ref) == Some(label))
            .count();
        sum += same as f64 / found.len() as f64;
        queries += 1;
    }
    (queries > 0).then(|| sum / queries as f64)
}

/// The precomputed scores of every item of one catalogue against all others, to try many
/// weights quickly.
pub struct ScoredCatalogue {
    /// Name, for reports.
    pub name: String,
    /// One [`QueryScores`] per item.
    pub scores: Vec<QueryScores>,
    /// Labels to measure, by name ("category", "colour").
    pub labels: Vec<(String, Vec<Option<String>>)>,
}

impl ScoredCatalogue {
    /// Each item's `k` lookalikes with these weights, for the items in `queries`.
    pub fn lookalikes(&self, weights: &Weights, k: usize, queries: &[usize]) -> Vec<Vec<usize>> {
        use rayon::prelude::*;
        let mut out = vec![Vec::new(); self.scores.len()];
        let found: Vec<(usize, Vec<usize>)> = queries
            .par_iter()
            .map(|&q| {
                let top = self.scores[q].top(weights, k);
                (q, top.iter().map(|m| m.index).collect())
            })
            .collect();
        for (q, f) in found {
            out[q] = f;
        }
        out
    }

    /// P@k for every label, on the items in `queries`.
    pub fn precisions(&self, weights: &Weights, k: usize, queries: &[usize]) -> Vec<(String, f64)> {
        let found = self.lookalikes(weights, k, queries);
        self.labels
            .iter()
            .filter_map(|(name, labels)| {
                precision(&found, labels).map(|p| (format!("{} {name}", self.name), p))
            })
            .collect()
    }
}

impl ScoredCatalogue {
    /// For every label, each query's share of lookalikes with its label (`None` for queries
    /// without a label), with these weights.
    pub fn hits(&self, weights: &Weights, k: usize) -> Vec<Vec<Option<f64>>> {
        let all: Vec<usize> = (0..self.scores.len()).collect();
        let found = self.lookalikes(weights, k, &all);
        self.labels
            .iter()
            .map(|(_, labels)| {
                found
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let label = labels.get(i)?.as_ref()?;
                        if f.is_empty() {
                            return None;
                        }
                        let same = f
                            .iter()
                            .filter(|&&j| labels.get(j).and_then(Option::as_ref) == Some(label))
                            .count();
                        Some(same as f64 / f.len() as f64)
                    })
                    .collect()
            })
            .collect()
    }
}

/// Mean of the values of the queries in `queries` that have one.
pub fn mean_over(hits: &[Option<f64>], queries: &[usize]) -> Option<f64> {
    let v: Vec<f64> = queries
        .iter()
        .filter_map(|&q| hits.get(q).copied().flatten())
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_colour_word_names_the_colour() {
        assert_eq!(
            colour_label("Grey sweat shorts with a white drawstring."),
            Some("grey")
        );
        assert_eq!(
            colour_label("These mid-blue jeans are distressed."),
            Some("blue")
        );
        assert_eq!(colour_label("A navy blazer."), Some("blue"));
        assert_eq!(colour_label("An off-white blouse."), Some("white"));
        assert_eq!(
            colour_label("A burgundy and pink checked dress."),
            Some("red")
        );
        assert_eq!(colour_label("A loose linen shirt."), None);
    }

    #[test]
    fn precision_counts_shared_labels_of_labelled_queries() {
        let labels: Vec<Option<String>> =
            vec![Some("a".into()), Some("a".into()), Some("b".into()), None];
        let found = vec![vec![1, 2], vec![0, 3], vec![0, 1], vec![0, 1]];
        // Item 0: 1 of 2; item 1: 1 of 2; item 2: 0 of 2; item 3 has no label.
        let p = precision(&found, &labels).expect("labelled queries");
        assert!((p - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(precision(&found, &[None, None, None, None]), None);
    }
}
