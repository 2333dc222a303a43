//! The window driven headlessly with egui_kittest: click by label, assert on state.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::KnobsApp;
use knobs::gui::state::{RunState, Workbench};
use knobs::runner::FinishReason;
use knobs::strategy::StrategySpec;

fn app(budget: usize) -> KnobsApp {
    let mut study = Workbench::default_study();
    study.budget = budget;
    let mut bench = Workbench::new(study);
    bench.jobs = 2;
    KnobsApp::from_bench(bench)
}

#[test]
fn run_button_runs_the_study_to_the_end() {
    let mut harness = Harness::new_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app(25));
    harness.run();
    harness.get_by_label("Run").click();
    harness.run_steps(2);
    assert!(harness.state().bench.is_running() || harness.state().bench.finished_trials() > 0);
    harness.state_mut().bench.finish_blocking();
    harness.run_steps(2);
    let bench = &harness.state().bench;
    assert_eq!(bench.state, RunState::Finished(FinishReason::BudgetSpent));
    assert_eq!(bench.study.trials.len(), 25);
    let best = bench.study.best_trial().and_then(|t| t.value).unwrap();
    let min = bench
        .study
        .trials
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, min);
    // the run bar and the trial table show it
    harness.get_by_label(&format!("best {best:.6}"));
    assert!(harness.query_all_by_label("complete").count() >= 1);
}

#[test]
fn save_and_reopen_restore_the_study() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    let mut first = app(12);
    first.bench.study.strategy = StrategySpec::Random;
    first.bench.run();
    first.bench.finish_blocking();
    first.bench.save(&path);
    let mut second = app(5);
    second.bench.open(&path);
    assert_eq!(second.bench.study, first.bench.study);
    // a bad file leaves the current study alone and says why
    std::fs::write(dir.path().join("bad.ron"), "(version: 1").unwrap();
    second.bench.open(&dir.path().join("bad.ron"));
    assert_eq!(second.bench.study, first.bench.study);
    assert!(
        second.bench.status.contains("bad.ron:1:"),
        "{}",
        second.bench.status
    );
    // Run continues the reopened study up to a larger budget
    second.bench.study.budget = 20;
    second.bench.run();
    second.bench.finish_blocking();
    assert_eq!(second.bench.study.trials.len(), 20);
    assert_eq!(
        second.bench.study.trials[..12],
        first.bench.study.trials[..]
    );
}
