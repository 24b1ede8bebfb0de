use super::disk::{cache_file_for, fit_within, load};
use super::*;
use egui::{Pos2, Rect, Vec2};

#[test]
fn fit_within_keeps_proportions_and_never_enlarges() {
    assert_eq!(fit_within(320, 480, 160), (107, 160));
    assert_eq!(fit_within(480, 320, 160), (160, 107));
    assert_eq!(fit_within(100, 50, 160), (100, 50));
    assert_eq!(fit_within(0, 0, 160), (1, 1));
}

#[test]
fn fitted_rect_is_centred_and_undistorted() {
    let frame = Rect::from_min_size(Pos2::ZERO, Vec2::new(100.0, 100.0));
    let r = fitted_rect(frame, Vec2::new(50.0, 100.0));
    assert_eq!(r.size(), Vec2::new(50.0, 100.0));
    assert_eq!(r.center(), frame.center());
}

#[test]
fn the_loader_pool_decodes_wanted_photos_and_caches_them_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let photos: Vec<ImageKey> = (0..5)
        .map(|i| {
            let path = dir.path().join(format!("p{i}.png"));
            image::RgbImage::new(400 + i, 200).save(&path).unwrap();
            ImageKey::thumbnail(&path)
        })
        .collect();
    let missing = ImageKey::thumbnail(&dir.path().join("missing.png"));
    let disk = dir.path().join("thumbs");
    let mut cache = ImageCache::new(Repaint::default(), Some(disk.clone()), 2);
    assert!(!cache.has_no_loader());
    let ctx = egui::Context::default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        cache.begin_frame(&ctx);
        let ready = photos
            .iter()
            .filter(|k| matches!(cache.get(k, false), ImageState::Ready(_)))
            .count();
        let failed = matches!(cache.get(&missing, true), ImageState::Failed(_));
        cache.end_frame();
        if ready == photos.len() && failed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{ready} photos loaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(cache.textures_in_memory(), 5);
    assert!(cache.failure(&missing).is_some());
    assert_eq!(std::fs::read_dir(&disk).unwrap().count(), 5);
}

#[test]
fn cache_key_changes_with_size() {
    let dir = std::env::temp_dir();
    let file = dir.join(format!("vitrine-thumb-key-{}.png", std::process::id()));
    image::RgbImage::new(4, 2).save(&file).unwrap();
    let a = cache_file_for(&dir, &ImageKey::thumbnail(&file)).unwrap();
    let b = cache_file_for(&dir, &ImageKey::photo(&file)).unwrap();
    assert_ne!(a, b);
    let img = load(&ImageKey::thumbnail(&file), None).unwrap();
    assert_eq!(img.size, [4, 2]);
    let _ = std::fs::remove_file(&file);
}
