//! The window never loses work: a run leaves a journal with every trial, a journal a crash
//! left is offered at start and Recover restores its trials (and the run goes on exactly as
//! an uninterrupted one would), Discard moves it aside, and New, Open and close ask before
//! unsaved work goes. Driven with egui_kittest, clicking by label; background work (the
//! start-up scan, the loader) is awaited with bounded blocking waits, never sleeps.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::recovery::Scan;
use knobs::gui::state::Workbench;
use knobs::gui::unsaved::Pending;
use knobs::gui::{Action, KnobsApp};
use knobs::storage::journal;
use knobs::strategy::StrategySpec;
use knobs::study::{Study, Trial, TrialState};
use std::path::{Path, PathBuf};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn harness(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

/// Random search on Branin, journaling unsaved studies to `dir`.
fn bench(budget: usize, dir: &Path) -> Workbench {
    let mut study = Workbench::branin_study();
    study.budget = budget;
    study.strategy = StrategySpec::Random;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 2;
    bench.recovery.dir = Some(dir.to_owned());
    bench
}

/// What must match between two runs' trials: number, parameters, unit point, state, value.
type Essence = (usize, String, Vec<f64>, TrialState, Option<f64>);

fn essence(trials: &[Trial]) -> Vec<Essence> {
    trials
        .iter()
        .map(|t| {
            (
                t.number,
                format!("{:?}", t.params),
                t.point.clone(),
                t.state.clone(),
                t.value,
            )
        })
        .collect()
}

/// The journals in `dir`.
fn journals(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "journal"))
        .collect();
    out.sort();
    out
}

/// A study of `budget` trials run in a window journaling to `dir`, never saved; returns the
/// study and its journal.
fn unsaved_run(budget: usize, dir: &Path) -> (Study, PathBuf) {
    let mut harness = harness(KnobsApp::from_bench(bench(budget, dir)));
    harness.run_steps(1);
    harness.get_by_label("Run").click();
    harness.run_steps(1);
    harness.state_mut().bench.finish_blocking();
    let bench = &harness.state().bench;
    (
        bench.study().clone(),
        bench.recovery.journal.clone().unwrap(),
    )
}

#[test]
fn a_run_in_the_window_leaves_a_journal_whose_trials_equal_the_study() {
    let dir = tempfile::tempdir().unwrap();
    let (study, path) = unsaved_run(12, dir.path());
    assert_eq!(study.trials.len(), 12);
    assert_eq!(path.parent(), Some(dir.path()));
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("{}-", std::process::id())),
        "{name}"
    );
    let on_disk = journal::read(&path).unwrap();
    assert!(on_disk.knobs_definition);
    assert!(on_disk.is_finished(), "the run recorded its end");
    assert_eq!(essence(&on_disk.study.trials), essence(&study.trials));
}

#[test]
fn saving_removes_the_journal_and_a_session_study_journals_beside_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = KnobsApp::from_bench(bench(6, dir.path()));
    let ctx = egui::Context::default();
    app.handle(Action::Run, &ctx);
    app.bench.finish_blocking();
    let unsaved = app.bench.recovery.journal.clone().unwrap();
    assert!(unsaved.exists());
    assert!(app.bench.has_unsaved_work());
    let session = dir.path().join("s.ron");
    app.handle(Action::SaveAs(Some(session.clone())), &ctx);
    assert!(!app.bench.has_unsaved_work());
    assert!(!unsaved.exists(), "the session holds everything now");
    // The next run of the saved study writes its journal beside the session.
    app.bench.editor.set_budget(9);
    app.handle(Action::Run, &ctx);
    app.bench.finish_blocking();
    let beside = dir.path().join("s.journal");
    assert_eq!(
        app.bench.recovery.journal.as_deref(),
        Some(beside.as_path())
    );
    let on_disk = journal::read(&beside).unwrap();
    assert_eq!(
        essence(&on_disk.study.trials),
        essence(&app.bench.study().trials)
    );
    assert_eq!(on_disk.study.trials.len(), 9);
}

