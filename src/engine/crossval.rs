//! k-fold cross-validation of fast mode on a catalogue (`vitrine cv`): each fold is scored by
//! the whole fast-mode recipe trained on the other folds, which it never sees — early stopping
//! on a validation part of them (the engine's own 70/30 cut), calibration and thresholds out
//! of fold on their training part — against the top-k frequent-tags baseline.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::Tensor;

use super::calibrate::{reliability, Calibration, ThresholdRule};
use super::config::{TrainConfig, TrainMode};
use super::core::Engine;
use super::fit::early_stop::StopCriterion;
use super::fit::head::{head_logits, train_head_early_stopping, HeadData, OneTorchThread};
use super::fit::tune::{tune, EpochsRun};
use super::metrics::{self, Metrics};
use super::network::{Emit, Network};
use super::split::TRAIN_FRACTION;
use super::EngineError;

/// Micro, macro and samples F1 of one fold.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scores {
    /// Micro-averaged F1.
    pub micro_f1: f32,
    /// Macro-averaged F1.
    pub macro_f1: f32,
    /// Samples-averaged F1.
    pub samples_f1: f32,
}

impl From<&Metrics> for Scores {
    fn from(m: &Metrics) -> Self {
        Self {
            micro_f1: m.micro_f1,
            macro_f1: m.macro_f1,
            samples_f1: m.samples_f1,
        }
    }
}

/// One held-out fold.
#[derive(Clone, Debug)]
pub struct FoldScores {
    /// Items held out.
    pub items: usize,
    /// The model as the engine installs it: calibrated, with the thresholds it chose.
    pub model: Scores,
    /// The same weights, uncalibrated, at the settings' threshold.
    pub uncalibrated: Scores,
    /// Every held-out item gets the k most frequent tags of the other folds (k: their mean
    /// number of tags per item).
    pub baseline: Scores,
    /// ECE of the held-out fold's raw probabilities.
    pub ece_before: f32,
    /// ECE after calibration.
    pub ece_after: f32,
    /// Epoch kept by early stopping.
    pub best_epoch: usize,
    /// Epochs that ran.
    pub epochs_run: usize,
    /// The calibration fitted.
    pub calibration: Calibration,
    /// The threshold rule chosen.
    pub rule: ThresholdRule,
    /// Heads averaged with the model's own (0: none).
    pub ensemble: usize,
    /// The seed of the folds and the training.
    pub seed: u64,
}

/// Every fold's scores.
#[derive(Clone, Debug)]
pub struct CrossValidation {
    /// Items with tags and a photo vector.
    pub items: usize,
    /// Tags in the vocabulary.
    pub tags: usize,
    /// One entry per fold and seed.
    pub folds: Vec<FoldScores>,
    /// Seeds the folds were cut and trained with.
    pub seeds: usize,
}

/// The fast-mode recipe before standardisation statistics met decoupled weight decay: Adam
/// with an L2 term, early stopping on micro-F1, thresholds chosen by micro-F1, no ensemble
/// (otherwise the same settings as [`TrainConfig::for_mode`]).
pub fn old_recipe() -> TrainConfig {
    TrainConfig {
        epochs: 150,
        learning_rate: 1e-3,
        weight_decay: 1e-2,
        threshold: 0.3,
        patience: 20,
        decoupled_weight_decay: false,
        stop_on: StopCriterion::MicroF1,
        ensemble: false,
        ..TrainConfig::for_mode(TrainMode::Fast)
    }
}

impl CrossValidation {
    /// Mean and sample standard deviation of a figure over the folds.
    pub fn mean_sd(&self, figure: impl Fn(&FoldScores) -> f32) -> (f32, f32) {
        let values: Vec<f64> = self.folds.iter().map(|f| figure(f) as f64).collect();
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        (mean as f32, var.sqrt() as f32)
    }
}

