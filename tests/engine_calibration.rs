//! End-to-end on the demo catalogue: fast mode keeps its best epoch, its calibration (fitted
//! out of fold) lowers the calibration error on data it never saw, and a photo unlike the
//! catalogue is flagged.

mod common;

use common::{demo, item_tags_in, options, run, worker};
use vitrine::engine::checkpoint::Checkpoint;
use vitrine::engine::core::{Engine, Signals};
use vitrine::engine::fit::early_stop::StopCriterion;
use vitrine::engine::{Command, EventBody, TrainConfig, TrainMode};

fn prediction(events: &[EventBody]) -> std::sync::Arc<vitrine::engine::protocol::Prediction> {
    events
        .iter()
        .find_map(|e| match e {
            EventBody::Prediction(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a prediction")
}

#[test]
fn calibration_lowers_ece_out_of_fold_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::new(options(dir.path().to_path_buf()), Signals::default());
    let emit = |_: EventBody| {};
    engine.set_catalogue(demo(), &emit);
    let config = TrainConfig::for_mode(TrainMode::Fast);
    let cv = engine
        .cross_validate(&config, 5, &emit)
        .expect("cross-validation");
    assert_eq!(cv.folds.len(), 5);
    assert_eq!(cv.folds.iter().map(|f| f.items).sum::<usize>(), cv.items);
    let (before, _) = cv.mean_sd(|f| f.ece_before);
    let (after, _) = cv.mean_sd(|f| f.ece_after);
    let (model, _) = cv.mean_sd(|f| f.model.micro_f1);
    let (baseline, _) = cv.mean_sd(|f| f.baseline.micro_f1);
    eprintln!("held-out ECE {before:.3} -> {after:.3}; micro-F1 {model:.3} vs {baseline:.3}");
    assert!(after < before, "ECE {before:.3} -> {after:.3}");
    assert!(
        model > baseline,
        "micro-F1 {model:.3} vs baseline {baseline:.3}"
    );
}

#[test]
fn fast_mode_installs_the_best_epoch_with_its_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let worker = worker(dir.path().to_path_buf());
    run(&worker, Command::SetCatalogue(demo()));
    let events = run(
        &worker,
        Command::Train {
            config: TrainConfig::for_mode(TrainMode::Fast),
            resume: None,
        },
    );
    let summary = events
        .iter()
        .find_map(|e| match e {
            EventBody::ModelReady(s) => Some(s.clone()),
            _ => None,
        })
        .expect("model ready");
    let tuning = summary
        .tuning
        .clone()
        .expect("fast mode records its tuning");
    // The epoch kept is the first one with the best validation score of the run: the mean of
    // micro- and macro-F1, so rare tags count.
    assert_eq!(tuning.criterion, StopCriterion::MeanF1);
    let evals = &summary.history.evals;
    let score = |m: &vitrine::engine::metrics::Metrics| (m.micro_f1 + m.macro_f1) / 2.0;
    let best = evals
        .iter()
        .map(|e| score(&e.metrics))
        .fold(f32::MIN, f32::max);
    let first_best = evals.iter().find(|e| score(&e.metrics) == best).unwrap();
    assert_eq!(tuning.best_epoch as f32, first_best.epoch);
    assert_eq!(tuning.best_epoch_micro_f1, best);
    assert_eq!(tuning.epochs_run, summary.epochs_completed);
    assert_eq!(tuning.folds, 5);
    // The five out-of-fold heads of the calibration are kept as an ensemble.
    assert_eq!(tuning.ensemble, 5);
    assert!(tuning.thresholds().is_some_and(|t| t == summary.thresholds));
    // The run's latest checkpoint holds those weights: loading it predicts the same.
    let latest = Checkpoint::latest(dir.path()).expect("a checkpoint");
    assert!(
        latest.dir.to_string_lossy().ends_with("-best"),
        "{latest:?}"
    );
    assert_eq!(latest.meta.tuning.as_ref(), Some(&tuning));
    let trained = item_tags_in(&events).expect("item tags");
    let loaded = run(&worker, Command::LoadCheckpoint(latest.dir.clone()));
    let loaded = item_tags_in(&loaded).expect("item tags");
    assert_eq!(trained.probabilities, loaded.probabilities);
    assert_eq!(trained.thresholds, loaded.thresholds);
    if tuning.stopped_early {
        // The last weights are kept too (for Resume), in their own checkpoint.
        let last = latest
            .dir
            .parent()
            .unwrap()
            .join(format!("epoch-{:04}", tuning.epochs_run));
        let last = Checkpoint::load(&last).expect("the last epoch's checkpoint");
        assert!(last.meta.tuning.is_none());
    }
}

#[test]
fn a_photo_unlike_the_catalogue_is_flagged_and_a_flipped_item_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let worker = worker(dir.path().to_path_buf());
    let catalogue = demo();
    run(&worker, Command::SetCatalogue(catalogue.clone()));
    let coffee =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vision/coffee.png");
    let p = prediction(&run(&worker, Command::Predict(coffee)));
    let f = p.familiarity.expect("compared with the catalogue");
    eprintln!("coffee: {f:?}");
    assert!(f.unlike_catalogue, "{f:?}");
    let img = image::open(&catalogue.items[7].image_path).unwrap();
    let flipped = dir.path().join("flipped.png");
    img.fliph().save(&flipped).unwrap();
    let p = prediction(&run(&worker, Command::Predict(flipped)));
    let f = p.familiarity.expect("compared with the catalogue");
    eprintln!("flipped item: {f:?}");
    assert!(!f.unlike_catalogue, "{f:?}");
    assert!(f.best_similarity > f.cutoff && f.best_raw_similarity > f.raw_cutoff);
}

