//! `vitrine eval lookalikes [CATALOGUE] --attribute NAME=COLUMN …`: how often lookalikes share
//! each labelled attribute of the item (P@5), for every Match preset and the catalogue's fitted
//! weights; `--fit` chooses that catalogue's own weights by cross-validation and saves them as
//! its *Fitted* preset; `--search` chooses weights for several catalogues at once (how the
//! defaults were chosen). Without a catalogue: the demo (category, and the colour its
//! descriptions name), plus clothing-3781 with `--clothing`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use vitrine::catalogue::{self, Catalogue, ImportOptions};
use vitrine::engine::Command;
use vitrine::index::LOOKALIKES;
use vitrine::lookalike::eval::{attribute_labels, ScoredCatalogue, DESCRIPTION_COLOUR};
use vitrine::lookalike::fit::{search, weight_grid, Search};
use vitrine::lookalike::fitted::{self, FittedWeights};
use vitrine::lookalike::{Preset, Query, Weights};
use vitrine::vision::BackboneKind;

use super::session::{ModelArgs, Session};

#[derive(Debug, Args)]
pub struct EvalLookalikesArgs {
    /// The catalogue to measure (CSV, JSON or folder); the demo catalogue when left out.
    catalogue: Option<PathBuf>,
    /// An attribute to measure, NAME=COLUMN (repeatable): lookalikes should share the item's
    /// value of COLUMN. COLUMN `description-colour` is the colour the description names first.
    /// Default: category=category (when the column exists) and colour=description-colour
    /// (when there are descriptions).
    #[arg(long = "attribute", value_name = "NAME=COLUMN")]
    attributes: Vec<String>,
    /// Also measure clothing-3781 (its folder or its catalogue.csv), by its category.
    #[arg(long)]
    clothing: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// Choose this catalogue's own weights (grid, cross-validation over query items) and save
    /// them as its Fitted preset.
    #[arg(long, conflicts_with = "clothing")]
    fit: bool,
    /// Choose weights for every catalogue measured at once (cross-validated), without saving.
    #[arg(long)]
    search: bool,
    /// Folds of the cross-validation.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(2..=20))]
    folds: u16,
    /// Also measure with mirror-image embeddings switched the other way.
    #[arg(long)]
    compare_mirror: bool,
}

/// Reads `NAME=COLUMN` (a bare `NAME` means the column of that name).
fn parse_attribute(spec: &str) -> anyhow::Result<(String, String)> {
    let (name, column) = spec.split_once('=').unwrap_or((spec, spec));
    let (name, column) = (name.trim(), column.trim());
    if name.is_empty() || column.is_empty() {
        bail!("'{spec}' is not NAME=COLUMN (e.g. --attribute type=product_type)");
    }
    Ok((name.to_string(), column.to_string()))
}

/// The attributes to measure on `catalogue`: those asked for (every column must exist), or
/// the defaults.
fn attributes_of(
    catalogue: &Catalogue,
    specs: &[String],
) -> anyhow::Result<Vec<(String, Vec<Option<String>>)>> {
    let has_column = |c: &str| catalogue.items.iter().any(|i| i.attributes.contains_key(c));
    let has_text = catalogue.items.iter().any(|i| !i.description.is_empty());
    let mut pairs = Vec::new();
    for spec in specs {
        let (name, column) = parse_attribute(spec)?;
        let known = has_column(&column) || (column == DESCRIPTION_COLOUR && has_text);
        if !known {
            bail!(
                "{} has no column '{column}' (columns: {})",
                catalogue.name,
                columns(catalogue).join(", ")
            );
        }
        pairs.push((name, column));
    }
    if specs.is_empty() {
        if has_column("category") {
            pairs.push(("category".into(), "category".into()));
        }
        if has_text {
            pairs.push(("colour".into(), DESCRIPTION_COLOUR.into()));
        }
    }
    if pairs.is_empty() {
        bail!(
            "nothing to measure on {}: name a column with --attribute NAME=COLUMN (columns: {})",
            catalogue.name,
            columns(catalogue).join(", ")
        );
    }
    Ok(pairs
        .into_iter()
        .map(|(name, column)| (name, attribute_labels(catalogue, &column)))
        .collect())
}

