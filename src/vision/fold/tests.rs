use tch::{nn, Device, Kind, Tensor};

use super::*;
use crate::vision::build_backbone;

/// A backbone whose batch norms have non-trivial statistics and affine parameters, so that
/// folding has something to fold (fresh ones are the identity map).
fn backbone_with_statistics(kind: BackboneKind) -> (nn::VarStore, Box<dyn Backbone>) {
    tch::manual_seed(11);
    let vs = nn::VarStore::new(Device::Cpu);
    let backbone = build_backbone(&vs.root(), kind);
    tch::no_grad(|| {
        for (name, mut t) in vs.variables() {
            let n = t.size()[0];
            let fresh = if name.ends_with("running_var") {
                Tensor::rand([n], (Kind::Float, Device::Cpu)) + 0.5
            } else if name.ends_with("running_mean") {
                Tensor::randn([n], (Kind::Float, Device::Cpu)) * 0.1
            } else if t.dim() == 1 && name.ends_with("weight") {
                Tensor::rand([n], (Kind::Float, Device::Cpu)) * 0.5 + 0.75
            } else if t.dim() == 1 && name.ends_with("bias") {
                Tensor::randn([n], (Kind::Float, Device::Cpu)) * 0.1
            } else {
                continue;
            };
            t.copy_(&fresh);
        }
    });
    (vs, backbone)
}

/// Largest absolute difference, relative to the reference's largest magnitude (at least 1).
fn max_relative_diff(a: &Tensor, reference: &Tensor) -> f64 {
    let scale = reference.abs().max().double_value(&[]).max(1.0);
    (a - reference).abs().max().double_value(&[]) / scale
}

fn min_cosine(a: &Tensor, b: &Tensor) -> f64 {
    Tensor::cosine_similarity(a, b, 1, 1e-12)
        .min()
        .double_value(&[])
}

#[test]
fn folded_f32_features_match_the_unfolded_backbones() {
    for kind in BackboneKind::ALL {
        let (_vs, backbone) = backbone_with_statistics(kind);
        let xs = Tensor::randn([2, 3, 64, 64], (Kind::Float, Device::Cpu));
        let reference = tch::no_grad(|| backbone.features(&xs, false));
        let folded = fold(backbone.as_ref(), Precision::F32);
        assert_eq!((folded.kind(), folded.precision()), (kind, Precision::F32));
        let ys = tch::no_grad(|| folded.features(&xs));
        assert_eq!(ys.size(), reference.size());
        assert_eq!(ys.kind(), Kind::Float);
        // Folding changes the order of f32 sums; on random weights and inputs the largest
        // relative difference is a few 1e-6, rarely just over 1e-5.
        let diff = max_relative_diff(&ys, &reference);
        assert!(diff <= 5e-5, "{kind}: folded features differ by {diff:e}");
        assert!(min_cosine(&ys, &reference) > 0.99999);
    }
}

#[test]
fn a_fold_is_a_snapshot_of_the_weights_it_was_made_from() {
    let (vs, backbone) = backbone_with_statistics(BackboneKind::EfficientNetLite0);
    let xs = Tensor::randn([1, 3, 32, 32], (Kind::Float, Device::Cpu));
    let folded = fold(backbone.as_ref(), Precision::F32);
    let before = tch::no_grad(|| folded.features(&xs));
    tch::no_grad(|| {
        for (name, mut t) in vs.variables() {
            if name.ends_with("running_mean") {
                let _ = t.g_add_scalar_(0.5);
            }
        }
    });
    let after = tch::no_grad(|| folded.features(&xs));
    assert_eq!(max_relative_diff(&after, &before), 0.0);
    let refolded = tch::no_grad(|| fold(backbone.as_ref(), Precision::F32).features(&xs));
    let reference = tch::no_grad(|| backbone.features(&xs, false));
    assert!(max_relative_diff(&refolded, &reference) <= 1e-5);
    assert!(max_relative_diff(&refolded, &before) > 1e-4);
}

#[test]
fn bf16_features_point_the_same_way_as_f32() {
    // Runs on every CPU: libtorch computes bf16 without AVX512-BF16 too, only slower.
    let (_vs, backbone) = backbone_with_statistics(BackboneKind::EfficientNetLite0);
    // A smooth image-like input (neighbouring pixels alike), as photos are.
    let xs = Tensor::rand([2, 3, 8, 8], (Kind::Float, Device::Cpu)).upsample_bilinear2d(
        [64, 64],
        false,
        None,
        None,
    ) * 2.0
        - 1.0;
    let reference = tch::no_grad(|| backbone.features(&xs, false));
    let folded = fold(backbone.as_ref(), Precision::Bf16);
    let ys = tch::no_grad(|| folded.features(&xs));
    assert_eq!(ys.kind(), Kind::Float);
    // Random weights amplify rounding more than trained ones; the 0.999 bound on real photos
    // with the pretrained weights is `tests/vision_inference.rs`.
    let cosine = min_cosine(&ys, &reference);
    assert!(cosine >= 0.99, "cosine {cosine}");
    assert!(max_relative_diff(&ys, &reference) > 0.0, "bf16 really ran");
}
