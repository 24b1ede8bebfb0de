//! On-disk cache of photo palettes, keyed by the photo's content hash (the same xxh3-128 hash
//! as the embedding cache), so colours are computed once per photo.
//!
//! # Format
//!
//! One file, `palettes.bin`, in the cache folder: the 8 magic bytes [`MAGIC`] (which carry
//! the format version), then one record per photo: the 16 little-endian bytes of the hash and
//! [`PALETTE_COLOURS`] × (L, a, b, share) as little-endian `f32` (share 0 for unused slots):
//! 144 bytes a photo, 14 MB for 100,000. It is rewritten whole and durably
//! ([`crate::durable`]). A file with another magic, or a cut-short last record, is ignored
//! with a note and rebuilt.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::lab::Lab;
use super::{Palette, PALETTE_COLOURS};

/// Magic bytes at the start of the file; the last digit is the format version.
pub const MAGIC: &[u8; 8] = b"VTPALET1";
const RECORD_BYTES: usize = 16 + PALETTE_COLOURS * 16;

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
        for record in body.chunks_exact(RECORD_BYTES) {
            let mut hash = [0u8; 16];
            hash.copy_from_slice(&record[..16]);
            let floats: Vec<f32> = record[16..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
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
            self.palettes
                .insert(u128::from_le_bytes(hash), Palette { colours });
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
            bytes.extend_from_slice(&h.to_le_bytes());
            let colours = &self.palettes[h].colours;
            for slot in 0..PALETTE_COLOURS {
                let (c, share) = colours.get(slot).copied().unwrap_or_default();
                for v in [c.l, c.a, c.b, share] {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        crate::durable::write_file(&self.path, &bytes)?;
        self.unsaved = 0;
        Ok(())
    }
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
}
