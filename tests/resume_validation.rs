//! Resumes that are always right, and hostile values that get clear errors: every case of
//! issue 12's "Why" list, driven through the built binary as a user would meet it.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::session::Session;
use knobs::study::TrialState;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{json_of, knobs};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A run that must fail as bad input: exit 2, a one-line reason, never a panic (101).
fn assert_input_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "expected exit 2: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "`{needle}` not in: {err}");
}

/// Run a study and save it; returns the session's path.
fn saved_run(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut all = vec!["run", "--quiet", "--save", path.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = knobs(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

fn values(session: &Session) -> Vec<Option<f64>> {
    session.study.trials.iter().map(|t| t.value).collect()
}

#[test]
fn a_session_with_a_gap_in_its_numbers_is_renumbered_and_resumes_to_its_whole_budget() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_run(
        dir.path(),
        "gap.ron",
        &[
            "--objective",
            "branin",
            "--strategy",
            "random",
            "--budget",
            "8",
            "--seed",
            "1",
        ],
    );
    let mut session = Session::load(&path).unwrap();
    session.study.trials.remove(4); // deleted by hand: numbers 0–3, 5–7
    let stored = values(&session);
    session.save(&path).unwrap();

    let out_path = dir.path().join("out.ron");
    let out = knobs(&[
        "run",
        path.to_str().unwrap(),
        "--budget",
        "10",
        "--quiet",
        "--json",
        "--save",
        out_path.to_str().unwrap(),
    ]);
    let j = json_of(&out);
    assert_eq!(j["trials"], 10, "never 4 trials instead of 10");
    assert!(stderr(&out).contains("renumbered"), "{}", stderr(&out));
    let resumed = Session::load(&out_path).unwrap();
    let numbers: Vec<usize> = resumed.study.trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..10).collect::<Vec<_>>());
    // every stored trial keeps its own value, in order; the new ones come after
    assert_eq!(values(&resumed)[..7], stored[..]);
}

#[test]
fn duplicate_trial_numbers_are_refused_naming_the_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_run(
        dir.path(),
        "dup.ron",
        &["--objective", "branin", "--budget", "4", "--seed", "2"],
    );
    let mut session = Session::load(&path).unwrap();
    session.study.trials[2].number = 1;
    session.save(&path).unwrap();
    let out = knobs(&["run", path.to_str().unwrap(), "--quiet"]);
    assert_input_error(&out, "trial number 1 appears twice");
}

#[test]
fn changing_the_space_of_a_gp_or_gradient_session_is_refused_with_the_way_to_a_new_study() {
    let dir = tempfile::tempdir().unwrap();
    for strategy in ["gp", "gradient"] {
        let path = saved_run(
            dir.path(),
            &format!("{strategy}.ron"),
            &[
                "--objective",
                "branin",
                "--strategy",
                strategy,
                "--budget",
                "12",
                "--seed",
                "3",
            ],
        );
        let p = path.to_str().unwrap();
        let out = knobs(&["run", p, "--param", "x2=0..1", "--budget", "14", "--quiet"]);
        assert_input_error(&out, "--new-study");
        assert!(stderr(&out).contains("x2 added"), "{}", stderr(&out));
        let out = knobs(&["run", p, "--param", "x0=0..1", "--budget", "14", "--quiet"]);
        assert_input_error(&out, "x0: -5..10 → 0..1");

        // --new-study keeps the settings and the change, and drops the trials
        let out = knobs(&[
            "run",
            p,
            "--param",
            "x0=0..1",
            "--budget",
            "14",
            "--new-study",
            "--quiet",
            "--json",
        ]);
        let j = json_of(&out);
        assert_eq!(j["trials"], 14, "{strategy}");
        let x0 = j["best_params"]["x0"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&x0), "{strategy}: {j}");
    }
}

#[test]
fn changing_the_objective_or_direction_of_a_session_is_refused_saying_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_run(
        dir.path(),
        "b.ron",
        &["--objective", "branin", "--budget", "6", "--seed", "4"],
    );
    let p = path.to_str().unwrap();
    let out = knobs(&["run", p, "--objective", "ackley", "--quiet"]);
    assert_input_error(&out, "the objective (branin → ackley)");
    let out = knobs(&["run", p, "--direction", "maximize", "--quiet"]);
    assert_input_error(&out, "the direction (minimize → maximize)");
    let out = knobs(&[
        "run",
        p,
        "--command",
        "echo 1",
        "--param",
        "x0=-5..10",
        "--param",
        "x1=0..15",
        "--quiet",
    ]);
    assert_input_error(&out, "the objective (branin → `echo 1`)");
    let out = knobs(&["run", p, "--dataset", "iris", "--model", "knn", "--quiet"]);
    assert_input_error(&out, "the objective (branin → ");
    // what does not change the measure resumes as before
    let j = json_of(&knobs(&[
        "run",
        p,
        "--strategy",
        "tpe",
        "--budget",
        "8",
        "--quiet",
        "--json",
    ]));
    assert_eq!(j["trials"], 8);
}

