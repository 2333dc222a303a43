//! Drawing the playground: the controls, then in 1-D the posterior (mean, ±2σ band, joint
//! samples, the true function, the observations) above the acquisition with its maximum
//! marked; in 2-D heatmaps of the mean, σ, the acquisition and the true function. A click on
//! a plot observes the function there. Everything drawn comes from the latest
//! [`PlayResult`](super::compute::PlayResult); nothing is computed here.

use super::compute::{Line1, Maps2, Pictures, PlayResult, Problem, Settings};
use super::state::Playground;
use crate::gp::{Acquisition, KernelKind};
use crate::gui::i18n::{fill, tr};
use crate::gui::plots::{
    Axis, BEST, Textures, coordinates, grid_value, heatmap_image, hover_point, number,
    two_sigma_band,
};
use crate::gui::views::{Grid2, acquisition_name};
use eframe::egui::{self, Color32};
use egui_plot::{FilledArea, Legend, Line, LineStyle, MarkerShape, Plot, Points, VLine};
use std::sync::Arc;

const MEAN: Color32 = Color32::from_rgb(90, 150, 255);
const BAND: Color32 = Color32::from_rgba_premultiplied(30, 50, 90, 70);
const TRUTH: Color32 = Color32::from_rgb(255, 150, 60);
const ACQ: Color32 = Color32::from_rgb(120, 200, 120);
/// How far below its maximum the acquisition is drawn (LogEI falls to −700 far from the
/// data, which would flatten everything else).
const ACQ_RANGE: f64 = 25.0;

/// Draw the Playground tab, `height` points tall.
pub fn show(ui: &mut egui::Ui, pg: &mut Playground, textures: &mut Textures, height: f32) {
    if !pg.has_waker() {
        let ctx = ui.ctx().clone();
        pg.set_waker(Arc::new(move || ctx.request_repaint()));
    }
    pg.update();
    let top = ui.cursor().top();
    controls(ui, pg);
    let result = pg.result().cloned();
    let Some(result) = result.filter(|r| r.settings.problem == pg.settings.problem) else {
        ui.label(tr("fitting the GP…"));
        return;
    };
    caption(ui, pg, &result);
    let left = (height - (ui.cursor().top() - top)).max(160.0);
    let axes: Vec<Axis> = pg
        .settings
        .problem
        .space()
        .params()
        .iter()
        .map(Axis::of)
        .collect();
    if axes.len() < pg.settings.problem.dim() {
        ui.label(tr("the problem's box could not be built"));
        return;
    }
    let clicked = match &result.pictures {
        Pictures::Line(line) => line_view(ui, pg, &result, line, &axes[0], left),
        Pictures::Maps(maps) => maps_view(ui, pg, &result, maps, &axes, textures, left),
    };
    if let Some(u) = clicked {
        pg.observe(u);
    }
}

fn controls(ui: &mut egui::Ui, pg: &mut Playground) {
    ui.horizontal_wrapped(|ui| {
        ui.strong(tr("Playground"));
        problem_picker(ui, pg);
        ui.separator();
        kernel_controls(ui, &mut pg.settings);
        ui.separator();
        acquisition_controls(ui, &mut pg.settings);
        ui.separator();
        sample_controls(ui, pg);
    });
    observation_buttons(ui, pg);
}

/// One button per problem; choosing another one starts over on it.
fn problem_picker(ui: &mut egui::Ui, pg: &mut Playground) {
    for p in Problem::ALL {
        if ui
            .selectable_label(pg.settings.problem == p, tr(p.title()))
            .clicked()
        {
            pg.set_problem(p);
        }
    }
}

