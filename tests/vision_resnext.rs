//! ResNeXt50 32×4d: torchvision's layout, weights that round-trip, and `load_pretrained`'s
//! answers for missing, damaged and mismatched files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use tch::{nn, Device, Kind, Tensor};
use vitrine::vision::{self, Backbone, BackboneKind, VisionError, WeightsStatus};

const KIND: BackboneKind = BackboneKind::ResNeXt50;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A randomly initialised ResNeXt50 whose batch-norm statistics are random too, so loading
/// them is actually checked.
fn random_backbone(prefix: Option<&str>, seed: i64) -> (nn::VarStore, Box<dyn Backbone>) {
    tch::manual_seed(seed);
    let vs = nn::VarStore::new(Device::Cpu);
    let root = match prefix {
        Some(prefix) => vs.root() / prefix,
        None => vs.root(),
    };
    let backbone = vision::build_backbone(&root, KIND);
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            if name.ends_with("running_mean") {
                var.copy_(&(Tensor::randn_like(&var) * 0.1));
            } else if name.ends_with("running_var") {
                var.copy_(&(Tensor::rand_like(&var) + 0.5));
            }
        }
    });
    (vs, backbone)
}

fn small_batch() -> Tensor {
    tch::manual_seed(7);
    Tensor::randn([2, 3, 64, 64], (Kind::Float, Device::Cpu))
}

fn eval_features(backbone: &dyn Backbone, xs: &Tensor) -> Tensor {
    tch::no_grad(|| backbone.features(xs, false))
}

/// Saves the var store as safetensors under the backbone's own names (no prefix).
fn save_state_dict(vs: &nn::VarStore, prefix: &str, path: &Path) {
    let named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter_map(|(name, t)| Some((name.strip_prefix(prefix)?.to_string(), t)))
        .collect();
    Tensor::write_safetensors(&named, path).expect("write safetensors");
}

#[test]
fn layout_matches_torchvision() {
    let (vs, _backbone) = random_backbone(None, 0);
    let ours: BTreeMap<String, Vec<i64>> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.size()))
        .collect();
    // The layout the converter checks files against (`convert_resnext50.py --layout`).
    let layout: BTreeMap<String, Vec<i64>> = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/fixtures/vision/resnext50_32x4d_layout.json"))
            .expect("fixture"),
    )
    .expect("valid JSON");
    assert_eq!(ours, layout);
    // torchvision documents 25,028,904 parameters for resnext50_32x4d.
    let parameters: i64 = vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    assert_eq!(parameters, 25_028_904);
}

#[test]
fn features_are_2048_wide() {
    let (_vs, backbone) = random_backbone(Some("backbone"), 1);
    assert_eq!(backbone.kind(), KIND);
    let xs = small_batch();
    assert_eq!(eval_features(backbone.as_ref(), &xs).size(), vec![2, 2048]);
    let logits = tch::no_grad(|| backbone.imagenet_logits(&xs)).expect("ImageNet head");
    assert_eq!(logits.size(), vec![2, 1000]);
    // Training mode uses batch statistics and still gives the same shape.
    assert_eq!(backbone.features(&xs, true).size(), vec![2, 2048]);
}

#[test]
fn weights_round_trip_through_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("resnext.safetensors");
    let (vs, original) = random_backbone(None, 2);
    vs.save(&file).expect("save");

    let xs = small_batch();
    let expected = eval_features(original.as_ref(), &xs);

    // Into a fresh store at the root...
    let (mut fresh, backbone) = random_backbone(None, 3);
    assert!(!eval_features(backbone.as_ref(), &xs).equal(&expected));
    let status = vision::load_pretrained(&mut fresh, "", KIND, Some(&file)).expect("loads");
    assert_eq!(status, WeightsStatus::Pretrained { path: file.clone() });
    assert!(eval_features(backbone.as_ref(), &xs).equal(&expected));

    // ...and under a prefix, next to a head that the file knows nothing about.
    let (mut nested, backbone) = random_backbone(Some("backbone"), 4);
    let head = nn::linear(nested.root() / "head", 2048, 3, Default::default());
    let head_before = head.ws.copy();
    vision::load_pretrained(&mut nested, "backbone", KIND, Some(&file))
        .expect("loads under a prefix");
    assert!(eval_features(backbone.as_ref(), &xs).equal(&expected));
    assert!(head.ws.equal(&head_before));
}

