//! vitrine: turns a folder of garment photos with shop descriptions into a browsable,
//! self-tagging, lookalike-finding catalogue.
//!
//! The crate reads as its architecture:
//! - [`catalogue`]: importing catalogues (CSV, FEIDEGGER-style JSON, plain folders) with a report
//!   of every problem found;
//! - [`text`]: tokenizer, part-of-speech tagger, TF-IDF and the tag vocabulary;
//! - [`vision`]: CNN backbones, image transforms and pretrained weights;
//! - [`engine`]: the background worker and its protocol, model identity, embedding, training,
//!   evaluation, prediction and checkpoints;
//! - [`index`]: the on-disk embedding cache and the lookalike index (mean-centred unit vectors
//!   stored in f16 with an int8 copy, exact top-k on every core, an HNSW graph for very large
//!   catalogues);
//! - [`lookalike`]: Match scoring (shape, garment colour and description similarities, their
//!   weights and presets), P@5 evaluation and the lookalikes export;
//! - [`review`]: every item's tags from its description, the user's corrections and the model,
//!   the Review ranking and the tags export;
//! - [`photo`]: opening photo files safely (limits, special files, truncation);
//! - [`durable`]: crash-safe file writes (temporary file, fsync, rename);
//! - [`memory`]: keeping resident memory close to what is live (malloc arenas and trimming);
//! - [`paths`]: where weights, checkpoints and caches live;
//! - [`ui`]: the window (eframe/egui): the app state, its event handling and one file per
//!   panel; it talks to the engine's worker only through channels.
//!
//! The command line (`src/cli/`, `src/main.rs`) is part of the binary, not of this library.

pub mod catalogue;
pub mod durable;
pub mod engine;
pub mod index;
pub mod lookalike;
pub mod memory;
pub mod paths;
pub mod photo;
pub mod review;
pub mod text;
pub mod ui;
pub mod vision;
