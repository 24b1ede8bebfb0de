//! Lookalikes by shape, colour and description, under the user's control.
//!
//! Four similarities between catalogue items (or a dropped photo and the items):
//! - **shape**: the cosine of the image embeddings of the network in use ([`crate::index`]);
//! - **colour**: the garment's colours, background removed, compared in CIELAB ([`colour`]);
//! - **description**: TF-IDF cosine of the description tokens ([`text`]);
//! - **kind of garment**: the garment types the description names, or the type predicted from
//!   the photo, with partial credit for related types ([`kind`], [`kind_head`]).
//!
//! [`score`] normalises each on the catalogue and combines them with the weights of a Match
//! preset or the user's own; [`eval`] measures how often lookalikes share the item's category
//! or colour; [`export`] writes every item's lookalikes with batched matrix products.

pub mod colour;
pub mod copies;
pub mod duplicates;
pub mod eval;
pub mod export;
pub mod fit;
pub mod fitted;
pub mod kind;
pub mod kind_head;
pub mod query;
pub mod score;
pub mod text;
pub mod weights;

pub use score::{Match, MatchIndex, Normalisation, Preset, Query, QueryScores, Weights};
