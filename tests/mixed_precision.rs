//! bf16 mixed-precision fine-tuning follows the f32 loss curve: the same seeded steps on the
//! same demo photos give losses within bf16 rounding of each other (8 % + 0.005; measured
//! differences stay under 5 %), and both learn.

use vitrine::engine::measure::fine_tune_losses;
use vitrine::engine::EngineOptions;
use vitrine::vision::{transforms, BackboneKind, Precision};

const STEPS: usize = 6;

#[test]
fn bf16_fine_tuning_follows_the_f32_loss_curve() {
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
    for losses in [&f32_losses, &bf16_losses] {
        assert!(
            losses[STEPS - 1] < losses[0] * 0.9,
            "the loss falls over the steps: {losses:?}"
        );
    }
}
