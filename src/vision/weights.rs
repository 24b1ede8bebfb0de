//! Pretrained weights: where they live and how they get into a backbone.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use tch::{nn, Tensor};

use super::{BackboneKind, VisionError};

/// What [`load_pretrained`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WeightsStatus {
    /// Every backbone variable was filled from this file.
    Pretrained {
        /// The weights file that was read.
        path: PathBuf,
    },
    /// No weights file was found; the backbone keeps its random initialisation. `reason` says
    /// which file was looked for and how to get it (one sentence, no trailing period), ready
    /// to show to the user.
    RandomInit {
        /// Plain-words explanation, including the remedy.
        reason: String,
    },
}

/// Where the pretrained weights of `kind` are expected:
/// `<weights dir>/<kind.weights_file_name()>` (see [`crate::paths::weights_dir`]).
pub fn default_weights_path(kind: BackboneKind) -> PathBuf {
    crate::paths::weights_dir().join(kind.weights_file_name())
}

fn how_to_get(kind: BackboneKind) -> &'static str {
    match kind {
        BackboneKind::EfficientNetLite0 => "run scripts/setup.sh",
        BackboneKind::ResNeXt50 => {
            "convert torchvision's resnext50_32x4d ImageNet weights with \
             `scripts/convert_resnext50.py IN.pth`"
        }
    }
}

/// Counters that PyTorch state dicts carry but no model here reads.
fn is_ignored(name: &str) -> bool {
    name.ends_with("num_batches_tracked")
}

/// Fills the backbone built with [`super::build_backbone`] under `prefix` (`""` for the var
/// store's root, `"backbone"` for `vs.root() / "backbone"`, `"a.b"` for nested paths) from a
/// safetensors file holding the state dict of `kind`. `path` `None` means
/// [`default_weights_path`].
///
/// Variables outside the backbone (a classification head next to it, for instance) are left
/// alone. The file must match the backbone exactly: everything is checked before anything is
/// copied, so on error the var store is unchanged.
///
/// A missing file is not an error: the result is [`WeightsStatus::RandomInit`] with a reason
/// telling how to get it. A file that is unreadable, damaged, or holds another model's tensors
/// gives an error naming the file and the first tensor that does not fit.
pub fn load_pretrained(
    vs: &mut nn::VarStore,
    prefix: &str,
    kind: BackboneKind,
    path: Option<&Path>,
) -> Result<WeightsStatus, VisionError> {
    let path = path.map_or_else(|| default_weights_path(kind), Path::to_path_buf);
    if !path.exists() {
        return Ok(WeightsStatus::RandomInit {
            reason: format!(
                "no pretrained {kind} weights at {}; to get them, {}",
                path.display(),
                how_to_get(kind)
            ),
        });
    }
    let backbone_vars = backbone_variables(vs, prefix, kind);
    if backbone_vars.is_empty() {
        return Err(VisionError::NoBackboneVariables {
            backbone: kind.to_string(),
            prefix: prefix.to_string(),
        });
    }
    let file_tensors = read_weights(&path)?;
    check_match(&path, kind, &backbone_vars, &file_tensors)?;

    tch::no_grad(|| {
        for (name, var) in &backbone_vars {
            let copy_err = |source| VisionError::WeightsCopy {
                path: path.clone(),
                name: name.clone(),
                source,
            };
            // `check_match` guarantees the tensor is there.
            if let Some(src) = file_tensors.get(name) {
                let src = src
                    .f_to_kind(var.kind())
                    .and_then(|t| t.f_to_device(var.device()))
                    .map_err(copy_err)?;
                let mut dst = var.shallow_clone();
                dst.f_copy_(&src).map_err(copy_err)?;
            }
        }
        Ok(WeightsStatus::Pretrained { path: path.clone() })
    })
}

/// The backbone's variables, keyed by their state-dict name (the var-store name minus the
/// prefix).
fn backbone_variables(
    vs: &nn::VarStore,
    prefix: &str,
    kind: BackboneKind,
) -> HashMap<String, Tensor> {
    let prefix = prefix.trim_matches('.');
    let modules = kind.top_level_modules();
    vs.variables()
        .into_iter()
        .filter_map(|(name, var)| {
            let local = if prefix.is_empty() {
                name.as_str()
            } else {
                name.strip_prefix(prefix)?.strip_prefix('.')?
            };
            let top = local.split('.').next()?;
            modules.contains(&top).then(|| (local.to_string(), var))
        })
        .collect()
}

