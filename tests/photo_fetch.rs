//! Photos by web address, fetched from a real HTTP server on 127.0.0.1 that fails in every way
//! a shop's image server can: each failure ends in the import report with its row, nothing
//! hangs, the cache never holds half a photo, and a second import downloads nothing it has.

#[path = "support/photo_server.rs"]
mod photo_server;

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use photo_server::{demo_images, PhotoServer};
use vitrine::catalogue::{
    self, CatalogueFormat, FetchControl, FetchProgress, FetchSettings, ImportOptions, ProblemKind,
    Severity, ShopFormat,
};

fn demo_names(n: usize) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(demo_images())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    names.sort();
    names.truncate(n);
    names
}

fn control(cache: &Path) -> FetchControl {
    FetchControl {
        settings: FetchSettings {
            cache_dir: cache.to_path_buf(),
            connections: 4,
            connect_timeout: Duration::from_secs(5),
            download_timeout: Duration::from_secs(3),
            attempts: 2,
            first_backoff: Duration::from_millis(20),
            max_redirects: 3,
        },
        ..FetchControl::default()
    }
}

fn cache_files(cache: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(cache)
        .map(|dir| {
            dir.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn every_server_failure_ends_in_the_report_and_nothing_is_half_cached() {
    let server = PhotoServer::start();
    let names = demo_names(10);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let paths = [
        format!("photos/{}", names[0]),
        format!("photos/{}", names[1]),
        format!("missing/{}", names[2]),
        format!("flaky/{}", names[3]),
        format!("slow/{}", names[4]),
        format!("loop/{}", names[5]),
        format!("text/{}", names[6]),
        format!("huge/{}", names[7]),
        format!("dropped/{}", names[8]),
        format!("photos/{}", names[9]),
    ];
    let mut csv = String::from("image,description\n");
    for (i, path) in paths.iter().enumerate() {
        csv.push_str(&format!("{},Garment number {i}\n", server.url(path)));
    }
    let catalogue_path = dir.path().join("shop.csv");
    fs::write(&catalogue_path, csv).unwrap();

    let seen: Arc<Mutex<Vec<FetchProgress>>> = Arc::default();
    let mut first = control(&cache);
    let log = Arc::clone(&seen);
    first.progress = Some(Arc::new(move |p: FetchProgress| {
        log.lock().unwrap().push(p)
    }));
    let catalogue =
        catalogue::load_with(&catalogue_path, &ImportOptions::default(), first).unwrap();

    let loaded: Vec<&str> = catalogue
        .items
        .iter()
        .map(|i| i.description.as_str())
        .collect();
    assert_eq!(
        loaded,
        [
            "Garment number 0",
            "Garment number 1",
            "Garment number 3",
            "Garment number 9"
        ]
    );
    for item in &catalogue.items {
        assert!(
            item.image_path.starts_with(&cache),
            "{}",
            item.image_path.display()
        );
        assert!(!item.image_path.starts_with(dir.path().join("shop.csv")));
    }
    let failures: Vec<(Option<usize>, ProblemKind, Severity)> = catalogue
        .report
        .problems
        .iter()
        .map(|p| (p.line, p.kind, p.severity))
        .collect();
    let failed_lines = [4, 6, 7, 8, 9, 10];
    assert_eq!(
        failures,
        failed_lines
            .iter()
            .map(|&line| (Some(line), ProblemKind::DownloadFailed, Severity::Skipped))
            .collect::<Vec<_>>(),
        "{}",
        catalogue.report
    );
    let message = |line: usize| {
        catalogue
            .report
            .problems
            .iter()
            .find(|p| p.line == Some(line))
            .unwrap()
            .message
            .clone()
    };
    assert!(message(4).contains("answered 404"), "{}", message(4));
    assert!(
        message(6).contains("did not answer in time"),
        "{}",
        message(6)
    );
    assert!(
        message(7).contains("redirects more than 3 times"),
        "{}",
        message(7)
    );
    assert!(
        message(8).contains("not a JPEG, PNG or WebP") || message(8).contains("downloaded but"),
        "{}",
        message(8)
    );
    assert!(
        message(9).contains("larger than vitrine's limit"),
        "{}",
        message(9)
    );
    assert!(
        message(10).contains("broke off") || message(10).contains("truncated"),
        "{}",
        message(10)
    );
    assert_eq!(server.requests_for(&paths[3]), 2, "500 then success");

    // Only whole, checked photos are in the cache: no temporary files, nothing from the
    // failures.
    let files = cache_files(&cache);
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.iter().all(|f| f.ends_with(".jpg")), "{files:?}");

    let progress = seen.lock().unwrap();
    let last = progress.last().copied().unwrap();
    assert_eq!(last.total, 10);
    assert_eq!(last.done, 10);
    assert_eq!(last.downloaded, 4);
    assert_eq!(last.failed, 6);
    assert!(progress.windows(2).all(|w| w[0].done <= w[1].done));
    drop(progress);

    // A second import asks the server for nothing it already has.
    let good = [&paths[0], &paths[1], &paths[3], &paths[9]];
    let before: Vec<usize> = good.iter().map(|p| server.requests_for(p)).collect();
    let again =
        catalogue::load_with(&catalogue_path, &ImportOptions::default(), control(&cache)).unwrap();
    assert_eq!(again.items.len(), 4);
    let after: Vec<usize> = good.iter().map(|p| server.requests_for(p)).collect();
    assert_eq!(before, after);
}

#[test]
fn offline_imports_use_the_cache_only() {
    let server = PhotoServer::start();
    let names = demo_names(2);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let json = format!(
        r#"[{{"url": "{}", "descriptions": ["A red dress"]}},
            {{"url": "{}", "descriptions": ["Blue jeans"]}}]"#,
        server.url(&format!("photos/{}", names[0])),
        server.url(&format!("photos/{}", names[1]))
    );
    let path = dir.path().join("feidegger.json");
    fs::write(&path, json).unwrap();

    let mut offline = control(&cache);
    offline.offline = true;
    let cold = catalogue::load_with(&path, &ImportOptions::default(), offline.clone()).unwrap();
    assert!(cold.items.is_empty());
    assert_eq!(cold.report.skipped().count(), 2);
    assert!(
        cold.report.problems[0].message.contains("offline"),
        "{}",
        cold.report
    );
    assert_eq!(server.total_requests(), 0);

    let online = catalogue::load_with(&path, &ImportOptions::default(), control(&cache)).unwrap();
    assert_eq!(online.items.len(), 2, "{}", online.report);
    assert_eq!(server.total_requests(), 2);

    let warm = catalogue::load_with(&path, &ImportOptions::default(), offline).unwrap();
    assert_eq!(warm.items.len(), 2, "{}", warm.report);
    assert!(warm.report.is_clean(), "{}", warm.report);
    assert_eq!(server.total_requests(), 2);
}

#[test]
fn a_stopped_import_downloads_nothing_more() {
    let server = PhotoServer::start();
    let names = demo_names(3);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let mut csv = String::from("image,description\n");
    for name in &names {
        csv.push_str(&format!(
            "{},Garment\n",
            server.url(&format!("photos/{name}"))
        ));
    }
    let path = dir.path().join("shop.csv");
    fs::write(&path, csv).unwrap();
    let stopped = control(&cache);
    stopped.stop.store(true, Ordering::Relaxed);
    let catalogue = catalogue::load_with(&path, &ImportOptions::default(), stopped).unwrap();
    assert!(catalogue.items.is_empty());
    assert!(catalogue
        .report
        .problems
        .iter()
        .all(|p| p.kind == ProblemKind::DownloadFailed && p.message.contains("stopped")));
    assert_eq!(server.total_requests(), 0);
    assert!(cache_files(&cache).is_empty());
}

#[test]
fn shop_exports_fetch_every_product_photo() {
    let server = PhotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let fixture = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/shop/shopify_products.csv"
    ))
    .unwrap();
    let served = fixture.replace(
        "https://shop.example.com/cdn/products/",
        &server.url("photos/"),
    );
    let path = dir.path().join("products_export.csv");
    fs::write(&path, served).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut first = control(&cache);
    first.stop = Arc::clone(&stop);
    let catalogue = catalogue::load_with(&path, &ImportOptions::default(), first).unwrap();
    assert_eq!(catalogue.format, CatalogueFormat::Shop(ShopFormat::Shopify));
    assert_eq!(catalogue.items.len(), 4, "{}", catalogue.report);
    assert_eq!(catalogue.items[0].extra_images.len(), 2);
    assert!(catalogue.items[0]
        .extra_images
        .iter()
        .all(|p| p.starts_with(&cache)));
    // Six distinct photos in the file; a second import fetches none of them again.
    assert_eq!(server.total_requests(), 6);
    let again = catalogue::load_with(&path, &ImportOptions::default(), control(&cache)).unwrap();
    assert_eq!(again.items.len(), 4);
    assert_eq!(server.total_requests(), 6);
}
