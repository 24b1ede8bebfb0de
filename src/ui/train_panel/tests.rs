//! Unit tests of the Train tab's state and words.

use std::path::PathBuf;

use super::progress::duration_words;
use super::state::SortBy;
use super::tag_table::{next_sort, sorted_rows};
use super::{RunStatus, TrainState};
use crate::engine::metrics::{Metrics, TagScore};
use crate::engine::protocol::Progress;
use crate::engine::{TrainConfig, TrainMode};

fn progress(epoch: usize, step: usize) -> Progress {
    Progress {
        epoch,
        epochs: 4,
        step,
        steps_per_epoch: 5,
        global_step: (epoch - 1) * 5 + step,
        loss: 0.5,
        images_per_sec: 100.0,
        eta_secs: 3.0,
    }
}

#[test]
fn progress_fraction_and_points() {
    let mut s = TrainState::new(TrainConfig::default());
    s.status = RunStatus::Starting;
    s.push_progress(progress(2, 5));
    assert_eq!(s.status, RunStatus::Running);
    assert!((s.fraction_done() - 0.5).abs() < 1e-6);
    assert_eq!(s.losses.len(), 1);
    s.push_eval(2.0, 10, Metrics::default());
    assert_eq!(s.evals.len(), 1);
}

#[test]
fn resume_needs_more_epochs_than_done() {
    let mut s = TrainState::new(TrainConfig {
        epochs: 3,
        ..TrainConfig::default()
    });
    assert!(s.resume_config().is_err());
    s.last_checkpoint = Some((PathBuf::from("/ck"), 3));
    assert!(s.resume_config().unwrap_err().contains("above 3"));
    s.config.epochs = 5;
    s.run_config = Some(TrainConfig::for_mode(TrainMode::FineTune));
    let (path, config) = s.resume_config().unwrap();
    assert_eq!(path, PathBuf::from("/ck"));
    assert_eq!(config.mode, TrainMode::FineTune);
    assert_eq!(config.epochs, 5);
}

#[test]
fn durations_in_words() {
    assert_eq!(duration_words(4.2), "about 5 s");
    assert_eq!(duration_words(125.0), "about 3 min");
    assert_eq!(duration_words(f64::NAN), "unknown time");
}

fn score(tag: &str, f1: f32, support: usize) -> TagScore {
    TagScore {
        tag: tag.into(),
        precision: f1,
        recall: f1,
        f1,
        support,
    }
}

#[test]
fn per_tag_rows_follow_the_sort_column() {
    let scores = [
        score("collar", 0.2, 9),
        score("black", 0.8, 3),
        score("dress", 0.5, 5),
    ];
    let tags = |sort| -> Vec<String> {
        sorted_rows(&scores, sort)
            .iter()
            .map(|s| s.tag.clone())
            .collect()
    };
    assert_eq!(tags((SortBy::Support, true)), ["collar", "dress", "black"]);
    assert_eq!(tags((SortBy::F1, false)), ["collar", "dress", "black"]);
    assert_eq!(tags((SortBy::Tag, false)), ["black", "collar", "dress"]);
}

#[test]
fn clicking_a_title_reverses_its_column_or_sorts_by_it() {
    assert_eq!(
        next_sort((SortBy::F1, true), SortBy::F1),
        (SortBy::F1, false)
    );
    assert_eq!(
        next_sort((SortBy::F1, true), SortBy::Recall),
        (SortBy::Recall, true)
    );
    assert_eq!(
        next_sort((SortBy::F1, false), SortBy::Tag),
        (SortBy::Tag, false)
    );
}
