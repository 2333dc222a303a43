//! The Race tab: pick lanes (a strategy and a pruner each) and repeats, start (or continue)
//! the race, watch the mean curves and their bands overlaid, against trials or resource, and
//! read the ranking. Drawing only; everything it changes goes through [`Race`]'s methods.

use super::state::{
    Lane, MAX_RACERS, MAX_REPEATS, MIN_RACERS, MeanSd, Race, RacerState, RankRow, Wake,
};
use crate::gui::i18n::{fill, tr};
use crate::gui::loading::Waiting;
use crate::gui::panels::objective::{objective_for, pending_for as objective_pending_for, want};
use crate::gui::plots::FAILED;
use crate::gui::state::{AfterConsent, Workbench};
use crate::objective::ObjectiveSpec;
use crate::pruner::{PRUNERS, PrunerSpec};
use crate::strategy::{STRATEGIES, StrategyInfo};
use eframe::egui::{self, Color32};
use egui_plot::{ColorConflictHandling, FilledArea, Legend, Line, MarkerShape, Plot, Points};
use std::sync::Arc;

/// One colour per strategy, in pick order; six, as a race has at most six strategies.
pub const COLOURS: [Color32; MAX_RACERS] = [
    Color32::from_rgb(86, 180, 233),
    Color32::from_rgb(230, 159, 0),
    Color32::from_rgb(0, 158, 115),
    Color32::from_rgb(204, 121, 167),
    Color32::from_rgb(240, 228, 66),
    Color32::from_rgb(213, 94, 0),
];

/// A number with about three significant digits, for spreads next to a mean.
fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let mag = x.abs().log10().floor();
    if (-3.0..5.0).contains(&mag) {
        format!("{:.*}", (2.0 - mag).max(0.0) as usize, x)
    } else {
        format!("{x:.2e}")
    }
}

/// A duration readable from microseconds (fast strategies) to seconds (GP-BO).
fn seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

/// "mean ± sd", or the plain value with one run.
fn mean_sd(s: Option<MeanSd>, one: impl Fn(f64) -> String) -> String {
    match s {
        None => "—".into(),
        Some(s) if s.n == 1 => one(s.mean),
        Some(s) => format!("{} ± {}", one(s.mean), sig3(s.sd)),
    }
}

/// Draw the Race tab in `height` points; a new race runs on the current study of `bench`.
pub fn show(ui: &mut egui::Ui, race: &mut Race, bench: &mut Workbench, height: f32) {
    let top = ui.cursor().top();
    let running = race.is_running();
    lane_picker(ui, race, running);
    ui.horizontal(|ui| {
        race_settings(ui, race, running);
        resource_settings(ui, race, running);
        race_buttons(ui, race, bench, running);
    });
    ui.label(problem_line(race, bench));
    objective_line(ui, race, bench);
    if running {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(200));
    }

    let strategies = race.strategies().len();
    let runs = race.runs_per_strategy();
    // Below the lanes and settings rows (one or more, as the lanes wrap): the plot, its note
    // and the ranking.
    let used = ui.cursor().top() - top;
    let note = if runs > 1 { 20.0 } else { 0.0 };
    let table_height = 48.0 + 22.0 * strategies as f32 + note;
    let plot_height = (height - used - table_height + 30.0).max(120.0);
    curves_plot(ui, race, runs, plot_height);
    if runs > 1 {
        ui.label(
            egui::RichText::new(fill(
                tr("lines: mean over each strategy's {} runs; shaded: the runs' min–max"),
                &[&runs],
            ))
            .weak(),
        );
    }
    ui.strong(tr("Ranking"));
    ui.label(egui::RichText::new(ranking_note(race.within_percent, runs)).weak());
    ranking_table(ui, race);
}

/// A waker that repaints the window, for the race's workers to call when a trial lands.
fn waker(ctx: &egui::Context) -> Wake {
    let ctx = ctx.clone();
    Arc::new(move || ctx.request_repaint())
}

