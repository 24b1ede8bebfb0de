use super::error::mib;
#[path = "../../tests/support/bombs.rs"]
mod bombs;
use bombs::*;

use super::*;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

fn noise(width_px: u32, height_px: u32) -> image::RgbImage {
    let mut state = 12345u32;
    image::RgbImage::from_fn(width_px, height_px, |_, _| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let v = (state >> 16) as u8;
        image::Rgb([v, v.wrapping_mul(3), v.wrapping_add(90)])
    })
}

fn encoded(img: &image::RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A small real JPEG whose frame header is rewritten to claim `width_px` x `height_px`.
fn jpeg_claiming(width_px: u16, height_px: u16) -> Vec<u8> {
    jpeg_claiming_size(
        encoded(&noise(16, 16), ImageFormat::Jpeg),
        width_px,
        height_px,
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn problem_of<T: std::fmt::Debug>(result: Result<T, PhotoError>) -> PhotoProblem {
    result.expect_err("should be refused").problem
}

#[test]
fn good_photos_pass_and_decode() {
    let dir = tempfile::tempdir().unwrap();
    for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
        let path = write(dir.path(), "photo", &encoded(&noise(24, 16), format));
        let info = check(&path).unwrap();
        assert_eq!(
            (info.format, info.width_px, info.height_px),
            (format, 24, 16)
        );
        assert_eq!(open(&path).unwrap().into_rgb8().dimensions(), (24, 16));
    }
}

#[test]
fn header_bombs_are_refused_by_their_claimed_size() {
    let dir = tempfile::tempdir().unwrap();
    let png = write(dir.path(), "photo.png", &png_claiming(100_000, 100_000));
    assert!(std::fs::metadata(&png).unwrap().len() < 1000);
    for err in [check(&png).unwrap_err(), open(&png).unwrap_err()] {
        assert!(
            matches!(err.problem, PhotoProblem::TooManyPixels { .. }),
            "{err}"
        );
        assert!(
            err.to_string().ends_with(
                "photo.png claims 100000 x 100000 pixels; vitrine opens photos up to 12000 x 12000"
            ),
            "{err}"
        );
    }

    let jpeg = write(dir.path(), "bomb.jpg", &jpeg_claiming(65_500, 65_500));
    let err = open(&jpeg).unwrap_err();
    assert!(
        err.to_string().contains("claims 65500 x 65500 pixels"),
        "{err}"
    );
    assert!(matches!(
        problem_of(check(&jpeg)),
        PhotoProblem::TooManyPixels { .. }
    ));
}

#[test]
fn within_the_sides_but_too_much_memory_is_refused() {
    // 12000 x 12000 RGBA at 16 bits per channel: 1.07 GiB of pixels.
    let mut bytes = png_claiming(12_000, 12_000);
    bytes[24] = 16; // bit depth
    bytes[25] = 6; // RGBA
    let mut crc = crc32fast::Hasher::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.finalize().to_be_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "deep.png", &bytes);
    let err = check(&path).unwrap_err();
    assert!(
        matches!(err.problem, PhotoProblem::TooMuchMemory { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("up to 512 MiB"), "{err}");
}

#[test]
fn special_files_are_refused_without_opening() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("x.jpg");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path and a plain mode.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    let zero = dir.path().join("zero.jpg");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let looping = dir.path().join("loop.jpg");
    std::os::unix::fs::symlink(&looping, &looping).unwrap();

    // Opening a FIFO blocks until someone writes; a regression must fail, not hang.
    let (sender, receiver) = mpsc::channel();
    let paths = [fifo.clone(), zero.clone(), looping.clone()];
    std::thread::spawn(move || {
        let found: Vec<String> = paths
            .iter()
            .flat_map(|path| [check(path).unwrap_err(), open(path).unwrap_err()])
            .map(|err| err.to_string())
            .collect();
        let _ = sender.send(found);
    });
    let found = receiver
        .recv_timeout(Duration::from_secs(20))
        .expect("checking special files must not block");
    assert!(
        found[0].contains("x.jpg is a FIFO (named pipe)"),
        "{found:?}"
    );
    assert!(
        found[1].contains("x.jpg is a FIFO (named pipe)"),
        "{found:?}"
    );
    assert!(
        found[2].contains("zero.jpg is a character device"),
        "{found:?}"
    );
    assert!(found[4].contains("loops back on itself"), "{found:?}");
    assert!(matches!(
        problem_of(check(dir.path())),
        PhotoProblem::NotAFile { kind: "a folder" }
    ));
}

#[test]
fn missing_empty_huge_and_foreign_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        problem_of(open(&dir.path().join("nothing.jpg"))),
        PhotoProblem::NotFound
    ));
    let empty = write(dir.path(), "empty.jpg", b"");
    assert!(matches!(problem_of(check(&empty)), PhotoProblem::Empty));
    // A sparse file: large by its metadata, no disk used.
    let huge = dir.path().join("huge.jpg");
    let file = File::create(&huge).unwrap();
    file.set_len(MAX_FILE_BYTES + 1).unwrap();
    let err = open(&huge).unwrap_err();
    assert!(
        err.to_string()
            .contains("is 200.0 MiB; vitrine opens photo files up to 200 MiB"),
        "{err}"
    );
    let text = write(dir.path(), "notes.png", b"not a picture at all");
    assert!(matches!(problem_of(open(&text)), PhotoProblem::NotAnImage));
    let gif = write(dir.path(), "a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;");
    let err = check(&gif).unwrap_err();
    assert!(err.to_string().contains("is a GIF image"), "{err}");
}

