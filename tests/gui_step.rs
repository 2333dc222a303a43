//! Step mode driven headlessly with egui_kittest: open the Step tab on GP-BO Branin, click
//! Step by label, change κ, play and pause, and check the study, the proposal and that Run
//! and stepping exclude each other. One wgpu snapshot of the tab (tests/snapshots/step_gp.png).
//!
//! Waiting for the stepper thread is a bounded loop of frames checking a condition, never a
//! sleep: each frame drains the stepper's events as the window does.

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable, by};
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gp::Acquisition;
use knobs::gui::KnobsApp;
use knobs::gui::live::LiveEvent;
use knobs::gui::state::{Tab, Workbench};
use knobs::runner::FinishReason;
use knobs::strategy::{GpSettings, StrategySpec};
use knobs::study::TrialState;
use std::time::Duration;

/// Frames to wait at most for the stepper; each is quick, and a GP step on Branin takes
/// milliseconds, so this only trips when something is broken.
const MAX_FRAMES: usize = 200_000;

fn gp(acquisition: Acquisition) -> StrategySpec {
    StrategySpec::Gp(GpSettings {
        n_startup: None,
        acquisition,
        kernel: Default::default(),
    })
}

fn bench(strategy: StrategySpec) -> Workbench {
    let mut study = Workbench::branin_study();
    study.strategy = strategy;
    let mut bench = Workbench::new(study);
    bench.view.tab = Tab::Step;
    bench
}

fn harness(bench: Workbench) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        )
}

/// Run frames until `done` holds (bounded); panics if it never does.
fn frames_until(harness: &mut Harness<'static, KnobsApp>, done: impl Fn(&KnobsApp) -> bool) {
    for _ in 0..MAX_FRAMES {
        if done(harness.state()) {
            harness.run_steps(1);
            return;
        }
        harness.step();
    }
    panic!(
        "step mode never got there: {}",
        harness.state().bench.step.status
    );
}

fn settled(app: &KnobsApp) -> bool {
    app.bench.step_settled()
}

/// The enabled button with this label: the run bar's Pause and Stop are disabled while
/// stepping, so this is the Step tab's.
fn enabled<'t>(harness: &'t Harness<'static, KnobsApp>, label: &'t str) -> egui_kittest::Node<'t> {
    harness
        .query_all_by_label(label)
        .find(|n| !n.accesskit_node().is_disabled())
        .unwrap_or_else(|| panic!("no enabled `{label}`"))
}

fn click_step(harness: &mut Harness<'static, KnobsApp>) {
    harness.get_by_label("Step").click();
    harness.run_steps(1);
    frames_until(harness, settled);
}

#[test]
fn step_evaluates_one_trial_per_click_and_shows_the_next_proposal() {
    let mut harness = harness(bench(gp(Acquisition::LogEi)));
    harness.run_steps(2);
    assert!(!harness.state().bench.is_stepping());
    harness.get_by_label("Start");
    for n in 1..=3 {
        click_step(&mut harness);
        let bench = &harness.state().bench;
        assert_eq!(bench.study().trials.len(), n);
        assert!(
            bench
                .study()
                .trials
                .iter()
                .all(|t| t.state == TrialState::Complete)
        );
        let proposal = bench.step_proposal().expect("a proposal");
        assert_eq!(proposal.number, n);
        assert_eq!(proposal.params.len(), 2);
    }
    // The proposal is shown with its values, and the run bar counts the trials.
    harness.get_by_label("Next: trial 3 of 40");
    harness.get_by_label("3 / 40 trials");
    let proposal = harness.state().bench.step_proposal().cloned().unwrap();
    for (name, _) in &proposal.params {
        assert!(harness.query_all_by_label(name).count() >= 1, "{name}");
    }
    // The keyboard steps too.
    harness.key_press(egui::Key::N);
    harness.run_steps(1);
    frames_until(&mut harness, settled);
    assert_eq!(harness.state().bench.study().trials.len(), 4);
    // The evaluated point is the one that was proposed.
    assert_eq!(
        harness.state().bench.study().trials[3].point,
        proposal.suggestion.point
    );

    // Run is disabled while stepping, and refused if asked anyway.
    assert!(harness.get_by_label("Run").accesskit_node().is_disabled());
    harness.state_mut().bench.run();
    harness.run_steps(1);
    assert!(!harness.state().bench.is_running());
    assert_eq!(harness.state().bench.study().trials.len(), 4);

    // Stop ends step mode; the trials stay, and Run is back.
    enabled(&harness, "Stop").click();
    harness.run_steps(1);
    frames_until(&mut harness, |app| !app.bench.is_stepping());
    let bench = &harness.state().bench;
    assert_eq!(bench.step.finished, Some(FinishReason::Stopped));
    assert_eq!(bench.study().trials.len(), 4);
    assert!(!harness.get_by_label("Run").accesskit_node().is_disabled());
}