impl Engine {
    /// [`Engine::cross_validate`] with `seeds` seeds in a row (the settings' seed, then the
    /// next ones): every fold of every seed, pooled.
    pub fn cross_validate_seeds(
        &mut self,
        config: &TrainConfig,
        folds: usize,
        seeds: usize,
        emit: Emit,
    ) -> Result<CrossValidation, EngineError> {
        let mut all: Option<CrossValidation> = None;
        for s in 0..seeds.max(1) {
            let seeded = TrainConfig {
                seed: config.seed.wrapping_add(s as u64),
                ..config.clone()
            };
            let cv = self.cross_validate(&seeded, folds, emit)?;
            match &mut all {
                Some(a) => {
                    a.folds.extend(cv.folds);
                    a.seeds += 1;
                }
                None => all = Some(cv),
            }
        }
        all.ok_or_else(|| EngineError::InvalidConfig("no seed to cross-validate with".into()))
    }

    /// Cross-validates fast mode with `config` over `folds` folds of the open catalogue.
    pub fn cross_validate(
        &mut self,
        config: &TrainConfig,
        folds: usize,
        emit: Emit,
    ) -> Result<CrossValidation, EngineError> {
        config.validate().map_err(EngineError::InvalidConfig)?;
        if config.mode != TrainMode::Fast || folds < 2 {
            return Err(EngineError::InvalidConfig(
                "cross-validation runs fast mode over at least 2 folds".into(),
            ));
        }
        if self.network.as_ref().map(|n| n.kind) != Some(config.backbone) {
            self.network = Some(Network::pretrained(
                &self.options,
                config.backbone,
                config.seed,
                emit,
            )?);
        }
        if !self.ensure_embeddings(emit)? {
            return Err(EngineError::NothingToLearn(
                "stopped before the embeddings were computed".into(),
            ));
        }
        let state = self.catalogue.as_ref().ok_or(EngineError::NoCatalogue)?;
        let index = &state
            .embeddings
            .as_ref()
            .ok_or(EngineError::NoModel)?
            .shared
            .index;
        let vocabulary = state.tags.vocabulary.clone();
        let targets: Vec<Vec<f32>> = state
            .tags
            .items
            .iter()
            .map(|t| vocabulary.multi_hot(&t.tags))
            .collect();
        let items: Vec<usize> = (0..targets.len())
            .filter(|&i| !state.tags.items[i].tags.is_empty() && index.is_present(i))
            .collect();
        if items.len() < folds * 4 {
            return Err(EngineError::NothingToLearn(format!(
                "{} items with tags and photos are too few for {folds} folds",
                items.len()
            )));
        }
        let dim = config.backbone.feature_dim() as usize;
        let mut flat = Vec::with_capacity(index.len() * dim);
        for i in 0..index.len() {
            match index.raw_vector(i).filter(|v| v.len() == dim) {
                Some(v) => flat.extend_from_slice(&v),
                None => flat.extend(std::iter::repeat_n(0.0, dim)),
            }
        }
        let features = Tensor::from_slice(&flat)
            .view([index.len() as i64, dim as i64])
            .to_device(self.options.device);
        let data = HeadData {
            features: &features,
            targets: &targets,
            kind: config.backbone,
            vocabulary: &vocabulary,
            config,
        };
        let _one_thread = OneTorchThread::new();
        let mut order = items.clone();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(config.seed ^ 0xc0de));
        let mut scores = Vec::with_capacity(folds);
        for fold in 0..folds {
            let held: Vec<usize> = order.iter().skip(fold).step_by(folds).copied().collect();
            let rest: Vec<usize> = order
                .iter()
                .enumerate()
                .filter(|(rank, _)| rank % folds != fold)
                .map(|(_, &i)| i)
                .collect();
            let fold_scores = score_fold(data, &held, &rest, fold as u64)?;
            log::info!(
                "fold {}: micro-F1 {:.3} (baseline {:.3}), ECE {:.3} -> {:.3}, epoch {} of {}",
                fold + 1,
                fold_scores.model.micro_f1,
                fold_scores.baseline.micro_f1,
                fold_scores.ece_before,
                fold_scores.ece_after,
                fold_scores.best_epoch,
                fold_scores.epochs_run
            );
            scores.push(fold_scores);
        }
        Ok(CrossValidation {
            items: items.len(),
            tags: vocabulary.len(),
            folds: scores,
            seeds: 1,
        })
    }
}

