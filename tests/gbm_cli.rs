//! `knobs run --model gbm` as a user types it: gradient boosting tunes a bundled
//! classification and regression dataset from the command line, and `knobs list` names it.

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
