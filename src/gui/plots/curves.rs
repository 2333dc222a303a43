//! Learning curves: every trial's intermediate values (a training script's
//! `{"step": 3, "value": 0.91}` lines) as a line over its steps, drawn while the trials run.
//!
//! Each trial's curve is drawn by what became of it ([`CurveKind`]): complete trials in one
//! colour, running ones brighter with their latest point marked, and every trial that ended
//! without a value (failed, or stopped early by a pruner) dimmed, so a study that throws
//! trials away shows which curves were cut. The best trial's curve and the selected trial's
//! (the selection the trial table shares) are drawn over the rest. The curves are computed
//! by [`Curves::of`], a pass over the trials with no drawing in it. A pruned trial's curve ends
//! in a cross where the pruner stopped it, and an ASHA or Hyperband pruner's rungs (the steps
//! where trials are compared) are vertical lines, so the picture shows where the cuts fall.

use super::{BEST, SELECTED};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::objective::ObjectiveSpec;
use crate::pruner::PrunerSpec;
use crate::study::{Study, TrialState};
use eframe::egui::{self, Color32};
use egui_plot::{ColorConflictHandling, Legend, Line, MarkerShape, Plot, PlotUi, Points, VLine};

/// Colour of a complete trial's curve.
const COMPLETE: Color32 = Color32::from_rgb(86, 180, 233);
/// Colour of a running trial's curve: brighter than the finished ones, so it stands out.
const RUNNING: Color32 = Color32::from_rgb(0, 200, 140);
/// Colour of a curve whose trial ended without a value, before dimming.
const ENDED: Color32 = Color32::from_rgb(150, 150, 150);
/// Colour of the crosses where pruned trials stopped.
const STOP: Color32 = Color32::from_rgb(213, 94, 0);
/// Colour of the rung lines.
const RUNG: Color32 = Color32::from_rgb(204, 121, 167);

/// What became of a trial, as its curve shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveKind {
    /// Still running: its curve grows while the view is open.
    Running,
    /// Finished with a value.
    Complete,
    /// Ended without a value (failed, or stopped early): drawn dimmed.
    Ended,
}

impl CurveKind {
    /// The kind of a trial in `state`. Every state that is neither running nor complete
    /// (failed today, pruned once pruners record it) is an ended curve.
    pub fn of(state: &TrialState) -> Self {
        match state {
            TrialState::Running => CurveKind::Running,
            TrialState::Complete => CurveKind::Complete,
            _ => CurveKind::Ended,
        }
    }

    /// The legend entry curves of this kind share.
    fn name(self) -> &'static str {
        match self {
            CurveKind::Running => tr("running"),
            CurveKind::Complete => tr("complete"),
            CurveKind::Ended => tr("failed or stopped"),
        }
    }

    /// The colour of curves of this kind: ended ones faded into the background.
    fn colour(self) -> Color32 {
        match self {
            CurveKind::Running => RUNNING,
            CurveKind::Complete => COMPLETE.gamma_multiply(0.75),
            CurveKind::Ended => ENDED.gamma_multiply(0.6),
        }
    }

    fn width(self) -> f32 {
        match self {
            CurveKind::Running => 2.0,
            CurveKind::Complete => 1.2,
            CurveKind::Ended => 1.0,
        }
    }
}

/// One trial's learning curve in plot coordinates (x the step, y the value).
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The trial's number.
    pub number: usize,
    /// What became of the trial.
    pub kind: CurveKind,
    /// Its intermediate values in the order reported, as `[step, value]`.
    pub points: Vec<[f64; 2]>,
}

/// Every trial's curve, and which of them are the best and the selected trial.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Curves {
    /// The curves of the trials that reported anything, in trial order.
    pub curves: Vec<Curve>,
    /// Index into `curves` of the best trial, when it reported intermediate values.
    pub best: Option<usize>,
    /// Index into `curves` of the selected trial, when it reported intermediate values.
    pub selected: Option<usize>,
    /// How many trials the study has (with or without a curve).
    pub trials: usize,
    /// Where each pruned trial stopped: `[step, value]` of its last report.
    pub stops: Vec<[f64; 2]>,
    /// The steps of the pruner's rungs within the steps reported (ASHA and Hyperband only).
    pub rungs: Vec<u64>,
}

