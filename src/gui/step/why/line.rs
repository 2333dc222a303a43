//! The why-views of a one-parameter study: the parameter across, the trial number up.
//!
//! With one free parameter there is no x/y plane for ellipses, velocities or a chain to
//! live in, but every one of them has a form along the axis, and time is the natural second
//! direction: each trial is a dot at (its value of the parameter, its number), the proposal
//! sits on the next row, and each strategy draws its own state on that row — CMA-ES's
//! sampling density with its 1σ and 2σ intervals, the swarm's particles with their velocity
//! arrows, annealing's chain and its neighbourhood, gradient descent's steps and the
//! −gradient, a fixed sequence's order. Read upwards, the picture is the run so far.

use super::{Frame, MODEL, PROPOSAL, WhyInput, mark_proposal};
use crate::gui::i18n::tr;
use crate::gui::plots::{Axis, BEST};
use crate::strategy::explain::{AnnealWhy, CmaWhy, GradientWhy, SwarmWhy};
use eframe::egui::{self, Color32};
use egui_plot::{Arrows, Legend, Line, LineStyle, MarkerShape, Plot, PlotUi, Points};

/// Points along a density curve.
const CURVE: usize = 160;
/// Rows a density's peak rises above the proposal's row.
const DENSITY_ROWS: f64 = 3.0;

/// Where things go on the strip: the parameter's axis across, trial rows up.
pub struct Strip<'a> {
    axis: &'a Axis,
    coord: usize,
    /// The proposal's row (one above the last trial).
    pub next: f64,
}

impl Strip<'_> {
    /// The plot position of unit point `u` on `row`.
    pub fn at(&self, u: &[f64], row: f64) -> Option<[f64; 2]> {
        Some([self.axis.at(*u.get(self.coord)?), row])
    }

    /// The plot position of a unit coordinate (clamped to the axis) on `row`.
    pub fn at_u(&self, u: f64, row: f64) -> [f64; 2] {
        [self.axis.at(u.clamp(0.0, 1.0)), row]
    }

    /// A unit-cube length along the axis, in plot units.
    pub fn width(&self, du: f64) -> f64 {
        (self.axis.hi - self.axis.lo) * du
    }
}

/// The strip of a one-parameter study: every trial at (value, number), the best ringed, an
/// optional line through them in order, `add`'s items, and the proposal on the next row.
pub fn strip_plot(
    ui: &mut egui::Ui,
    id: &str,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
    add: impl FnOnce(&mut PlotUi<'_>, &Strip<'_>),
) {
    let Some(axis) = frame.axes.first() else {
        return;
    };
    let next = input
        .study
        .trials
        .iter()
        .map(|t| t.number + 1)
        .max()
        .unwrap_or(0) as f64
        + 1.0;
    let strip = Strip {
        axis,
        coord: 0,
        next,
    };
    let trials: Vec<[f64; 2]> = input
        .study
        .trials
        .iter()
        .filter_map(|t| strip.at(&t.point, t.number as f64 + 1.0))
        .collect();
    let best = input
        .study
        .best_trial()
        .and_then(|t| strip.at(&t.point, t.number as f64 + 1.0));
    let proposal = strip.at(input.proposal, next);
    let x_axis = axis.clone();
    Plot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label(axis.title())
        .y_axis_label(tr("trial"))
        .x_axis_formatter(x_axis.formatter())
        // The whole axis across, and room above the proposal's row for a density and the
        // legend, so the newest row is never under it.
        .include_x(axis.lo)
        .include_x(axis.hi)
        .include_y(0.5)
        .include_y(next + DENSITY_ROWS + 2.5)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.points(
                Points::new(tr("trials"), trials)
                    .radius(3.0)
                    .color(Color32::from_gray(150)),
            );
            if let Some(b) = best {
                plot.points(
                    Points::new(tr("best"), vec![b])
                        .shape(MarkerShape::Diamond)
                        .radius(6.0)
                        .color(BEST),
                );
            }
            add(plot, &strip);
            if let Some(p) = proposal {
                mark_proposal(plot, p);
            }
        });
}

/// The trials in order, joined by a thin line (fixed sequences and start-up points).
pub fn order(ui: &mut egui::Ui, input: &WhyInput<'_>, frame: &Frame, height: f32) {
    strip_plot(ui, "why_order_1d", input, frame, height, |plot, strip| {
        let path: Vec<[f64; 2]> = input
            .study
            .trials
            .iter()
            .filter_map(|t| strip.at(&t.point, t.number as f64 + 1.0))
            .chain(strip.at(input.proposal, strip.next))
            .collect();
        plot.line(
            Line::new(tr("order"), path)
                .color(Color32::from_gray(110))
                .width(1.0),
        );
    });
}

