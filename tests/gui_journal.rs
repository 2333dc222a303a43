//! Step mode and races are journaled as runs are, and nothing heavy runs in a frame: a
//! step-mode trial and each race run's trials are on disk before the window shows them, a
//! window started after a crash offers them and Recover brings them back (a recovered race
//! continues to exactly the trials of an uninterrupted one), and step mode and a race on a
//! model objective wait for its build off the UI thread. Driven with egui_kittest by label;
//! frames are pumped until a condition holds (bounded), never slept through.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::KnobsApp;
use knobs::gui::race::journal::run_journal;
use knobs::gui::recovery::Scan;
use knobs::gui::state::{Tab, Workbench};
use knobs::storage::journal;
use knobs::strategy::StrategySpec;
use knobs::study::{Trial, TrialState};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);
/// Frames to pump at most before a condition must hold; each frame is quick.
const MAX_FRAMES: usize = 200_000;

fn harness(app: KnobsApp) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app)
}

/// Random search on Branin on `tab`, journaling unsaved studies and races to `dir`.
fn bench(budget: usize, dir: &Path, tab: Tab) -> Workbench {
    let mut study = Workbench::branin_study();
    study.budget = budget;
    study.strategy = StrategySpec::Random;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 2;
    bench.recovery.dir = Some(dir.to_owned());
    bench.view.tab = tab;
    bench
}

/// Pump frames until `done` holds, calling `each` after every frame (bounded).
fn frames_until(
    harness: &mut Harness<'static, KnobsApp>,
    done: impl Fn(&KnobsApp) -> bool,
    mut each: impl FnMut(&KnobsApp),
) {
    for _ in 0..MAX_FRAMES {
        if done(harness.state()) {
            return;
        }
        harness.step();
        each(harness.state());
    }
    panic!("never got there: {}", harness.state().bench.status);
}

/// What must match between two sets of trials: number, point, state, value.
type Essence = (usize, Vec<f64>, TrialState, Option<f64>);

fn essence(trials: &[Trial]) -> Vec<Essence> {
    trials
        .iter()
        .map(|t| (t.number, t.point.clone(), t.state.clone(), t.value))
        .collect()
}

fn finished(trials: &[Trial]) -> Vec<Essence> {
    essence(trials)
        .into_iter()
        .filter(|e| e.2 != TrialState::Running)
        .collect()
}

/// Every finished trial the window holds is already in the journal at `path`.
fn on_disk_before_shown(shown: &[Trial], path: &Path) {
    let shown = finished(shown);
    if shown.is_empty() {
        return;
    }
    let stored = finished(&journal::read(path).unwrap().study.trials);
    for trial in &shown {
        assert!(
            stored.contains(trial),
            "trial {} is shown but not in {}",
            trial.0,
            path.display()
        );
    }
}

/// A window starting on `dir` with its start-up scan done.
fn starting_window(dir: &Path, budget: usize) -> Harness<'static, KnobsApp> {
    let mut bench = bench(budget, dir, Tab::Overview);
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
fn step_mode_trials_are_in_the_journal_before_the_window_shows_them_and_recover_finds_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(KnobsApp::from_bench(bench(8, dir.path(), Tab::Step)));
    harness.run_steps(1);
    let mut checked = 0;
    for expected in 1..=3 {
        harness.get_by_label("Step").click();
        harness.run_steps(1);
        frames_until(
            &mut harness,
            |app| app.bench.step_settled() && app.bench.study().finished() == expected,
            |app| {
                if let Some(path) = &app.bench.recovery.journal {
                    on_disk_before_shown(&app.bench.study().trials, path);
                    checked += 1;
                }
            },
        );
    }
    assert!(checked > 0, "the journal was never looked at");
    let stepped = harness.state().bench.study().clone();
    assert_eq!(stepped.trials.len(), 3);
    let path = harness.state().bench.recovery.journal.clone().unwrap();
    assert_eq!(path.parent(), Some(dir.path()));
    on_disk_before_shown(&stepped.trials, &path);
    // Step mode ends and the window goes away without a clean close (as a crash leaves
    // it): the journal stays.
    harness.state_mut().bench.step_stop();
    frames_until(&mut harness, |app| !app.bench.is_stepping(), |_| {});
    drop(harness);

    let mut harness = starting_window(dir.path(), 10);
    harness.get_by_label_contains("An unsaved study from");
    harness.get_by_label_contains("with 3 trials");
    harness.get_by_label("Recover").click();
    harness.run_steps(1);
    assert!(knobs::gui::loading::wait(harness.state_mut(), WAIT));
    harness.run_steps(1);
    let bench = &harness.state().bench;
    assert_eq!(essence(&bench.study().trials), essence(&stepped.trials));
    assert_eq!(bench.recovery.journal.as_deref(), Some(path.as_path()));
}

