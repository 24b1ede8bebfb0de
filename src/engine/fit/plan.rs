//! Preparing a run: its split, targets and history (new or resumed), and its inputs (the
//! cached features of fast mode, or every photo decoded once for fine-tuning).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use tch::{Kind, Tensor};

use super::Plan;
use crate::engine::checkpoint::{self, Checkpoint, History};
use crate::engine::config::{TrainConfig, TrainMode};
use crate::engine::data::prepare_images;
use crate::engine::network::{Emit, Head, Network};
use crate::engine::options::EngineOptions;
use crate::engine::protocol::{EventBody, Task};
use crate::engine::split::Split;
use crate::engine::state::CatalogueState;
use crate::engine::{embed, EngineError};
use crate::text::Vocabulary;

/// Features (fast mode) and the training and validation items that have usable inputs;
/// `None` when stopped while preparing.
type PreparedInputs = (Option<Tensor>, Vec<usize>, Vec<usize>);

/// Prepares what the run learns from, into `state`; `None` when stopped first.
pub(super) fn prepare_inputs(
    net: &Network,
    state: &mut CatalogueState,
    config: &TrainConfig,
    options: &EngineOptions,
    stop: &AtomicBool,
    emit: Emit,
    plan: &Plan,
) -> Result<Option<PreparedInputs>, EngineError> {
    let mut train_idx = plan.train_idx.clone();
    let mut val_idx = plan.val_idx.clone();
    let features = match config.mode {
        TrainMode::Fast => {
            if !embed::ensure(net, state, options, stop, emit)? {
                return Ok(None);
            }
            Some(features_tensor(
                state,
                config,
                options,
                &mut train_idx,
                &mut val_idx,
            )?)
        }
        TrainMode::FineTune => {
            if !prepare_photos(state, config, options, stop, emit) {
                return Ok(None);
            }
            let ready = |i: &usize| {
                state
                    .images
                    .as_ref()
                    .is_some_and(|p| p.images.get(*i).is_some_and(Option::is_some))
            };
            train_idx.retain(ready);
            val_idx.retain(ready);
            None
        }
    };
    Ok(Some((features, train_idx, val_idx)))
}

/// Split, history and targets of a new or resumed run.
pub(super) fn plan(
    state: &CatalogueState,
    config: &TrainConfig,
    vocabulary: &Vocabulary,
    resumed: Option<&Checkpoint>,
    options: &EngineOptions,
) -> Result<Plan, EngineError> {
    let targets = corrected_targets(state, vocabulary);
    // An item trains when it has a tag, or when the user checked its tags (even to none).
    let ids: Vec<String> = state
        .catalogue
        .items
        .iter()
        .zip(&targets)
        .filter(|(item, row)| row.iter().any(|&v| v > 0.0) || state.corrections.has_item(&item.id))
        .map(|(item, _)| item.id.clone())
        .collect();
    if ids.len() < 4 {
        return Err(EngineError::NothingToLearn(format!(
            "only {} item(s) have tags from their descriptions or your corrections; at least 4 \
             are needed to train and validate",
            ids.len()
        )));
    }
    let (split, history, start_epoch, global_step, run_id) = match resumed {
        Some(ck) => (
            ck.meta.split.clone(),
            ck.meta.history.clone(),
            ck.meta.epochs_completed,
            ck.meta.global_step,
            ck.meta.run_id.clone(),
        ),
        None => (
            Split::new(&ids, config.seed),
            History::default(),
            0,
            0,
            new_run_id(&options.checkpoint_root, &state.catalogue.name, config)?,
        ),
    };
    let index_of: HashMap<&str, usize> = state
        .catalogue
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id.as_str(), i))
        .collect();
    let to_idx = |ids: &[String]| -> Vec<usize> {
        ids.iter()
            .filter_map(|id| index_of.get(id.as_str()).copied())
            .collect()
    };
    Ok(Plan {
        train_idx: to_idx(&split.train),
        val_idx: to_idx(&split.validation),
        targets,
        split,
        history,
        start_epoch,
        global_step,
        run_id,
    })
}

/// Every item's multi-hot targets: the tags of its description, with the user's corrections
/// on top.
pub(super) fn corrected_targets(state: &CatalogueState, vocabulary: &Vocabulary) -> Vec<Vec<f32>> {
    state
        .catalogue
        .items
        .iter()
        .zip(&state.tags.items)
        .map(|(item, terms)| {
            let mut row = vocabulary.multi_hot(&terms.tags);
            state.corrections.apply(&item.id, vocabulary, &mut row);
            row
        })
        .collect()
}

