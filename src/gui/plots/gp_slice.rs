//! GP posterior along one chosen parameter, through the best trial: the mean, a ±2σ band and
//! the trials above; the acquisition function below on a linked x axis, with the point the
//! strategy would evaluate next marked.

use super::{
    Axis, BEST, SELECTED, free_axes, gp_waiting_note, linked_slice_plot, mark_best, mark_selected,
    on_slice, two_sigma_band,
};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::gui::views::Slice1;
use eframe::egui;
use egui_plot::{FilledArea, Legend, Line, MarkerShape, Points, VLine};

/// Draw the slice (two stacked plots sharing `height`).
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, height: f32) {
    let (axes, index) = free_axes(&bench.study().space);
    ui.horizontal(|ui| {
        ui.strong(tr("GP slice"));
        if !axes.is_empty() {
            let names: Vec<String> = axes.iter().map(|a| a.name.clone()).collect();
            super::param_picker(ui, tr("parameter"), &names, &mut bench.view.params.slice);
        }
    });
    if axes.is_empty() {
        ui.label(tr("No free parameters."));
        return;
    }
    let params = bench.view.params.fitted(axes.len());
    let axis = &axes[params.slice];
    let result = bench.background.view_result.clone();
    let Some((slice, gp_trials)) = result
        .as_ref()
        .filter(|r| r.params.slice == params.slice)
        .and_then(|r| r.slice.clone().map(|s| (s, r.gp_trials.unwrap_or(0))))
    else {
        ui.label(gp_waiting_note(result.as_deref()));
        return;
    };
    ui.label(fill(
        tr("posterior mean ± 2σ of the GP fitted on {} trials, other parameters at the best trial's values; {} below"),
        &[&gp_trials, &slice.acquisition_name],
    ));
    let marks = TrialMarks::of(bench, axis, index[params.slice]);
    let link = egui::Id::unique("gp_slice_x");
    let top = (height * 0.62).max(80.0);
    let bottom = (height - top - 8.0).max(60.0);
    posterior_plot(ui, &slice, axis, &marks, link, top);
    acquisition_plot(ui, &slice, (axis, params.slice), link, bottom);
}

/// The completed trials at (their value of the slice parameter, their value), with the best
/// and the selected one.
struct TrialMarks {
    trials: Vec<[f64; 2]>,
    best: Option<[f64; 2]>,
    selected: Option<[f64; 2]>,
}

impl TrialMarks {
    /// The marks of `bench`'s study along `axis`, the parameter at index `pi` of all.
    fn of(bench: &Workbench, axis: &Axis, pi: usize) -> Self {
        let study = bench.study();
        let at = |t: &crate::study::Trial| on_slice(t, axis, pi);
        TrialMarks {
            trials: study.trials.iter().filter_map(at).collect(),
            best: study.best_trial().and_then(at),
            selected: bench
                .selection
                .selected
                .and_then(|n| study.trials.iter().find(|t| t.number == n))
                .and_then(at),
        }
    }
}

/// The upper plot: the posterior mean with its ±2σ band and the trials.
fn posterior_plot(
    ui: &mut egui::Ui,
    slice: &Slice1,
    axis: &Axis,
    marks: &TrialMarks,
    link: egui::Id,
    height: f32,
) {
    let xs: Vec<f64> = slice.u.iter().map(|&u| axis.at(u)).collect();
    let (lo, hi) = two_sigma_band(&slice.mean, &slice.std);
    let mean: Vec<[f64; 2]> = xs.iter().zip(&slice.mean).map(|(x, m)| [*x, *m]).collect();
    linked_slice_plot("gp_slice_posterior", axis, link, height)
        .y_axis_label(tr("value"))
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.add(
                FilledArea::new(tr("±2σ"), &xs, &lo, &hi)
                    .fill_color(egui::Color32::from_rgba_unmultiplied(100, 150, 255, 50)),
            );
            plot.line(Line::new(tr("posterior mean"), mean).width(2.0));
            plot.points(Points::new(tr("trials"), marks.trials.clone()).radius(2.5));
            if let Some(b) = marks.best {
                mark_best(plot, b);
            }
            if let Some(s) = marks.selected {
                mark_selected(plot, s);
            }
        });
}

/// The lower plot: the acquisition along the slice (the `j`th free parameter, on `axis`),
/// the strategy's next point's coordinate and the slice's own maximum.
fn acquisition_plot(
    ui: &mut egui::Ui,
    slice: &Slice1,
    (axis, j): (&Axis, usize),
    link: egui::Id,
    height: f32,
) {
    let acq: Vec<[f64; 2]> = slice
        .u
        .iter()
        .zip(&slice.acquisition)
        .map(|(&u, a)| [axis.at(u), *a])
        .collect();
    let next_x = slice
        .next
        .as_ref()
        .and_then(|(p, _)| p.get(j))
        .map(|&u| axis.at(u));
    // The acquisition's maximum along this slice (the strategy's next point maximises over
    // every parameter, so its coordinate here need not be where the slice peaks).
    let slice_max = acq
        .iter()
        .copied()
        .filter(|p| p[1].is_finite())
        .max_by(|a, b| a[1].total_cmp(&b[1]));
    linked_slice_plot("gp_slice_acquisition", axis, link, height)
        .x_axis_label(axis.title())
        .y_axis_label(tr("acquisition"))
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.line(
                Line::new(slice.acquisition_name.clone(), acq)
                    .width(2.0)
                    .color(egui::Color32::from_rgb(120, 200, 120)),
            );
            if let Some(x) = next_x {
                plot.vline(
                    VLine::new(tr("next point (over all parameters)"), x)
                        .color(BEST)
                        .width(2.0),
                );
            }
            if let Some(m) = slice_max {
                plot.points(
                    Points::new(tr("maximum on this slice"), vec![m])
                        .shape(MarkerShape::Up)
                        .radius(7.0)
                        .color(SELECTED),
                );
            }
        });
}