/// The kernel's family and its length scale: fitted by maximum likelihood, or fixed by hand
/// on a slider.
fn kernel_controls(ui: &mut egui::Ui, s: &mut Settings) {
    egui::ComboBox::from_label(tr("kernel"))
        .selected_text(kernel_name(s.kernel))
        .show_ui(ui, |ui| {
            for k in [KernelKind::Matern52, KernelKind::Rbf] {
                ui.selectable_value(&mut s.kernel, k, kernel_name(k));
            }
        });
    let mut fitted = s.length_scale.is_none();
    if ui
        .checkbox(&mut fitted, tr("fit ℓ"))
        .on_hover_text(tr(
            "fit the length scale by maximum likelihood, or fix it by hand",
        ))
        .changed()
    {
        s.length_scale = if fitted { None } else { Some(0.2) };
    }
    if let Some(l) = &mut s.length_scale {
        ui.add(
            egui::Slider::new(l, 0.01..=2.0)
                .logarithmic(true)
                .text(tr("ℓ")),
        )
        .on_hover_text(tr(
            "length scale in unit-box units: short = wiggly functions",
        ));
    }
}

/// The acquisition function and its exploration parameter (ξ or κ; LogEI has none).
fn acquisition_controls(ui: &mut egui::Ui, s: &mut Settings) {
    egui::ComboBox::from_label(tr("acquisition"))
        .selected_text(s.acquisition.name())
        .show_ui(ui, |ui| {
            for a in [
                Acquisition::LogEi,
                Acquisition::Ei { xi: 0.01 },
                Acquisition::Ucb { kappa: 2.0 },
                Acquisition::Pi { xi: 0.01 },
            ] {
                if ui
                    .selectable_label(s.acquisition.name() == a.name(), a.name())
                    .clicked()
                {
                    s.acquisition = a;
                }
            }
        });
    match &mut s.acquisition {
        Acquisition::Ei { xi } | Acquisition::Pi { xi } => {
            ui.add(egui::Slider::new(xi, 0.0..=1.0).text(tr("ξ")))
                .on_hover_text(tr(
                    "improvement margin (standardised units): larger explores more",
                ));
        }
        Acquisition::Ucb { kappa } => {
            ui.add(egui::Slider::new(kappa, 0.0..=5.0).text(tr("κ")))
                .on_hover_text(tr("weight of σ: larger explores more"));
        }
        Acquisition::LogEi => {}
    }
}

/// How many joint samples are drawn, a button for fresh ones, and whether the true function
/// is shown.
fn sample_controls(ui: &mut egui::Ui, pg: &mut Playground) {
    ui.add(egui::Slider::new(&mut pg.settings.samples, 0..=8).text(tr("samples")));
    if ui.button(tr("New samples")).clicked() {
        pg.resample();
    }
    ui.checkbox(&mut pg.show_truth, tr("true function"));
}

/// The row that adds and takes back observations (the acquisition's choice, undo, clear),
/// with their count and the fit's status.
fn observation_buttons(ui: &mut egui::Ui, pg: &mut Playground) {
    ui.horizontal(|ui| {
        if ui
            .button(tr("Add the acquisition's choice"))
            .on_hover_text(tr(
                "observe where the acquisition is largest, as the strategy would",
            ))
            .clicked()
        {
            pg.observe_choice();
        }
        if ui
            .add_enabled(!pg.points().is_empty(), egui::Button::new(tr("Undo")))
            .clicked()
        {
            pg.undo();
        }
        if ui
            .add_enabled(!pg.points().is_empty(), egui::Button::new(tr("Clear")))
            .clicked()
        {
            pg.clear();
        }
        ui.label(fill(tr("{} observations"), &[&pg.points().len()]));
        ui.label(egui::RichText::new(tr(&pg.status)).weak());
    });
}

fn kernel_name(k: KernelKind) -> &'static str {
    match k {
        KernelKind::Matern52 => "Matérn 5/2",
        KernelKind::Rbf => "RBF",
    }
}

/// The caption before the first observation, for a 1-D and a 2-D problem ({0} the kernel,
/// {1} the length scales).
const NO_OBSERVATION_1D: &str = "No observation yet: the GP knows only its kernel ({0}; {1}). The curves are joint samples from the prior — functions it considers possible, in standardised units (mean 0, σ 1); the true function appears with the first observation. Click the plot to observe the function there.";
const NO_OBSERVATION_2D: &str = "No observation yet: the GP knows only its kernel ({0}; {1}). The sample maps are joint samples from the prior — functions it considers possible, in standardised units (mean 0, σ 1). Click the plot to observe the function there.";
/// The caption once the GP has observations ({0} how many, {1} the length scales, {2} the
/// acquisition).
const POSTERIOR_1D: &str = "GP on {0} observations ({1}): mean ± 2σ and posterior samples; below, {2} with its maximum, the point the strategy would try next. Click to observe anywhere.";
const POSTERIOR_2D: &str = "GP on {0} observations ({1}): its mean, σ and {2}; the diamond is the acquisition's maximum, the point the strategy would try next. Click any map to observe there.";

