//! On-disk cache of photo palettes, keyed by the photo's content hash (the same xxh3-128 hash
//! as the embedding cache), so colours are computed once per photo.
//!
//! # Format
//!
//! One file, `palettes.bin`, in the cache folder: the 8 magic bytes [`MAGIC`] (which carry
//! the format version), then one record per photo: the 16 little-endian bytes of the hash,
//! [`PALETTE_COLOURS`] × (L, a, b, share) as little-endian `f32` (share 0 for unused slots),
//! and the xxh3-64 checksum of those 144 bytes (8 bytes, little-endian): 152 bytes a photo,
//! 15 MB for 100,000. It is rewritten whole and durably ([`crate::durable`]).
//!
//! Nothing read is trusted on its header alone: a record whose checksum does not match its
//! bytes, or that holds a value that is not a finite number (or a share outside 0–1), is
//! dropped with a logged warning and a note, and that photo's colours are computed again. A
//! file with another magic (an older vitrine's included), or a cut-short last record, is
//! ignored with a note and rebuilt.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::lab::Lab;
use super::{Palette, PALETTE_COLOURS};

/// Magic bytes at the start of the file; the last digit is the format version.
pub const MAGIC: &[u8; 8] = b"VTPALET2";
/// Bytes of a record's hash and palette, the part its checksum covers.
const PAYLOAD_BYTES: usize = 16 + PALETTE_COLOURS * 16;
const RECORD_BYTES: usize = PAYLOAD_BYTES + 8;

/// Palettes by photo hash, read from and written to one file.
#[derive(Debug)]
pub struct PaletteCache {
    path: PathBuf,
    palettes: HashMap<u128, Palette>,
    unsaved: usize,
    notes: Vec<String>,
}

impl PaletteCache {
    /// Opens (or starts) the cache in `dir`; an unreadable file is a note, not an error.
    pub fn open(dir: &Path) -> Self {
        crate::durable::remove_leftovers(dir);
        let path = dir.join("palettes.bin");
        let mut cache = Self {
            path,
            palettes: HashMap::new(),
            unsaved: 0,
            notes: Vec::new(),
        };
        match std::fs::read(&cache.path) {
            Ok(bytes) => cache.read(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => cache.notes.push(format!(
                "the colour cache {} could not be read ({e}); colours are computed again",
                cache.path.display()
            )),
        }
        cache
    }

    fn read(&mut self, bytes: &[u8]) {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            self.notes.push(format!(
                "the colour cache {} is not in this vitrine's format; colours are computed again",
                self.path.display()
            ));
            return;
        }
        let body = &bytes[MAGIC.len()..];
        let mut damaged = 0usize;
        for record in body.chunks_exact(RECORD_BYTES) {
            match decode_record(record) {
                Some((hash, palette)) => {
                    self.palettes.insert(hash, palette);
                }
                None => damaged += 1,
            }
        }
        if damaged > 0 {
            let note = format!(
                "{damaged} record(s) of the colour cache {} are damaged (checksum or values); \
                 their colours are computed again",
                self.path.display()
            );
            log::warn!("{note}");
            self.notes.push(note);
            self.unsaved += 1;
        }
        if !body.len().is_multiple_of(RECORD_BYTES) {
            self.notes.push(format!(
                "the colour cache {} ends in a cut-short record; it is rewritten",
                self.path.display()
            ));
            self.unsaved += 1;
        }
    }

    /// What went wrong opening the cache, in words.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The palette of the photo with this hash.
    pub fn get(&self, hash: u128) -> Option<&Palette> {
        self.palettes.get(&hash)
    }

    /// Number of cached palettes.
    pub fn len(&self) -> usize {
        self.palettes.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.palettes.is_empty()
    }

    /// Palettes inserted since the last save.
    pub fn unsaved(&self) -> usize {
        self.unsaved
    }

    /// Remembers a palette (saved by the next [`PaletteCache::save`]).
    pub fn insert(&mut self, hash: u128, palette: Palette) {
        self.palettes.insert(hash, palette);
        self.unsaved += 1;
    }

