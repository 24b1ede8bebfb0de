//! ResNeXt50 32×4d with its batch norms folded into the convolutions.

use tch::{Kind, Tensor};

use super::{add_in_place, layer_kind, ConvShape, FoldedConv, InferenceBackbone};
use crate::vision::resnext::{Bottleneck, BN_EPS, GROUPS};
use crate::vision::{BackboneKind, Precision, ResNeXt50};

#[derive(Debug)]
struct FoldedBottleneck {
    conv1: FoldedConv,
    conv2: FoldedConv,
    conv3: FoldedConv,
    downsample: Option<FoldedConv>,
}

impl FoldedBottleneck {
    fn new(block: &Bottleneck, kind: Kind) -> Self {
        let pointwise = ConvShape::POINTWISE;
        let grouped = ConvShape {
            stride: block.stride,
            padding: 1,
            groups: GROUPS,
        };
        let projection = ConvShape {
            stride: block.stride,
            ..pointwise
        };
        Self {
            conv1: FoldedConv::new(&block.conv1, &block.bn1, BN_EPS, pointwise, kind),
            conv2: FoldedConv::new(&block.conv2, &block.bn2, BN_EPS, grouped, kind),
            conv3: FoldedConv::new(&block.conv3, &block.bn3, BN_EPS, pointwise, kind),
            downsample: block
                .downsample
                .as_ref()
                .map(|(conv, bn)| FoldedConv::new(conv, bn, BN_EPS, projection, kind)),
        }
    }

    fn forward(&self, xs: &Tensor) -> Tensor {
        let mut ys = self.conv1.forward(xs);
        let _ = ys.relu_();
        let mut ys = self.conv2.forward(&ys);
        let _ = ys.relu_();
        let mut ys = self.conv3.forward(&ys);
        match &self.downsample {
            Some(conv) => add_in_place(&mut ys, &conv.forward(xs)),
            None => add_in_place(&mut ys, xs),
        }
        let _ = ys.relu_();
        ys
    }
}

/// Layers kept in f32 in bf16 inference: the stem and the first stage's three bottlenecks
/// (the next block starts a stage with a projection, so the shortcut changes kind with it).
const F32_LAYERS: usize = 4;

/// ResNeXt50 for inference: stem and 16 bottlenecks with batch norm folded in.
#[derive(Debug)]
pub(crate) struct FoldedResNeXt50 {
    stem: FoldedConv,
    blocks: Vec<FoldedBottleneck>,
    precision: Precision,
}

impl FoldedResNeXt50 {
    /// The folded copy of `net`'s current weights.
    pub(crate) fn new(net: &ResNeXt50, precision: Precision) -> Self {
        let kind = |depth| layer_kind(precision, depth, F32_LAYERS);
        let stem = ConvShape {
            stride: 2,
            padding: 3,
            groups: 1,
        };
        Self {
            stem: FoldedConv::new(&net.conv1, &net.bn1, BN_EPS, stem, kind(0)),
            blocks: (net.blocks.iter().enumerate())
                .map(|(i, b)| FoldedBottleneck::new(b, kind(i + 1)))
                .collect(),
            precision,
        }
    }
}

impl InferenceBackbone for FoldedResNeXt50 {
    fn kind(&self) -> BackboneKind {
        BackboneKind::ResNeXt50
    }

    fn precision(&self) -> Precision {
        self.precision
    }

    fn features(&self, xs: &Tensor) -> Tensor {
        let mut ys = self.stem.forward(&crate::vision::channels_last(xs));
        let _ = ys.relu_();
        let mut ys = ys.max_pool2d([3, 3], [2, 2], [1, 1], [1, 1], false);
        for block in &self.blocks {
            ys = block.forward(&ys);
        }
        ys.mean_dim([2i64, 3].as_slice(), false, Kind::Float)
    }
}
