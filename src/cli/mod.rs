//! The command line: `vitrine` opens the window; subcommands run the same engine headless.

mod bench;
mod bench_compare;
mod bench_index;
mod cv;
mod duplicates;
mod eval_lookalikes;
mod export;
mod export_lookalikes;
mod export_shop;
mod fetch_progress;
mod lookalikes;
mod mask;
mod match_cli;
mod session;
mod tag;
mod tags;
mod train;
mod vocab;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use vitrine::catalogue::{self, Catalogue, ImportOptions};

/// vitrine: a self-tagging, lookalike-finding fashion catalogue.
#[derive(Debug, Parser)]
#[command(
    name = "vitrine",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Open the window on this catalogue (CSV, JSON or folder) instead of the last one.
    catalogue: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import a catalogue and print its report, tag vocabulary and each item's tags.
    Tags(tags::TagsArgs),
    /// Train a tagging model (progress bar, metrics each epoch, a checkpoint every epoch).
    Train(train::TrainArgs),
    /// Show the five closest lookalikes of a catalogue item or of a photo file.
    Similar(lookalikes::SimilarArgs),
    /// Predict the tags of a photo with the latest (or a given) trained model.
    Tag(tag::TagArgs),
    /// Compute (and cache) the lookalike embeddings of a catalogue.
    Embed(lookalikes::EmbedArgs),
    /// Measure speed: tag extraction, embedding, training and lookalike queries.
    Bench(bench::BenchArgs),
    /// Show or edit a catalogue's tag vocabulary (saved with vitrine's state for it; the
    /// window edits the same).
    Vocab(vocab::VocabArgs),
    /// Write a catalogue's tags (or other results) to a file.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Cross-validate fast mode: mean ± sd of F1 and calibration error over k folds.
    Cv(cv::CvArgs),
    /// Measure quality on catalogues with known answers.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Write the garment mask the colour similarity uses for a photo, to check it.
    Mask(mask::MaskArgs),
    /// List a catalogue's near-duplicates (the same photo re-encoded, cropped, mirrored…).
    Duplicates(duplicates::DuplicatesArgs),
}

/// `vitrine eval …`
#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// P@5 of lookalikes per labelled attribute, for every Match preset; --fit saves a
    /// catalogue's own weights.
    Lookalikes(eval_lookalikes::EvalLookalikesArgs),
    /// Precision and recall of near-duplicates on synthetic copies of catalogue photos.
    Duplicates(duplicates::EvalDuplicatesArgs),
}

/// Which catalogue to open; the embedded demo catalogue when none is given.
#[derive(Debug, Args, Clone)]
pub struct CatalogueArgs {
    /// A catalogue: CSV file, FEIDEGGER-style JSON file, or a folder of photos.
    pub catalogue: Option<PathBuf>,
    /// CSV column holding the image path (found automatically by common names).
    #[arg(long)]
    pub image_column: Option<String>,
    /// CSV column holding the description (found automatically by common names).
    #[arg(long)]
    pub description_column: Option<String>,
    /// Folder holding the images of a JSON catalogue (default: the JSON file's folder).
    #[arg(long)]
    pub image_dir: Option<PathBuf>,
    /// Use only photos already in vitrine's photo cache; download nothing.
    #[arg(long)]
    pub offline: bool,
}

impl CatalogueArgs {
    /// Imports the catalogue, or the demo catalogue.
    pub fn load(&self) -> anyhow::Result<Catalogue> {
        match &self.catalogue {
            Some(path) => {
                let options = ImportOptions {
                    image_column: self.image_column.clone(),
                    description_column: self.description_column.clone(),
                    image_dir: self.image_dir.clone(),
                };
                fetch_progress::load(path, &options, self.offline)
                    .with_context(|| format!("cannot open catalogue {}", path.display()))
            }
            None => catalogue::demo().context("cannot open the demo catalogue"),
        }
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => vitrine::ui::run_app(cli.catalogue),
        Some(Command::Tags(args)) => tags::run(&args),
        Some(Command::Train(args)) => train::train(&args),
        Some(Command::Similar(args)) => lookalikes::similar(&args),
        Some(Command::Tag(args)) => tag::tag(&args),
        Some(Command::Embed(args)) => lookalikes::embed(&args),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Vocab(args)) => vocab::run(&args),
        Some(Command::Export(command)) => export::run(&command),
        Some(Command::Cv(args)) => cv::run(&args),
        Some(Command::Eval(EvalCommand::Lookalikes(args))) => eval_lookalikes::run(&args),
        Some(Command::Mask(args)) => mask::run(&args),
        Some(Command::Duplicates(args)) => duplicates::run(&args),
        Some(Command::Eval(EvalCommand::Duplicates(args))) => duplicates::eval(&args),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command's options are well formed: no two share a name (clap checks this only
    /// when a command is used, so a clash would otherwise surface as a crash for the user).
    #[test]
    fn every_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
