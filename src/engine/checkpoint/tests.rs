use super::*;
use crate::engine::config::{TrainConfig, TrainMode};
use crate::text::vocab::{TermKind, VocabTag};

const TAGS: usize = 50;

fn vocabulary(n: usize) -> Vocabulary {
    Vocabulary {
        tags: (0..n)
            .map(|i| VocabTag {
                name: format!("tag{i}"),
                kind: TermKind::Noun,
                count: 1,
            })
            .collect(),
    }
}

fn meta(run_id: &str, catalogue: &str, epochs: usize, stopped: bool) -> CheckpointMeta {
    CheckpointMeta {
        format_version: FORMAT_VERSION,
        run_id: run_id.into(),
        catalogue_name: catalogue.into(),
        config: TrainConfig::for_mode(TrainMode::Fast),
        vocabulary: vocabulary(TAGS),
        vocabulary_settings: None,
        split: Split::new(&["a.jpg".to_string(), "b.jpg".to_string()], 1),
        thresholds: vec![0.5; TAGS],
        epochs_completed: epochs,
        stopped_mid_epoch: stopped,
        global_step: epochs * 3,
        backbone_weights: "test".into(),
        includes_backbone: false,
        history: History::default(),
        tuning: None,
        weights_checksum: None,
    }
}

/// A weights file of one tensor `head.weight` holding `values`.
fn tiny_weights(values: &[f32]) -> Vec<u8> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![values.len()], &bytes)
            .unwrap();
    safetensors::serialize([("head.weight", view)], None).unwrap()
}

fn save(root: &Path, m: &CheckpointMeta) -> Checkpoint {
    write(&root.join(&m.run_id), m, |p| {
        std::fs::write(p, tiny_weights(&[0.5, -1.0]))
            .map_err(|e| EngineError::Checkpoint(e.to_string()))
    })
    .unwrap()
}

/// A checkpoint folder whose `checkpoint.json` is `m` as written by hand.
fn hand_written(dir: &Path, m: &CheckpointMeta) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(WEIGHTS_FILE), tiny_weights(&[0.5, -1.0])).unwrap();
    std::fs::write(dir.join(META_FILE), serde_json::to_string(m).unwrap()).unwrap();
    dir.to_path_buf()
}

#[test]
fn keeps_the_last_few_and_finds_the_newest_per_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    for epoch in 1..=5 {
        save(dir.path(), &meta("run-a", "Shop A", epoch, false));
    }
    let stopped = save(dir.path(), &meta("run-a", "Shop A", 5, true));
    let kept = epoch_dirs(&dir.path().join("run-a")).len();
    assert_eq!(kept, KEEP_LAST);
    // A stop after epoch 5 is newer than epoch 5 itself.
    let latest_a = Checkpoint::latest_in_run(&dir.path().join("run-a")).unwrap();
    assert_eq!(latest_a.dir, stopped.dir);
    assert!(latest_a.meta.stopped_mid_epoch);

    // Longer than the coarsest file-time resolution, so "newer" is unambiguous.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    save(dir.path(), &meta("run-b", "Shop B", 2, false));
    assert_eq!(Checkpoint::latest(dir.path()).unwrap().meta.run_id, "run-b");
    let a = Checkpoint::latest_for(dir.path(), "Shop A").unwrap();
    assert_eq!(
        (a.meta.run_id.as_str(), a.meta.epochs_completed),
        ("run-a", 5)
    );
    assert!(Checkpoint::latest_for(dir.path(), "Shop C").is_none());
}

