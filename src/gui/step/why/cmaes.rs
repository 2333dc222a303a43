//! CMA-ES's reasons over the x/y parameters: the 1σ and 2σ ellipses of N(mean, σ²C)
//! projected onto them, the mean, this generation's members so far and the proposal.

use super::{Frame, MODEL, WhyInput, pair_plot};
use crate::gui::i18n::{fill, tr};
use crate::strategy::explain::CmaWhy;
use eframe::egui::{self, Color32};
use egui_plot::{Line, LineStyle, MarkerShape, Points};

/// Points per ellipse.
const SEGMENTS: usize = 96;

/// The ellipse `{m + k·L·(cos t, sin t)}` of the 2×2 covariance `s` (unit coordinates),
/// where `L Lᵀ = s`, as a closed polyline. `None` unless `s` is a covariance.
pub fn ellipse(mean: [f64; 2], s: [[f64; 2]; 2], k: f64) -> Option<Vec<[f64; 2]>> {
    // Cholesky factor of the 2×2 block.
    let a = s[0][0];
    if !(a > 0.0 && a.is_finite()) {
        return None;
    }
    let l00 = a.sqrt();
    let l10 = s[1][0] / l00;
    let rest = s[1][1] - l10 * l10;
    if !(rest >= 0.0 && rest.is_finite()) {
        return None;
    }
    let l11 = rest.sqrt();
    Some(
        (0..=SEGMENTS)
            .map(|i| {
                let t = std::f64::consts::TAU * i as f64 / SEGMENTS as f64;
                let (c, sn) = (t.cos(), t.sin());
                [mean[0] + k * l00 * c, mean[1] + k * (l10 * c + l11 * sn)]
            })
            .collect(),
    )
}

/// Draw the distribution and the generation.
pub fn show(ui: &mut egui::Ui, input: &WhyInput<'_>, frame: &Frame, why: &CmaWhy, height: f32) {
    let (x, y) = (frame.params.x, frame.params.y);
    let cov = |i: usize, j: usize| {
        why.covariance
            .get(i)
            .and_then(|r| r.get(j))
            .copied()
            .unwrap_or(0.0)
            * why.sigma
            * why.sigma
    };
    let block = [[cov(x, x), cov(x, y)], [cov(y, x), cov(y, y)]];
    let mean_u = [
        why.mean.get(x).copied().unwrap_or(0.5),
        why.mean.get(y).copied().unwrap_or(0.5),
    ];
    let sentence = if frame.pair().is_some() {
        tr(
            "Generation {} (λ = {}{}): every member is an independent draw from N(m, σ²C), σ = {}. Rings: 1σ and 2σ of that distribution on {} and {}.",
        )
    } else {
        tr(
            "Generation {} (λ = {}{}): every member is an independent draw from N(m, σ²C), σ = {}. Curve: that distribution's density along {}{}; bars: its 1σ and 2σ intervals.",
        )
    };
    ui.label(fill(
        sentence,
        &[
            &why.generation,
            &why.lambda,
            &if why.restarts > 0 {
                fill(tr(", after {} restart(s)"), &[&why.restarts])
            } else {
                String::new()
            },
            &super::short(why.sigma),
            &frame.axes[x].name,
            &if frame.pair().is_some() {
                frame.axes.get(y).map_or("", |a| a.name.as_str())
            } else {
                ""
            },
        ],
    ));
    // In the unit square, then mapped to plot coordinates (log axes are linear in u).
    let to_plot = |ring: Vec<[f64; 2]>| -> Vec<[f64; 2]> {
        ring.into_iter()
            .filter_map(|p| {
                let mut u = why.mean.clone();
                u[x] = p[0];
                u[y] = p[1];
                frame.xy(&u)
            })
            .collect()
    };
    let rings: Vec<(Vec<[f64; 2]>, &str)> = [(1.0, "1σ"), (2.0, "2σ")]
        .into_iter()
        .filter_map(|(k, name)| ellipse(mean_u, block, k).map(|e| (to_plot(e), name)))
        .collect();
    let mean = frame.xy(&why.mean);
    // This generation's earlier members are the trials just before the proposal.
    let members: Vec<[f64; 2]> = input
        .study
        .trials
        .iter()
        .rev()
        .take(why.member)
        .filter_map(|t| frame.xy(&t.point))
        .collect();
    if frame.pair().is_none() {
        super::line::cmaes(ui, input, frame, why, height);
        return;
    }
    pair_plot(ui, "why_cmaes", input, frame, height, |plot| {
        for (ring, name) in rings {
            let line = Line::new(fill(tr("{} ellipse"), &[&name]), ring)
                .color(MODEL)
                .width(2.0);
            plot.line(if name == "2σ" {
                line.style(LineStyle::dashed_loose())
            } else {
                line
            });
        }
        if let Some(m) = mean {
            plot.points(
                Points::new(tr("mean"), vec![m])
                    .shape(MarkerShape::Plus)
                    .radius(8.0)
                    .color(MODEL),
            );
        }
        plot.points(
            Points::new(tr("this generation"), members)
                .shape(MarkerShape::Square)
                .radius(4.5)
                .color(Color32::from_rgb(120, 220, 255)),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipse_points_are_at_mahalanobis_distance_k() {
        let s = [[0.04, 0.01], [0.01, 0.02]];
        let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
        for p in ellipse([0.5, 0.4], s, 2.0).unwrap() {
            let (dx, dy) = (p[0] - 0.5, p[1] - 0.4);
            let m2 = (s[1][1] * dx * dx - 2.0 * s[0][1] * dx * dy + s[0][0] * dy * dy) / det;
            assert!((m2 - 4.0).abs() < 1e-9, "{m2}");
        }
        assert!(ellipse([0.5, 0.5], [[0.0, 0.0], [0.0, 1.0]], 1.0).is_none());
    }
}