/// The Gaussian density `N(mean, sd²)` along the unit axis, its peak `rows` above `base`.
pub fn density(strip: &Strip<'_>, mean: f64, sd: f64, base: f64, rows: f64) -> Vec<[f64; 2]> {
    (0..=CURVE)
        .map(|i| {
            let u = i as f64 / CURVE as f64;
            let z = (u - mean) / sd.max(1e-12);
            strip.at_u(u, base + rows * (-0.5 * z * z).exp())
        })
        .collect()
}

/// CMA-ES along the axis: this generation's sampling density N(m, σ²C) above the proposal's
/// row, its 1σ and 2σ intervals on the row, the mean, and the generation's earlier members.
pub fn cmaes(ui: &mut egui::Ui, input: &WhyInput<'_>, frame: &Frame, why: &CmaWhy, height: f32) {
    let c = why
        .covariance
        .first()
        .and_then(|r| r.first())
        .copied()
        .unwrap_or(0.0);
    let sd = why.sigma * c.max(0.0).sqrt();
    let m = why.mean.first().copied().unwrap_or(0.5);
    let members: Vec<usize> = input
        .study
        .trials
        .iter()
        .rev()
        .take(why.member)
        .map(|t| t.number)
        .collect();
    strip_plot(ui, "why_cmaes_1d", input, frame, height, |plot, strip| {
        let row = strip.next;
        plot.line(
            Line::new(
                tr("sampling density"),
                density(strip, m, sd, row, DENSITY_ROWS),
            )
            .color(MODEL)
            .width(2.0),
        );
        for (k, name) in [(1.0, "1σ"), (2.0, "2σ")] {
            let label = crate::gui::i18n::fill(tr("{} ellipse"), &[&name]);
            sigma_span(plot, strip, row, (m, sd, k), label);
        }
        plot.points(
            Points::new(tr("mean"), vec![strip.at_u(m, row)])
                .shape(MarkerShape::Plus)
                .radius(8.0)
                .color(MODEL),
        );
        let gen_points: Vec<[f64; 2]> = input
            .study
            .trials
            .iter()
            .filter(|t| members.contains(&t.number))
            .filter_map(|t| strip.at(&t.point, t.number as f64 + 1.0))
            .collect();
        plot.points(
            Points::new(tr("this generation"), gen_points)
                .shape(MarkerShape::Square)
                .radius(4.5)
                .color(Color32::from_rgb(120, 220, 255)),
        );
    });
}

/// The swarm along the axis, on the proposal's row: each particle with its velocity arrow
/// and personal best, the swarm's best, and the moving particle's step.
pub fn swarm(ui: &mut egui::Ui, input: &WhyInput<'_>, frame: &Frame, why: &SwarmWhy, height: f32) {
    strip_plot(ui, "why_swarm_1d", input, frame, height, |plot, strip| {
        let row = strip.next;
        let others = why
            .particles
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != why.moving)
            .map(|(_, p)| p);
        let (origins, tips): (Vec<[f64; 2]>, Vec<[f64; 2]>) = others
            .clone()
            .filter_map(|p| {
                let tip = p.position.first()? + p.velocity.first()?;
                Some((strip.at(&p.position, row)?, strip.at_u(tip, row)))
            })
            .unzip();
        plot.arrows(
            Arrows::new(tr("velocities"), origins.clone(), tips)
                .color(MODEL)
                .tip_length(8.0),
        );
        plot.points(
            Points::new(tr("particles"), origins)
                .radius(4.0)
                .color(MODEL),
        );
        let bests: Vec<[f64; 2]> = why
            .particles
            .iter()
            .filter_map(|p| strip.at(p.best.as_ref()?, row))
            .collect();
        plot.points(
            Points::new(tr("personal bests"), bests)
                .shape(MarkerShape::Circle)
                .filled(false)
                .radius(5.0)
                .color(Color32::from_rgb(200, 200, 120)),
        );
        if let Some(g) = why.global_best.as_ref().and_then(|g| strip.at(g, row)) {
            plot.points(
                Points::new(tr("swarm best"), vec![g])
                    .shape(MarkerShape::Diamond)
                    .radius(8.0)
                    .color(BEST),
            );
        }
        if let Some((from, to)) = why
            .previous
            .as_ref()
            .and_then(|p| Some((strip.at(p, row)?, strip.at(input.proposal, row)?)))
        {
            plot.arrows(
                Arrows::new(tr("this move"), vec![from], vec![to])
                    .color(PROPOSAL)
                    .tip_length(12.0),
            );
        }
    });
}

