//! CNN backbones, image transforms and pretrained weights.
//!
//! Two backbones turn a batch of `[N, 3, 224, 224]` images into pooled features:
//! - [`BackboneKind::EfficientNetLite0`] (1280-d, ~4.7 M parameters): the default, fast on a
//!   CPU; its ImageNet weights come with `scripts/setup.sh`;
//! - [`BackboneKind::ResNeXt50`] (2048-d, ~25 M parameters): stronger but several times slower;
//!   its weights are torchvision's, converted by the user with `scripts/convert_resnext50.py`.
//!
//! Typical use:
//! ```no_run
//! use tch::nn;
//! use vitrine::vision::{self, BackboneKind, WeightsStatus};
//!
//! # fn main() -> Result<(), vitrine::vision::VisionError> {
//! let kind = BackboneKind::EfficientNetLite0;
//! let mut vs = nn::VarStore::new(tch::Device::Cpu);
//! let backbone = vision::build_backbone(&(vs.root() / "backbone"), kind);
//! let head = nn::linear(vs.root() / "head", kind.feature_dim(), 12, Default::default());
//! match vision::load_pretrained(&mut vs, "backbone", kind, None)? {
//!     WeightsStatus::Pretrained { path } => println!("loaded {}", path.display()),
//!     WeightsStatus::RandomInit { reason } => eprintln!("{reason}"),
//! }
//! let photo = vision::transforms::load_prepared("shirt.jpg".as_ref(), kind.input_size_px())?;
//! let xs = vision::transforms::to_tensor(&[photo], kind)?;
//! let features = tch::no_grad(|| backbone.features(&xs, false)); // [1, 1280]
//! # let _ = (head, features);
//! # Ok(())
//! # }
//! ```

pub mod autocast;
pub mod cuda;
pub mod efficientnet;
mod error;
pub mod fold;
mod precision;
pub mod resnext;
pub mod transforms;
mod weights;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

pub use efficientnet::EfficientNetLite0;
pub use error::VisionError;
pub use fold::{fold, InferenceBackbone};
pub use precision::{cpu_model_name, CpuFeatures, Precision, PRECISION_ENV};
pub use resnext::ResNeXt50;
pub use transforms::{Augmentation, Normalisation};
pub use weights::{default_weights_path, load_pretrained, WeightsStatus};

/// Which CNN backbone extracts image features. Written as `efficientnet-lite0` or `resnext50`
/// in settings, on the command line and in checkpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Hash)]
pub enum BackboneKind {
    /// EfficientNet-Lite0: 1280-d features, TensorFlow-style input scaling. The default.
    #[default]
    #[serde(rename = "efficientnet-lite0")]
    EfficientNetLite0,
    /// ResNeXt50 32×4d: 2048-d features, ImageNet mean/std input scaling.
    #[serde(rename = "resnext50")]
    ResNeXt50,
}

impl BackboneKind {
    /// Every backbone, default first.
    pub const ALL: [BackboneKind; 2] = [BackboneKind::EfficientNetLite0, BackboneKind::ResNeXt50];

    /// The name used in settings and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            BackboneKind::EfficientNetLite0 => "efficientnet-lite0",
            BackboneKind::ResNeXt50 => "resnext50",
        }
    }

    /// Width of the pooled features returned by [`Backbone::features`].
    pub const fn feature_dim(self) -> i64 {
        match self {
            BackboneKind::EfficientNetLite0 => efficientnet::FEATURE_DIM,
            BackboneKind::ResNeXt50 => resnext::FEATURE_DIM,
        }
    }

    /// Side of the square input images the pretrained weights were trained at.
    pub const fn input_size_px(self) -> u32 {
        224
    }

    /// How [`transforms::to_tensor`] scales pixel values for this backbone.
    pub const fn normalisation(self) -> Normalisation {
        match self {
            BackboneKind::EfficientNetLite0 => Normalisation::TF_LITE,
            BackboneKind::ResNeXt50 => Normalisation::IMAGENET,
        }
    }

    /// File name of the pretrained weights inside [`crate::paths::weights_dir`].
    pub const fn weights_file_name(self) -> &'static str {
        match self {
            BackboneKind::EfficientNetLite0 => "efficientnet_lite0.safetensors",
            BackboneKind::ResNeXt50 => "resnext50_32x4d.safetensors",
        }
    }

    /// Top-level module names of the backbone's state dict (`_blocks`, `layer1`, ...): a
    /// variable belongs to the backbone when its name, after the backbone's prefix, starts
    /// with one of them.
    pub(crate) fn top_level_modules(self) -> &'static [&'static str] {
        match self {
            BackboneKind::EfficientNetLite0 => efficientnet::TOP_LEVEL_MODULES,
            BackboneKind::ResNeXt50 => resnext::TOP_LEVEL_MODULES,
        }
    }
}

