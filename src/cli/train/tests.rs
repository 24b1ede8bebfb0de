use std::path::{Path, PathBuf};

use clap::Parser;

use super::TrainArgs;
use crate::cli::{Cli, Command};

fn train_args(args: &[&str]) -> TrainArgs {
    let cli = Cli::try_parse_from(["vitrine", "train"].iter().chain(args))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    match cli.command {
        Some(Command::Train(t)) => t,
        other => panic!("{args:?} parsed as {other:?}"),
    }
}

#[test]
fn resume_alone_means_the_latest_run_and_with_a_value_a_checkpoint() {
    assert_eq!(train_args(&[]).resume, None);
    assert_eq!(train_args(&["--resume"]).resume, Some(None));
    let given = Some(Some(PathBuf::from("/runs/a/epoch-0003")));
    assert_eq!(train_args(&["--resume=/runs/a/epoch-0003"]).resume, given);
    assert_eq!(
        train_args(&["--resume", "/runs/a/epoch-0003"]).resume,
        given
    );
    let with_epochs = train_args(&["--resume", "--epochs", "200"]);
    assert_eq!(
        (with_epochs.resume, with_epochs.epochs),
        (Some(None), Some(200))
    );
    let after_catalogue = train_args(&["shop.csv", "--resume"]);
    assert_eq!(after_catalogue.resume, Some(None));
    assert_eq!(
        after_catalogue.catalogue.catalogue.as_deref(),
        Some(Path::new("shop.csv"))
    );
}
