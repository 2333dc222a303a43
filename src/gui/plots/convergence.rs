//! Convergence: every trial's value as a point and the best so far as a line, optionally on a
//! log scale; the best and the selected trial are marked.

use super::{BEST, SELECTED};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use eframe::egui;
use egui_plot::{Legend, Line, MarkerShape, Plot, Points};

/// How values map to the y axis: plain, or log10 of the distance above a floor (values at or
/// below zero have no logarithm, so they are shifted to just above the smallest one).
#[derive(Clone, Copy, Debug, PartialEq)]
struct YScale {
    log: bool,
    offset: f64,
}

impl YScale {
    fn new(log: bool, values: impl Iterator<Item = f64>) -> Self {
        let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let offset = if !log || !min.is_finite() || min > 0.0 {
            0.0
        } else {
            min - ((max - min) * 1e-3).max(1e-12)
        };
        YScale { log, offset }
    }

    fn y(self, v: f64) -> f64 {
        if self.log {
            (v - self.offset).log10()
        } else {
            v
        }
    }

    fn value(self, y: f64) -> f64 {
        if self.log {
            10f64.powf(y) + self.offset
        } else {
            y
        }
    }
}

/// Draw the convergence plot, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, height: f32) {
    ui.horizontal(|ui| {
        ui.strong(tr("Convergence"));
        ui.label(tr("every trial's value and the best so far"));
        ui.checkbox(&mut bench.view.log_y, tr("log y"));
    });
    let study = bench.study();
    let scale = YScale::new(
        bench.view.log_y,
        study.trials.iter().filter_map(|t| t.completed_value()),
    );
    let values: Vec<[f64; 2]> = study
        .trials
        .iter()
        .filter_map(|t| t.completed_value().map(|v| [t.number as f64, scale.y(v)]))
        .collect();
    let best: Vec<[f64; 2]> = study
        .best_so_far()
        .iter()
        .zip(&study.trials)
        .filter_map(|(b, t)| b.map(|b| [t.number as f64, scale.y(b)]))
        .collect();
    let best_trial = study
        .best_trial()
        .and_then(|t| t.value.map(|v| [t.number as f64, scale.y(v)]));
    let selected = bench.selection.selected.and_then(|n| {
        study
            .trials
            .iter()
            .find(|t| t.number == n)
            .and_then(|t| t.completed_value().map(|v| [n as f64, scale.y(v)]))
    });
    let y_label = if scale.log && scale.offset != 0.0 {
        fill(
            tr("value (log of value − {})"),
            &[&format!("{:.3}", scale.offset)],
        )
    } else if scale.log {
        tr("value (log)").into()
    } else {
        tr("value").into()
    };
    let numbers: Vec<usize> = study
        .trials
        .iter()
        .filter(|t| t.completed_value().is_some())
        .map(|t| t.number)
        .collect();
    let hit_points = values.clone();
    // Keep the legend away from the best-so-far line, which hugs the top when maximising.
    let legend_corner = match study.direction {
        crate::study::Direction::Minimize => egui_plot::Corner::RightTop,
        crate::study::Direction::Maximize => egui_plot::Corner::RightBottom,
    };
    let response = Plot::new("convergence")
        .height(height)
        .x_axis_label(tr("trial"))
        .y_axis_label(y_label)
        .y_axis_formatter(move |mark, range| {
            if scale.log && super::skip_log_mark(mark.value, range) {
                return String::new();
            }
            super::number(scale.value(mark.value))
        })
        .label_formatter(move |pos| {
            let p = match pos {
                egui_plot::HoverPosition::NearDataPoint { position, .. } => *position,
                egui_plot::HoverPosition::Elsewhere { position } => *position,
            };
            Some(format!(
                "{} {:.0}\n{} {}",
                tr("trial"),
                p.x,
                tr("value"),
                super::number(scale.value(p.y))
            ))
        })
        .legend(Legend::default().position(legend_corner))
        .show(ui, |plot| {
            plot.points(Points::new(tr("trials"), values).radius(2.0));
            plot.line(Line::new(tr("best so far"), best).width(2.0));
            if let Some(b) = best_trial {
                plot.points(
                    Points::new(tr("best"), vec![b])
                        .shape(MarkerShape::Diamond)
                        .radius(6.0)
                        .color(BEST),
                );
            }
            if let Some(s) = selected {
                plot.points(
                    Points::new(tr("selected"), vec![s])
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(8.0)
                        .color(SELECTED),
                );
            }
        });
    // Clicking near a point selects that trial (anywhere else clears the selection).
    if response.response.clicked()
        && let Some(pointer) = response.response.interact_pointer_pos()
    {
        let hit = hit_points
            .iter()
            .zip(&numbers)
            .map(|(p, n)| {
                let s = response
                    .transform
                    .position_from_point(&egui_plot::PlotPoint::new(p[0], p[1]));
                (s.distance(pointer), *n)
            })
            .filter(|(d, _)| *d < 12.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| n);
        bench.select(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::YScale;

    #[test]
    fn log_scale_shifts_non_positive_values() {
        let s = YScale::new(true, [-3.0, 1.0].into_iter());
        assert!(s.y(-3.0).is_finite());
        assert!((s.value(s.y(1.0)) - 1.0).abs() < 1e-9);
        let plain = YScale::new(false, [-3.0].into_iter());
        assert_eq!(plain.y(-3.0), -3.0);
    }
}
