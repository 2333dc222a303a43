//! GP posterior along one chosen parameter, through the best trial: the mean, a ±2σ band and
//! the trials above; the acquisition function below on a linked x axis, with the point the
//! strategy would evaluate next marked.

use super::{BEST, SELECTED, free_axes};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use eframe::egui;
use egui_plot::{FilledArea, Legend, Line, MarkerShape, Plot, Points, VLine};

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
        ui.label(
            result
                .as_ref()
                .map(|r| r.note.clone())
                .filter(|n| !n.is_empty())
                .map(|n| tr(&n).to_owned())
                .unwrap_or_else(|| tr("The GP views appear after three completed trials.").into()),
        );
        return;
    };
    ui.label(fill(
        tr("posterior mean ± 2σ of the GP fitted on {} trials, other parameters at the best trial's values; {} below"),
        &[&gp_trials, &slice.acquisition_name],
    ));
    let xs: Vec<f64> = slice.u.iter().map(|&u| axis.at(u)).collect();
    let lo: Vec<f64> = slice
        .mean
        .iter()
        .zip(&slice.std)
        .map(|(m, s)| m - 2.0 * s)
        .collect();
    let hi: Vec<f64> = slice
        .mean
        .iter()
        .zip(&slice.std)
        .map(|(m, s)| m + 2.0 * s)
        .collect();
    let mean: Vec<[f64; 2]> = xs.iter().zip(&slice.mean).map(|(x, m)| [*x, *m]).collect();
    let acq: Vec<[f64; 2]> = xs
        .iter()
        .zip(&slice.acquisition)
        .map(|(x, a)| [*x, *a])
        .collect();
    let pi = index[params.slice];
    let study = bench.study();
    let at = |t: &crate::study::Trial| -> Option<[f64; 2]> {
        Some([axis.of_value(&t.params.get(pi)?.1)?, t.completed_value()?])
    };
    let trials: Vec<[f64; 2]> = study.trials.iter().filter_map(at).collect();
    let best = study.best_trial().and_then(at);
    let selected = bench
        .selection
        .selected
        .and_then(|n| study.trials.iter().find(|t| t.number == n))
        .and_then(at);
    let next_x = slice
        .next
        .as_ref()
        .and_then(|(p, _)| p.get(params.slice))
        .map(|&u| axis.at(u));
    // The acquisition's maximum along this slice (the strategy's next point maximises over
    // every parameter, so its coordinate here need not be where the slice peaks).
    let slice_max = acq
        .iter()
        .copied()
        .filter(|p| p[1].is_finite())
        .max_by(|a, b| a[1].total_cmp(&b[1]));
    let link = egui::Id::unique("gp_slice_x");
    let top = (height * 0.62).max(80.0);
    let bottom = (height - top - 8.0).max(60.0);
    Plot::new("gp_slice_posterior")
        .height(top)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_formatter(axis.formatter())
        .y_axis_label(tr("value"))
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.add(
                FilledArea::new(tr("±2σ"), &xs, &lo, &hi)
                    .fill_color(egui::Color32::from_rgba_unmultiplied(100, 150, 255, 50)),
            );
            plot.line(Line::new(tr("posterior mean"), mean).width(2.0));
            plot.points(Points::new(tr("trials"), trials).radius(2.5));
            if let Some(b) = best {
                plot.points(
                    Points::new(tr("best"), vec![b])
                        .shape(MarkerShape::Diamond)
                        .radius(7.0)
                        .color(BEST),
                );
            }
            if let Some(s) = selected {
                plot.points(
                    Points::new(tr("selected"), vec![s])
                        .filled(false)
                        .radius(9.0)
                        .color(SELECTED),
                );
            }
        });
    Plot::new("gp_slice_acquisition")
        .height(bottom)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .x_axis_formatter(axis.formatter())
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
