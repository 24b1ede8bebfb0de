//! `vitrine export tags`: every item's tags (description, corrections, model) to a CSV or JSON
//! Lines file, for a web shop's import.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use vitrine::engine::checkpoint::Checkpoint;
use vitrine::engine::corrections::{self, Corrections};
use vitrine::engine::protocol::{CatalogueTags, ItemPredictions, ModelSummary};
use vitrine::engine::{Command, EventBody};
use vitrine::review::{export, TagSources};
use vitrine::vision::BackboneKind;

use super::session::{open_catalogue, ModelArgs, Session};
use super::CatalogueArgs;

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every item's id, description tags, corrected tags, predicted tags with probabilities
    /// and split, as CSV (`.csv`) or JSON Lines (`.jsonl`) by the file's extension.
    Tags(ExportTagsArgs),
    /// Every item's five lookalikes (CSV, or JSON Lines by extension).
    Lookalikes(super::export_lookalikes::ExportLookalikesArgs),
    /// The shop's own file back (Shopify, WooCommerce, or a Merchant supplemental feed) with
    /// vitrine's tags and lookalikes filled in.
    Shop(super::export_shop::ExportShopArgs),
}

#[derive(Debug, Args)]
pub struct ExportTagsArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// The file to write: `.csv` or `.jsonl`.
    #[arg(long)]
    out: PathBuf,
    /// The model whose predictions are exported (default: the newest one trained on the
    /// catalogue; none found: the file has no predictions).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
}

/// Runs `vitrine export …`.
pub fn run(command: &ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::Tags(args) => tags(args),
        ExportCommand::Lookalikes(args) => super::export_lookalikes::run(args),
        ExportCommand::Shop(args) => super::export_shop::run(args),
    }
}

fn tags(args: &ExportTagsArgs) -> anyhow::Result<()> {
    // A file name without a known format is refused before anything is computed.
    export::ExportFormat::of_path(&args.out)?;
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let mut session = Session::start(&args.model, BackboneKind::EfficientNetLite0)?;
    let inputs = tag_inputs(
        &mut session,
        &catalogue,
        &args.model,
        args.checkpoint.as_ref(),
    )?;
    let (ready, corrections, checkpoint) = (inputs.ready, inputs.corrections, inputs.checkpoint);
    let (model, predictions) = (inputs.model, inputs.predictions);
    match &checkpoint {
        Some(dir) => eprintln!("predictions of {}", dir.display()),
        None => eprintln!(
            "note: no model trained on {} yet, so the file has no predictions (run `vitrine \
             train` first, or give --checkpoint)",
            catalogue.name
        ),
    }
    let sources = TagSources {
        catalogue: &catalogue,
        vocabulary: &ready.vocabulary,
        described: &ready.item_tags,
        corrections: &corrections,
        predictions: predictions.as_deref(),
        split: model.as_ref().and_then(|m| m.split.as_ref()),
    };
    let records = sources.records();
    if let Some(note) = vitrine::durable::clear_leftovers_note(&args.out) {
        eprintln!("note: {note}");
    }
    let format = export::write(&args.out, &records)?;
    eprintln!(
        "{} items written to {} ({format:?}); {} corrected by you",
        records.len(),
        args.out.display(),
        corrections.items_corrected_in(&catalogue)
    );
    Ok(())
}

/// What a tags export reads through the worker: the catalogue's tags, the user's corrections,
/// and the model of `checkpoint` (default: the newest trained on the catalogue) with every
/// item's predictions.
pub(super) struct TagInputs {
    pub ready: Arc<CatalogueTags>,
    pub corrections: Corrections,
    pub checkpoint: Option<PathBuf>,
    pub model: Option<Arc<ModelSummary>>,
    pub predictions: Option<Arc<ItemPredictions>>,
}

/// Reads [`TagInputs`] for `catalogue` through `session`.
pub(super) fn tag_inputs(
    session: &mut Session,
    catalogue: &Arc<vitrine::catalogue::Catalogue>,
    model_args: &ModelArgs,
    checkpoint: Option<&PathBuf>,
) -> anyhow::Result<TagInputs> {
    let corrections = Corrections::load(&corrections::sidecar_path(catalogue))?;
    let checkpoint = match checkpoint {
        Some(dir) => Some(dir.clone()),
        None => {
            Checkpoint::latest_for(&model_args.checkpoint_root(), &catalogue.name).map(|c| c.dir)
        }
    };
    let ready: Arc<CatalogueTags> = session.request_one(
        Command::SetCatalogue(catalogue.clone()),
        "the catalogue's tags",
        |body| match body {
            EventBody::CatalogueReady(ready) => Some(ready),
            _ => None,
        },
    )?;
    let mut model = None;
    let mut predictions = None;
    if let Some(dir) = &checkpoint {
        session.request(Command::LoadCheckpoint(dir.clone()), |_, body| {
            match body {
                EventBody::ModelReady(m) => model = Some(m),
                EventBody::ItemTags(p) => predictions = Some(p),
                _ => {}
            }
            Ok(())
        })?;
        session.bars.finish();
    }
    Ok(TagInputs {
        ready,
        corrections,
        checkpoint,
        model,
        predictions,
    })
}
