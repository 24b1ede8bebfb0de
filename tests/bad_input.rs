//! Bad files end to end: decompression bombs, special files, truncated photos and paths that
//! leave the catalogue, through the catalogue import and through `load_image` (which the
//! engine, the command line and the window decode with).

#[path = "support/bombs.rs"]
mod bombs;
use bombs::*;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use vitrine::catalogue::{load, Catalogue, ImportOptions, ProblemKind, Severity};
use vitrine::vision::transforms::load_image;

fn jpeg_bytes(width_px: u32, height_px: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width_px, height_px, |x, y| {
        image::Rgb([(x * 5) as u8, (y * 3) as u8, ((x * y) % 251) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A real JPEG whose frame header is rewritten to claim `width_px` x `height_px`.
fn jpeg_claiming(width_px: u16, height_px: u16) -> Vec<u8> {
    jpeg_claiming_size(jpeg_bytes(16, 16), width_px, height_px)
}

/// A real, complete 30000 x 30000 all-white greyscale PNG (about 1 MB), written row by row.
fn write_huge_white_png(path: &Path) {
    const SIDE_PX: u32 = 30_000;
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), SIDE_PX, SIDE_PX);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut stream = encoder
        .write_header()
        .unwrap()
        .into_stream_writer()
        .unwrap();
    let row = vec![0xFFu8; SIDE_PX as usize];
    for _ in 0..SIDE_PX {
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
}

fn good_png(path: &Path) {
    image::RgbImage::from_pixel(4, 4, image::Rgb([10, 200, 30]))
        .save_with_format(path, image::ImageFormat::Png)
        .unwrap();
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path and a plain mode.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
}

/// Runs `work` on a thread; a hang (opening a FIFO blocks) fails the test instead of hanging.
fn within_seconds<T: Send + 'static>(seconds: u64, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(work());
    });
    receiver
        .recv_timeout(Duration::from_secs(seconds))
        .expect("must finish instead of blocking")
}

/// Imports `dir/shop.csv` listing `names` (with a description each).
fn import(dir: &Path, names: &[&str]) -> Catalogue {
    let mut csv = String::from("image,description\n");
    for name in names {
        csv.push_str(&format!("{name},A plain cotton top\n"));
    }
    std::fs::write(dir.join("shop.csv"), csv).unwrap();
    load(&dir.join("shop.csv"), &ImportOptions::default()).unwrap()
}

fn problem_for<'a>(catalogue: &'a Catalogue, name: &str) -> &'a vitrine::catalogue::Problem {
    catalogue
        .report
        .problems
        .iter()
        .find(|p| p.message.contains(&format!("\"{name}\"")))
        .unwrap_or_else(|| panic!("no problem for {name}: {}", catalogue.report))
}

/// The peak resident memory of this process, from `/proc/self/status`.
fn peak_memory_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

#[test]
fn decompression_bombs_are_refused_from_their_headers() {
    let dir = tempfile::tempdir().unwrap();
    good_png(&dir.path().join("good.png"));
    let bomb = png_claiming(100_000, 100_000);
    assert!(bomb.len() < 1000);
    std::fs::write(dir.path().join("photo.png"), &bomb).unwrap();
    std::fs::write(dir.path().join("bomb.jpg"), jpeg_claiming(65_500, 65_500)).unwrap();
    write_huge_white_png(&dir.path().join("white.png"));
    assert!(
        std::fs::metadata(dir.path().join("white.png"))
            .unwrap()
            .len()
            < 10_000_000
    );

    let catalogue = import(
        dir.path(),
        &["good.png", "photo.png", "bomb.jpg", "white.png"],
    );
    assert_eq!(catalogue.items.len(), 1, "{}", catalogue.report);
    let expected = [
        ("photo.png", "100000 x 100000"),
        ("bomb.jpg", "65500 x 65500"),
        ("white.png", "30000 x 30000"),
    ];
    for (name, size) in expected {
        let problem = problem_for(&catalogue, name);
        assert_eq!(problem.kind, ProblemKind::ImageTooLarge);
        assert_eq!(problem.severity, Severity::Skipped);
        assert!(
            problem.message.contains(&format!(
                "\"{name}\" claims {size} pixels; vitrine opens photos up to 12000 x 12000"
            )),
            "{}",
            problem.message
        );

        let err = load_image(&dir.path().join(name)).unwrap_err().to_string();
        assert!(
            err.ends_with(&format!(
                "{name} claims {size} pixels; vitrine opens photos up to 12000 x 12000"
            )),
            "{err}"
        );
    }
    // Refused before any pixel buffer was allocated (libtorch is linked but idle here).
    let peak_bytes = peak_memory_bytes();
    assert!(peak_bytes < 1 << 30, "peak memory {peak_bytes} bytes");
}

#[test]
fn fifos_and_devices_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    good_png(&dir.path().join("good.png"));
    mkfifo(&dir.path().join("x.jpg"));
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.jpg")).unwrap();
    let root = dir.path().to_path_buf();
    let catalogue = within_seconds(60, move || {
        import(&root, &["good.png", "x.jpg", "zero.jpg"])
    });
    assert_eq!(catalogue.items.len(), 1, "{}", catalogue.report);
    let fifo = problem_for(&catalogue, "x.jpg");
    assert!(
        fifo.message
            .contains("is a FIFO (named pipe), not a regular file"),
        "{}",
        fifo.message
    );
    let zero = problem_for(&catalogue, "zero.jpg");
    assert!(
        zero.message.contains("is a character device"),
        "{}",
        zero.message
    );

    let paths: Vec<PathBuf> = ["x.jpg", "zero.jpg"]
        .iter()
        .map(|name| dir.path().join(name))
        .collect();
    let errors = within_seconds(60, move || {
        paths
            .iter()
            .map(|path| load_image(path).unwrap_err().to_string())
            .collect::<Vec<_>>()
    });
    assert!(errors[0].contains("x.jpg is a FIFO"), "{}", errors[0]);
    assert!(
        errors[1].contains("zero.jpg is a character device"),
        "{}",
        errors[1]
    );

    // A plain folder with the FIFO in it: reported, never opened.
    let root = dir.path().to_path_buf();
    let folder = within_seconds(60, move || load(&root, &ImportOptions::default()).unwrap());
    assert!(
        folder
            .report
            .problems
            .iter()
            .any(|p| p.message.contains("\"x.jpg\" was left out: it is a FIFO")),
        "{}",
        folder.report
    );
}

