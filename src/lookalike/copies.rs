//! Synthetic near-duplicates of a photo, to measure how well [`super::duplicates`] finds them:
//! the photo re-encoded as a low-quality JPEG, cropped to its central 80 %, mirrored, and made
//! 10 % lighter or darker.

use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::RgbImage;

/// JPEG quality of a re-encoded copy.
pub const REENCODE_QUALITY: u8 = 60;
/// JPEG quality the other copies are saved with.
const SAVE_QUALITY: u8 = 92;

/// One way of copying a photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Saved again as a JPEG of quality [`REENCODE_QUALITY`].
    Reencoded,
    /// The central 80 % of each side.
    Cropped,
    /// Mirrored left to right.
    Mirrored,
    /// Every channel ×1.1.
    Lighter,
    /// Every channel ×0.9.
    Darker,
}

impl Variant {
    /// Every variant.
    pub const ALL: [Variant; 5] = [
        Variant::Reencoded,
        Variant::Cropped,
        Variant::Mirrored,
        Variant::Lighter,
        Variant::Darker,
    ];

    /// A short name, for file names and reports.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Reencoded => "reencoded",
            Variant::Cropped => "cropped",
            Variant::Mirrored => "mirrored",
            Variant::Lighter => "lighter",
            Variant::Darker => "darker",
        }
    }

    /// The copied pixels (a re-encoded copy's change comes when it is saved).
    pub fn apply(self, photo: &RgbImage) -> RgbImage {
        match self {
            Variant::Reencoded => photo.clone(),
            Variant::Cropped => {
                let (w, h) = photo.dimensions();
                let (cw, ch) = ((w * 4 / 5).max(1), (h * 4 / 5).max(1));
                image::imageops::crop_imm(photo, (w - cw) / 2, (h - ch) / 2, cw, ch).to_image()
            }
            Variant::Mirrored => image::imageops::flip_horizontal(photo),
            Variant::Lighter => scaled(photo, 1.1),
            Variant::Darker => scaled(photo, 0.9),
        }
    }

    /// Writes the copy of `photo` to `path` as a JPEG.
    pub fn write(self, photo: &RgbImage, path: &Path) -> std::io::Result<()> {
        let quality = if self == Variant::Reencoded {
            REENCODE_QUALITY
        } else {
            SAVE_QUALITY
        };
        let mut bytes = Vec::new();
        JpegEncoder::new_with_quality(&mut bytes, quality)
            .encode_image(&self.apply(photo))
            .map_err(std::io::Error::other)?;
        std::fs::write(path, bytes)
    }
}

fn scaled(photo: &RgbImage, factor: f32) -> RgbImage {
    let mut out = photo.clone();
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            *c = (f32::from(*c) * factor).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_change_the_pixels_as_named() {
        let photo = RgbImage::from_fn(10, 5, |x, y| image::Rgb([x as u8 * 20, y as u8 * 40, 100]));
        assert_eq!(Variant::Cropped.apply(&photo).dimensions(), (8, 4));
        assert_eq!(
            Variant::Cropped.apply(&photo).get_pixel(0, 0),
            photo.get_pixel(1, 0)
        );
        assert_eq!(
            Variant::Mirrored.apply(&photo).get_pixel(0, 0),
            photo.get_pixel(9, 0)
        );
        assert_eq!(
            Variant::Lighter.apply(&photo).get_pixel(9, 4).0,
            [198, 176, 110]
        );
        assert_eq!(
            Variant::Darker.apply(&photo).get_pixel(9, 4).0,
            [162, 144, 90]
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("copy.jpg");
        Variant::Reencoded.write(&photo, &path).expect("written");
        assert!(image::open(&path).is_ok());
    }
}
