//! The Race tab driven headlessly with egui_kittest: pick strategies by clicking, start the
//! race, drive frames until every run is done, and check the state and the ranking table;
//! repeats over seeds; a race saved and reopened through the menu's own actions; the shipped
//! race lesson; and a wgpu snapshot of the race view with repeats.

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::KnobsApp;
use knobs::gui::app::Action;
use knobs::gui::race::state::{Race, RacerState, band};
use knobs::gui::state::{Tab, Workbench};
use knobs::runner::FinishReason;
use knobs::session::Session;
use std::path::Path;

const BUDGET: usize = 15;

fn app(budget: usize) -> KnobsApp {
    let mut study = Workbench::branin_study();
    study.budget = budget;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 2;
    bench.view.tab = Tab::Race;
    KnobsApp::from_bench(bench)
}

fn harness_on(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

/// Drive frames (bounded) until the race is over, checking at every frame that no more runs
/// go at once than the bench has jobs; returns the most seen running together.
fn drive_to_the_end(harness: &mut Harness<'static, KnobsApp>) -> usize {
    let mut most = 0;
    for _ in 0..20_000 {
        let race = &harness.state().race;
        if !race.is_running() {
            break;
        }
        let running = race
            .racers
            .iter()
            .filter(|r| r.state == RacerState::Running)
            .count();
        assert!(
            running <= harness.state().bench.workers.jobs,
            "{running} running"
        );
        most = most.max(running);
        harness.step();
    }
    // never hang the test on a slow machine: the blocking drain finishes what is left
    harness.state_mut().race.finish_blocking();
    harness.run_steps(2);
    most
}

#[test]
fn a_race_of_random_sobol_and_gp_on_branin_runs_to_the_end_and_is_ranked() {
    let mut harness = harness_on(app(BUDGET));
    harness.run_steps(2);
    // random, sobol and gp are picked by default, one run each
    assert_eq!(harness.state().race.picked, ["random", "sobol", "gp"]);
    assert_eq!(harness.state().race.repeats, 1);
    harness.get_by_label("Start race").click();
    harness.run_steps(1);
    assert_eq!(harness.state().race.racers.len(), 3);
    drive_to_the_end(&mut harness);
    let race = &harness.state().race;
    for racer in &race.racers {
        assert_eq!(
            racer.state,
            RacerState::Finished(FinishReason::BudgetSpent),
            "{}",
            racer.name
        );
        assert_eq!(racer.study.trials.len(), BUDGET, "{}", racer.name);
        assert!(racer.strategy_seconds.is_some());
    }
    // Branin's minimum is known: curves are log regret, one per racer, one point per trial
    assert!(race.known_minimum.is_some());
    let curves = race.curves();
    assert_eq!(curves.len(), 3);
    assert!(curves.iter().all(|c| c.band.len() == BUDGET));
    // with one run the band is the line itself
    assert!(curves.iter().flat_map(|c| &c.band).all(|p| p.min == p.max));
    let ranking = race.ranking();
    assert_eq!(ranking.len(), 3);
    let bests: Vec<f64> = ranking.iter().map(|r| r.best.unwrap().mean).collect();
    assert!(bests.windows(2).all(|w| w[0] <= w[1]), "{bests:?}");
    let overall = race
        .racers
        .iter()
        .flat_map(|r| r.study.trials.iter().filter_map(|t| t.value))
        .fold(f64::INFINITY, f64::min);
    assert_eq!(bests[0], overall);
    assert_eq!(ranking[0].trials_needed.map(|s| s.n), Some(1));
    // the table shows every racer, the winner's best value first, as plain numbers
    for name in ["random", "sobol", "gp"] {
        assert!(harness.query_all_by_label(name).count() >= 1, "{name}");
    }
    harness.get_by_label(&format!("{:.6}", bests[0]));
    assert_eq!(
        harness
            .query_all_by_label_contains("done (15 trials)")
            .count(),
        3
    );
}

#[test]
fn a_race_needs_two_strategies() {
    let mut harness = harness_on(app(BUDGET));
    harness.run_steps(1);
    harness.get_by_label("sobol").click();
    harness.get_by_label("gp").click();
    harness.run_steps(1);
    assert_eq!(harness.state().race.picked, ["random"]);
    let started = {
        let app = harness.state_mut();
        let study = app.bench.study().clone();
        app.race.start(&study, 1, None)
    };
    assert!(!started);
    assert!(harness.state().race.racers.is_empty());
    assert!(harness.state().race.status.contains("pick 2"));
}

/// A race of random and TPE with three repeats, run to the end through the tab.
fn repeated_race(budget: usize) -> Harness<'static, KnobsApp> {
    let mut harness = harness_on(app(budget));
    harness.run_steps(1);
    harness.get_by_label("sobol").click();
    harness.get_by_label("gp").click();
    harness.get_by_label("tpe").click();
    harness.state_mut().race.repeats = 3;
    harness.run_steps(1);
    harness.get_by_label("Start race").click();
    harness.run_steps(1);
    let most = drive_to_the_end(&mut harness);
    assert!(most <= 2, "{most}");
    harness
}

