//! The description similarity: TF-IDF over each item's description tokens, cosine of the
//! vectors.
//!
//! Tokens come from the same tokenizer as the tags ([`crate::text::tokenize`]), lower-cased;
//! tokens without a letter, one-letter tokens and English stop words are left out. A term
//! weighs `tf × idf` with the smooth `idf = ln((1 + n) / (1 + df)) + 1` the tags use, and each
//! item's vector is L2-normalised. Vectors are sparse; a query is scored against the whole
//! catalogue through an inverted index (term → items), so its cost is the length of the
//! postings of its own terms.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::text::stopwords::is_stop_word;

/// A sparse unit vector: (term, weight) sorted by term.
pub type SparseVector = Vec<(u32, f32)>;

/// The TF-IDF vectors of a catalogue's descriptions.
#[derive(Clone, Debug, Default)]
pub struct TextIndex {
    terms: HashMap<String, u32>,
    idf: Vec<f32>,
    vectors: Vec<SparseVector>,
    /// For each term, the items that have it with their weight.
    postings: Vec<Vec<(u32, f32)>>,
    /// The kind of garment each description names ([`super::kind`]).
    kinds: Vec<Option<Vec<f32>>>,
}

/// The tokens of a text that count for the description similarity.
pub fn terms_of(text: &str) -> Vec<String> {
    crate::text::tokenize(text)
        .into_iter()
        .map(|t| t.to_lowercase())
        .filter(|t| t.chars().count() > 1 && t.chars().any(char::is_alphabetic) && !is_stop_word(t))
        .collect()
}

impl TextIndex {
    /// Builds the index of a catalogue's descriptions (tokenized on all cores).
    pub fn build(descriptions: &[&str]) -> Self {
        let tokens: Vec<Vec<String>> = descriptions.par_iter().map(|d| terms_of(d)).collect();
        let mut terms: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        for doc in &tokens {
            let mut seen: Vec<u32> = doc
                .iter()
                .map(|t| {
                    let next = terms.len() as u32;
                    let id = *terms.entry(t.clone()).or_insert(next);
                    if id as usize == df.len() {
                        df.push(0);
                    }
                    id
                })
                .collect();
            seen.sort_unstable();
            seen.dedup();
            for id in seen {
                df[id as usize] += 1;
            }
        }
        let n = descriptions.len() as f32;
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        let types = super::kind::GarmentTypes::curated();
        let kinds = descriptions
            .par_iter()
            .map(|d| types.kind_of_text(d))
            .collect();
        let mut index = Self {
            terms,
            idf,
            vectors: Vec::new(),
            postings: Vec::new(),
            kinds,
        };
        index.vectors = tokens
            .iter()
            .map(|doc| index.vector_of_terms(doc))
            .collect();
        index.postings = vec![Vec::new(); index.idf.len()];
        for (item, v) in index.vectors.iter().enumerate() {
            for &(t, w) in v {
                index.postings[t as usize].push((item as u32, w));
            }
        }
        index
    }

    /// The unit TF-IDF vector of some terms (terms the catalogue never uses are left out).
    pub fn vector_of_terms<S: AsRef<str>>(&self, doc: &[S]) -> SparseVector {
        let mut tf: HashMap<u32, f32> = HashMap::new();
        for t in doc {
            if let Some(&id) = self.terms.get(t.as_ref()) {
                *tf.entry(id).or_insert(0.0) += 1.0;
            }
        }
        let mut v: SparseVector = tf
            .into_iter()
            .map(|(id, f)| (id, f * self.idf[id as usize]))
            .collect();
        v.sort_unstable_by_key(|(id, _)| *id);
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        v
    }

    /// The unit TF-IDF vector of a text.
    pub fn vector_of_text(&self, text: &str) -> SparseVector {
        self.vector_of_terms(&terms_of(text))
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// True when the index has no items.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The kind of garment each item's description names (`None` where it names none).
    pub fn kinds(&self) -> &[Option<Vec<f32>>] {
        &self.kinds
    }

    /// Number of distinct terms.
    pub fn term_count(&self) -> usize {
        self.idf.len()
    }

    /// The vector of an item (empty when it has no description).
    pub fn vector(&self, item: usize) -> &[(u32, f32)] {
        self.vectors.get(item).map_or(&[], Vec::as_slice)
    }

    /// Cosine similarity of the query with every item (0 for items sharing no term).
    pub fn scores(&self, query: &[(u32, f32)]) -> Vec<f32> {
        let mut out = vec![0.0f32; self.vectors.len()];
        for &(t, wq) in query {
            for &(item, w) in self.postings.get(t as usize).map_or(&[][..], Vec::as_slice) {
                out[item as usize] += wq * w;
            }
        }
        out
    }
}

/// Cosine similarity of two sparse unit vectors (sorted by term).
pub fn sparse_dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_rare_words_make_descriptions_similar() {
        let index = TextIndex::build(&[
            "A red wool dress with long sleeves.",
            "A red cotton dress, short sleeves.",
            "Blue denim jeans with a slim leg.",
            "",
        ]);
        let s = index.scores(index.vector(0));
        assert!((s[0] - 1.0).abs() < 1e-5);
        assert!(s[1] > s[2] && s[2] == 0.0 && s[3] == 0.0);
        assert!((sparse_dot(index.vector(0), index.vector(1)) - s[1]).abs() < 1e-6);
        // Stop words and punctuation are not terms; unknown words are ignored.
        assert!(terms_of("A, the: and").is_empty());
        assert!(index.vector_of_text("zebra").is_empty());
        assert_eq!(index.vector_of_terms(&["dress"]).len(), 1);
    }
}
