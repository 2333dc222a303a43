//! Convergence: every trial's value as a point and the best so far as a line, optionally on a
//! log scale; the best and the selected trial are marked.

use super::{BEST, SELECTED};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::study::{Direction, Study};
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
    let series = Series::of(study, bench.selection.selected, scale);
    let response = plot(scale, study.direction, height).show(ui, |plot| series.draw(plot));
    // Clicking near a point selects that trial (anywhere else clears the selection).
    if response.response.clicked()
        && let Some(pointer) = response.response.interact_pointer_pos()
    {
        let hit = super::nearest_trial(
            &series.values,
            &series.numbers,
            &response.transform,
            pointer,
        );
        bench.select(hit);
    }
}

/// What the plot shows, in plot coordinates (x the trial number, y on the [`YScale`]).
struct Series {
    /// Every completed trial.
    values: Vec<[f64; 2]>,
    /// Their trial numbers, for click-to-select.
    numbers: Vec<usize>,
    /// The best value so far after each trial.
    best: Vec<[f64; 2]>,
    /// The best trial.
    best_trial: Option<[f64; 2]>,
    /// The selected trial, if it has a value.
    selected: Option<[f64; 2]>,
}

impl Series {
    fn of(study: &Study, selected: Option<usize>, scale: YScale) -> Self {
        let (values, numbers) = study
            .trials
            .iter()
            .filter_map(|t| {
                t.completed_value()
                    .map(|v| ([t.number as f64, scale.y(v)], t.number))
            })
            .unzip();
        let best = study
            .best_so_far()
            .iter()
            .zip(&study.trials)
            .filter_map(|(b, t)| b.map(|b| [t.number as f64, scale.y(b)]))
            .collect();
        let best_trial = study
            .best_trial()
            .and_then(|t| t.value.map(|v| [t.number as f64, scale.y(v)]));
        let selected = selected.and_then(|n| {
            study
                .trials
                .iter()
                .find(|t| t.number == n)
                .and_then(|t| t.completed_value().map(|v| [n as f64, scale.y(v)]))
        });
        Series {
            values,
            numbers,
            best,
            best_trial,
            selected,
        }
    }

    /// The trials as points, the best so far as a line, the best and the selected trial
    /// marked.
    fn draw(&self, plot: &mut egui_plot::PlotUi<'_>) {
        plot.points(Points::new(tr("trials"), self.values.clone()).radius(2.0));
        plot.line(Line::new(tr("best so far"), self.best.clone()).width(2.0));
        if let Some(b) = self.best_trial {
            plot.points(
                Points::new(tr("best"), vec![b])
                    .shape(MarkerShape::Diamond)
                    .radius(6.0)
                    .color(BEST),
            );
        }
        if let Some(s) = self.selected {
            plot.points(
                Points::new(tr("selected"), vec![s])
                    .shape(MarkerShape::Circle)
                    .filled(false)
                    .radius(8.0)
                    .color(SELECTED),
            );
        }
    }
}

/// The y axis' title: says when the axis is logarithmic, and by how much values were shifted
/// to have a logarithm.
fn y_label(scale: YScale) -> String {
    if scale.log && scale.offset != 0.0 {
        fill(
            tr("value (log of value − {})"),
            &[&format!("{:.3}", scale.offset)],
        )
    } else if scale.log {
        tr("value (log)").into()
    } else {
        tr("value").into()
    }
}

/// The empty plot: axes labelled in the objective's units whatever the scale, a hover text
/// with the trial and its value, and the legend away from the best-so-far line.
fn plot<'a>(scale: YScale, direction: Direction, height: f32) -> Plot<'a> {
    // Keep the legend away from the best-so-far line, which hugs the top when maximising.
    let legend_corner = match direction {
        Direction::Minimize => egui_plot::Corner::RightTop,
        Direction::Maximize => egui_plot::Corner::RightBottom,
    };
    Plot::new("convergence")
        .height(height)
        .x_axis_label(tr("trial"))
        .y_axis_label(y_label(scale))
        .y_axis_formatter(move |mark, range| {
            if scale.log && super::skip_log_mark(mark.value, range) {
                return String::new();
            }
            super::number(scale.value(mark.value))
        })
        .label_formatter(move |pos| {
            let p = super::hover_point(pos);
            Some(format!(
                "{} {:.0}\n{} {}",
                tr("trial"),
                p.x,
                tr("value"),
                super::number(scale.value(p.y))
            ))
        })
        .legend(Legend::default().position(legend_corner))
}

#[cfg(test)]
mod tests {
    use super::{Series, YScale, y_label};
    use crate::gui::state::Workbench;
    use crate::study::{Direction, Trial};

    #[test]
    fn log_scale_shifts_non_positive_values() {
        let s = YScale::new(true, [-3.0, 1.0].into_iter());
        assert!(s.y(-3.0).is_finite());
        assert!((s.value(s.y(1.0)) - 1.0).abs() < 1e-9);
        let plain = YScale::new(false, [-3.0].into_iter());
        assert_eq!(plain.y(-3.0), -3.0);
    }

    #[test]
    fn the_series_follow_the_trials_the_best_so_far_and_the_selection() {
        let mut study = Workbench::default_study();
        study.direction = Direction::Minimize;
        study.trials = [3.0, 1.0, 2.0]
            .iter()
            .enumerate()
            .map(|(i, v)| Trial::complete(i, vec![], vec![], *v))
            .collect();
        let s = Series::of(&study, Some(2), YScale::new(false, [].into_iter()));
        assert_eq!(s.values, [[0.0, 3.0], [1.0, 1.0], [2.0, 2.0]]);
        assert_eq!(s.numbers, [0, 1, 2]);
        assert_eq!(s.best, [[0.0, 3.0], [1.0, 1.0], [2.0, 1.0]]);
        assert_eq!(s.best_trial, Some([1.0, 1.0]));
        assert_eq!(s.selected, Some([2.0, 2.0]));
    }

    #[test]
    fn the_y_label_says_how_values_were_shifted_for_the_log() {
        assert_eq!(y_label(YScale::new(false, [-1.0].into_iter())), "value");
        assert_eq!(y_label(YScale::new(true, [1.0].into_iter())), "value (log)");
        let shifted = y_label(YScale::new(true, [-3.0, 1.0].into_iter()));
        assert!(shifted.starts_with("value (log of value − -3.00"));
    }
}
