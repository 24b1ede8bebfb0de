//! ResNeXt50 32×4d (Xie et al., 2017) in `tch::nn`, with torchvision's parameter names so
//! torchvision's `resnext50_32x4d` ImageNet weights load unchanged once converted by
//! `scripts/convert_resnext50.py`.
//!
//! Layout: a 7×7/2 stem and 3×3/2 max-pool, then four stages of 3, 4, 6 and 3 bottleneck
//! blocks whose 3×3 convolution has 32 groups of width 4 (scaled with the stage), stride on
//! the 3×3 convolution ("ResNet v1.5"), and a 1×1 projection (`downsample.0/1`) on the first
//! block of each stage.

use tch::nn;
use tch::Tensor;

use super::{Backbone, BackboneKind};

/// Width of the pooled features.
pub const FEATURE_DIM: i64 = 2048;
/// Number of ImageNet classes of the pretrained classifier.
pub const IMAGENET_CLASSES: i64 = 1000;
/// Convolution groups of the 3×3 bottleneck convolution.
pub const GROUPS: i64 = 32;
/// Channels per group in the first stage.
pub const WIDTH_PER_GROUP: i64 = 4;
/// Batch-norm epsilon of torchvision's model.
pub const BN_EPS: f64 = 1e-5;
/// Batch-norm running-statistics momentum (PyTorch convention).
pub const BN_MOMENTUM: f64 = 0.1;

/// Blocks per stage.
const STAGE_BLOCKS: [usize; 4] = [3, 4, 6, 3];
/// Output channels of a bottleneck are this many times its `planes`.
const EXPANSION: i64 = 4;

/// Top-level module names of torchvision's state dict.
pub(crate) const TOP_LEVEL_MODULES: &[&str] =
    &["conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"];

fn batch_norm(p: nn::Path, channels: i64) -> nn::BatchNorm {
    nn::batch_norm2d(
        p,
        channels,
        nn::BatchNormConfig {
            eps: BN_EPS,
            momentum: BN_MOMENTUM,
            ws_init: nn::Init::Const(1.0),
            ..Default::default()
        },
    )
}

fn conv(
    p: nn::Path,
    in_channels: i64,
    out_channels: i64,
    kernel: i64,
    stride: i64,
    groups: i64,
) -> nn::Conv2D {
    let config = nn::ConvConfig {
        stride,
        padding: kernel / 2,
        groups,
        bias: false,
        ..Default::default()
    };
    nn::conv2d(p, in_channels, out_channels, kernel, config)
}

#[derive(Debug)]
pub(super) struct Bottleneck {
    pub(super) conv1: nn::Conv2D,
    pub(super) bn1: nn::BatchNorm,
    pub(super) conv2: nn::Conv2D,
    pub(super) bn2: nn::BatchNorm,
    pub(super) conv3: nn::Conv2D,
    pub(super) bn3: nn::BatchNorm,
    pub(super) downsample: Option<(nn::Conv2D, nn::BatchNorm)>,
    /// Stride of the 3×3 convolution and of the projection.
    pub(super) stride: i64,
}

impl Bottleneck {
    fn new(p: &nn::Path, in_channels: i64, planes: i64, stride: i64) -> Self {
        let width = planes * WIDTH_PER_GROUP / 64 * GROUPS;
        let out_channels = planes * EXPANSION;
        let downsample = (stride != 1 || in_channels != out_channels).then(|| {
            let d = p / "downsample";
            (
                conv(&d / "0", in_channels, out_channels, 1, stride, 1),
                batch_norm(&d / "1", out_channels),
            )
        });
        Self {
            conv1: conv(p / "conv1", in_channels, width, 1, 1, 1),
            bn1: batch_norm(p / "bn1", width),
            conv2: conv(p / "conv2", width, width, 3, stride, GROUPS),
            bn2: batch_norm(p / "bn2", width),
            conv3: conv(p / "conv3", width, out_channels, 1, 1, 1),
            bn3: batch_norm(p / "bn3", out_channels),
            downsample,
            stride,
        }
    }

    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let ys = xs
            .apply(&self.conv1)
            .apply_t(&self.bn1, train)
            .relu()
            .apply(&self.conv2)
            .apply_t(&self.bn2, train)
            .relu()
            .apply(&self.conv3)
            .apply_t(&self.bn3, train);
        let shortcut = match &self.downsample {
            Some((conv, bn)) => xs.apply(conv).apply_t(bn, train),
            None => xs.shallow_clone(),
        };
        (ys + shortcut).relu()
    }
}