fn caption(ui: &mut egui::Ui, pg: &Playground, r: &PlayResult) {
    let ell = r
        .hypers
        .as_ref()
        .map(|h| {
            let ls: Vec<String> = h.kernel.length_scales.iter().map(|l| number(*l)).collect();
            let how = if pg.settings.length_scale.is_some() {
                tr("fixed")
            } else if r.observations >= 2 {
                tr("fitted")
            } else {
                tr("the fit's prior mode until two points")
            };
            format!("ℓ = {}, {how}", ls.join(", "))
        })
        .unwrap_or_default();
    let text = if r.observations == 0 {
        let template = if pg.settings.problem.dim() == 1 {
            tr(NO_OBSERVATION_1D)
        } else {
            tr(NO_OBSERVATION_2D)
        };
        fill(template, &[&kernel_name(pg.settings.kernel), &ell])
    } else if pg.settings.problem.dim() == 1 {
        fill(
            tr(POSTERIOR_1D),
            &[
                &r.observations,
                &ell,
                &acquisition_name(&pg.settings.acquisition),
            ],
        )
    } else {
        fill(
            tr(POSTERIOR_2D),
            &[
                &r.observations,
                &ell,
                &acquisition_name(&pg.settings.acquisition),
            ],
        )
    };
    ui.label(text);
    if !r.note.is_empty() {
        ui.colored_label(crate::gui::plots::FAILED, &r.note);
    }
}

/// The unit coordinate of a plot coordinate on an axis.
fn unit(axis: &Axis, p: f64) -> f64 {
    if axis.hi > axis.lo {
        (p - axis.lo) / (axis.hi - axis.lo)
    } else {
        0.5
    }
}

/// A clicked plot's position as a unit point (`dims` coordinates), if the click fell inside.
fn click(response: &egui_plot::PlotResponse<()>, axes: &[&Axis]) -> Option<Vec<f64>> {
    if !response.response.clicked() {
        return None;
    }
    let pos = response.response.interact_pointer_pos()?;
    let p = response.transform.value_from_position(pos);
    let u: Vec<f64> = [p.x, p.y]
        .iter()
        .zip(axes)
        .map(|(v, a)| unit(a, *v))
        .collect();
    u.iter().all(|x| (0.0..=1.0).contains(x)).then_some(u)
}

fn area(r: &egui::Rect) -> [f32; 4] {
    [r.min.x, r.min.y, r.max.x, r.max.y]
}

/// A plot that stays where it is put: no dragging, zooming or scrolling, so a click always
/// means "observe here".
fn still_plot<'a>(id: &str) -> Plot<'a> {
    Plot::new(id)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
}

/// The x axis both plots of a 1-D problem share: the parameter's axis, the plot coordinate of
/// every grid point and the link that keeps the two plots' x ranges together.
struct SliceX<'a> {
    axis: &'a Axis,
    xs: Vec<f64>,
    link: egui::Id,
}

impl SliceX<'_> {
    /// Values on the grid as plot points.
    fn pair(&self, ys: &[f64]) -> Vec<[f64; 2]> {
        self.xs.iter().zip(ys).map(|(x, y)| [*x, *y]).collect()
    }
}

fn line_view(
    ui: &mut egui::Ui,
    pg: &mut Playground,
    r: &PlayResult,
    line: &Line1,
    axis: &Axis,
    height: f32,
) -> Option<Vec<f64>> {
    let x = SliceX {
        axis,
        xs: line.u.iter().map(|&u| axis.at(u)).collect(),
        link: egui::Id::unique("playground_x"),
    };
    let prior = r.observations == 0;
    let top = if prior {
        height - 8.0
    } else {
        (height * 0.64).max(100.0)
    };
    let response = posterior_plot(ui, pg, r, line, &x, top);
    pg.plot_area = Some(area(response.transform.frame()));
    let clicked = click(&response, &[axis]);
    if prior {
        return clicked;
    }
    let response = acquisition_plot(ui, r, line, &x, (height - top - 8.0).max(60.0));
    clicked.or_else(|| click(&response, &[axis]))
}