/// Cut the journal's last `lines` lines, as a kill in the middle of a run leaves it: the
/// run's end is missing and the last trial started without a result.
fn cut_lines(path: &Path, lines: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let kept: Vec<&str> = text.lines().collect();
    let kept = &kept[..kept.len() - lines];
    std::fs::write(path, kept.join("\n") + "\n").unwrap();
}

/// A window starting on `dir` with its start-up scan done.
fn starting_window(dir: &Path) -> Harness<'static, KnobsApp> {
    let mut bench = bench(12, dir);
    let scan = Scan {
        dir: Some(dir.to_owned()),
        recent: Vec::new(),
    };
    bench.recovery.start_scan(scan, None);
    assert!(bench.recovery.wait_scan(WAIT), "the scan never ended");
    let mut harness = harness(KnobsApp::from_bench(bench));
    harness.run_steps(2);
    harness
}

#[test]
fn a_journal_left_by_a_crash_is_offered_at_start_and_recover_restores_its_trials() {
    let dir = tempfile::tempdir().unwrap();
    let (uninterrupted, path) = unsaved_run(12, dir.path());
    // The run's end (strategy state, last run) and the last trial's result are lost.
    cut_lines(&path, 4);
    let torn = journal::read(&path).unwrap();
    assert!(!torn.is_finished());

    let mut harness = starting_window(dir.path());
    harness.get_by_label_contains("An unsaved study from");
    harness.get_by_label_contains("with 12 trials");
    harness.get_by_label("Recover").click();
    harness.run_steps(1);
    assert!(knobs::gui::loading::wait(harness.state_mut(), WAIT));
    harness.run_steps(1);
    let bench = &harness.state().bench;
    let kept = bench.study().trials.len();
    assert_eq!(kept, 11, "the trial without a result is asked again");
    assert_eq!(
        essence(&bench.study().trials),
        essence(&uninterrupted.trials[..kept])
    );
    assert!(
        bench.has_unsaved_work(),
        "a recovered study is not saved yet"
    );
    assert_eq!(bench.recovery.journal.as_deref(), Some(path.as_path()));
    assert!(bench.recovery.offers.is_empty());
    // The journal now says the dead writer's trial was interrupted.
    let on_disk = journal::read(&path).unwrap();
    assert_eq!(on_disk.interrupted, vec![11]);

    // Running on to the budget gives exactly the uninterrupted run's trials.
    harness.get_by_label("Run").click();
    harness.run_steps(1);
    harness.state_mut().bench.finish_blocking();
    assert_eq!(
        essence(&harness.state().bench.study().trials),
        essence(&uninterrupted.trials)
    );
    let on_disk = journal::read(&path).unwrap();
    assert_eq!(
        essence(&on_disk.study.trials),
        essence(&uninterrupted.trials)
    );
}

#[test]
fn discard_moves_the_journal_aside_and_keeps_the_study() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = unsaved_run(5, dir.path());
    let mut harness = starting_window(dir.path());
    let before = harness.state().bench.study().clone();
    harness.get_by_label("Discard").click();
    harness.run_steps(2);
    assert!(!path.exists());
    assert!(journals(dir.path()).is_empty());
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".journal.discarded-"))
        .collect();
    assert_eq!(aside.len(), 1, "moved aside, not deleted");
    assert_eq!(harness.state().bench.study(), &before);
    assert!(harness.state().bench.recovery.offers.is_empty());
    assert!(harness.query_by_label("Recover").is_none());
}

#[test]
fn new_with_unsaved_changes_asks_and_cancel_keeps_the_study() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(KnobsApp::from_bench(bench(5, dir.path())));
    harness.run_steps(1);
    harness.get_by_label("Run").click();
    harness.run_steps(1);
    harness.state_mut().bench.finish_blocking();
    let ran = harness.state().bench.study().clone();
    let ctx = harness.ctx.clone();
    harness.state_mut().handle(Action::New, &ctx);
    harness.run_steps(2);
    harness.get_by_label("Unsaved changes");
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().bench.study(),
        &ran,
        "Cancel keeps the study"
    );
    assert!(harness.query_by_label("Unsaved changes").is_none());
    let journal = harness.state().bench.recovery.journal.clone().unwrap();
    assert!(journal.exists());

    // Don't save: the new study replaces it, and its journal goes with it.
    harness.state_mut().handle(Action::New, &ctx);
    harness.run_steps(2);
    harness.get_by_label("Don't save").click();
    harness.run_steps(2);
    assert!(harness.state().bench.study().trials.is_empty());
    assert!(!journal.exists());
    assert!(!harness.state().bench.has_unsaved_work());
}

