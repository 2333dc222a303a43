//! Command trials in the window: a real `sh` script's intermediate values appear in the
//! learning-curves view while its trial runs, the trial table shows what each trial cost,
//! and a race or step mode on a command study asks before anything runs, as Run does.
#![cfg(all(feature = "gui", target_os = "linux"))]
#![allow(clippy::unwrap_used)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::KnobsApp;
use knobs::gui::plots::curves::{CurveKind, Curves};
use knobs::gui::state::{Tab, Workbench};
use knobs::objective::ObjectiveSpec;
use knobs::objective::consent::CommandApproval;
use knobs::space::{Space, parse_param};
use knobs::study::Study;
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

/// Confirmations go to a folder of this test binary's own, set once before any test reads
/// the environment (every test calls this first).
fn own_config_dir() {
    static SET: Once = Once::new();
    SET.call_once(|| {
        let dir = std::env::temp_dir().join(format!("knobs-gui-curves-{}", std::process::id()));
        // SAFETY: every test calls this before it starts a thread or reads the environment,
        // and `Once` makes the others wait until it is set.
        unsafe { std::env::set_var("KNOBS_CONFIG_DIR", dir) };
    });
}

/// A study running `sh SCRIPT` (written to `dir`) over x in [0, 1], in `dir`.
fn command_study(dir: &Path, script: &str, budget: usize) -> Study {
    std::fs::write(dir.join("script.sh"), script).unwrap();
    let mut study = Workbench::default_study();
    study.objective = ObjectiveSpec::Command {
        command: "sh script.sh".into(),
        trial_timeout: Some(120.0),
        workdir: Some(dir.to_owned()),
    };
    study.space = Space::new(vec![parse_param("x=0..1").unwrap()]).unwrap();
    study.strategy = knobs::strategy::StrategySpec::Random;
    study.direction = knobs::study::Direction::Minimize;
    study.budget = budget;
    study
}

fn harness(bench: Workbench) -> Harness<'static, KnobsApp> {
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        )
}

/// Draw frames until `done` holds, for at most `limit` (a bound that only a broken run
/// reaches, never a timing the test relies on).
fn frames_until(
    harness: &mut Harness<'static, KnobsApp>,
    limit: Duration,
    done: impl Fn(&KnobsApp) -> bool,
) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        harness.step();
        if done(harness.state()) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

/// Reports step 1, waits until the test creates `go`, reports steps 2 and 3 and its value.
const GATED: &str = r#"n=$KNOBS_TRIAL_NUMBER
echo "{\"step\": 1, \"value\": 0.9$n}"
while [ ! -e go ]; do sleep 0.02; done
echo "{\"step\": 2, \"value\": 0.7$n}"
echo "knobs: step 3 value 0.5$n"
echo "0.5$n"
"#;

#[test]
fn a_script_s_intermediate_values_appear_in_the_curves_view_while_it_runs() {
    own_config_dir();
    let dir = tempfile::tempdir().unwrap();
    let study = command_study(dir.path(), GATED, 2);
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    bench.view.tab = Tab::Curves;
    bench
        .consent
        .confirmed
        .push(CommandApproval::of(&bench.study().objective).unwrap());
    let mut harness = harness(bench);
    harness.run_steps(2);
    harness.get_by_label_contains("No trial reported intermediate values");

    harness.state_mut().bench.run();
    assert!(
        harness.state().bench.is_running(),
        "{}",
        harness.state().bench.status
    );
    let reported = frames_until(&mut harness, Duration::from_secs(60), |app| {
        app.bench
            .study()
            .trials
            .iter()
            .any(|t| !t.intermediate.is_empty())
    });
    assert!(reported, "the first step never arrived");
    harness.run_steps(1);
    // The trial is still running (it waits for `go`), and its first point is drawn.
    harness.get_by_label("1 of 1 trials reported intermediate values (1 running)");
    let live = Curves::of(harness.state().bench.study(), None);
    assert_eq!(live.curves[0].kind, CurveKind::Running);
    assert_eq!(live.curves[0].points, [[1.0, 0.90]]);

    std::fs::write(dir.path().join("go"), "").unwrap();
    harness.state_mut().bench.finish_blocking();
    harness.state_mut().bench.select(Some(1));
    harness.run_steps(2);
    harness.get_by_label("2 of 2 trials reported intermediate values (0 running)");
    let done = Curves::of(harness.state().bench.study(), Some(1));
    assert_eq!(done.count(CurveKind::Complete), 2);
    assert_eq!(
        done.curves[1].points,
        [[1.0, 0.91], [2.0, 0.71], [3.0, 0.51]]
    );
    assert_eq!(done.best, Some(0), "trial 0 ended lowest");
    assert_eq!(done.selected, Some(1));
    // The table shows what each trial cost.
    harness.get_by_label("resources");
    assert_eq!(
        harness.query_all_by_label_contains(" s · ").count(),
        2,
        "a wall time and peak memory per trial"
    );
}

