//! The head's standardisation: statistics of the training split, saved with the head and
//! applied exactly as in training wherever it predicts.

use tch::kind::FLOAT_CPU;
use tch::{nn, Device, Tensor};

use super::plan::standardise;
use crate::engine::network::{tensor_rows, without_statistics, Head};
use crate::text::vocab::{TermKind, VocabTag, Vocabulary};
use crate::vision::BackboneKind;

const KIND: BackboneKind = BackboneKind::EfficientNetLite0;

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

/// Features far from standard: every dimension with its own offset and spread.
fn skewed_features(rows: i64) -> Tensor {
    let dim = KIND.feature_dim();
    tch::manual_seed(3);
    let scale = Tensor::rand([dim], FLOAT_CPU) * 5.0 + 0.1;
    let offset = Tensor::randn([dim], FLOAT_CPU) * 3.0;
    Tensor::randn([rows, dim], FLOAT_CPU) * &scale + &offset
}

#[test]
fn standardisation_statistics_round_trip_and_are_applied_as_in_training() {
    let features = skewed_features(40);
    let rows = tensor_rows(&features).unwrap();
    let train: Vec<usize> = (0..30).collect();
    let vs = nn::VarStore::new(Device::Cpu);
    let head = Head::new(&vs, KIND, vocabulary(3), vec![0.5; 3]);
    standardise(&head, &features, &train).unwrap();

    // The statistics are the training rows' own (held-out rows play no part).
    let mean = Vec::<f32>::try_from(&head.feature_mean).unwrap();
    let std = Vec::<f32>::try_from(&head.feature_std).unwrap();
    for d in [0, 17, mean.len() - 1] {
        let values: Vec<f64> = train.iter().map(|&i| rows[i][d] as f64).collect();
        let m = values.iter().sum::<f64>() / values.len() as f64;
        let sd = (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt();
        assert!(
            (mean[d] as f64 - m).abs() < 1e-4 * (1.0 + m.abs()),
            "mean {d}"
        );
        assert!((std[d] as f64 - sd).abs() < 1e-4 * (1.0 + sd), "sd {d}");
    }

    // A prediction is the linear head on (x − mean) / spread, by hand.
    let held = features.narrow(0, 30, 10);
    let logits = tensor_rows(&tch::no_grad(|| head.forward(&held, false))).unwrap();
    let weight = tensor_rows(&head.linear.ws).unwrap();
    let bias = Vec::<f32>::try_from(head.linear.bs.as_ref().unwrap()).unwrap();
    for (r, row) in logits.iter().enumerate() {
        for (t, &z) in row.iter().enumerate() {
            let by_hand: f64 = bias[t] as f64
                + (0..mean.len())
                    .map(|d| {
                        weight[t][d] as f64 * (rows[30 + r][d] as f64 - mean[d] as f64)
                            / std[d] as f64
                    })
                    .sum::<f64>();
            assert!((z as f64 - by_hand).abs() < 1e-3, "{z} vs {by_hand}");
        }
    }

    // Saved and loaded, the head has the same statistics and predicts exactly the same.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weights.safetensors");
    Tensor::write_safetensors(&head.named_tensors(), &path).unwrap();
    let mut vs2 = nn::VarStore::new(Device::Cpu);
    let loaded = Head::new(&vs2, KIND, vocabulary(3), vec![0.5; 3]);
    let missing = vs2.load_partial(&path).unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    assert!(loaded.feature_mean.equal(&head.feature_mean));
    assert!(loaded.feature_std.equal(&head.feature_std));
    let again = tensor_rows(&tch::no_grad(|| loaded.forward(&held, false))).unwrap();
    assert_eq!(again, logits);

    // The statistics change the predictions: the same weights on raw features differ.
    let raw_vs = nn::VarStore::new(Device::Cpu);
    let raw = Head::new(&raw_vs, KIND, vocabulary(3), vec![0.5; 3]);
    tch::no_grad(|| {
        raw.linear.ws.shallow_clone().copy_(&head.linear.ws);
        if let (Some(b), Some(src)) = (&raw.linear.bs, &head.linear.bs) {
            b.shallow_clone().copy_(src);
        }
    });
    let unstandardised = tensor_rows(&tch::no_grad(|| raw.forward(&held, false))).unwrap();
    assert!(unstandardised
        .iter()
        .flatten()
        .zip(logits.iter().flatten())
        .any(|(a, b)| (a - b).abs() > 1e-2));
}

#[test]
fn a_head_saved_without_statistics_loads_with_the_identity() {
    let vs = nn::VarStore::new(Device::Cpu);
    let head = Head::new(&vs, KIND, vocabulary(2), vec![0.5; 2]);
    let without: Vec<(String, Tensor)> = head
        .named_tensors()
        .into_iter()
        .filter(|(name, _)| !name.contains("feature_"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weights.safetensors");
    Tensor::write_safetensors(&without, &path).unwrap();
    let mut vs2 = nn::VarStore::new(Device::Cpu);
    let loaded = Head::new(&vs2, KIND, vocabulary(2), vec![0.5; 2]);
    let mut missing = vs2.load_partial(&path).unwrap();
    missing.sort();
    assert_eq!(missing, ["tag_head.feature_mean", "tag_head.feature_std"]);
    // The checkpoint loader accepts exactly those missing, and nothing else of the head.
    assert!(without_statistics(missing).is_empty());
    assert_eq!(
        without_statistics(vec!["tag_head.weight".into()]),
        ["tag_head.weight"]
    );
    assert_eq!(
        f64::try_from(loaded.feature_mean.abs().sum(tch::Kind::Double)).unwrap(),
        0.0
    );
    assert_eq!(
        f64::try_from(loaded.feature_std.sum(tch::Kind::Double)).unwrap(),
        KIND.feature_dim() as f64
    );
}
