//! The kind of garment: which garment types a description names (a curated list of words in
//! `assets/vocab/garment-types.txt`, with plurals, synonyms and a table of related types), and
//! how alike two items' kinds are.
//!
//! **From text.** A description's tokens are read in order; a token that names a type counts
//! unless the next token names a garment part ("cap sleeves", "shirt collar") or another
//! garment ("shirt dress" is a dress). The first type named weighs 1 and each later one ½, and
//! the weights are scaled to sum to 1: an item's kind is a distribution over the types.
//!
//! **Similarity.** `kind(a, b) = Σ a_t · b_u · R(t, u)` with `R` 1 for the same type,
//! [`RELATED_CREDIT`] for related types and 0 otherwise; two items naming one same type score
//! 1, related types ½, different ones 0. A predicted kind (a distribution from the photo, see
//! [`super::kind_head`]) plugs into the same formula.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Credit for two related types (t-shirt and top, jumper and cardigan…).
pub const RELATED_CREDIT: f32 = 0.5;
/// Weight of each type named after the first, before scaling.
const LATER_MENTION: f32 = 0.5;

/// The curated garment types, as shipped.
const CURATED: &str = include_str!("../../assets/vocab/garment-types.txt");

/// Garment types, the words that name them and the related pairs.
#[derive(Clone, Debug)]
pub struct GarmentTypes {
    names: Vec<String>,
    words: HashMap<String, usize>,
    parts: HashSet<String>,
    /// `R`, row-major, `len × len`.
    credit: Vec<f32>,
}

/// Why a garment-type list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KindListError {
    /// A line the format does not allow.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