/// The upper plot of a 1-D problem: the joint samples, and once there are observations the
/// mean with its ±2σ band, the true function (if shown), the observations and the
/// acquisition's choice.
fn posterior_plot(
    ui: &mut egui::Ui,
    pg: &Playground,
    r: &PlayResult,
    line: &Line1,
    x: &SliceX<'_>,
    height: f32,
) -> egui_plot::PlotResponse<()> {
    let axis = x.axis;
    let prior = r.observations == 0;
    let obs: Vec<[f64; 2]> = pg
        .points()
        .iter()
        .zip(pg.values())
        .map(|(u, v)| [axis.at(u[0]), v])
        .collect();
    let next = r.next.as_ref().map(|(u, _)| axis.at(u[0]));
    still_plot("playground_posterior")
        .height(height)
        .link_axis(x.link, [true, false])
        .include_x(axis.lo)
        .include_x(axis.hi)
        .x_axis_label(axis.title())
        .y_axis_label(if prior {
            tr("standardised value")
        } else {
            tr("value")
        })
        // Forrester's top-left corner is empty; its right end is where the points often are.
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .show(ui, |plot| {
            if !prior {
                let (lo, hi) = two_sigma_band(&line.mean, &line.std);
                plot.add(FilledArea::new(tr("±2σ"), &x.xs, &lo, &hi).fill_color(BAND));
            }
            for (i, s) in line.samples.iter().enumerate() {
                let name = if prior {
                    tr("prior samples")
                } else {
                    tr("posterior samples")
                };
                plot.line(
                    Line::new(name, x.pair(s))
                        .width(1.0)
                        .color(sample_colour(i)),
                );
            }
            if !prior {
                plot.line(
                    Line::new(tr("posterior mean"), x.pair(&line.mean))
                        .width(2.5)
                        .color(MEAN),
                );
            }
            if pg.show_truth && !prior {
                plot.line(
                    Line::new(tr("true function"), x.pair(&line.truth))
                        .width(1.5)
                        .style(LineStyle::dashed_dense())
                        .color(TRUTH),
                );
            }
            plot.points(
                Points::new(tr("observations"), obs)
                    .radius(4.5)
                    .color(Color32::WHITE),
            );
            if let Some(x) = next {
                plot.vline(
                    VLine::new(tr("acquisition's choice"), x)
                        .color(BEST)
                        .width(1.5),
                );
            }
        })
}

/// The acquisition along a 1-D problem, floored at [`ACQ_RANGE`] below its maximum, with the
/// maximum marked.
fn acquisition_plot(
    ui: &mut egui::Ui,
    r: &PlayResult,
    line: &Line1,
    x: &SliceX<'_>,
    height: f32,
) -> egui_plot::PlotResponse<()> {
    let best = line
        .acquisition
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let floor = best - ACQ_RANGE;
    let clipped = line.acquisition.iter().any(|a| a.is_finite() && *a < floor);
    let acq: Vec<[f64; 2]> =
        x.xs.iter()
            .zip(&line.acquisition)
            .filter(|(_, a)| a.is_finite())
            .map(|(x, a)| [*x, a.max(floor)])
            .collect();
    let max = r
        .next
        .as_ref()
        .map(|(u, v)| [x.axis.at(u[0]), v.max(floor)]);
    still_plot("playground_acquisition")
        .height(height)
        .link_axis(x.link, [true, false])
        .x_axis_label(x.axis.title())
        .y_axis_label(r.settings.acquisition.name())
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.line(
                Line::new(acquisition_name(&r.settings.acquisition), acq)
                    .width(2.0)
                    .color(ACQ),
            );
            if clipped {
                // Values below the floor are drawn on it: say so where it is drawn.
                plot.hline(
                    egui_plot::HLine::new(fill(tr("clipped at max − {}"), &[&ACQ_RANGE]), floor)
                        .style(egui_plot::LineStyle::dashed_loose())
                        .color(ACQ.gamma_multiply(0.6)),
                );
            }
            if let Some(m) = max {
                plot.points(
                    Points::new(tr("maximum"), vec![m])
                        .shape(MarkerShape::Diamond)
                        .radius(7.0)
                        .color(BEST),
                );
            }
        })
}

