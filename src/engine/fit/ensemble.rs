//! The ensemble a fast-mode run gets for free: calibration already trains one head per fold
//! of the training split ([`super::head::out_of_fold`]); kept beside the main head, their
//! probabilities are averaged with its own. The mean probability is turned back into a logit
//! (`ln(p / (1 − p))`), so the calibration and the thresholds, fitted on single heads' logits,
//! apply to the ensemble exactly as to one head.
//!
//! Each member is a plain linear head with its own standardisation (the statistics of the
//! folds it was trained on). Members are saved in the head's weights file under
//! `tag_head_ensemble.<k>.*`, and the checkpoint's tuning records how many there are.

use tch::Tensor;

use crate::engine::calibrate::Calibration;
use crate::engine::network::{tensor_rows, Head, INFERENCE_BATCH};
use crate::engine::EngineError;

/// Name prefix of the members' tensors in a weights file.
pub(crate) const ENSEMBLE_PREFIX: &str = "tag_head_ensemble";

/// The tensors of one member, copied out of the head that was trained.
pub(crate) struct Member {
    pub(crate) weight: Tensor,
    pub(crate) bias: Tensor,
    pub(crate) feature_mean: Tensor,
    pub(crate) feature_std: Tensor,
}

impl Member {
    /// A copy of a trained head's weights and statistics (no gradients).
    pub(crate) fn of(head: &Head) -> Self {
        let bias = match &head.linear.bs {
            Some(b) => b.detach().copy(),
            None => Tensor::zeros(
                [head.linear.ws.size()[0]],
                (tch::Kind::Float, head.linear.ws.device()),
            ),
        };
        Self {
            weight: head.linear.ws.detach().copy(),
            bias,
            feature_mean: head.feature_mean.detach().copy(),
            feature_std: head.feature_std.detach().copy(),
        }
    }

    /// Logits of a batch of pooled features.
    fn forward(&self, features: &Tensor) -> Tensor {
        ((features - &self.feature_mean) / &self.feature_std).linear(&self.weight, Some(&self.bias))
    }

    /// The member's tensors by weights-file name.
    fn named_tensors(&self, k: usize) -> Vec<(String, Tensor)> {
        [
            ("weight", &self.weight),
            ("bias", &self.bias),
            ("feature_mean", &self.feature_mean),
            ("feature_std", &self.feature_std),
        ]
        .into_iter()
        .map(|(name, t)| (format!("{ENSEMBLE_PREFIX}.{k}.{name}"), t.shallow_clone()))
        .collect()
    }
}

/// Every member's tensors, for the head's weights file.
pub(crate) fn named_tensors(members: &[Member]) -> Vec<(String, Tensor)> {
    members
        .iter()
        .enumerate()
        .flat_map(|(k, m)| m.named_tensors(k))
        .collect()
}

/// Reads `count` members from the tensors of a weights file; an error names the first one
/// missing.
pub(crate) fn read_members(
    tensors: &[(String, Tensor)],
    count: usize,
) -> Result<Vec<Member>, String> {
    let find = |k: usize, name: &str| -> Result<Tensor, String> {
        let full = format!("{ENSEMBLE_PREFIX}.{k}.{name}");
        tensors
            .iter()
            .find(|(n, _)| *n == full)
            .map(|(_, t)| t.shallow_clone())
            .ok_or(full)
    };
    (0..count)
        .map(|k| {
            Ok(Member {
                weight: find(k, "weight")?,
                bias: find(k, "bias")?,
                feature_mean: find(k, "feature_mean")?,
                feature_std: find(k, "feature_std")?,
            })
        })
        .collect()
}

/// Logits of a batch of pooled features: the head's own, or with an ensemble the logit of
/// the mean of every head's probability.
pub(crate) fn batch_logits(head: &Head, features: &Tensor) -> Result<Vec<Vec<f32>>, EngineError> {
    let main = tensor_rows(&tch::no_grad(|| head.forward(features, false)))?;
    if head.ensemble.is_empty() {
        return Ok(main);
    }
    let mut sum: Vec<Vec<f64>> = main
        .iter()
        .map(|row| row.iter().map(|&z| sigmoid(z)).collect())
        .collect();
    for member in &head.ensemble {
        let logits = tensor_rows(&tch::no_grad(|| member.forward(features)))?;
        for (row, member_row) in sum.iter_mut().zip(logits) {
            for (p, z) in row.iter_mut().zip(member_row) {
                *p += sigmoid(z);
            }
        }
    }
    let heads = (head.ensemble.len() + 1) as f64;
    Ok(sum
        .into_iter()
        .map(|row| row.into_iter().map(|p| logit(p / heads)).collect())
        .collect())
}

