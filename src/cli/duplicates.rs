//! `vitrine duplicates [CATALOGUE] [--threshold]`: a catalogue's near-duplicate groups; and
//! `vitrine eval duplicates`: their precision and recall on synthetic copies of the demo (and
//! clothing-3781) photos mixed with the catalogue's distinct items, per threshold.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use vitrine::catalogue::{self, Catalogue, ImportOptions};
use vitrine::engine::Command;
use vitrine::lookalike::copies::Variant;
use vitrine::lookalike::duplicates::{
    groups, pairs, precision_recall, PrecisionRecall, DEFAULT_THRESHOLD,
};
use vitrine::vision::BackboneKind;

use super::session::{open_catalogue, ModelArgs, Session};
use super::CatalogueArgs;

#[derive(Debug, Args)]
pub struct DuplicatesArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Embedding cosine from which two items are near-duplicates.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f32,
}

#[derive(Debug, Args)]
pub struct EvalDuplicatesArgs {
    /// Also measure on clothing-3781 (its folder or its catalogue.csv).
    #[arg(long)]
    clothing: Option<PathBuf>,
    /// Photos copied per catalogue (each in every variant); the rest stay distinct items.
    #[arg(long, default_value_t = 60)]
    originals: usize,
    #[command(flatten)]
    model: ModelArgs,
}

/// The embeddings' index of a catalogue, through a worker.
fn shape_index(
    model: &ModelArgs,
    catalogue: &Arc<Catalogue>,
) -> anyhow::Result<Arc<vitrine::index::EmbeddingIndex>> {
    let mut session = Session::start(model, BackboneKind::EfficientNetLite0)?;
    session.request(Command::SetCatalogue(catalogue.clone()), |_, _| Ok(()))?;
    Ok(super::match_cli::embeddings(&mut session)?.index.clone())
}

pub fn run(args: &DuplicatesArgs) -> anyhow::Result<()> {
    let catalogue = Arc::new(open_catalogue(&args.catalogue)?);
    let index = shape_index(&args.model, &catalogue)?;
    let found = pairs(&index, args.threshold);
    let grouped = groups(index.len(), &found);
    println!(
        "{}: {} near-duplicate groups ({} items) at embedding cosine ≥ {:.2}",
        catalogue.name,
        grouped.len(),
        grouped.iter().map(Vec::len).sum::<usize>(),
        args.threshold
    );
    for (k, group) in grouped.iter().enumerate() {
        println!("group {}:", k + 1);
        let first = group[0];
        for &i in group {
            let similarity = index
                .vector(first)
                .zip(index.vector(i))
                .map(|(a, b)| vitrine::index::cosine(&a, &b))
                .unwrap_or(0.0);
            println!(
                "  {}  (cosine with the first {:.3})",
                catalogue.items[i].id, similarity
            );
        }
    }
    Ok(())
}

/// Thresholds measured.
fn thresholds() -> Vec<f32> {
    (0..=14).map(|k| 0.80 + 0.0125 * k as f32).collect()
}

/// `catalogue` with copies of every `step`-th photo in each variant (written to `dir`): the
/// mixed catalogue and each item's source (the original's position for originals and copies).
fn with_copies(
    catalogue: &Catalogue,
    originals: usize,
    dir: &std::path::Path,
) -> anyhow::Result<(Catalogue, Vec<Option<usize>>)> {
    let n = catalogue.items.len();
    let step = (n / originals.max(1)).max(1);
    let mut csv = String::from("image,source\n");
    let mut source = Vec::new();
    for (i, item) in catalogue.items.iter().enumerate() {
        let copied = i % step == 0 && i / step < originals;
        csv.push_str(&format!("{},{}\n", csv_field(&item.image_path), i));
        source.push(copied.then_some(i));
    }
    for (i, item) in catalogue.items.iter().enumerate() {
        if !(i % step == 0 && i / step < originals) {
            continue;
        }
        let photo = vitrine::vision::transforms::load_image(&item.image_path)
            .with_context(|| format!("cannot read {}", item.image_path.display()))?;
        for v in Variant::ALL {
            let path = dir.join(format!("{i:05}-{}.jpg", v.name()));
            v.write(&photo, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            csv.push_str(&format!("{},{}\n", csv_field(&path), i));
            source.push(Some(i));
        }
    }
    let file = dir.join("catalogue.csv");
    std::fs::write(&file, csv).context("cannot write the mixed catalogue")?;
    let mixed = catalogue::load(&file, &ImportOptions::default())
        .context("cannot open the mixed catalogue")?;
    anyhow::ensure!(
        mixed.items.len() == source.len(),
        "the mixed catalogue lost items ({} of {})",
        mixed.items.len(),
        source.len()
    );
    Ok((mixed, source))
}

fn csv_field(path: &std::path::Path) -> String {
    format!("\"{}\"", path.display().to_string().replace('"', "\"\""))
}

pub fn eval(args: &EvalDuplicatesArgs) -> anyhow::Result<()> {
    let mut catalogues = vec![catalogue::demo().context("cannot open the demo catalogue")?];
    if let Some(path) = &args.clothing {
        let file = if path.is_dir() {
            path.join("catalogue.csv")
        } else {
            path.clone()
        };
        catalogues.push(
            catalogue::load(&file, &ImportOptions::default())
                .with_context(|| format!("cannot open catalogue {}", file.display()))?,
        );
    }
    let ts = thresholds();
    let mut pooled: Vec<PrecisionRecall> = Vec::new();
    println!("| catalogue | items (copies) | threshold | pairs found | precision | recall | F1 |");
    println!("|---|---|---|---|---|---|---|");
    for catalogue in &catalogues {
        let dir = std::env::temp_dir().join(format!(
            "vitrine-duplicates-{}-{}",
            std::process::id(),
            vitrine::paths::catalogue_key(catalogue)
        ));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot make the scratch folder {}", dir.display()))?;
        let mixed = with_copies(catalogue, args.originals, &dir);
        let measured_index = mixed
            .and_then(|(mixed, source)| Ok((shape_index(&args.model, &Arc::new(mixed))?, source)));
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            log::warn!("the scratch folder {} was not removed: {e}", dir.display());
        }
        let (index, source) = measured_index?;
        let copies = source.len() - catalogue.items.len();
        let measured = precision_recall(&index, &source, &ts);
        for m in &measured {
            println!(
                "| {} | {} ({copies}) | {:.4} | {} | {:.3} | {:.3} | {:.3} |",
                catalogue.name,
                source.len(),
                m.threshold,
                m.found,
                m.precision(),
                m.recall(),
                m.f1()
            );
        }
        if pooled.is_empty() {
            pooled = measured;
        } else {
            for (p, m) in pooled.iter_mut().zip(measured) {
                p.found += m.found;
                p.correct += m.correct;
                p.truth += m.truth;
            }
        }
    }
    if let Some(best) = pooled.iter().max_by(|a, b| a.f1().total_cmp(&b.f1())) {
        println!(
            "\nBest F1 over every catalogue together: threshold {:.4} (precision {:.3}, recall \
             {:.3}); the default is {DEFAULT_THRESHOLD:.4}.",
            best.threshold,
            best.precision(),
            best.recall()
        );
    }
    Ok(())
}