#[test]
fn repeats_run_each_strategy_on_consecutive_seeds_and_average_them() {
    let harness = repeated_race(12);
    let race = &harness.state().race;
    assert_eq!(race.runs_per_strategy(), 3);
    assert_eq!(race.racers.len(), 6);
    let seed = harness.state().bench.study().seed;
    for name in ["random", "tpe"] {
        let runs: Vec<_> = race.racers.iter().filter(|r| r.name == name).collect();
        assert_eq!(runs.len(), 3, "{name}");
        let seeds: Vec<u64> = runs.iter().map(|r| r.study.seed).collect();
        assert_eq!(seeds, [seed, seed + 1, seed + 2], "{name}");
        for r in &runs {
            assert_eq!(r.state, RacerState::Finished(FinishReason::BudgetSpent));
            assert_eq!(r.study.trials.len(), 12);
            assert_eq!(r.study.strategy.name(), name);
        }
        // different seeds, different trials
        assert_ne!(
            runs[0].study.trials[0].params,
            runs[1].study.trials[0].params
        );
    }
    // each strategy's curve is the mean, min and max of its runs' log regret
    let curves = race.curves();
    assert_eq!(curves.len(), 2);
    for curve in &curves {
        let runs: Vec<Vec<Option<f64>>> = race
            .racers
            .iter()
            .filter(|r| r.name == curve.name)
            .map(|r| race.run_curve(r))
            .collect();
        assert_eq!(curve.band, band(&runs));
        let m = race.known_minimum.unwrap();
        for (k, p) in curve.band.iter().enumerate() {
            let here: Vec<f64> = race
                .racers
                .iter()
                .filter(|r| r.name == curve.name)
                .map(|r| {
                    let best = r.study.trials[..=k]
                        .iter()
                        .filter_map(|t| t.value)
                        .fold(f64::INFINITY, f64::min);
                    (best - m).max(1e-12).log10()
                })
                .collect();
            let mean = here.iter().sum::<f64>() / 3.0;
            assert!((p.mean - mean).abs() < 1e-12, "{} at {k}", curve.name);
            assert_eq!(p.min, here.iter().copied().fold(f64::INFINITY, f64::min));
            assert_eq!(
                p.max,
                here.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            );
            assert_eq!(p.runs, 3);
        }
    }
    // the ranking's best is the mean ± sd of the runs' bests
    for row in race.ranking() {
        let bests: Vec<f64> = race
            .racers
            .iter()
            .filter(|r| r.name == row.name)
            .map(|r| r.study.best_trial().and_then(|t| t.value).unwrap())
            .collect();
        let mean = bests.iter().sum::<f64>() / 3.0;
        let sd = (bests.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
        let best = row.best.unwrap();
        assert!((best.mean - mean).abs() < 1e-12 && (best.sd - sd).abs() < 1e-12);
        assert_eq!(row.runs, 3);
        assert_eq!(row.trials, 36);
    }
    // the table says so
    assert_eq!(
        harness
            .query_all_by_label_contains("3 runs done (36 trials)")
            .count(),
        2
    );
    harness.get_by_label_contains("shaded: the runs' min–max");
}

#[test]
fn a_race_saved_through_the_menu_reopens_exactly_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.ron");
    let mut first = repeated_race(8);
    let ctx = first.ctx.clone();
    first.state_mut().race.within_percent = 20.0;
    first
        .state_mut()
        .handle(Action::SaveAs(Some(path.clone())), &ctx);
    assert_eq!(
        first.state().bench.files.path.as_deref(),
        Some(path.as_path())
    );
    let saved = Session::load(&path).unwrap();
    assert_eq!(&saved.study, first.state().bench.study());
    assert_eq!(saved.race.as_ref().map(|r| r.runs.len()), Some(6));

    // a fresh window on another study opens it: the Race tab shows the saved race
    let mut other = app(5);
    other.bench.editor.set_seed(42);
    // As if just saved: opening another study then asks nothing.
    other.bench.recovery.baseline = Some(other.bench.study().clone());
    let mut second = harness_on(other);
    second.run_steps(1);
    second
        .state_mut()
        .handle(Action::Open(Some(path.clone())), &ctx);
    assert!(knobs::gui::loading::wait(
        second.state_mut(),
        std::time::Duration::from_secs(60)
    ));
    second.run_steps(2);
    let (a, b) = (&first.state().race, &second.state().race);
    assert_eq!(b.racers.len(), 6);
    for (x, y) in a.racers.iter().zip(&b.racers) {
        assert_eq!((&x.name, x.repeat, &x.state), (&y.name, y.repeat, &y.state));
        assert_eq!(x.study, y.study);
        assert_eq!(x.strategy_seconds, y.strategy_seconds);
    }
    assert_eq!(a.curves(), b.curves());
    assert_eq!(a.ranking(), b.ranking());
    assert_eq!(b.within_percent, 20.0);
    assert_eq!(b.picked, a.picked);
    assert_eq!(second.state().bench.study(), first.state().bench.study());
    second.get_by_label_contains("mean ± sd over each strategy's runs");
    let best = b.ranking()[0].best.unwrap();
    let shown = format!("{:.6} ± ", best.mean);
    assert!(second.query_all_by_label_contains(&shown).count() >= 1);

    // nothing to continue at the same budget; raise it and continue: every run resumes
    // from its own trials to the new budget, and the earlier trials are untouched
    assert!(!second.state().race.can_continue(8));
    second.state_mut().bench.editor.set_budget(11);
    second.run_steps(1);
    second.get_by_label("Continue race").click();
    second.run_steps(1);
    drive_to_the_end(&mut second);
    let before = &first.state().race;
    let after = &second.state().race;
    for (x, y) in before.racers.iter().zip(&after.racers) {
        assert_eq!(y.state, RacerState::Finished(FinishReason::BudgetSpent));
        assert_eq!(y.study.trials.len(), 11, "{}", y.name);
        assert_eq!(x.study.trials[..], y.study.trials[..8]);
    }

    // and saving again writes the continued race, which reopens as it is now
    second.state_mut().handle(Action::Save, &ctx);
    let again = Race::from_session(Session::load(&path).unwrap().race.unwrap());
    assert_eq!(again.curves(), second.state().race.curves());
    assert_eq!(again.ranking(), second.state().race.ranking());

    // a session without a race opens on a fresh Race tab
    let plain = dir.path().join("plain.ron");
    Session::new(Workbench::branin_study())
        .save(&plain)
        .unwrap();
    second.state_mut().handle(Action::Open(Some(plain)), &ctx);
    assert!(knobs::gui::loading::wait(
        second.state_mut(),
        std::time::Duration::from_secs(60)
    ));
    assert!(second.state().race.racers.is_empty());
}

