//! The window never runs a command from a session unasked: Run shows the program, its
//! arguments and folder in a dialog, nothing runs until it is confirmed, and the
//! confirmation is remembered for that command in that folder.
#![cfg(all(feature = "gui", target_os = "linux"))]
#![allow(clippy::unwrap_used)]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use knobs::gui::KnobsApp;
use knobs::gui::state::Workbench;
use knobs::objective::ObjectiveSpec;
use knobs::session::Session;
use knobs::space::{Space, parse_param};
use std::path::Path;

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

fn opened(path: &Path) -> Workbench {
    let mut bench = Workbench::new(Workbench::default_study());
    bench.workers.jobs = 1;
    assert!(bench.open(path).is_some(), "{}", bench.status);
    bench
}

#[test]
fn a_session_with_a_command_asks_before_its_first_trial_and_remembers_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary, before any thread reads the environment.
    unsafe { std::env::set_var("KNOBS_CONFIG_DIR", dir.path().join("config")) };
    let mut study = Workbench::default_study();
    study.objective = ObjectiveSpec::Command {
        command: "sh -c 'echo ran >> ran.log; echo 0.5'".into(),
        trial_timeout: None,
        workdir: None,
    };
    study.space = Space::new(vec![parse_param("x=0..1").unwrap()]).unwrap();
    study.budget = 2;
    let path = dir.path().join("s.ron");
    Session::new(study).save(&path).unwrap();
    let log = dir.path().join("ran.log");

    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(opened(&path)),
        );
    harness.run_steps(2);
    harness.state_mut().bench.run();
    harness.run_steps(2);
    harness.get_by_label("Run this command?");
    harness.get_by_label_contains("program: sh");
    harness.get_by_label_contains(&format!("in folder: {}", dir.path().display()));
    assert!(!harness.state().bench.is_running());
    assert_eq!(lines(&log), 0, "nothing runs before the confirmation");

    harness.get_by_label("Confirm and run").click();
    harness.run_steps(2);
    harness.state_mut().bench.finish_blocking();
    assert_eq!(lines(&log), 2, "{}", harness.state().bench.status);

    // Opened again, the same command in the same folder runs at once.
    let mut again = opened(&path);
    again.run();
    assert!(again.consent.pending.is_none());
    again.finish_blocking();
    assert_eq!(lines(&log), 4);
}
