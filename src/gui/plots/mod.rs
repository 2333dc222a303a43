//! The plots, one per file. Each draws from the workbench's study and the view worker's
//! latest result; none computes anything heavier than a pass over the trials.
//!
//! Shared here: [`Axis`] (how a parameter maps to a plot axis: log parameters on a log10 axis
//! labelled in their own units, categoricals by index), the colour map, and [`Textures`], the
//! UI-side cache of heatmap images (a texture per grid, uploaded once per result instead of
//! thousands of rectangles per frame).

pub mod boundary;
pub mod convergence;
pub mod curves;
pub mod datasets;
pub mod gp_slice;
pub mod gp_std;
pub mod importance;
pub mod parallel;
pub mod surface;
pub mod surrogate;
pub mod truth;

use super::views::Grid2;
use crate::gui::i18n::tr;
use crate::space::{Domain, Param, Value};
use eframe::egui::{self, Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{GridMark, PlotImage, PlotPoint};
use std::ops::RangeInclusive;

/// Colour of the best trial's marker.
pub const BEST: Color32 = Color32::from_rgb(255, 80, 200);
/// Colour of the selected trial's marker.
pub const SELECTED: Color32 = Color32::from_rgb(255, 200, 0);
/// Colour of failed trials.
pub const FAILED: Color32 = Color32::from_rgb(230, 60, 60);

/// How one parameter's unit coordinate maps to a plot axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The parameter's name (the axis title).
    pub name: String,
    /// Plotted as log10 of the value.
    pub log: bool,
    /// Plot coordinate at u = 0.
    pub lo: f64,
    /// Plot coordinate at u = 1.
    pub hi: f64,
    /// The choices of a categorical (plotted at 0, 1, …).
    pub choices: Vec<String>,
    domain: Domain,
}

impl Axis {
    /// The axis for a free parameter (a fixed one gets a degenerate axis at its value).
    pub fn of(param: &Param) -> Self {
        let (lo, hi, log, choices) = match &param.domain {
            Domain::Float { low, high, log } if *log => (low.log10(), high.log10(), true, vec![]),
            Domain::Float { low, high, .. } => (*low, *high, false, vec![]),
            Domain::Int { low, high, log } if *log => (
                (*low as f64 - 0.5).max(0.5).log10(),
                (*high as f64 + 0.5).log10(),
                true,
                vec![],
            ),
            Domain::Int { low, high, .. } => (*low as f64 - 0.5, *high as f64 + 0.5, false, vec![]),
            Domain::Categorical { choices } => {
                (-0.5, choices.len() as f64 - 0.5, false, choices.clone())
            }
            // Numeric choices sit at their ranks, as strategies see them, labelled by value.
            Domain::Numbers { values, .. } => (
                -0.5,
                values.len() as f64 - 0.5,
                false,
                values.iter().map(|x| number(*x)).collect(),
            ),
            Domain::Fixed(v) => {
                let x = v.as_f64().unwrap_or(0.0);
                (x, x, false, vec![])
            }
        };
        Axis {
            name: param.name.clone(),
            log,
            lo,
            hi,
            choices,
            domain: param.domain.clone(),
        }
    }

    /// The axis title, saying when it is logarithmic.
    pub fn title(&self) -> String {
        if self.log {
            format!("{} (log)", self.name)
        } else {
            self.name.clone()
        }
    }

    /// Plot coordinate of a unit coordinate.
    pub fn at(&self, u: f64) -> f64 {
        self.lo + u * (self.hi - self.lo)
    }

    /// Plot coordinate of a parameter value (the centre of its cell for ints and choices).
    pub fn of_value(&self, v: &Value) -> Option<f64> {
        self.domain.to_unit(v).map(|u| self.at(u))
    }

    /// The value at a plot coordinate, as the axis labels and hover texts show it.
    pub fn label(&self, p: f64) -> String {
        if !self.choices.is_empty() {
            let i = p.round();
            if (p - i).abs() < 0.05 && i >= 0.0 && (i as usize) < self.choices.len() {
                return self.choices[i as usize].clone();
            }
            return String::new();
        }
        let x = if self.log { 10f64.powf(p) } else { p };
        number(x)
    }