const LESSON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/sessions/lesson6_race_branin.ron"
);

/// Runs the lesson's race and writes `sessions/lesson6_race_branin.ron` with the app's own
/// save action. Run it by hand after a change to a strategy:
/// `cargo test --release --test gui_race -- --ignored write_lesson6`.
#[test]
#[ignore]
fn write_lesson6() {
    let mut study = Workbench::branin_study();
    study.name = "Lesson 6: a race on Branin".into();
    study.description = LESSON_TEXT.into();
    study.strategy = knobs::strategy::StrategySpec::from_name("gp").unwrap();
    study.budget = 40;
    study.seed = 0;
    let mut bench = Workbench::new(study.clone());
    bench.workers.jobs = 2;
    bench.view.tab = Tab::Race;
    let mut app = KnobsApp::from_bench(bench);
    app.race.picked = ["grid", "random", "gp", "tpe", "cmaes"]
        .map(knobs::gui::race::state::Lane::new)
        .to_vec();
    app.race.repeats = 3;
    assert!(app.race.start(&study, 2, None));
    app.race.finish_blocking();
    app.handle(
        Action::SaveAs(Some(Path::new(LESSON).to_owned())),
        &egui::Context::default(),
    );
    assert!(app.bench.error.is_none(), "{:?}", app.bench.error);
}

