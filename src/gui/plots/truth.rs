//! Known truth, for synthetic objectives: the true function and the GP posterior mean side
//! by side over the chosen pair of parameters (other coordinates at the best trial's point),
//! on one colour scale with the trials on both, and below them the regret of the best so far
//! against the known minimum. What the GP believes is only worth judging against the truth.

use super::{Projected, Textures};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::gui::views::Grid2;
use crate::objective::ObjectiveSpec;
use crate::study::{Direction, Study};
use eframe::egui;
use egui_plot::{Legend, Line, Plot, Points};

/// Smallest regret the log axis shows (a trial at the minimum has regret 0).
const REGRET_FLOOR: f64 = 1e-12;

/// The known minimum of a synthetic objective, `None` for any other objective.
pub fn known_minimum(objective: &ObjectiveSpec) -> Option<f64> {
    match objective {
        ObjectiveSpec::Synthetic { function, .. } => Some(function.minimum()),
        _ => None,
    }
}

/// `(trial number, log10(best so far − minimum))` after every trial with a best so far:
/// how far the search still is from the optimum, on the scale where progress shows.
pub fn regret_curve(study: &Study, minimum: f64) -> Vec<[f64; 2]> {
    study
        .trials
        .iter()
        .zip(study.best_so_far())
        .filter_map(|(t, b)| b.map(|b| [t.number as f64, (b - minimum).max(REGRET_FLOOR).log10()]))
        .collect()
}

/// Two grids with the same colour scale (the union of their ranges), so equal colours mean
/// equal values on both.
fn common_scale(a: &Grid2, b: &Grid2) -> (Grid2, Grid2) {
    let (min, max) = (a.min.min(b.min), a.max.max(b.max));
    let mut a = a.clone();
    let mut b = b.clone();
    (a.min, a.max, b.min, b.max) = (min, max, min, max);
    (a, b)
}

/// Draw the Truth tab, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, textures: &mut Textures, height: f32) {
    let Some(minimum) = known_minimum(&bench.study().objective) else {
        ui.strong(tr("Known truth"));
        ui.label(fill(
            tr("This view needs a synthetic test function, whose true surface and minimum are known; the study's objective, {}, can only be learnt from its trials."),
            &[&bench.study().objective.label()],
        ));
        return;
    };
    let regret_height = (height * 0.3).max(80.0);
    let map_height = (height - regret_height - 60.0).max(120.0);
    if let Some((axes, index, params)) = super::pair_header(
        ui,
        bench,
        "Known truth",
        "The two maps need two free parameters; the regret curve is below.",
    ) {
        let (xa, ya) = (&axes[params.x], &axes[params.y]);
        let result = bench
            .background
            .view_result
            .clone()
            .filter(|r| r.params == params);
        let grids = result.as_ref().and_then(|r| {
            Some((
                r.truth.as_ref()?,
                r.surface.as_ref()?,
                r.surface_kind,
                r.revision,
            ))
        });
        let projected = Projected::of_pair(bench, &axes, &index, params);
        let minimise = bench.study().direction == Direction::Minimize;
        match grids {
            Some((truth, model, kind, revision)) => {
                ui.label(fill(
                    tr("left: the true function; right: the {} — through the best trial, one colour scale, bright = better"),
                    &[&tr(kind)],
                ));
                let (truth, model) = common_scale(truth, model);
                let stamp = super::pair_stamp(revision, &params);
                let t_tex = textures.heatmap(ui.ctx(), "truth", stamp, &truth, minimise);
                let m_tex = textures.heatmap(ui.ctx(), "truth_model", stamp, &model, minimise);
                ui.columns(2, |cols| {
                    super::heatmap_plot(
                        &mut cols[0],
                        bench,
                        "truth_true",
                        "true value",
                        (xa, ya),
                        Some(&truth),
                        Some(&t_tex),
                        &projected,
                        minimise,
                        map_height,
                    );
                    super::heatmap_plot(
                        &mut cols[1],
                        bench,
                        "truth_model",
                        "model",
                        (xa, ya),
                        Some(&model),
                        Some(&m_tex),
                        &projected,
                        minimise,
                        map_height,
                    );
                });
            }
            None if projected.points.is_empty() => {
                ui.label(tr(
                    "Press Run: the true surface and the model's appear with the first trials.",
                ));
            }
            None => {
                ui.label(tr("computing the true surface and the model's…"));
            }
        }
    }
    regret(ui, bench.study(), minimum, regret_height);
}

/// The regret curve below the maps.
fn regret(ui: &mut egui::Ui, study: &Study, minimum: f64, height: f32) {
    if study.direction != Direction::Minimize {
        ui.label(tr("Regret needs the study to minimise the function."));
        return;
    }
    let curve = regret_curve(study, minimum);
    ui.label(fill(
        tr("log10 regret: best so far − known minimum ({})"),
        &[&super::number(minimum)],
    ));
    let last = curve.last().copied();
    Plot::new("truth_regret")
        .height(height)
        .x_axis_label(tr("trial"))
        .y_axis_label(tr("log10 regret"))
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.line(Line::new(tr("best so far"), curve).width(2.0));
            if let Some(l) = last {
                plot.points(
                    Points::new(tr("now"), vec![l])
                        .radius(4.0)
                        .color(super::BEST),
                );
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::SyntheticFn;

    #[test]
    fn regret_falls_with_the_best_so_far() {
        let mut study = Workbench::branin_study();
        study.strategy = crate::strategy::StrategySpec::Random;
        study.budget = 8;
        let mut bench = Workbench::new(study);
        bench.workers.jobs = 1;
        bench.run();
        bench.finish_blocking();
        let min = SyntheticFn::Branin.minimum();
        assert_eq!(known_minimum(&bench.study().objective), Some(min));
        let curve = regret_curve(bench.study(), min);
        assert_eq!(curve.len(), 8);
        assert!(curve.windows(2).all(|w| w[1][1] <= w[0][1]));
        let best = bench.study().best_trial().and_then(|t| t.value).unwrap();
        assert!((curve[7][1] - (best - min).log10()).abs() < 1e-12);
        let model = Workbench::default_study();
        assert_eq!(known_minimum(&model.objective), None);
    }
}
