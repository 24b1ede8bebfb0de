//! `vitrine export lookalikes`: every item's five lookalikes as CSV or JSON Lines, for a web
//! shop's "you may also like".

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use vitrine::engine::Command;
use vitrine::index::LOOKALIKES;
use vitrine::lookalike::export::{all_lookalikes, write};
use vitrine::vision::BackboneKind;

use super::match_cli::{session_index, MatchArgs};
use super::session::{open_catalogue, ModelArgs, Session};
use super::CatalogueArgs;

#[derive(Debug, Args)]
pub struct ExportLookalikesArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Use the backbone of this fine-tuned checkpoint instead of the pretrained one.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// The file to write: CSV, or JSON Lines when it ends in .jsonl, .ndjson or .json.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &ExportLookalikesArgs) -> anyhow::Result<()> {
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let mut session = Session::start(&args.model, BackboneKind::EfficientNetLite0)?;
    session.request(Command::SetCatalogue(catalogue.clone()), |_, _| Ok(()))?;
    if let Some(ck) = &args.checkpoint {
        session.request(Command::LoadCheckpoint(ck.clone()), |_, _| Ok(()))?;
    }
    let (weights, weights_name) = args.matching.weights(&catalogue)?;
    let (_, mut index) = session_index(&mut session)?;
    args.matching.configure(&mut index);
    let started = Instant::now();
    let bar = ProgressBar::new(index.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("Finding lookalikes {bar:40} {pos}/{len} items, {eta} left")
    {
        bar.set_style(style);
    }
    let found = all_lookalikes(&index, &weights, LOOKALIKES, &mut |done, _| {
        bar.set_position(done as u64);
        true
    })?;
    bar.finish_and_clear();
    let ids: Vec<String> = catalogue.items.iter().map(|i| i.id.clone()).collect();
    if let Some(note) = vitrine::durable::clear_leftovers_note(&args.out) {
        eprintln!("note: {note}");
    }
    let rows = write(&args.out, &ids, &found)?;
    println!(
        "{rows} rows ({} items × up to {LOOKALIKES} lookalikes, match: {}) written to {} in {:.1} s",
        found.len(),
        weights_name,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
