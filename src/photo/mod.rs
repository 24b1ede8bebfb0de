//! Opening photos safely. Every photo vitrine decodes, checks or shrinks goes through here.
//!
//! A photo file can be anything the disk holds: a FIFO that blocks whoever opens it, a link to
//! `/dev/zero`, a 400-byte PNG whose header claims ten billion pixels, a download cut short.
//! [`open`] (decode) and [`check`] (header and completeness only, for catalogue import) refuse
//! all of these before reading any pixel data:
//!
//! - only regular files are opened (links are followed first; folders, FIFOs, sockets and
//!   devices are refused from their metadata, so opening can never block);
//! - files over [`MAX_FILE_BYTES`] are refused from their size;
//! - the header is read first, and a photo wider or taller than [`MAX_SIDE_PX`], or one whose
//!   decoded pixels would need more than [`MAX_DECODED_BYTES`], is refused before anything is
//!   allocated for it;
//! - a file that ends before its format's end marker (a truncated download) is refused, so a
//!   half photo is never decoded into a grey one.
//!
//! The limits are far above any real shop photo (a 50-megapixel camera takes 8688 x 5792).

mod error;
mod structure;
#[cfg(test)]
mod tests;

pub use self::error::{PhotoError, PhotoProblem};

use std::fs::{self, File, Metadata};
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

/// The widest and tallest photo vitrine opens, in pixels.
pub const MAX_SIDE_PX: u32 = 12_000;

/// The most memory one photo's decoded pixels may take, in bytes (512 MiB: a 12000 x 12000
/// RGB photo takes 412 MiB).
pub const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;

/// The largest photo file vitrine opens, in bytes (200 MiB; camera JPEGs are a few MiB).
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// Bytes read up front for the header check. JPEG headers (with EXIF and a thumbnail) almost
/// always fit; when they do not, the header is read from the whole file.
const HEADER_PREFIX_BYTES: u64 = 128 * 1024;

/// What [`check`] learned about a photo from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhotoInfo {
    /// JPEG, PNG or WebP.
    pub format: ImageFormat,
    /// Width in pixels, before any EXIF rotation.
    pub width_px: u32,
    /// Height in pixels, before any EXIF rotation.
    pub height_px: u32,
}

/// Decodes a JPEG, PNG or WebP photo (the format sniffed from its content, not its name) and
/// turns it upright as its EXIF orientation says, after the checks in the module
/// documentation.
pub fn open(path: &Path) -> Result<DynamicImage, PhotoError> {
    let fail = |problem| PhotoError {
        path: path.to_path_buf(),
        problem,
    };
    let (file, size_bytes) = open_regular(path).map_err(fail)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size_bytes).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| fail(PhotoProblem::Io(err)))?;
    decode_bytes(&bytes).map_err(fail)
}

/// Checks a photo without decoding its pixels: a regular file within the size limits, a
/// JPEG, PNG or WebP by its content, a readable header, and complete (its end marker is
/// there). Reads the first 128 KiB and the last few KiB of the file.
pub fn check(path: &Path) -> Result<PhotoInfo, PhotoError> {
    check_file(path).map_err(|problem| PhotoError {
        path: path.to_path_buf(),
        problem,
    })
}

fn check_file(path: &Path) -> Result<PhotoInfo, PhotoProblem> {
    let (file, size_bytes) = open_regular(path)?;
    let mut reader = BufReader::new(file);
    let mut prefix = Vec::new();
    reader
        .by_ref()
        .take(HEADER_PREFIX_BYTES)
        .read_to_end(&mut prefix)
        .map_err(PhotoProblem::Io)?;
    let format = sniff(&prefix)?;
    let header = match read_header(Cursor::new(&prefix), format) {
        Ok(header) => header,
        // The header did not fit in the prefix (a huge EXIF or ICC block): read it all.
        Err(PhotoProblem::Truncated(_) | PhotoProblem::DamagedHeader(_))
            if (prefix.len() as u64) < size_bytes =>
        {
            reader.seek(SeekFrom::Start(0)).map_err(PhotoProblem::Io)?;
            read_header(&mut reader, format)?
        }
        Err(problem) => return Err(problem),
    };
    structure::check_complete(format, &mut reader, size_bytes)?;
    Ok(header)
}

