//! How much each of the four similarities counts: the Match presets, the user's own weights,
//! and their form on the command line (`shape=1,colour=2,description=0.5,type=1`).

use serde::{Deserialize, Serialize};

/// How much each similarity counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// The image embedding (shape and style).
    pub shape: f32,
    /// The garment's colours.
    pub colour: f32,
    /// The description.
    pub text: f32,
    /// The kind of garment (same type, related type, other type).
    #[serde(default, rename = "type")]
    pub kind: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Preset::Balanced.weights()
    }
}

/// The largest weight accepted.
pub const MAX_WEIGHT: f32 = 10.0;

/// Why a weights string could not be read.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum WeightsError {
    /// A part that is not `name=value`.
    #[error("'{0}' is not NAME=VALUE (e.g. shape=1,colour=2,description=0.5,type=1)")]
    NotAPair(String),
    /// An unknown part name.
    #[error("unknown part '{0}': use shape, colour, description or type")]
    UnknownPart(String),
    /// A value that is not a number in range.
    #[error("the weight of {0} must be a number from 0 to {MAX_WEIGHT}")]
    BadValue(String),
    /// Every weight zero.
    #[error("at least one weight must be above 0")]
    AllZero,
}

impl Weights {
    /// The combined score of four normalised similarities.
    pub fn combine(&self, shape: f32, colour: f32, text: f32, kind: f32) -> f32 {
        self.shape * shape + self.colour * colour + self.text * text + self.kind * kind
    }

    /// Reads `shape=1,colour=2,description=0.5,type=1`: parts left out weigh 0; `color`,
    /// `text` and `kind` are accepted for `colour`, `description` and `type`.
    pub fn parse(text: &str) -> Result<Weights, WeightsError> {
        let mut w = Weights {
            shape: 0.0,
            colour: 0.0,
            text: 0.0,
            kind: 0.0,
        };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(WeightsError::NotAPair(part.to_string()));
            };
            let name = name.trim().to_lowercase();
            let slot = match name.as_str() {
                "shape" => &mut w.shape,
                "colour" | "color" => &mut w.colour,
                "description" | "text" => &mut w.text,
                "type" | "kind" => &mut w.kind,
                _ => return Err(WeightsError::UnknownPart(name)),
            };
            let v: f32 = value
                .trim()
                .parse()
                .map_err(|_| WeightsError::BadValue(name.clone()))?;
            if !(0.0..=MAX_WEIGHT).contains(&v) {
                return Err(WeightsError::BadValue(name));
            }
            *slot = v;
        }
        if w.shape + w.colour + w.text + w.kind <= 0.0 {
            return Err(WeightsError::AllZero);
        }
        Ok(w)
    }
}

impl std::fmt::Display for Weights {
    /// The form [`Weights::parse`] reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "shape={},colour={},description={},type={}",
            self.shape, self.colour, self.text, self.kind
        )
    }
}

/// The Match presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Preset {
    /// Same kind of garment and same colour first (weights chosen on data, see
    /// `docs/lookalikes.md`).
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
        let (shape, colour, text, kind) = match self {
            Preset::Balanced => (1.0, 1.0, 0.6, 1.0),
            Preset::SameShape => (1.0, 0.0, 0.0, 0.0),
            Preset::SameColour => (0.25, 1.0, 0.0, 0.0),
            Preset::SimilarDescription => (0.2, 0.0, 1.0, 0.0),
        };
        Weights {
            shape,
            colour,
            text,
            kind,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weights_read_from_the_command_line_form() {
        let w = Weights::parse("shape=1, colour=2,description=0.5,type=1.5").expect("weights");
        assert_eq!((w.shape, w.colour, w.text, w.kind), (1.0, 2.0, 0.5, 1.5));
        let w = Weights::parse("color=1,kind=2").expect("synonyms");
        assert_eq!((w.shape, w.colour, w.text, w.kind), (0.0, 1.0, 0.0, 2.0));
        assert!(matches!(
            Weights::parse("shape"),
            Err(WeightsError::NotAPair(_))
        ));
        assert!(matches!(
            Weights::parse("size=1"),
            Err(WeightsError::UnknownPart(_))
        ));
        assert!(matches!(
            Weights::parse("shape=-1"),
            Err(WeightsError::BadValue(_))
        ));
        assert!(matches!(
            Weights::parse("shape=x"),
            Err(WeightsError::BadValue(_))
        ));
        assert_eq!(Weights::parse("shape=0"), Err(WeightsError::AllZero));
    }

    #[test]
    fn presets_are_found_by_key_and_label() {
        for p in Preset::ALL {
            assert_eq!(Preset::parse(p.key()), Some(p));
            assert_eq!(Preset::parse(p.label()), Some(p));
        }
        assert_eq!(Preset::parse("same-color"), Some(Preset::SameColour));
    }

    proptest! {
        #[test]
        fn printed_weights_read_back(s in 0u16..1000, c in 0u16..1000, t in 0u16..1000, k in 1u16..1000) {
            let w = Weights { shape: f32::from(s) / 100.0, colour: f32::from(c) / 100.0,
                text: f32::from(t) / 100.0, kind: f32::from(k) / 100.0 };
            prop_assert_eq!(Weights::parse(&w.to_string()), Ok(w));
        }

        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in ".{0,40}") {
            if let Ok(w) = Weights::parse(&text) {
                prop_assert!(w.shape + w.colour + w.text + w.kind > 0.0);
            }
        }
    }
}
