//! Reading the tagger's model file (the format `scripts/convert_pos_model.py` writes) and
//! regrouping its feature templates for fast tagging.

use std::collections::HashMap;

use thiserror::Error;

use super::{FastMap, PosTagger, Row};

/// The converted model, embedded in the binary.
pub(super) static EMBEDDED_MODEL: &[u8] = include_bytes!("../../../assets/pos/trontagger.bin");

pub(super) const MAGIC: &[u8; 8] = b"VTRPOS01";

/// Number of feature templates, stored in the order the reference adds features (listed in
/// `scripts/convert_pos_model.py`).
pub(super) const TEMPLATES: usize = 14;

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
        let classes = read_classes(&mut r)?;
        let n_classes = classes.len();
        let tagdict = read_tagdict(&mut r, n_classes)?;
        let weights = read_weights(&mut r, n_classes)?;
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
            rows: weights.rows,
            weight_class: weights.class,
            weight_value: weights.value,
        };
        tagger.place_rows(weights.templates);
        Ok(tagger)
    }

    /// Files every template's rows where tagging looks them up (see [`PosTagger`]).
    fn place_rows(&mut self, templates: Vec<Vec<(&str, Row)>>) {
        let n_prev = self.n_prev();
        self.prev_tag = vec![None; n_prev];
        self.prev2_tag = vec![None; n_prev];
        self.tag_pair = vec![None; n_prev * n_prev];
        // Previous-tag names as the features spell them.
        let prev_index: HashMap<&str, usize> = self
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
                    0 if arg.is_empty() => self.bias = Some(row),
                    1 => self.suffixes.entry(arg.into()).or_default().own = Some(row),
                    2 => {
                        self.prefixes.insert(arg.into(), row);
                    }
                    3 | 4 => {
                        if let Some(&i) = prev_index.get(arg) {
                            let table = if template == 3 {
                                &mut self.prev_tag
                            } else {
                                &mut self.prev2_tag
                            };
                            table[i] = Some(row);
                        }
                    }
                    5 => {
                        if let Some((a, b)) = two_tags(arg) {
                            self.tag_pair[a * n_prev + b] = Some(row);
                        }
                    }
                    7 => {
                        let known = arg
                            .split_once(' ')
                            .and_then(|(tag, word)| Some((*prev_index.get(tag)?, word)));
                        if let Some((tag, word)) = known {
                            let entry = self.words.entry(word.into()).or_default();
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
                        self.words.entry(arg.into()).or_default().at[slot] = Some(row);
                    }
                    9 => self.suffixes.entry(arg.into()).or_default().prev = Some(row),
                    12 => self.suffixes.entry(arg.into()).or_default().next = Some(row),
                    _ => {}
                }
            }
        }
    }
}

/// The class names, which must be sorted and unique: ties go to the class that sorts last,
/// which the tagger finds by position.
fn read_classes(r: &mut Reader<'_>) -> Result<Vec<String>, PosModelError> {
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
    if !classes.windows(2).all(|pair| pair[0] < pair[1]) {
        return Err(PosModelError::UnsortedClasses);
    }
    Ok(classes)
}

/// A class id, checked against the number of classes.
fn class(id: u8, n_classes: usize) -> Result<u8, PosModelError> {
    if usize::from(id) < n_classes {
        Ok(id)
    } else {
        Err(PosModelError::BadClass(id))
    }
}

/// The tag dictionary: frequent unambiguous words and their class.
fn read_tagdict(r: &mut Reader<'_>, n_classes: usize) -> Result<FastMap<u8>, PosModelError> {
    let n_words = r.u32()?;
    let mut tagdict = FastMap::with_capacity_and_hasher(r.capacity(n_words), Default::default());
    for _ in 0..n_words {
        let word = r.var_str()?;
        tagdict.insert(word.into(), class(r.byte()?, n_classes)?);
    }
    Ok(tagdict)
}

/// The weight rows of every template, in file order.
struct Weights<'a> {
    /// `templates[t]` lists (argument, row) of template `t`.
    templates: Vec<Vec<(&'a str, Row)>>,
    /// Number of rows in all.
    rows: usize,
    /// Class id of every weight.
    class: Vec<u8>,
    /// Value of every weight.
    value: Vec<f64>,
}

fn read_weights<'a>(r: &mut Reader<'a>, n_classes: usize) -> Result<Weights<'a>, PosModelError> {
    let mut weights = Weights {
        templates: Vec::with_capacity(TEMPLATES),
        rows: 0,
        class: Vec::new(),
        value: Vec::new(),
    };
    for _ in 0..TEMPLATES {
        let n = r.u32()?;
        let mut rows = Vec::with_capacity(r.capacity(n));
        for _ in 0..n {
            let arg = r.var_str()?;
            let start = weights.value.len() as u32;
            for _ in 0..r.byte()? {
                weights.class.push(class(r.byte()?, n_classes)?);
                let zigzag = r.varint()?;
                let thousandths = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
                weights.value.push(thousandths as f64 / 1000.0);
            }
            let end = weights.value.len() as u32;
            rows.push((arg, Row { start, end }));
            weights.rows += 1;
        }
        weights.templates.push(rows);
    }
    Ok(weights)
}