#[test]
fn a_stored_nan_counts_as_a_failed_trial_and_the_best_value_ignores_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_run(
        dir.path(),
        "nan.ron",
        &["--objective", "branin", "--budget", "6", "--seed", "5"],
    );
    let mut session = Session::load(&path).unwrap();
    session.study.trials[0].value = Some(f64::NAN);
    let best = session.study.trials[1..]
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::INFINITY, f64::min);
    session.save(&path).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("NaN"));

    let out = knobs(&["run", path.to_str().unwrap(), "--quiet", "--json"]);
    let j = json_of(&out);
    assert_eq!(j["best_value"].as_f64(), Some(best));
    assert_eq!(j["failed"], 1);
    assert!(
        stderr(&out).contains("not a finite number"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn trials_saved_running_are_asked_again_and_the_trials_after_them_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let common = [
        "--objective",
        "branin",
        "--strategy",
        "tpe",
        "--window",
        "3",
        "--seed",
        "6",
    ];
    let mut args = common.to_vec();
    args.extend(["--budget", "16"]);
    let full = Session::load(&saved_run(dir.path(), "full.ron", &args)).unwrap();

    // Saved mid-run: trials 0–13 stored, 11 still running while 12 and 13 had finished.
    let mut args = common.to_vec();
    args.extend(["--budget", "14"]);
    let path = saved_run(dir.path(), "mid.ron", &args);
    let mut mid = Session::load(&path).unwrap();
    let running = &mut mid.study.trials[11];
    running.state = TrialState::Running;
    running.value = None;
    mid.save(&path).unwrap();

    let out_path = dir.path().join("resumed.ron");
    let out = knobs(&[
        "run",
        path.to_str().unwrap(),
        "--budget",
        "16",
        "--quiet",
        "--save",
        out_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("asked again"), "{}", stderr(&out));
    let resumed = Session::load(&out_path).unwrap();
    // The uninterrupted run's trials exactly: same points, same values, nothing dropped.
    let points =
        |s: &Session| -> Vec<Vec<f64>> { s.study.trials.iter().map(|t| t.point.clone()).collect() };
    assert_eq!(resumed.study.trials.len(), 16);
    assert_eq!(points(&resumed), points(&full));
    assert_eq!(values(&resumed), values(&full));
}

#[test]
fn hostile_flag_values_are_clear_errors_never_panics() {
    let huge = "18446744073709551615";
    for (args, needle) in [
        (
            vec!["--command", "echo 1", "--trial-timeout", "1e20"],
            "trial timeout",
        ),
        (
            vec!["--strategy", "grid", "--grid-points", huge],
            "grid points",
        ),
        (
            vec!["--objective", "rosenbrock", "--dims", huge],
            "dimensions",
        ),
        (vec!["--window", huge], "--window"),
        (vec!["--jobs", huge], "--jobs"),
        (
            vec!["--param", "n=-9200000000000000000..9200000000000000000:int"],
            "integer bounds",
        ),
        (vec!["--param", "x=-1e308..1e308"], "too wide"),
    ] {
        let mut all = vec!["run", "--budget", "3", "--quiet"];
        all.extend(args);
        assert_input_error(&knobs(&all), needle);
    }
}

#[test]
fn a_session_with_a_huge_tpe_candidate_count_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_run(
        dir.path(),
        "tpe.ron",
        &[
            "--objective",
            "branin",
            "--strategy",
            "tpe",
            "--budget",
            "2",
        ],
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("n_candidates: 24"), "{text}");
    std::fs::write(
        &path,
        text.replace("n_candidates: 24", "n_candidates: 18446744073709551615"),
    )
    .unwrap();
    let out = knobs(&["run", path.to_str().unwrap(), "--budget", "4", "--quiet"]);
    assert_input_error(&out, "n_candidates");
}

#[test]
fn data_errors_name_their_file() {
    let dir = tempfile::tempdir().unwrap();
    // a fold id of 2^64 − 1 is not "0 folds"
    let folds = dir.path().join("huge.folds.csv");
    let mut text = String::from("index,fold\n");
    for i in 0..150 {
        let fold = if i == 0 { "18446744073709551615" } else { "0" };
        text.push_str(&format!("{i},{fold}\n"));
    }
    std::fs::write(&folds, text).unwrap();
    let f = folds.to_str().unwrap();
    let out = knobs(&[
        "run",
        "--dataset",
        "iris",
        "--model",
        "knn",
        "--folds",
        f,
        "--budget",
        "1",
        "--quiet",
    ]);
    assert_input_error(&out, "cannot fill 18446744073709551615 folds");
    assert!(stderr(&out).contains("huge.folds.csv"), "{}", stderr(&out));

    // a dataset too small for its folds names the data file
    let csv = dir.path().join("tiny.csv");
    std::fs::write(&csv, "a,b,y\n1,2,0\n3,4,1\n").unwrap();
    let c = csv.to_str().unwrap();
    let out = knobs(&[
        "run",
        "--dataset",
        c,
        "--model",
        "knn",
        "--folds",
        "5",
        "--budget",
        "1",
        "--quiet",
    ]);
    assert_input_error(&out, "2 rows cannot fill 5 folds");
    assert!(stderr(&out).contains("tiny.csv"), "{}", stderr(&out));
}
