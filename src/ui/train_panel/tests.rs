//! Unit tests of the Train tab's state and words.

use std::path::PathBuf;

use super::progress::duration_words;
use super::state::SortBy;
use super::tag_table::{next_sort, sorted_rows};
use super::{RunStatus, TrainState};
use crate::engine::checkpoint::History;
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

/// A checkpoint folder of a fine-tune run of 4 epochs that has done `done`.
fn checkpoint_after(root: &std::path::Path, done: usize) -> PathBuf {
    use crate::engine::checkpoint::{write, CheckpointMeta, FORMAT_VERSION};
    use crate::engine::split::Split;
    use crate::engine::EngineError;
    use crate::text::vocab::{TermKind, VocabTag, Vocabulary};
    let meta = CheckpointMeta {
        format_version: FORMAT_VERSION,
        run_id: "run".into(),
        catalogue_name: "Shop".into(),
        config: TrainConfig {
            epochs: 4,
            learning_rate: 0.002,
            ..TrainConfig::for_mode(TrainMode::FineTune)
        },
        vocabulary: Vocabulary {
            tags: vec![VocabTag {
                name: "dress".into(),
                kind: TermKind::Noun,
                count: 2,
            }],
        },
        vocabulary_settings: None,
        split: Split::new(&["a.jpg".to_string(), "b.jpg".to_string()], 1),
        thresholds: vec![0.5],
        epochs_completed: done,
        stopped_mid_epoch: done < 4,
        global_step: done,
        backbone_weights: "test".into(),
        includes_backbone: true,
        history: History::default(),
        tuning: None,
        weights_checksum: None,
    };
    let weights = [0.5f32, -1.0].map(f32::to_le_bytes).concat();
    let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2], &weights)
        .expect("a tensor");
    let bytes = safetensors::serialize([("head.weight", view)], None).expect("weights");
    write(&root.join("run"), &meta, |p| {
        std::fs::write(p, &bytes).map_err(|e| EngineError::Checkpoint(e.to_string()))
    })
    .unwrap()
    .dir
}

#[test]
fn resume_continues_the_run_with_its_own_settings_up_to_the_epochs_set_here() {
    let root = tempfile::tempdir().unwrap();
    let mut s = TrainState::new(TrainConfig {
        epochs: 4,
        ..TrainConfig::default()
    });
    assert!(s.resume_config().is_err());
    let stopped = checkpoint_after(root.path(), 2);
    s.last_checkpoint = Some((stopped.clone(), 2));
    let (path, config) = s.resume_config().unwrap();
    assert_eq!(path, stopped);
    assert_eq!(config.mode, TrainMode::FineTune);
    assert_eq!((config.epochs, config.learning_rate), (4, 0.002));
    s.config.epochs = 6;
    assert_eq!(s.resume_config().unwrap().1.epochs, 6);
    s.config.epochs = 2;
    assert!(s.resume_config().unwrap_err().contains("more than 2"));

    let finished = checkpoint_after(root.path(), 4);
    s.last_checkpoint = Some((finished, 4));
    s.config.epochs = 4;
    assert_eq!(
        s.resume_config().unwrap_err(),
        "this run is already complete (4 of 4 epochs); start a new run or raise the epochs"
    );
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
    let thresholds = [0.4, 0.1, 0.7];
    let tags = |sort| -> Vec<String> {
        sorted_rows(&scores, &thresholds, sort)
            .iter()
            .map(|(s, _)| s.tag.clone())
            .collect()
    };
    assert_eq!(tags((SortBy::Support, true)), ["collar", "dress", "black"]);
    assert_eq!(
        tags((SortBy::Threshold, true)),
        ["dress", "collar", "black"]
    );
    // Each row keeps its own tag's threshold.
    let rows = sorted_rows(&scores, &thresholds, (SortBy::Tag, false));
    assert_eq!(rows[0].0.tag, "black");
    assert_eq!(rows[0].1, Some(0.1));
    // Thresholds of other tags are not shown.
    assert!(sorted_rows(&scores, &[0.5], (SortBy::Tag, false))
        .iter()
        .all(|(_, th)| th.is_none()));
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
