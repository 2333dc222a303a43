//! Convergence: every trial's value as a point and the best so far as a line, optionally on a
//! log scale and against cumulative resource (the epochs or steps spent so far, so a pruned
//! study is compared with an unpruned one by its cost); the best and the selected trial are
//! marked.

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
        ui.checkbox(&mut bench.view.by_resource, tr("by resource"))
            .on_hover_text(tr(
                "x is the resource spent so far (epochs or reported steps, pruned trials counting what they ran) instead of the trial number",
            ));
    });
    let study = bench.study();
    let scale = YScale::new(
        bench.view.log_y,
        study.trials.iter().filter_map(|t| t.completed_value()),
    );
    let by_resource = bench.view.by_resource;
    let series = Series::of(study, bench.selection.selected, scale, by_resource);
    let response =
        plot(scale, study.direction, height, by_resource).show(ui, |plot| series.draw(plot));
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

/// Each trial's x with `by_resource`: the resource the study had spent once it finished (the
/// running sum of [`Trial::resource`](crate::study::Trial::resource) in trial order), so every
/// trial's point sits at what it cost to get there. `None` without it: x is the trial's
/// number, and a frame builds no map (10,000 trials redrawn live).
fn x_positions(study: &Study, by_resource: bool) -> Option<std::collections::HashMap<usize, f64>> {
    if !by_resource {
        return None;
    }
    let mut spent = 0u64;
    Some(
        study
            .trials
            .iter()
            .map(|t| {
                spent += t.resource();
                (t.number, spent as f64)
            })
            .collect(),
    )
}

impl Series {
    fn of(study: &Study, selected: Option<usize>, scale: YScale, by_resource: bool) -> Self {
        let xs = x_positions(study, by_resource);
        let x = |n: usize| {
            xs.as_ref()
                .and_then(|xs| xs.get(&n).copied())
                .unwrap_or(n as f64)
        };
        let (values, numbers) = study
            .trials
            .iter()
            .filter_map(|t| {
                t.completed_value()
                    .map(|v| ([x(t.number), scale.y(v)], t.number))
            })
            .unzip();
        let best = study
            .best_so_far()
            .iter()
            .zip(&study.trials)
            .filter_map(|(b, t)| b.map(|b| [x(t.number), scale.y(b)]))
            .collect();
        let best_trial = study
            .best_trial()
            .and_then(|t| t.value.map(|v| [x(t.number), scale.y(v)]));
        let selected = selected.and_then(|n| {
            study
                .trials
                .iter()
                .find(|t| t.number == n)
                .and_then(|t| t.completed_value().map(|v| [x(n), scale.y(v)]))
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
fn plot<'a>(scale: YScale, direction: Direction, height: f32, by_resource: bool) -> Plot<'a> {
    // Keep the legend away from the best-so-far line, which hugs the top when maximising.
    let legend_corner = match direction {
        Direction::Minimize => egui_plot::Corner::RightTop,
        Direction::Maximize => egui_plot::Corner::RightBottom,
    };
    let x_name = if by_resource {
        tr("resource")
    } else {
        tr("trial")
    };
    Plot::new("convergence")
        .height(height)
        .x_axis_label(x_name)
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
                x_name,
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
        let s = Series::of(&study, Some(2), YScale::new(false, [].into_iter()), false);
        assert_eq!(s.values, [[0.0, 3.0], [1.0, 1.0], [2.0, 2.0]]);
        assert_eq!(s.numbers, [0, 1, 2]);
        assert_eq!(s.best, [[0.0, 3.0], [1.0, 1.0], [2.0, 1.0]]);
        assert_eq!(s.best_trial, Some([1.0, 1.0]));
        assert_eq!(s.selected, Some([2.0, 2.0]));
    }

    #[test]
    fn by_resource_each_trial_sits_at_the_resource_spent_once_it_finished() {
        use crate::study::{Intermediate, TrialState};
        let mut study = Workbench::default_study();
        study.direction = Direction::Maximize;
        let steps = |n: u64| {
            (1..=n)
                .map(|step| Intermediate { step, value: 0.5 })
                .collect::<Vec<_>>()
        };
        let mut a = Trial::complete(0, vec![], vec![], 0.8);
        a.intermediate = steps(5);
        let mut b = Trial::complete(1, vec![], vec![], 0.1);
        b.state = TrialState::Pruned {
            step: 1,
            value: 0.1,
        };
        b.value = None;
        b.intermediate = steps(1);
        let mut c = Trial::complete(2, vec![], vec![], 0.9);
        c.intermediate = steps(5);
        study.trials = vec![a, b, c];
        let s = Series::of(&study, None, YScale::new(false, [].into_iter()), true);
        assert_eq!(s.values, [[5.0, 0.8], [11.0, 0.9]]);
        assert_eq!(s.best.last(), Some(&[11.0, 0.9]));
    }

    #[test]
    fn the_y_label_says_how_values_were_shifted_for_the_log() {
        assert_eq!(y_label(YScale::new(false, [-1.0].into_iter())), "value");
        assert_eq!(y_label(YScale::new(true, [1.0].into_iter())), "value (log)");
        let shifted = y_label(YScale::new(true, [-3.0, 1.0].into_iter()));
        assert!(shifted.starts_with("value (log of value − -3.00"));
    }
}
