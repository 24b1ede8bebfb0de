//! Cheap completeness checks: does the file reach its format's end marker? A download cut
//! short passes a header check but must not be decoded into a half-grey photo.
//!
//! The common case reads only the last few KiB: a JPEG ends with its end-of-image marker, a PNG
//! with its IEND chunk. Only a file that does not (data appended after the end, or a truncated
//! file) is walked further.

use std::io::{self, Read, Seek, SeekFrom};

use image::ImageFormat;

use super::PhotoProblem;

/// Bytes read from the end of a JPEG to find its end-of-image marker behind any padding.
const TAIL_BYTES: u64 = 4096;

/// Chunk size when scanning a JPEG's image data for the end-of-image marker.
const SCAN_CHUNK_BYTES: usize = 64 * 1024;

/// JPEG end-of-image marker.
const JPEG_EOI: [u8; 2] = [0xFF, 0xD9];

/// A PNG's last chunk: zero length, type `IEND`, its CRC.
const PNG_IEND_CHUNK: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

/// Checks that a `format` file of `len_bytes` bytes is complete.
pub(super) fn check_complete<R: Read + Seek>(
    format: ImageFormat,
    reader: &mut R,
    len_bytes: u64,
) -> Result<(), PhotoProblem> {
    let result = match format {
        ImageFormat::Jpeg => check_jpeg(reader, len_bytes),
        ImageFormat::Png => check_png(reader, len_bytes),
        ImageFormat::WebP => check_webp(reader, len_bytes),
        _ => Ok(Ok(())),
    };
    result.map_err(PhotoProblem::Io)?
}

type Checked = io::Result<Result<(), PhotoProblem>>;

fn check_jpeg<R: Read + Seek>(reader: &mut R, len_bytes: u64) -> Checked {
    let tail = read_tail(reader, len_bytes, TAIL_BYTES)?;
    // Some writers pad the file after the marker with zeros, fill bytes or line breaks.
    let end = tail
        .iter()
        .rposition(|b| !matches!(b, 0x00 | 0xFF | b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |i| i + 1);
    if tail[..end].ends_with(&JPEG_EOI) {
        return Ok(Ok(()));
    }
    // Data appended after the end (camera trailers, motion photos): the marker must still come
    // somewhere after the image data starts. Markers cannot occur inside image data.
    let truncated = PhotoProblem::Truncated("it ends before its end-of-image marker");
    let Some(scan_start) = find_scan_start(reader)? else {
        return Ok(Err(truncated));
    };
    reader.seek(SeekFrom::Start(scan_start))?;
    if contains_marker(reader, JPEG_EOI)? {
        Ok(Ok(()))
    } else {
        Ok(Err(truncated))
    }
}

/// The offset just after the first start-of-scan header, walking the marker segments from the
/// start; `None` when the file ends first.
fn find_scan_start<R: Read + Seek>(reader: &mut R) -> io::Result<Option<u64>> {
    reader.seek(SeekFrom::Start(2))?;
    loop {
        let Some(first) = read_byte(reader)? else {
            return Ok(None);
        };
        if first != 0xFF {
            continue;
        }
        let mut marker = 0xFF;
        while marker == 0xFF {
            match read_byte(reader)? {
                Some(byte) => marker = byte,
                None => return Ok(None),
            }
        }
        // Markers without a length: stuffing, restart markers, TEM.
        if matches!(marker, 0x00 | 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if marker == 0xD9 {
            return Ok(None);
        }
        let mut length = [0u8; 2];
        if read_exact_or_eof(reader, &mut length)?.is_none() {
            return Ok(None);
        }
        let length = u16::from_be_bytes(length);
        if length < 2 {
            return Ok(None);
        }
        let after = reader.seek(SeekFrom::Current(i64::from(length) - 2))?;
        if marker == 0xDA {
            return Ok(Some(after));
        }
    }
}

/// True when `marker` occurs in the rest of the file.
fn contains_marker<R: Read>(reader: &mut R, marker: [u8; 2]) -> io::Result<bool> {
    let mut buffer = vec![0u8; SCAN_CHUNK_BYTES];
    let mut previous: Option<u8> = None;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => return Ok(false),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        let chunk = &buffer[..read];
        if previous == Some(marker[0]) && chunk[0] == marker[1] {
            return Ok(true);
        }
        if chunk.windows(2).any(|pair| pair == marker) {
            return Ok(true);
        }
        previous = chunk.last().copied();
    }
}

fn check_png<R: Read + Seek>(reader: &mut R, len_bytes: u64) -> Checked {
    let tail = read_tail(reader, len_bytes, PNG_IEND_CHUNK.len() as u64)?;
    if tail == PNG_IEND_CHUNK {
        return Ok(Ok(()));
    }
    // Walk the chunks: IEND may be followed by junk, or be missing (truncated).
    let truncated = PhotoProblem::Truncated("it ends before its IEND chunk");
    let mut offset = 8u64;
    loop {
        reader.seek(SeekFrom::Start(offset))?;
        let mut header = [0u8; 8];
        if read_exact_or_eof(reader, &mut header)?.is_none() {
            return Ok(Err(truncated));
        }
        if &header[4..] == b"IEND" {
            return Ok(Ok(()));
        }
        let data_len = u64::from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]));
        // Length, type, data, CRC.
        offset += 12 + data_len;
        if offset > len_bytes {
            return Ok(Err(truncated));
        }
    }
}

fn check_webp<R: Read + Seek>(reader: &mut R, len_bytes: u64) -> Checked {
    reader.seek(SeekFrom::Start(0))?;
    let mut header = [0u8; 12];
    if read_exact_or_eof(reader, &mut header)?.is_none() {
        return Ok(Err(PhotoProblem::Truncated("it ends inside its header")));
    }
    let riff_size = u64::from(u32::from_le_bytes([
        header[4], header[5], header[6], header[7],
    ]));
    if len_bytes < riff_size + 8 {
        return Ok(Err(PhotoProblem::Truncated(
            "it is shorter than its RIFF header says",
        )));
    }
    Ok(Ok(()))
}

/// The last `count` bytes (fewer for a shorter file).
fn read_tail<R: Read + Seek>(reader: &mut R, len_bytes: u64, count: u64) -> io::Result<Vec<u8>> {
    reader.seek(SeekFrom::Start(len_bytes.saturating_sub(count)))?;
    let mut tail = Vec::new();
    reader.take(count).read_to_end(&mut tail)?;
    Ok(tail)
}

fn read_byte<R: Read>(reader: &mut R) -> io::Result<Option<u8>> {
    let mut byte = [0u8; 1];
    Ok(read_exact_or_eof(reader, &mut byte)?.map(|()| byte[0]))
}

/// Fills `buffer`; `None` when the file ends first.
fn read_exact_or_eof<R: Read>(reader: &mut R, buffer: &mut [u8]) -> io::Result<Option<()>> {
    match reader.read_exact(buffer) {
        Ok(()) => Ok(Some(())),
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(err) => Err(err),
    }
}
