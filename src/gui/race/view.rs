//! The Race tab: pick strategies and repeats, start (or continue) the race, watch the mean
//! curves and their bands overlaid and read the ranking. Drawing only; everything it changes
//! goes through [`Race`]'s methods.

use super::state::{MAX_RACERS, MAX_REPEATS, MIN_RACERS, MeanSd, Race, RacerState, RankRow, Wake};
use crate::gui::i18n::{fill, tr};
use crate::gui::loading::Waiting;
use crate::gui::panels::objective::{objective_for, pending_for as objective_pending_for, want};
use crate::gui::plots::FAILED;
use crate::gui::state::{AfterConsent, Workbench};
use crate::objective::ObjectiveSpec;
use crate::strategy::{STRATEGIES, StrategyInfo};
use eframe::egui::{self, Color32};
use egui_plot::{ColorConflictHandling, FilledArea, Legend, Line, Plot};
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
    let running = race.is_running();
    strategy_picker(ui, race, running);
    ui.horizontal(|ui| {
        race_settings(ui, race, running);
        race_buttons(ui, race, bench, running);
        ui.label(problem_line(race, bench));
    });
    objective_line(ui, race, bench);
    if running {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(200));
    }

    let strategies = race.strategies().len();
    let runs = race.runs_per_strategy();
    let table_height = 48.0 + 22.0 * strategies as f32;
    let plot_height = (height - table_height - 48.0).max(120.0);
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

/// One checkbox per strategy (at most [`MAX_RACERS`] picked; fixed while the race runs).
fn strategy_picker(ui: &mut egui::Ui, race: &mut Race, running: bool) {
    ui.horizontal_wrapped(|ui| {
        ui.label(tr("Strategies:"));
        for &StrategyInfo { name, summary, .. } in STRATEGIES {
            let mut on = race.picked.iter().any(|p| p == name);
            let enabled = !running && (on || race.picked.len() < MAX_RACERS);
            if ui
                .add_enabled(enabled, egui::Checkbox::new(&mut on, name))
                .on_hover_text(tr(summary))
                .changed()
            {
                if on {
                    race.picked.push(name.to_owned());
                } else {
                    race.picked.retain(|p| p != name);
                }
            }
        }
    });
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
    race.start_with(&study, bench.jobs, Some(waker(ctx)), |spec| {
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
    let (budget, jobs) = (bench.study().budget, bench.jobs);
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
/// study's).
fn problem_line(race: &Race, bench: &Workbench) -> String {
    let (budget, seed) = race
        .problem
        .as_ref()
        .map_or((bench.study().budget, bench.study().seed), |p| {
            (p.budget, p.seed)
        });
    let runs = race.runs_per_strategy();
    let seeds = if runs > 1 {
        fill(tr("seeds {}–{}"), &[&seed, &(seed + runs as u64 - 1)])
    } else {
        fill(tr("seed {}"), &[&seed])
    };
    fill(
        tr("{} · budget {} · {}"),
        &[&tr(&race.status), &budget, &seeds],
    )
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
    Plot::new("race")
        .height(height)
        .x_axis_label(tr("trial"))
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
        .num_columns(6)
        .show(ui, |ui| {
            for h in [
                "#",
                "strategy",
                "best",
                "trials needed",
                "strategy time",
                "state",
            ] {
                ui.strong(tr(h));
            }
            ui.end_row();
            for (i, row) in race.ranking().iter().enumerate() {
                ui.label(format!("{}", i + 1));
                ui.colored_label(colour_of(&row.name), &row.name);
                ui.label(mean_sd(row.best, |v| format!("{v:.6}")));
                ui.label(trials_needed(row));
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