fn sigmoid(z: f32) -> f64 {
    1.0 / (1.0 + (-(z as f64)).exp())
}

/// The logit of a probability, kept finite.
fn logit(p: f64) -> f32 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln() as f32
}

/// Calibrated probabilities of a batch of pooled features ([`batch_logits`], calibrated).
pub(crate) fn batch_probabilities(
    head: &Head,
    features: &Tensor,
    calibration: &Calibration,
) -> Result<Vec<Vec<f32>>, EngineError> {
    Ok(calibration.probabilities(&batch_logits(head, features)?))
}

/// [`batch_logits`] of catalogue items, by index into `features`.
pub(crate) fn item_logits(
    head: &Head,
    features: &Tensor,
    items: &[usize],
) -> Result<Vec<Vec<f32>>, EngineError> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(INFERENCE_BATCH) {
        let idx: Vec<i64> = chunk.iter().map(|&i| i as i64).collect();
        let index = Tensor::from_slice(&idx).to_device(features.device());
        let feats = features.f_index_select(0, &index)?;
        out.extend(batch_logits(head, &feats)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use tch::nn;

    use super::*;
    use crate::text::vocab::{TermKind, VocabTag, Vocabulary};
    use crate::vision::BackboneKind;

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

    /// A head with random weights and its own standardisation statistics.
    fn random_head(vs: &nn::VarStore, seed: i64) -> Head {
        tch::manual_seed(seed);
        let head = Head::new(
            vs,
            BackboneKind::EfficientNetLite0,
            vocabulary(4),
            vec![0.5; 4],
        );
        let dim = BackboneKind::EfficientNetLite0.feature_dim();
        tch::no_grad(|| {
            head.feature_mean
                .shallow_clone()
                .copy_(&Tensor::randn([dim], tch::kind::FLOAT_CPU));
            head.feature_std
                .shallow_clone()
                .copy_(&(Tensor::rand([dim], tch::kind::FLOAT_CPU) + 0.5));
        });
        head
    }

    #[test]
    fn the_ensembles_probabilities_are_the_mean_of_its_heads() {
        let vss: Vec<nn::VarStore> = (0..3)
            .map(|_| nn::VarStore::new(tch::Device::Cpu))
            .collect();
        let mut heads: Vec<Head> = vss
            .iter()
            .enumerate()
            .map(|(k, vs)| random_head(vs, 10 + k as i64))
            .collect();
        let dim = BackboneKind::EfficientNetLite0.feature_dim() as usize;
        let embedding: Vec<f32> = (0..dim)
            .map(|i| ((i * 37 % 101) as f32) / 50.0 - 1.0)
            .collect();
        let calibration = Calibration::Platt {
            slopes: vec![0.5, 1.0, 1.5, 2.0],
            intercepts: vec![-0.3, 0.0, 0.2, 0.4],
        };
        let xs = Tensor::from_slice(&embedding).view([1, -1]);
        let alone: Vec<Vec<f32>> = heads
            .iter()
            .map(|h| {
                Calibration::Identity
                    .probabilities(&batch_logits(h, &xs).unwrap())
                    .remove(0)
            })
            .collect();
        let members: Vec<Member> = heads[1..].iter().map(Member::of).collect();
        heads[0].ensemble = members;
        let together = Calibration::Identity
            .probabilities(&batch_logits(&heads[0], &xs).unwrap())
            .remove(0);
        for t in 0..4 {
            let mean = (alone[0][t] + alone[1][t] + alone[2][t]) / 3.0;
            assert!(
                (together[t] - mean).abs() < 1e-5,
                "tag {t}: {} vs {mean}",
                together[t]
            );
        }
        // The members differ, so the mean is not any one head's.
        assert!((0..4).any(|t| (together[t] - alone[0][t]).abs() > 1e-3));
        // The calibration applies to the mean as to one head's probability.
        let calibrated = batch_probabilities(&heads[0], &xs, &calibration)
            .unwrap()
            .remove(0);
        let logits = batch_logits(&heads[0], &xs).unwrap().remove(0);
        for t in 0..4 {
            assert_eq!(calibrated[t], calibration.probability(t, logits[t]));
        }
        // Saved and read back, the members give the same probabilities.
        let named = named_tensors(&heads[0].ensemble);
        let read = read_members(&named, 2).unwrap();
        heads[0].ensemble = read;
        let again = Calibration::Identity
            .probabilities(&batch_logits(&heads[0], &xs).unwrap())
            .remove(0);
        assert_eq!(again, together);
        assert!(read_members(&named, 3).is_err());
    }
}
