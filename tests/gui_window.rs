//! The workbench window's decision-boundary view, command objective editor, run-cost warning
//! and background dataset preview, driven headlessly with egui_kittest: click by label,
//! assert on state. Background work (the view worker, the preview loader, objective builds) is
//! awaited with bounded blocking waits, never sleeps. The boundary snapshot uses wgpu (Mesa's software
//! Vulkan), like `tests/gui_snapshots.rs`.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::panels::objective::{COMMAND_HINT, wait_objective, wait_preview};
use knobs::gui::state::{Tab, Workbench};
use knobs::gui::{Action, KnobsApp};
use knobs::objective::ObjectiveSpec;
use knobs::objective::boundary::Cells;
use knobs::strategy::StrategySpec;
use knobs::study::{Direction, TrialState};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(120);

fn harness(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

/// The default study (an SVC on moons) after a short seeded Sobol run.
fn moons_after_a_run(budget: usize) -> Workbench {
    let mut study = Workbench::default_study();
    study.budget = budget;
    study.strategy = StrategySpec::Sobol;
    let mut run = Workbench::new(study);
    run.workers.jobs = 1;
    run.run();
    run.finish_blocking();
    let mut study = run.study().clone();
    for t in &mut study.trials {
        t.duration = 0.0;
        t.started_at = 0.0;
    }
    Workbench::new(study)
}

/// Draw until the objective panel has started the preview, then wait for it.
fn await_preview(harness: &mut Harness<'static, KnobsApp>) {
    harness.run_steps(2);
    let task = harness
        .state()
        .bench
        .study()
        .objective
        .model_task()
        .unwrap();
    assert!(
        wait_preview(&mut harness.state_mut().bench, &task, WAIT),
        "the preview never arrived"
    );
    harness.run_steps(1);
}

#[test]
fn the_boundary_tab_draws_the_best_svc_on_moons_and_follows_the_selection() {
    let mut harness = harness(KnobsApp::from_bench(moons_after_a_run(8)));
    await_preview(&mut harness);
    assert!(harness.state().bench.boundary_available());
    harness.get_by_label("Boundary").click();
    harness.run_steps(1);
    assert_eq!(harness.state().bench.view.tab, Tab::Boundary);
    assert!(harness.state_mut().bench.wait_views(WAIT), "no boundary");
    harness.run_steps(2);

    let best = harness.state().bench.study().best_trial().unwrap().number;
    let view = harness
        .state()
        .bench
        .background
        .view_result
        .as_ref()
        .and_then(|r| r.boundary.clone())
        .unwrap();
    assert_eq!(view.request.trial, best);
    let b = view.result.as_ref().unwrap();
    assert_eq!(b.points.len(), 400);
    assert_eq!(b.features, ["x0".to_string(), "x1".to_string()]);
    let Cells::Classes { labels, decision } = &b.cells else {
        panic!("an SVC predicts classes");
    };
    assert!(labels.contains(&0) && labels.contains(&1));
    assert!(decision.is_some());
    assert!(!b.support.is_empty());
    harness.get_by_label_contains(&format!("trial #{best} (best)"));
    harness.get_by_label_contains("support vectors ringed");

    // Selecting another trial refits the boundary with its parameters.
    let other = harness
        .state()
        .bench
        .study()
        .trials
        .iter()
        .find(|t| t.number != best && t.state == TrialState::Complete)
        .unwrap()
        .clone();
    harness.state_mut().bench.select(Some(other.number));
    assert!(harness.state_mut().bench.wait_views(WAIT));
    harness.run_steps(2);
    let view = harness
        .state()
        .bench
        .background
        .view_result
        .as_ref()
        .and_then(|r| r.boundary.clone())
        .unwrap();
    assert_eq!(view.request.trial, other.number);
    assert_eq!(view.request.params, other.params);
    harness.get_by_label_contains(&format!("trial #{} (selected)", other.number));
}

#[test]
fn the_boundary_tab_is_disabled_without_two_feature_data() {
    let mut study = Workbench::branin_study();
    study.budget = 4;
    let mut harness = harness(KnobsApp::from_bench(Workbench::new(study)));
    harness.run_steps(2);
    assert!(!harness.state().bench.boundary_available());
    harness.get_by_label("Boundary").click();
    harness.run_steps(1);
    assert_ne!(harness.state().bench.view.tab, Tab::Boundary);
    assert!(harness.state().bench.boundary_request().is_none());
}

#[test]
fn the_command_editor_validates_in_place_and_runs_a_valid_command() {
    let mut study = Workbench::branin_study();
    study.budget = 3;
    study.strategy = StrategySpec::Random;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    let mut harness = harness(KnobsApp::from_bench(bench));
    harness.run_steps(2);
    let before = harness.state().bench.study().objective.clone();

    harness.get_by_label("command").click();
    harness.run_steps(2);
    harness.get_by_label("type the command to run for each trial");
    harness.get_by_label(COMMAND_HINT);
    assert_eq!(harness.state().bench.study().objective, before);

    let type_into = |harness: &mut Harness<'static, KnobsApp>, label: &str, text: &str| {
        harness.get_by_label(label).focus();
        harness.run_steps(1);
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness.get_by_label(label).type_text(text);
        harness.run_steps(2);
    };

    // A program that does not exist: the error names it, the study keeps its objective.
    type_into(
        &mut harness,
        "program and arguments",
        "no-such-program-knobs --x",
    );
    harness.get_by_label("`no-such-program-knobs` is not a file or a program on PATH");
    assert_eq!(harness.state().bench.study().objective, before);
    // An unterminated quote.
    type_into(&mut harness, "program and arguments", "sh -c 'echo 1.5");
    harness.get_by_label_contains("unterminated '");
    assert_eq!(harness.state().bench.study().objective, before);

    // A valid command becomes the objective, keeping the study's parameters.
    type_into(&mut harness, "program and arguments", "sh -c 'echo 1.5'");
    let spec = ObjectiveSpec::Command {
        command: "sh -c 'echo 1.5'".into(),
        trial_timeout: None,
        workdir: None,
    };
    assert_eq!(harness.state().bench.study().objective, spec);
    assert_eq!(harness.state().bench.study().space.dim(), 2);

    // A bad timeout is shown and not applied; a good one is.
    type_into(&mut harness, "trial timeout (s)", "soon");
    harness.get_by_label("the trial timeout `soon` is not a number of seconds");
    assert_eq!(harness.state().bench.study().objective, spec);
    type_into(&mut harness, "trial timeout (s)", "-2");
    harness.get_by_label_contains("positive number of seconds");
    type_into(&mut harness, "trial timeout (s)", "2.5");
    assert_eq!(
        harness.state().bench.study().objective,
        ObjectiveSpec::Command {
            command: "sh -c 'echo 1.5'".into(),
            trial_timeout: Some(2.5),
            workdir: None,
        }
    );
    assert!(harness.query_by_label_contains("not a number").is_none());

    harness.get_by_label("maximise").click();
    harness.run_steps(1);
    assert_eq!(harness.state().bench.study().direction, Direction::Maximize);

    // It runs: every trial reads 1.5 from the command's stdout.
    harness.get_by_label("Run").click();
    harness.run_steps(1);
    harness.state_mut().bench.finish_blocking();
    harness.run_steps(1);
    let trials = &harness.state().bench.study().trials;
    assert_eq!(trials.len(), 3);
    assert!(trials.iter().all(|t| t.value == Some(1.5)), "{trials:?}");

    // Back to a test function drops the draft.
    harness.state_mut().bench.clear_trials();
    harness.run_steps(1);
    harness.get_by_label("test function").click();
    harness.run_steps(1);
    assert!(harness.state().bench.editor.command_draft().is_none());
    assert!(matches!(
        harness.state().bench.study().objective,
        ObjectiveSpec::Synthetic { .. }
    ));
}

