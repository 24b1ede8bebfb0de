use super::disk::{cache_file_for, fit_within, load, DiskBudget};
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
    let img = load(&ImageKey::thumbnail(&file), None, &DiskBudget::new(1 << 20)).unwrap();
    assert_eq!(img.size, [4, 2]);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn textures_in_memory_stay_within_the_byte_budget() {
    let dir = tempfile::tempdir().unwrap();
    // 100 × 100 RGBA: 40,000 bytes each; the budget holds three.
    let photo_bytes = 100 * 100 * 4;
    let budgets = Budgets {
        memory_bytes: 3 * photo_bytes + photo_bytes / 2,
        disk_bytes: 1 << 20,
    };
    let mut cache = ImageCache::with_budgets(Repaint::default(), None, 2, budgets);
    let ctx = egui::Context::default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut peak = 0;
    for i in 0..12u32 {
        let path = dir.path().join(format!("p{i}.png"));
        image::RgbImage::from_pixel(100, 100, image::Rgb([i as u8 * 20, 0, 0]))
            .save(&path)
            .unwrap();
        let key = ImageKey::thumbnail(&path);
        // One photo drawn per frame until it is ready, as when scrolling.
        loop {
            // A pass of its own per frame, so "drawn this frame" means this one only.
            let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
            output.textures_delta.clear();
            cache.begin_frame(&ctx);
            let ready = matches!(cache.get(&key, true), ImageState::Ready(_));
            cache.end_frame();
            peak = peak.max(cache.bytes_in_memory());
            assert!(cache.bytes_in_memory() <= budgets.memory_bytes);
            if ready {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "photo {i} never loaded"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    assert_eq!(peak, 3 * photo_bytes, "the budget is used, not more");
    assert_eq!(cache.textures_in_memory(), 3);
}

#[test]
fn the_disk_cache_is_trimmed_to_its_budget_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3_600);
    for i in 0..10u64 {
        let path = dir.path().join(format!("{i:032x}.jpg"));
        std::fs::write(&path, vec![0u8; 1_000]).unwrap();
        let f = std::fs::File::options().append(true).open(&path).unwrap();
        // File i was last used i seconds after the oldest.
        f.set_modified(old + std::time::Duration::from_secs(i))
            .unwrap();
    }
    std::fs::write(dir.path().join("not-a-thumbnail.txt"), vec![0u8; 5_000]).unwrap();
    let budget = DiskBudget::new(5_500);
    let left = budget.enforce(Some(dir.path()));
    assert!(left <= 5_500, "{left} bytes left");
    let mut kept: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    // 90% of the budget: four files of 1,000 bytes, the most recently used ones.
    let expected: Vec<String> = (6..10u64).map(|i| format!("{i:032x}.jpg")).collect();
    assert_eq!(kept[..4], expected[..]);
    assert_eq!(kept.len(), 5, "other files are left alone: {kept:?}");
    assert_eq!(budget.enforce(Some(dir.path())), 4_000);
}
