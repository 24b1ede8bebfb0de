//! Inference with batch norm folded into the convolutions, in f32 and bf16, computes what the
//! pretrained EfficientNet-Lite0 computes on real photos.
//!
//! Needs the weights file that `scripts/setup.sh` creates (like `vision_efficientnet.rs`).

use tch::{nn, Device, Tensor};
use vitrine::vision::transforms::{load_prepared, to_tensor};
use vitrine::vision::{self, Backbone, BackboneKind, Precision, WeightsStatus};

const KIND: BackboneKind = BackboneKind::EfficientNetLite0;

fn pretrained() -> (nn::VarStore, Box<dyn Backbone>) {
    let path = vision::default_weights_path(KIND);
    assert!(
        path.is_file(),
        "the EfficientNet-Lite0 weights are missing at {}: run scripts/setup.sh first",
        path.display()
    );
    let mut vs = nn::VarStore::new(Device::Cpu);
    let backbone = vision::build_backbone(&vs.root(), KIND);
    let status = vision::load_pretrained(&mut vs, "", KIND, None).expect("weights load");
    assert_eq!(status, WeightsStatus::Pretrained { path });
    (vs, backbone)
}

/// Sixteen demo photos as one input batch.
fn demo_batch() -> Tensor {
    let catalogue = vitrine::catalogue::demo().expect("demo catalogue");
    let images: Vec<_> = catalogue
        .items
        .iter()
        .step_by(15)
        .take(16)
        .map(|i| load_prepared(&i.image_path, KIND.input_size_px()).expect("demo photo"))
        .collect();
    to_tensor(&images, KIND).expect("tensor")
}

#[test]
fn folded_f32_features_are_within_1e_5_of_the_unfolded_network() {
    let (_vs, backbone) = pretrained();
    let xs = demo_batch();
    let reference = tch::no_grad(|| backbone.features(&xs, false));
    let folded = vision::fold(backbone.as_ref(), Precision::F32);
    let ys = tch::no_grad(|| folded.features(&xs));
    let diff = (&ys - &reference).abs().max().double_value(&[]);
    assert!(diff <= 1e-5, "largest difference {diff:e}");
    // The features are not trivially small, so the bound means something.
    assert!(reference.abs().max().double_value(&[]) > 0.5);
}

#[test]
fn bf16_embeddings_have_a_cosine_of_at_least_0_999_to_f32() {
    // libtorch computes bf16 on any x86-64 CPU (emulated, slower, where the CPU has neither
    // AVX512-BF16 nor AMX-BF16), so the bound is checked everywhere, not only where vitrine
    // chooses bf16 by default.
    let (_vs, backbone) = pretrained();
    let xs = demo_batch();
    let reference = tch::no_grad(|| backbone.features(&xs, false));
    let folded = vision::fold(backbone.as_ref(), Precision::Bf16);
    let ys = tch::no_grad(|| folded.features(&xs));
    let cosine = Tensor::cosine_similarity(&ys, &reference, 1, 1e-12);
    let worst = cosine.min().double_value(&[]);
    let mean = cosine.mean(tch::Kind::Double).double_value(&[]);
    eprintln!("bf16 vs f32 cosine: worst {worst:.6}, mean {mean:.6}");
    assert!(worst >= 0.999, "worst cosine {worst}");
    // The bf16 path really ran: the features are not the f32 ones.
    let diff = (&ys - &reference).abs().max().double_value(&[]);
    assert!(diff > 0.0, "bf16 features equal the f32 ones to the bit");
}