/// One checkbox per strategy, then the lanes, one box each: its strategy, its pruner
/// (settings in a menu beside it) and a button to drop it; then a button to add one (at
/// most [`MAX_RACERS`] lanes; fixed while the race runs). Ticking a strategy adds its lane
/// without a pruner, unticking drops all its lanes; two lanes may share a strategy under
/// different pruners.
fn lane_picker(ui: &mut egui::Ui, race: &mut Race, running: bool) {
    ui.horizontal_wrapped(|ui| {
        ui.label(tr("Strategies:"));
        for &StrategyInfo { name, summary, .. } in STRATEGIES {
            let mut on = race.picked.iter().any(|p| p.strategy == name);
            let enabled = !running && (on || race.picked.len() < MAX_RACERS);
            if ui
                .add_enabled(enabled, egui::Checkbox::new(&mut on, name))
                .on_hover_text(tr(summary))
                .changed()
            {
                if on {
                    race.picked.push(Lane::new(name));
                } else {
                    race.picked.retain(|p| p.strategy != name);
                }
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(tr("Lanes:"));
        let mut drop = None;
        for (i, lane) in race.picked.iter_mut().enumerate() {
            // A framed box cannot wrap by itself (its size is known only once drawn).
            if ui.available_width() < LANE_WIDTH {
                ui.end_row();
            }
            ui.add_enabled_ui(!running, |ui| {
                let frame = egui::Frame::new()
                    .inner_margin(2.0)
                    .corner_radius(4.0)
                    .stroke(ui.visuals().widgets.noninteractive.bg_stroke);
                frame.show(ui, |ui| {
                    ui.horizontal(|ui| {
                        lane_editor(ui, i, lane);
                        if ui
                            .small_button("×")
                            .on_hover_text(tr("remove this lane"))
                            .clicked()
                        {
                            drop = Some(i);
                        }
                    });
                });
            });
        }
        if let Some(i) = drop {
            race.picked.remove(i);
        }
        if ui.available_width() < 80.0 {
            ui.end_row();
        }
        let can_add = !running && race.picked.len() < MAX_RACERS;
        if ui
            .add_enabled(can_add, egui::Button::new(tr("Add lane")))
            .on_hover_text(tr(
                "the last lane's strategy under the next pruner it has not raced with",
            ))
            .clicked()
        {
            race.picked.push(next_lane(&race.picked));
        }
        if let Some(twice) = race.repeated_lane() {
            ui.colored_label(FAILED, fill(tr("the lane {} is picked twice"), &[&twice]));
        }
    });
}

/// About the width of one lane's box, to start a new row before one that would not fit.
const LANE_WIDTH: f32 = 180.0;

/// The lane to add: the last lane's strategy under the first pruner no lane of it has, else
/// the first strategy not raced yet; random search on an empty race.
fn next_lane(picked: &[Lane]) -> Lane {
    let Some(last) = picked.last() else {
        return Lane::new("random");
    };
    let taken = |lane: &Lane| picked.iter().any(|p| p.name() == lane.name());
    PRUNERS
        .iter()
        .filter_map(|(name, _)| PrunerSpec::from_name(name).ok())
        .map(|pruner| Lane::pruned(&last.strategy, pruner))
        .chain(STRATEGIES.iter().map(|s| Lane::new(s.name)))
        .find(|lane| !taken(lane))
        .unwrap_or_else(|| last.clone())
}

/// One lane: its strategy ("tpe +"), then its pruner picker, named "pruner of
/// lane N" for screen readers and tests. A pruner with settings gets a "…" menu with the
/// strategy panel's own rows.
fn lane_editor(ui: &mut egui::Ui, i: usize, lane: &mut Lane) {
    ui.label(format!("{} +", lane.strategy));
    let current = lane.pruner.name();
    egui::ComboBox::from_id_salt(("race_lane_pruner", i))
        .width(76.0)
        .selected_text(current)
        .show_ui(ui, |ui| {
            for (name, summary) in PRUNERS {
                if ui
                    .selectable_label(current == name, name)
                    .on_hover_text(summary)
                    .clicked()
                    && current != name
                    && let Ok(spec) = PrunerSpec::from_name(name)
                {
                    lane.pruner = spec;
                }
            }
        })
        .response
        .accessible_name(fill(tr("pruner of lane {}"), &[&(i + 1)]))
        .on_hover_text(tr(
            "stops a trial early when the values it reports while training look hopeless",
        ));
    if lane.pruner.is_active() {
        ui.menu_button("…", |ui| {
            egui::Grid::new(("race_lane_pruner_settings", i))
                .num_columns(2)
                .show(ui, |ui| {
                    crate::gui::panels::pruner::settings(ui, &mut lane.pruner)
                });
            if let Err(e) = lane.pruner.check() {
                ui.colored_label(FAILED, e.to_string());
            }
        })
        .response
        .on_hover_text(tr("the pruner's settings"));
    }
}

/// The runs per strategy (fixed while the race runs) and how close to the race's best a run
/// must come to have "got there".
fn race_settings(ui: &mut egui::Ui, race: &mut Race, running: bool) {
    ui.label(tr("repeats"));
    ui.add_enabled(
        !running,
        egui::DragValue::new(&mut race.repeats).range(1..=MAX_REPEATS),
    )
    .on_hover_text(tr("runs per strategy, on seeds seed, seed + 1, …"));
    ui.label(tr("within"));
    ui.add(
        egui::DragValue::new(&mut race.within_percent)
            .range(0.0..=100.0)
            .speed(0.1)
            .suffix(" %"),
    )
    .on_hover_text(tr(
        "a run has got there at its first trial this close to the race's best",
    ));
}

/// The race's resource budget (off: trials only) and whether the curves are drawn against
/// resource.
fn resource_settings(ui: &mut egui::Ui, race: &mut Race, running: bool) {
    let mut on = race.resource_budget.is_some();
    let mut budget = race.resource_budget.unwrap_or(100);
    let hover = tr(
        "every lane stops once its trials used this much resource (epochs or steps), whatever its trial count, so lanes are compared at the same cost",
    );
    ui.add_enabled(
        !running,
        egui::Checkbox::new(&mut on, tr("resource budget")),
    )
    .on_hover_text(hover);
    ui.add_enabled(
        !running && on,
        egui::DragValue::new(&mut budget).range(1..=10_000_000),
    )
    .on_hover_text(hover);
    if !running {
        race.resource_budget = on.then_some(budget);
    }
    ui.checkbox(&mut race.by_resource, tr("by resource"))
        .on_hover_text(tr(
            "x is the resource spent so far (epochs or reported steps, pruned trials counting what they ran) instead of the trial number",
        ));
}

/// Start a race on the study's problem, once its command (if it runs one) is confirmed.
pub fn start(race: &mut Race, bench: &mut Workbench, ctx: &egui::Context) {
    let study = bench.study().clone();
    if !bench.consent_to(&study.objective, AfterConsent::StartRace) {
        race.status = tr("confirm the command before it runs").into();
        return;
    }
    if objective_pending_for(bench, &study.objective) {
        bench.loading.waiting = Some(Waiting::StartRace);
        race.status = tr("loading the objective… the race starts when it is ready").into();
        return;
    }
    race.journals.dir = bench.recovery.dir.clone();
    race.start_with(&study, bench.workers.jobs, Some(waker(ctx)), |spec| {
        objective_for(bench, spec)
    });
}

/// Continue the race on its own problem, once its command (if it runs one) is confirmed:
/// a race loaded from a session may run another objective than the study's.
pub fn resume(race: &mut Race, bench: &mut Workbench, ctx: &egui::Context) {
    let Some(spec) = race.problem.as_ref().map(|p| p.objective.clone()) else {
        return;
    };
    if !bench.consent_to(&spec, AfterConsent::ContinueRace) {
        race.status = tr("confirm the command before it runs").into();
        return;
    }
    if objective_pending_for(bench, &spec) {
        want(bench, &spec);
        bench.loading.waiting = Some(Waiting::ContinueRace);
        race.status = tr("loading the objective… the race goes on when it is ready").into();
        return;
    }
    race.journals.dir = bench.recovery.dir.clone();
    let (budget, jobs) = (bench.study().budget, bench.workers.jobs);
    race.resume_with(budget, jobs, Some(waker(ctx)), |spec| {
        objective_for(bench, spec)
    });
}

/// Go on with a race start the user has just confirmed the command for, if one waits.
pub fn after_consent(race: &mut Race, bench: &mut Workbench, ctx: &egui::Context) {
    match bench.consent.ready.take() {
        Some(AfterConsent::StartRace) => start(race, bench, ctx),
        Some(AfterConsent::ContinueRace) => resume(race, bench, ctx),
        other => bench.consent.ready = other,
    }
}

/// The objective the race runs, in full (a command with its folder): a race part of a
/// session can carry its own objective, and nothing should run that the window never showed.
fn objective_line(ui: &mut egui::Ui, race: &Race, bench: &Workbench) {
    let study = &bench.study().objective;
    let spec = race.problem.as_ref().map_or(study, |p| &p.objective);
    let text = match spec {
        ObjectiveSpec::Command {
            workdir: Some(dir), ..
        } => fill(
            tr("objective: {} in folder {}"),
            &[&spec.label(), &dir.display()],
        ),
        _ => fill(tr("objective: {}"), &[&spec.label()]),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new(text).monospace());
        if spec != study {
            ui.label(
                egui::RichText::new(tr("(not the study's objective: the race keeps its own)"))
                    .color(ui.visuals().warn_fg_color),
            );
        }
    });
}

