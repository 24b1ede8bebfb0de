//! EfficientNet-Lite0 with its 49 batch norms folded into the convolutions.

use tch::{Kind, Tensor};

use super::{add_in_place, layer_kind, ConvShape, FoldedConv, InferenceBackbone};
use crate::vision::efficientnet::{same_padding_total, MbConv, SameConv, BN_EPS};
use crate::vision::{BackboneKind, EfficientNetLite0, Precision};

/// A "SAME"-padded convolution with its batch norm folded in.
#[derive(Debug)]
struct FoldedSame {
    conv: FoldedConv,
    kernel: i64,
    stride: i64,
}

impl FoldedSame {
    fn new(same: &SameConv, bn: &tch::nn::BatchNorm, kind: Kind) -> Self {
        let shape = ConvShape {
            stride: same.stride,
            padding: if same.stride == 1 {
                (same.kernel - 1) / 2
            } else {
                0
            },
            groups: same.groups,
        };
        Self {
            conv: FoldedConv::new(&same.conv, bn, BN_EPS, shape, kind),
            kernel: same.kernel,
            stride: same.stride,
        }
    }

    fn forward(&self, xs: &Tensor) -> Tensor {
        if self.stride == 1 {
            return self.conv.forward(xs);
        }
        let size = xs.size();
        let (h, w) = (size[size.len() - 2], size[size.len() - 1]);
        let pad_h = same_padding_total(h, self.kernel, self.stride);
        let pad_w = same_padding_total(w, self.kernel, self.stride);
        let padded =
            xs.constant_pad_nd([pad_w / 2, pad_w - pad_w / 2, pad_h / 2, pad_h - pad_h / 2]);
        self.conv.forward(&padded)
    }
}

#[derive(Debug)]
struct FoldedMbConv {
    expand: Option<FoldedConv>,
    depthwise: FoldedSame,
    project: FoldedConv,
    residual: bool,
}

impl FoldedMbConv {
    fn new(block: &MbConv, kind: Kind) -> Self {
        Self {
            expand: block
                .expand
                .as_ref()
                .map(|(conv, bn)| FoldedConv::new(conv, bn, BN_EPS, ConvShape::POINTWISE, kind)),
            depthwise: FoldedSame::new(&block.depthwise, &block.bn1, kind),
            project: FoldedConv::new(
                &block.project,
                &block.bn2,
                BN_EPS,
                ConvShape::POINTWISE,
                kind,
            ),
            residual: block.residual,
        }
    }

    fn forward(&self, xs: &Tensor) -> Tensor {
        let mut ys = match &self.expand {
            Some(conv) => {
                let mut ys = conv.forward(xs);
                let _ = ys.relu6_();
                ys
            }
            None => xs.shallow_clone(),
        };
        ys = self.depthwise.forward(&ys);
        let _ = ys.relu6_();
        let mut ys = self.project.forward(&ys);
        if self.residual {
            add_in_place(&mut ys, xs);
        }
        ys
    }
}

/// Layers kept in f32 in bf16 inference: the stem and the first five blocks (the first three
/// stages, down to 28 px); the next block starts a stage, so no residual crosses the change.
const F32_LAYERS: usize = 6;

/// EfficientNet-Lite0 for inference: stem, 16 blocks and head with batch norm folded in.
#[derive(Debug)]
pub(crate) struct FoldedLite0 {
    stem: FoldedSame,
    blocks: Vec<FoldedMbConv>,
    head: FoldedConv,
    precision: Precision,
}

impl FoldedLite0 {
    /// The folded copy of `net`'s current weights.
    pub(crate) fn new(net: &EfficientNetLite0, precision: Precision) -> Self {
        let kind = |depth| layer_kind(precision, depth, F32_LAYERS);
        Self {
            stem: FoldedSame::new(&net.stem, &net.bn0, kind(0)),
            blocks: (net.blocks.iter().enumerate())
                .map(|(i, b)| FoldedMbConv::new(b, kind(i + 1)))
                .collect(),
            head: FoldedConv::new(
                &net.head,
                &net.bn1,
                BN_EPS,
                ConvShape::POINTWISE,
                kind(net.blocks.len() + 1),
            ),
            precision,
        }
    }
}

impl InferenceBackbone for FoldedLite0 {
    fn kind(&self) -> BackboneKind {
        BackboneKind::EfficientNetLite0
    }

    fn precision(&self) -> Precision {
        self.precision
    }

    fn features(&self, xs: &Tensor) -> Tensor {
        let mut ys = self.stem.forward(&crate::vision::channels_last(xs));
        let _ = ys.relu6_();
        for block in &self.blocks {
            ys = block.forward(&ys);
        }
        let mut ys = self.head.forward(&ys);
        let _ = ys.relu6_();
        ys.mean_dim([2i64, 3].as_slice(), false, Kind::Float)
    }
}
