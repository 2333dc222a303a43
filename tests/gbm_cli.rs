//! `knobs run --model gbm` as a user types it: gradient boosting tunes a bundled
//! classification and regression dataset from the command line, `knobs list` names it, and
//! the median pruner stops poor configurations after a block of rounds.
#![allow(clippy::unwrap_used)]

mod common;
use common::{json_of, knobs};

#[test]
fn gbm_tunes_wine_with_random_search_from_the_command_line() {
    let args = [
        "run",
        "--dataset",
        "wine",
        "--model",
        "gbm",
        "--strategy",
        "random",
        "--budget",
        "3",
        "--seed",
        "1",
        "--json",
        "--quiet",
    ];
    let j = json_of(&knobs(&args));
    assert_eq!(j["trials"], 3, "{j}");
    assert_eq!(j["failed"], 0, "{j}");
    let best = j["best_value"].as_f64().unwrap();
    assert!(best > 0.85, "best accuracy {best}");
    // The same seed gives the same study, whatever the number of trials at once.
    assert_eq!(json_of(&knobs(&args))["best_value"], j["best_value"]);
    let mut parallel = args.to_vec();
    parallel.extend(["--jobs", "2"]);
    assert_eq!(json_of(&knobs(&parallel))["best_value"], j["best_value"]);
}

#[test]
fn gbm_does_regression_and_is_listed() {
    let j = json_of(&knobs(&[
        "run",
        "--dataset",
        "diabetes",
        "--model",
        "gbm",
        "--budget",
        "2",
        "--seed",
        "3",
        "--json",
        "--quiet",
    ]));
    assert_eq!(
        (j["trials"].as_u64(), j["failed"].as_u64()),
        (Some(2), Some(0)),
        "{j}"
    );
    assert!(j["best_value"].as_f64().unwrap().is_finite());
    let list = knobs(&["list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("model") && l.contains("gbm")),
        "{text}"
    );
}

/// One run of `--model gbm --pruner median` on wine, its trials written to `csv`.
fn pruned_gbm_run(csv: &std::path::Path, jobs: &str) -> serde_json::Value {
    json_of(&knobs(&[
        "run",
        "--dataset",
        "wine",
        "--model",
        "gbm",
        "--strategy",
        "random",
        "--budget",
        "14",
        "--seed",
        "5",
        "--pruner",
        "median",
        "--jobs",
        jobs,
        "--trials-csv",
        csv.to_str().unwrap(),
        "--json",
        "--quiet",
    ]))
}

#[test]
fn the_median_pruner_stops_some_gbm_trials_after_a_block_of_rounds_whatever_the_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("trials.csv");
    let j = pruned_gbm_run(&csv_path, "1");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (state, resource, pruned_step, rounds) = (
        column("state"),
        column("resource"),
        column("pruned_step"),
        column("rounds"),
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 14, "{csv}");
    let (mut pruned, mut used) = (0, 0);
    for r in &rows {
        // A step is a block of 10 rounds: a full trial reports ⌈rounds / 10⌉ of them.
        let blocks = r[rounds].parse::<u64>().unwrap().div_ceil(10);
        let steps: u64 = r[resource].parse().unwrap();
        used += steps;
        match r[state] {
            "pruned" => {
                pruned += 1;
                assert!(steps < blocks, "pruned after every block: {r:?}");
                assert_eq!(r[pruned_step], r[resource], "{r:?}");
            }
            "complete" => assert_eq!(steps, blocks, "{r:?}"),
            other => panic!("trial {other}: {r:?}"),
        }
    }
    assert!(pruned > 0 && pruned < rows.len(), "{csv}");
    assert_eq!(j["pruned"], pruned, "{j}");
    assert_eq!(j["resource"], used, "{j}");
    assert_eq!(j["failed"], 0, "{j}");
    // The same trials are pruned at the same blocks with two trials at once.
    let parallel = dir.path().join("parallel.csv");
    let p = pruned_gbm_run(&parallel, "2");
    assert_eq!(
        (&p["pruned"], &p["best_value"]),
        (&j["pruned"], &j["best_value"])
    );
    let without_times = |text: &str| -> Vec<String> {
        let duration = column("duration_seconds");
        text.lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells[duration] = "";
                cells.join(",")
            })
            .collect()
    };
    assert_eq!(
        without_times(&std::fs::read_to_string(&parallel).unwrap()),
        without_times(&csv)
    );
}
