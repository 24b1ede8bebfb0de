//! `vitrine similar` and `vitrine embed`: the lookalike index, headless (`vitrine tag` is in
//! `tag.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::bail;
use clap::Args;
use vitrine::catalogue::Catalogue;
use vitrine::engine::protocol::{CatalogueEmbeddings, PredictedTag, Prediction};
use vitrine::engine::{Command, EventBody};
use vitrine::index::{Neighbour, LOOKALIKES};
use vitrine::lookalike::export::ExportRow;
use vitrine::lookalike::query::photo_query;
use vitrine::lookalike::{Match, Query};
use vitrine::vision::BackboneKind;

use super::match_cli::{session_index, MatchArgs};
use super::session::{open_catalogue, ModelArgs, Session};
use super::CatalogueArgs;

#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// A catalogue item id (its image path as written in the catalogue), its 1-based number,
    /// or a photo file.
    item_or_image: String,
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Use the backbone of this fine-tuned checkpoint instead of the pretrained one.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    #[command(flatten)]
    matching: MatchArgs,
    /// Print the lookalikes as JSON (item, rank, neighbour, score, shape, colour, text, type).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct EmbedArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
}

/// A session with the catalogue taken by the worker (and a checkpoint loaded, if given).
pub(super) fn prepared_session(
    model: &ModelArgs,
    catalogue: &Arc<Catalogue>,
    checkpoint: Option<&Path>,
) -> anyhow::Result<Session> {
    let mut session = Session::start(model, BackboneKind::EfficientNetLite0)?;
    session.request(Command::SetCatalogue(catalogue.clone()), |_, _| Ok(()))?;
    if let Some(ck) = checkpoint {
        session.request(Command::LoadCheckpoint(ck.to_path_buf()), |_, _| Ok(()))?;
    }
    Ok(session)
}

fn embeddings(session: &mut Session) -> anyhow::Result<Arc<CatalogueEmbeddings>> {
    session.request_one(Command::Embed, "embeddings", |body| match body {
        EventBody::Embeddings(e) => Some(e),
        _ => None,
    })
}

pub(super) fn prediction(session: &mut Session, photo: &Path) -> anyhow::Result<Arc<Prediction>> {
    let command = Command::Predict(photo.to_path_buf());
    session.request_one(command, "a prediction", |body| match body {
        EventBody::Prediction(p) => Some(p),
        _ => None,
    })
}

pub fn similar(args: &SimilarArgs) -> anyhow::Result<()> {
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let item = find_item(&catalogue, &args.item_or_image);
    let photo = Path::new(&args.item_or_image);
    if item.is_none() {
        if !photo.exists() {
            bail!(
                "'{}' is neither an item of {} nor a photo file",
                args.item_or_image,
                catalogue.name
            );
        }
        vitrine::photo::check(photo)?;
    }
    let mut session = prepared_session(&args.model, &catalogue, args.checkpoint.as_deref())?;
    let (found, mut index) = session_index(&mut session)?;
    args.matching.configure(&mut index);
    let (weights, weights_name) = args.matching.weights(&catalogue)?;
    let (name, query) = match item {
        Some(i) => {
            if !found.has_vector(i) {
                bail!("the photo of {} could not be read", catalogue.items[i].id);
            }
            (catalogue.items[i].id.clone(), Query::Item(i))
        }
        None => {
            let p = prediction(&mut session, photo)?;
            (p.source.display().to_string(), photo_query(&index, &p))
        }
    };
    let matches = index.lookalikes(&query, &weights, LOOKALIKES);
    if args.json {
        let rows: Vec<ExportRow> = matches
            .iter()
            .enumerate()
            .map(|(r, m)| ExportRow {
                item: name.clone(),
                rank: r + 1,
                neighbour: catalogue.items[m.index].id.clone(),
                score: m.score,
                shape: m.shape,
                colour: m.colour,
                text: m.text,
                kind: m.kind,
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "Lookalikes of {name} (match: {weights_name}; score = {}):",
            super::match_cli::formula(&weights)
        );
        print_matches(&catalogue, &matches);
    }
    Ok(())
}

fn print_matches(catalogue: &Catalogue, matches: &[Match]) {
    for (rank, m) in matches.iter().enumerate() {
        if let Some(item) = catalogue.items.get(m.index) {
            let category = item
                .attributes
                .get("category")
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            println!(
                "{}. {:>6.2} (shape {:+.2} colour {:+.2} description {:+.2} type {:+.2})  {}{category}  {}",
                rank + 1,
                m.score,
                m.shape,
                m.colour,
                m.text,
                m.kind,
                item.id,
                first_words(&item.description, 10)
            );
        }
    }
}

pub fn embed(args: &EmbedArgs) -> anyhow::Result<()> {
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let mut session = prepared_session(&args.model, &catalogue, None)?;
    let found = embeddings(&mut session)?;
    println!(
        "{} of {} photos embedded with the {}; cached in {}",
        found.vectors_present(),
        catalogue.items.len(),
        found.model,
        vitrine::paths::cache_dir().join("embeddings").display()
    );
    Ok(())
}

pub(super) fn percent(tag: &PredictedTag) -> String {
    format!("{} {:.0}%", tag.name, tag.probability * 100.0)
}

/// Finds a catalogue item by id, by file name, or by 1-based number.
fn find_item(catalogue: &Catalogue, key: &str) -> Option<usize> {
    catalogue
        .items
        .iter()
        .position(|i| i.id == key)
        .or_else(|| {
            catalogue
                .items
                .iter()
                .position(|i| Path::new(&i.id).file_name().and_then(|n| n.to_str()) == Some(key))
        })
        .or_else(|| {
            key.parse::<usize>()
                .ok()
                .filter(|n| *n >= 1 && *n <= catalogue.items.len())
                .map(|n| n - 1)
        })
}

pub(super) fn print_neighbours(catalogue: &Catalogue, neighbours: &[Neighbour]) {
    for (rank, n) in neighbours.iter().enumerate() {
        if let Some(item) = catalogue.items.get(n.index) {
            let category = item
                .attributes
                .get("category")
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            println!(
                "{}. {:.3}  {}{category}  {}",
                rank + 1,
                n.score,
                item.id,
                first_words(&item.description, 12)
            );
        }
    }
}

fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut s = words.iter().take(n).copied().collect::<Vec<_>>().join(" ");
    if words.len() > n {
        s.push_str(" ...");
    }
    s
}