/// ResNeXt50 32×4d with its ImageNet classifier; see the module documentation.
#[derive(Debug)]
pub struct ResNeXt50 {
    pub(super) conv1: nn::Conv2D,
    pub(super) bn1: nn::BatchNorm,
    pub(super) blocks: Vec<Bottleneck>,
    fc: nn::Linear,
}

impl ResNeXt50 {
    /// Creates the variables under `p` with torchvision's names, randomly initialised.
    pub fn new(p: &nn::Path) -> Self {
        let mut blocks = Vec::with_capacity(STAGE_BLOCKS.iter().sum());
        let mut in_channels = 64;
        for (stage, &count) in STAGE_BLOCKS.iter().enumerate() {
            let planes = 64 << stage;
            let layer = p / format!("layer{}", stage + 1);
            for block in 0..count {
                let stride = if block == 0 && stage > 0 { 2 } else { 1 };
                blocks.push(Bottleneck::new(
                    &(&layer / block),
                    in_channels,
                    planes,
                    stride,
                ));
                in_channels = planes * EXPANSION;
            }
        }
        Self {
            conv1: conv(p / "conv1", 3, 64, 7, 2, 1),
            bn1: batch_norm(p / "bn1", 64),
            blocks,
            fc: nn::linear(p / "fc", FEATURE_DIM, IMAGENET_CLASSES, Default::default()),
        }
    }
}

impl Backbone for ResNeXt50 {
    fn kind(&self) -> BackboneKind {
        BackboneKind::ResNeXt50
    }

    fn feature_map(&self, xs: &Tensor, train: bool) -> Tensor {
        let mut ys = super::channels_last(xs)
            .apply(&self.conv1)
            .apply_t(&self.bn1, train)
            .relu()
            .max_pool2d([3, 3], [2, 2], [1, 1], [1, 1], false);
        for block in &self.blocks {
            ys = block.forward_t(&ys, train);
        }
        ys
    }

    fn imagenet_classifier(&self) -> Option<&nn::Linear> {
        Some(&self.fc)
    }
    fn folded(&self, precision: super::Precision) -> Box<dyn super::InferenceBackbone> {
        Box::new(super::fold::FoldedResNeXt50::new(self, precision))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torchvision_names_and_shapes() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let _net = ResNeXt50::new(&vs.root());
        let vars = vs.variables();
        let shape = |name: &str| vars.get(name).map(|t| t.size());
        assert_eq!(shape("conv1.weight"), Some(vec![64, 3, 7, 7]));
        assert_eq!(shape("layer1.0.conv1.weight"), Some(vec![128, 64, 1, 1]));
        assert_eq!(shape("layer1.0.conv2.weight"), Some(vec![128, 4, 3, 3]));
        assert_eq!(
            shape("layer1.0.downsample.0.weight"),
            Some(vec![256, 64, 1, 1])
        );
        assert_eq!(shape("layer1.1.downsample.0.weight"), None);
        assert_eq!(shape("layer4.2.conv3.weight"), Some(vec![2048, 1024, 1, 1]));
        assert_eq!(
            shape("layer4.0.downsample.1.running_mean"),
            Some(vec![2048])
        );
        assert_eq!(shape("fc.weight"), Some(vec![1000, 2048]));
        // torchvision's state dict minus the 53 num_batches_tracked counters.
        assert_eq!(vars.len(), 320 - 53);
    }
}
