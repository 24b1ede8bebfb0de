//! A small deterministic k-means over Lab colours (photo palettes and border modes).

use super::lab::Lab;

/// One cluster found by [`kmeans`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cluster {
    /// Mean colour of its members.
    pub centre: Lab,
    /// Number of members.
    pub weight: f32,
    /// Mean squared distance of its members to the centre.
    pub spread_sq: f32,
}

/// Clusters `points` into at most `k` colours with `iterations` Lloyd steps. Deterministic:
/// the first centre is the point nearest the mean, each next one the point farthest from the
/// centres chosen so far. Empty clusters are dropped; the result is sorted by weight, largest
/// first.
pub fn kmeans(points: &[Lab], k: usize, iterations: usize) -> Vec<Cluster> {
    if points.is_empty() || k == 0 {
        return Vec::new();
    }
    let mean = mean_of(points.iter().copied());
    let mut centres = vec![nearest_point(points, mean)];
    let mut nearest_sq: Vec<f32> = points.iter().map(|p| p.distance_sq(centres[0])).collect();
    while centres.len() < k {
        let Some((far, &d)) = nearest_sq
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
        else {
            break;
        };
        if d < 1.0 {
            break; // every point is within 1 ΔE of a centre: no more colours to find
        }
        let c = points[far];
        centres.push(c);
        for (n, p) in nearest_sq.iter_mut().zip(points) {
            *n = n.min(p.distance_sq(c));
        }
    }
    let mut assign = vec![0usize; points.len()];
    for _ in 0..iterations.max(1) {
        for (a, p) in assign.iter_mut().zip(points) {
            *a = closest(&centres, *p);
        }
        for (c, centre) in centres.iter_mut().enumerate() {
            let members = points.iter().zip(&assign).filter(|(_, a)| **a == c);
            let mut n = 0usize;
            let mut sum = [0.0f32; 3];
            for (p, _) in members {
                sum[0] += p.l;
                sum[1] += p.a;
                sum[2] += p.b;
                n += 1;
            }
            if n > 0 {
                let n = n as f32;
                *centre = Lab {
                    l: sum[0] / n,
                    a: sum[1] / n,
                    b: sum[2] / n,
                };
            }
        }
    }
    let mut clusters: Vec<Cluster> = centres
        .iter()
        .map(|&centre| Cluster {
            centre,
            weight: 0.0,
            spread_sq: 0.0,
        })
        .collect();
    for (p, &a) in points.iter().zip(&assign) {
        let c = &mut clusters[a];
        c.weight += 1.0;
        c.spread_sq += p.distance_sq(c.centre);
    }
    clusters.retain(|c| c.weight > 0.0);
    for c in &mut clusters {
        c.spread_sq /= c.weight;
    }
    clusters.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    clusters
}

fn mean_of(points: impl Iterator<Item = Lab>) -> Lab {
    let mut n = 0usize;
    let mut s = [0.0f32; 3];
    for p in points {
        s[0] += p.l;
        s[1] += p.a;
        s[2] += p.b;
        n += 1;
    }
    let n = n.max(1) as f32;
    Lab {
        l: s[0] / n,
        a: s[1] / n,
        b: s[2] / n,
    }
}

fn nearest_point(points: &[Lab], target: Lab) -> Lab {
    points
        .iter()
        .copied()
        .min_by(|a, b| a.distance_sq(target).total_cmp(&b.distance_sq(target)))
        .unwrap_or(target)
}

fn closest(centres: &[Lab], p: Lab) -> usize {
    let mut best = 0;
    let mut best_d = f32::INFINITY;
    for (i, c) in centres.iter().enumerate() {
        let d = p.distance_sq(*c);
        if d < best_d {
            best_d = d;
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_colour_groups_become_two_clusters() {
        let mut points = vec![
            Lab {
                l: 50.0,
                a: 60.0,
                b: 40.0
            };
            30
        ];
        points.extend(vec![
            Lab {
                l: 90.0,
                a: 0.0,
                b: 0.0
            };
            10
        ]);
        let c = kmeans(&points, 4, 5);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].weight, 30.0);
        assert!((c[0].centre.a - 60.0).abs() < 1e-3);
        assert!((c[1].centre.l - 90.0).abs() < 1e-3);
        assert!(kmeans(&[], 3, 5).is_empty());
    }
}
