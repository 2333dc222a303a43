//! The window driven headlessly with egui_kittest: click by label, assert on state. Menu
//! actions go through `KnobsApp::handle` with a path, exactly as the File menu does after its
//! dialog. Snapshot tests (wgpu, Mesa's software Vulkan) are in `tests/gui_snapshots.rs`.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};
use knobs::gui::live::LiveEvent;
use knobs::gui::state::{Column, RunState, Workbench};
use knobs::gui::{Action, KnobsApp};
use knobs::runner::FinishReason;
use knobs::space::{Domain, Param};
use knobs::strategy::StrategySpec;
use knobs::study::TrialState;
use std::time::Duration;

/// Opening a session reads it off the UI thread: how long a test waits for it.
const WAIT_OPEN: Duration = Duration::from_secs(60);

fn bench(budget: usize, strategy: StrategySpec) -> Workbench {
    let mut study = Workbench::branin_study();
    study.budget = budget;
    study.strategy = strategy;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 2;
    bench
}

fn harness(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

#[test]
fn run_button_runs_the_study_to_the_end() {
    let mut harness = harness(KnobsApp::from_bench(bench(25, StrategySpec::Sobol)));
    harness.run_steps(2);
    harness.get_by_label("Run").click();
    harness.run_steps(2);
    assert!(harness.state().bench.is_running() || harness.state().bench.finished_trials() > 0);
    harness.state_mut().bench.finish_blocking();
    harness.run_steps(2);
    let bench = &harness.state().bench;
    assert_eq!(
        bench.run_state(),
        RunState::Finished(FinishReason::BudgetSpent)
    );
    assert_eq!(bench.study().trials.len(), 25);
    let best = bench.study().best_trial().and_then(|t| t.value).unwrap();
    let min = bench
        .study()
        .trials
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, min);
    // the run bar and the trial table show it
    harness.get_by_label(&format!("best {best:.6}"));
    harness.get_by_label("25 / 25 trials");
    assert!(harness.query_all_by_label("complete").count() >= 1);
}

#[test]
fn the_default_study_tunes_an_svc_and_its_gp_views_fill_in() {
    let mut study = Workbench::default_study();
    assert_eq!(study.strategy.name(), "gp");
    assert!(
        study.objective.label().contains("svc"),
        "{}",
        study.objective.label()
    );
    assert!(study.space.params().iter().all(|p| p.domain.is_log()));
    study.budget = 12;
    let mut b = Workbench::new(study);
    b.workers.jobs = 2;
    b.run();
    b.finish_blocking();
    assert_eq!(b.study().trials.len(), 12);
    assert!(b.wait_views(Duration::from_secs(60)), "views never arrived");
    let r = b.background.view_result.clone().unwrap();
    assert_eq!(r.trials, 12);
    assert_eq!(r.surface_kind, "GP posterior mean");
    assert!(r.std.is_some() && r.slice.is_some());
    assert_eq!(r.importance.len(), 2);
    let best = b.study().best_trial().and_then(|t| t.value).unwrap();
    assert!(best > 0.8 && best <= 1.0, "accuracy {best}");
    // every tab draws without panicking on the result
    let mut harness = harness(KnobsApp::from_bench(b));
    for tab in knobs::gui::state::Tab::ALL {
        if matches!(
            tab,
            knobs::gui::state::Tab::Curves
                | knobs::gui::state::Tab::Datasets
                | knobs::gui::state::Tab::Workers
        ) {
            // Shown only for studies that report curves (tests/gui_curves.rs), score
            // several datasets (tests/gui_snapshots.rs' robust snapshot) or run with
            // external workers (tests/gui_workers.rs).
            continue;
        }
        harness
            .get(by().role(Role::Button).label(tab.title()))
            .click();
        harness.run_steps(2);
        assert_eq!(harness.state().bench.view.tab, tab);
    }
}