impl fmt::Display for BackboneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackboneKind {
    type Err = VisionError;

    /// Accepts the names shown by `Display`, case-insensitively, plus the obvious spellings
    /// `efficientnet_lite0`, `resnext50_32x4d` and `resnext`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "efficientnet-lite0" | "efficientnetlite0" => Ok(BackboneKind::EfficientNetLite0),
            "resnext50" | "resnext50-32x4d" | "resnext" => Ok(BackboneKind::ResNeXt50),
            _ => Err(VisionError::UnknownBackbone(s.to_string())),
        }
    }
}

/// A CNN that turns normalised images into pooled features.
///
/// Inputs are `[N, 3, H, W]` float tensors made by [`transforms::to_tensor`] for the same
/// [`BackboneKind`] (any `H`, `W` of at least 32 work; the weights were trained at 224).
/// Wrong shapes are programming errors and make libtorch panic.
pub trait Backbone: fmt::Debug + Send {
    /// Which architecture this is.
    fn kind(&self) -> BackboneKind;

    /// The last feature map `[N, kind().feature_dim(), H/32, W/32]`, before pooling.
    /// `train` selects batch statistics in batch norm (and stochastic depth where the
    /// architecture has it) instead of the running statistics.
    fn feature_map(&self, xs: &Tensor, train: bool) -> Tensor;

    /// The pretrained ImageNet classifier on top of the pooled features, if there is one.
    fn imagenet_classifier(&self) -> Option<&nn::Linear>;

    /// An inference-only copy of the current weights with batch norm folded into the
    /// convolutions, in `precision`; see [`fold()`] (which also turns gradients off).
    fn folded(&self, precision: Precision) -> Box<dyn InferenceBackbone>;

    /// Globally average-pooled features `[N, kind().feature_dim()]`, before any classifier.
    fn features(&self, xs: &Tensor, train: bool) -> Tensor {
        self.feature_map(xs, train)
            .mean_dim([2i64, 3].as_slice(), false, tch::Kind::Float)
    }

    /// Logits `[N, 1000]` of the pretrained ImageNet classifier, in evaluation mode; `None`
    /// for a backbone without one.
    fn imagenet_logits(&self, xs: &Tensor) -> Option<Tensor> {
        self.imagenet_classifier()
            .map(|fc| self.features(xs, false).apply(fc))
    }
}

/// Same values and shape, but laid out channels-last (NHWC strides): libtorch's CPU
/// convolutions then keep that layout throughout the network, which runs these backbones
/// about twice as fast as the default NCHW layout.
pub(crate) fn channels_last(xs: &Tensor) -> Tensor {
    if xs.dim() != 4 {
        return xs.shallow_clone();
    }
    xs.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
}

/// Builds a backbone whose variables are created directly under `p` with the names of the
/// pretrained state dict (so `p` = `vs.root() / "backbone"` gives `backbone._conv_stem.weight`,
/// ...). The weights start random; call [`load_pretrained`] with the same prefix.
pub fn build_backbone(p: &nn::Path, kind: BackboneKind) -> Box<dyn Backbone> {
    match kind {
        BackboneKind::EfficientNetLite0 => Box::new(EfficientNetLite0::new(p)),
        BackboneKind::ResNeXt50 => Box::new(ResNeXt50::new(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in BackboneKind::ALL {
            assert_eq!(kind.to_string().parse::<BackboneKind>().ok(), Some(kind));
            let json = serde_json::to_string(&kind).expect("serialise");
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<BackboneKind>(&json).ok(), Some(kind));
        }
        assert_eq!(
            "ResNeXt50_32x4d".parse::<BackboneKind>().ok(),
            Some(BackboneKind::ResNeXt50)
        );
        assert_eq!(
            " EfficientNet_Lite0".parse::<BackboneKind>().ok(),
            Some(BackboneKind::EfficientNetLite0)
        );
        let err = "vgg16".parse::<BackboneKind>().expect_err("unknown");
        assert!(err.to_string().contains("vgg16"));
    }

    #[test]
    fn kind_properties() {
        assert_eq!(BackboneKind::EfficientNetLite0.feature_dim(), 1280);
        assert_eq!(BackboneKind::ResNeXt50.feature_dim(), 2048);
        assert_eq!(BackboneKind::default(), BackboneKind::EfficientNetLite0);
        for kind in BackboneKind::ALL {
            assert_eq!(kind.input_size_px(), 224);
            assert!(kind.weights_file_name().ends_with(".safetensors"));
        }
    }

    #[test]
    fn built_backbone_reports_its_kind() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        for kind in BackboneKind::ALL {
            let backbone = build_backbone(&(vs.root() / kind.name()), kind);
            assert_eq!(backbone.kind(), kind);
        }
    }
}
