//! Part-of-speech tagging with an averaged perceptron, reproducing textblob-aptagger's
//! `PerceptronTagger` exactly: the same model (converted from `trontagger-0.1.0.pickle` by
//! `scripts/convert_pos_model.py`, MIT licence in `assets/pos/LICENSE`), the same features,
//! the same tag dictionary shortcut and the same arithmetic and tie-breaking.
//!
//! Exactness notes:
//! - the model's weights are multiples of 0.001, stored as integer thousandths; divided by
//!   1000 in `f64` they are the very doubles Python holds;
//! - Python adds a label's weights in the order the features were added (a fixed template
//!   order), starting from 0.0; so does [`PosTagger`], so every score is bit-identical;
//! - the winner is the maximum of `(score, label)`: equal scores go to the label that sorts last.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use rustc_hash::FxBuildHasher;

pub use self::model::PosModelError;
use self::model::EMBEDDED_MODEL;
use super::chars::{py_digit, py_lower};
use super::tokenize::tokenize_sentences;

mod model;

/// A string-keyed map with the fast hasher.
type FastMap<V> = HashMap<Box<str>, V, FxBuildHasher>;

/// The tag before a word: a class, or one of the sentence-start markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prev {
    Start,
    Start2,
    Class(u8),
}

/// The previous two tags (`prev`, `prev2`) before the first word of a text.
pub(crate) const START: (Prev, Prev) = (Prev::Start, Prev::Start2);

/// An averaged-perceptron part-of-speech tagger producing Penn Treebank tags.
///
/// ```
/// use vitrine::text::PosTagger;
/// let tags = PosTagger::embedded().tag(&["A", "red", "dress", "."]);
/// assert_eq!(tags, ["DT", "JJ", "NN", "."]);
/// ```
///
/// The model's 14 feature templates are regrouped at load time so that tagging needs few
/// lookups: the tag-only templates become tables indexed by tag, and all templates keyed by a
/// context word (or its suffix) share one map entry per word (or suffix).
pub struct PosTagger {
    /// Tag names, sorted; a class id indexes this.
    classes: Vec<String>,
    /// Frequent unambiguous words (exact spelling) and their class.
    tagdict: FastMap<u8>,
    /// `bias`.
    bias: Option<Row>,
    /// `i pref1`, by the word's first character.
    prefixes: FastMap<Row>,
    /// `i-1 tag`, by previous-tag index (see [`PosTagger::prev_index`]).
    prev_tag: Vec<Option<Row>>,
    /// `i-2 tag`, by previous-tag index.
    prev2_tag: Vec<Option<Row>>,
    /// `i tag+i-2 tag`, by `prev * n_prev + prev2`.
    tag_pair: Vec<Option<Row>>,
    /// The templates keyed by a normalised context word.
    words: FastMap<WordRows>,
    /// The templates keyed by the last three characters of a word.
    suffixes: FastMap<SuffixRows>,
    /// Number of features (weight rows) in the model.
    rows: usize,
    /// The weights of all rows, a row being a contiguous range: class ids and values.
    weight_class: Vec<u8>,
    weight_value: Vec<f64>,
}

/// The weights of one feature: a range of the weight arrays.
#[derive(Clone, Copy, Debug)]
struct Row {
    start: u32,
    end: u32,
}

/// Weight rows of the features keyed by one normalised word.
#[derive(Default)]
struct WordRows {
    /// `i word`, `i-1 word`, `i-2 word`, `i+1 word`, `i+2 word`.
    at: [Option<Row>; 5],
    /// `i-1 tag+i word`: (previous-tag index, row).
    after_tag: Vec<(u16, Row)>,
}

/// Weight rows of the features keyed by a three-character suffix.
#[derive(Default)]
struct SuffixRows {
    /// `i suffix` (of the word itself, not normalised).
    own: Option<Row>,
    /// `i-1 suffix` (of the normalised previous word).
    prev: Option<Row>,
    /// `i+1 suffix` (of the normalised next word).
    next: Option<Row>,
}

