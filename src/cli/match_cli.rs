//! What `similar`, `export lookalikes` and `eval lookalikes` share: the Match presets on the
//! command line and the Match index of a catalogue, built through the worker.

use std::sync::Arc;

use clap::Args;
use vitrine::engine::protocol::{CatalogueEmbeddings, MatchParts};
use vitrine::engine::{Command, EventBody};
use vitrine::lookalike::query::match_index;
use vitrine::lookalike::{MatchIndex, Preset, Weights};

use super::session::Session;

/// How lookalikes are matched.
#[derive(Debug, Args, Clone)]
pub struct MatchArgs {
    /// Match preset: balanced, shape, colour or description.
    #[arg(long = "match", default_value = "balanced", value_parser = parse_preset)]
    pub preset: Preset,
}

fn parse_preset(s: &str) -> Result<Preset, String> {
    Preset::parse(s).ok_or_else(|| {
        format!(
            "unknown preset '{s}': use one of {}",
            Preset::ALL.map(Preset::key).join(", ")
        )
    })
}

impl MatchArgs {
    /// The weights of the chosen preset.
    pub fn weights(&self) -> Weights {
        self.preset.weights()
    }
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