#[test]
fn a_failed_script_s_curve_is_kept_and_its_cost_shown() {
    own_config_dir();
    let dir = tempfile::tempdir().unwrap();
    let script = "echo '{\"step\": 1, \"value\": 2.5}'\necho diverged >&2\nexit 3\n";
    let mut bench = Workbench::new(command_study(dir.path(), script, 1));
    bench.workers.jobs = 1;
    bench.view.tab = Tab::Curves;
    bench
        .consent
        .confirmed
        .push(CommandApproval::of(&bench.study().objective).unwrap());
    bench.run();
    bench.finish_blocking();
    let t = &bench.study().trials[0];
    assert!(
        t.failure().unwrap().contains("diverged"),
        "{:?}",
        t.failure()
    );
    assert!(t.resources.is_some(), "a failed command's cost is kept");
    let curves = Curves::of(bench.study(), None);
    assert_eq!(curves.curves[0].kind, CurveKind::Ended);
    assert_eq!(curves.curves[0].points, [[1.0, 2.5]]);
    let mut harness = harness(bench);
    harness.run_steps(2);
    harness.get_by_label("1 of 1 trials reported intermediate values (0 running)");
    harness.get_by_label("resources");
    assert_eq!(harness.query_all_by_label_contains(" s · ").count(), 1);
}

#[test]
fn a_race_on_a_command_study_shows_the_command_and_runs_only_once_confirmed() {
    own_config_dir();
    let dir = tempfile::tempdir().unwrap();
    let script = "echo ran >> ran.log\necho \"$2\"\n";
    let mut bench = Workbench::new(command_study(dir.path(), script, 2));
    bench.workers.jobs = 1;
    bench.view.tab = Tab::Race;
    let log = dir.path().join("ran.log");
    let mut harness = harness(bench);
    harness.run_steps(2);
    harness.get_by_label_contains("objective: `sh script.sh` in folder ");

    harness.get_by_label("Start race").click();
    harness.run_steps(2);
    harness.get_by_label("Run this command?");
    harness.get_by_label_contains("program: sh");
    assert!(!harness.state().race.is_running());
    assert_eq!(lines(&log), 0, "nothing runs before the confirmation");

    harness.get_by_label("Confirm and run").click();
    harness.run_steps(1);
    assert!(harness.state().bench.consent.pending.is_none());
    assert!(
        harness.state().race.is_running(),
        "{}",
        harness.state().race.status
    );
    harness.state_mut().race.finish_blocking();
    let race = &harness.state().race;
    assert_eq!(race.racers.len(), 3, "{}", race.status);
    assert!(race.racers.iter().all(|r| r.study.trials.len() == 2));
    assert_eq!(lines(&log), 6, "three strategies, two trials each");
}

#[test]
fn step_mode_on_a_command_study_asks_before_it_starts() {
    own_config_dir();
    let dir = tempfile::tempdir().unwrap();
    let script = "echo ran >> ran.log\necho \"$2\"\n";
    let mut bench = Workbench::new(command_study(dir.path(), script, 3));
    bench.workers.jobs = 1;
    bench.view.tab = Tab::Step;
    let mut harness = harness(bench);
    harness.run_steps(2);
    assert!(!harness.state_mut().bench.step_start());
    harness.run_steps(2);
    harness.get_by_label("Run this command?");
    assert!(!harness.state().bench.is_stepping());

    harness.get_by_label("Confirm and run").click();
    harness.run_steps(1);
    assert!(
        harness.state().bench.is_stepping(),
        "{}",
        harness.state().bench.step.status
    );
    assert_eq!(
        lines(&dir.path().join("ran.log")),
        0,
        "step mode only proposes"
    );
}

#[test]
fn continuing_a_race_whose_command_the_study_does_not_show_asks_first() {
    own_config_dir();
    let dir = tempfile::tempdir().unwrap();
    let script = "echo ran >> ran.log\necho \"$2\"\n";
    let log = dir.path().join("ran.log");
    // A race on a command, as a session someone sent would carry it.
    let mut first = Workbench::new(command_study(dir.path(), script, 2));
    first.workers.jobs = 1;
    let approval = CommandApproval::of(&first.study().objective).unwrap();
    first.consent.confirmed.push(approval);
    let mut app = KnobsApp::from_bench(first);
    let ctx = eframe::egui::Context::default();
    knobs::gui::race::view::start(&mut app.race, &mut app.bench, &ctx);
    app.race.finish_blocking();
    assert_eq!(lines(&log), 6, "{}", app.race.status);
    let saved = app.race.to_session().unwrap();

    // Opened beside a study on a test function, with a larger budget to continue to.
    let mut study = Workbench::branin_study();
    study.budget = 3;
    let mut bench = Workbench::new(study);
    bench.workers.jobs = 1;
    bench.view.tab = Tab::Race;
    let mut app = KnobsApp::from_bench(bench);
    app.race = knobs::gui::race::state::Race::from_session(saved);
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut KnobsApp| app.show(ui), app);
    harness.run_steps(2);
    harness.get_by_label_contains("objective: `sh script.sh` in folder ");
    harness.get_by_label_contains("not the study's objective");

    harness.get_by_label("Continue race").click();
    harness.run_steps(2);
    harness.get_by_label("Run this command?");
    assert!(!harness.state().race.is_running());
    assert_eq!(lines(&log), 6, "nothing more runs before the confirmation");

    harness.get_by_label("Confirm and run").click();
    harness.run_steps(1);
    harness.state_mut().race.finish_blocking();
    assert_eq!(lines(&log), 9, "each of the three runs went on to 3 trials");
}