#[test]
fn converter_accepts_torchvision_checkpoints() {
    // The setup script's Python environment (VITRINE_DEPS_DIR moves it, as CI does).
    let deps = std::env::var_os("VITRINE_DEPS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo().join(".deps"));
    let python = deps.join("venv/bin/python");
    assert!(
        python.exists(),
        "no Python at {}: run scripts/setup.sh first",
        python.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("source.safetensors");
    let pth = dir.path().join("resnext50_32x4d.pth");
    let converted = dir.path().join("converted.safetensors");
    let (vs, original) = random_backbone(None, 5);
    vs.save(&source).expect("save");

    // Make a checkpoint as torchvision users have them: a pickled state dict with
    // num_batches_tracked counters, here also wrapped the way DataParallel saves it.
    let make_pth = "import sys, torch\n\
        from safetensors.torch import load_file\n\
        sd = load_file(sys.argv[1])\n\
        for k in [k for k in sd if k.endswith('running_mean')]:\n\
        \x20   sd[k[:-len('running_mean')] + 'num_batches_tracked'] = torch.tensor(1000)\n\
        torch.save({'state_dict': {'module.' + k: v for k, v in sd.items()}}, sys.argv[2])\n";
    let run = |mut cmd: Command| {
        let out = cmd.output().expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let mut cmd = Command::new(&python);
    cmd.arg("-c").arg(make_pth).arg(&source).arg(&pth);
    run(cmd);
    let mut cmd = Command::new(&python);
    cmd.arg(repo().join("scripts/convert_resnext50.py"))
        .arg(&pth)
        .arg(&converted);
    run(cmd);

    let (mut fresh, backbone) = random_backbone(None, 6);
    vision::load_pretrained(&mut fresh, "", KIND, Some(&converted)).expect("converted file loads");
    let xs = small_batch();
    assert!(eval_features(backbone.as_ref(), &xs).equal(&eval_features(original.as_ref(), &xs)));
}

#[test]
fn missing_file_means_random_init_with_a_remedy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere.safetensors");
    let (mut vs, _backbone) = random_backbone(None, 8);
    match vision::load_pretrained(&mut vs, "", KIND, Some(&missing)).expect("not an error") {
        WeightsStatus::RandomInit { reason } => {
            assert!(reason.contains("nowhere.safetensors"), "{reason}");
            assert!(reason.contains("scripts/convert_resnext50.py"), "{reason}");
        }
        other => panic!("expected RandomInit, got {other:?}"),
    }
    // The default location is inside the weights folder.
    let default = vision::default_weights_path(KIND);
    assert!(default.starts_with(vitrine::paths::weights_dir()));
    assert!(default.ends_with("resnext50_32x4d.safetensors"));
}

/// Writes the backbone's state dict with one tensor replaced (or removed, if `replacement`
/// is `None`), to a temporary file.
fn doctored_file(
    dir: &Path,
    vs: &nn::VarStore,
    name: &str,
    replacement: Option<Tensor>,
) -> PathBuf {
    let path = dir.join(format!("doctored-{}.safetensors", name.replace('.', "_")));
    let mut named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(n, _)| n != name)
        .collect();
    if let Some(t) = replacement {
        named.push((name.to_string(), t));
    }
    Tensor::write_safetensors(&named, &path).expect("write");
    path
}

#[test]
fn mismatched_files_are_errors_naming_the_tensor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (vs, _b) = random_backbone(None, 9);
    let (mut target, backbone) = random_backbone(None, 10);
    let xs = small_batch();
    let before = eval_features(backbone.as_ref(), &xs);

    let wrong_shape = doctored_file(
        dir.path(),
        &vs,
        "layer2.0.conv2.weight",
        Some(Tensor::zeros([256, 4, 3, 3], (Kind::Float, Device::Cpu))),
    );
    let err = vision::load_pretrained(&mut target, "", KIND, Some(&wrong_shape))
        .expect_err("wrong shape");
    assert!(
        matches!(&err, VisionError::WeightsShapeMismatch { name, .. } if name == "layer2.0.conv2.weight"),
        "{err}"
    );
    assert!(
        err.to_string().contains("layer2.0.conv2.weight") && err.to_string().contains("doctored"),
        "{err}"
    );

    let missing = doctored_file(dir.path(), &vs, "fc.bias", None);
    let err =
        vision::load_pretrained(&mut target, "", KIND, Some(&missing)).expect_err("missing tensor");
    assert!(
        matches!(&err, VisionError::WeightsMissingTensor { name, .. } if name == "fc.bias"),
        "{err}"
    );

    let extra = doctored_file(
        dir.path(),
        &vs,
        "layer5.0.conv1.weight",
        Some(Tensor::zeros([1], (Kind::Float, Device::Cpu))),
    );
    let err =
        vision::load_pretrained(&mut target, "", KIND, Some(&extra)).expect_err("extra tensor");
    assert!(
        matches!(&err, VisionError::WeightsUnexpectedTensor { name, .. } if name == "layer5.0.conv1.weight"),
        "{err}"
    );

    // Another model's weights: the first ResNeXt tensor in order is missing.
    let efficientnet = dir.path().join("efficientnet.safetensors");
    let other = nn::VarStore::new(Device::Cpu);
    let _ = vision::build_backbone(&other.root(), BackboneKind::EfficientNetLite0);
    other.save(&efficientnet).expect("save");
    let err = vision::load_pretrained(&mut target, "", KIND, Some(&efficientnet))
        .expect_err("other model");
    assert!(
        matches!(&err, VisionError::WeightsMissingTensor { name, .. } if name == "bn1.bias"),
        "{err}"
    );

    // Not a weights file at all.
    let garbage = dir.path().join("garbage.safetensors");
    std::fs::write(
        &garbage,
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all",
    )
    .expect("write");
    let err = vision::load_pretrained(&mut target, "", KIND, Some(&garbage)).expect_err("garbage");
    assert!(
        matches!(err, VisionError::WeightsUnreadable { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("garbage.safetensors"), "{err}");

    // A prefix with no backbone under it.
    let good = dir.path().join("good.safetensors");
    save_state_dict(&vs, "", &good);
    let err = vision::load_pretrained(&mut target, "backbone", KIND, Some(&good))
        .expect_err("wrong prefix");
    assert!(
        matches!(err, VisionError::NoBackboneVariables { .. }),
        "{err}"
    );

    // None of the failures touched the model.
    assert!(eval_features(backbone.as_ref(), &xs).equal(&before));
}

/// `cargo test --release --test vision_resnext -- --ignored --nocapture` prints the inference
/// throughput on this machine.
#[test]
#[ignore = "a benchmark, not a check: prints the throughput (run it with --ignored)"]
fn inference_throughput() {
    let (_vs, backbone) = random_backbone(None, 11);
    let xs = Tensor::randn([32, 3, 224, 224], (Kind::Float, Device::Cpu));
    let _ = eval_features(backbone.as_ref(), &xs); // warm-up
    let start = Instant::now();
    let _ = eval_features(backbone.as_ref(), &xs);
    let per_s = 32.0 / start.elapsed().as_secs_f64();
    println!(
        "ResNeXt50 inference, batch 32 at 224 px, {} threads: {per_s:.1} images/s",
        tch::get_num_threads()
    );
}
