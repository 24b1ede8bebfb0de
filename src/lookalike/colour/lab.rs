//! sRGB to CIELAB (D65 white), the perceptual space colours are compared in: a Euclidean
//! distance of about 2.3 in Lab is a just-noticeable difference.

/// A colour in CIELAB: `l` in [0, 100], `a` and `b` roughly in [-128, 127].
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lab {
    /// Lightness.
    pub l: f32,
    /// Green (negative) to red (positive).
    pub a: f32,
    /// Blue (negative) to yellow (positive).
    pub b: f32,
}

impl Lab {
    /// Squared Euclidean distance (ΔE76²).
    pub fn distance_sq(self, other: Lab) -> f32 {
        let (dl, da, db) = (self.l - other.l, self.a - other.a, self.b - other.b);
        dl * dl + da * da + db * db
    }
}

/// sRGB component (0-255) to linear light (0-1).
fn linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn lab_f(t: f32) -> f32 {
    const EPS: f32 = 216.0 / 24389.0;
    const KAPPA: f32 = 24389.0 / 27.0;
    if t > EPS {
        t.cbrt()
    } else {
        (KAPPA * t + 16.0) / 116.0
    }
}

/// Converts sRGB pixels to Lab; a lookup table keeps the gamma step cheap.
pub struct LabConverter {
    linear: [f32; 256],
}

impl Default for LabConverter {
    fn default() -> Self {
        let mut table = [0.0f32; 256];
        for (i, v) in table.iter_mut().enumerate() {
            *v = linear(i as u8);
        }
        Self { linear: table }
    }
}

impl LabConverter {
    /// The Lab colour of an sRGB pixel.
    pub fn convert(&self, rgb: [u8; 3]) -> Lab {
        let [r, g, b] = rgb.map(|c| self.linear[usize::from(c)]);
        // sRGB (D65) to XYZ, divided by the D65 white point.
        let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47;
        let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
        let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83;
        let (fx, fy, fz) = (lab_f(x), lab_f(y), lab_f(z));
        Lab {
            l: 116.0 * fy - 16.0,
            a: 500.0 * (fx - fy),
            b: 200.0 * (fy - fz),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_colours_convert_to_their_lab_values() {
        let c = LabConverter::default();
        let white = c.convert([255, 255, 255]);
        assert!((white.l - 100.0).abs() < 0.1 && white.a.abs() < 0.1 && white.b.abs() < 0.1);
        let black = c.convert([0, 0, 0]);
        assert!(black.l.abs() < 0.1);
        // sRGB red is about (53.2, 80.1, 67.2).
        let red = c.convert([255, 0, 0]);
        assert!((red.l - 53.24).abs() < 0.3, "{red:?}");
        assert!(
            (red.a - 80.09).abs() < 0.5 && (red.b - 67.20).abs() < 0.5,
            "{red:?}"
        );
        let blue = c.convert([0, 0, 255]);
        assert!(blue.b < -100.0);
    }
}
