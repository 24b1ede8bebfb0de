//! Separating the garment from its background (studio white, floors, beds, walls, hangers)
//! before its colours are described.
//!
//! The method, on the photo shrunk to at most [`MASK_SIDE_PX`] pixels a side, in CIELAB:
//!
//! 1. **Background model from the border.** The pixels of the outer ring (the photo's edge,
//!    [`BORDER_PX`] deep) are clustered into at most three colour modes with k-means; modes
//!    that cover less than a tenth of the ring (a sleeve or a shoe that touches the edge) are
//!    dropped. Each mode gets a tolerance from its own spread (a wooden floor is allowed more
//!    variation than a white sweep).
//! 2. **Centre prior.** The tolerance shrinks towards the middle of the photo, where the garment
//!    usually is: it is multiplied by `1 - 0.6 × exp(-r² / 2·0.25²)`, `r` the distance from
//!    the centre in fractions of the photo's size.
//! 3. **Connected to the border.** A pixel is background when it is within tolerance of a mode
//!    *and* connected to the border through such pixels (a flood fill from the ring), so white
//!    buttons on a dark coat stay part of the coat.
//! 4. **Fallback.** When less than 8 % of the photo is left (a garment the colour of its
//!    background), the mask is the central ellipse instead.

use image::imageops::FilterType;
use image::RgbImage;

use super::kmeans::kmeans;
use super::lab::{Lab, LabConverter};

/// Photos are shrunk to at most this many pixels a side before masking.
pub const MASK_SIDE_PX: u32 = 96;
/// Depth of the border ring the background model is seeded from.
pub const BORDER_PX: u32 = 3;
/// Below this share of foreground, the central ellipse is used instead.
const MIN_FOREGROUND: f32 = 0.08;

/// Which pixels of a (shrunk) photo are garment.
#[derive(Clone, Debug, PartialEq)]
pub struct GarmentMask {
    /// Width of the shrunk photo.
    pub width_px: u32,
    /// Height of the shrunk photo.
    pub height_px: u32,
    /// Row-major, true for garment pixels.
    pub garment: Vec<bool>,
    /// The Lab colour of every pixel, row-major.
    pub lab: Vec<Lab>,
    /// True when the border model left too little and the central ellipse was used.
    pub fallback: bool,
}

impl GarmentMask {
    /// Share of the pixels that are garment.
    pub fn garment_share(&self) -> f32 {
        let n = self.garment.len().max(1);
        self.garment.iter().filter(|g| **g).count() as f32 / n as f32
    }

    /// True when the pixel at (x, y) is garment.
    pub fn is_garment(&self, x: u32, y: u32) -> bool {
        let i = (y * self.width_px + x) as usize;
        self.garment.get(i).copied().unwrap_or(false)
    }

    /// The mask as a picture: garment in its own colours, background dimmed to grey.
    pub fn debug_image(&self, photo: &RgbImage) -> RgbImage {
        let small = shrink(photo);
        let mut out = small.clone();
        for (i, px) in out.pixels_mut().enumerate() {
            if !self.garment.get(i).copied().unwrap_or(false) {
                *px = dimmed(*px);
            }
        }
        out
    }
}

impl GarmentMask {
    /// The mask laid over `photo` (the photo it was computed from, at any size): garment in
    /// its own colours, background dimmed to a bluish grey. Sharper than
    /// [`GarmentMask::debug_image`], for showing in the window.
    pub fn overlay(&self, photo: &RgbImage) -> RgbImage {
        let (w, h) = photo.dimensions();
        let mut out = photo.clone();
        if self.width_px == 0 || self.height_px == 0 {
            return out;
        }
        for (x, y, px) in out.enumerate_pixels_mut() {
            let mx = (x as u64 * u64::from(self.width_px) / u64::from(w.max(1))) as u32;
            let my = (y as u64 * u64::from(self.height_px) / u64::from(h.max(1))) as u32;
            if !self.is_garment(mx, my) {
                *px = dimmed(*px);
            }
        }
        out
    }
}

/// A background pixel as the mask pictures show it.
fn dimmed(px: image::Rgb<u8>) -> image::Rgb<u8> {
    let g = (u16::from(px[0]) + u16::from(px[1]) + u16::from(px[2])) / 12 + 40;
    image::Rgb([g as u8, g as u8, (g + 40).min(255) as u8])
}

