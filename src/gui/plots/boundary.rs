//! The decision boundary of a trial's model on a two-feature dataset: the model fitted on all
//! rows with the trial's parameters (the selected trial's, else the best's), its predicted
//! class over the plane tinted by its decision value where it has one (bright = confident),
//! the data points coloured by class on top and an SVC's support vectors ringed. For a
//! regressor, the predicted value on the colour map with the points on the same scale.
//!
//! The fit and the grid come from the view worker ([`crate::gui::views::BoundaryView`]).

use super::{Textures, colormap, colour_bar, number, scale};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::gui::views::BoundaryView;
use crate::models::Predictions;
use crate::objective::boundary::{Cells, DecisionBoundary};
use eframe::egui::{self, Color32, ColorImage};
use egui_plot::{Legend, MarkerShape, Plot, PlotImage, PlotPoint, Points};
use std::hash::{Hash, Hasher};

/// Class colours (Tableau 10), readable on dark and light themes.
const PALETTE: [Color32; 10] = [
    Color32::from_rgb(31, 119, 180),
    Color32::from_rgb(255, 127, 14),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(214, 39, 40),
    Color32::from_rgb(148, 103, 189),
    Color32::from_rgb(140, 86, 75),
    Color32::from_rgb(227, 119, 194),
    Color32::from_rgb(127, 127, 127),
    Color32::from_rgb(188, 189, 34),
    Color32::from_rgb(23, 190, 207),
];

/// The colour of class `label`.
pub fn class_colour(label: usize) -> Color32 {
    PALETTE[label % PALETTE.len()]
}

/// Mix `c` towards a dark grey: `t = 1` is the full colour.
fn shade(c: Color32, t: f64) -> Color32 {
    let base = 30.0;
    let t = t.clamp(0.0, 1.0) as f32;
    let m = |v: u8| (base + (v as f32 - base) * t) as u8;
    Color32::from_rgb(m(c.r()), m(c.g()), m(c.b()))
}

/// How strongly a cell is shaded for a decision value: near 0 at the boundary, towards 1 far
/// from it (the SVC's margin lies at ±1).
fn confidence(decision: f64) -> f64 {
    0.3 + 0.45 * decision.abs().tanh()
}

/// The colour range of a regression boundary: predictions and targets together.
fn value_range(b: &DecisionBoundary) -> (f64, f64) {
    let cells: &[f64] = match &b.cells {
        Cells::Values(v) => v,
        Cells::Classes { .. } => &[],
    };
    let targets: &[f64] = match &b.targets {
        Predictions::Values(v) => v,
        Predictions::Classes(_) => &[],
    };
    cells
        .iter()
        .chain(targets)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        })
}

/// The image of the boundary's cells (top row first, as images run).
pub fn cell_image(b: &DecisionBoundary) -> ColorImage {
    let n = b.n;
    let (lo, hi) = value_range(b);
    let mut pixels = Vec::with_capacity(n * n);
    for iy in (0..n).rev() {
        for ix in 0..n {
            let i = iy * n + ix;
            pixels.push(match &b.cells {
                Cells::Classes { labels, decision } => {
                    let t = decision.as_ref().map_or(0.55, |d| confidence(d[i]));
                    shade(class_colour(labels[i]), t)
                }
                Cells::Values(v) => shade(colormap(scale(v[i], lo, hi, false)), 0.8),
            });
        }
    }
    ColorImage::new([n, n], pixels)
}

/// A stamp that changes when the boundary does (its request: task, trial, parameters).
fn stamp(view: &BoundaryView) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{:?}", view.request).hash(&mut h);
    view.result.is_ok().hash(&mut h);
    h.finish()
}