#[test]
fn changing_kappa_re_proposes_the_pending_point() {
    let mut harness = harness(bench(gp(Acquisition::Ucb { kappa: 0.0 })));
    harness.run_steps(2);
    // Past the ten start-up points, so the GP decides.
    for _ in 0..11 {
        click_step(&mut harness);
    }
    let before = harness.state().bench.step_proposal().cloned().unwrap();
    assert_eq!(before.number, 11);
    harness
        .get(by().role(Role::Slider).label("κ"))
        .set_value_accesskit(5.0);
    harness.run_steps(1);
    frames_until(&mut harness, settled);
    let bench = &harness.state().bench;
    // The study's settings changed, so the left panel agrees with the step view.
    assert_eq!(bench.study().strategy, gp(Acquisition::Ucb { kappa: 5.0 }));
    let after = bench.step_proposal().cloned().unwrap();
    assert_eq!(after.number, 11);
    assert_eq!(after.spec, gp(Acquisition::Ucb { kappa: 5.0 }));
    assert_ne!(after.suggestion.point, before.suggestion.point);
    assert_eq!(bench.study().trials.len(), 11);
}

#[test]
fn play_steps_on_its_own_until_paused() {
    let mut harness = harness(bench(StrategySpec::Sobol));
    harness.run_steps(2);
    enabled(&harness, "Play").click();
    harness.run_steps(1);
    assert!(harness.state().bench.step_playing());
    frames_until(&mut harness, |app| app.bench.study().finished() >= 2);
    enabled(&harness, "Pause").click();
    harness.run_steps(1);
    assert!(!harness.state().bench.step_playing());
    frames_until(&mut harness, settled);
    let paused_at = harness.state().bench.study().trials.len();
    assert!(paused_at >= 2);
    // Paused, one Step is exactly one more trial.
    click_step(&mut harness);
    assert_eq!(harness.state().bench.study().trials.len(), paused_at + 1);
    enabled(&harness, "Play");
}

#[test]
fn step_mode_waits_while_a_run_is_going() {
    let mut b = bench(StrategySpec::Sobol);
    b.workers.jobs = 1;
    b.run();
    assert!(b.is_running());
    // Events are not drained yet, so the run is certainly still on.
    assert!(!b.step_start());
    b.step_once();
    assert!(!b.is_stepping());
    assert!(b.step.status.contains("run"));
    b.finish_blocking();
    assert!(b.step_start());
    assert!(b.step_settle(Duration::from_secs(60)));
    // The run used the whole budget: nothing more to propose.
    assert!(!b.is_stepping());
    assert_eq!(b.step.finished, Some(FinishReason::BudgetSpent));
}

#[test]
fn step_gp_snapshot() {
    let mut b = bench(gp(Acquisition::Ucb { kappa: 2.0 }));
    for _ in 0..12 {
        b.step_once();
        assert!(
            b.step_settle(Duration::from_secs(120)),
            "the stepper is stuck"
        );
    }
    assert_eq!(b.study().trials.len(), 12);
    assert_eq!(b.step_proposal().map(|p| p.number), Some(12));
    // Times differ between runs; the picture must not.
    for t in b.study().trials.clone() {
        let mut t = t;
        t.duration = 0.0;
        t.started_at = 0.0;
        b.editor.apply(LiveEvent::TrialFinished(t));
    }
    assert!(b.wait_views(Duration::from_secs(120)), "no views");
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(b),
        );
    harness.run_steps(3);
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options("step_gp", &options);
}