#[test]
fn refuses_folders_that_are_not_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let err = Checkpoint::load(dir.path()).unwrap_err();
    assert!(
        matches!(err, CheckpointError::NotACheckpoint { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("not a vitrine checkpoint"),
        "{err}"
    );
    assert!(err.to_string().contains(META_FILE), "{err}");
    std::fs::write(dir.path().join(META_FILE), "{ not json").unwrap();
    let err = Checkpoint::load(dir.path()).unwrap_err();
    assert!(matches!(err, CheckpointError::InvalidJson { .. }), "{err}");
    assert!(err.to_string().contains("damaged"), "{err}");
}

/// The field a hand-edited checkpoint is refused for, checking the message names the file.
fn refused_field(edit: impl FnOnce(&mut CheckpointMeta)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut m = meta("run-a", "Shop A", 3, false);
    edit(&mut m);
    let ck = hand_written(&dir.path().join("epoch-0003"), &m);
    match Checkpoint::load(&ck) {
        Err(e @ CheckpointError::InvalidField { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains(&ck.join(META_FILE).display().to_string()),
                "{text}"
            );
            let CheckpointError::InvalidField { field, .. } = e else {
                unreachable!()
            };
            assert!(text.contains(&format!("`{field}`")), "{text}");
            field.to_string()
        }
        other => panic!("expected a refused field, got {other:?}"),
    }
}

#[test]
fn refuses_checkpoints_with_values_no_vitrine_writes() {
    assert_eq!(refused_field(|m| m.thresholds.truncate(3)), "thresholds");
    assert_eq!(refused_field(|m| m.thresholds[7] = 1.5), "thresholds");
    assert_eq!(refused_field(|m| m.thresholds[0] = -0.1), "thresholds");
    assert_eq!(
        refused_field(|m| m.epochs_completed = 1_000_000_000_000_000),
        "epochs_completed"
    );
    assert_eq!(
        refused_field(|m| m.epochs_completed = 151),
        "epochs_completed"
    );
    assert_eq!(refused_field(|m| m.config.epochs = usize::MAX), "config");
    assert_eq!(refused_field(|m| m.format_version = 9), "format_version");
    assert_eq!(refused_field(|m| m.split.validation.clear()), "split");
    assert_eq!(refused_field(|m| m.split.train[0].clear()), "split");
    assert_eq!(
        refused_field(|m| m.vocabulary = vocabulary(0)),
        "vocabulary"
    );
    assert_eq!(refused_field(|m| m.run_id.clear()), "run_id");
    let text = {
        let dir = tempfile::tempdir().unwrap();
        let mut m = meta("run-a", "Shop A", 3, false);
        m.thresholds.truncate(3);
        let ck = hand_written(dir.path(), &m);
        Checkpoint::load(&ck).unwrap_err().to_string()
    };
    assert!(
        text.contains("has 3 value(s) for a vocabulary of 50 tags"),
        "{text}"
    );
}

#[test]
fn run_folders_are_unique_even_when_started_together() {
    let root = tempfile::tempdir().unwrap();
    let base = "shop-efficientnet-lite0-fast-1700000000000";
    let made: Vec<(String, PathBuf)> = (0..40)
        .map(|_| create_run_dir(root.path(), base).unwrap())
        .collect();
    let mut ids: Vec<&String> = made.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), made.len());
    for (id, dir) in &made {
        assert!(id.starts_with(base) && dir.is_dir());
        assert_eq!(dir, &root.path().join(id));
    }
    // Threads racing for folders never share one either.
    let root_path = root.path().to_path_buf();
    let raced: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| create_run_dir(&root_path, "race").unwrap().0))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut unique = raced.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), raced.len());
}

#[test]
fn a_half_written_epoch_is_ignored_then_cleaned_up() {
    let root = tempfile::tempdir().unwrap();
    let run = root.path().join("run-a");
    save(root.path(), &meta("run-a", "Shop A", 2, false));
    // What kill -9 during the write of epoch 3 leaves: a temporary folder with a complete-looking
    // metadata file and part of the weights.
    let partial = hand_written(
        &run.join("epoch-0003.tmp"),
        &meta("run-a", "Shop A", 3, false),
    );
    assert_eq!(
        Checkpoint::latest_in_run(&run)
            .unwrap()
            .meta
            .epochs_completed,
        2
    );
    assert_eq!(
        Checkpoint::latest_for(root.path(), "Shop A")
            .unwrap()
            .meta
            .epochs_completed,
        2
    );
    let next = save(root.path(), &meta("run-a", "Shop A", 3, false));
    assert!(!partial.exists());
    assert_eq!(next.dir, run.join("epoch-0003"));
    let names: Vec<String> = std::fs::read_dir(&run)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    // Rewriting the same epoch (stopped twice at the same point) replaces it.
    let again = save(root.path(), &meta("run-a", "Shop A", 3, false));
    assert_eq!(
        Checkpoint::load(&again.dir).unwrap().meta.epochs_completed,
        3
    );
}

