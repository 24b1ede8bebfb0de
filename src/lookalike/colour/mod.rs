//! The colour similarity: a palette of the garment's colours (background removed, see
//! [`mask`]) compared in CIELAB with a measure that knows which colours are close.
//!
//! - **Palette.** The garment pixels of the shrunk photo are clustered with k-means into at
//!   most [`PALETTE_COLOURS`] Lab colours with their shares; this is all that is cached per
//!   photo ([`cache`], 16 bytes of hash + 128 bytes of palette).
//! - **Descriptor.** The palette is spread over a fixed grid of Lab bins (L 5 × a 7 × b 7) with
//!   a Gaussian of [`SIGMA_LAB`] ΔE: a soft histogram, L2-normalised.
//! - **Similarity.** The dot product of two descriptors. For soft histograms `Kh` and `Kg`
//!   (`K` the Gaussian kernel between colours and bins) this is `hᵀ(KᵀK)g` normalised: a
//!   quadratic-form similarity whose cross-bin matrix `KᵀK` is itself a Gaussian of how far
//!   apart two colours are. Navy and blue are near, navy and red are not, and the whole
//!   catalogue is compared with one matrix product.

pub mod cache;
pub mod kmeans;
pub mod lab;
pub mod mask;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use lab::{Lab, LabConverter};
use mask::garment_mask;

/// Colours kept in a photo's palette.
pub const PALETTE_COLOURS: usize = 8;
/// Width of the Gaussian that spreads a palette colour over the Lab bins, in ΔE (after
/// lightness is scaled by [`LIGHTNESS_WEIGHT`]).
pub const SIGMA_LAB: f32 = 8.0;
/// Lightness differences count half as much as hue and chroma ones: the same garment is
/// lighter or darker from one photo to the next, its hue much less so.
pub const LIGHTNESS_WEIGHT: f32 = 0.5;
const L_BINS: [f32; 5] = [10.0, 30.0, 50.0, 70.0, 90.0];
const AB_BINS: [f32; 7] = [-60.0, -40.0, -20.0, 0.0, 20.0, 40.0, 60.0];
/// Length of a colour descriptor.
pub const DESCRIPTOR_LEN: usize = L_BINS.len() * AB_BINS.len() * AB_BINS.len();

/// A garment's colours and their shares (shares sum to 1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Palette {
    /// Colours, largest share first.
    pub colours: Vec<(Lab, f32)>,
}

impl Palette {
    /// The palette of a photo's garment pixels.
    pub fn of_photo(photo: &RgbImage, converter: &LabConverter) -> Palette {
        let mask = garment_mask(photo, converter);
        let pixels: Vec<Lab> = mask
            .lab
            .iter()
            .zip(&mask.garment)
            .filter(|(_, g)| **g)
            .map(|(c, _)| *c)
            .collect();
        Palette::of_pixels(&pixels)
    }

    /// The palette of a set of Lab pixels.
    pub fn of_pixels(pixels: &[Lab]) -> Palette {
        let clusters = kmeans::kmeans(pixels, PALETTE_COLOURS, 8);
        let total: f32 = clusters.iter().map(|c| c.weight).sum();
        Palette {
            colours: clusters
                .iter()
                .map(|c| (c.centre, c.weight / total.max(1.0)))
                .collect(),
        }
    }

    /// The soft Lab histogram of the palette, L2-normalised (zero for an empty palette).
    pub fn descriptor(&self) -> Vec<f32> {
        let mut d = vec![0.0f32; DESCRIPTOR_LEN];
        let inv = 1.0 / (2.0 * SIGMA_LAB * SIGMA_LAB);
        for (c, share) in &self.colours {
            let c = Lab {
                l: c.l * LIGHTNESS_WEIGHT,
                ..*c
            };
            let mut k = 0;
            for l in L_BINS {
                for a in AB_BINS {
                    for b in AB_BINS {
                        let bin = Lab {
                            l: l * LIGHTNESS_WEIGHT,
                            a,
                            b,
                        };
                        d[k] += share * (-c.distance_sq(bin) * inv).exp();
                        k += 1;
                    }
                }
            }
        }
        crate::index::normalize(&mut d);
        d
    }
}

/// The colour descriptors of every catalogue item, centred on the catalogue's mean descriptor
/// and normalised again (as the shape embeddings are): the colours every photo shares (skin,
/// the leftovers of a background) stop counting, which lifts same-colour lookalikes on the
/// demo from 40 % to 44 %.
#[derive(Clone, Debug, Default)]
pub struct CatalogueColours {
    /// One row of [`DESCRIPTOR_LEN`] values per item, all zero where the photo could not be
    /// read.
    pub descriptors: Vec<f32>,
    /// The mean descriptor subtracted from each.
    pub mean: Vec<f32>,
    /// False where the item's photo could not be read.
    pub present: Vec<bool>,
}