/// Decodes a whole photo file held in memory.
fn decode_bytes(bytes: &[u8]) -> Result<DynamicImage, PhotoProblem> {
    let size_bytes = bytes.len() as u64;
    if size_bytes > MAX_FILE_BYTES {
        return Err(PhotoProblem::FileTooLarge { size_bytes });
    }
    let format = sniff(bytes)?;
    structure::check_complete(format, &mut Cursor::new(bytes), size_bytes)?;
    let mut decoder = header_decoder(Cursor::new(bytes), format)?;
    let (width_px, height_px) = decoder.dimensions();
    check_size(width_px, height_px, decoder.total_bytes())?;
    decoder
        .set_limits(decode_limits(true))
        .map_err(|err| PhotoProblem::DamagedHeader(one_line(&err)))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(data_error)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Opens `path` if it is a regular file (after following links) within [`MAX_FILE_BYTES`];
/// returns it with its size. Never opens a FIFO or device, so it never blocks.
fn open_regular(path: &Path) -> Result<(File, u64), PhotoProblem> {
    let metadata = fs::metadata(path).map_err(metadata_error)?;
    check_regular(&metadata)?;
    let file = open_nonblocking(path).map_err(metadata_error)?;
    // The path may have been swapped for something else since the first look.
    let metadata = file.metadata().map_err(PhotoProblem::Io)?;
    check_regular(&metadata)?;
    Ok((file, metadata.len()))
}

fn check_regular(metadata: &Metadata) -> Result<(), PhotoProblem> {
    if !metadata.is_file() {
        return Err(PhotoProblem::NotAFile {
            kind: describe_file_type(metadata),
        });
    }
    match metadata.len() {
        0 => Err(PhotoProblem::Empty),
        size_bytes if size_bytes > MAX_FILE_BYTES => Err(PhotoProblem::FileTooLarge { size_bytes }),
        _ => Ok(()),
    }
}

fn metadata_error(err: io::Error) -> PhotoProblem {
    if err.kind() == io::ErrorKind::NotFound {
        PhotoProblem::NotFound
    } else if is_link_loop(&err) {
        PhotoProblem::NotAFile {
            kind: "a symbolic link that loops back on itself",
        }
    } else {
        PhotoProblem::Io(err)
    }
}

/// True for the error a symbolic link loop gives.
pub(crate) fn is_link_loop(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
}

/// Opens for reading without blocking: should a FIFO slip in between the metadata check and
/// the open, opening it returns at once instead of waiting for a writer.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// `a folder`, `a FIFO (named pipe)`, `a socket`, ... for anything that is not a regular file.
pub(crate) fn describe_file_type(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// The format by the file's first bytes; only JPEG, PNG and WebP pass.
fn sniff(prefix: &[u8]) -> Result<ImageFormat, PhotoProblem> {
    match image::guess_format(prefix) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        Ok(other) => Err(PhotoProblem::UnsupportedFormat {
            format: other
                .extensions_str()
                .first()
                .copied()
                .unwrap_or("other")
                .to_uppercase(),
        }),
        Err(_) => Err(PhotoProblem::NotAnImage),
    }
}

/// Reads the header and checks the photo's size against the limits.
fn read_header<R: BufRead + Seek>(
    reader: R,
    format: ImageFormat,
) -> Result<PhotoInfo, PhotoProblem> {
    let decoder = header_decoder(reader, format)?;
    let (width_px, height_px) = decoder.dimensions();
    check_size(width_px, height_px, decoder.total_bytes())?;
    Ok(PhotoInfo {
        format,
        width_px,
        height_px,
    })
}

/// A decoder that has read the header only. The size limits are left to [`check_size`], which
/// words them; the allocation limit bounds what the header itself may need.
fn header_decoder<'a, R: BufRead + Seek + 'a>(
    reader: R,
    format: ImageFormat,
) -> Result<impl ImageDecoder + 'a, PhotoProblem> {
    let mut reader = ImageReader::with_format(reader, format);
    reader.limits(decode_limits(false));
    reader.into_decoder().map_err(|err| match err {
        ImageError::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
            PhotoProblem::Truncated("it ends inside its header")
        }
        other => PhotoProblem::DamagedHeader(one_line(&other)),
    })
}

/// vitrine's decoding limits; the side limits only when `with_sides` (see [`header_decoder`]).
fn decode_limits(with_sides: bool) -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    if with_sides {
        limits.max_image_width = Some(MAX_SIDE_PX);
        limits.max_image_height = Some(MAX_SIDE_PX);
    }
    limits
}

/// Refuses photos over [`MAX_SIDE_PX`] or [`MAX_DECODED_BYTES`], or without pixels.
fn check_size(width_px: u32, height_px: u32, decoded_bytes: u64) -> Result<(), PhotoProblem> {
    if width_px == 0 || height_px == 0 {
        return Err(PhotoProblem::NoPixels);
    }
    if width_px > MAX_SIDE_PX || height_px > MAX_SIDE_PX {
        return Err(PhotoProblem::TooManyPixels {
            width_px,
            height_px,
        });
    }
    if decoded_bytes > MAX_DECODED_BYTES {
        return Err(PhotoProblem::TooMuchMemory {
            width_px,
            height_px,
            decoded_bytes,
        });
    }
    Ok(())
}

fn data_error(err: ImageError) -> PhotoProblem {
    match err {
        ImageError::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
            PhotoProblem::Truncated("its image data stops before the end")
        }
        other => PhotoProblem::DamagedData(one_line(&other)),
    }
}

/// Decoder messages may span lines; a problem is one line.
fn one_line(err: &ImageError) -> String {
    err.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