/// Start, continue and stop, each enabled only when it can act.
fn race_buttons(ui: &mut egui::Ui, race: &mut Race, bench: &mut Workbench, running: bool) {
    let can_start = !running && (MIN_RACERS..=MAX_RACERS).contains(&race.picked.len());
    if ui
        .add_enabled(can_start, egui::Button::new(tr("Start race")))
        .on_hover_text(tr(
            "same objective, space, budget and seed as the current study",
        ))
        .clicked()
    {
        start(race, bench, ui.ctx());
    }
    let budget = bench.study().budget;
    if ui
        .add_enabled(
            race.can_continue(budget),
            egui::Button::new(tr("Continue race")),
        )
        .on_hover_text(fill(
            tr("finish stopped runs and extend every run to the study's budget ({})"),
            &[&budget],
        ))
        .clicked()
    {
        resume(race, bench, ui.ctx());
    }
    if ui
        .add_enabled(running, egui::Button::new(tr("Stop race")))
        .clicked()
    {
        race.stop();
    }
}

/// The race's status, budget and seeds (the raced problem's once there is one, else the
/// study's); the resource budget instead of the trials when the race has one.
fn problem_line(race: &Race, bench: &Workbench) -> String {
    let (budget, seed, resource) = race
        .problem
        .as_ref()
        .map_or((bench.study().budget, bench.study().seed, None), |p| {
            (p.budget, p.seed, p.resource_budget)
        });
    let runs = race.runs_per_strategy();
    let seeds = if runs > 1 {
        fill(tr("seeds {}–{}"), &[&seed, &(seed + runs as u64 - 1)])
    } else {
        fill(tr("seed {}"), &[&seed])
    };
    match resource {
        Some(resource) => fill(
            tr("{} · resource budget {} · {}"),
            &[&tr(&race.status), &resource, &seeds],
        ),
        None => fill(
            tr("{} · budget {} · {}"),
            &[&tr(&race.status), &budget, &seeds],
        ),
    }
}

