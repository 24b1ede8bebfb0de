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

use thiserror::Error;

use super::chars::{py_digit, py_lower};
use rustc_hash::FxBuildHasher;
use super::tokenize::tokenize_sentences;

/// The converted model, embedded in the binary.
static EMBEDDED_MODEL: &[u8] = include_bytes!("../../assets/pos/trontagger.bin");

const MAGIC: &[u8; 8] = b"VTRPOS01";

/// Number of feature templates, stored in the order the reference adds features (listed in
/// `scripts/convert_pos_model.py`).
const TEMPLATES: usize = 14;

/// Why a model file could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PosModelError {
    /// The file does not start with the expected magic bytes.
    #[error("not a vitrine part-of-speech model (bad magic bytes)")]
    BadMagic,
    /// The file ends in the middle of a record.
    #[error("part-of-speech model truncated at byte {0}")]
    Truncated(usize),
    /// A string is not UTF-8.
    #[error("part-of-speech model has a string that is not UTF-8 at byte {0}")]
    BadString(usize),
    /// A class id is out of range.
    #[error("part-of-speech model refers to class {0}, which does not exist")]
    BadClass(u8),
    /// The class names are not sorted and unique.
    #[error("part-of-speech model has class names out of order")]
    UnsortedClasses,
    /// The model has no classes.
    #[error("part-of-speech model has no classes")]
    NoClasses,
    /// The file has bytes after the last record.
    #[error("part-of-speech model has {0} unexpected bytes at its end")]
    TrailingBytes(usize),
}

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

/// Reads the model format (see `scripts/convert_pos_model.py`).
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PosModelError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(PosModelError::Truncated(self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// A capacity to reserve for `count` records: never more than the bytes left, so a
    /// corrupt count cannot make a huge allocation.
    fn capacity(&self, count: u32) -> usize {
        (count as usize).min(self.bytes.len() - self.pos)
    }

    fn byte(&mut self) -> Result<u8, PosModelError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, PosModelError> {
        let raw = self.take(4)?;
        Ok(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
    }

    fn varint(&mut self) -> Result<u64, PosModelError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(PosModelError::Truncated(self.pos))
    }

    fn str(&mut self, len: usize) -> Result<&'a str, PosModelError> {
        let at = self.pos;
        std::str::from_utf8(self.take(len)?).map_err(|_| PosModelError::BadString(at))
    }

    fn var_str(&mut self) -> Result<&'a str, PosModelError> {
        let len =
            usize::try_from(self.varint()?).map_err(|_| PosModelError::Truncated(self.pos))?;
        self.str(len)
    }
}