/// Draw the boundary view, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, textures: &mut Textures, height: f32) {
    ui.strong(tr("Decision boundary"));
    if !bench.boundary_available() {
        ui.label(tr(
            "This view is for a classifier or regressor on a dataset with exactly two features (such as moons).",
        ));
        return;
    }
    let Some(wanted) = bench.boundary_request() else {
        ui.label(tr(
            "Press Run: the best trial's model appears here after the first trial.",
        ));
        return;
    };
    let latest = bench
        .background
        .view_result
        .as_ref()
        .and_then(|r| r.boundary.clone());
    let fresh = latest.as_ref().is_some_and(|v| v.request == wanted);
    let which = if bench.selection.selected == Some(wanted.trial) {
        tr("selected")
    } else {
        tr("best")
    };
    let params = wanted
        .params
        .iter()
        .map(|(n, v)| match v {
            crate::space::Value::Float(x) => format!("{n} = {}", number(*x)),
            other => format!("{n} = {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    ui.horizontal(|ui| {
        if !fresh {
            ui.spinner();
        }
        ui.label(fill(
            tr("trial #{} ({}): {}"),
            &[&wanted.trial, &which, &params],
        ));
    });
    let Some(view) = latest else {
        ui.label(tr("fitting the model…"));
        return;
    };
    let b = match &view.result {
        Ok(b) => b,
        Err(e) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
            return;
        }
    };
    let (score, metric) = b.training_score;
    let mut line = fill(
        tr("{} fitted on all {} rows: {} {} on them"),
        &[
            &wanted.task.model.label(),
            &b.points.len(),
            &metric,
            &number(score),
        ],
    );
    match &b.cells {
        Cells::Classes {
            decision: Some(_), ..
        } => line += tr("; bright = far from the boundary (SVC decision value)"),
        Cells::Classes { .. } => line += tr("; shaded by the predicted class"),
        Cells::Values(_) => line += tr("; colour = predicted value, points by their target"),
    }
    if !b.support.is_empty() {
        line += &fill(tr("; {} support vectors ringed"), &[&b.support.len()]);
    }
    ui.label(egui::RichText::new(line).weak());
    let texture = textures.image(ui.ctx(), "boundary", stamp(&view), || cell_image(b));
    plot(ui, b, &texture, height);
}

fn plot(ui: &mut egui::Ui, b: &DecisionBoundary, texture: &egui::TextureHandle, height: f32) {
    let (x0, x1) = b.x_range;
    let (y0, y1) = b.y_range;
    let range = value_range(b);
    let hover = b.clone();
    let [fx, fy] = b.features.clone();
    ui.horizontal(|ui| {
        let width = (ui.available_width() - 70.0).max(100.0);
        Plot::new("boundary")
            .height(height - 24.0)
            .width(width)
            .x_axis_label(fx)
            .y_axis_label(fy)
            .include_x(x0)
            .include_x(x1)
            .include_y(y0)
            .include_y(y1)
            .legend(Legend::default())
            .label_formatter(move |pos| Some(hover_text(&hover, super::hover_point(pos))))
            .show(ui, |plot| {
                plot.image(PlotImage::new(
                    "",
                    texture.id(),
                    PlotPoint::new((x0 + x1) / 2.0, (y0 + y1) / 2.0),
                    egui::vec2((x1 - x0) as f32, (y1 - y0) as f32),
                ));
                match &b.targets {
                    Predictions::Classes(labels) => {
                        let classes = labels.iter().max().map_or(0, |m| m + 1);
                        for c in 0..classes {
                            let pts: Vec<[f64; 2]> = b
                                .points
                                .iter()
                                .zip(labels)
                                .filter(|(_, l)| **l == c)
                                .map(|(p, _)| *p)
                                .collect();
                            let name = b.class_names.get(c).cloned().unwrap_or(c.to_string());
                            plot.points(
                                Points::new("", pts.clone())
                                    .radius(4.0)
                                    .color(Color32::BLACK),
                            );
                            plot.points(Points::new(name, pts).radius(3.0).color(class_colour(c)));
                        }
                    }
                    Predictions::Values(v) => {
                        // One item per colour step, not per point.
                        const STEPS: usize = 16;
                        let (lo, hi) = range;
                        plot.points(
                            Points::new("", b.points.clone())
                                .radius(4.0)
                                .color(Color32::BLACK),
                        );
                        let mut bins: Vec<Vec<[f64; 2]>> = vec![Vec::new(); STEPS];
                        for (p, t) in b.points.iter().zip(v) {
                            let k = (scale(*t, lo, hi, false) * STEPS as f64) as usize;
                            bins[k.min(STEPS - 1)].push(*p);
                        }
                        for (k, pts) in bins.into_iter().enumerate() {
                            let t = (k as f64 + 0.5) / STEPS as f64;
                            plot.points(Points::new("", pts).radius(3.0).color(colormap(t)));
                        }
                    }
                }
                if !b.support.is_empty() {
                    let sv: Vec<[f64; 2]> = b
                        .support
                        .iter()
                        .filter_map(|&r| b.points.get(r).copied())
                        .collect();
                    plot.points(
                        Points::new(tr("support vectors"), sv)
                            .shape(MarkerShape::Circle)
                            .filled(false)
                            .radius(6.5)
                            .color(Color32::WHITE),
                    );
                }
            });
        if matches!(b.cells, Cells::Values(_)) {
            colour_bar(ui, range.0, range.1, false, height - 24.0);
        }
    });
}