#[test]
fn run_warns_before_a_dataset_too_large_for_the_model() {
    // 5,000 rows of two well separated blobs: an SVC keeps 4,000² kernel entries per split.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.csv");
    let mut text = String::from("a,b,label\n");
    for i in 0..5000 {
        let class = i % 2;
        let (a, b) = ((i % 97) as f64 / 97.0, (i % 89) as f64 / 89.0);
        text += &format!("{},{},{}\n", a + 10.0 * class as f64, b, class);
    }
    std::fs::write(&path, text).unwrap();
    let mut study = Workbench::branin_study();
    study.budget = 1;
    study.strategy = StrategySpec::Random;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    let mut harness = harness(KnobsApp::from_bench(bench));
    harness.run_steps(2);
    let ctx = egui::Context::default();
    harness
        .state_mut()
        .handle(Action::OpenCsv(Some(path)), &ctx);
    // The objective is built on a background thread and applied when it is built.
    assert!(wait_objective(&mut harness.state_mut().bench, WAIT));
    await_preview(&mut harness);
    harness.get_by_label("5000 rows, 2 features, 2 classes");

    // Run: a warning naming the numbers instead of a run.
    harness.get_by_label("Run").click();
    // A new window is laid out invisibly on its first frame: draw until it settles.
    harness.run_steps(4);
    assert!(!harness.state().bench.is_running());
    let warning = harness.state().bench.cost.warning.clone().unwrap();
    assert!(
        warning.contains("4000 training rows") && warning.contains("5 splits"),
        "{warning}"
    );
    assert!(warning.contains("per trial"), "{warning}");
    harness.get_by_label(&warning);

    // Cancel: nothing runs.
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(harness.state().bench.cost.warning.is_none());
    assert!(!harness.state().bench.is_running());
    assert!(harness.state().bench.study().trials.is_empty());
    assert!(harness.query_by_label("Run anyway").is_none());

    // Run anyway: the run starts (and is stopped at once; the trial in flight is not awaited).
    harness.get_by_label("Run").click();
    harness.run_steps(4);
    harness.get_by_label("Run anyway").click();
    harness.run_steps(1);
    assert!(harness.state().bench.is_running());
    assert!(harness.state().bench.cost.warning.is_none());
    harness.state_mut().handle(Action::Stop, &ctx);
}

#[test]
fn boundary_snapshot() {
    let mut bench = moons_after_a_run(16);
    bench.view.tab = Tab::Boundary;
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .wgpu()
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        );
    await_preview(&mut harness);
    assert!(harness.state_mut().bench.wait_views(WAIT), "no boundary");
    harness.run_steps(3);
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options("boundary", &options);
}
