//! The teaching views driven headlessly with egui_kittest: the Truth tab on a Branin lesson,
//! click-to-observe in the Playground (one real click on the plot, the rest through the
//! methods the buttons call), and Replay over a session opened from a file. Background
//! results are awaited by stepping frames a bounded number of times, then with the blocking
//! helpers' deadline, never by sleeping. Snapshots (wgpu, Mesa's software Vulkan) of the
//! Truth tab and the 1-D and 2-D playground are in
//! `tests/snapshots/{truth,playground,playground_branin,playground_prior}.png`;
//! regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test gui_teach` and look at them.

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable, by};
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::playground::compute::{Pictures, Problem};
use knobs::gui::state::{Tab, Workbench};
use knobs::gui::views::GRID;
use knobs::gui::{Action, KnobsApp};
use knobs::objective::SyntheticFn;
use knobs::session::Session;
use knobs::strategy::StrategySpec;
use knobs::study::Study;
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(120);

/// Lesson 1c (GP-BO on Branin, seed 0) run to its budget, with durations zeroed so pictures
/// do not depend on the machine.
fn lesson() -> Study {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sessions/lesson1_branin_gp.ron");
    let study = Session::load(&path).expect("the lesson loads").study;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    bench.run();
    bench.finish_blocking();
    let mut study = bench.study().clone();
    for t in &mut study.trials {
        t.duration = 0.0;
        t.started_at = 0.0;
    }
    study
}