impl std::fmt::Debug for PosTagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PosTagger")
            .field("classes", &self.classes.len())
            .field("tagdict", &self.tagdict.len())
            .field("rows", &self.rows)
            .field("weights", &self.weight_value.len())
            .finish()
    }
}

impl PosTagger {
    /// The tagger with the embedded model, loaded on first use and shared afterwards.
    pub fn embedded() -> &'static PosTagger {
        static TAGGER: OnceLock<PosTagger> = OnceLock::new();
        TAGGER.get_or_init(|| {
            // The model is compiled into the binary and checked by the tests, so failing to
            // read it is a build defect, not something input can cause.
            PosTagger::from_bytes(EMBEDDED_MODEL)
                .expect("the embedded part-of-speech model is valid")
        })
    }

    /// The tag set (Penn Treebank tags and punctuation classes), sorted.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Tags one sentence of tokens, as the reference does for a text of one sentence: every
    /// token gets one Penn Treebank tag.
    pub fn tag<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<String> {
        let mut state = START;
        let mut ids = Vec::with_capacity(tokens.len());
        self.tag_sentence_ids(tokens, &mut state, &mut ids);
        ids.into_iter()
            .map(|id| self.class_name(id).to_owned())
            .collect()
    }

    /// Tags consecutive sentences of one text. As in the reference, the tags of the last two
    /// words of a sentence are the "previous tags" of the first words of the next one.
    pub fn tag_sentences<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<String>> {
        let mut state = START;
        let mut ids = Vec::new();
        sentences
            .iter()
            .map(|sentence| {
                ids.clear();
                self.tag_sentence_ids(sentence, &mut state, &mut ids);
                ids.iter()
                    .map(|&id| self.class_name(id).to_owned())
                    .collect()
            })
            .collect()
    }

    /// Tokenizes and tags a text: the reference's `PerceptronTagger().tag(text)`.
    pub fn tag_text(&self, text: &str) -> Vec<(String, String)> {
        let sentences = tokenize_sentences(text);
        let tags = self.tag_sentences(&sentences);
        sentences
            .into_iter()
            .flatten()
            .zip(tags.into_iter().flatten())
            .collect()
    }

    /// The tag name of a class id.
    pub(crate) fn class_name(&self, id: u8) -> &str {
        &self.classes[usize::from(id)]
    }

    /// Number of possible previous tags: the classes and the two start markers.
    fn n_prev(&self) -> usize {
        self.classes.len() + 2
    }

    /// The index of a previous tag in the tag-indexed tables.
    fn prev_index(&self, prev: Prev) -> usize {
        match prev {
            Prev::Class(id) => usize::from(id),
            Prev::Start => self.classes.len(),
            Prev::Start2 => self.classes.len() + 1,
        }
    }

    /// Tags one sentence, appending class ids to `out`; `state` holds the previous two tags
    /// (`(prev, prev2)`) and carries over to the next sentence.
    pub(crate) fn tag_sentence_ids<S: AsRef<str>>(
        &self,
        words: &[S],
        state: &mut (Prev, Prev),
        out: &mut Vec<u8>,
    ) {
        if words.is_empty() {
            return;
        }
        // The context: two start markers, the normalised words, two end markers; and for
        // every context position its word and suffix entries, looked up once.
        let mut context: Vec<Cow<'_, str>> = Vec::with_capacity(words.len() + 4);
        context.push("-START-".into());
        context.push("-START2-".into());
        context.extend(words.iter().map(|w| normalize(w.as_ref())));
        context.push("-END-".into());
        context.push("-END2-".into());
        let word_rows: Vec<Option<&WordRows>> =
            context.iter().map(|w| self.words.get(w.as_ref())).collect();
        let suffix_rows: Vec<Option<&SuffixRows>> = context
            .iter()
            .map(|w| self.suffixes.get(suffix3(w)))
            .collect();

        let mut scores = vec![0f64; self.classes.len()];
        for (i, word) in words.iter().enumerate() {
            let word = word.as_ref();
            let id = match self.tagdict.get(word) {
                Some(&id) => id,
                None => {
                    let ci = i + 2;
                    let near = Neighbourhood {
                        words: [
                            word_rows[ci - 2],
                            word_rows[ci - 1],
                            word_rows[ci],
                            word_rows[ci + 1],
                            word_rows[ci + 2],
                        ],
                        prev_suffix: suffix_rows[ci - 1],
                        next_suffix: suffix_rows[ci + 1],
                    };
                    self.score(word, &near, *state, &mut scores);
                    self.best(&scores)
                }
            };
            out.push(id);
            *state = (Prev::Class(id), state.0);
        }
    }

    /// Adds up the weights of the word's features into `scores`, in the reference's order.
    fn score(&self, word: &str, near: &Neighbourhood<'_>, state: (Prev, Prev), scores: &mut [f64]) {
        scores.iter_mut().for_each(|s| *s = 0.0);
        let mut add = |row: Option<Row>| {
            if let Some(Row { start, end }) = row {
                let (start, end) = (start as usize, end as usize);
                let classes = &self.weight_class[start..end];
                for (&class, &weight) in classes.iter().zip(&self.weight_value[start..end]) {
                    scores[usize::from(class)] += weight;
                }
            }
        };
        let (prev, prev2) = (self.prev_index(state.0), self.prev_index(state.1));
        let first_char_end = word.chars().next().map_or(0, char::len_utf8);
        let [before2, before, here, after, after2] = near.words;

        add(self.bias);
        add(self.suffixes.get(suffix3(word)).and_then(|s| s.own));
        add(self.prefixes.get(&word[..first_char_end]).copied());
        add(self.prev_tag[prev]);
        add(self.prev2_tag[prev2]);
        add(self.tag_pair[prev * self.n_prev() + prev2]);
        add(here.and_then(|w| w.at[0]));
        add(here.and_then(|w| {
            let prev = prev as u16;
            w.after_tag
                .iter()
                .find(|&&(tag, _)| tag == prev)
                .map(|&(_, row)| row)
        }));
        add(before.and_then(|w| w.at[1]));
        add(near.prev_suffix.and_then(|s| s.prev));
        add(before2.and_then(|w| w.at[2]));
        add(after.and_then(|w| w.at[3]));
        add(near.next_suffix.and_then(|s| s.next));
        add(after2.and_then(|w| w.at[4]));
    }

    /// The class with the highest `(score, name)`.
    fn best(&self, scores: &[f64]) -> u8 {
        // Classes are sorted by name, so on equal scores the later one wins.
        let mut best = 0usize;
        for (id, &score) in scores.iter().enumerate().skip(1) {
            if score >= scores[best] {
                best = id;
            }
        }
        best as u8
    }
}

/// The word and suffix entries around the word being tagged.
struct Neighbourhood<'a> {
    /// Entries of the context words at offsets -2, -1, 0, +1, +2.
    words: [Option<&'a WordRows>; 5],
    /// Suffix entry of the normalised previous word.
    prev_suffix: Option<&'a SuffixRows>,
    /// Suffix entry of the normalised next word.
    next_suffix: Option<&'a SuffixRows>,
}

/// The last three characters of `s` (Python's `s[-3:]`).
fn suffix3(s: &str) -> &str {
    match s.char_indices().rev().nth(2) {
        Some((at, _)) => &s[at..],
        None => s,
    }
}

/// The reference's word normalisation for the context features.
fn normalize(word: &str) -> Cow<'_, str> {
    let Some(first) = word.chars().next() else {
        return word.into();
    };
    if word.contains('-') && first != '-' {
        "!HYPHEN".into()
    } else if word.chars().count() == 4 && word.chars().all(py_digit) {
        "!YEAR".into()
    } else if py_digit(first) {
        "!DIGITS".into()
    } else {
        py_lower(word)
    }
}

#[cfg(test)]
mod tests;
