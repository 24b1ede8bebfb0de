//! Image loading, square cropping, training augmentation and conversion to input tensors.
//!
//! The pipeline is `load_image` → `prepare` (once per photo, cacheable) → `augment` (training
//! only, fresh every epoch) → `to_tensor` (per batch). Everything works on 8-bit RGB images in
//! plain Rust; only the last step touches libtorch.

use std::path::Path;

use image::imageops::{self, FilterType};
use image::RgbImage;
use rand::Rng;
use tch::Tensor;

use super::{BackboneKind, VisionError};

/// Decodes a JPEG, PNG or WebP file (format sniffed from the content, not the extension) into
/// RGB, dropping any alpha channel, and turns it upright as its EXIF orientation says (phone
/// photos are often stored sideways). Goes through [`crate::photo::open`], so special files,
/// oversized photos and truncated files are refused before any pixel is decoded.
pub fn load_image(path: &Path) -> Result<RgbImage, VisionError> {
    Ok(crate::photo::open(path)?.into_rgb8())
}

/// Loads and prepares in one go: `prepare(&load_image(path)?, size_px)`.
pub fn load_prepared(path: &Path, size_px: u32) -> Result<RgbImage, VisionError> {
    Ok(prepare(&load_image(path)?, size_px))
}

/// Makes a `size_px` × `size_px` square: the shorter side is scaled to `size_px` and the
/// longer one centre-cropped. Uses a bilinear (triangle) convolution, which averages over the
/// whole footprint when shrinking so there is no aliasing — the same filter as Pillow's
/// `BILINEAR` — through `fast_image_resize` (SIMD chosen at run time), with the `image`
/// crate's own resize as the fallback.
///
/// A `size_px` of 0 is treated as 1.
pub fn prepare(img: &RgbImage, size_px: u32) -> RgbImage {
    let size_px = size_px.max(1);
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return RgbImage::new(size_px, size_px);
    }
    let side = w.min(h);
    let (left, top) = ((w - side) / 2, (h - side) / 2);
    if side == size_px {
        return imageops::crop_imm(img, left, top, side, side).to_image();
    }
    match fast_square(img, (left, top, side), size_px) {
        Ok(out) => out,
        Err(e) => {
            log::debug!("SIMD resize unavailable ({e}); resizing with the image crate");
            // Cropping the centre square first is equivalent to resize-then-crop and resizes
            // fewer pixels.
            let square = imageops::crop_imm(img, left, top, side, side);
            imageops::resize(&*square, size_px, size_px, FilterType::Triangle)
        }
    }
}

/// The `side`-pixel square at (`left`, `top`) of `img`, resized to `size_px` by
/// `fast_image_resize`.
fn fast_square(
    img: &RgbImage,
    (left, top, side): (u32, u32, u32),
    size_px: u32,
) -> Result<RgbImage, String> {
    use fast_image_resize::{images, FilterType as Filter, PixelType, ResizeAlg, ResizeOptions};
    // The square is copied out first: the filter must not read past its edges (a crop box or
    // a cropped view would let it).
    let square = imageops::crop_imm(img, left, top, side, side).to_image();
    let src = images::ImageRef::new(side, side, square.as_raw(), PixelType::U8x3)
        .map_err(|e| e.to_string())?;
    let mut dst = images::Image::new(size_px, size_px, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(Filter::Bilinear));
    fast_image_resize::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    RgbImage::from_raw(size_px, size_px, dst.into_vec())
        .ok_or_else(|| "resized buffer of the wrong size".to_string())
}

/// Per-channel input normalisation on the 0–255 scale: `(value - mean) / std`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normalisation {
    /// Mean of red, green, blue.
    pub mean: [f32; 3],
    /// Standard deviation of red, green, blue.
    pub std: [f32; 3],
}

impl Normalisation {
    /// TensorFlow-style `(rgb - 127) / 128`, which the EfficientNet-Lite weights expect.
    pub const TF_LITE: Self = Self {
        mean: [127.0; 3],
        std: [128.0; 3],
    };

    /// The ImageNet statistics torchvision models expect.
    pub const IMAGENET: Self = Self {
        mean: [0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0],
        std: [0.229 * 255.0, 0.224 * 255.0, 0.225 * 255.0],
    };
}