/// Start a race of random and Sobol on `harness`'s study and pump frames until it is over,
/// checking at every frame that each run's shown trials are already in its journal.
fn race_to_the_end(harness: &mut Harness<'static, KnobsApp>, button: &str) {
    harness.get_by_label(button).click();
    harness.run_steps(1);
    let mut checked = 0;
    frames_until(
        harness,
        |app| !app.race.is_running(),
        |app| {
            let Some(folder) = &app.race.journals.folder else {
                // Until its journals exist, no run has started.
                assert!(app.race.racers.iter().all(|r| r.study.trials.is_empty()));
                return;
            };
            for (i, racer) in app.race.racers.iter().enumerate() {
                if !racer.study.trials.is_empty() {
                    on_disk_before_shown(&racer.study.trials, &run_journal(folder, i));
                    checked += 1;
                }
            }
        },
    );
    assert!(checked > 0, "no run's trials were ever looked at");
    harness.run_steps(1);
}

#[test]
fn race_runs_are_journaled_one_journal_each_and_a_recovered_race_continues_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(KnobsApp::from_bench(bench(10, dir.path(), Tab::Race)));
    harness.state_mut().race.picked = vec!["random".into(), "sobol".into()];
    harness.run_steps(1);
    race_to_the_end(&mut harness, "Start race");
    let race = &harness.state().race;
    let folder = race.journals.folder.clone().unwrap();
    assert_eq!(folder.parent(), Some(dir.path()));
    assert_eq!(race.racers.len(), 2);
    let uninterrupted: Vec<Vec<Essence>> = race
        .racers
        .iter()
        .map(|r| essence(&r.study.trials))
        .collect();
    for (i, trials) in uninterrupted.iter().enumerate() {
        assert_eq!(trials.len(), 10);
        let stored = journal::read(&run_journal(&folder, i)).unwrap();
        assert!(stored.is_finished());
        assert_eq!(&essence(&stored.study.trials), trials);
    }
    // A crash during the first run: its end and its last trial's result are lost.
    drop(harness);
    let first = run_journal(&folder, 0);
    let text = std::fs::read_to_string(&first).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&first, lines[..lines.len() - 4].join("\n") + "\n").unwrap();

    let mut harness = starting_window(dir.path(), 10);
    harness.get_by_label_contains("An unsaved race from");
    harness.get_by_label("Recover").click();
    harness.run_steps(1);
    assert!(knobs::gui::loading::wait(harness.state_mut(), WAIT));
    harness.run_steps(1);
    let app = harness.state();
    assert_eq!(app.bench.view.tab, Tab::Race);
    assert_eq!(app.race.journals.folder.as_deref(), Some(folder.as_path()));
    let recovered: Vec<Vec<Essence>> = app
        .race
        .racers
        .iter()
        .map(|r| essence(&r.study.trials))
        .collect();
    assert_eq!(
        recovered[0],
        uninterrupted[0][..9],
        "the cut trial is asked again"
    );
    assert_eq!(recovered[1], uninterrupted[1]);

    // Continuing runs the cut run to its budget: exactly the uninterrupted trials.
    race_to_the_end(&mut harness, "Continue race");
    let race = &harness.state().race;
    for (i, racer) in race.racers.iter().enumerate() {
        assert_eq!(essence(&racer.study.trials), uninterrupted[i], "run {i}");
    }
    let stored = journal::read(&first).unwrap();
    assert_eq!(essence(&stored.study.trials), uninterrupted[0]);
}