#[test]
fn stop_mid_run_ends_cleanly_with_finished_trials_only() {
    let mut b = bench(1_000_000, StrategySpec::Sobol);
    b.workers.jobs = 1;
    let mut harness = harness(KnobsApp::from_bench(b));
    harness.run_steps(2);
    harness.get_by_label("Run").click();
    harness.run_steps(2);
    assert!(harness.state().bench.is_running());
    harness.get_by_label("Stop").click();
    harness.run_steps(2);
    harness.state_mut().bench.finish_blocking();
    harness.run_steps(2);
    let bench = &harness.state().bench;
    assert_eq!(bench.run_state(), RunState::Finished(FinishReason::Stopped));
    assert!(bench.study().trials.len() < 1_000_000);
    assert!(
        bench
            .study()
            .trials
            .iter()
            .all(|t| t.state != TrialState::Running)
    );
    assert_eq!(bench.status, "stopped");
    // Run continues from where it stopped
    assert!(!harness.get_by_label("Run").accesskit_node().is_disabled());
}

#[test]
fn pause_and_resume_through_the_buttons() {
    let mut b = bench(1_000_000, StrategySpec::Random);
    b.workers.jobs = 1;
    let mut harness = harness(KnobsApp::from_bench(b));
    harness.run_steps(2);
    harness.get_by_label("Run").click();
    harness.run_steps(2);
    harness.get_by_label("Pause").click();
    harness.run_steps(2);
    assert_eq!(harness.state().bench.run_state(), RunState::Paused);
    harness.get_by_label("Resume").click();
    harness.run_steps(2);
    assert_eq!(harness.state().bench.run_state(), RunState::Running);
    harness.get_by_label("Stop").click();
    harness.run_steps(2);
    harness.state_mut().bench.finish_blocking();
    assert_eq!(
        harness.state().bench.run_state(),
        RunState::Finished(FinishReason::Stopped)
    );
}

#[test]
fn range_edits_are_validated_in_place() {
    let mut harness = harness(KnobsApp::from_bench(bench(10, StrategySpec::Sobol)));
    harness.run_steps(2);
    // x0 runs from -5: a log scale is not allowed, and the row says why
    harness.query_all_by_label("log").next().unwrap().click();
    harness.run_steps(2);
    assert!(harness.state().bench.editor.drafts().contains_key("x0"));
    harness.get_by_label_contains("a log scale needs low > 0");
    assert!(harness.get_by_label("Run").accesskit_node().is_disabled());
    // unticking it again makes the row valid
    harness.query_all_by_label("log").next().unwrap().click();
    harness.run_steps(2);
    assert!(harness.state().bench.editor.drafts().is_empty());
    assert!(!harness.get_by_label("Run").accesskit_node().is_disabled());
    // a valid range change reaches the study (the same call the row's widgets make)
    let b = &mut harness.state_mut().bench;
    b.edit_param(
        0,
        Param::new(
            "x0",
            Domain::Float {
                low: 0.0,
                high: 5.0,
                log: false,
            },
        ),
    );
    assert_eq!(
        b.study().space.params()[0].domain.bounds(),
        Some((0.0, 5.0))
    );
    b.run();
    b.finish_blocking();
    assert!(b.study().trials.iter().all(|t| {
        let x = t.params[0].1.as_f64().unwrap();
        (0.0..=5.0).contains(&x)
    }));
    // fixing a parameter takes it out of the search
    b.clear_trials();
    b.set_included(1, false);
    assert_eq!(b.study().space.dim(), 1);
    b.set_included(1, true);
    assert_eq!(b.study().space.dim(), 2);
}