impl Curves {
    /// The curves of `study`'s trials, with `selected` (a trial number) picked out. One pass
    /// over the trials and their intermediate values; non-finite values are left out (a
    /// script may report a NaN loss before it diverges).
    pub fn of(study: &Study, selected: Option<usize>) -> Self {
        let curves: Vec<Curve> = study
            .trials
            .iter()
            .filter(|t| !t.intermediate.is_empty())
            .map(|t| Curve {
                number: t.number,
                kind: CurveKind::of(&t.state),
                points: t
                    .intermediate
                    .iter()
                    .filter(|p| p.value.is_finite())
                    .map(|p| [p.step as f64, p.value])
                    .collect(),
            })
            .collect();
        let index_of = |n: usize| curves.iter().position(|c| c.number == n);
        let best = study.best_trial().and_then(|t| index_of(t.number));
        let selected = selected.and_then(index_of);
        let stops = study
            .trials
            .iter()
            .filter_map(|t| match t.state {
                TrialState::Pruned { step, value } if value.is_finite() => {
                    Some([step as f64, value])
                }
                _ => None,
            })
            .collect();
        let last = study
            .trials
            .iter()
            .flat_map(|t| t.intermediate.iter().map(|p| p.step))
            .max()
            .unwrap_or(0);
        Curves {
            curves,
            best,
            selected,
            trials: study.trials.len(),
            stops,
            rungs: rungs(&study.pruner, last),
        }
    }

    /// Whether no trial reported an intermediate value.
    pub fn is_empty(&self) -> bool {
        self.curves.is_empty()
    }

    /// How many curves are of `kind`.
    pub fn count(&self, kind: CurveKind) -> usize {
        self.curves.iter().filter(|c| c.kind == kind).count()
    }

    /// Every point with its trial's number, for click-to-select.
    fn points_and_numbers(&self) -> (Vec<[f64; 2]>, Vec<usize>) {
        self.curves
            .iter()
            .flat_map(|c| c.points.iter().map(move |p| (*p, c.number)))
            .unzip()
    }