#[test]
fn saving_the_session_with_its_race_removes_the_race_journals() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(KnobsApp::from_bench(bench(4, dir.path(), Tab::Race)));
    harness.state_mut().race.picked = vec!["random".into(), "sobol".into()];
    harness.run_steps(1);
    race_to_the_end(&mut harness, "Start race");
    let folder = harness.state().race.journals.folder.clone().unwrap();
    assert!(folder.is_dir());
    let session = dir.path().join("raced.ron");
    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .handle(knobs::gui::Action::SaveAs(Some(session.clone())), &ctx);
    assert!(!folder.exists(), "the session holds the race now");
    let saved = knobs::session::Session::load(&session).unwrap();
    assert_eq!(saved.race.unwrap().runs[1].trials.len(), 4);
}

/// Sobol on the default study (an SVC on moons, a model objective that reads its data),
/// with a waker and the builder asked for the objective, as the first frame leaves it.
fn model_app(dir: &Path, tab: Tab) -> KnobsApp {
    let mut study = Workbench::default_study();
    study.budget = 2;
    study.strategy = StrategySpec::Sobol;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    bench.recovery.dir = Some(dir.to_owned());
    bench.view.tab = tab;
    bench.set_waker(std::sync::Arc::new(|| {}));
    knobs::gui::panels::objective::poll_builds(&mut bench);
    KnobsApp::from_bench(bench)
}

#[test]
fn step_mode_on_a_model_objective_waits_for_its_build_off_the_ui_thread() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = model_app(dir.path(), Tab::Step);
    // Step pressed before any frame collected the build: nothing is built in the frame.
    app.bench.step_once();
    assert!(!app.bench.is_stepping());
    assert!(
        app.bench.step.status.contains("loading the objective"),
        "{}",
        app.bench.step.status
    );
    let mut harness = harness(app);
    frames_until(
        &mut harness,
        |app| app.bench.study().finished() == 1 && app.bench.step_settled(),
        |_| {},
    );
    assert!(harness.state().bench.is_stepping());
    let path = harness.state().bench.recovery.journal.clone().unwrap();
    on_disk_before_shown(&harness.state().bench.study().trials, &path);
    harness.state_mut().bench.step_stop();
    frames_until(&mut harness, |app| !app.bench.is_stepping(), |_| {});
}

#[test]
fn a_race_on_a_model_objective_waits_for_its_build_off_the_ui_thread() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = model_app(dir.path(), Tab::Race);
    app.race.picked = vec!["random".into(), "sobol".into()];
    // Start pressed before any frame collected the build: nothing is built in the frame.
    let ctx = eframe::egui::Context::default();
    knobs::gui::race::view::start(&mut app.race, &mut app.bench, &ctx);
    assert!(app.race.racers.is_empty());
    assert!(
        app.race.status.contains("loading the objective"),
        "{}",
        app.race.status
    );
    let mut harness = harness(app);
    frames_until(
        &mut harness,
        |app| {
            app.race.racers.len() == 2
                && !app.race.is_running()
                && app.race.racers.iter().all(|r| r.study.finished() == 2)
        },
        |_| {},
    );
    let folder = harness.state().race.journals.folder.clone().unwrap();
    for i in 0..2 {
        assert_eq!(
            journal::read(&run_journal(&folder, i))
                .unwrap()
                .study
                .trials
                .len(),
            2
        );
    }
}
