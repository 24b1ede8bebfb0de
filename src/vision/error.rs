//! Everything that can go wrong when reading photos or pretrained weights.

use std::path::PathBuf;

/// An image or weights problem, worded for the person who owns the file.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// The photo was refused: missing, not a regular file, over vitrine's size limits, not a
    /// JPEG, PNG or WebP image, truncated or damaged. The message names the file.
    #[error(transparent)]
    Photo(#[from] crate::photo::PhotoError),

    /// A batch of images handed to [`crate::vision::transforms::to_tensor`] mixes sizes.
    #[error(
        "image {index} of the batch is {found_px:?} pixels but the first one is {expected_px:?}; \
         prepare every image to the same size first"
    )]
    MixedImageSizes {
        /// Position of the first image whose size differs.
        index: usize,
        /// Width and height of the first image of the batch.
        expected_px: (u32, u32),
        /// Width and height of the offending image.
        found_px: (u32, u32),
    },

    /// The weights file exists but cannot be read as safetensors (damaged, truncated, or not a
    /// weights file).
    #[error("cannot read the weights file {}: {reason}", path.display())]
    WeightsUnreadable {
        /// The weights file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    /// The weights file lacks a tensor the backbone needs.
    #[error(
        "the weights file {} has no tensor `{name}`, which {backbone} needs: \
         it holds weights for another model",
        path.display()
    )]
    WeightsMissingTensor {
        /// The weights file.
        path: PathBuf,
        /// Name of the missing tensor, as in the state dict.
        name: String,
        /// The backbone being loaded, as displayed by [`crate::vision::BackboneKind`].
        backbone: String,
    },

    /// The weights file has a tensor the backbone does not know.
    #[error(
        "the weights file {} has a tensor `{name}` that {backbone} does not have: \
         it holds weights for another model",
        path.display()
    )]
    WeightsUnexpectedTensor {
        /// The weights file.
        path: PathBuf,
        /// Name of the unknown tensor.
        name: String,
        /// The backbone being loaded.
        backbone: String,
    },

    /// A tensor of the weights file has the wrong shape for the backbone.
    #[error(
        "tensor `{name}` in the weights file {} has shape {found:?} but {backbone} needs {expected:?}",
        path.display()
    )]
    WeightsShapeMismatch {
        /// The weights file.
        path: PathBuf,
        /// Name of the tensor.
        name: String,
        /// The backbone being loaded.
        backbone: String,
        /// Shape the backbone's variable has.
        expected: Vec<i64>,
        /// Shape found in the file.
        found: Vec<i64>,
    },

    /// The var store has no backbone variables under the given prefix.
    #[error("no {backbone} variables under `{prefix}` in the model; was it built there?")]
    NoBackboneVariables {
        /// The backbone being loaded.
        backbone: String,
        /// Prefix that was searched.
        prefix: String,
    },

    /// Copying the weights into the model failed inside libtorch.
    #[error("cannot copy tensor `{name}` from {} into the model: {source}", path.display())]
    WeightsCopy {
        /// The weights file.
        path: PathBuf,
        /// Name of the tensor.
        name: String,
        /// The libtorch error.
        #[source]
        source: tch::TchError,
    },

    /// A backbone name that vitrine does not know (in a setting or on the command line).
    #[error("unknown backbone `{0}`; choose efficientnet-lite0 or resnext50")]
    UnknownBackbone(String),
}