    /// The curves: ended ones first (underneath), then complete and running ones, each kind's
    /// points as one marker series (a curve of one step is a dot); the best and the
    /// selected trial's curves over everything.
    fn draw(&self, plot: &mut PlotUi<'_>) {
        for kind in [CurveKind::Ended, CurveKind::Complete, CurveKind::Running] {
            let mut dots = Vec::new();
            for c in self.curves.iter().filter(|c| c.kind == kind) {
                plot.line(
                    Line::new(kind.name(), c.points.clone())
                        .color(kind.colour())
                        .width(kind.width()),
                );
                match kind {
                    // A running trial's latest value is where its curve grows next.
                    CurveKind::Running => dots.extend(c.points.last().copied()),
                    _ => dots.extend(c.points.iter().copied()),
                }
            }
            if !dots.is_empty() {
                let radius = if kind == CurveKind::Running { 3.5 } else { 1.5 };
                plot.points(
                    Points::new(kind.name(), dots)
                        .color(kind.colour())
                        .radius(radius),
                );
            }
        }
        for &at in &self.rungs {
            plot.vline(
                VLine::new(tr("rung"), at as f64)
                    .color(RUNG.gamma_multiply(0.7))
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
        }
        if !self.stops.is_empty() {
            plot.points(
                Points::new(tr("pruned here"), self.stops.clone())
                    .shape(MarkerShape::Cross)
                    .radius(5.0)
                    .color(STOP),
            );
        }
        if let Some(best) = self.best.and_then(|i| self.curves.get(i)) {
            plot.line(
                Line::new(tr("best"), best.points.clone())
                    .color(BEST)
                    .width(2.5),
            );
            if let Some(last) = best.points.last() {
                super::mark_best(plot, *last);
            }
        }
        if let Some(sel) = self.selected.and_then(|i| self.curves.get(i)) {
            plot.line(
                Line::new(tr("selected"), sel.points.clone())
                    .color(SELECTED)
                    .width(3.0),
            );
            plot.points(
                Points::new(tr("selected"), sel.points.clone())
                    .shape(MarkerShape::Circle)
                    .radius(3.0)
                    .color(SELECTED),
            );
        }
    }
}

/// The steps where `pruner` compares trials, up to `last` (the largest step reported): ASHA's
/// rungs `min_resource · η^(rate + r)`, and for Hyperband every bracket's rungs, which are
/// `min_resource · η^k` for all `k`. Other rules have no rungs.
pub fn rungs(pruner: &PrunerSpec, last: u64) -> Vec<u64> {
    let (first, eta) = match pruner {
        PrunerSpec::Asha(a) => match a.rung_step(0) {
            Some(first) => (first, a.reduction_factor),
            None => return Vec::new(),
        },
        PrunerSpec::Hyperband(h) => (h.min_resource, h.reduction_factor),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut at = Some(first);
    while let Some(step) = at
        && step <= last
        && eta >= 2
    {
        out.push(step);
        at = step.checked_mul(eta);
    }
    out
}

/// Whether the study can have learning curves: its objective is a command (which may print
/// them) or a model trained in epochs, it has a pruner, or a trial has reported some. The tab
/// bar shows the view only then, so studies of objectives that never report progress keep a
/// tab bar without a view that stays empty.
pub fn available(study: &Study) -> bool {
    reports_steps(&study.objective)
        || study.pruner.is_active()
        || study.trials.iter().any(|t| !t.intermediate.is_empty())
}

/// Whether `objective` can report intermediate values: a command (which may print them) or
/// a model trained in epochs. Only then is a pruner worth offering.
pub fn reports_steps(objective: &ObjectiveSpec) -> bool {
    match objective {
        ObjectiveSpec::Command { .. } => true,
        ObjectiveSpec::Model { model, .. } => model.reports_steps(),
        _ => false,
    }
}

/// The line above the plot: how many trials have curves, how many still run, and how many
/// a pruner stopped.
fn summary(curves: &Curves) -> String {
    let mut text = fill(
        tr("{} of {} trials reported intermediate values ({} running)"),
        &[
            &curves.curves.len(),
            &curves.trials,
            &curves.count(CurveKind::Running),
        ],
    );
    if !curves.stops.is_empty() {
        text += &fill(tr("; {} pruned (crosses)"), &[&curves.stops.len()]);
    }
    text
}

/// What the view says when there is nothing to draw: how a script reports a curve.
pub fn empty_text() -> String {
    fill(
        tr(
            "No trial reported intermediate values. Scripts report them by printing {} on a line of their output while they train.",
        ),
        &[&r#"{"step": 3, "value": 0.91}"#],
    )
}

/// Draw the learning curves, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, height: f32) {
    let curves = Curves::of(bench.study(), bench.selection.selected);
    ui.horizontal(|ui| {
        ui.strong(tr("Learning curves"));
        ui.label(tr("each trial's intermediate values by step"));
    });
    if curves.is_empty() {
        ui.add_space(height / 3.0);
        ui.vertical_centered(|ui| ui.label(empty_text()));
        return;
    }
    ui.label(egui::RichText::new(summary(&curves)).weak());
    let response = Plot::new("learning_curves")
        .height(height - 20.0)
        .x_axis_label(tr("step"))
        .y_axis_label(tr("value"))
        .y_axis_formatter(|mark, _| super::number(mark.value))
        .label_formatter(|pos| {
            let p = super::hover_point(pos);
            Some(format!(
                "{} {:.0}\n{} {}",
                tr("step"),
                p.x,
                tr("value"),
                super::number(p.y)
            ))
        })
        .legend(Legend::default().color_conflict_handling(ColorConflictHandling::PickFirst))
        .show(ui, |plot| curves.draw(plot));
    // Clicking near a point selects its trial (anywhere else clears the selection).
    if response.response.clicked()
        && let Some(pointer) = response.response.interact_pointer_pos()
    {
        let (points, numbers) = curves.points_and_numbers();
        let hit = super::nearest_trial(&points, &numbers, &response.transform, pointer);
        bench.select(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::{CurveKind, Curves, empty_text};
    use crate::gui::state::Workbench;
    use crate::study::{Direction, Intermediate, Trial, TrialState};

    fn trial(number: usize, state: TrialState, value: Option<f64>, steps: &[f64]) -> Trial {
        let mut t = Trial::complete(number, vec![], vec![], 0.0);
        t.state = state;
        t.value = value;
        t.intermediate = steps
            .iter()
            .enumerate()
            .map(|(i, v)| Intermediate {
                step: i as u64 + 1,
                value: *v,
            })
            .collect();
        t
    }

    #[test]
    fn each_trial_that_reported_gets_a_curve_of_its_kind() {
        let mut study = Workbench::default_study();
        study.direction = Direction::Minimize;
        study.trials = vec![
            trial(0, TrialState::Complete, Some(0.5), &[0.9, 0.7, 0.5]),
            trial(1, TrialState::Complete, Some(0.2), &[]),
            trial(2, TrialState::Failed("boom".into()), None, &[0.8, f64::NAN]),
            trial(3, TrialState::Running, None, &[0.6]),
        ];
        let c = Curves::of(&study, Some(3));
        assert_eq!(c.trials, 4);
        let numbers: Vec<usize> = c.curves.iter().map(|c| c.number).collect();
        assert_eq!(numbers, [0, 2, 3], "trial 1 reported nothing");
        assert_eq!(c.curves[0].points, [[1.0, 0.9], [2.0, 0.7], [3.0, 0.5]]);
        assert_eq!(c.curves[1].kind, CurveKind::Ended);
        assert_eq!(c.curves[1].points, [[1.0, 0.8]], "the NaN is left out");
        assert_eq!(c.curves[2].kind, CurveKind::Running);
        assert_eq!(c.best, None, "the best trial (1) has no curve");
        assert_eq!(c.selected, Some(2));
        assert_eq!(c.count(CurveKind::Complete), 1);
    }

    #[test]
    fn the_best_trial_with_a_curve_is_picked_out() {
        let mut study = Workbench::default_study();
        study.direction = Direction::Maximize;
        study.trials = vec![
            trial(0, TrialState::Complete, Some(0.5), &[0.3, 0.5]),
            trial(1, TrialState::Complete, Some(0.8), &[0.4, 0.8]),
        ];
        let c = Curves::of(&study, None);
        assert_eq!(c.best, Some(1));
        assert_eq!(c.selected, None);
        assert!(!c.is_empty());
    }

    #[test]
    fn pruned_trials_end_in_a_cross_and_asha_rungs_are_listed_up_to_the_last_step() {
        let mut study = Workbench::default_study();
        study.pruner = crate::pruner::PrunerSpec::from_name("asha").unwrap();
        study.trials = vec![
            trial(
                0,
                TrialState::Complete,
                Some(0.9),
                &[0.5, 0.7, 0.8, 0.85, 0.9],
            ),
            trial(
                1,
                TrialState::Pruned {
                    step: 1,
                    value: 0.2,
                },
                None,
                &[0.2],
            ),
        ];
        let c = Curves::of(&study, None);
        assert_eq!(c.stops, [[1.0, 0.2]]);
        assert_eq!(c.rungs, [1, 4], "η = 4 from step 1, up to step 5");
        assert_eq!(c.curves[1].kind, CurveKind::Ended);
        assert!(super::available(&study));
        let hyperband = crate::pruner::PrunerSpec::from_name("hyperband").unwrap();
        assert_eq!(super::rungs(&hyperband, 10), [1, 3, 9]);
        assert!(super::rungs(&crate::pruner::PrunerSpec::None, 10).is_empty());
    }

    #[test]
    fn the_empty_view_says_how_a_script_reports_a_curve() {
        let study = Workbench::default_study();
        assert!(Curves::of(&study, None).is_empty());
        assert!(
            !super::available(&study),
            "a model that reports nothing has no tab"
        );
        assert!(empty_text().contains(r#"{"step": 3, "value": 0.91}"#));
    }
}