fn sample_colour(i: usize) -> Color32 {
    const C: [Color32; 4] = [
        Color32::from_rgb(190, 140, 255),
        Color32::from_rgb(120, 220, 220),
        Color32::from_rgb(230, 200, 120),
        Color32::from_rgb(230, 130, 170),
    ];
    C[i % C.len()]
}

/// One map of a 2-D problem: the key its texture and plot go by, its title, the grid (whose
/// `min` and `max` are the colour scale's ends) and whether low values are bright.
#[derive(Debug)]
struct MapPanel {
    key: &'static str,
    title: String,
    grid: Grid2,
    bright_low: bool,
}

/// The maps a 2-D problem shows, in order: with a posterior its mean, σ and acquisition
/// (and the true function if shown); before it the prior samples (and the true function).
fn map_panels(maps: &Maps2, acquisition: &Acquisition, show_truth: bool) -> Vec<MapPanel> {
    match &maps.posterior {
        Some([mean, std, acq]) => {
            let mut panels =
                posterior_panels([mean, std, acq], &maps.truth, acquisition, show_truth);
            // The samples go after the acquisition and before the truth they are compared with.
            let at = panels.len() - usize::from(show_truth);
            panels.splice(at..at, posterior_sample_panels(&maps.posterior_samples));
            panels
        }
        None => prior_panels(&maps.prior_samples, &maps.truth, show_truth),
    }
}

/// The posterior's maps: the mean and the truth on one shared scale so their colours
/// compare, σ, and the acquisition floored [`ACQ_RANGE`] below its maximum (LogEI falls to
/// −700 far from the data, which would leave the rest without contrast).
fn posterior_panels(
    [mean, std, acq]: [&Grid2; 3],
    truth: &Grid2,
    acquisition: &Acquisition,
    show_truth: bool,
) -> Vec<MapPanel> {
    let (mut m, mut t) = (mean.clone(), truth.clone());
    let (lo, hi) = (m.min.min(t.min), m.max.max(t.max));
    (m.min, m.max, t.min, t.max) = (lo, hi, lo, hi);
    let mut acq = acq.clone();
    let clipped = acq.min < acq.max - ACQ_RANGE;
    acq.min = acq.min.max(acq.max - ACQ_RANGE);
    let acq_title = fill(
        tr("{} (bright = promising)"),
        &[&acquisition_name(acquisition)],
    );
    let acq_title = if clipped {
        fill(tr("{}; clipped at max − {}"), &[&acq_title, &ACQ_RANGE])
    } else {
        acq_title
    };
    let mut panels = vec![
        MapPanel {
            key: "pg_mean",
            title: tr("posterior mean (bright = low)").into(),
            grid: m,
            bright_low: true,
        },
        MapPanel {
            key: "pg_std",
            title: tr("posterior σ (bright = uncertain)").into(),
            grid: std.clone(),
            bright_low: false,
        },
        MapPanel {
            key: "pg_acq",
            title: acq_title,
            grid: acq,
            bright_low: false,
        },
    ];
    if show_truth {
        panels.push(MapPanel {
            key: "pg_truth",
            title: tr("true function (same scale as the mean)").into(),
            grid: t,
            bright_low: true,
        });
    }
    panels
}

/// The posterior's joint samples, each on its own scale, bright where low as the mean is:
/// functions the GP still finds plausible, which agree near the observations and differ
/// where it is unsure.
fn posterior_sample_panels(samples: &[Grid2]) -> Vec<MapPanel> {
    const KEYS: [&str; 8] = [
        "pg_post0", "pg_post1", "pg_post2", "pg_post3", "pg_post4", "pg_post5", "pg_post6",
        "pg_post7",
    ];
    samples
        .iter()
        .enumerate()
        .map(|(i, g)| MapPanel {
            key: KEYS[i.min(KEYS.len() - 1)],
            title: fill(tr("posterior sample {} (bright = low)"), &[&(i + 1)]),
            grid: g.clone(),
            bright_low: true,
        })
        .collect()
}