/// Annealing along the axis: the chain of trials in order, and on the proposal's row the
/// current state with its neighbourhood N(0, scale²) as a density and 1σ, 2σ intervals.
pub fn anneal(
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    why: &AnnealWhy,
    height: f32,
) {
    strip_plot(ui, "why_anneal_1d", input, frame, height, |plot, strip| {
        let row = strip.next;
        let path: Vec<[f64; 2]> = input
            .study
            .trials
            .iter()
            .filter_map(|t| strip.at(&t.point, t.number as f64 + 1.0))
            .collect();
        plot.line(
            Line::new(tr("chain of trials"), path)
                .color(Color32::from_gray(150))
                .width(1.0),
        );
        let Some((x, _)) = &why.current else {
            return;
        };
        let c = x.first().copied().unwrap_or(0.5);
        plot.line(
            Line::new(
                tr("neighbourhood 1σ, 2σ"),
                density(strip, c, why.scale, row, DENSITY_ROWS),
            )
            .color(MODEL),
        );
        for k in [1.0, 2.0] {
            sigma_span(
                plot,
                strip,
                row,
                (c, why.scale, k),
                tr("neighbourhood 1σ, 2σ").to_owned(),
            );
        }
        plot.points(
            Points::new(tr("current state"), vec![strip.at_u(c, row)])
                .shape(MarkerShape::Square)
                .radius(6.0)
                .color(MODEL),
        );
    });
}

/// Gradient descent along the axis: the step points joined in order, the probes around x,
/// and on the proposal's row x with the −gradient's direction and the step taken.
pub fn gradient(
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    why: &GradientWhy,
    height: f32,
) {
    strip_plot(
        ui,
        "why_gradient_1d",
        input,
        frame,
        height,
        |plot, strip| {
            let row = strip.next;
            let trajectory: Vec<[f64; 2]> = input
                .study
                .trials
                .iter()
                .filter(|t| t.label.as_deref().is_some_and(|l| l.starts_with("step")))
                .filter(|t| !t.label.as_deref().is_some_and(|l| l.contains("probe")))
                .filter_map(|t| strip.at(&t.point, t.number as f64 + 1.0))
                .collect();
            plot.line(
                Line::new(tr("trajectory"), trajectory)
                    .color(Color32::from_gray(160))
                    .width(1.5),
            );
            let probes: Vec<[f64; 2]> =
                why.probes.iter().filter_map(|p| strip.at(p, row)).collect();
            plot.points(
                Points::new(tr("probes"), probes)
                    .shape(MarkerShape::Plus)
                    .radius(5.0)
                    .color(Color32::from_rgb(200, 200, 120)),
            );
            let Some(x) = why.x.first().copied() else {
                return;
            };
            let from = strip.at_u(x, row);
            plot.points(
                Points::new(tr("x"), vec![from])
                    .shape(MarkerShape::Square)
                    .radius(6.0)
                    .color(MODEL),
            );
            if let Some(g) = why.gradient.as_ref().and_then(|g| g.first())
                && *g != 0.0
            {
                // Direction only, drawn half a row above so it does not hide the step.
                let up = row + 0.5;
                plot.arrows(
                    Arrows::new(
                        tr("−gradient (direction)"),
                        vec![[from[0], up]],
                        vec![[from[0] - strip.width(0.15) * g.signum(), up]],
                    )
                    .color(MODEL)
                    .tip_length(10.0),
                );
            }
            if let Some(d) = why.step.as_ref().and_then(|s| s.first()) {
                plot.arrows(
                    Arrows::new(tr("step"), vec![from], vec![strip.at_u(x + d, row)])
                        .color(PROPOSAL)
                        .tip_length(10.0),
                );
            }
        },
    );
}

/// The span `centre ± k·scale` on `row`: solid and wide at 1σ, dashed at 2σ.
fn sigma_span(
    plot: &mut egui_plot::PlotUi<'_>,
    strip: &Strip,
    row: f64,
    (centre, scale, k): (f64, f64, f64),
    label: String,
) {
    let line = Line::new(
        label,
        vec![
            strip.at_u(centre - k * scale, row),
            strip.at_u(centre + k * scale, row),
        ],
    )
    .color(MODEL)
    .width(if k == 1.0 { 4.0 } else { 2.0 });
    plot.line(if k == 2.0 {
        line.style(LineStyle::dashed_loose())
    } else {
        line
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Domain, Param};

    #[test]
    fn a_density_peaks_at_its_mean_rows_above_the_base() {
        let param = Param::new(
            "x",
            Domain::Float {
                low: 0.0,
                high: 10.0,
                log: false,
            },
        );
        let axis = Axis::of(&param);
        let strip = Strip {
            axis: &axis,
            coord: 0,
            next: 5.0,
        };
        let curve = density(&strip, 0.25, 0.1, 5.0, 3.0);
        let top =
            curve.iter().copied().fold(
                [0.0, f64::NEG_INFINITY],
                |a, p| if p[1] > a[1] { p } else { a },
            );
        assert!((top[0] - 2.5).abs() < 0.1, "{top:?}");
        assert!((top[1] - 8.0).abs() < 1e-3);
        assert!(curve.iter().all(|p| p[1] >= 5.0 && p[1] <= 8.0 + 1e-12));
        assert_eq!(strip.at_u(2.0, 1.0), [10.0, 1.0]);
        assert!((strip.width(0.1) - 1.0).abs() < 1e-12);
    }
}