#[test]
fn a_truncated_jpeg_is_reported_at_import_and_refused_by_the_decoder() {
    let dir = tempfile::tempdir().unwrap();
    good_png(&dir.path().join("good.png"));
    let full = jpeg_bytes(256, 256);
    std::fs::write(dir.path().join("cut.jpg"), &full[..full.len() * 3 / 10]).unwrap();
    let catalogue = import(dir.path(), &["good.png", "cut.jpg"]);
    assert!(!catalogue.report.is_clean());
    assert_eq!(catalogue.items.len(), 1);
    let problem = problem_for(&catalogue, "cut.jpg");
    assert_eq!(problem.kind, ProblemKind::UnreadableImage);
    assert!(
        problem.message.contains("\"cut.jpg\" is truncated"),
        "{}",
        problem.message
    );
    let err = load_image(&dir.path().join("cut.jpg")).unwrap_err();
    assert!(err.to_string().contains("cut.jpg is truncated"), "{err}");
}

#[test]
fn paths_leading_out_of_the_catalogue_folder_are_loaded_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    std::fs::create_dir(&shop).unwrap();
    good_png(&shop.join("inside.png"));
    good_png(&dir.path().join("outside.png"));
    let catalogue = import(
        &shop,
        &["inside.png", "../outside.png", "./a/../inside2.png"],
    );
    assert_eq!(catalogue.items.len(), 2, "{}", catalogue.report);
    let outside = problem_for(&catalogue, "../outside.png");
    assert_eq!(outside.kind, ProblemKind::OutsideCatalogue);
    assert_eq!(outside.severity, Severity::Warning);
    assert_eq!(outside.line, Some(3));
    assert!(
        outside
            .message
            .contains("lies outside the catalogue folder"),
        "{}",
        outside.message
    );
    // A path that stays inside is not warned about, only found missing.
    let inside = problem_for(&catalogue, "./a/../inside2.png");
    assert_eq!(inside.kind, ProblemKind::MissingImage);
}

#[test]
fn an_unclosed_csv_quote_loses_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("image,description\n");
    for i in 0..30 {
        good_png(&dir.path().join(format!("p{i}.png")));
        if i == 4 {
            csv.push_str("p4.png,\"Red dress\n");
        } else {
            csv.push_str(&format!("p{i}.png,Dress number {i}\n"));
        }
    }
    std::fs::write(dir.path().join("shop.csv"), csv).unwrap();
    let catalogue = load(&dir.path().join("shop.csv"), &ImportOptions::default()).unwrap();
    assert_eq!(catalogue.items.len(), 30, "{}", catalogue.report);
    assert_eq!(catalogue.report.problems.len(), 1, "{}", catalogue.report);
    let problem = &catalogue.report.problems[0];
    assert_eq!(
        (problem.line, problem.kind),
        (Some(6), ProblemKind::UnclosedQuote)
    );
    assert!(
        problem
            .message
            .starts_with("line 6 of shop.csv: the double quote (\")"),
        "{}",
        problem.message
    );
}

#[test]
fn crlf_csv_line_numbers_match_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    good_png(&dir.path().join("a.png"));
    std::fs::write(
        dir.path().join("shop.csv"),
        "image,description\r\na.png,Top\r\nmissing.png,Skirt\r\n",
    )
    .unwrap();
    let catalogue = load(&dir.path().join("shop.csv"), &ImportOptions::default()).unwrap();
    assert_eq!(catalogue.report.problems.len(), 1, "{}", catalogue.report);
    assert_eq!(catalogue.report.problems[0].line, Some(3));
    assert!(catalogue.report.problems[0]
        .message
        .starts_with("line 3 of shop.csv: "));
}

#[test]
fn json_with_a_bom_or_latin1_bytes_loads() {
    let dir = tempfile::tempdir().unwrap();
    good_png(&dir.path().join("a.png"));
    good_png(&dir.path().join("b.png"));
    let entries = b"[\n{\"url\": \"https://x/a.png\", \"descriptions\": [\"Red top\"]},\n\
                    {\"url\": \"https://x/b.png\", \"descriptions\": [\"Caf\xe9 blouse\"]}\n]";
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(entries);
    std::fs::write(dir.path().join("f.json"), &with_bom).unwrap();
    let catalogue = load(&dir.path().join("f.json"), &ImportOptions::default()).unwrap();
    assert_eq!(catalogue.items.len(), 2, "{}", catalogue.report);
    assert_eq!(catalogue.items[1].description, "Caf\u{FFFD} blouse");
    assert_eq!(catalogue.report.problems.len(), 1, "{}", catalogue.report);
    let problem = &catalogue.report.problems[0];
    assert_eq!(
        (problem.line, problem.kind, problem.severity),
        (Some(2), ProblemKind::NonUtf8Description, Severity::Warning)
    );
    assert!(
        problem.message.contains("line 3 of the file"),
        "{}",
        problem.message
    );
}
