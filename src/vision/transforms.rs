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
/// longer one centre-cropped. Uses a triangle (bilinear) filter, which is fast and, when
/// shrinking, averages over the whole footprint so there is no aliasing.
///
/// A `size_px` of 0 is treated as 1.
pub fn prepare(img: &RgbImage, size_px: u32) -> RgbImage {
    let size_px = size_px.max(1);
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return RgbImage::new(size_px, size_px);
    }
    // Cropping the centre square first is equivalent to resize-then-crop and resizes fewer
    // pixels.
    let side = w.min(h);
    let square = imageops::crop_imm(img, (w - side) / 2, (h - side) / 2, side, side);
    if side == size_px {
        return square.to_image();
    }
    imageops::resize(&*square, size_px, size_px, FilterType::Triangle)
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
mod tests {
    use super::*;
    use image::Rgb;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn pattern(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            Rgb([
                (x * 7 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x + y) * 3 % 256) as u8,
            ])
        })
    }

    #[test]
    fn flip_twice_is_identity() {
        let img = pattern(31, 17);
        let once = imageops::flip_horizontal(&img);
        assert_ne!(once, img);
        assert_eq!(imageops::flip_horizontal(&once), img);
        // Through `augment` with a certain flip and nothing else.
        let config = Augmentation {
            flip_p: 1.0,
            grayscale_p: 0.0,
            jitter: 0.0,
        };
        let mut rng = StdRng::seed_from_u64(1);
        let twice = augment(&augment(&img, &config, &mut rng), &config, &mut rng);
        assert_eq!(twice, img);
    }

    #[test]
    fn grayscale_has_equal_channels() {
        let config = Augmentation {
            flip_p: 0.0,
            grayscale_p: 1.0,
            jitter: 0.1,
        };
        let out = augment(&pattern(20, 20), &config, &mut StdRng::seed_from_u64(3));
        assert!(out.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
        // Pure white stays white, pure black stays black.
        let mut wb = RgbImage::from_fn(2, 1, |x, _| Rgb([255 * x as u8; 3]));
        grayscale_in_place(&mut wb);
        assert_eq!(wb.get_pixel(0, 0), &Rgb([0, 0, 0]));
        assert_eq!(wb.get_pixel(1, 0), &Rgb([255, 255, 255]));
    }

    #[test]
    fn jitter_stays_in_range_and_close() {
        let img = RgbImage::from_fn(16, 16, |x, y| {
            Rgb([(x * 16) as u8, 255 - (y * 16) as u8, 250])
        });
        let config = Augmentation {
            flip_p: 0.0,
            grayscale_p: 0.0,
            jitter: 0.1,
        };
        let mut rng = StdRng::seed_from_u64(7);
        let mut changed = false;
        for _ in 0..20 {
            let out = augment(&img, &config, &mut rng);
            assert_eq!(out.dimensions(), img.dimensions());
            for (a, b) in out.pixels().zip(img.pixels()) {
                for c in 0..3 {
                    // u8 keeps values in 0..=255 by construction; a ±10 % factor on each of
                    // three steps can move a value by at most about a third of the range.
                    assert!((a[c] as i32 - b[c] as i32).abs() <= 90, "{a:?} vs {b:?}");
                }
            }
            changed |= out != img;
        }
        assert!(changed);
        // Extreme factors clamp instead of wrapping around.
        let mut bright = img.clone();
        color_jitter(&mut bright, 3.0, 3.0, 3.0);
        assert!(bright.pixels().any(|p| p[2] == 255));
        let mut dark = img.clone();
        color_jitter(&mut dark, 0.0, 1.0, 1.0);
        assert!(dark.pixels().all(|p| p.0 == [0, 0, 0]));
    }

    #[test]
    fn augmentation_is_deterministic_per_seed() {
        let img = pattern(24, 24);
        let config = Augmentation::default();
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..8)
                .map(|_| augment(&img, &config, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    #[test]
    fn prepare_makes_centred_squares() {
        // A wide image whose centre square is white and sides are black.
        let img = RgbImage::from_fn(300, 100, |x, _| {
            if (100..200).contains(&x) {
                Rgb([255; 3])
            } else {
                Rgb([0; 3])
            }
        });
        let out = prepare(&img, 50);
        assert_eq!(out.dimensions(), (50, 50));
        assert!(out.pixels().all(|p| p.0 == [255; 3]));
        // Tall images too, and upscaling.
        assert_eq!(prepare(&pattern(10, 40), 64).dimensions(), (64, 64));
        assert_eq!(prepare(&pattern(64, 64), 64), pattern(64, 64));
        assert_eq!(prepare(&pattern(5, 5), 0).dimensions(), (1, 1));
    }

    #[test]
    fn normalisation_per_backbone() {
        assert_eq!(
            BackboneKind::EfficientNetLite0.normalisation(),
            Normalisation::TF_LITE
        );
        assert_eq!(
            BackboneKind::ResNeXt50.normalisation(),
            Normalisation::IMAGENET
        );
        let img = RgbImage::from_fn(2, 1, |x, _| {
            if x == 0 {
                Rgb([127, 255, 0])
            } else {
                Rgb([255, 0, 124])
            }
        });
        let t =
            to_tensor(std::slice::from_ref(&img), BackboneKind::EfficientNetLite0).expect("tensor");
        assert_eq!(t.size(), vec![1, 3, 1, 2]);
        let v: Vec<f32> = Vec::try_from(t.flatten(0, -1)).expect("floats");
        // Channel-major: r(x0), r(x1), g(x0), g(x1), b(x0), b(x1).
        let expected = [0.0, 1.0, 1.0, -127.0 / 128.0, -127.0 / 128.0, -3.0 / 128.0];
        for (a, b) in v.iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{v:?}");
        }
        let t = to_tensor(&[img], BackboneKind::ResNeXt50).expect("tensor");
        let v: Vec<f32> = Vec::try_from(t.flatten(0, -1)).expect("floats");
        assert!((v[0] - (127.0 / 255.0 - 0.485) / 0.229).abs() < 1e-5);
        assert!((v[5] - (124.0 / 255.0 - 0.406) / 0.225).abs() < 1e-5);
    }

    #[test]
    fn to_tensor_rejects_mixed_sizes_and_accepts_empty() {
        let err = to_tensor(&[pattern(4, 4), pattern(4, 5)], BackboneKind::ResNeXt50);
        assert!(matches!(
            err,
            Err(VisionError::MixedImageSizes { index: 1, .. })
        ));
        let empty = to_tensor(&[], BackboneKind::ResNeXt50).expect("empty batch");
        assert_eq!(empty.size(), vec![0, 3, 0, 0]);
    }

    #[test]
    fn load_image_turns_photos_upright_by_their_exif_orientation() {
        use image::ImageEncoder;
        // A 4x2 landscape JPEG whose EXIF says "rotate 90 degrees clockwise to display".
        let img = RgbImage::from_fn(4, 2, |x, _| image::Rgb([x as u8 * 60, 0, 0]));
        let exif: Vec<u8> = [
            &b"II*\0"[..],
            &8u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &0x0112u16.to_le_bytes(),
            &3u16.to_le_bytes(),
            &1u32.to_le_bytes(),
            &6u16.to_le_bytes(),
            &[0, 0],
            &0u32.to_le_bytes(),
        ]
        .concat();
        let mut bytes = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95);
        encoder.set_exif_metadata(exif).unwrap();
        encoder
            .write_image(img.as_raw(), 4, 2, image::ExtendedColorType::Rgb8)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sideways.jpg");
        std::fs::write(&path, bytes).unwrap();
        let loaded = load_image(&path).unwrap();
        assert_eq!(loaded.dimensions(), (2, 4));
    }

    #[test]
    fn load_image_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("vitrine-vision-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let missing = dir.join("missing.jpg");
        let err = load_image(&missing).expect_err("missing file");
        assert!(matches!(err, VisionError::Photo(_)));
        assert!(
            err.to_string().contains("missing.jpg does not exist"),
            "{err}"
        );

        let text = dir.join("notes.png");
        std::fs::write(&text, b"not a picture at all").expect("write");
        let err = load_image(&text).expect_err("text file");
        assert!(matches!(err, VisionError::Photo(_)), "{err}");
        assert!(err.to_string().contains("notes.png is not a JPEG"), "{err}");

        // A real PNG cut in half.
        let png = dir.join("cut.png");
        pattern(64, 64).save(&png).expect("save png");
        let bytes = std::fs::read(&png).expect("read");
        std::fs::write(&png, &bytes[..bytes.len() / 2]).expect("truncate");
        let err = load_image(&png).expect_err("truncated png");
        assert!(err.to_string().contains("cut.png is truncated"), "{err}");

        // Good files round-trip, whatever their extension says.
        let good = dir.join("good.png");
        pattern(8, 6).save(&good).expect("save png");
        assert_eq!(load_image(&good).expect("decodes"), pattern(8, 6));
        let misnamed = dir.join("really-a-png.jpg");
        std::fs::copy(&good, &misnamed).expect("copy");
        assert_eq!(load_image(&misnamed).expect("sniffed"), pattern(8, 6));
        let webp = dir.join("good.webp");
        pattern(8, 6).save(&webp).expect("save lossless webp");
        assert_eq!(load_image(&webp).expect("decodes"), pattern(8, 6));
        let jpeg = dir.join("good.jpg");
        pattern(8, 6).save(&jpeg).expect("save jpeg");
        assert_eq!(load_image(&jpeg).expect("decodes").dimensions(), (8, 6));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
