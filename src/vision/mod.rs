//! CNN backbones, image transforms and pretrained weights.