impl PosTagger {
    /// Reads a model in vitrine's format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PosModelError> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(MAGIC.len()).map_err(|_| PosModelError::BadMagic)? != MAGIC {
            return Err(PosModelError::BadMagic);
        }
        let n_classes = r.byte()?;
        if n_classes == 0 {
            return Err(PosModelError::NoClasses);
        }
        let classes = (0..n_classes)
            .map(|_| {
                let len = r.byte()?;
                r.str(usize::from(len)).map(str::to_owned)
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Ties go to the class that sorts last, which the tagger finds by position.
        if !classes.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err(PosModelError::UnsortedClasses);
        }
        let class = |id: u8| {
            if id < n_classes {
                Ok(id)
            } else {
                Err(PosModelError::BadClass(id))
            }
        };

        let n_words = r.u32()?;
        let mut tagdict =
            FastMap::with_capacity_and_hasher(r.capacity(n_words), Default::default());
        for _ in 0..n_words {
            let word = r.var_str()?;
            tagdict.insert(word.into(), class(r.byte()?)?);
        }

        // Weight rows, in file order; `templates[t]` lists (argument, row) of template `t`.
        let mut rows_total = 0;
        let mut weight_class = Vec::new();
        let mut weight_value = Vec::new();
        let mut templates: Vec<Vec<(&str, Row)>> = Vec::with_capacity(TEMPLATES);
        for _ in 0..TEMPLATES {
            let n = r.u32()?;
            let mut rows = Vec::with_capacity(r.capacity(n));
            for _ in 0..n {
                let arg = r.var_str()?;
                let start = weight_value.len() as u32;
                for _ in 0..r.byte()? {
                    weight_class.push(class(r.byte()?)?);
                    let zigzag = r.varint()?;
                    let thousandths = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
                    weight_value.push(thousandths as f64 / 1000.0);
                }
                let end = weight_value.len() as u32;
                rows.push((arg, Row { start, end }));
                rows_total += 1;
            }
            templates.push(rows);
        }
        if r.pos != bytes.len() {
            return Err(PosModelError::TrailingBytes(bytes.len() - r.pos));
        }

        let mut tagger = PosTagger {
            classes,
            tagdict,
            bias: None,
            prefixes: FastMap::default(),
            prev_tag: Vec::new(),
            prev2_tag: Vec::new(),
            tag_pair: Vec::new(),
            words: FastMap::default(),
            suffixes: FastMap::default(),
            rows: rows_total,
            weight_class,
            weight_value,
        };
        let n_prev = tagger.n_prev();
        tagger.prev_tag = vec![None; n_prev];
        tagger.prev2_tag = vec![None; n_prev];
        tagger.tag_pair = vec![None; n_prev * n_prev];
        // Previous-tag names as the features spell them.
        let prev_index: HashMap<&str, usize> = tagger
            .classes
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i))
            .chain([("-START-", n_prev - 2), ("-START2-", n_prev - 1)])
            .collect();
        // Features naming a tag that can never be a previous tag cannot fire; they are dropped.
        let two_tags = |arg: &str| {
            let (a, b) = arg.split_once(' ')?;
            Some((*prev_index.get(a)?, *prev_index.get(b)?))
        };
        for (template, rows) in templates.into_iter().enumerate() {
            for (arg, row) in rows {
                match template {
                    0 if arg.is_empty() => tagger.bias = Some(row),
                    1 => tagger.suffixes.entry(arg.into()).or_default().own = Some(row),
                    2 => {
                        tagger.prefixes.insert(arg.into(), row);
                    }
                    3 | 4 => {
                        if let Some(&i) = prev_index.get(arg) {
                            let table = if template == 3 {
                                &mut tagger.prev_tag
                            } else {
                                &mut tagger.prev2_tag
                            };
                            table[i] = Some(row);
                        }
                    }
                    5 => {
                        if let Some((a, b)) = two_tags(arg) {
                            tagger.tag_pair[a * n_prev + b] = Some(row);
                        }
                    }
                    7 => {
                        let known = arg
                            .split_once(' ')
                            .and_then(|(tag, word)| Some((*prev_index.get(tag)?, word)));
                        if let Some((tag, word)) = known {
                            let entry = tagger.words.entry(word.into()).or_default();
                            entry.after_tag.push((tag as u16, row));
                        }
                    }
                    6 | 8 | 10 | 11 | 13 => {
                        let slot = match template {
                            6 => 0,
                            8 => 1,
                            10 => 2,
                            11 => 3,
                            _ => 4,
                        };
                        tagger.words.entry(arg.into()).or_default().at[slot] = Some(row);
                    }
                    9 => tagger.suffixes.entry(arg.into()).or_default().prev = Some(row),
                    12 => tagger.suffixes.entry(arg.into()).or_default().next = Some(row),
                    _ => {}
                }
            }
        }
        Ok(tagger)
    }

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
mod tests {
    use super::*;

    #[test]
    fn embedded_model_loads() {
        let tagger = PosTagger::embedded();
        assert_eq!(tagger.classes().len(), 45);
        assert!(tagger.classes().windows(2).all(|w| w[0] < w[1]));
        assert_eq!(tagger.tagdict.len(), 2604);
        assert_eq!(tagger.rows, 94208);
        assert_eq!(tagger.weight_value.len(), 374_698);
        assert!(tagger.bias.is_some());
        assert!(tagger.prev_tag[tagger.prev_index(Prev::Start)].is_some());
    }

