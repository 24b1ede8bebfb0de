//! Using a model: tags and lookalikes of a new photo, and every catalogue item's tag
//! probabilities once a model is trained or loaded.

use std::path::Path;
use std::sync::Arc;

use super::core::Engine;
use super::familiar::{best_raw_similarity, Familiarity};
use super::network::{Emit, Head, Network};
use super::protocol::{EventBody, ItemPredictions, ModelSummary, PredictedTag, Prediction};
use super::split::ItemSplit;
use super::EngineError;
use crate::index::LOOKALIKES;
use crate::vision::transforms;

impl Engine {
    /// Tags a photo file and finds its lookalikes in the catalogue.
    pub fn predict(&mut self, path: &Path, emit: Emit) -> Result<(), EngineError> {
        let img = transforms::load_image(path)?;
        let size_px = self.ensure_network(emit)?.kind.input_size_px();
        let prepared = transforms::prepare(&img, size_px);
        // Lookalikes compare the photo with the catalogue's vectors of the same network.
        let complete = self.catalogue.is_some() && self.ensure_embeddings(emit)?;
        let net = self.network.as_ref().ok_or(EngineError::NoModel)?;
        let embedding = super::embed::features(
            net,
            std::slice::from_ref(&prepared),
            self.options.flip_embeddings,
        )?
        .pop()
        .unwrap_or_default();
        let lookalikes = match self.catalogue.as_ref().and_then(|s| s.embeddings.as_ref()) {
            Some(stored) if complete && stored.model() == &net.identity => {
                stored.shared.index.nearest(&embedding, LOOKALIKES, None)
            }
            _ => Vec::new(),
        };
        let familiarity = match self.catalogue.as_ref().and_then(|s| s.embeddings.as_ref()) {
            Some(stored) if complete && stored.model() == &net.identity => {
                let cutoffs = self.familiar.cutoff(&stored.shared);
                let raw = best_raw_similarity(&stored.shared.index, &embedding, None);
                match (lookalikes.first(), raw, cutoffs) {
                    (Some(best), Some(raw), Some(cutoffs)) => {
                        Some(Familiarity::new((best.score, raw), cutoffs))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let net = self.network.as_ref().ok_or(EngineError::NoModel)?;
        // Nothing in the catalogue looks like the photo: what the head learned says nothing
        // about it, so no tag is presented as predicted.
        let guess = familiarity.is_some_and(|f| f.unlike_catalogue);
        let tags = match &net.head {
            Some(head) => Some(predicted_tags(head, &embedding, guess)?),
            None => None,
        };
        emit(EventBody::Prediction(Arc::new(Prediction {
            source: path.to_path_buf(),
            thumbnail: image::imageops::thumbnail(&prepared, 96, 96),
            tags,
            lookalikes,
            model: net.identity.clone(),
            familiarity,
            tags_are_a_guess: guess,
            palette: Some(crate::lookalike::colour::Palette::of_photo(
                &img,
                &crate::lookalike::colour::lab::LabConverter::default(),
            )),
            embedding,
        })));
        Ok(())
    }

    /// Sends the model summary, the catalogue's embeddings and every item's tag probabilities.
    pub(crate) fn publish_model(&mut self, emit: Emit) -> Result<(), EngineError> {
        let net = self.network.as_ref().ok_or(EngineError::NoModel)?;
        if let Some(head) = &net.head {
            let mut model = summary(net, head);
            model.split = head
                .meta
                .as_ref()
                .zip(self.catalogue.as_ref())
                .map(|(m, state)| {
                    let ids: Vec<&str> = state
                        .catalogue
                        .items
                        .iter()
                        .map(|i| i.id.as_str())
                        .collect();
                    ItemSplit::of(&m.split, &ids)
                });
            emit(EventBody::ModelReady(Arc::new(model)));
        }
        self.embed(emit)?;
        let (Some(net), Some(state)) = (&self.network, &self.catalogue) else {
            return Ok(());
        };
        let Some(head) = &net.head else {
            return Ok(());
        };
        let Some(stored) = state
            .embeddings
            .as_ref()
            .filter(|e| e.model() == &net.identity)
        else {
            return Ok(());
        };
        let index = &stored.shared.index;
        let probabilities = (0..index.len())
            .map(|i| {
                index
                    .raw_vector(i)
                    .map(|v| head.probabilities(&v))
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        emit(EventBody::ItemTags(Arc::new(ItemPredictions {
            vocabulary: head.vocabulary.names(),
            thresholds: head.thresholds.clone(),
            probabilities,
        })));
        Ok(())
    }
}

/// Every vocabulary tag of an embedding, most probable first; none predicted when they are a
/// `guess`.
fn predicted_tags(
    head: &Head,
    embedding: &[f32],
    guess: bool,
) -> Result<Vec<PredictedTag>, EngineError> {
    let probs = head.probabilities(embedding)?;
    let mut tags: Vec<PredictedTag> = head
        .vocabulary
        .names()
        .into_iter()
        .zip(probs)
        .zip(&head.thresholds)
        .map(|((name, probability), th)| PredictedTag {
            name,
            probability,
            predicted: probability >= *th && !guess,
            above_threshold: probability >= *th,
        })
        .collect();
    tags.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    Ok(tags)
}

fn summary(net: &Network, head: &Head) -> ModelSummary {
    let meta = head.meta.as_ref();
    ModelSummary {
        identity: net.identity.clone(),
        backbone: net.kind,
        mode: meta.map(|m| m.config.mode),
        run_id: meta.map(|m| m.run_id.clone()),
        checkpoint: head.checkpoint.clone(),
        epochs_completed: meta.map_or(0, |m| m.epochs_completed),
        vocabulary: head.vocabulary.names(),
        thresholds: head.thresholds.clone(),
        last_metrics: meta.and_then(|m| match &m.tuning {
            Some(t) => Some(t.validation.clone()),
            None => m.history.evals.last().map(|e| e.metrics.clone()),
        }),
        history: meta.map(|m| m.history.clone()).unwrap_or_default(),
        split: None,
        tuning: meta.and_then(|m| m.tuning.clone()),
    }
}