impl CatalogueColours {
    /// Builds the descriptors from one optional palette per item.
    /// Each raw descriptor is written once, into the flat buffer, and centred there (no
    /// second copy of every descriptor is alive at any time).
    pub fn from_palettes(palettes: &[Option<Palette>]) -> Self {
        let mut descriptors = Vec::with_capacity(palettes.len() * DESCRIPTOR_LEN);
        for p in palettes {
            match p {
                Some(p) => descriptors.extend(p.descriptor()),
                None => descriptors.extend(std::iter::repeat_n(0.0, DESCRIPTOR_LEN)),
            }
        }
        let present: Vec<bool> = palettes.iter().map(Option::is_some).collect();
        let rows = || {
            descriptors
                .chunks_exact(DESCRIPTOR_LEN)
                .zip(&present)
                .filter_map(|(d, &p)| p.then_some(d))
        };
        let mut mean = vec![0.0f32; DESCRIPTOR_LEN];
        let count = rows().count();
        for d in rows() {
            mean.iter_mut()
                .zip(d)
                .for_each(|(m, x)| *m += x / count as f32);
        }
        for (d, _) in descriptors
            .chunks_exact_mut(DESCRIPTOR_LEN)
            .zip(&present)
            .filter(|(_, &p)| p)
        {
            d.iter_mut().zip(&mean).for_each(|(x, m)| *x -= m);
            crate::index::normalize(d);
        }
        Self {
            descriptors,
            mean,
            present,
        }
    }

    /// A descriptor centred on the catalogue's mean and normalised, ready to compare with the
    /// items' (a dropped photo's goes through here).
    pub fn centre(&self, mut descriptor: Vec<f32>) -> Vec<f32> {
        if self.mean.len() == descriptor.len() {
            descriptor
                .iter_mut()
                .zip(&self.mean)
                .for_each(|(x, m)| *x -= m);
        }
        crate::index::normalize(&mut descriptor);
        descriptor
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.present.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// The descriptor of an item.
    pub fn descriptor(&self, item: usize) -> Option<&[f32]> {
        let start = item.checked_mul(DESCRIPTOR_LEN)?;
        self.descriptors.get(start..start + DESCRIPTOR_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colour_photo(bg: [u8; 3], garment: [u8; 3]) -> RgbImage {
        RgbImage::from_fn(120, 160, |x, y| {
            let inside = (30..90).contains(&x) && (30..130).contains(&y);
            image::Rgb(if inside { garment } else { bg })
        })
    }

    fn similarity(a: &Palette, b: &Palette) -> f32 {
        a.descriptor()
            .iter()
            .zip(b.descriptor())
            .map(|(x, y)| x * y)
            .sum()
    }

    #[test]
    fn the_background_is_left_out_of_the_palette() {
        let conv = LabConverter::default();
        let p = Palette::of_photo(&colour_photo([245, 245, 245], [200, 20, 30]), &conv);
        assert!(p.colours[0].0.a > 50.0, "the main colour is red: {p:?}");
        // k-means may split the red garment into close shades: count every red one.
        let share = |red: bool| -> f32 {
            p.colours
                .iter()
                .filter(|(lab, _)| (lab.a > 30.0) == red)
                .map(|(_, w)| w)
                .sum()
        };
        assert!(share(true) > 0.9, "{p:?}");
        assert!(
            share(false) < 0.1,
            "little of the white background is left: {p:?}"
        );
    }

    #[test]
    fn near_colours_are_more_similar_than_far_ones() {
        let conv = LabConverter::default();
        let white = [240, 240, 240];
        let navy = Palette::of_photo(&colour_photo(white, [20, 30, 90]), &conv);
        let blue = Palette::of_photo(&colour_photo(white, [40, 70, 160]), &conv);
        let red = Palette::of_photo(&colour_photo(white, [190, 20, 30]), &conv);
        // The same garment on another background keeps its colour.
        let navy_on_wood = Palette::of_photo(&colour_photo([150, 110, 70], [20, 30, 90]), &conv);
        assert!(similarity(&navy, &blue) > similarity(&navy, &red));
        assert!(similarity(&navy, &navy_on_wood) > 0.95);
        assert!((similarity(&red, &red) - 1.0).abs() < 1e-4);
    }
}
