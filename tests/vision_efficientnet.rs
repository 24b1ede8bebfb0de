//! The pretrained EfficientNet-Lite0 really loads and computes what the reference PyTorch
//! implementation computes.
//!
//! Needs the weights file that `scripts/setup.sh` creates; without it these tests fail and say
//! so, because a backbone silently running on random weights is exactly what they guard
//! against.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tch::{nn, Device, Kind, Tensor};
use vitrine::vision::transforms::{load_image, prepare, to_tensor};
use vitrine::vision::{self, Backbone, BackboneKind, WeightsStatus};

const KIND: BackboneKind = BackboneKind::EfficientNetLite0;
/// ImageNet class 967: "espresso".
const ESPRESSO: i64 = 967;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vision")
        .join(name)
}

/// The pretrained backbone under the prefix `backbone`, next to a head as training builds it.
fn pretrained() -> (nn::VarStore, Box<dyn Backbone>) {
    let path = vision::default_weights_path(KIND);
    assert!(
        path.is_file(),
        "the EfficientNet-Lite0 weights are missing at {}: run scripts/setup.sh first",
        path.display()
    );
    let mut vs = nn::VarStore::new(Device::Cpu);
    let backbone = vision::build_backbone(&(vs.root() / "backbone"), KIND);
    let head = nn::linear(
        vs.root() / "head",
        KIND.feature_dim(),
        5,
        Default::default(),
    );
    let head_before = head.ws.copy();
    let status = vision::load_pretrained(&mut vs, "backbone", KIND, None).expect("weights load");
    assert_eq!(status, WeightsStatus::Pretrained { path });
    assert!(head.ws.equal(&head_before), "the head must be left alone");
    (vs, backbone)
}

fn coffee_224() -> image::RgbImage {
    load_image(&fixture("coffee_224.png")).expect("fixture decodes")
}

#[test]
fn pretrained_head_sees_an_espresso() {
    let (_vs, backbone) = pretrained();
    // The whole pipeline, from the original 600×400 photo.
    let photo = load_image(&fixture("coffee.png")).expect("coffee.png decodes");
    let xs = to_tensor(&[prepare(&photo, KIND.input_size_px())], KIND).expect("tensor");
    let logits = tch::no_grad(|| backbone.imagenet_logits(&xs)).expect("has an ImageNet head");
    assert_eq!(logits.size(), vec![1, 1000]);
    let (_, top) = logits.topk(3, 1, true, true);
    let top: Vec<i64> = Vec::try_from(top.flatten(0, -1)).expect("indices");
    println!("coffee.png top-3 ImageNet classes: {top:?}");
    assert_eq!(top[0], ESPRESSO, "top-3 classes {top:?}");
}

#[test]
fn features_match_the_reference_implementation() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("efficientnet_lite0_coffee.json"))
            .expect("reference fixture"),
    )
    .expect("valid JSON");
    let (_vs, backbone) = pretrained();
    let xs = to_tensor(&[coffee_224()], KIND).expect("tensor");
    let features = tch::no_grad(|| backbone.features(&xs, false));
    assert_eq!(features.size(), vec![1, 1280]);
    let features: Vec<f32> = Vec::try_from(features.flatten(0, -1)).expect("floats");

    let norm = features.iter().map(|v| v * v).sum::<f32>().sqrt();
    let expected_norm = reference["feature_norm"].as_f64().expect("norm") as f32;
    assert!(
        (norm - expected_norm).abs() < 1e-3 * expected_norm,
        "norm {norm} vs {expected_norm}"
    );

    let indices = reference["sample_indices"].as_array().expect("indices");
    let values = reference["sample_values"].as_array().expect("values");
    assert_eq!(indices.len(), values.len());
    for (i, v) in indices.iter().zip(values) {
        let i = i.as_u64().expect("index") as usize;
        let expected = v.as_f64().expect("value") as f32;
        // Same libtorch kernels as the reference: only summation order differs. A wrong batch
        // norm epsilon or padding moves features by 0.1 or more.
        assert!(
            (features[i] - expected).abs() < 1e-3 + 1e-3 * expected.abs(),
            "feature {i}: {} vs reference {expected}",
            features[i]
        );
    }

    let logits = tch::no_grad(|| backbone.imagenet_logits(&xs)).expect("head");
    let classes = reference["top5_classes"].as_array().expect("classes");
    let class_logits = reference["top5_logits"].as_array().expect("logits");
    for (c, l) in classes.iter().zip(class_logits) {
        let got = logits.double_value(&[0, c.as_i64().expect("class")]);
        let expected = l.as_f64().expect("logit");
        assert!(
            (got - expected).abs() < 1e-3 * (1.0 + expected.abs()),
            "class {c}: {got} vs {expected}"
        );
    }
}

#[test]
fn prepare_still_makes_the_reference_crop() {
    // coffee_224.png was made by `prepare(coffee.png, 224)`; the reference features are only
    // meaningful for the production pipeline while this holds.
    let photo = load_image(&fixture("coffee.png")).expect("coffee.png decodes");
    let prepared = prepare(&photo, 224);
    let reference = coffee_224();
    assert_eq!(prepared.dimensions(), reference.dimensions());
    let total: u64 = prepared
        .as_raw()
        .iter()
        .zip(reference.as_raw())
        .map(|(a, b)| (*a as i32 - *b as i32).unsigned_abs() as u64)
        .sum();
    let mean_diff = total as f64 / reference.as_raw().len() as f64;
    assert!(mean_diff < 1.0, "mean absolute difference {mean_diff}");
}

#[test]
fn batches_are_independent_in_eval_mode() {
    let (_vs, backbone) = pretrained();
    let img = coffee_224();
    let flipped = image::imageops::flip_horizontal(&img);
    let single = tch::no_grad(|| {
        backbone.features(
            &to_tensor(std::slice::from_ref(&img), KIND).expect("tensor"),
            false,
        )
    });
    let batch = tch::no_grad(|| {
        backbone.features(&to_tensor(&[flipped, img], KIND).expect("tensor"), false)
    });
    let diff = (batch.get(1) - single.get(0)).abs().max().double_value(&[]);
    assert!(diff < 1e-4, "max difference {diff}");
}

#[test]
fn training_mode_gives_gradients() {
    let (vs, backbone) = pretrained();
    let xs = to_tensor(&[coffee_224(), coffee_224()], KIND).expect("tensor");
    let loss = backbone
        .features(&xs, true)
        .pow_tensor_scalar(2)
        .mean(Kind::Float);
    loss.backward();
    let stem = vs
        .variables()
        .remove("backbone._conv_stem.weight")
        .expect("stem weight");
    assert!(stem.grad().defined());
    assert!(stem.grad().abs().sum(Kind::Float).double_value(&[]) > 0.0);
}

/// `cargo test --release --test vision_efficientnet -- --ignored --nocapture` prints the
/// inference throughput on this machine.
#[test]
#[ignore = "a benchmark, not a check: prints the throughput (run it with --ignored)"]
fn inference_throughput() {
    let (_vs, backbone) = pretrained();
    let xs = Tensor::randn([32, 3, 224, 224], (Kind::Float, Device::Cpu));
    let _ = tch::no_grad(|| backbone.features(&xs, false)); // warm-up
    let runs = 3;
    let start = Instant::now();
    for _ in 0..runs {
        let _ = tch::no_grad(|| backbone.features(&xs, false));
    }
    let per_s = (32 * runs) as f64 / start.elapsed().as_secs_f64();
    println!(
        "EfficientNet-Lite0 inference, batch 32 at 224 px, {} threads: {per_s:.1} images/s",
        tch::get_num_threads()
    );
}