/// Stacks same-sized images into a `[N, 3, H, W]` float tensor on the CPU, normalised for
/// `kind`. An empty slice gives a `[0, 3, 0, 0]` tensor.
pub fn to_tensor(images: &[RgbImage], kind: BackboneKind) -> Result<Tensor, VisionError> {
    let Some(first) = images.first() else {
        return Ok(Tensor::zeros(
            [0, 3, 0, 0],
            (tch::Kind::Float, tch::Device::Cpu),
        ));
    };
    let (w, h) = first.dimensions();
    if let Some((index, img)) = images
        .iter()
        .enumerate()
        .find(|(_, img)| img.dimensions() != (w, h))
    {
        return Err(VisionError::MixedImageSizes {
            index,
            expected_px: (w, h),
            found_px: img.dimensions(),
        });
    }
    let norm = kind.normalisation();
    let scale = norm.std.map(|s| 1.0 / s);
    let plane = w as usize * h as usize;
    let mut data = vec![0f32; images.len() * 3 * plane];
    for (img, chw) in images.iter().zip(data.chunks_exact_mut(3 * plane)) {
        let (r, rest) = chw.split_at_mut(plane);
        let (g, b) = rest.split_at_mut(plane);
        for (i, px) in img.pixels().enumerate() {
            r[i] = (px[0] as f32 - norm.mean[0]) * scale[0];
            g[i] = (px[1] as f32 - norm.mean[1]) * scale[1];
            b[i] = (px[2] as f32 - norm.mean[2]) * scale[2];
        }
    }
    Ok(Tensor::from_slice(&data).view([images.len() as i64, 3, h as i64, w as i64]))
}

/// Training augmentation settings; [`Augmentation::default`] is what vitrine trains with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augmentation {
    /// Probability of a left-right mirror.
    pub flip_p: f64,
    /// Probability of turning the photo grey (teaches the model not to lean on colour alone).
    pub grayscale_p: f64,
    /// Brightness, contrast and saturation are each scaled by a factor drawn uniformly from
    /// `[1 - jitter, 1 + jitter]`.
    pub jitter: f32,
}

impl Default for Augmentation {
    fn default() -> Self {
        Self {
            flip_p: 0.5,
            grayscale_p: 0.1,
            jitter: 0.1,
        }
    }
}

/// Returns a randomly augmented copy of a prepared image: maybe mirrored, colour-jittered
/// (brightness, then contrast, then saturation), maybe turned grey. The same `rng` state gives
/// the same result.
pub fn augment<R: Rng + ?Sized>(img: &RgbImage, config: &Augmentation, rng: &mut R) -> RgbImage {
    // Draw every random number up front, in a fixed order, so results only depend on the seed.
    let flip = rng.random_bool(config.flip_p.clamp(0.0, 1.0));
    let jitter = config.jitter.clamp(0.0, 1.0);
    let mut factor = || 1.0 + jitter * (2.0 * rng.random::<f32>() - 1.0);
    let (brightness, contrast, saturation) = (factor(), factor(), factor());
    let gray = rng.random_bool(config.grayscale_p.clamp(0.0, 1.0));

    let mut out = if flip {
        imageops::flip_horizontal(img)
    } else {
        img.clone()
    };
    if jitter > 0.0 {
        color_jitter(&mut out, brightness, contrast, saturation);
    }
    if gray {
        grayscale_in_place(&mut out);
    }
    out
}

/// ITU-R BT.601 luma, the weights torchvision and PIL use for grey.
fn luma(r: f32, g: f32, b: f32) -> f32 {
    0.299 * r + 0.587 * g + 0.114 * b
}

/// Brightness scales values, contrast blends with the mean grey level of the image, saturation
/// blends each pixel with its own grey; each step clamps to 0–255 like torchvision does.
fn color_jitter(img: &mut RgbImage, brightness: f32, contrast: f32, saturation: f32) {
    let clamp = |v: f32| v.clamp(0.0, 255.0);
    let mut pixels: Vec<[f32; 3]> = img
        .pixels()
        .map(|p| [0, 1, 2].map(|c| clamp(p[c] as f32 * brightness)))
        .collect();
    let count = pixels.len().max(1) as f32;
    let mean_gray = pixels.iter().map(|p| luma(p[0], p[1], p[2])).sum::<f32>() / count;
    for p in &mut pixels {
        *p = p.map(|v| clamp(mean_gray + (v - mean_gray) * contrast));
        let gray = luma(p[0], p[1], p[2]);
        *p = p.map(|v| clamp(gray + (v - gray) * saturation));
    }
    for (dst, src) in img.pixels_mut().zip(&pixels) {
        dst.0 = src.map(|v| v.round() as u8);
    }
}

/// Replaces every pixel by its grey level (r = g = b).
pub fn grayscale_in_place(img: &mut RgbImage) {
    for p in img.pixels_mut() {
        let y = luma(p[0] as f32, p[1] as f32, p[2] as f32)
            .round()
            .clamp(0.0, 255.0) as u8;
        p.0 = [y, y, y];
    }
}

#[cfg(test)]
mod tests;
