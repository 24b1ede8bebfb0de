//! What `similar`, `export lookalikes` and `eval lookalikes` share: the Match presets on the
//! command line and the Match index of a catalogue, built through the worker.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use vitrine::catalogue::Catalogue;
use vitrine::engine::protocol::{CatalogueEmbeddings, MatchParts};
use vitrine::engine::{Command, EventBody};
use vitrine::lookalike::query::match_index;
use vitrine::lookalike::{MatchIndex, Preset, Weights};

use super::session::Session;

/// How lookalikes are matched.
#[derive(Debug, Args, Clone)]
pub struct MatchArgs {
    /// Match preset: balanced, shape, colour, description, or fitted (the weights
    /// `vitrine eval lookalikes --fit` saved for this catalogue).
    #[arg(long = "match", default_value = "balanced", value_parser = parse_choice)]
    pub preset: Choice,
    /// Your own weights instead of a preset, e.g. shape=1,colour=2,description=0.5,type=1
    /// (parts left out weigh 0).
    #[arg(long, value_parser = parse_weights, conflicts_with = "preset")]
    pub weights: Option<Weights>,
    /// Keep an item's near-duplicates among its lookalikes (left out by default).
    #[arg(long)]
    pub keep_duplicates: bool,
    /// Embedding cosine from which two items are near-duplicates.
    #[arg(long, default_value_t = vitrine::lookalike::duplicates::DEFAULT_THRESHOLD)]
    pub duplicate_threshold: f32,
}

/// A preset, or the catalogue's fitted weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Choice {
    /// A fixed preset.
    Preset(Preset),
    /// The catalogue's own fitted weights.
    Fitted,
}

fn parse_choice(s: &str) -> Result<Choice, String> {
    if s.trim().eq_ignore_ascii_case("fitted") {
        return Ok(Choice::Fitted);
    }
    Preset::parse(s).map(Choice::Preset).ok_or_else(|| {
        format!(
            "unknown preset '{s}': use one of {}, fitted",
            Preset::ALL.map(Preset::key).join(", ")
        )
    })
}

fn parse_weights(s: &str) -> Result<Weights, String> {
    Weights::parse(s).map_err(|e| e.to_string())
}

impl MatchArgs {
    /// Sets how the index treats near-duplicates.
    pub fn configure(&self, index: &mut MatchIndex) {
        index.duplicate_threshold = (!self.keep_duplicates).then_some(self.duplicate_threshold);
    }

    /// The weights asked for, and their name for the output.
    pub fn weights(&self, catalogue: &Catalogue) -> anyhow::Result<(Weights, String)> {
        if let Some(w) = self.weights {
            return Ok((w, "custom".to_string()));
        }
        match self.preset {
            Choice::Preset(p) => Ok((p.weights(), p.label().to_string())),
            Choice::Fitted => {
                let state = vitrine::paths::catalogue_state_dir(catalogue);
                let fitted = vitrine::lookalike::fitted::load(&state)?.with_context(|| {
                    format!(
                        "no fitted weights for {}: run `vitrine eval lookalikes CATALOGUE \
                         --attribute NAME=COLUMN --fit` first",
                        catalogue.name
                    )
                })?;
                Ok((fitted.weights, "Fitted".to_string()))
            }
        }
    }
}

/// The weights in words: `1.00·shape + 1.00·colour + 0.60·description + 1.00·type`.
pub fn formula(w: &Weights) -> String {
    format!(
        "{:.2}·shape + {:.2}·colour + {:.2}·description + {:.2}·type",
        w.shape, w.colour, w.text, w.kind
    )
}

/// The catalogue's embeddings (computed or cached) from the worker.
pub fn embeddings(session: &mut Session) -> anyhow::Result<Arc<CatalogueEmbeddings>> {
    session.request_one(Command::Embed, "embeddings", |body| match body {
        EventBody::Embeddings(e) => Some(e),
        _ => None,
    })
}

/// The catalogue's colours and description index from the worker.
pub fn parts(session: &mut Session) -> anyhow::Result<Arc<MatchParts>> {
    session.request_one(Command::PrepareMatch, "colours", |body| match body {
        EventBody::MatchParts(p) => Some(p),
        _ => None,
    })
}

/// The Match index of the session's catalogue (embeddings, colours, descriptions).
pub fn session_index(
    session: &mut Session,
) -> anyhow::Result<(Arc<CatalogueEmbeddings>, MatchIndex)> {
    let found = embeddings(session)?;
    let parts = parts(session)?;
    let index = match_index(&found, Some(&parts));
    Ok((found, index))
}