    #[test]
    fn tags_simple_sentences() {
        let tagger = PosTagger::embedded();
        assert_eq!(
            tagger.tag(&["This", "A-line", "skirt", "has", "a", "v-neck", "top", "."]),
            ["DT", "JJ", "NN", "VBZ", "DT", "NN", "NN", "."]
        );
        let tagged = tagger.tag_text("I don't like it. Red!");
        let tags: Vec<&str> = tagged.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(tags, ["PRP", "VBP", "RB", "VB", "PRP", ".", "NN", "."]);
        assert!(tagger.tag::<&str>(&[]).is_empty());
        assert!(tagger.tag_text("").is_empty());
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize("v-neck"), "!HYPHEN");
        assert_eq!(normalize("-x"), "-x");
        assert_eq!(normalize("1999"), "!YEAR");
        assert_eq!(normalize("²³¹⁴"), "!YEAR");
        assert_eq!(normalize("19.99"), "!DIGITS");
        assert_eq!(normalize("Dress"), "dress");
        assert_eq!(normalize(""), "");
        assert_eq!(suffix3("sleeves"), "ves");
        assert_eq!(suffix3("né"), "né");
        assert_eq!(suffix3("crêpe"), "êpe");
    }

    /// A model with the given classes and only a bias feature (weights in thousandths).
    fn bias_only_model(classes: &[&str], bias: &[(u8, i64)]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.push(classes.len() as u8);
        for class in classes {
            bytes.push(class.len() as u8);
            bytes.extend_from_slice(class.as_bytes());
        }
        bytes.extend_from_slice(&0u32.to_le_bytes()); // no tag dictionary
        bytes.extend_from_slice(&1u32.to_le_bytes()); // one bias feature...
        bytes.push(0); // ...whose argument is empty
        bytes.push(bias.len() as u8);
        for &(class, thousandths) in bias {
            bytes.push(class);
            let mut zigzag = ((thousandths << 1) ^ (thousandths >> 63)) as u64;
            while zigzag >= 0x80 {
                bytes.push((zigzag as u8) | 0x80);
                zigzag >>= 7;
            }
            bytes.push(zigzag as u8);
        }
        for _ in 1..TEMPLATES {
            bytes.extend_from_slice(&0u32.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn ties_go_to_the_label_that_sorts_last() {
        let tag = |bias: &[(u8, i64)]| {
            let tagger = PosTagger::from_bytes(&bias_only_model(&["A", "B", "C"], bias)).unwrap();
            tagger.tag(&["word"]).remove(0)
        };
        assert_eq!(tag(&[]), "C");
        assert_eq!(tag(&[(0, 1500), (1, 1500)]), "B");
        assert_eq!(tag(&[(0, 1)]), "A");
        assert_eq!(tag(&[(2, -1)]), "B");
    }

    #[test]
    fn rejects_bad_models() {
        assert_eq!(
            PosTagger::from_bytes(&bias_only_model(&["B", "A"], &[])).unwrap_err(),
            PosModelError::UnsortedClasses
        );
        assert_eq!(
            PosTagger::from_bytes(&bias_only_model(&["A"], &[(1, 5)])).unwrap_err(),
            PosModelError::BadClass(1)
        );
        assert_eq!(
            PosTagger::from_bytes(&bias_only_model(&[], &[])).unwrap_err(),
            PosModelError::NoClasses
        );
        assert_eq!(
            PosTagger::from_bytes(b"nope").unwrap_err(),
            PosModelError::BadMagic
        );
        let truncated = &EMBEDDED_MODEL[..EMBEDDED_MODEL.len() / 2];
        assert!(matches!(
            PosTagger::from_bytes(truncated),
            Err(PosModelError::Truncated(_))
        ));
        let mut extra = EMBEDDED_MODEL.to_vec();
        extra.push(0);
        assert_eq!(
            PosTagger::from_bytes(&extra).unwrap_err(),
            PosModelError::TrailingBytes(1)
        );
    }
}