/// Trains the recipe on `rest` and scores it on `held`.
fn score_fold(
    data: HeadData,
    held: &[usize],
    rest: &[usize],
    fold: u64,
) -> Result<FoldScores, EngineError> {
    let config = data.config;
    let mut inner = rest.to_vec();
    inner.shuffle(&mut rand::rngs::StdRng::seed_from_u64(
        config.seed.wrapping_add(fold),
    ));
    let n_train = (inner.len() as f64 * TRAIN_FRACTION).round() as usize;
    let (train, validation) = inner.split_at(n_train);
    let seed = config.seed.wrapping_add(7919 * (fold + 1));
    let (mut trained, early) = train_head_early_stopping(data, train, validation, seed)?;
    let best = early
        .best()
        .cloned()
        .unwrap_or(super::fit::early_stop::BestEpoch {
            epoch: trained.epochs_run,
            step: 0,
            score: 0.0,
        });
    let run = EpochsRun {
        best_epoch: best.epoch,
        best_score: best.score,
        epochs_run: trained.epochs_run,
        stopped_early: trained.epochs_run < config.epochs,
    };
    let tuned = tune(data, &mut trained.head, train, validation, run)?;
    trained.head.ensemble = tuned.members;
    let tuning = tuned.tuning;
    let logits = head_logits(&trained.head, data.features, held)?;
    let truth = data.truth(held);
    let raw = Calibration::Identity.probabilities(&logits);
    let calibrated = tuning.calibration.probabilities(&logits);
    let names = data.vocabulary.names();
    let fixed = vec![config.threshold; names.len()];
    let thresholds = tuning.thresholds().map_or(fixed.clone(), <[f32]>::to_vec);
    let model = metrics::evaluate(
        &metrics::apply_thresholds(&calibrated, &thresholds),
        &truth,
        &names,
    );
    let uncalibrated = metrics::evaluate(&metrics::apply_thresholds(&raw, &fixed), &truth, &names);
    let baseline = frequent_tags_baseline(data, rest, &truth);
    Ok(FoldScores {
        items: held.len(),
        model: Scores::from(&model),
        uncalibrated: Scores::from(&uncalibrated),
        baseline: Scores::from(&baseline),
        ece_before: reliability(&raw, &truth).ece,
        ece_after: reliability(&calibrated, &truth).ece,
        best_epoch: tuning.best_epoch,
        epochs_run: tuning.epochs_run,
        calibration: tuning.calibration,
        rule: tuning.rule,
        ensemble: tuning.ensemble,
        seed: config.seed,
    })
}

/// Scores of predicting, for every item, the k most frequent tags of `known` (k: their mean
/// number of tags per item, rounded).
pub(crate) fn frequent_tags_baseline(
    data: HeadData,
    known: &[usize],
    truth: &[Vec<bool>],
) -> Metrics {
    let tags = data.vocabulary.len();
    let mut counts = vec![0usize; tags];
    let mut total = 0usize;
    for &i in known {
        for (t, &x) in data.targets[i].iter().enumerate() {
            if x >= 0.5 {
                counts[t] += 1;
                total += 1;
            }
        }
    }
    let k = (total as f64 / known.len().max(1) as f64).round() as usize;
    let mut by_count: Vec<usize> = (0..tags).collect();
    by_count.sort_by_key(|&t| std::cmp::Reverse(counts[t]));
    let mut row = vec![false; tags];
    for &t in by_count.iter().take(k) {
        row[t] = true;
    }
    let predicted = vec![row; truth.len()];
    metrics::evaluate(&predicted, truth, &data.vocabulary.names())
}