    /// Writes the whole cache durably when something changed.
    pub fn save(&mut self) -> std::io::Result<()> {
        if self.unsaved == 0 {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut bytes = Vec::with_capacity(MAGIC.len() + self.palettes.len() * RECORD_BYTES);
        bytes.extend_from_slice(MAGIC);
        let mut hashes: Vec<&u128> = self.palettes.keys().collect();
        hashes.sort();
        for h in hashes {
            let start = bytes.len();
            bytes.extend_from_slice(&h.to_le_bytes());
            let colours = &self.palettes[h].colours;
            for slot in 0..PALETTE_COLOURS {
                let (c, share) = colours.get(slot).copied().unwrap_or_default();
                for v in [c.l, c.a, c.b, share] {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
            }
            let sum = xxhash_rust::xxh3::xxh3_64(&bytes[start..]);
            bytes.extend_from_slice(&sum.to_le_bytes());
        }
        crate::durable::write_file(&self.path, &bytes)?;
        self.unsaved = 0;
        Ok(())
    }
}

/// A record's hash and palette, or `None` when its checksum or its values are wrong.
fn decode_record(record: &[u8]) -> Option<(u128, Palette)> {
    let (payload, sum) = record.split_at(PAYLOAD_BYTES);
    let expected = u64::from_le_bytes(sum.try_into().ok()?);
    if xxhash_rust::xxh3::xxh3_64(payload) != expected {
        return None;
    }
    let hash = u128::from_le_bytes(payload[..16].try_into().ok()?);
    let floats: Vec<f32> = payload[16..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let plausible = floats.iter().all(|v| v.is_finite())
        && floats.chunks_exact(4).all(|c| (0.0..=1.0).contains(&c[3]));
    if !plausible {
        return None;
    }
    let colours = floats
        .chunks_exact(4)
        .filter(|c| c[3] > 0.0)
        .map(|c| {
            (
                Lab {
                    l: c[0],
                    a: c[1],
                    b: c[2],
                },
                c[3],
            )
        })
        .collect();
    Some((hash, Palette { colours }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palettes_survive_a_save_and_a_damaged_file_is_a_note() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cache = PaletteCache::open(dir.path());
        assert!(cache.is_empty() && cache.notes().is_empty());
        let p = Palette {
            colours: vec![
                (
                    Lab {
                        l: 40.0,
                        a: 10.0,
                        b: -20.0,
                    },
                    0.75,
                ),
                (Lab::default(), 0.25),
            ],
        };
        cache.insert(7, p.clone());
        cache.save().expect("save");
        let again = PaletteCache::open(dir.path());
        assert_eq!(again.get(7), Some(&p));
        std::fs::write(dir.path().join("palettes.bin"), b"garbage!").expect("write");
        let broken = PaletteCache::open(dir.path());
        assert!(broken.is_empty());
        assert_eq!(broken.notes().len(), 1);
    }

    #[test]
    fn a_flipped_bit_or_a_nan_drops_that_record_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cache = PaletteCache::open(dir.path());
        let palette = |l: f32| Palette {
            colours: vec![(Lab { l, a: 1.0, b: 2.0 }, 1.0)],
        };
        for h in 0..4u128 {
            cache.insert(h, palette(10.0 * h as f32));
        }
        cache.save().expect("save");
        let file = dir.path().join("palettes.bin");
        let mut bytes = std::fs::read(&file).expect("read");
        // Records are sorted by hash: flip one bit in record 1's colours.
        bytes[MAGIC.len() + RECORD_BYTES + 20] ^= 0x04;
        // Record 2 holds a NaN with a checksum that matches it.
        let at = MAGIC.len() + 2 * RECORD_BYTES;
        bytes[at + 16..at + 20].copy_from_slice(&f32::NAN.to_le_bytes());
        let sum = xxhash_rust::xxh3::xxh3_64(&bytes[at..at + PAYLOAD_BYTES]);
        bytes[at + PAYLOAD_BYTES..at + RECORD_BYTES].copy_from_slice(&sum.to_le_bytes());
        std::fs::write(&file, &bytes).expect("write");

        let mut damaged = PaletteCache::open(dir.path());
        assert_eq!(damaged.len(), 2);
        assert_eq!(damaged.get(0), Some(&palette(0.0)));
        assert_eq!(damaged.get(3), Some(&palette(30.0)));
        assert!(damaged.get(1).is_none() && damaged.get(2).is_none());
        assert_eq!(damaged.notes().len(), 1, "{:?}", damaged.notes());
        assert!(damaged.notes()[0].contains("2 record(s)"));
        // Recomputed colours are inserted and the file is clean again.
        damaged.insert(1, palette(10.0));
        damaged.insert(2, palette(20.0));
        damaged.save().expect("save");
        let clean = PaletteCache::open(dir.path());
        assert_eq!(clean.len(), 4);
        assert!(clean.notes().is_empty());
    }
}