const LESSON_TEXT: &str = "Lesson 6: a race. Grid, random search, GP-BO, TPE and CMA-ES each ran three times (seeds 0, 1 and 2) on Branin with a budget of 40 trials: open the Race tab. Each line is a strategy's mean log10 regret (how far its best so far is from Branin's minimum, 0.397887) over its three runs; the shaded band spans its best and worst run. What to look for: the grid's three runs are one line, because a grid has no randomness, and it stops after its 25 points, last in the ranking. TPE's curve is random search's up to trial 10: its first 10 trials are random start-up draws, the very ones random search makes on the same seed. GP-BO breaks away around trial 20 and ends within 0.001 of the minimum on every seed; it is the only strategy whose runs come within 1% of the race's best (the others show a dash under trials needed: widen 'within' to compare them). CMA-ES, TPE and random search end close together, their mean bests less than one standard deviation apart: three seeds cannot tell them apart, which is what repeats are for. Then read the strategy time: GP-BO spends tenths of a second choosing its points, the others milliseconds or less. Raise the study's budget and press Continue race to see whether the others catch up.";

/// The shipped lesson reopens as a finished race, and what its description says is true.
#[test]
fn the_race_lesson_reopens_finished_and_its_description_holds() {
    let session = Session::load(Path::new(LESSON)).unwrap();
    assert_eq!(session.study.description, LESSON_TEXT);
    let race = Race::from_session(session.race.unwrap());
    assert_eq!(race.picked, ["grid", "random", "gp", "tpe", "cmaes"]);
    assert_eq!(race.runs_per_strategy(), 3);
    assert!(!race.is_running());
    let runs = |name: &str| -> Vec<_> { race.racers.iter().filter(|r| r.name == name).collect() };
    for name in ["random", "gp", "tpe", "cmaes"] {
        for (k, r) in runs(name).iter().enumerate() {
            assert_eq!(
                r.state,
                RacerState::Finished(FinishReason::BudgetSpent),
                "{name}"
            );
            assert_eq!(r.study.trials.len(), 40, "{name}");
            assert_eq!(r.study.seed, k as u64);
        }
    }
    // the grid: three identical runs of 25 points
    let grid = runs("grid");
    for r in &grid {
        assert!(matches!(
            r.state,
            RacerState::Finished(FinishReason::Exhausted(_))
        ));
        assert_eq!(r.study.trials.len(), 25);
        let values = |r: &knobs::gui::race::state::Racer| -> Vec<Option<f64>> {
            r.study.trials.iter().map(|t| t.value).collect()
        };
        assert_eq!(values(r), values(grid[0]));
    }
    // TPE's first 10 trials are random search's on the same seed
    for (t, r) in runs("tpe").iter().zip(runs("random")) {
        for k in 0..10 {
            assert_eq!(t.study.trials[k].params, r.study.trials[k].params);
        }
    }
    let ranking = race.ranking();
    let row = |name: &str| ranking.iter().find(|r| r.name == name).unwrap();
    assert_eq!(ranking[0].name, "gp");
    assert_eq!(ranking[4].name, "grid");
    // GP-BO: within 0.001 of the minimum on every seed, the only one within 1% of the best
    let m = race.known_minimum.unwrap();
    for r in runs("gp") {
        assert!(r.study.best_trial().unwrap().value.unwrap() - m < 1e-3);
    }
    assert_eq!(row("gp").trials_needed.map(|s| s.n), Some(3));
    for name in ["grid", "random", "tpe", "cmaes"] {
        assert_eq!(row(name).trials_needed, None, "{name}");
    }
    // … and below every other mean curve from trial 20 on
    let curves = race.curves();
    let gp = curves.iter().find(|c| c.name == "gp").unwrap();
    for c in curves.iter().filter(|c| c.name != "gp") {
        for p in c.band.iter().filter(|p| p.trial >= 20) {
            assert!(
                gp.band[p.trial - 1].mean < p.mean,
                "{} at {}",
                c.name,
                p.trial
            );
        }
    }
    // CMA-ES, TPE and random: mean bests less than one sd apart
    let close = ["cmaes", "tpe", "random"].map(|n| row(n).best.unwrap());
    for a in &close {
        for b in &close {
            assert!((a.mean - b.mean).abs() < a.sd.min(b.sd));
        }
    }
    // GP-BO's strategy time: tenths of a second, the others' milliseconds or less
    let gp_time = row("gp").strategy_seconds.unwrap();
    assert!(gp_time > 0.05, "{gp_time}");
    for name in ["grid", "random", "tpe", "cmaes"] {
        assert!(row(name).strategy_seconds.unwrap() < 0.01, "{name}");
    }
}