fn columns(catalogue: &Catalogue) -> Vec<String> {
    let mut c: Vec<String> = catalogue
        .items
        .iter()
        .flat_map(|i| i.attributes.keys().cloned())
        .collect();
    c.sort();
    c.dedup();
    c
}

/// Every item's normalised similarities with every other, through a worker.
fn scored(
    model: &ModelArgs,
    catalogue: &Arc<Catalogue>,
    labels: Vec<(String, Vec<Option<String>>)>,
    flip: Option<bool>,
) -> anyhow::Result<ScoredCatalogue> {
    let mut options = model.options(BackboneKind::EfficientNetLite0);
    if let Some(flip) = flip {
        options.flip_embeddings = flip;
    }
    let mut session = Session::start_with(options)?;
    session.request(Command::SetCatalogue(catalogue.clone()), |_, _| Ok(()))?;
    let (_, index) = super::match_cli::session_index(&mut session)?;
    let scores = (0..index.len())
        .map(|i| index.scores(&Query::Item(i)))
        .collect();
    Ok(ScoredCatalogue {
        name: catalogue.name.clone(),
        scores,
        labels,
    })
}

fn open(path: &Path) -> anyhow::Result<Catalogue> {
    let file = if path.is_dir() && path.join("catalogue.csv").is_file() {
        path.join("catalogue.csv")
    } else {
        path.to_path_buf()
    };
    catalogue::load(&file, &ImportOptions::default())
        .with_context(|| format!("cannot open catalogue {}", file.display()))
}

fn weights_label(w: &Weights) -> String {
    format!(
        "{:.2} / {:.2} / {:.2} / {:.2}",
        w.shape, w.colour, w.text, w.kind
    )
}

/// The catalogues to measure, each with its attributes.
fn catalogues(args: &EvalLookalikesArgs) -> anyhow::Result<Vec<(Arc<Catalogue>, Vec<String>)>> {
    let mut out = Vec::new();
    match &args.catalogue {
        Some(path) => out.push((Arc::new(open(path)?), args.attributes.clone())),
        None => out.push((
            Arc::new(catalogue::demo().context("cannot open the demo catalogue")?),
            args.attributes.clone(),
        )),
    }
    if let Some(path) = &args.clothing {
        out.push((Arc::new(open(path)?), vec!["category=category".into()]));
    }
    Ok(out)
}

pub fn run(args: &EvalLookalikesArgs) -> anyhow::Result<()> {
    let catalogues = catalogues(args)?;
    let default_flip = args
        .model
        .options(BackboneKind::EfficientNetLite0)
        .flip_embeddings;
    let flips: Vec<bool> = if args.compare_mirror {
        vec![!default_flip, default_flip]
    } else {
        vec![default_flip]
    };
    println!("| catalogue | embeddings | preset | weights shape / colour / description / type | attribute | P@5 |");
    println!("|---|---|---|---|---|---|");
    let mut last = Vec::new();
    for &flip in &flips {
        let mut scored_all = Vec::new();
        for (catalogue, specs) in &catalogues {
            let labels = attributes_of(catalogue, specs)?;
            let scored = scored(&args.model, catalogue, labels, Some(flip))?;
            print_presets(catalogue, &scored, flip);
            scored_all.push(scored);
        }
        last = scored_all;
    }
    if args.fit {
        let (catalogue, specs) = &catalogues[0];
        let found = search(&last, &weight_grid(), usize::from(args.folds));
        print_search(&found, usize::from(args.folds));
        save_fitted(catalogue, specs, &found, usize::from(args.folds))?;
    } else if args.search {
        let found = search(&last, &weight_grid(), usize::from(args.folds));
        print_search(&found, usize::from(args.folds));
    }
    Ok(())
}