/// The cached embeddings as one tensor (zeros for missing photos, which leave the split).
fn features_tensor(
    state: &CatalogueState,
    config: &TrainConfig,
    options: &EngineOptions,
    train_idx: &mut Vec<usize>,
    val_idx: &mut Vec<usize>,
) -> Result<Tensor, EngineError> {
    let dim = config.backbone.feature_dim() as usize;
    let index = state
        .embeddings
        .as_ref()
        .map(|e| &e.shared.index)
        .ok_or(EngineError::NoModel)?;
    let mut flat = Vec::with_capacity(index.len() * dim);
    for i in 0..index.len() {
        match index.raw_vector(i).filter(|v| v.len() == dim) {
            Some(v) if v.iter().any(|x| !x.is_finite()) => {
                let photo = state
                    .catalogue
                    .items
                    .get(i)
                    .map_or("?", |item| item.id.as_str());
                return Err(EngineError::NonFinite(format!(
                    "training stopped before it began: the features of photo {photo} are not \
                     finite numbers (NaN or infinity); check that photo, or delete the \
                     embedding cache to compute them again"
                )));
            }
            Some(v) => flat.extend_from_slice(&v),
            None => flat.extend(std::iter::repeat_n(0.0, dim)),
        }
    }
    train_idx.retain(|&i| index.is_present(i));
    val_idx.retain(|&i| index.is_present(i));
    Ok(Tensor::from_slice(&flat)
        .view([index.len() as i64, dim as i64])
        .to_device(options.device))
}

/// Decodes every photo once for fine-tuning; false when stopped.
fn prepare_photos(
    state: &mut CatalogueState,
    config: &TrainConfig,
    options: &EngineOptions,
    stop: &AtomicBool,
    emit: Emit,
) -> bool {
    let size_px = config.backbone.input_size_px();
    if state.images.as_ref().is_some_and(|p| p.size_px == size_px) {
        return true;
    }
    let paths: Vec<PathBuf> = state
        .catalogue
        .items
        .iter()
        .map(|i| i.image_path.clone())
        .collect();
    let busy = |done, total| EventBody::Busy {
        task: Task::PreparingPhotos,
        done,
        total,
    };
    emit(busy(0, paths.len()));
    let progress = |done: usize, total: usize| {
        if done.is_multiple_of(8) || done == total {
            emit(busy(done, total));
        }
    };
    let prepared = prepare_images(&paths, size_px, options.decode_threads, stop, &progress);
    if stop.load(Ordering::Relaxed) {
        return false;
    }
    state.images = Some(prepared);
    true
}

/// Standardised features train a linear head far better than raw pooled ones: the head keeps
/// the training split's per-feature mean and deviation.
pub(super) fn standardise(
    head: &Head,
    all: &Tensor,
    train_idx: &[usize],
) -> Result<(), EngineError> {
    let idx: Vec<i64> = train_idx.iter().map(|&i| i as i64).collect();
    let train_feats = all.f_index_select(0, &Tensor::from_slice(&idx).to_device(all.device()))?;
    let mean = train_feats.mean_dim(0, false, Kind::Float);
    let std = train_feats.std_dim(0, false, false) + 1e-6;
    tch::no_grad(|| {
        head.feature_mean.shallow_clone().copy_(&mean);
        head.feature_std.shallow_clone().copy_(&std);
    });
    Ok(())
}

/// Starts the head's biases at each tag's log-odds in the training split (smoothed by half an
/// item), so the probabilities begin at the tags' base rates instead of ½: with standardised
/// (zero-mean) features the weights cannot lower the mean logit, and Adam's small steps take
/// hundreds of epochs to move a bias from 0 to a rare tag's −3.
pub(super) fn prior_biases(head: &Head, targets: &[Vec<f32>], train_idx: &[usize]) {
    let Some(bias) = &head.linear.bs else {
        return;
    };
    let n = train_idx.len() as f64;
    let tags = bias.size().first().copied().unwrap_or(0) as usize;
    let log_odds: Vec<f32> = (0..tags)
        .map(|t| {
            let positives = train_idx
                .iter()
                .filter(|&&i| targets[i].get(t).is_some_and(|&x| x >= 0.5))
                .count() as f64;
            ((positives + 0.5) / (n - positives + 0.5)).ln() as f32
        })
        .collect();
    let values = Tensor::from_slice(&log_odds).to_device(bias.device());
    tch::no_grad(|| {
        bias.shallow_clone().copy_(&values);
    });
}

/// Creates the run's own folder (exclusively, with a random suffix) and returns its id: the
/// catalogue, backbone, mode and start time.
fn new_run_id(
    root: &std::path::Path,
    catalogue_name: &str,
    config: &TrainConfig,
) -> Result<String, EngineError> {
    let slug: String = catalogue_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let base = format!(
        "{}-{}-{}-{millis}",
        slug.trim_matches('-'),
        config.backbone,
        config.mode
    );
    Ok(checkpoint::create_run_dir(root, &base)?.0)
}
