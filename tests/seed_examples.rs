//! The seed chapter's examples typed as a new user would: a list of numbers is a numeric
//! choice set the grid takes exactly, and a choice the model cannot take is refused before
//! the first trial.

mod common;
use common::{json_of, knobs};

/// The `C` and `gamma` of every trial in a trials CSV, with its state.
fn trial_rows(path: &std::path::Path) -> Vec<(String, f64, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (state, c, gamma) = (col("state"), col("C"), col("gamma"));
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (
                cells[state].to_owned(),
                cells[c].parse().unwrap(),
                cells[gamma].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_chapters_grid_runs_nine_successful_trials_at_exactly_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("trials.csv");
    let out = knobs(&[
        "run",
        "--dataset",
        "breast_cancer",
        "--model",
        "svc",
        "--param",
        "C=0.1,1,10",
        "--param",
        "gamma=1,0.1,0.01",
        "--strategy",
        "grid",
        "--trials-csv",
        csv.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    let j = json_of(&out);
    assert_eq!(j["trials"], 9);
    assert_eq!(j["failed"], 0);
    let rows = trial_rows(&csv);
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|(state, _, _)| state == "complete"));
    let mut pairs: Vec<(f64, f64)> = rows.iter().map(|(_, c, g)| (*c, *g)).collect();
    pairs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mut expected = Vec::new();
    for c in [0.1, 1.0, 10.0] {
        for g in [0.01, 0.1, 1.0] {
            expected.push((c, g));
        }
    }
    assert_eq!(pairs, expected);
}

#[test]
fn a_numeric_choice_the_model_cannot_take_is_refused_before_any_trial() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("trials.csv");
    let out = knobs(&[
        "run",
        "--dataset",
        "iris",
        "--model",
        "svc",
        "--param",
        "C=0,1,10",
        "--strategy",
        "grid",
        "--trials-csv",
        csv.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`C` = 0") && err.contains("C must be a positive number"),
        "{err}"
    );
    assert!(!csv.exists(), "no trial ran, so no trials were written");
}

#[test]
fn a_named_choice_for_a_numeric_hyperparameter_is_refused_before_any_trial() {
    let out = knobs(&[
        "run",
        "--dataset",
        "iris",
        "--model",
        "svc",
        "--param",
        "gamma=scale,auto",
        "--quiet",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`gamma` = scale") && err.contains("not a number"),
        "{err}"
    );
}

#[test]
fn random_search_draws_only_the_listed_numbers_and_every_one_of_them() {
    let out = knobs(&[
        "run",
        "--dataset",
        "iris",
        "--model",
        "knn",
        "--param",
        "k=1,3,5,7",
        "--param",
        "weights=uniform",
        "--strategy",
        "random",
        "--budget",
        "24",
        "--json",
        "--quiet",
    ]);
    let j = json_of(&out);
    assert_eq!(j["failed"], 0);
    let k = j["best_params"]["k"].as_i64().unwrap();
    assert!([1, 3, 5, 7].contains(&k), "{k}");
}