/// `vitrine tag --json` on a photo, with the models in `checkpoints`.
fn tag_json(
    dir: &std::path::Path,
    checkpoints: &std::path::Path,
    photo: &std::path::Path,
) -> serde_json::Value {
    let weights =
        vitrine::vision::default_weights_path(vitrine::vision::BackboneKind::EfficientNetLite0);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("tag")
        .arg(photo)
        .arg("--json")
        .arg("--checkpoints")
        .arg(checkpoints)
        .arg("--backbone-weights")
        .arg(&weights)
        .env(vitrine::paths::DATA_DIR_ENV, dir.join("data"))
        .env(
            vitrine::paths::CACHE_DIR_ENV,
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("tag-cli-cache"),
        )
        .output()
        .expect("vitrine runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn vitrine_tag_json_gives_an_unrelated_photo_no_confident_tag() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join("checkpoints");
    let w = worker(checkpoints.clone());
    let catalogue = demo();
    run(&w, Command::SetCatalogue(catalogue.clone()));
    run(
        &w,
        Command::Train {
            config: TrainConfig::for_mode(TrainMode::Fast),
            resume: None,
        },
    );
    drop(w);
    // A smooth colour gradient: nothing like a garment photo.
    let gradient = dir.path().join("gradient.png");
    image::RgbImage::from_fn(320, 320, |x, y| {
        image::Rgb([(x * 255 / 319) as u8, (y * 255 / 319) as u8, 96])
    })
    .save(&gradient)
    .unwrap();
    let json = tag_json(dir.path(), &checkpoints, &gradient);
    eprintln!("gradient: {json}");
    assert_eq!(json["unlike_catalogue"], true, "{json}");
    assert_eq!(json["tags_are_a_guess"], true, "{json}");
    assert_eq!(
        json["predicted"].as_array().map(Vec::len),
        Some(0),
        "{json}"
    );
    let tags = json["tags"].as_array().expect("every tag");
    assert!(!tags.is_empty());
    assert!(tags.iter().all(|t| t["predicted"] == false), "{json}");

    // A catalogue photo is like the catalogue: its tags are predicted, not guessed.
    let json = tag_json(dir.path(), &checkpoints, &catalogue.items[7].image_path);
    assert_eq!(json["tags_are_a_guess"], false, "{json}");
    let predicted = json["predicted"].as_array().expect("predicted tags");
    let tags = json["tags"].as_array().expect("every tag");
    let above = tags.iter().filter(|t| t["above_threshold"] == true).count();
    assert_eq!(predicted.len(), above, "{json}");
}
