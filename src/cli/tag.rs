//! `vitrine tag`: a photo's tags from a trained model, with its lookalikes; `--json` for
//! programs. On a photo unlike the catalogue's, no tag is presented as predicted: the most
//! probable ones are printed as a guess.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use vitrine::engine::checkpoint::Checkpoint;
use vitrine::engine::familiar::Familiarity;
use vitrine::engine::protocol::{PredictedTag, Prediction};

use super::lookalikes::{percent, prediction, prepared_session, print_neighbours};
use super::session::{open_catalogue, ModelArgs};
use super::CatalogueArgs;

/// Tags shown as a guess (or as the next most likely) after the predicted ones.
const SHOWN_OTHERS: usize = 5;

#[derive(Debug, Args)]
pub struct TagArgs {
    /// The photo to tag.
    image: PathBuf,
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// The checkpoint to use (default: the most recent one).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Print the result as JSON: the photo, the model, whether the photo is unlike the
    /// catalogue (then its tags are a guess and none is predicted), every tag with its
    /// probability, and the lookalikes.
    #[arg(long)]
    json: bool,
}

/// `vitrine tag --json`.
#[derive(Serialize)]
struct TagReport<'a> {
    photo: String,
    model: String,
    /// True when nothing in the catalogue looks like the photo.
    unlike_catalogue: bool,
    /// True when the tags are a guess: none is presented as predicted.
    tags_are_a_guess: bool,
    familiarity: Option<Familiarity>,
    /// Names of the tags presented as predicted, most probable first.
    predicted: Vec<&'a str>,
    /// Every tag, most probable first.
    tags: &'a [PredictedTag],
    lookalikes: Vec<LookalikeRow>,
}

#[derive(Serialize)]
struct LookalikeRow {
    item: String,
    similarity: f32,
}

pub fn tag(args: &TagArgs) -> anyhow::Result<()> {
    // A photo vitrine cannot open is refused before any model is loaded.
    vitrine::photo::check(&args.image)?;
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let checkpoint = match &args.checkpoint {
        Some(p) => p.clone(),
        None => {
            let root = args.model.checkpoint_root();
            Checkpoint::latest_for(&root, &catalogue.name)
                .with_context(|| {
                    format!(
                        "no model trained on {} in {}: run `vitrine train` first, or give \
                         --checkpoint",
                        catalogue.name,
                        root.display()
                    )
                })?
                .dir
        }
    };
    let mut session = prepared_session(&args.model, &catalogue, Some(&checkpoint))?;
    let p = prediction(&mut session, &args.image)?;
    let tags = p.tags.clone().unwrap_or_default();
    if args.json {
        let report = TagReport {
            photo: p.source.display().to_string(),
            model: checkpoint.display().to_string(),
            unlike_catalogue: p.familiarity.is_some_and(|f| f.unlike_catalogue),
            tags_are_a_guess: p.tags_are_a_guess,
            familiarity: p.familiarity,
            predicted: tags
                .iter()
                .filter(|t| t.predicted)
                .map(|t| t.name.as_str())
                .collect(),
            tags: &tags,
            lookalikes: p
                .lookalikes
                .iter()
                .filter_map(|n| {
                    catalogue.items.get(n.index).map(|item| LookalikeRow {
                        item: item.id.clone(),
                        similarity: n.score,
                    })
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("{} (model {})", p.source.display(), checkpoint.display());
    print_tags(&p, &tags);
    println!("lookalikes:");
    print_neighbours(&catalogue, &p.lookalikes);
    Ok(())
}

/// The predicted tags, or the guess on a photo unlike the catalogue.
fn print_tags(p: &Prediction, tags: &[PredictedTag]) {
    if let Some(f) = p.familiarity.filter(|f| f.unlike_catalogue) {
        println!(
            "{} (closest similarity {:.2}, {:.2} on raw features; the catalogue's own reach \
             {:.2}, {:.2})",
            Familiarity::NOTICE,
            f.best_similarity,
            f.best_raw_similarity,
            f.cutoff,
            f.raw_cutoff
        );
    }
    if p.tags_are_a_guess {
        let guess: Vec<String> = tags.iter().take(SHOWN_OTHERS).map(percent).collect();
        println!("tags: none predicted");
        println!(
            "a guess, not to be trusted (what the model says of a photo it knows nothing \
             like): {}",
            guess.join(", ")
        );
        return;
    }
    let chosen: Vec<String> = tags.iter().filter(|t| t.predicted).map(percent).collect();
    println!(
        "tags: {}",
        if chosen.is_empty() {
            "(none above their thresholds)".to_string()
        } else {
            chosen.join(", ")
        }
    );
    let others: Vec<String> = tags
        .iter()
        .filter(|t| !t.predicted)
        .take(SHOWN_OTHERS)
        .map(percent)
        .collect();
    println!("next most likely: {}", others.join(", "));
}
