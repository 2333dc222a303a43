//! `knobs run --dataset … --model …` driven as a user would: a grid on a bundled dataset,
//! every model and metric from the command line, and malformed input.

mod common;
use common::{json_of, knobs};

#[test]
fn svc_grid_on_moons_reproduces_scikit_learn() {
    let out = knobs(&[
        "run",
        "--dataset",
        "moons",
        "--model",
        "svc",
        "--strategy",
        "grid",
        "--grid-points",
        "3",
        "--budget",
        "9",
        "--json",
        "--quiet",
    ]);
    let j = json_of(&out);
    assert_eq!(j["trials"], 9);
    assert_eq!(j["failed"], 0);
    // The grid starts at C = 0.01, gamma = 1e-4, where scikit-learn's SVC scores 0.835
    // (the anchors' svc_trials.json).
    let history: Vec<f64> = j["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(history.len(), 9);
    assert!((history[0] - 0.835).abs() < 1e-12, "{history:?}");
    assert!(j["best_value"].as_f64().unwrap() > 0.88);
    assert!(j["best_params"]["C"].is_number() && j["best_params"]["gamma"].is_number());
}

#[test]
fn every_model_and_metric_runs_from_the_command_line() {
    let cases: &[&[&str]] = &[
        &[
            "--dataset",
            "iris",
            "--model",
            "svc",
            "--metric",
            "balanced_accuracy",
        ],
        &[
            "--dataset",
            "iris",
            "--model",
            "svc",
            "--kernel",
            "linear",
            "--metric",
            "f1_macro",
        ],
        &["--dataset", "wine", "--model", "svc", "--kernel", "poly"],
        &["--dataset", "iris", "--model", "knn", "--folds", "3"],
        &["--dataset", "diabetes", "--model", "knn", "--metric", "mae"],
        &[
            "--dataset",
            "diabetes",
            "--model",
            "svr",
            "--metric",
            "rmse",
        ],
        &["--dataset", "diabetes", "--model", "ridge"],
        &["--dataset", "wine", "--model", "logistic"],
        &[
            "--dataset",
            "iris",
            "--model",
            "tree",
            "--metric",
            "f1_macro",
        ],
        &[
            "--dataset",
            "diabetes",
            "--model",
            "elasticnet",
            "--metric",
            "mae",
        ],
    ];
    for extra in cases {
        let mut args = vec!["run", "--budget", "3", "--seed", "1", "--json", "--quiet"];
        args.extend_from_slice(extra);
        let j = json_of(&knobs(&args));
        assert_eq!(j["trials"], 3, "{extra:?}");
        assert_eq!(j["failed"], 0, "{extra:?}: {j}");
        assert!(j["best_value"].as_f64().unwrap().is_finite(), "{extra:?}");
    }
}

#[test]
fn malformed_csv_exits_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.csv");
    std::fs::write(&path, "a,b,target\n1,2,0\n3,oops,1\n4,5,0\n").unwrap();
    let out = knobs(&[
        "run",
        "--dataset",
        path.to_str().unwrap(),
        "--model",
        "svc",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("broken.csv") && err.contains("line 3") && err.contains("`b`"),
        "{err}"
    );
}

#[test]
fn bad_model_arguments_exit_2() {
    let cases: &[&[&str]] = &[
        &["--dataset", "moons"],
        &["--model", "svc"],
        &["--dataset", "moons", "--model", "boosted_forest"],
        &["--dataset", "moons", "--model", "svc", "--metric", "rmse"],
        &["--dataset", "diabetes", "--model", "svc"],
        &["--dataset", "moons", "--model", "knn", "--kernel", "rbf"],
        &[
            "--dataset",
            "moons",
            "--model",
            "svc",
            "--objective",
            "branin",
        ],
        &["--dataset", "no_such_file.csv", "--model", "svc"],
        &["--dataset", "moons", "--model", "svc", "--folds", "1"],
    ];
    for extra in cases {
        let mut args = vec!["run", "--budget", "2", "--quiet"];
        args.extend_from_slice(extra);
        let out = knobs(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn list_shows_models_and_metrics() {
    let out = knobs(&["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "svc",
        "svr",
        "knn",
        "ridge",
        "logistic",
        "tree",
        "elasticnet",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("model") && l.contains(name)),
            "{text}"
        );
    }
    for name in [
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "r2",
        "rmse",
        "mae",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("metric") && l.contains(name)),
            "{text}"
        );
    }
}

#[test]
fn command_objective_reads_params_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("train.py");
    // Reads the parameters from stdin (JSON) and checks they agree with the arguments;
    // fails loudly for x > 3 so failed trials carry stderr.
    std::fs::write(
        &script,
        r#"import json, sys
p = json.load(sys.stdin)
args = sys.argv[1:]
assert float(args[args.index("--x") + 1]) == p["x"]
if p["x"] > 3:
    sys.stderr.write("diverged at x=%s\n" % p["x"])
    sys.exit(1)
print("training...")
print(json.dumps({"value": (p["x"] - 1.0) ** 2}))
"#,
    )
    .unwrap();
    let command = format!("python3 {}", script.display());
    let saved = dir.path().join("out.ron");
    let out = knobs(&[
        "run",
        "--command",
        &command,
        "--param",
        "x=-2..4",
        "--strategy",
        "grid",
        "--grid-points",
        "7",
        "--budget",
        "7",
        "--trial-timeout",
        "30",
        "--json",
        "--quiet",
        "--save",
        saved.to_str().unwrap(),
    ]);
    let j = json_of(&out);
    assert_eq!(j["trials"], 7);
    // x = -2, -1, 0, 1, 2, 3 succeed; x = 4 fails.
    assert_eq!(j["failed"], 1, "{j}");
    assert_eq!(j["best_value"].as_f64(), Some(0.0));
    assert_eq!(j["best_params"]["x"].as_f64(), Some(1.0));
    let session = std::fs::read_to_string(&saved).unwrap();
    assert!(session.contains("diverged at x=4"), "{session}");
}