#[test]
fn the_table_sorts_by_a_header_and_a_row_selects_a_trial() {
    let mut b = bench(20, StrategySpec::Sobol);
    b.run();
    b.finish_blocking();
    let best = b.study().best_trial().unwrap().number;
    let mut harness = harness(KnobsApp::from_bench(b));
    harness.run_steps(2);
    harness.get_by_label("value").click();
    harness.run_steps(2);
    assert_eq!(harness.state().bench.selection.sort.column, Column::Value);
    let first = harness.state_mut().bench.table_order()[0];
    assert_eq!(harness.state().bench.study().trials[first].number, best);
    // again: largest first
    harness.get_by_label("value ^").click();
    harness.run_steps(2);
    assert!(!harness.state().bench.selection.sort.ascending);
    let worst = harness.state_mut().bench.table_order()[0];
    let trials = &harness.state().bench.study().trials;
    let max = trials
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(trials[worst].value, Some(max));
    // sort by a parameter column too
    harness
        .query_all(by().role(Role::Label).label("x1"))
        .last()
        .unwrap()
        .click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().bench.selection.sort.column,
        Column::Param(1)
    );
    // clicking a row selects the trial (and again clears it)
    harness.get_by_label("#").click();
    harness.run_steps(2);
    harness.get_by_label("2").click();
    harness.run_steps(2);
    assert_eq!(harness.state().bench.selection.selected, Some(2));
    harness.get_by_label("2").click();
    harness.run_steps(2);
    assert_eq!(harness.state().bench.selection.selected, None);
}

#[test]
fn failed_trials_are_red_with_their_reason() {
    let mut b = bench(3, StrategySpec::Sobol);
    b.run();
    b.finish_blocking();
    let mut failed = b.study().trials[1].clone();
    failed.state = TrialState::Failed("the model did not converge".into());
    failed.value = None;
    b.editor.apply(LiveEvent::TrialFinished(failed));
    let mut harness = harness(KnobsApp::from_bench(b));
    harness.run_steps(2);
    harness.get_by_label("failed");
    harness.get_by_label("1 failed");
    harness.get_by_label("the model did not converge");
}

#[test]
fn save_open_and_export_through_the_menu_actions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ron");
    let ctx = egui::Context::default();
    let mut first = KnobsApp::from_bench(bench(12, StrategySpec::Random));
    first.bench.run();
    first.bench.finish_blocking();
    first.handle(Action::SaveAs(Some(path.clone())), &ctx);
    assert_eq!(first.bench.files.path.as_deref(), Some(path.as_path()));
    assert_eq!(first.bench.files.recent, vec![path.clone()]);
    first.handle(Action::ExportCsv(Some(dir.path().join("t.csv"))), &ctx);
    first.handle(Action::ExportJson(Some(dir.path().join("t.json"))), &ctx);
    let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    assert_eq!(csv.lines().count(), 13);
    let json = std::fs::read_to_string(dir.path().join("t.json")).unwrap();
    assert!(json.contains("best_value"), "{json}");

    let mut second = KnobsApp::from_bench(bench(5, StrategySpec::Sobol));
    second.handle(Action::Open(Some(path.clone())), &ctx);
    assert!(knobs::gui::loading::wait(&mut second, WAIT_OPEN));
    assert_eq!(second.bench.study(), first.bench.study());
    // a bad file leaves the current study alone and says why
    std::fs::write(dir.path().join("bad.ron"), "(version: 1").unwrap();
    second.handle(Action::Open(Some(dir.path().join("bad.ron"))), &ctx);
    assert!(knobs::gui::loading::wait(&mut second, WAIT_OPEN));
    assert_eq!(second.bench.study(), first.bench.study());
    assert!(
        second.bench.status.contains("bad.ron:1:"),
        "{}",
        second.bench.status
    );
    assert!(second.bench.error.is_some());
    // Run continues the reopened study up to a larger budget, and Save writes it back
    second.bench.editor.set_budget(20);
    second.handle(Action::Run, &ctx);
    second.bench.finish_blocking();
    assert_eq!(second.bench.study().trials.len(), 20);
    assert_eq!(
        second.bench.study().trials[..12],
        first.bench.study().trials[..]
    );
    second.handle(Action::Save, &ctx);
    second.handle(Action::New, &ctx);
    assert!(second.bench.study().trials.is_empty());
    second.handle(Action::Open(Some(path.clone())), &ctx);
    assert!(knobs::gui::loading::wait(&mut second, WAIT_OPEN));
    assert_eq!(second.bench.study().trials.len(), 20);
}