fn shrink(photo: &RgbImage) -> RgbImage {
    let (w, h) = photo.dimensions();
    let scale = (MASK_SIDE_PX as f32 / w.max(h).max(1) as f32).min(1.0);
    let nw = ((w as f32 * scale).round() as u32).max(1);
    let nh = ((h as f32 * scale).round() as u32).max(1);
    image::imageops::resize(photo, nw, nh, FilterType::Triangle)
}

/// The centre prior at (x, y): 1 in the middle, falling off towards the edges.
fn centre_prior(x: u32, y: u32, w: u32, h: u32) -> f32 {
    let dx = (x as f32 + 0.5) / w as f32 - 0.5;
    let dy = (y as f32 + 0.5) / h as f32 - 0.5;
    (-(dx * dx + dy * dy) / (2.0 * 0.25 * 0.25)).exp()
}

/// A background colour mode: its centre and squared tolerance.
struct Mode {
    centre: Lab,
    tolerance_sq: f32,
}

fn background_modes(border: &[Lab]) -> Vec<Mode> {
    let clusters = kmeans(border, 3, 8);
    let total = border.len().max(1) as f32;
    clusters
        .into_iter()
        .filter(|c| c.weight / total >= 0.10)
        .map(|c| {
            // Tolerance: 2.5 times the mode's RMS spread, between 7 and 22 ΔE.
            let tol = (2.5 * c.spread_sq.sqrt()).clamp(7.0, 22.0);
            Mode {
                centre: c.centre,
                tolerance_sq: tol * tol,
            }
        })
        .collect()
}

/// Computes the garment mask of a photo (see the module documentation).
pub fn garment_mask(photo: &RgbImage, converter: &LabConverter) -> GarmentMask {
    let small = shrink(photo);
    let (w, h) = small.dimensions();
    let lab: Vec<Lab> = small.pixels().map(|p| converter.convert(p.0)).collect();
    let on_border =
        |x: u32, y: u32| x < BORDER_PX || y < BORDER_PX || x + BORDER_PX >= w || y + BORDER_PX >= h;
    let mut border = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if on_border(x, y) {
                border.push(lab[(y * w + x) as usize]);
            }
        }
    }
    let modes = background_modes(&border);
    let background_like: Vec<bool> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let shrink = 1.0 - 0.6 * centre_prior(x, y, w, h);
            let c = lab[i as usize];
            modes
                .iter()
                .any(|m| c.distance_sq(m.centre) < m.tolerance_sq * shrink * shrink)
        })
        .collect();
    let background = flood_from_border(&background_like, w, h, on_border);
    let mut garment: Vec<bool> = background.iter().map(|b| !b).collect();
    let share = garment.iter().filter(|g| **g).count() as f32 / (w * h).max(1) as f32;
    let fallback = share < MIN_FOREGROUND;
    if fallback {
        garment = (0..w * h)
            .map(|i| centre_prior(i % w, i / w, w, h) > 0.5)
            .collect();
    }
    GarmentMask {
        width_px: w,
        height_px: h,
        garment,
        lab,
        fallback,
    }
}

/// Pixels marked in `passable` that are connected (4-neighbours) to a border pixel through
/// marked pixels.
fn flood_from_border(
    passable: &[bool],
    w: u32,
    h: u32,
    on_border: impl Fn(u32, u32) -> bool,
) -> Vec<bool> {
    let mut reached = vec![false; passable.len()];
    let mut stack: Vec<u32> = (0..w * h)
        .filter(|&i| on_border(i % w, i / w) && passable[i as usize])
        .collect();
    for &i in &stack {
        reached[i as usize] = true;
    }
    while let Some(i) = stack.pop() {
        let (x, y) = (i % w, i / w);
        let mut visit = |j: u32| {
            let j_us = j as usize;
            if passable[j_us] && !reached[j_us] {
                reached[j_us] = true;
                stack.push(j);
            }
        };
        if x > 0 {
            visit(i - 1);
        }
        if x + 1 < w {
            visit(i + 1);
        }
        if y > 0 {
            visit(i - w);
        }
        if y + 1 < h {
            visit(i + w);
        }
    }
    reached
}
