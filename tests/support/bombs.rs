//! Hand-made photo files for the bad-input tests: a header can claim any size.

#![allow(dead_code)]

/// Appends a PNG chunk with its length and CRC.
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A few hundred bytes of PNG whose header claims `width_px` x `height_px` RGB pixels.
pub fn png_claiming(width_px: u32, height_px: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width_px.to_be_bytes());
    ihdr.extend_from_slice(&height_px.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    // Some image data: a zlib stream of zeros, far too short for the claimed size.
    let mut idat = vec![0x78, 0x01, 0x01, 0x00, 0x01, 0xFF, 0xFE];
    idat.extend_from_slice(&[0; 256]);
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A real JPEG (`bytes`) with its baseline frame header rewritten to claim `width_px` x
/// `height_px`.
pub fn jpeg_claiming_size(mut bytes: Vec<u8>, width_px: u16, height_px: u16) -> Vec<u8> {
    let sof = bytes
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0])
        .expect("baseline frame header");
    bytes[sof + 5..sof + 7].copy_from_slice(&height_px.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width_px.to_be_bytes());
    bytes
}
