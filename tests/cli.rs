//! The built binary, driven as a user would: every strategy on every synthetic objective,
//! JSON and CSV output, session round trips and bad input.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::Path;

mod common;
use common::{json_of, knobs};

#[test]
fn random_on_branin_prints_the_summary() {
    let out = knobs(&[
        "run",
        "--objective",
        "branin",
        "--strategy",
        "random",
        "--budget",
        "60",
        "--seed",
        "0",
        "--json",
        "--quiet",
    ]);
    let j = json_of(&out);
    assert_eq!(j["trials"], 60);
    assert_eq!(j["failed"], 0);
    assert_eq!(j["history"].as_array().unwrap().len(), 60);
    let best = j["best_value"].as_f64().unwrap();
    let min = j["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, min);
    assert!(best < 5.0, "60 random points find Branin's basin: {best}");
    assert!(j["best_params"]["x0"].is_number());
    assert!(j["strategy_seconds"].as_f64().unwrap() >= 0.0);
}

#[test]
fn every_strategy_runs_every_synthetic_objective() {
    let list = knobs(&["list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    let objectives: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("objective "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(objectives.len() >= 7, "{text}");
    let strategies: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("strategy "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(strategies.len() >= 7, "{text}");
    for strategy in strategies {
        for objective in &objectives {
            let out = knobs(&[
                "run",
                "--objective",
                objective,
                "--strategy",
                strategy,
                "--budget",
                "20",
                "--json",
                "--quiet",
            ]);
            let j = json_of(&out);
            assert!(
                j["trials"].as_u64().unwrap() >= 1,
                "{strategy} on {objective}"
            );
            assert!(j["best_value"].is_number(), "{strategy} on {objective}");
        }
    }
}

#[test]
fn results_do_not_depend_on_jobs() {
    for strategy in [
        "sobol",
        "tpe",
        "cmaes",
        "pso",
        "anneal",
        "gp",
        "gp --window 3",
        "gradient",
    ] {
        let run = |jobs: &str| {
            let args = format!(
                "run --objective hartmann6 --strategy {strategy} --budget 40 --jobs {jobs} --json --quiet"
            );
            json_of(&knobs(&args.split(' ').collect::<Vec<_>>()))["history"].clone()
        };
        assert_eq!(run("1"), run("2"), "{strategy}");
        assert_eq!(run("2"), run("4"), "{strategy}");
    }
}

#[test]
fn grid_follows_the_documented_order_and_writes_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    let out = knobs(&[
        "run",
        "--objective",
        "branin",
        "--strategy",
        "grid",
        "--grid-points",
        "3",
        "--param",
        "x0=1..100:log",
        "--param",
        "kind=a,b",
        "--budget",
        "100",
        "--json",
        "--quiet",
        "--trials-csv",
        csv.to_str().unwrap(),
    ]);
    // the objective ignores `kind`; the grid is 3 x 3 x 2
    let j = json_of(&out);
    assert_eq!(j["trials"], 18);
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "number,state,value,duration_seconds,resource,pruned_step,x0,x1,kind"
    );
    assert_eq!(rows.len(), 19);
    let cols = |r: &str| r.split(',').map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        cols(rows[1])[4],
        "1",
        "a trial that reports nothing used one unit"
    );
    assert_eq!(cols(rows[1])[6], "1");
    assert_eq!(cols(rows[1])[8], "a");
    assert_eq!(cols(rows[2])[8], "b");
    assert_eq!(cols(rows[3])[7], "7.5");
    assert_eq!(cols(rows[18])[6], "100");
}

fn history(path: &Path, budget: &str) -> Value {
    json_of(&knobs(&[
        "run",
        path.to_str().unwrap(),
        "--budget",
        budget,
        "--json",
        "--quiet",
    ]))["history"]
        .clone()
}

#[test]
fn resuming_a_saved_session_gives_the_uninterrupted_trials() {
    for strategy in [
        "random", "sobol", "tpe", "cmaes", "pso", "anneal", "gp", "gradient",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("part.ron");
        let base = format!("run --objective branin --strategy {strategy} --seed 7 --json --quiet");
        let mut args: Vec<&str> = base.split(' ').collect();
        args.extend(["--budget", "12", "--save", part.to_str().unwrap()]);
        assert_eq!(json_of(&knobs(&args))["trials"], 12, "{strategy}");
        let resumed = history(&part, "30");
        let mut args: Vec<&str> = base.split(' ').collect();
        args.extend(["--budget", "30"]);
        let whole = json_of(&knobs(&args))["history"].clone();
        assert_eq!(resumed.as_array().unwrap().len(), 30, "{strategy}");
        assert_eq!(resumed, whole, "{strategy}");
    }
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let garbled = dir.path().join("garbled.ron");
    std::fs::write(&garbled, "(version: 1, study: (").unwrap();
    let future = dir.path().join("future.ron");
    std::fs::write(&future, "(version: 99, study: ())").unwrap();
    let missing = dir.path().join("missing.ron");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", "--strategy", "telepathy"],
            "unknown strategy `telepathy`",
        ),
        (
            vec!["run", "--objective", "nope"],
            "unknown objective `nope`",
        ),
        (vec!["run", "--param", "x0=5..1"], "must be below high"),
        (vec!["run", "--param", "x0=0..1:cube"], "unknown suffix"),
        (vec!["run", "--direction", "up"], "unknown direction"),
        (
            vec!["gui", "--tab", "nowhere"],
            "unknown tab \"nowhere\"; the tabs are: Overview",
        ),
        (vec!["run", garbled.to_str().unwrap()], "garbled.ron:1:"),
        (vec!["run", future.to_str().unwrap()], "version 99"),
        (
            vec!["run", missing.to_str().unwrap()],
            "missing.ron: cannot read",
        ),
        (
            vec!["run", "--grid-points", "3"],
            "applies to the grid strategy",
        ),
    ];
    for (args, needle) in cases {
        let out = knobs(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_resumed_session_may_change_its_strategy() {
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("part.ron");
    let out = knobs(&[
        "run",
        "--objective",
        "branin",
        "--strategy",
        "random",
        "--budget",
        "12",
        "--save",
        part.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    let first = json_of(&out)["history"].clone();
    let out = knobs(&[
        "run",
        part.to_str().unwrap(),
        "--strategy",
        "tpe",
        "--budget",
        "20",
        "--json",
        "--quiet",
    ]);
    let resumed = json_of(&out)["history"].clone();
    let resumed = resumed.as_array().unwrap();
    assert_eq!(resumed.len(), 20);
    assert_eq!(resumed[..12], first.as_array().unwrap()[..]);
}

#[test]
fn re_saving_a_race_session_keeps_its_race() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("again.ron");
    let lesson = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sessions/lesson6_race_branin.ron"
    );
    let before = knobs::session::Session::load(Path::new(lesson)).unwrap();
    let output = knobs(&[
        "run",
        lesson,
        "--budget",
        "3",
        "--save",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success(), "{output:?}");
    let after = knobs::session::Session::load(&out).unwrap();
    assert_eq!(after.study.trials.len(), 3);
    assert!(before.race.is_some());
    assert_eq!(after.race, before.race);
}