/// Every strategy's mean curve in its colour, with the runs' min–max band behind it when
/// there are repeats.
fn curves_plot(ui: &mut egui::Ui, race: &Race, runs: usize, height: f32) {
    let y_label = match (race.known_minimum.is_some(), runs > 1) {
        (true, false) => tr("log10 regret (best so far)"),
        (true, true) => tr("mean log10 regret (best so far)"),
        (false, false) => tr("best value so far"),
        (false, true) => tr("mean best so far"),
    };
    let curves = race.curves();
    let marks = race.pruned_marks();
    let x_label = if race.by_resource {
        tr("resource")
    } else {
        tr("trial")
    };
    Plot::new("race")
        .height(height)
        .x_axis_label(x_label)
        .y_axis_label(y_label)
        // The band and the line share a legend entry (one click hides both); it takes the line's colour.
        .legend(Legend::default().color_conflict_handling(ColorConflictHandling::PickLast))
        .show(ui, |plot| {
            for (i, curve) in curves.iter().enumerate() {
                let colour = COLOURS[i % COLOURS.len()];
                if runs > 1 && !curve.band.is_empty() {
                    let xs: Vec<f64> = curve.band.iter().map(|p| p.trial as f64).collect();
                    let lo: Vec<f64> = curve.band.iter().map(|p| p.min).collect();
                    let hi: Vec<f64> = curve.band.iter().map(|p| p.max).collect();
                    plot.add(
                        FilledArea::new(&curve.name, &xs, &lo, &hi)
                            .fill_color(colour.gamma_multiply(0.25))
                            .allow_hover(false),
                    );
                }
                let points: Vec<[f64; 2]> = curve
                    .band
                    .iter()
                    .map(|p| [p.trial as f64, p.mean])
                    .collect();
                plot.line(Line::new(&curve.name, points).color(colour).width(2.0));
                let pruned: Vec<[f64; 2]> = marks
                    .iter()
                    .filter(|(name, _, _)| *name == curve.name)
                    .map(|&(_, x, y)| [x, y])
                    .collect();
                if !pruned.is_empty() {
                    plot.points(
                        Points::new(&curve.name, pruned)
                            .shape(MarkerShape::Cross)
                            .radius(4.0)
                            .color(colour),
                    );
                }
            }
        });
}

/// What the ranking's columns mean, `x` the "within" percentage.
fn ranking_note(x: f64, runs: usize) -> String {
    if runs > 1 {
        fill(
            tr(
                "mean ± sd over each strategy's runs · trials needed: first trial within {}% of the race's best value (runs that got there)",
            ),
            &[&x],
        )
    } else {
        fill(
            tr("trials needed: first trial within {}% of the race's best value"),
            &[&x],
        )
    }
}