#[test]
fn resume_without_a_path_takes_the_latest_run_of_the_catalogue() {
    let root = tempfile::tempdir().unwrap();
    save(root.path(), &meta("run-a", "Shop A", 4, true));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    save(root.path(), &meta("run-b", "Shop B", 7, false));
    let plan = resume_plan(root.path(), "Shop A", None, None).unwrap();
    assert_eq!(
        plan.checkpoint,
        root.path().join("run-a/epoch-0004-stopped")
    );
    assert_eq!(plan.epochs_completed, 4);
    let err = resume_plan(root.path(), "Shop C", None, None).unwrap_err();
    assert!(
        matches!(err, CheckpointError::NothingToResume { .. }),
        "{err}"
    );
}

#[test]
fn resuming_a_finished_run_is_refused_instead_of_doubling_it() {
    let root = tempfile::tempdir().unwrap();
    let done = save(root.path(), &meta("run-a", "Shop A", 150, false));
    let err = resume_plan(root.path(), "Shop A", Some(&done.dir), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this run is already complete (150 of 150 epochs); start a new run or raise the epochs"
    );
    // Asking for fewer or as many epochs says the same; raising them continues.
    assert!(matches!(
        resume_plan(root.path(), "Shop A", None, Some(150)),
        Err(CheckpointError::AlreadyComplete {
            done: 150,
            epochs: 150
        })
    ));
    let raised = resume_plan(root.path(), "Shop A", None, Some(200)).unwrap();
    assert_eq!(raised.config.epochs, 200);
}

#[test]
fn resuming_a_stopped_run_continues_to_its_own_epochs_and_settings() {
    let root = tempfile::tempdir().unwrap();
    let mut m = meta("run-a", "Shop A", 30, true);
    m.config.learning_rate = 0.005;
    m.config.mode = TrainMode::FineTune;
    let stopped = save(root.path(), &m);
    let plan = resume_plan(root.path(), "Shop A", Some(&stopped.dir), None).unwrap();
    assert_eq!(plan.config, m.config);
    assert_eq!(plan.config.epochs, 150);
    assert_eq!(plan.checkpoint, stopped.dir);
    // A weights or metadata file names its folder too.
    let by_file = resume_plan(root.path(), "", Some(&stopped.weights_path()), None).unwrap();
    assert_eq!(by_file.checkpoint, stopped.dir);
    let err = resume_plan(root.path(), "Shop A", None, Some(20)).unwrap_err();
    assert!(err.to_string().contains("ask for more than 30"), "{err}");
    assert!(matches!(
        resume_plan(root.path(), "Shop A", None, Some(usize::MAX)),
        Err(CheckpointError::InvalidSettings(_))
    ));
}

#[test]
fn weights_that_are_not_finite_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let m = meta("run-nan", "Shop", 1, false);
    let err = write(&dir.path().join("run-nan"), &m, |p| {
        std::fs::write(p, tiny_weights(&[0.5, f32::NAN]))
            .map_err(|e| EngineError::Checkpoint(e.to_string()))
    })
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("head.weight") && text.contains("not finite"),
        "{text}"
    );
    assert!(text.contains("no checkpoint was written"), "{text}");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("run-nan"))
        .unwrap()
        .flatten()
        .collect();
    assert!(left.is_empty(), "nothing is left behind: {left:?}");
}

#[test]
fn damaged_or_non_finite_weights_are_refused_when_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let ck = save(dir.path(), &meta("run-a", "Shop", 1, false));
    let sum = ck
        .meta
        .weights_checksum
        .clone()
        .expect("a checksum is recorded");
    assert_eq!(sum.len(), 32);
    let loaded = Checkpoint::load(&ck.dir).unwrap();
    assert_eq!(loaded.meta.weights_checksum, Some(sum));
    loaded.verify_weights().expect("intact weights pass");

    // One flipped bit in a weight: the checksum no longer matches.
    let path = ck.weights_path();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let text = Checkpoint::load(&ck.dir)
        .unwrap()
        .verify_weights()
        .unwrap_err()
        .to_string();
    assert!(text.contains("do not match the checksum"), "{text}");

    // A checkpoint without a checksum (an older vitrine's) whose weights are NaN.
    let old = hand_written(
        &dir.path().join("old/epoch-0001"),
        &meta("old", "Shop", 1, false),
    );
    std::fs::write(old.join(WEIGHTS_FILE), tiny_weights(&[f32::NAN, 1.0])).unwrap();
    let text = Checkpoint::load(&old)
        .unwrap()
        .verify_weights()
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("head.weight") && text.contains("not finite numbers"),
        "{text}"
    );
}