/// The features and the prediction under a plot position.
fn hover_text(b: &DecisionBoundary, p: PlotPoint) -> String {
    let mut s = format!(
        "{} = {}\n{} = {}",
        b.features[0],
        number(p.x),
        b.features[1],
        number(p.y)
    );
    let ux = (p.x - b.x_range.0) / (b.x_range.1 - b.x_range.0);
    let uy = (p.y - b.y_range.0) / (b.y_range.1 - b.y_range.0);
    if !(0.0..1.0).contains(&ux) || !(0.0..1.0).contains(&uy) {
        return s;
    }
    let i =
        ((uy * b.n as f64) as usize).min(b.n - 1) * b.n + ((ux * b.n as f64) as usize).min(b.n - 1);
    match &b.cells {
        Cells::Classes { labels, decision } => {
            let name = b
                .class_names
                .get(labels[i])
                .cloned()
                .unwrap_or(labels[i].to_string());
            s += &fill(tr("\npredicted class {}"), &[&name]);
            if let Some(d) = decision {
                s += &fill(tr("\ndecision value {}"), &[&number(d[i])]);
            }
        }
        Cells::Values(v) => s += &fill(tr("\npredicted {}"), &[&number(v[i])]),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_take_their_class_colour_brighter_away_from_the_boundary() {
        let b = DecisionBoundary {
            features: ["a".into(), "b".into()],
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            n: 2,
            // bottom row: class 0 near and far; top row: class 1.
            cells: Cells::Classes {
                labels: vec![0, 0, 1, 1],
                decision: Some(vec![0.05, 3.0, -0.05, -3.0]),
            },
            points: vec![],
            targets: Predictions::Classes(vec![]),
            class_names: vec!["x".into(), "y".into()],
            support: vec![],
            training_score: (1.0, "accuracy"),
        };
        let img = cell_image(&b);
        // Images run top to bottom: pixel 0 is the top-left cell (class 1, near).
        let (near1, far1, near0, far0) =
            (img.pixels[0], img.pixels[1], img.pixels[2], img.pixels[3]);
        let brightness = |c: Color32| c.r() as u32 + c.g() as u32 + c.b() as u32;
        assert!(brightness(far0) > brightness(near0));
        assert!(brightness(far1) > brightness(near1));
        // Class 0 is blue, class 1 orange.
        assert!(far0.b() > far0.r() && far1.r() > far1.b());
        let text = hover_text(&b, PlotPoint::new(0.75, 0.25));
        assert!(
            text.contains("predicted class x") && text.contains("decision value 3"),
            "{text}"
        );
    }
}