fn harness(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

/// Step frames (bounded) until `done`, then fall back on `block` (a deadline-bounded
/// blocking wait) so a slow machine cannot hang the test; returns `done` at the end.
fn step_until(
    harness: &mut Harness<'static, KnobsApp>,
    done: impl Fn(&KnobsApp) -> bool,
    block: impl Fn(&mut KnobsApp),
) -> bool {
    for _ in 0..200 {
        if done(harness.state()) {
            break;
        }
        harness.step();
    }
    if !done(harness.state()) {
        block(harness.state_mut());
    }
    harness.run_steps(2);
    done(harness.state())
}

fn truth_ready(app: &KnobsApp) -> bool {
    app.bench
        .background
        .view_result
        .as_ref()
        .is_some_and(|r| r.revision == app.bench.revision() && r.truth.is_some())
}

#[test]
fn truth_tab_on_the_branin_lesson_shows_the_true_and_the_model_surfaces() {
    let mut bench = Workbench::new(lesson());
    assert_eq!(bench.study().trials.len(), 36);
    bench.view.tab = Tab::Truth;
    let mut harness = harness(KnobsApp::from_bench(bench));
    assert!(
        step_until(&mut harness, truth_ready, |app| {
            app.bench.wait_views(WAIT);
        }),
        "the view worker never sent the truth grid"
    );
    let r = harness
        .state()
        .bench
        .background
        .view_result
        .clone()
        .unwrap();
    let truth = r.truth.as_ref().unwrap();
    let model = r.surface.as_ref().unwrap();
    assert_eq!(r.surface_kind, "GP posterior mean");
    assert_eq!(truth.values.len(), GRID * GRID);
    assert_eq!(model.values.len(), GRID * GRID);
    // the true surface through the best trial never goes below the known minimum, and the
    // best trial of a 36-trial GP run sits close to it
    let min = SyntheticFn::Branin.minimum();
    assert!(truth.min >= min - 1e-9, "{}", truth.min);
    assert!(truth.min < min + 2.0, "{}", truth.min);
    // the GP mean has learnt the function: on the grid it is within a few units of it
    // where Branin spans 0.4..300
    let err: f64 = truth
        .values
        .iter()
        .zip(&model.values)
        .map(|(t, m)| (t - m).abs())
        .sum::<f64>()
        / truth.values.len() as f64;
    assert!(err < 15.0, "mean absolute error {err}");
    harness.get_by_label_contains("left: the true function");
    harness.get_by_label_contains("log10 regret");
    // the regret curve has one point per trial and ends at the best value's regret
    let study = harness.state().bench.study();
    let curve = knobs::gui::plots::truth::regret_curve(study, min);
    assert_eq!(curve.len(), 36);
    let best = study.best_trial().and_then(|t| t.value).unwrap();
    assert!((curve[35][1] - (best - min).max(1e-12).log10()).abs() < 1e-12);
}

#[test]
fn truth_tab_says_why_it_is_empty_for_a_model_objective() {
    let mut bench = Workbench::new(Workbench::default_study());
    bench.view.tab = Tab::Truth;
    let mut harness = harness(KnobsApp::from_bench(bench));
    harness.run_steps(2);
    harness.get_by_label_contains("needs a synthetic test function");
}

fn playground_ready(app: &KnobsApp) -> bool {
    app.playground.is_current()
}

fn wait_playground(harness: &mut Harness<'static, KnobsApp>) {
    assert!(
        step_until(harness, playground_ready, |app| {
            app.playground.wait(WAIT);
        }),
        "the playground never answered"
    );
}

#[test]
fn playground_clicks_observe_the_function_and_the_posterior_follows() {
    let mut harness = harness(KnobsApp::from_bench(Workbench::new(
        Workbench::branin_study(),
    )));
    harness.run_steps(1);
    harness
        .get(by().role(Role::Button).label("Playground"))
        .click();
    harness.run_steps(1);
    assert_eq!(harness.state().bench.view.tab, Tab::Playground);
    wait_playground(&mut harness);
    // before any observation: samples from the prior, and a caption saying so
    let pg = &harness.state().playground;
    assert!(pg.shows_prior());
    let Pictures::Line(line) = &pg.result().unwrap().pictures else {
        panic!("Forrester is 1-D")
    };
    assert_eq!(line.samples.len(), 3);
    assert!(line.mean.is_empty());
    harness.get_by_label_contains("samples from the prior");

    // one real click on the plot, 30% of the way across
    let [x0, y0, x1, y1] = harness.state().playground.plot_area.expect("plot drawn");
    let pos = egui::pos2(x0 + 0.3 * (x1 - x0), (y0 + y1) / 2.0);
    harness.hover_at(pos);
    harness.step();
    harness.drag_at(pos);
    harness.step();
    harness.drop_at(pos);
    harness.run_steps(2);
    let pg = &harness.state().playground;
    assert_eq!(pg.points().len(), 1, "{}", pg.status);
    let u = pg.points()[0][0];
    assert!((0.15..0.45).contains(&u), "clicked at u = {u}");
    assert_eq!(pg.values()[0], Problem::Forrester.value(&[u]));

    // two more through the methods the clicks call; the posterior passes through them
    harness.state_mut().playground.observe(vec![0.9]);
    harness.state_mut().playground.observe(vec![0.55]);
    wait_playground(&mut harness);
    let pg = &harness.state().playground;
    let r = pg.result().unwrap().clone();
    assert_eq!(r.observations, 3);
    let Pictures::Line(line) = &r.pictures else {
        panic!("Forrester is 1-D")
    };
    let at = |u: f64| (u * (line.u.len() - 1) as f64).round() as usize;
    let i = at(0.9);
    assert!(
        (line.mean[i] - Problem::Forrester.value(&[0.9])).abs() < 0.1,
        "mean {} at 0.9",
        line.mean[i]
    );
    assert!(line.std[i] < line.std[at(0.75)]);
    assert_eq!(line.samples.len(), 3);
    assert!(r.next.is_some());
    harness.get_by_label_contains("GP on 3 observations");

    // the buttons: the acquisition's choice, Undo, Clear
    harness.get_by_label("Add the acquisition's choice").click();
    harness.run_steps(1);
    assert_eq!(harness.state().playground.points().len(), 4);
    let (chosen, _) = r.next.clone().unwrap();
    assert_eq!(harness.state().playground.points()[3], chosen);
    harness.get_by_label("Undo").click();
    harness.run_steps(1);
    assert_eq!(harness.state().playground.points().len(), 3);
    harness.get_by_label("Clear").click();
    harness.run_steps(1);
    assert!(harness.state().playground.points().is_empty());
    wait_playground(&mut harness);
    assert!(harness.state().playground.shows_prior());

    // in 2-D the maps are clickable too
    harness.get_by_label("Branin (2-D)").click();
    harness.run_steps(1);
    wait_playground(&mut harness);
    harness.state_mut().playground.observe(vec![0.5, 0.5]);
    harness.state_mut().playground.observe(vec![0.2, 0.8]);
    wait_playground(&mut harness);
    let r = harness.state().playground.result().unwrap().clone();
    let Pictures::Maps(maps) = &r.pictures else {
        panic!("Branin is 2-D")
    };
    assert!(maps.posterior.is_some());
    harness.get_by_label_contains("posterior σ");
}

#[test]
fn replay_of_an_opened_session_shows_the_first_k_trials_and_leaving_restores_all() {
    let mut study = Workbench::branin_study();
    study.strategy = StrategySpec::Sobol;
    study.budget = 12;
    let mut run = Workbench::new(study);
    run.workers.jobs = 1;
    run.run();
    run.finish_blocking();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replay.ron");
    run.save(&path);

    let mut app = KnobsApp::from_bench(Workbench::new(Workbench::branin_study()));
    let ctx = egui::Context::default();
    app.handle(Action::Open(Some(path.clone())), &ctx);
    assert!(knobs::gui::loading::wait(&mut app, WAIT));
    let full = app.bench.study().clone();
    assert_eq!(full.trials.len(), 12);
    let mut harness = harness(app);
    harness.run_steps(2);
    harness.get_by_label("Replay").click();
    harness.run_steps(2);
    assert!(harness.state().bench.is_replaying());
    // step back from the end with ‹ to trial 5
    for _ in 0..7 {
        harness.get_by_label("‹").click();
        harness.run_steps(1);
    }
    // the run bar is drawn before the replay bar: one more frame shows the last step
    harness.run_steps(2);
    let bench = &harness.state().bench;
    assert_eq!(bench.replay().unwrap().at(), 5);
    assert_eq!(bench.study().trials, full.trials[..5]);
    let best5 = full.trials[..5]
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::INFINITY, f64::min);
    // the run bar, the table and the GP views show the first five trials
    harness.get_by_label(&format!("best {best5:.6}"));
    harness.get_by_label("5 / 12 trials");
    assert_eq!(harness.query_all_by_label("complete").count(), 5);
    assert!(harness.get_by_label("Run").accesskit_node().is_disabled());
    assert!(
        step_until(
            &mut harness,
            |app| app
                .bench
                .background
                .view_result
                .as_ref()
                .is_some_and(|r| r.revision == app.bench.revision()),
            |app| {
                app.bench.wait_views(WAIT);
            }
        ),
        "views never followed the replay"
    );
    assert_eq!(
        harness
            .state()
            .bench
            .background
            .view_result
            .as_ref()
            .unwrap()
            .trials,
        5
    );
    // Play starts a timed advance; Pause replay stops it
    harness.get_by_label("Play").click();
    harness.run_steps(2);
    assert!(harness.state().bench.replay().unwrap().is_playing());
    harness.get_by_label("Pause replay").click();
    // the narrower "Play" moves the buttons after it: let the layout settle before clicking
    harness.run_steps(2);
    assert!(!harness.state().bench.replay().unwrap().is_playing());
    // saving while replaying writes the whole study
    let saved = dir.path().join("during.ron");
    harness.state_mut().bench.save(&saved);
    assert_eq!(Session::load(&saved).unwrap().study.trials.len(), 12);
    harness.get_by_label("Leave replay").click();
    harness.run_steps(2);
    let bench = &harness.state().bench;
    assert!(!bench.is_replaying());
    assert_eq!(bench.study(), &full);
    assert!(!harness.get_by_label("Run").accesskit_node().is_disabled());
}