/// The race view with repeats, drawn with wgpu: the lesson's finished race (saved times, so
/// the frame is the same on every run). Regenerate with `UPDATE_SNAPSHOTS=1` and look at it.
#[test]
fn race_snapshot() {
    let session = Session::load(Path::new(LESSON)).unwrap();
    let mut bench = Workbench::new(session.study);
    bench.workers.jobs = 2;
    bench.view.tab = Tab::Race;
    let mut app = KnobsApp::from_bench(bench);
    app.race = Race::from_session(session.race.unwrap());
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app);
    harness.run_steps(3);
    // Software rasterisers differ by a few anti-aliased pixels between CPUs: allow 0.05%.
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options("race", &options);
}

#[test]
fn runs_wait_for_a_free_slot_and_a_stopped_race_continues_to_the_same_runs() {
    let mut bench_app = app(20);
    bench_app.bench.workers.jobs = 1;
    let mut harness = harness_on(bench_app);
    harness.run_steps(1);
    harness.get_by_label("gp").click();
    harness.state_mut().race.repeats = 2;
    harness.run_steps(1);
    harness.get_by_label("Start race").click();
    harness.step();
    // one slot: the first run goes, the other three wait
    let states: Vec<RacerState> = harness
        .state()
        .race
        .racers
        .iter()
        .map(|r| r.state.clone())
        .collect();
    assert_eq!(states.len(), 4);
    assert_eq!(states[0], RacerState::Running);
    assert!(states[1..].iter().all(|s| *s == RacerState::Queued));
    harness.get_by_label("Stop race").click();
    harness.run_steps(1);
    harness.state_mut().race.finish_blocking();
    harness.run_steps(1);
    let race = &harness.state().race;
    assert!(!race.is_running());
    // waiting runs never started
    assert!(race.racers.iter().any(
        |r| r.study.trials.is_empty() && r.state == RacerState::Finished(FinishReason::Stopped)
    ));
    assert!(race.can_continue(20));
    harness.get_by_label("Continue race").click();
    harness.run_steps(1);
    drive_to_the_end(&mut harness);
    let continued: Vec<_> = harness
        .state()
        .race
        .racers
        .iter()
        .map(|r| {
            assert_eq!(r.state, RacerState::Finished(FinishReason::BudgetSpent));
            r.study
                .trials
                .iter()
                .map(|t| t.params.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    // the same runs as a race that was never stopped
    let mut fresh = Race::new();
    fresh.picked = vec!["random".into(), "sobol".into()];
    fresh.repeats = 2;
    assert!(fresh.start(harness.state().bench.study(), 2, None));
    fresh.finish_blocking();
    let uninterrupted: Vec<_> = fresh
        .racers
        .iter()
        .map(|r| {
            r.study
                .trials
                .iter()
                .map(|t| t.params.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(continued, uninterrupted);
}
