//! Which picture of a photo the cache holds: its size, and whether the garment mask is laid
//! over it.

use std::path::{Path, PathBuf};

use super::{PHOTO_PX, THUMBNAIL_PX};

/// A photo at a given size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageKey {
    /// The photo file.
    pub path: PathBuf,
    /// Longest side wanted, in pixels.
    pub size_px: u32,
    /// The photo with its garment mask laid over it (what the colour similarity reads).
    pub garment_mask: bool,
}

impl ImageKey {
    /// The grid-sized thumbnail of `path`.
    pub fn thumbnail(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            size_px: THUMBNAIL_PX,
            garment_mask: false,
        }
    }

    /// The detail-sized photo of `path`.
    pub fn photo(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            size_px: PHOTO_PX,
            garment_mask: false,
        }
    }

    /// The detail-sized photo of `path` with its garment mask laid over it.
    pub fn garment_mask(path: &Path) -> Self {
        Self {
            garment_mask: true,
            ..Self::photo(path)
        }
    }
}