/// The ranking, one row per strategy in its curve's colour.
fn ranking_table(ui: &mut egui::Ui, race: &Race) {
    let colour_of = |name: &str| {
        race.strategies()
            .iter()
            .position(|n| *n == name)
            .map_or(Color32::GRAY, |k| COLOURS[k % COLOURS.len()])
    };
    egui::Grid::new("race_ranking")
        .striped(true)
        .num_columns(9)
        .show(ui, |ui| {
            for h in [
                "#",
                "lane",
                "best",
                "trials needed",
                "resource needed",
                "resource",
                "pruned",
                "strategy time",
                "state",
            ] {
                let header = ui.strong(tr(h));
                if h == "resource needed" {
                    header.on_hover_text(tr(
                        "the resource (epochs or steps) a run had spent by the trial that got it within the margin",
                    ));
                }
            }
            ui.end_row();
            for (i, row) in race.ranking().iter().enumerate() {
                ui.label(format!("{}", i + 1));
                ui.colored_label(colour_of(&row.name), &row.name);
                ui.label(mean_sd(row.best, |v| format!("{v:.6}")));
                ui.label(trials_needed(row));
                ui.label(resource_needed(row));
                ui.label(row.resource.to_string());
                ui.label(row.pruned.to_string());
                ui.label(row.strategy_seconds.map_or("—".into(), seconds));
                state_cell(ui, race, row);
                ui.end_row();
            }
        });
}

/// The trials a strategy needed to get within the margin: with repeats, the mean ± sd over
/// the runs that got there and how many did.
fn trials_needed(row: &RankRow) -> String {
    match row.trials_needed {
        Some(s) if row.runs > 1 => format!(
            "{} ({}/{})",
            mean_sd(Some(s), |v| format!("{v:.1}")),
            s.n,
            row.runs
        ),
        Some(s) => format!("{}", s.mean),
        None => "—".into(),
    }
}

/// The resource a lane's runs had spent when they got within the margin, as
/// [`trials_needed`] counts trials.
fn resource_needed(row: &RankRow) -> String {
    match row.resource_needed {
        Some(s) if row.runs > 1 => format!(
            "{} ({}/{})",
            mean_sd(Some(s), |v| format!("{v:.1}")),
            s.n,
            row.runs
        ),
        Some(s) => format!("{}", s.mean),
        None => "—".into(),
    }
}

/// How a strategy's runs stand: as today with one run, counted with several.
fn state_cell(ui: &mut egui::Ui, race: &Race, row: &RankRow) {
    let mine: Vec<_> = race.racers.iter().filter(|r| r.name == row.name).collect();
    if let Some(why) = mine.iter().find_map(|r| match &r.state {
        RacerState::Failed(why) => Some(why),
        _ => None,
    }) {
        ui.colored_label(FAILED, fill(tr("failed: {}"), &[why]));
        return;
    }
    let count = |f: fn(&RacerState) -> bool| mine.iter().filter(|r| f(&r.state)).count();
    let running = count(|s| *s == RacerState::Running);
    let queued = count(|s| *s == RacerState::Queued);
    let text = if mine.len() == 1 {
        let what = if running + queued > 0 {
            tr("running")
        } else {
            tr("done")
        };
        fill(tr("{} ({} trials)"), &[&what, &row.trials])
    } else if running + queued > 0 {
        fill(
            tr("{} done, {} running, {} waiting ({} trials)"),
            &[
                &(mine.len() - running - queued),
                &running,
                &queued,
                &row.trials,
            ],
        )
    } else {
        fill(tr("{} runs done ({} trials)"), &[&mine.len(), &row.trials])
    };
    ui.label(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(runs: usize, trials_needed: Option<MeanSd>) -> RankRow {
        RankRow {
            name: "gp".into(),
            runs,
            best: None,
            trials_needed,
            strategy_seconds: None,
            trials: 0,
            resource_needed: None,
            resource: 0,
            pruned: 0,
        }
    }

    #[test]
    fn trials_needed_says_how_many_runs_got_there_when_there_are_repeats() {
        let s = MeanSd {
            mean: 12.0,
            sd: 2.0,
            n: 2,
        };
        assert_eq!(trials_needed(&row(3, Some(s))), "12.0 ± 2.00 (2/3)");
        let one = MeanSd { n: 1, sd: 0.0, ..s };
        assert_eq!(trials_needed(&row(1, Some(one))), "12");
        assert_eq!(trials_needed(&row(3, None)), "—");
    }

    #[test]
    fn the_ranking_note_mentions_spreads_only_with_repeats() {
        assert!(ranking_note(5.0, 3).starts_with("mean ± sd"));
        assert_eq!(
            ranking_note(5.0, 1),
            "trials needed: first trial within 5% of the race's best value"
        );
    }
}
