//! The garment mask on a demo photo of a cardigan lying on a plain tiled floor: the floor is
//! background, the cardigan is not.

use std::path::Path;

use vitrine::lookalike::colour::lab::LabConverter;
use vitrine::lookalike::colour::mask::garment_mask;

#[test]
fn the_mask_of_a_photo_on_a_plain_floor_covers_the_floor() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/images/00588f87-cda1-46d7-93be-71f0fa889895.jpg");
    let photo = vitrine::vision::transforms::load_image(&path).expect("demo photo");
    let mask = garment_mask(&photo, &LabConverter::default());
    assert!(!mask.fallback);
    let (w, h) = (mask.width_px, mask.height_px);
    // The floor: a band a tenth of the photo deep along every edge.
    let band_x = w / 10;
    let band_y = h / 10;
    let mut floor = 0usize;
    let mut floor_as_background = 0usize;
    for y in 0..h {
        for x in 0..w {
            if x < band_x || y < band_y || x >= w - band_x || y >= h - band_y {
                floor += 1;
                if !mask.is_garment(x, y) {
                    floor_as_background += 1;
                }
            }
        }
    }
    let covered = floor_as_background as f32 / floor as f32;
    assert!(
        covered > 0.9,
        "only {:.0}% of the floor is background",
        covered * 100.0
    );
    // The cardigan in the middle is garment, and the garment is not the whole photo.
    assert!(mask.is_garment(w / 2, h / 2));
    let share = mask.garment_share();
    assert!((0.1..0.6).contains(&share), "garment share {share:.2}");
}

#[test]
fn the_window_overlay_greys_exactly_the_background() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo/images/00588f87-cda1-46d7-93be-71f0fa889895.jpg");
    let photo = vitrine::vision::transforms::load_image(&path).expect("demo photo");
    let mask = garment_mask(&photo, &LabConverter::default());
    // At twice the mask's size, each mask cell covers 2 × 2 overlay pixels.
    let big = image::imageops::resize(
        &photo,
        mask.width_px * 2,
        mask.height_px * 2,
        image::imageops::FilterType::Triangle,
    );
    let overlay = mask.overlay(&big);
    assert_eq!(overlay.dimensions(), big.dimensions());
    let (mut kept, mut greyed) = (0usize, 0usize);
    for (x, y, px) in overlay.enumerate_pixels() {
        let original = big.get_pixel(x, y);
        if mask.is_garment(x / 2, y / 2) {
            assert_eq!(px, original, "garment pixel ({x}, {y}) changed");
            kept += 1;
        } else {
            // Greyed: red and green equal, blue lifted.
            assert_eq!(px[0], px[1]);
            assert!(px[2] > px[0]);
            greyed += 1;
        }
    }
    assert!(kept > 0 && greyed > 0);
}