#[test]
fn open_with_unsaved_changes_saves_first_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.ron");
    knobs::session::Session::new(Workbench::branin_study())
        .save(&other)
        .unwrap();
    let mut app = KnobsApp::from_bench(bench(4, dir.path()));
    let session = dir.path().join("mine.ron");
    app.bench.files.path = Some(session.clone());
    let mut harness = harness(app);
    harness.run_steps(1);
    harness.get_by_label("Run").click();
    harness.run_steps(1);
    harness.state_mut().bench.finish_blocking();
    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .handle(Action::Open(Some(other.clone())), &ctx);
    harness.run_steps(2);
    assert_eq!(
        harness.state().bench.recovery.prompt,
        Some(Pending::Open(Some(other.clone())))
    );
    harness.get_by_label("Save").click();
    harness.run_steps(1);
    assert!(knobs::gui::loading::wait(harness.state_mut(), WAIT));
    let saved = knobs::session::Session::load(&session).unwrap();
    assert_eq!(saved.study.trials.len(), 4);
    assert_eq!(
        harness.state().bench.files.path.as_deref(),
        Some(other.as_path())
    );
    assert!(harness.state().bench.study().trials.is_empty());
}

#[test]
fn closing_the_window_with_unsaved_work_is_held_until_answered() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(KnobsApp::from_bench(bench(3, dir.path())));
    harness.run_steps(1);
    harness.get_by_label("Run").click();
    harness.run_steps(1);
    harness.state_mut().bench.finish_blocking();
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness.run_steps(2);
    assert_eq!(harness.state().bench.recovery.prompt, Some(Pending::Close));
    assert!(!harness.state().bench.recovery.may_close);
    harness.get_by_label("Cancel").click();
    harness.run_steps(1);
    assert_eq!(harness.state().bench.study().trials.len(), 3);
    assert!(!harness.state().bench.recovery.may_close);
    assert!(harness.state().bench.recovery.prompt.is_none());

    // Closing again and saving lets the window close, with the work in the session.
    let session = dir.path().join("closed.ron");
    harness.state_mut().bench.files.path = Some(session.clone());
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness.run_steps(2);
    harness.get_by_label("Save").click();
    harness.run_steps(1);
    assert!(harness.state().bench.recovery.may_close);
    let saved = knobs::session::Session::load(&session).unwrap();
    assert_eq!(saved.study.trials.len(), 3);
}

#[test]
fn run_pressed_before_the_objective_is_built_waits_for_the_background_build() {
    let dir = tempfile::tempdir().unwrap();
    let mut study = Workbench::default_study();
    study.budget = 3;
    study.strategy = StrategySpec::Sobol;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    bench.recovery.dir = Some(dir.path().to_owned());
    // As the first frame does: a waker, and the builder thread asked for the SVC on moons.
    // Run before any frame has collected the build does not build it in the frame.
    bench.set_waker(std::sync::Arc::new(|| {}));
    knobs::gui::panels::objective::poll_builds(&mut bench);
    let mut app = KnobsApp::from_bench(bench);
    app.handle(Action::Run, &egui::Context::default());
    let bench = &app.bench;
    assert!(!bench.is_running());
    assert!(bench.loading.run_waiting);
    assert!(
        bench.status.contains("loading the objective"),
        "{}",
        bench.status
    );
    // Frames poll the build; the run starts once it is in (bounded: no sleeps).
    let mut harness = harness(app);
    for _ in 0..1_000_000 {
        if harness.state().bench.is_running() || harness.state().bench.study().finished() > 0 {
            break;
        }
        harness.step();
    }
    harness.state_mut().bench.finish_blocking();
    assert!(!harness.state().bench.loading.run_waiting);
    assert_eq!(harness.state().bench.study().finished(), 3);
}
