//! The partial dependence matrix (scikit-optimize's `plot_objective`): for the parameters
//! the GP finds most important, the posterior mean with every other parameter averaged out,
//! along one parameter on the diagonal and over each pair below it, with the trials on top.

use super::worker::Explained;
use crate::explain::partial::midpoint;
use crate::gui::i18n::{fill, tr};
use crate::gui::plots::{Axis, Textures, free_axes, heatmap_image, mark_best};
use crate::gui::state::Workbench;
use crate::gui::views::Grid2;
use crate::study::Direction;
use eframe::egui;
use egui_plot::{Line, Plot, Points};

/// Parameters shown at most (the matrix grows with their square).
pub const MAX_PARAMS: usize = 5;

/// The free parameters the matrix shows: all of them up to [`MAX_PARAMS`], else the ones with
/// the largest main effects, in the space's order.
pub fn shown(e: &Explained) -> Vec<usize> {
    let d = e.anova.main.len();
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| e.anova.main[b].total_cmp(&e.anova.main[a]));
    order.truncate(MAX_PARAMS);
    order.sort_unstable();
    order
}

/// The 2-D partial dependence of free parameters `x < y` as a heatmap grid, on the colour
/// scale `(min, max)` shared by the whole matrix.
fn pair_grid(e: &Explained, x: usize, y: usize, (min, max): (f64, f64)) -> Option<Grid2> {
    let g = e.partial.design.grid2;
    e.partial.pair(x, y).map(|p| Grid2 {
        nx: g,
        ny: g,
        values: p.values.clone(),
        min,
        max,
    })
}

/// Draw the matrix in a square `height` points tall.
pub fn show(
    ui: &mut egui::Ui,
    bench: &Workbench,
    e: &Explained,
    textures: &mut Textures,
    height: f32,
) {
    let (axes, _) = free_axes(&bench.study().space);
    let shown = shown(e);
    if shown.len() < axes.len() {
        ui.label(fill(
            tr("the {} parameters with the largest main effects of {}"),
            &[&shown.len(), &axes.len()],
        ));
    } else {
        ui.label(tr(
            "GP mean with the other parameters averaged out: 1-D on the diagonal, 2-D below",
        ));
    }
    let study = bench.study();
    let minimise = study.direction == Direction::Minimize;
    let scale = e
        .partial
        .two
        .iter()
        .flat_map(|p| p.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let k = shown.len();
    let side = ((height.min(ui.available_width()) - 8.0) / k as f32).max(60.0);
    let marks = Marks::of(bench, &shown);
    for (r, &pr) in shown.iter().enumerate() {
        ui.horizontal(|ui| {
            for (c, &pc) in shown.iter().enumerate().take(r + 1) {
                let (ax, ay) = (&axes[pc], &axes[pr]);
                let id = format!("pd_{pc}_{pr}");
                let mut plot = Plot::new(id.clone())
                    .width(side)
                    .height(side)
                    .allow_drag(false)
                    .allow_zoom(false)
                    .allow_scroll(false)
                    .x_axis_formatter(ax.formatter())
                    .include_x(ax.lo)
                    .include_x(ax.hi);
                if r + 1 == k {
                    plot = plot.x_axis_label(ax.title());
                }
                if c == r {
                    if c == 0 {
                        plot = plot.y_axis_label(tr("value"));
                    }
                    diagonal(ui, plot, e, (ax, pc), &marks, c);
                } else {
                    plot = plot
                        .y_axis_formatter(ay.formatter())
                        .include_y(ay.lo)
                        .include_y(ay.hi);
                    if c == 0 {
                        plot = plot.y_axis_label(ay.title());
                    }
                    let Some(grid) = pair_grid(e, pc, pr, scale) else {
                        continue;
                    };
                    let texture = textures.heatmap(ui.ctx(), &id, e.revision, &grid, minimise);
                    let pts: Vec<[f64; 2]> = marks
                        .trials
                        .iter()
                        .filter_map(|(at, _)| Some([at[c]?, at[r]?]))
                        .collect();
                    let best_pt = marks.best.as_ref().and_then(|(b, _)| Some([b[c]?, b[r]?]));
                    plot.show(ui, |p| {
                        p.image(heatmap_image(&id, &texture, ax, ay));
                        p.points(
                            Points::new(tr("trials"), pts)
                                .radius(2.0)
                                .color(egui::Color32::WHITE),
                        );
                        if let Some(b) = best_pt {
                            mark_best(p, b);
                        }
                    });
                }
            }
        });
    }
}

/// The trials drawn on the matrix: each completed trial's plot coordinates on the shown
/// parameters (`None` where a value is missing) with its value, and the best trial's.
struct Marks {
    trials: Vec<(Vec<Option<f64>>, f64)>,
    best: Option<(Vec<Option<f64>>, f64)>,
}

impl Marks {
    /// The marks of `bench`'s study on the free parameters `shown`.
    fn of(bench: &Workbench, shown: &[usize]) -> Self {
        let study = bench.study();
        let (axes, index) = free_axes(&study.space);
        let at = |t: &crate::study::Trial| -> Option<(Vec<Option<f64>>, f64)> {
            let v = t.completed_value()?;
            let coords = shown
                .iter()
                .map(|&i| axes[i].of_value(&t.params.get(index[i])?.1))
                .collect();
            Some((coords, v))
        };
        Marks {
            trials: study.trials.iter().filter_map(at).collect(),
            best: study.best_trial().and_then(at),
        }
    }
}

/// One diagonal cell: the 1-D partial dependence of free parameter `i` (the `c`th shown) and
/// the trials' values along it.
fn diagonal(
    ui: &mut egui::Ui,
    plot: Plot<'_>,
    e: &Explained,
    (axis, i): (&Axis, usize),
    marks: &Marks,
    c: usize,
) {
    let g = e.partial.design.grid1;
    let curve: Vec<[f64; 2]> = e.partial.one[i]
        .iter()
        .enumerate()
        .map(|(k, v)| [axis.at(midpoint(k, g)), *v])
        .collect();
    let pts: Vec<[f64; 2]> = marks
        .trials
        .iter()
        .filter_map(|(at, v)| Some([at[c]?, *v]))
        .collect();
    let best_pt = marks.best.as_ref().and_then(|(b, v)| Some([b[c]?, *v]));
    plot.show(ui, |p| {
        p.points(Points::new(tr("trials"), pts).radius(2.0));
        p.line(Line::new(tr("partial dependence"), curve).width(2.0));
        if let Some(b) = best_pt {
            mark_best(p, b);
        }
    });
}