#[test]
fn the_error_window_shows_and_dismisses() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = bench(5, StrategySpec::Sobol);
    b.open(&dir.path().join("missing.ron"));
    let mut harness = harness(KnobsApp::from_bench(b));
    harness.run_steps(2);
    assert!(harness.query_all_by_label_contains("cannot read").count() >= 2);
    harness.get_by_label("OK").click();
    harness.run_steps(2);
    assert!(harness.state().bench.error.is_none());
}

#[test]
fn keyboard_shortcuts_run_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.ron");
    let mut b = bench(1_000_000, StrategySpec::Random);
    b.workers.jobs = 1;
    b.files.path = Some(path.clone());
    let mut harness = harness(KnobsApp::from_bench(b));
    harness.run_steps(2);
    // Space runs (once its journal beside k.ron exists), and again pauses
    harness.key_press(egui::Key::Space);
    harness.run_steps(2);
    harness
        .state_mut()
        .bench
        .wait_started(std::time::Duration::from_secs(60));
    harness.run_steps(2);
    assert!(harness.state().bench.is_running());
    harness.key_press(egui::Key::Space);
    harness.run_steps(2);
    assert_eq!(harness.state().bench.run_state(), RunState::Paused);
    harness.get_by_label("Stop").click();
    harness.run_steps(2);
    harness.state_mut().bench.finish_blocking();
    // Ctrl+S saves to the session's file without asking
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    harness.run_steps(2);
    let saved = knobs::session::Session::load(&path).unwrap();
    assert_eq!(&saved.study, harness.state().bench.study());
}

#[test]
fn the_objective_editor_picks_datasets_and_shows_csv_errors_in_place() {
    use knobs::objective::{DatasetSource, ObjectiveSpec};
    let mut harness = harness(KnobsApp::from_bench(bench(10, StrategySpec::Random)));
    harness.run_steps(2);
    // From a test function to a model: an SVC on the bundled moons data, previewed.
    harness.get_by_label("model on data").click();
    harness.run_steps(2);
    await_objective(&mut harness);
    let task = harness
        .state()
        .bench
        .study()
        .objective
        .model_task()
        .unwrap();
    assert_eq!(task.dataset, DatasetSource::Bundled("moons".into()));
    await_preview(&mut harness);
    harness.get_by_label("400 rows, 2 features, 2 classes");
    let names: Vec<String> = harness
        .state()
        .bench
        .study()
        .space
        .free()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, ["C", "gamma"]);

    // A malformed CSV: the error names the file, line and column; the study keeps moons.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b,label\n1,2,x\n3,oops,y\n").unwrap();
    let ctx = egui::Context::default();
    harness.state_mut().handle(Action::OpenCsv(Some(bad)), &ctx);
    harness.run_steps(2);
    await_objective(&mut harness);
    let error = harness
        .state()
        .bench
        .editor
        .objective_error()
        .unwrap()
        .to_owned();
    assert!(error.contains("bad.csv") && error.contains('3'), "{error}");
    let task = harness
        .state()
        .bench
        .study()
        .objective
        .model_task()
        .unwrap();
    assert_eq!(task.dataset, DatasetSource::Bundled("moons".into()));

    // A good CSV replaces the data and keeps the model.
    let good = dir.path().join("good.csv");
    let mut text = String::from("a,b,label\n");
    for i in 0..40 {
        text += &format!(
            "{},{},{}\n",
            i % 7,
            (i * 3) % 5,
            if i % 2 == 0 { "x" } else { "y" }
        );
    }
    std::fs::write(&good, text).unwrap();
    harness
        .state_mut()
        .handle(Action::OpenCsv(Some(good.clone())), &ctx);
    harness.run_steps(2);
    await_objective(&mut harness);
    assert!(harness.state().bench.editor.objective_error().is_none());
    match &harness.state().bench.study().objective {
        ObjectiveSpec::Model { dataset, .. } => assert_eq!(dataset, &DatasetSource::File(good)),
        other => panic!("{other:?}"),
    }
    await_preview(&mut harness);
    harness.get_by_label("40 rows, 2 features, 2 classes");

    // And back to a test function.
    harness.get_by_label("test function").click();
    harness.run_steps(2);
    assert!(matches!(
        harness.state().bench.study().objective,
        ObjectiveSpec::Synthetic { .. }
    ));
}