#[test]
fn command_objective_needs_params() {
    let out = knobs(&["run", "--command", "true", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn csv_file_with_a_fold_file_equals_the_bundled_dataset() {
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/datasets");
    let csv = format!("{assets}/wine.csv");
    let folds = format!("{assets}/wine.folds.csv");
    let common = [
        "--model",
        "svc",
        "--strategy",
        "grid",
        "--grid-points",
        "2",
        "--budget",
        "4",
        "--json",
        "--quiet",
    ];
    let mut from_file = vec!["run", "--dataset", &csv, "--folds", &folds];
    from_file.extend_from_slice(&common);
    let mut bundled = vec!["run", "--dataset", "wine"];
    bundled.extend_from_slice(&common);
    let (a, b) = (json_of(&knobs(&from_file)), json_of(&knobs(&bundled)));
    assert_eq!(a["history"], b["history"]);
    // Drawn folds give other (valid) values.
    let mut drawn = vec!["run", "--dataset", &csv, "--folds", "3"];
    drawn.extend_from_slice(&common);
    assert_eq!(json_of(&knobs(&drawn))["trials"], 4);
}

#[test]
fn model_session_saves_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("svc.ron");
    let p = path.to_str().unwrap();
    let first = json_of(&knobs(&[
        "run",
        "--dataset",
        "moons",
        "--model",
        "svc",
        "--budget",
        "3",
        "--seed",
        "4",
        "--save",
        p,
        "--json",
        "--quiet",
    ]));
    assert_eq!(first["trials"], 3);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("Model(") && text.contains("Bundled(\"moons\")"),
        "{text}"
    );
    let resumed = json_of(&knobs(&["run", p, "--budget", "5", "--json", "--quiet"]));
    assert_eq!(resumed["trials"], 5);
    let straight = json_of(&knobs(&[
        "run",
        "--dataset",
        "moons",
        "--model",
        "svc",
        "--budget",
        "5",
        "--seed",
        "4",
        "--json",
        "--quiet",
    ]));
    assert_eq!(resumed["history"], straight["history"]);
}

#[test]
fn mlp_runs_on_digits_from_the_command_line_and_keeps_a_curve_per_trial() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlp.ron");
    let j = json_of(&knobs(&[
        "run",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--strategy",
        "random",
        "--budget",
        "2",
        "--param",
        "epochs=3",
        "--save",
        path.to_str().unwrap(),
        "--json",
        "--quiet",
    ]));
    assert_eq!(j["trials"], 2);
    assert_eq!(j["failed"], 0);
    // Ten classes: chance is 0.1; three epochs of any network in the space do far better.
    assert!(j["best_value"].as_f64().unwrap() > 0.3, "{j}");
    for name in [
        "learning_rate",
        "batch_size",
        "hidden_units",
        "hidden_layers",
    ] {
        assert!(j["best_params"][name].is_number(), "{name}: {j}");
    }
    assert_eq!(j["best_params"]["epochs"], 3);
    // Each trial keeps one intermediate value per epoch.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("step: 3").count(), 2, "{text}");
    // The same seed gives the same trials with two at once.
    let parallel = json_of(&knobs(&[
        "run",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--strategy",
        "random",
        "--budget",
        "2",
        "--param",
        "epochs=3",
        "--jobs",
        "2",
        "--json",
        "--quiet",
    ]));
    assert_eq!(parallel["history"], j["history"]);
}