fn snapshot(name: &str, app: KnobsApp) {
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app);
    harness.run_steps(3);
    // Software rasterisers differ by a few anti-aliased pixels between CPUs: allow 0.05%.
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options(name, &options);
}

#[test]
fn truth_snapshot() {
    let mut bench = Workbench::new(lesson());
    bench.view.tab = Tab::Truth;
    bench.selection.selected = Some(20);
    assert!(bench.wait_views(WAIT), "no views");
    snapshot("truth", KnobsApp::from_bench(bench));
}

#[test]
fn playground_snapshot() {
    let mut bench = Workbench::new(Workbench::branin_study());
    bench.view.tab = Tab::Playground;
    let mut app = KnobsApp::from_bench(bench);
    for u in [0.1, 0.45, 0.9] {
        assert!(app.playground.observe(vec![u]));
    }
    assert!(app.playground.wait(WAIT), "no playground pictures");
    snapshot("playground", app);
}

#[test]
fn playground_branin_snapshot() {
    let mut bench = Workbench::new(Workbench::branin_study());
    bench.view.tab = Tab::Playground;
    let mut app = KnobsApp::from_bench(bench);
    app.playground.set_problem(Problem::Branin);
    for u in [[0.2, 0.7], [0.5, 0.2], [0.8, 0.5], [0.55, 0.55]] {
        assert!(app.playground.observe(u.to_vec()));
    }
    assert!(app.playground.wait(WAIT), "no playground pictures");
    snapshot("playground_branin", app);
}

#[test]
fn playground_prior_snapshot() {
    let mut bench = Workbench::new(Workbench::branin_study());
    bench.view.tab = Tab::Playground;
    let mut app = KnobsApp::from_bench(bench);
    app.playground.settings.samples = 5;
    assert!(app.playground.wait(WAIT), "no playground pictures");
    assert!(app.playground.shows_prior());
    snapshot("playground_prior", app);
}