/// P@5 of every preset (and the saved fitted weights) on one catalogue.
fn print_presets(catalogue: &Catalogue, scored: &ScoredCatalogue, flip: bool) {
    let mut rows: Vec<(String, Weights)> = Preset::ALL
        .iter()
        .map(|p| (p.label().to_string(), p.weights()))
        .collect();
    match fitted::load(&vitrine::paths::catalogue_state_dir(catalogue)) {
        Ok(Some(f)) => rows.push(("Fitted".into(), f.weights)),
        Ok(None) => {}
        Err(e) => eprintln!("note: the fitted weights cannot be read: {e}"),
    }
    let all: Vec<usize> = (0..scored.scores.len()).collect();
    for (name, w) in rows {
        let found = scored.lookalikes(&w, LOOKALIKES, &all);
        for (attribute, labels) in &scored.labels {
            if let Some(p) = vitrine::lookalike::eval::precision(&found, labels) {
                println!(
                    "| {} | {} | {name} | {} | {attribute} | {p:.3} |",
                    catalogue.name,
                    if flip { "photo + mirror" } else { "photo" },
                    weights_label(&w)
                );
            }
        }
    }
}

fn print_search(found: &Search, folds: usize) {
    let names: Vec<String> = found
        .metrics
        .iter()
        .map(|m| format!("{} {}", m.catalogue, m.attribute))
        .collect();
    println!();
    println!(
        "Weight search ({} settings; objective: harmonic mean of the P@5 figures {}); \
         {folds}-fold cross-validation over query items.",
        weight_grid().len(),
        names.join(", ")
    );
    println!(
        "| fold | chosen on the other folds (shape / colour / description / type) | held-out P@5 |"
    );
    println!("|---|---|---|");
    for (k, f) in found.folds.iter().enumerate() {
        let held: Vec<String> = names
            .iter()
            .zip(&f.held_out)
            .map(|(n, p)| format!("{n} {p:.3}"))
            .collect();
        println!(
            "| {k} | {} | {} |",
            weights_label(&f.chosen),
            held.join(", ")
        );
    }
    println!();
    println!("Cross-validated (mean of the held-out folds):");
    println!("| weights | {} | harmonic mean |", names.join(" | "));
    println!("|---|{}---|", "---|".repeat(names.len()));
    for m in &found.measured {
        let p: Vec<String> = m.p5.iter().map(|p| format!("{p:.3}")).collect();
        let label = if m.name == "fitted" {
            "search (chosen per fold)".to_string()
        } else {
            m.name.clone()
        };
        println!("| {label} | {} | {:.3} |", p.join(" | "), m.objective);
    }
    let p: Vec<String> = found.chosen_p5.iter().map(|p| format!("{p:.3}")).collect();
    println!(
        "\nweights chosen on every query: {} (P@5 on every query: {})",
        weights_label(&found.chosen),
        p.join(" / ")
    );
}

fn save_fitted(
    catalogue: &Catalogue,
    specs: &[String],
    found: &Search,
    folds: usize,
) -> anyhow::Result<()> {
    let Some(cv) = found.measured.first() else {
        return Ok(());
    };
    let fitted = FittedWeights {
        version: fitted::VERSION,
        weights: found.chosen,
        attributes: if specs.is_empty() {
            found.metrics.iter().map(|m| m.attribute.clone()).collect()
        } else {
            specs.to_vec()
        },
        rule: "harmonic mean of the attributes' P@5".into(),
        folds,
        cross_validated: found
            .metrics
            .iter()
            .zip(&cv.p5)
            .map(|(m, p)| (m.attribute.clone(), *p))
            .collect(),
    };
    let path = fitted::save(&vitrine::paths::catalogue_state_dir(catalogue), &fitted)
        .context("cannot save the fitted weights")?;
    println!(
        "Saved as {}'s Fitted preset ({}): `--match fitted`, and Fitted in the window's Match menu.",
        catalogue.name,
        path.display()
    );
    Ok(())
}