#[test]
fn the_language_menu_switches_the_interface_to_chinese_and_back() {
    let mut harness = harness(KnobsApp::from_bench(bench(6, StrategySpec::Random)));
    harness.run_steps(2);
    harness.get_by_label("Language / 语言").click();
    harness.run_steps(2);
    harness.get_by_label("简体中文").click();
    harness.run_steps(2);
    assert_eq!(harness.state().lang, knobs::gui::i18n::Lang::Chinese);
    // The same controls, now labelled in Chinese, still work.
    harness.get_by_label("运行").click();
    harness.run_steps(2);
    harness.state_mut().bench.finish_blocking();
    harness.run_steps(2);
    assert_eq!(harness.state().bench.study().trials.len(), 6);
    harness.get_by_label("6 / 6 次试验");
    harness.get_by_label("超参数");
    assert!(harness.query_by_label("Run").is_none());
    harness.state_mut().handle(
        Action::SetLang(knobs::gui::i18n::Lang::English),
        &egui::Context::default(),
    );
    harness.run_steps(2);
    harness.get_by_label("Run");
}

/// A model objective is built on a background thread and applied when it is built: wait
/// for the edit (bounded).
fn await_objective(harness: &mut Harness<'static, KnobsApp>) {
    let bench = &mut harness.state_mut().bench;
    assert!(
        knobs::gui::panels::objective::wait_objective(bench, Duration::from_secs(60)),
        "the objective was never built"
    );
}

/// The dataset preview loads on a background thread: draw until the objective panel has
/// started it, wait for it (bounded), and draw it.
fn await_preview(harness: &mut Harness<'static, KnobsApp>) {
    harness.run_steps(1);
    let task = harness
        .state()
        .bench
        .study()
        .objective
        .model_task()
        .unwrap();
    let bench = &mut harness.state_mut().bench;
    assert!(
        knobs::gui::panels::objective::wait_preview(bench, &task, Duration::from_secs(60)),
        "the preview never arrived"
    );
    harness.run_steps(1);
}

#[test]
fn changing_the_acquisition_in_the_strategy_panel_redraws_the_gp_slice_with_it() {
    let mut b = bench(8, StrategySpec::from_name("gp").unwrap());
    b.workers.jobs = 1;
    b.run();
    b.finish_blocking();
    b.view.tab = knobs::gui::state::Tab::GpSlice;
    assert!(b.wait_views(Duration::from_secs(60)), "views never arrived");
    let name = |b: &Workbench| {
        b.background
            .view_result
            .as_ref()
            .and_then(|r| r.slice.as_ref())
            .map(|s| s.acquisition_name.clone())
    };
    assert_eq!(name(&b).as_deref(), Some("LogEI"));
    let mut harness = harness(KnobsApp::from_bench(b));
    harness.run_steps(2);
    harness
        .get(by().role(Role::ComboBox).label("acquisition"))
        .click();
    harness.run_steps(2);
    harness.get_by_label("UCB").click();
    harness.run_steps(2);
    let bench = &mut harness.state_mut().bench;
    assert!(
        bench.wait_views(Duration::from_secs(60)),
        "views never arrived"
    );
    assert_eq!(name(bench).as_deref(), Some("UCB κ=2"));
}
