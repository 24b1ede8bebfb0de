//! `vitrine export shop shopify|woocommerce|merchant --out FILE`: the shop's own file back
//! with vitrine's tags and lookalikes filled in (see `catalogue::shop::export`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use vitrine::catalogue::shop::export::{self, ExportOptions, ProductResult, ShopExport};
use vitrine::catalogue::{Catalogue, CatalogueFormat};
use vitrine::index::LOOKALIKES;
use vitrine::lookalike::export::all_lookalikes;
use vitrine::review::shop::product_results;
use vitrine::review::TagSources;
use vitrine::vision::BackboneKind;

use super::match_cli::{session_index, MatchArgs};
use super::session::{open_catalogue, ModelArgs, Session};
use super::CatalogueArgs;

/// The shop platform to write for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Platform {
    /// The Shopify product CSV, with Tags and the related-products metafield.
    Shopify,
    /// The WooCommerce product CSV, with Tags and Cross-sells.
    Woocommerce,
    /// A Google Merchant Center supplemental feed (tab-separated).
    Merchant,
}

#[derive(Debug, Args)]
pub struct ExportShopArgs {
    /// The platform whose file to write.
    #[arg(value_enum)]
    platform: Platform,
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// The file to write.
    #[arg(long)]
    out: PathBuf,
    /// Put this before each of vitrine's tags, e.g. `vitrine:` (an earlier export's tags with
    /// the same prefix are replaced).
    #[arg(long, default_value = "")]
    tag_prefix: String,
    /// The model whose predicted tags are added (default: the newest trained on the
    /// catalogue; none: the tags from descriptions and your corrections).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    #[command(flatten)]
    matching: MatchArgs,
}

/// Runs `vitrine export shop …`.
pub fn run(args: &ExportShopArgs) -> anyhow::Result<()> {
    let export = match args.platform {
        Platform::Shopify => ShopExport::Shopify,
        Platform::Woocommerce => ShopExport::WooCommerce,
        Platform::Merchant => ShopExport::Merchant,
    };
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let CatalogueFormat::Shop(format) = catalogue.format else {
        bail!(
            "{} is not a shop's export, so there is no shop file to write back (open a Shopify \
             or WooCommerce product CSV or a Google Merchant feed)",
            catalogue.source.display()
        );
    };
    if !export.fits(format) {
        bail!(
            "{} is a {}; export it for that platform instead",
            catalogue.source.display(),
            format.label()
        );
    }
    let source = export::read_source(&catalogue.source).map_err(anyhow::Error::msg)?;
    let results = results(args, &catalogue)?;
    let options = ExportOptions {
        tag_prefix: args.tag_prefix.clone(),
    };
    let bytes = export::render(&source, format, export, &results, &options)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("cannot export {}", catalogue.name))?;
    vitrine::durable::write_file(&args.out, &bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "{} products with vitrine's tags and lookalikes written to {}",
        results.len(),
        args.out.display()
    );
    Ok(())
}

/// Every product's tags (as the user corrected them, plus the model's predictions the user
/// did not remove) and its five lookalikes' keys.
fn results(
    args: &ExportShopArgs,
    catalogue: &Arc<Catalogue>,
) -> anyhow::Result<HashMap<String, ProductResult>> {
    let mut session = Session::start(&args.model, BackboneKind::EfficientNetLite0)?;
    let inputs = super::export::tag_inputs(
        &mut session,
        catalogue,
        &args.model,
        args.checkpoint.as_ref(),
    )?;
    let (weights, _) = args.matching.weights(catalogue)?;
    let (_, mut index) = session_index(&mut session)?;
    // Related products leave an item's near-duplicates out, as the lookalikes export does.
    args.matching.configure(&mut index);
    let found = all_lookalikes(&index, &weights, LOOKALIKES, &mut |_, _| true)?;
    let sources = TagSources {
        catalogue,
        vocabulary: &inputs.ready.vocabulary,
        described: &inputs.ready.item_tags,
        corrections: &inputs.corrections,
        predictions: inputs.predictions.as_deref(),
        split: None,
    };
    Ok(product_results(catalogue, &sources.records(), &found))
}
