//! Why a photo was refused, in words that name the file and the limit.

use std::io;
use std::path::PathBuf;

use super::{MAX_DECODED_BYTES, MAX_FILE_BYTES, MAX_SIDE_PX};

/// A photo that vitrine refused to open, and why.
#[derive(Debug, thiserror::Error)]
#[error("{} {problem}", path.display())]
pub struct PhotoError {
    /// The photo file, as it was given.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: PhotoProblem,
}

/// What is wrong with a photo file. Displayed as the rest of a sentence that starts with the
/// file's name, e.g. `claims 100000 x 100000 pixels; vitrine opens photos up to 12000 x 12000`.
#[derive(Debug, thiserror::Error)]
pub enum PhotoProblem {
    /// Nothing exists at the path (or a link points nowhere).
    #[error("does not exist")]
    NotFound,
    /// The path is a folder, FIFO, socket, device or a looping link.
    #[error("is {kind}, not a regular file; vitrine only opens regular photo files")]
    NotAFile {
        /// What it is instead, e.g. `a FIFO (named pipe)`.
        kind: &'static str,
    },
    /// The file has no bytes.
    #[error("is empty")]
    Empty,
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error(
        "is {} MiB; vitrine opens photo files up to {} MiB",
        mib(.size_bytes),
        mib(&MAX_FILE_BYTES)
    )]
    FileTooLarge {
        /// The file's size.
        size_bytes: u64,
    },
    /// The header claims more than [`MAX_SIDE_PX`] pixels across or down.
    #[error(
        "claims {width_px} x {height_px} pixels; vitrine opens photos up to {max} x {max}",
        max = MAX_SIDE_PX
    )]
    TooManyPixels {
        /// Width from the header.
        width_px: u32,
        /// Height from the header.
        height_px: u32,
    },
    /// The decoded pixels would take more than [`MAX_DECODED_BYTES`].
    #[error(
        "claims {width_px} x {height_px} pixels, which would take {} MiB of memory to decode; \
         vitrine decodes photos of up to {} MiB",
        mib(.decoded_bytes),
        mib(&MAX_DECODED_BYTES)
    )]
    TooMuchMemory {
        /// Width from the header.
        width_px: u32,
        /// Height from the header.
        height_px: u32,
        /// Memory the decoded pixels would need.
        decoded_bytes: u64,
    },
    /// The header says the photo has no pixels at all.
    #[error("says in its header that it has no pixels")]
    NoPixels,
    /// The file is an image of a kind vitrine does not read.
    #[error("is a {format} image; vitrine reads JPEG, PNG and WebP")]
    UnsupportedFormat {
        /// The format's usual extension, upper case, e.g. `GIF`.
        format: String,
    },
    /// The contents are not image data at all.
    #[error("is not a JPEG, PNG or WebP image (its contents are not image data)")]
    NotAnImage,
    /// The file stops before its format's end marker.
    #[error("is truncated: {0}")]
    Truncated(&'static str),
    /// The header cannot be read.
    #[error("has a damaged header: {0}")]
    DamagedHeader(String),
    /// The pixel data cannot be decoded.
    #[error("has damaged image data: {0}")]
    DamagedData(String),
    /// The operating system could not open or read the file.
    #[error("could not be read: {0}")]
    Io(#[source] io::Error),
}

/// Bytes as MiB for messages: `512`, `0.4`, `28610.2`.
pub(super) fn mib(bytes: &u64) -> String {
    let value = *bytes as f64 / (1024.0 * 1024.0);
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
