//! `vitrine tags`: the import report, the tag vocabulary and each item's terms and tags.

use clap::Args;
use serde::Serialize;
use vitrine::catalogue::{Catalogue, ImportReport};
use vitrine::text::{TagSet, TermKind};

use super::vocab::{derive, saved_settings, VocabFlags};
use super::CatalogueArgs;

#[derive(Debug, Args)]
pub struct TagsArgs {
    #[command(flatten)]
    catalogue: CatalogueArgs,
    /// Print JSON (report, vocabulary, items) instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    vocab: VocabFlags,
    /// Terms of each kind kept per item (by TF-IDF).
    #[arg(long, default_value_t = 10)]
    per_item: usize,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    description: &'a str,
    nouns: &'a [String],
    adjectives: &'a [String],
    tags: &'a [String],
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    catalogue: &'a str,
    report: &'a ImportReport,
    vocabulary: &'a vitrine::text::Vocabulary,
    stats: &'a vitrine::text::TagStats,
    items: Vec<JsonItem<'a>>,
}

pub fn run(args: &TagsArgs) -> anyhow::Result<()> {
    let catalogue = args.catalogue.load()?;
    let mut settings = args.vocab.apply(saved_settings(&catalogue)?)?;
    settings.options.top_terms_per_item = args.per_item;
    let derived = derive(&catalogue, &settings);
    for note in &derived.notes {
        eprintln!("note: vocabulary edit skipped: {note}");
    }
    let tags = derived.set;
    if !args.json {
        println!("Vocabulary: {}", settings.describe());
    }
    if args.json {
        print_json(&catalogue, &tags)
    } else {
        print_text(&catalogue, &tags);
        Ok(())
    }
}

fn print_json(catalogue: &Catalogue, tags: &TagSet) -> anyhow::Result<()> {
    let out = JsonOutput {
        catalogue: &catalogue.name,
        report: &catalogue.report,
        vocabulary: &tags.vocabulary,
        stats: &tags.stats,
        items: catalogue
            .items
            .iter()
            .zip(&tags.items)
            .map(|(item, terms)| JsonItem {
                id: &item.id,
                description: &item.description,
                nouns: &terms.nouns,
                adjectives: &terms.adjectives,
                tags: &terms.tags,
            })
            .collect(),
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn print_text(catalogue: &Catalogue, tags: &TagSet) {
    println!("{} ({})", catalogue.name, catalogue.source.display());
    println!("Import: {}", catalogue.report.summary());
    for problem in &catalogue.report.problems {
        println!("  - {problem}");
    }
    for note in &catalogue.report.notes {
        println!("  note: {note}");
    }
    println!();
    println!(
        "Tag vocabulary: {} tags from {} items, {} tokens",
        tags.vocabulary.len(),
        tags.stats.items,
        tags.stats.tokens
    );
    for (kind, label) in [
        (TermKind::Noun, "nouns"),
        (TermKind::Adjective, "adjectives"),
    ] {
        let list: Vec<String> = tags
            .vocabulary
            .tags
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| format!("{} ({})", t.name, t.count))
            .collect();
        println!("  {label}: {}", list.join(", "));
    }
    println!();
    for (item, terms) in catalogue.items.iter().zip(&tags.items) {
        println!("{}", item.id);
        println!("  nouns:      {}", terms.nouns.join(", "));
        println!("  adjectives: {}", terms.adjectives.join(", "));
        println!("  tags:       {}", terms.tags.join(", "));
    }
}