    /// A formatter for `Plot::x_axis_formatter` / `y_axis_formatter`.
    pub fn formatter(&self) -> impl Fn(GridMark, &RangeInclusive<f64>) -> String + use<> {
        let axis = self.clone();
        move |mark: GridMark, range: &RangeInclusive<f64>| {
            if axis.log && skip_log_mark(mark.value, range) {
                return String::new();
            }
            axis.label(mark.value)
        }
    }
}

/// Whether a grid mark on a log10 axis should go unlabelled: when the axis spans more than
/// about two decades only the powers of ten are labelled, so the labels stay readable.
pub fn skip_log_mark(value: f64, range: &RangeInclusive<f64>) -> bool {
    (range.end() - range.start()) > 1.5 && (value - value.round()).abs() > 1e-6
}

/// A number in a short, readable form (3 significant digits, scientific when far from 1).
pub fn number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{x:.2e}");
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        }
    } else {
        let digits = if a >= 100.0 {
            0
        } else if a >= 1.0 {
            2
        } else {
            3
        };
        let s = format!("{x:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    }
}

/// Viridis-like colour for `t` in [0, 1] (dark purple → yellow), readable on dark and light
/// themes and in grey scale.
pub fn colormap(t: f64) -> Color32 {
    const STOPS: [[f32; 3]; 6] = [
        [68.0, 1.0, 84.0],
        [65.0, 68.0, 135.0],
        [42.0, 120.0, 142.0],
        [34.0, 168.0, 132.0],
        [122.0, 209.0, 81.0],
        [253.0, 231.0, 37.0],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } as f32;
    let x = t * (STOPS.len() - 1) as f32;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f32;
    let c = |k: usize| (STOPS[i][k] * (1.0 - f) + STOPS[i + 1][k] * f) as u8;
    Color32::from_rgb(c(0), c(1), c(2))
}

/// A value's position on a colour scale `[min, max]`, with "better" always bright:
/// `minimise` flips the scale so low values are yellow.
pub fn scale(v: f64, min: f64, max: f64, minimise: bool) -> f64 {
    let t = if max > min {
        (v - min) / (max - min)
    } else {
        0.5
    };
    if minimise { 1.0 - t } else { t }
}

/// Uploaded heatmap images, keyed by what they show, so a texture is made once per result.
#[derive(Default)]
pub struct Textures {
    entries: Vec<(String, u64, TextureHandle)>,
}

impl Textures {
    /// The texture for `grid` under `key`, uploading it if `stamp` changed.
    pub fn heatmap(
        &mut self,
        ctx: &egui::Context,
        key: &str,
        stamp: u64,
        grid: &Grid2,
        bright_low: bool,
    ) -> TextureHandle {
        if let Some((_, s, h)) = self.entries.iter().find(|(k, _, _)| k == key)
            && *s == stamp
        {
            return h.clone();
        }
        let mut pixels = Vec::with_capacity(grid.nx * grid.ny);
        // Images run top to bottom; grids bottom to top.
        for iy in (0..grid.ny).rev() {
            for ix in 0..grid.nx {
                let v = grid.values[iy * grid.nx + ix];
                pixels.push(colormap(scale(v, grid.min, grid.max, bright_low)));
            }
        }
        let image = ColorImage::new([grid.nx, grid.ny], pixels);
        let handle = ctx.load_texture(key, image, TextureOptions::LINEAR);
        self.entries.retain(|(k, _, _)| k != key);
        self.entries.push((key.to_owned(), stamp, handle.clone()));
        handle
    }
}

impl Textures {
    /// The texture under `key`, made by `make` and uploaded only when `stamp` changed (for
    /// images that are not a [`Grid2`] on the colour map, such as class regions).
    pub fn image(
        &mut self,
        ctx: &egui::Context,
        key: &str,
        stamp: u64,
        make: impl FnOnce() -> ColorImage,
    ) -> TextureHandle {
        if let Some((_, s, h)) = self.entries.iter().find(|(k, _, _)| k == key)
            && *s == stamp
        {
            return h.clone();
        }
        let handle = ctx.load_texture(key, make(), TextureOptions::LINEAR);
        self.entries.retain(|(k, _, _)| k != key);
        self.entries.push((key.to_owned(), stamp, handle.clone()));
        handle
    }
}

/// The plot item that shows a heatmap texture over the two axes' full ranges.
pub fn heatmap_image(name: &str, texture: &TextureHandle, x: &Axis, y: &Axis) -> PlotImage {
    PlotImage::new(
        name,
        texture.id(),
        PlotPoint::new((x.lo + x.hi) / 2.0, (y.lo + y.hi) / 2.0),
        egui::vec2((x.hi - x.lo) as f32, (y.hi - y.lo) as f32),
    )
}

/// The grid value under a plot position, for hover texts.
pub fn grid_value(grid: &Grid2, x: &Axis, y: &Axis, p: PlotPoint) -> Option<f64> {
    let ux = (p.x - x.lo) / (x.hi - x.lo);
    let uy = (p.y - y.lo) / (y.hi - y.lo);
    if !(0.0..1.0).contains(&ux) || !(0.0..1.0).contains(&uy) {
        return None;
    }
    let ix = ((ux * grid.nx as f64) as usize).min(grid.nx - 1);
    let iy = ((uy * grid.ny as f64) as usize).min(grid.ny - 1);
    grid.values.get(iy * grid.nx + ix).copied()
}

/// A vertical colour bar with the scale's ends, drawn beside a heatmap.
pub fn colour_bar(ui: &mut egui::Ui, min: f64, max: f64, bright_low: bool, height: f32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(60.0, height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let bar = egui::Rect::from_min_size(
        rect.min + egui::vec2(0.0, 14.0),
        egui::vec2(14.0, (height - 28.0).max(10.0)),
    );
    let steps = 32;
    for k in 0..steps {
        let t0 = k as f32 / steps as f32;
        let t1 = (k + 1) as f32 / steps as f32;
        let v = max - (max - min) * (t0 as f64 + 0.5 / steps as f64);
        let r = egui::Rect::from_min_max(
            egui::pos2(bar.left(), bar.top() + bar.height() * t0),
            egui::pos2(bar.right(), bar.top() + bar.height() * t1),
        );
        painter.rect_filled(r, 0.0, colormap(scale(v, min, max, bright_low)));
    }
    let color = ui.visuals().text_color();
    let font = egui::FontId::proportional(11.0);
    painter.text(
        egui::pos2(bar.left(), rect.top()),
        egui::Align2::LEFT_TOP,
        number(max),
        font.clone(),
        color,
    );
    painter.text(
        egui::pos2(bar.left(), rect.bottom()),
        egui::Align2::LEFT_BOTTOM,
        number(min),
        font,
        color,
    );
}

/// Combo box choosing a free parameter by index.
pub fn param_picker(ui: &mut egui::Ui, label: &str, names: &[String], index: &mut usize) {
    egui::ComboBox::from_label(label)
        .selected_text(names.get(*index).map(String::as_str).unwrap_or("—"))
        .show_ui(ui, |ui| {
            for (i, n) in names.iter().enumerate() {
                ui.selectable_value(index, i, n);
            }
        });
}

/// The free parameters' axes, and each one's index among all parameters (where a trial's
/// `params` hold its value).
pub fn free_axes(space: &crate::space::Space) -> (Vec<Axis>, Vec<usize>) {
    space
        .params()
        .iter()
        .enumerate()
        .filter(|(_, p)| p.domain.is_free())
        .map(|(i, p)| (Axis::of(p), i))
        .unzip()
}

/// Plot positions of the complete trials on two axes (`xi`, `yi` index all parameters), with
/// their numbers, and the positions of the best and the selected trial.
pub struct Projected {
    /// Every complete trial.
    pub points: Vec<[f64; 2]>,
    /// Their trial numbers.
    pub numbers: Vec<usize>,
    /// The most recent complete trial.
    pub latest: Option<[f64; 2]>,
    /// The best trial.
    pub best: Option<[f64; 2]>,
    /// The selected trial.
    pub selected: Option<[f64; 2]>,
}

impl Projected {
    /// Project the study's trials.
    pub fn of(
        study: &crate::study::Study,
        selected: Option<usize>,
        (xa, xi): (&Axis, usize),
        (ya, yi): (&Axis, usize),
    ) -> Self {
        let pos = |t: &crate::study::Trial| -> Option<[f64; 2]> {
            let x = xa.of_value(&t.params.get(xi)?.1)?;
            let y = ya.of_value(&t.params.get(yi)?.1)?;
            Some([x, y])
        };
        let (points, numbers): (Vec<[f64; 2]>, Vec<usize>) = study
            .trials
            .iter()
            .filter(|t| t.completed_value().is_some())
            .filter_map(|t| pos(t).map(|p| (p, t.number)))
            .unzip();
        Projected {
            latest: points.last().copied(),
            points,
            numbers,
            best: study.best_trial().and_then(pos),
            selected: selected
                .and_then(|n| study.trials.iter().find(|t| t.number == n))
                .and_then(pos),
        }
    }

    /// The workbench's trials and selection on the chosen pair of free parameters (`axes`
    /// and `index` as [`free_axes`] gives them): what every view over the pair draws on top.
    pub fn of_pair(
        bench: &crate::gui::state::Workbench,
        axes: &[Axis],
        index: &[usize],
        params: super::views::ViewParams,
    ) -> Self {
        Projected::of(
            bench.study(),
            bench.selection.selected,
            (&axes[params.x], index[params.x]),
            (&axes[params.y], index[params.y]),
        )
    }

    /// The trial nearest to a screen position (within 12 points), for click-to-select.
    pub fn nearest(
        &self,
        transform: &egui_plot::PlotTransform,
        pointer: egui::Pos2,
    ) -> Option<usize> {
        nearest_trial(&self.points, &self.numbers, transform, pointer)
    }

    /// Add the trials, the latest, the best and the selected marker to a plot.
    pub fn draw(&self, plot: &mut egui_plot::PlotUi<'_>) {
        use egui_plot::{MarkerShape, Points};
        plot.points(
            Points::new(tr("trials"), self.points.clone())
                .radius(2.5)
                .color(Color32::WHITE),
        );
        if let Some(l) = self.latest {
            plot.points(
                Points::new(tr("latest"), vec![l])
                    .shape(MarkerShape::Square)
                    .filled(false)
                    .radius(6.0)
                    .color(Color32::from_rgb(120, 220, 255)),
            );
        }
        if let Some(b) = self.best {
            mark_best(plot, b);
        }
        if let Some(s) = self.selected {
            mark_selected(plot, s);
        }
    }
}

/// A plot whose axes are two parameters: their titles, values in their own units (log
/// parameters on log axes) and both ranges shown whole, so every view over a pair of
/// parameters frames them the same way.
pub fn axes_plot<'a>(id: &str, x: &Axis, y: &Axis) -> egui_plot::Plot<'a> {
    egui_plot::Plot::new(id)
        .x_axis_label(x.title())
        .y_axis_label(y.title())
        .x_axis_formatter(x.formatter())
        .y_axis_formatter(y.formatter())
        .include_x(x.lo)
        .include_x(x.hi)
        .include_y(y.lo)
        .include_y(y.hi)
}

/// The title row of a view over two parameters, with its x and y pickers. Returns the free
/// axes, their indices into the space and the (valid) chosen pair; `None`, after showing
/// `missing`, when the space has fewer than two free parameters.
pub fn pair_header(
    ui: &mut egui::Ui,
    bench: &mut crate::gui::state::Workbench,
    title: &'static str,
    missing: &'static str,
) -> Option<(Vec<Axis>, Vec<usize>, super::views::ViewParams)> {
    let (axes, index) = free_axes(&bench.study().space);
    ui.horizontal(|ui| {
        ui.strong(tr(title));
        if axes.len() >= 2 {
            let names: Vec<String> = axes.iter().map(|a| a.name.clone()).collect();
            param_picker(ui, tr("x"), &names, &mut bench.view.params.x);
            param_picker(ui, tr("y"), &names, &mut bench.view.params.y);
        }
    });
    if axes.len() < 2 {
        ui.label(tr(missing));
        return None;
    }
    let params = bench.view.params.fitted(axes.len());
    Some((axes, index, params))
}

/// A heatmap over two parameters with the trials on top: hover shows both coordinates and the
/// grid's value, a click selects the nearest trial, a colour bar sits on the right. The surface
/// and σ views differ only in what the grid holds.
#[allow(clippy::too_many_arguments)]
pub fn heatmap_plot(
    ui: &mut egui::Ui,
    bench: &mut crate::gui::state::Workbench,
    id: &str,
    value_name: &'static str,
    (xa, ya): (&Axis, &Axis),
    grid: Option<&Grid2>,
    texture: Option<&TextureHandle>,
    projected: &Projected,
    bright_low: bool,
    height: f32,
) {
    let (hx, hy) = (xa.clone(), ya.clone());
    let hover_grid = grid.cloned();
    ui.horizontal(|ui| {
        let width = (ui.available_width() - 70.0).max(100.0);
        let response = axes_plot(id, xa, ya)
            .height(height)
            .width(width)
            .label_formatter(move |pos| {
                let p = hover_point(pos);
                let mut s = coordinates(&hx, &hy, p);
                if let Some(v) = hover_grid.as_ref().and_then(|g| grid_value(g, &hx, &hy, p)) {
                    s += &format!("\n{} {}", tr(value_name), number(v));
                }
                Some(s)
            })
            .show(ui, |plot| {
                if let Some(t) = texture {
                    plot.image(heatmap_image(tr(value_name), t, xa, ya));
                }
                projected.draw(plot);
            });
        if response.response.clicked()
            && let Some(pointer) = response.response.interact_pointer_pos()
        {
            let hit = projected.nearest(&response.transform, pointer);
            bench.select(hit);
        }
        if let Some(g) = grid {
            colour_bar(ui, g.min, g.max, bright_low, height);
        }
    });
}

/// Where the pointer is on a plot, near a data point or not, for hover texts.
pub fn hover_point(pos: &egui_plot::HoverPosition<'_>) -> PlotPoint {
    match pos {
        egui_plot::HoverPosition::NearDataPoint { position, .. } => *position,
        egui_plot::HoverPosition::Elsewhere { position } => *position,
    }
}

/// A position over two parameters as a hover text: each one's name and value in its own
/// units, a line each.
pub fn coordinates(x: &Axis, y: &Axis, p: PlotPoint) -> String {
    format!(
        "{} = {}\n{} = {}",
        x.name,
        x.label(p.x),
        y.name,
        y.label(p.y)
    )
}

/// The trial drawn nearest to a screen position (within 12 points), for click-to-select:
/// `points` in plot coordinates, `numbers` their trials' numbers.
pub fn nearest_trial(
    points: &[[f64; 2]],
    numbers: &[usize],
    transform: &egui_plot::PlotTransform,
    pointer: egui::Pos2,
) -> Option<usize> {
    points
        .iter()
        .zip(numbers)
        .map(|(p, n)| {
            let s = transform.position_from_point(&PlotPoint::new(p[0], p[1]));
            (s.distance(pointer), *n)
        })
        .filter(|(d, _)| *d < 12.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// The best trial's marker: a diamond in [`BEST`].
pub fn mark_best(plot: &mut egui_plot::PlotUi<'_>, p: [f64; 2]) {
    plot.points(
        egui_plot::Points::new(tr("best"), vec![p])
            .shape(egui_plot::MarkerShape::Diamond)
            .radius(7.0)
            .color(BEST),
    );
}

/// The selected trial's marker: a ring in [`SELECTED`], wide enough to show what it circles.
pub fn mark_selected(plot: &mut egui_plot::PlotUi<'_>, p: [f64; 2]) {
    plot.points(
        egui_plot::Points::new(tr("selected"), vec![p])
            .filled(false)
            .radius(9.0)
            .color(SELECTED),
    );
}

/// The lower and upper edges of the ±2σ band around a posterior mean.
pub fn two_sigma_band(mean: &[f64], std: &[f64]) -> (Vec<f64>, Vec<f64>) {
    mean.iter()
        .zip(std)
        .map(|(m, s)| (m - 2.0 * s, m + 2.0 * s))
        .unzip()
}

/// One of two plots stacked along one parameter: x in the parameter's units, and the x range
/// and the cursor shared with the other plot through `link`.
pub fn linked_slice_plot<'a>(
    id: &str,
    axis: &Axis,
    link: egui::Id,
    height: f32,
) -> egui_plot::Plot<'a> {
    egui_plot::Plot::new(id)
        .height(height)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_formatter(axis.formatter())
}

/// A trial's position on a plot along one parameter (its value there, its objective value);
/// `index` is the parameter's index among all parameters. `None` for an unfinished trial.
pub fn on_slice(t: &crate::study::Trial, axis: &Axis, index: usize) -> Option<[f64; 2]> {
    Some([
        axis.of_value(&t.params.get(index)?.1)?,
        t.completed_value()?,
    ])
}

/// What a GP view says while it has no picture: the view worker's note, or when there is
/// none, when the GP views appear.
pub fn gp_waiting_note(result: Option<&super::views::ViewResult>) -> String {
    result
        .map(|r| r.note.clone())
        .filter(|n| !n.is_empty())
        .map(|n| tr(&n).to_owned())
        .unwrap_or_else(|| tr("The GP views appear after three completed trials.").into())
}

/// The texture stamp of a result's grid over the chosen x/y pair: it changes with the result
/// and with the pair, so a heatmap is uploaded again exactly when either does.
pub fn pair_stamp(revision: u64, params: &super::views::ViewParams) -> u64 {
    revision.wrapping_mul(1009) ^ ((params.x as u64) << 48) ^ ((params.y as u64) << 56)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_label_in_their_own_units() {
        let p = Param::new(
            "C",
            Domain::Float {
                low: 0.01,
                high: 100.0,
                log: true,
            },
        );
        let a = Axis::of(&p);
        assert_eq!((a.lo, a.hi), (-2.0, 2.0));
        assert_eq!(a.label(0.0), "1");
        assert_eq!(a.label(0.5), "3.16");
        assert_eq!(number(1e-4), "1e-4");
        assert_eq!(number(2.5e-5), "2.5e-5");
        assert!(
            a.of_value(&Value::Float(1.0))
                .is_some_and(|p| p.abs() < 1e-12)
        );
        let k = Axis::of(&Param::new(
            "k",
            Domain::Categorical {
                choices: vec!["a".into(), "b".into()],
            },
        ));
        assert_eq!(k.label(1.0), "b");
        assert_eq!(k.at(0.25), 0.0);
    }

    #[test]
    fn the_two_sigma_band_and_the_hover_coordinates() {
        let (lo, hi) = two_sigma_band(&[1.0, 2.0], &[0.5, 0.0]);
        assert_eq!((lo, hi), (vec![0.0, 2.0], vec![2.0, 2.0]));
        let c = Axis::of(&Param::new(
            "C",
            Domain::Float {
                low: 0.01,
                high: 100.0,
                log: true,
            },
        ));
        let k = Axis::of(&Param::new(
            "k",
            Domain::Categorical {
                choices: vec!["a".into(), "b".into()],
            },
        ));
        assert_eq!(
            coordinates(&c, &k, PlotPoint::new(1.0, 1.0)),
            "C = 10\nk = b"
        );
    }

    #[test]
    fn a_heatmap_stamp_changes_with_the_result_and_with_the_pair() {
        use crate::gui::views::ViewParams;
        let xy = ViewParams {
            x: 0,
            y: 1,
            slice: 0,
        };
        let yx = ViewParams { x: 1, y: 0, ..xy };
        assert_ne!(pair_stamp(7, &xy), pair_stamp(8, &xy));
        assert_ne!(pair_stamp(7, &xy), pair_stamp(7, &yx));
        assert_eq!(pair_stamp(7, &xy), pair_stamp(7, &xy));
    }
}
