//! A journal written by Optuna 5.0 (`tests/fixtures/optuna_journal.log`, made by
//! `tests/fixtures/optuna_journal.py`) opens in Knobs with every trial, and what Knobs cannot
//! keep is said.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::space::{Domain, Value};
use knobs::storage::journal;
use knobs::study::{Direction, TrialState};
use std::path::Path;

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/optuna_journal.log"
    ))
}

#[test]
fn an_optuna_journal_opens_with_every_trial_its_space_and_states() {
    let r = journal::read(fixture()).unwrap();
    assert!(!r.knobs_definition);
    let study = &r.study;
    assert_eq!(study.name, "optuna fixture");
    assert_eq!(study.direction, Direction::Minimize);
    assert_eq!(study.trials.len(), 12);
    assert_eq!(
        study.trials.iter().map(|t| t.number).collect::<Vec<_>>(),
        (0..12).collect::<Vec<_>>()
    );
    // The space, from the distributions (names in Optuna's parameter order within a trial).
    let domain = |name: &str| study.space.get(name).unwrap().domain.clone();
    assert_eq!(
        domain("x"),
        Domain::Float {
            low: -5.0,
            high: 10.0,
            log: false
        }
    );
    assert_eq!(
        domain("lr"),
        Domain::Float {
            low: 1e-4,
            high: 0.1,
            log: true
        }
    );
    assert_eq!(
        domain("n"),
        Domain::Int {
            low: 1,
            high: 64,
            log: false
        }
    );
    assert_eq!(
        domain("kind"),
        Domain::Categorical {
            choices: vec!["adam".into(), "sgd".into(), "rmsprop".into()]
        }
    );
    // Trial 0 exactly as Optuna printed it when writing the fixture.
    let t0 = &study.trials[0];
    assert_eq!(t0.state, TrialState::Complete);
    assert_eq!(t0.value, Some(2.26388306031756));
    let param = |name: &str| t0.params.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(param("x"), Value::Float(3.261968538618632));
    assert_eq!(param("lr"), Value::Float(0.013318136687429968));
    assert_eq!(param("n"), Value::Int(19));
    assert_eq!(param("kind"), Value::Cat("rmsprop".into()));
    assert_eq!(t0.point.len(), 4);
    assert!(t0.point.iter().all(|u| (0.0..=1.0).contains(u)));
    assert!(t0.started_at > 1.7e9 && t0.duration >= 0.0);
    // The failed trial keeps its reason; the pruned one its last step and value.
    assert!(study.trials[4].failure().is_some());
    let TrialState::Pruned { step, value } = study.trials[7].state else {
        panic!("trial 7 is not pruned: {:?}", study.trials[7].state)
    };
    assert_eq!(step, 1);
    assert!(value.is_finite() && study.trials[7].failure().is_none());
    assert_eq!(
        study
            .trials
            .iter()
            .filter(|t| t.completed_value().is_some())
            .count(),
        10
    );
    assert_eq!(study.best_trial().unwrap().number, 0);
    // What is not kept is said.
    let notes = r.notes.join("\n");
    assert!(notes.contains("written by Optuna"), "{notes}");
    assert!(notes.contains("intermediate values of 1 trial"), "{notes}");
    assert!(notes.contains("1 study user attribute"), "{notes}");
}

#[test]
fn knobs_refuses_to_continue_an_optuna_study_and_says_why() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_knobs"))
        .arg("run")
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("was written by Optuna, not Knobs"), "{err}");
    assert!(err.contains("12 trials"), "{err}");
}

/// Optuna 5.0 reads a journal Knobs wrote with pruned trials: PRUNED with the last value, and
/// the learning curves as intermediate values. Needs Optuna: set `KNOBS_OPTUNA_PYTHON` to a
/// Python that has it (`/work/venv-optuna/bin/python` here); without it the test says so and
/// checks only Knobs' side.
#[test]
fn optuna_reads_knobs_pruned_trials_with_their_curves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.journal");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/curve.sh");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_knobs"))
        .args([
            "run",
            "--command",
            &format!("sh {script}"),
            "--param",
            "x=0..1",
        ])
        .args(["--direction", "maximize", "--budget", "12", "--seed", "1"])
        .args(["--pruner", "asha", "--quiet", "--journal"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let study = journal::read(&path).unwrap().study;
    let ours: Vec<(usize, String, u64)> = study
        .trials
        .iter()
        .map(|t| {
            let state = match t.state {
                TrialState::Pruned { .. } => "PRUNED",
                TrialState::Complete => "COMPLETE",
                _ => "OTHER",
            };
            (
                t.number,
                state.to_owned(),
                t.intermediate.last().unwrap().step,
            )
        })
        .collect();
    assert!(ours.iter().any(|t| t.1 == "PRUNED"), "{ours:?}");
    let Ok(python) = std::env::var("KNOBS_OPTUNA_PYTHON") else {
        eprintln!("KNOBS_OPTUNA_PYTHON is not set: Optuna's side is not checked");
        return;
    };
    let code = "import sys, optuna\n\
        from optuna.storages import JournalStorage\n\
        from optuna.storages.journal import JournalFileBackend\n\
        optuna.logging.set_verbosity(optuna.logging.WARNING)\n\
        s = optuna.load_study(study_name=None, storage=JournalStorage(JournalFileBackend(sys.argv[1])))\n\
        for t in s.trials:\n    print(t.number, t.state.name, t.last_step, t.value == t.intermediate_values[t.last_step])\n";
    let out = std::process::Command::new(python)
        .args(["-c", code])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let theirs: Vec<(usize, String, u64)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(
                f[3], "True",
                "the value is the last intermediate value: {l}"
            );
            (
                f[0].parse().unwrap(),
                f[1].to_owned(),
                f[2].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(theirs, ours);
}
