//! A user's own CSV as it is (text columns, empty cells, ids and free text) tuned from the
//! command line with no preparation, and the data choices kept with the study.

mod common;
use common::{json_of, knobs};

fn titanic() -> String {
    format!(
        "{}/tests/fixtures/titanic_like.csv",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_titanic_like_csv_with_text_and_gaps_tunes_with_every_model_family() {
    let data = titanic();
    for model in ["svc", "logistic", "knn", "tree"] {
        let out = knobs(&[
            "run",
            "--dataset",
            &data,
            "--model",
            model,
            "--budget",
            "4",
            "--seed",
            "3",
            "--json",
            "--quiet",
        ]);
        let j = json_of(&out);
        assert_eq!(j["trials"], 4, "{model}");
        assert_eq!(j["failed"], 0, "{model}");
        // Sex and class decide most of it: a model that read the columns beats the 53 %
        // majority class by far (four random trials reach 0.69 to 0.74).
        let best = j["best_value"].as_f64().unwrap();
        assert!(best > 0.65, "{model}: {best}");
    }
}

#[test]
fn data_choices_are_stored_with_the_study_and_a_rerun_repeats_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = titanic();
    let save = dir.path().join("t.ron");
    let args = |save: &str| {
        knobs(&[
            "run",
            "--dataset",
            &data,
            "--model",
            "svc",
            "--categorical",
            "pclass",
            "--impute",
            "median",
            "--missing-indicator",
            "--subsample",
            "0.5",
            "--folds",
            "4",
            "--budget",
            "3",
            "--seed",
            "7",
            "--json",
            "--quiet",
            "--save",
            save,
        ])
    };
    let first = json_of(&args(save.to_str().unwrap()));
    let session = std::fs::read_to_string(&save).unwrap();
    for stored in [
        "categorical: [\"pclass\"]",
        "impute: median",
        "missing_indicator: true",
        "fraction: 0.5",
        "seed: 7",
    ] {
        assert!(session.contains(stored), "{stored} not in {session}");
    }
    let again = json_of(&args(dir.path().join("u.ron").to_str().unwrap()));
    assert_eq!(first["history"], again["history"]);
    // Resuming the saved session reads and prepares the data the same way.
    let resumed = json_of(&knobs(&[
        "run",
        save.to_str().unwrap(),
        "--budget",
        "4",
        "--json",
        "--quiet",
    ]));
    assert_eq!(resumed["trials"], 4);
    assert_eq!(resumed["failed"], 0);
}

#[test]
fn unusable_columns_are_refused_with_the_column_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let gappy = dir.path().join("gappy.csv");
    std::fs::write(&gappy, "a,b,y\n1,2,0\n3,4,\n5,6,1\n7,8,0\n").unwrap();
    let out = knobs(&[
        "run",
        "--dataset",
        gappy.to_str().unwrap(),
        "--model",
        "svc",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gappy.csv") && err.contains("line 3") && err.contains("`y`"),
        "{err}"
    );
    assert!(err.contains("--target"), "{err}");

    let named = dir.path().join("named.csv");
    let rows: String = (0..300)
        .map(|i| format!("Passenger {i},{},{}\n", i % 5, (i / 3) % 2))
        .collect();
    std::fs::write(&named, format!("name,a,y\n{rows}")).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--dataset",
            named.to_str().unwrap(),
            "--model",
            "logistic",
            "--budget",
            "2",
            "--json",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        knobs(&args)
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`name`") && err.contains("--ignore name"),
        "{err}"
    );
    assert_eq!(json_of(&run(&["--ignore", "name"]))["trials"], 2);
    let out = run(&["--impute", "mode"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("most_frequent"));
}

#[test]
fn gaps_and_categories_are_prepared_as_a_scikit_learn_pipeline_prepares_them() {
    // tests/fixtures/titanic_sklearn.py: SimpleImputer, OneHotEncoder and StandardScaler
    // fitted per split, then SVC(C=1, gamma=0.1), on folds `row % 5`.
    let dir = tempfile::tempdir().unwrap();
    let folds = dir.path().join("folds.csv");
    let text: String = (0..400).map(|i| format!("{i},{}\n", i % 5)).collect();
    std::fs::write(&folds, format!("index,fold\n{text}")).unwrap();
    let data = titanic();
    for (extra, sklearn) in [
        (&[][..], 0.7425),
        (&["--impute", "median", "--missing-indicator"][..], 0.73),
    ] {
        let mut args = vec![
            "run",
            "--dataset",
            &data,
            "--model",
            "svc",
            "--folds",
            folds.to_str().unwrap(),
            "--param",
            "C=1",
            "--param",
            "gamma=0.1",
            "--strategy",
            "grid",
            "--budget",
            "1",
            "--json",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let j = json_of(&knobs(&args));
        let value = j["best_value"].as_f64().unwrap();
        assert!(
            (value - sklearn).abs() < 1e-12,
            "{extra:?}: {value} vs {sklearn}"
        );
    }
}
