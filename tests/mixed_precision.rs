//! bf16 mixed-precision fine-tuning follows the f32 loss curve: the same seeded steps on the
//! same demo photos give losses within bf16 rounding of each other (8 % + 0.005; measured
//! differences stay under 5 %), and both learn. The bf16 run is checked to have really run
//! in bf16: the backbone's activations inside the autocast region are bf16, and the losses
//! are not the f32 ones. libtorch computes bf16 on any x86-64 CPU (slower without
//! AVX512-BF16 or AMX), so these tests run everywhere.

use tch::{nn, Device, Kind, Tensor};
use vitrine::engine::measure::fine_tune_losses;
use vitrine::engine::EngineOptions;
use vitrine::vision::{autocast, build_backbone, transforms, BackboneKind, Precision};

const STEPS: usize = 6;

/// libtorch's random generator is global to the process: the seeded loss curves must not share
/// it with the other tests of this file, which run on other threads.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn bf16_fine_tuning_follows_the_f32_loss_curve() {
    let _serial = serial();
    let catalogue = vitrine::catalogue::demo().expect("demo catalogue");
    let images: Vec<_> = catalogue
        .items
        .iter()
        .take(8)
        .map(|i| transforms::load_prepared(&i.image_path, 224).expect("demo photo"))
        .collect();
    let curve = |precision| {
        let options = EngineOptions {
            device: tch::Device::Cpu,
            precision,
            ..EngineOptions::default()
        };
        fine_tune_losses(
            &options,
            BackboneKind::EfficientNetLite0,
            8,
            STEPS,
            &images,
            12,
        )
        .expect("fine-tuning steps")
    };
    let f32_losses = curve(Precision::F32);
    let bf16_losses = curve(Precision::Bf16);
    eprintln!("f32  {f32_losses:?}\nbf16 {bf16_losses:?}");
    assert_eq!(f32_losses.len(), STEPS);
    for (step, (a, b)) in f32_losses.iter().zip(&bf16_losses).enumerate() {
        assert!(a.is_finite() && b.is_finite(), "step {step}: {a} / {b}");
        assert!(
            (a - b).abs() <= 0.08 * a.abs() + 0.005,
            "step {step}: f32 loss {a}, bf16 loss {b}"
        );
    }
    assert_ne!(
        f32_losses, bf16_losses,
        "the bf16 run gave the f32 losses to the bit: autocast did nothing"
    );
    for losses in [&f32_losses, &bf16_losses] {
        assert!(
            losses[STEPS - 1] < losses[0] * 0.9,
            "the loss falls over the steps: {losses:?}"
        );
    }
}

#[test]
fn convolutions_compute_in_bf16_inside_the_autocast_region() {
    let _serial = serial();
    tch::manual_seed(5);
    let vs = nn::VarStore::new(Device::Cpu);
    let conv = nn::conv2d(vs.root(), 3, 8, 3, Default::default());
    let xs = Tensor::rand([2, 3, 16, 16], (Kind::Float, Device::Cpu));
    assert_eq!(
        xs.apply(&conv).kind(),
        Kind::Float,
        "f32 outside the region"
    );
    let inside = autocast::bf16(Device::Cpu, || xs.apply(&conv));
    assert_eq!(
        inside.kind(),
        Kind::BFloat16,
        "a convolution's activation inside the autocast region"
    );
    // The region ends with the closure: the same call is f32 again.
    assert_eq!(xs.apply(&conv).kind(), Kind::Float);
}

#[test]
fn the_backbone_under_autocast_is_not_the_f32_backbone() {
    let _serial = serial();
    tch::manual_seed(5);
    let vs = nn::VarStore::new(Device::Cpu);
    let backbone = build_backbone(&vs.root(), BackboneKind::EfficientNetLite0);
    let xs = Tensor::rand([2, 3, 64, 64], (Kind::Float, Device::Cpu)) * 2.0 - 1.0;
    let f32_features = tch::no_grad(|| backbone.features(&xs, false));
    let bf16_features = tch::no_grad(|| {
        autocast::bf16(Device::Cpu, || backbone.features(&xs, false)).to_kind(Kind::Float)
    });
    let diff = (&bf16_features - &f32_features)
        .abs()
        .max()
        .double_value(&[]);
    assert!(diff > 0.0, "autocast left the backbone in f32");
    let finite = bf16_features.isfinite().all().int64_value(&[]) == 1;
    assert!(finite, "bf16 features are not all finite");
}