#[test]
fn truncated_photos_are_refused_by_check_and_open() {
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [
        ("cut.jpg", ImageFormat::Jpeg),
        ("cut.png", ImageFormat::Png),
        ("cut.webp", ImageFormat::WebP),
    ] {
        let full = encoded(&noise(96, 96), format);
        let path = write(dir.path(), name, &full[..full.len() * 3 / 10]);
        for err in [check(&path).unwrap_err(), open(&path).unwrap_err()] {
            assert!(
                matches!(err.problem, PhotoProblem::Truncated(_)),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn data_after_the_end_marker_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    for format in [ImageFormat::Jpeg, ImageFormat::Png] {
        let mut bytes = encoded(&noise(32, 32), format);
        bytes.extend_from_slice(&[0u8; 100]);
        bytes.extend(std::iter::repeat_n(b'x', 10_000));
        let path = write(dir.path(), "trailer", &bytes);
        assert!(check(&path).is_ok(), "{format:?}");
        assert_eq!(open(&path).unwrap().into_rgb8().dimensions(), (32, 32));
    }
    // Zero padding after the end-of-image marker.
    let mut jpeg = encoded(&noise(8, 8), ImageFormat::Jpeg);
    jpeg.extend_from_slice(&[0, 0, 0, b'\n']);
    let path = write(dir.path(), "padded.jpg", &jpeg);
    assert!(check(&path).is_ok());
}

#[test]
fn headers_beyond_the_prefix_are_still_found() {
    // Three 60 KiB application segments push the frame header past the first 128 KiB.
    let jpeg = encoded(&noise(64, 64), ImageFormat::Jpeg);
    let mut padded = jpeg[..2].to_vec();
    for _ in 0..3 {
        let payload_len: usize = 60 * 1024;
        padded.extend_from_slice(&[0xFF, 0xE9]);
        padded.extend_from_slice(&((payload_len + 2) as u16).to_be_bytes());
        padded.extend(std::iter::repeat_n(0u8, payload_len));
    }
    padded.extend_from_slice(&jpeg[2..]);
    assert!(padded.len() as u64 > HEADER_PREFIX_BYTES);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "big-header.jpg", &padded);
    assert_eq!(check(&path).unwrap().width_px, 64);
}

#[test]
fn a_file_swapped_for_a_fifo_after_checking_still_does_not_block() {
    // open_nonblocking itself must return at once on a FIFO without a writer.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("late.jpg");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path and a plain mode.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(open_nonblocking(&fifo).map(|f| f.metadata().map(|m| m.is_file())));
    });
    let opened = receiver
        .recv_timeout(Duration::from_secs(20))
        .expect("must not block");
    assert!(matches!(opened, Ok(Ok(false))));
}

#[test]
fn sizes_read_as_mebibytes() {
    assert_eq!(mib(&MAX_DECODED_BYTES), "512");
    assert_eq!(mib(&(1024 * 1024 + 1024 * 512)), "1.5");
}