impl GarmentTypes {
    /// The curated list shipped with vitrine.
    pub fn curated() -> &'static GarmentTypes {
        static TYPES: OnceLock<GarmentTypes> = OnceLock::new();
        TYPES.get_or_init(|| match GarmentTypes::parse(CURATED) {
            Ok(types) => types,
            Err(e) => {
                // The file is part of the build and checked by a test.
                log::error!("the curated garment types are malformed: {e}");
                GarmentTypes {
                    names: Vec::new(),
                    words: HashMap::new(),
                    parts: HashSet::new(),
                    credit: Vec::new(),
                }
            }
        })
    }

    /// Reads a list in the format of `assets/vocab/garment-types.txt`.
    pub fn parse(text: &str) -> Result<GarmentTypes, KindListError> {
        let mut names: Vec<String> = Vec::new();
        let mut words = HashMap::new();
        let mut parts = HashSet::new();
        let mut related: Vec<(usize, usize)> = Vec::new();
        for (at, line) in text.lines().enumerate() {
            let err = |message: String| KindListError::Line {
                line: at + 1,
                message,
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace().map(str::to_lowercase);
            let keyword = fields.next().unwrap_or_default();
            let rest: Vec<String> = fields.collect();
            match keyword.as_str() {
                "type" => {
                    let Some(name) = rest.first() else {
                        return Err(err("a type line needs a name".into()));
                    };
                    if names.contains(name) {
                        return Err(err(format!("the type '{name}' is listed twice")));
                    }
                    let id = names.len();
                    names.push(name.clone());
                    for w in &rest {
                        if let Some(&other) = words.get(w).filter(|&&o| o != id) {
                            return Err(err(format!(
                                "'{w}' already names the type '{}'",
                                names[other]
                            )));
                        }
                        words.insert(w.clone(), id);
                    }
                }
                "related" => {
                    let [a, b] = rest.as_slice() else {
                        return Err(err("a related line names two types".into()));
                    };
                    let find = |n: &String| {
                        names
                            .iter()
                            .position(|x| x == n)
                            .ok_or_else(|| err(format!("unknown type '{n}'")))
                    };
                    related.push((find(a)?, find(b)?));
                }
                "part" => parts.extend(rest),
                other => return Err(err(format!("unknown keyword '{other}'"))),
            }
        }
        let n = names.len();
        let mut credit = vec![0.0; n * n];
        for t in 0..n {
            credit[t * n + t] = 1.0;
        }
        for (a, b) in related {
            credit[a * n + b] = RELATED_CREDIT;
            credit[b * n + a] = RELATED_CREDIT;
        }
        Ok(GarmentTypes {
            names,
            words,
            parts,
            credit,
        })
    }

    /// Number of types.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when the list has no type.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of type `t`.
    pub fn name(&self, t: usize) -> &str {
        self.names.get(t).map_or("", String::as_str)
    }

    /// The type a word names (any case), if any.
    pub fn type_of_word(&self, word: &str) -> Option<usize> {
        self.words.get(&word.to_lowercase()).copied()
    }

    /// The credit of types `t` and `u` (1 same, [`RELATED_CREDIT`] related, else 0).
    pub fn credit(&self, t: usize, u: usize) -> f32 {
        let n = self.len();
        if t < n && u < n {
            self.credit[t * n + u]
        } else {
            0.0
        }
    }

    /// The credit matrix `R`, row-major.
    pub fn credit_matrix(&self) -> &[f32] {
        &self.credit
    }

    /// The types a text names, in the order first named (see the module docs).
    pub fn types_in(&self, text: &str) -> Vec<usize> {
        let tokens: Vec<String> = crate::text::tokenize(text)
            .into_iter()
            .map(|t| t.to_lowercase())
            .collect();
        let mut found = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let Some(t) = self.words.get(token).copied() else {
                continue;
            };
            let next = tokens.get(i + 1).map(String::as_str).unwrap_or("");
            if self.parts.contains(next) || self.words.contains_key(next) {
                continue;
            }
            if !found.contains(&t) {
                found.push(t);
            }
        }
        found
    }

    /// The kind a text names as a distribution over the types (`None` when it names none).
    pub fn kind_of_text(&self, text: &str) -> Option<Vec<f32>> {
        let found = self.types_in(text);
        if found.is_empty() {
            return None;
        }
        let mut dist = vec![0.0f32; self.len()];
        for (k, t) in found.iter().enumerate() {
            dist[*t] = if k == 0 { 1.0 } else { LATER_MENTION };
        }
        let sum: f32 = dist.iter().sum();
        dist.iter_mut().for_each(|v| *v /= sum);
        Some(dist)
    }

    /// How alike two kinds are: `aᵀ R b`.
    pub fn similarity(&self, a: &[f32], b: &[f32]) -> f32 {
        let n = self.len();
        if a.len() != n || b.len() != n {
            return 0.0;
        }
        let mut sum = 0.0;
        for (t, &at) in a.iter().enumerate().filter(|(_, v)| **v > 0.0) {
            let row = &self.credit[t * n..(t + 1) * n];
            sum += at * row.iter().zip(b).map(|(r, bu)| r * bu).sum::<f32>();
        }
        sum
    }

    /// The most likely type of a kind and its probability.
    pub fn top(&self, kind: &[f32]) -> Option<(usize, f32)> {
        kind.iter()
            .copied()
            .enumerate()
            .filter(|(_, p)| *p > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(text: &str) -> Vec<String> {
        let types = GarmentTypes::curated();
        types
            .types_in(text)
            .into_iter()
            .map(|t| types.name(t).to_string())
            .collect()
    }

    #[test]
    fn the_curated_list_reads_and_is_not_empty() {
        let types = GarmentTypes::parse(CURATED).expect("curated list");
        assert!(types.len() >= 25, "{} types", types.len());
        assert_eq!(
            types.name(types.type_of_word("Jumper").expect("jumper")),
            "jumper"
        );
    }

    #[test]
    fn plurals_and_synonyms_name_one_type() {
        let types = GarmentTypes::curated();
        for (a, b) in [
            ("jumper", "sweater"),
            ("jumpers", "sweaters"),
            ("trousers", "pants"),
            ("t-shirt", "tee"),
            ("t-shirts", "tees"),
            ("dress", "dresses"),
            ("trainers", "sneakers"),
        ] {
            assert_eq!(types.type_of_word(a), types.type_of_word(b), "{a} / {b}");
            assert!(types.type_of_word(a).is_some());
        }
        assert_eq!(types.type_of_word("drawstring"), None);
    }

    #[test]
    fn the_garment_a_description_names_is_found() {
        assert_eq!(
            named("Grey sweat shorts with an elastic waist and white drawstring."),
            ["shorts"]
        );
        assert_eq!(
            named("These mid-blue JEANS are heavily distressed."),
            ["jeans"]
        );
        assert_eq!(
            named("Long-sleeved knit sweater with a zigzag pattern."),
            ["jumper"]
        );
        // A garment word before a part or another garment describes it.
        assert_eq!(
            named("Bottle green dress with short cap sleeves."),
            ["dress"]
        );
        assert_eq!(
            named("A striped shirt dress with a shirt collar."),
            ["dress"]
        );
        assert_eq!(
            named("Black T-Shirts, worn under a denim jacket."),
            ["t-shirt", "jacket"]
        );
        assert!(named("A plain piece of fabric.").is_empty());
    }

    #[test]
    fn kinds_score_same_related_and_different_types() {
        let types = GarmentTypes::curated();
        let kind = |t: &str| types.kind_of_text(t).expect("a kind");
        let jumper = kind("a wool jumper");
        assert!((types.similarity(&jumper, &kind("a sweater")) - 1.0).abs() < 1e-6);
        let cardigan = kind("a cardigan");
        assert!((types.similarity(&jumper, &cardigan) - RELATED_CREDIT).abs() < 1e-6);
        assert_eq!(types.similarity(&jumper, &kind("a skirt")), 0.0);
        // The first type named weighs twice each later one.
        let mixed = kind("a t-shirt under a jacket");
        let t = types.type_of_word("t-shirt").expect("t-shirt");
        assert!((mixed[t] - 2.0 / 3.0).abs() < 1e-6);
        assert!((mixed.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(types.kind_of_text("nothing to wear"), None);
    }

    #[test]
    fn malformed_lists_are_refused_with_the_line() {
        let e = GarmentTypes::parse("type a a\nrelated a b").expect_err("unknown b");
        assert!(e.to_string().starts_with("line 2"), "{e}");
        assert!(GarmentTypes::parse("type a x\ntype b x").is_err());
        assert!(GarmentTypes::parse("colour red").is_err());
    }
}