fn read_weights(path: &Path) -> Result<HashMap<String, Tensor>, VisionError> {
    let unreadable = |reason: String| VisionError::WeightsUnreadable {
        path: path.to_path_buf(),
        reason,
    };
    if path.is_dir() {
        return Err(unreadable("it is a folder, not a file".into()));
    }
    // Opening first separates "cannot read" from "not a weights file".
    std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let tensors = Tensor::read_safetensors(path).map_err(|e| match e {
        tch::TchError::SafeTensorError { err, .. } => unreadable(format!(
            "it is damaged or not a safetensors weights file ({err})"
        )),
        other => unreadable(format!(
            "it is damaged or not a safetensors weights file ({other})"
        )),
    })?;
    let tensors: HashMap<String, Tensor> = tensors
        .into_iter()
        .filter(|(name, _)| !is_ignored(name))
        .collect();
    let mut names: Vec<&String> = tensors.keys().collect();
    names.sort_by(|a, b| natural_cmp(a, b));
    for name in names {
        let t = &tensors[name];
        let finite = !t.is_floating_point()
            || t.f_isfinite()
                .and_then(|f| f.f_all())
                .and_then(|a| a.f_int64_value(&[]))
                .is_ok_and(|v| v != 0);
        if !finite {
            return Err(unreadable(format!(
                "its weight {name} holds values that are not finite numbers (NaN or infinity)"
            )));
        }
    }
    Ok(tensors)
}

/// Checks names and shapes both ways, in sorted name order so the error always names the same
/// tensor.
fn check_match(
    path: &Path,
    kind: BackboneKind,
    backbone_vars: &HashMap<String, Tensor>,
    file_tensors: &HashMap<String, Tensor>,
) -> Result<(), VisionError> {
    let mut expected: Vec<&String> = backbone_vars.keys().collect();
    expected.sort_by(|a, b| natural_cmp(a, b));
    for name in expected {
        let Some(found) = file_tensors.get(name) else {
            return Err(VisionError::WeightsMissingTensor {
                path: path.to_path_buf(),
                name: name.clone(),
                backbone: kind.to_string(),
            });
        };
        let expected_shape = backbone_vars[name].size();
        if found.size() != expected_shape {
            return Err(VisionError::WeightsShapeMismatch {
                path: path.to_path_buf(),
                name: name.clone(),
                backbone: kind.to_string(),
                expected: expected_shape,
                found: found.size(),
            });
        }
    }
    let known: HashSet<&String> = backbone_vars.keys().collect();
    let mut extra: Vec<&String> = file_tensors.keys().filter(|n| !known.contains(n)).collect();
    extra.sort_by(|a, b| natural_cmp(a, b));
    if let Some(name) = extra.first() {
        return Err(VisionError::WeightsUnexpectedTensor {
            path: path.to_path_buf(),
            name: (*name).clone(),
            backbone: kind.to_string(),
        });
    }
    Ok(())
}

/// Orders `_blocks.2.x` before `_blocks.10.x`: numeric path components compare as numbers.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| -> Vec<(u64, String)> {
        s.split('.')
            .map(|part| match part.parse::<u64>() {
                Ok(n) => (n, String::new()),
                Err(_) => (u64::MAX, part.to_string()),
            })
            .collect()
    };
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut names = vec!["_blocks.10.a", "_blocks.2.a", "_bn0.weight", "_blocks.2.b"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["_blocks.2.a", "_blocks.2.b", "_blocks.10.a", "_bn0.weight"]
        );
    }

    #[test]
    fn backbone_variables_ignore_the_head() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let _b = super::super::build_backbone(&vs.root(), BackboneKind::EfficientNetLite0);
        let _head = nn::linear(vs.root() / "head", 1280, 3, Default::default());
        let vars = backbone_variables(&vs, "", BackboneKind::EfficientNetLite0);
        assert!(vars.contains_key("_conv_stem.weight"));
        assert!(!vars.contains_key("head.weight"));
        assert_eq!(vars.len(), vs.variables().len() - 2);

        let vs = nn::VarStore::new(tch::Device::Cpu);
        let _b =
            super::super::build_backbone(&(vs.root() / "model" / "cnn"), BackboneKind::ResNeXt50);
        let _head = nn::linear(vs.root() / "head", 2048, 3, Default::default());
        let vars = backbone_variables(&vs, "model.cnn", BackboneKind::ResNeXt50);
        assert!(vars.contains_key("layer1.0.downsample.0.weight"));
        assert_eq!(vars.len(), vs.variables().len() - 2);
        assert!(backbone_variables(&vs, "model", BackboneKind::ResNeXt50).is_empty());
    }
}
