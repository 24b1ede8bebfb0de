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
    let odd: Vec<_> = out
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0 != [255; 3])
        .take(5)
        .collect();
    assert!(odd.is_empty(), "{odd:?}");
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
    let t = to_tensor(std::slice::from_ref(&img), BackboneKind::EfficientNetLite0).expect("tensor");
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