/// The prior's maps: one per joint sample, then the true function on its own scale.
fn prior_panels(samples: &[Grid2], truth: &Grid2, show_truth: bool) -> Vec<MapPanel> {
    const KEYS: [&str; 8] = [
        "pg_prior0",
        "pg_prior1",
        "pg_prior2",
        "pg_prior3",
        "pg_prior4",
        "pg_prior5",
        "pg_prior6",
        "pg_prior7",
    ];
    let mut panels: Vec<MapPanel> = samples
        .iter()
        .enumerate()
        .map(|(i, g)| MapPanel {
            key: KEYS[i.min(KEYS.len() - 1)],
            title: fill(tr("prior sample {}"), &[&(i + 1)]),
            grid: g.clone(),
            bright_low: false,
        })
        .collect();
    if show_truth {
        panels.push(MapPanel {
            key: "pg_truth",
            title: tr("true function (bright = low)").into(),
            grid: truth.clone(),
            bright_low: true,
        });
    }
    panels
}

#[allow(clippy::too_many_arguments)]
fn maps_view(
    ui: &mut egui::Ui,
    pg: &mut Playground,
    r: &PlayResult,
    maps: &Maps2,
    axes: &[Axis],
    textures: &mut Textures,
    height: f32,
) -> Option<Vec<f64>> {
    let panels = map_panels(maps, &r.settings.acquisition, pg.show_truth);
    if panels.is_empty() {
        ui.label(tr(
            "no maps: raise the number of samples or show the true function",
        ));
        return None;
    }
    let (xa, ya) = (&axes[0], &axes[1]);
    let marks = Marks {
        observations: pg
            .points()
            .iter()
            .map(|u| [xa.at(u[0]), ya.at(u[1])])
            .collect(),
        next: r.next.as_ref().map(|(u, _)| [xa.at(u[0]), ya.at(u[1])]),
    };
    let stamp = r.revision.wrapping_mul(31).wrapping_add(r.settings.seed);
    let h = (height - 50.0).max(100.0);
    let mut clicked = None;
    let mut first_area = None;
    // One row: Branin's box is square, so narrow columns leave the maps their height.
    ui.columns(panels.len(), |cols| {
        for (col, panel) in cols.iter_mut().zip(&panels) {
            col.label(panel.title.as_str());
            let texture =
                textures.heatmap(col.ctx(), panel.key, stamp, &panel.grid, panel.bright_low);
            let response = map_plot(col, panel, &texture, (xa, ya), &marks, h);
            first_area.get_or_insert(area(response.transform.frame()));
            if clicked.is_none() {
                clicked = click(&response, &[xa, ya]);
            }
            col.label(scale_ends(panel));
        }
    });
    pg.plot_area = first_area;
    clicked
}

/// What every map of a 2-D problem marks: the observations and the acquisition's choice.
struct Marks {
    observations: Vec<[f64; 2]>,
    next: Option<[f64; 2]>,
}

/// One map's plot: the heatmap over the box with the marks on top; hovering shows both
/// coordinates and the map's value there.
fn map_plot(
    ui: &mut egui::Ui,
    panel: &MapPanel,
    texture: &egui::TextureHandle,
    (xa, ya): (&Axis, &Axis),
    marks: &Marks,
    height: f32,
) -> egui_plot::PlotResponse<()> {
    let hover = panel.grid.clone();
    let (hx, hy) = (xa.clone(), ya.clone());
    still_plot(panel.key)
        .height(height)
        .include_x(xa.lo)
        .include_x(xa.hi)
        .include_y(ya.lo)
        .include_y(ya.hi)
        .x_axis_label(xa.title())
        .y_axis_label(ya.title())
        .label_formatter(move |pos| {
            let p = hover_point(pos);
            let v = grid_value(&hover, &hx, &hy, p)
                .map(number)
                .unwrap_or_default();
            Some(format!("{}\n{v}", coordinates(&hx, &hy, p)))
        })
        .show(ui, |plot| {
            plot.image(heatmap_image(panel.key, texture, xa, ya));
            plot.points(
                Points::new(tr("observations"), marks.observations.clone())
                    .radius(4.0)
                    .color(Color32::WHITE),
            );
            if let Some(n) = marks.next {
                plot.points(
                    Points::new(tr("acquisition's choice"), vec![n])
                        .shape(MarkerShape::Diamond)
                        .radius(7.0)
                        .color(BEST),
                );
            }
        })
}

/// The colour scale's ends, written under each map.
fn scale_ends(panel: &MapPanel) -> String {
    let (bright, dark) = if panel.bright_low {
        (panel.grid.min, panel.grid.max)
    } else {
        (panel.grid.max, panel.grid.min)
    };
    fill(tr("bright {}, dark {}"), &[&number(bright), &number(dark)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(values: Vec<f64>) -> Grid2 {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Grid2 {
            nx: values.len(),
            ny: 1,
            values,
            min,
            max,
        }
    }

    fn keys(panels: &[MapPanel]) -> Vec<&str> {
        panels.iter().map(|p| p.key).collect()
    }

    #[test]
    fn posterior_maps_share_the_mean_and_truth_scale_and_floor_the_acquisition() {
        let maps = Maps2 {
            truth: grid(vec![0.0, 10.0]),
            posterior: Some([
                grid(vec![2.0, 5.0]),
                grid(vec![0.1, 0.3]),
                grid(vec![-700.0, 0.0]),
            ]),
            prior_samples: vec![],
            posterior_samples: vec![grid(vec![1.0, 6.0]), grid(vec![0.0, 4.0])],
        };
        let panels = map_panels(&maps, &Acquisition::LogEi, true);
        assert_eq!(
            keys(&panels),
            [
                "pg_mean", "pg_std", "pg_acq", "pg_post0", "pg_post1", "pg_truth"
            ]
        );
        assert_eq!(panels[4].title, "posterior sample 2 (bright = low)");
        assert!(panels[3].bright_low && panels[4].bright_low);
        assert!(
            panels[2].title.ends_with("clipped at max − 25"),
            "{}",
            panels[2].title
        );
        let panels: Vec<MapPanel> = panels
            .into_iter()
            .filter(|p| !p.key.starts_with("pg_post"))
            .collect();
        for shared in [&panels[0], &panels[3]] {
            assert_eq!((shared.grid.min, shared.grid.max), (0.0, 10.0));
            assert!(shared.bright_low);
        }
        assert_eq!((panels[1].grid.min, panels[1].grid.max), (0.1, 0.3));
        assert_eq!(panels[2].grid.min, -ACQ_RANGE);
        assert!(!panels[1].bright_low && !panels[2].bright_low);
        let hidden = map_panels(&maps, &Acquisition::LogEi, false);
        assert_eq!(
            keys(&hidden),
            ["pg_mean", "pg_std", "pg_acq", "pg_post0", "pg_post1"]
        );
    }

    #[test]
    fn before_any_observation_the_maps_are_the_prior_samples_then_the_truth() {
        let maps = Maps2 {
            truth: grid(vec![1.0, 4.0]),
            posterior: None,
            prior_samples: vec![grid(vec![0.0, 1.0]), grid(vec![-1.0, 1.0])],
            posterior_samples: vec![],
        };
        let panels = map_panels(&maps, &Acquisition::LogEi, true);
        assert_eq!(keys(&panels), ["pg_prior0", "pg_prior1", "pg_truth"]);
        assert_eq!(panels[1].title, "prior sample 2");
        assert_eq!((panels[2].grid.min, panels[2].grid.max), (1.0, 4.0));
        let none = Maps2 {
            prior_samples: vec![],
            ..maps
        };
        assert!(map_panels(&none, &Acquisition::LogEi, false).is_empty());
    }

    #[test]
    fn the_scale_under_a_map_names_its_bright_end_first() {
        let mut panel = MapPanel {
            key: "pg_mean",
            title: String::new(),
            grid: grid(vec![1.0, 3.0]),
            bright_low: true,
        };
        assert_eq!(scale_ends(&panel), "bright 1, dark 3");
        panel.bright_low = false;
        assert_eq!(scale_ends(&panel), "bright 3, dark 1");
    }
}
