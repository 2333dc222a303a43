//! Robust tuning across datasets and warm start from a finished study, driven through the
//! built binary as a user would.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::session::Session;
use knobs::study::{AttrValue, Study};
use std::path::Path;

mod common;
use common::{json_of, knobs};

fn study_at(path: &Path) -> Study {
    Session::load(path).unwrap().study
}

fn score(study: &Study, trial: usize, dataset: &str) -> f64 {
    match study.trials[trial].attrs.get(&format!("score:{dataset}")) {
        Some(AttrValue::Number(x)) => *x,
        other => panic!("trial {trial} has no score for {dataset}: {other:?}"),
    }
}

#[test]
fn a_worst_case_study_over_three_datasets_stores_every_datasets_score() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("robust.ron");
    let journal = dir.path().join("robust.journal");
    let out = knobs(&[
        "run",
        "--dataset",
        "breast_cancer,wine,iris",
        "--model",
        "svc",
        "--robust",
        "worst",
        "--strategy",
        "random",
        "--budget",
        "3",
        "--seed",
        "1",
        "--save",
        saved.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    let j = json_of(&out);
    assert_eq!(j["trials"], 3);
    assert_eq!(j["failed"], 0);
    let study = study_at(&saved);
    assert!(study.objective.label().contains("+wine+iris [worst]"));
    for t in 0..3 {
        let scores = [
            score(&study, t, "breast_cancer"),
            score(&study, t, "wine"),
            score(&study, t, "iris"),
        ];
        let worst = scores.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(study.trials[t].value, Some(worst));
    }
    // The journal keeps the per-dataset scores beside the trial as well.
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("score:wine"), "{text}");

    // Resuming the saved study runs more trials of the same robust objective.
    let out = knobs(&[
        "run",
        saved.to_str().unwrap(),
        "--budget",
        "4",
        "--save",
        saved.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    assert_eq!(json_of(&out)["trials"], 4);
    let resumed = study_at(&saved);
    assert_eq!(resumed.trials[..3], study.trials[..3]);
    assert!(score(&resumed, 3, "iris") > 0.0);
}

#[test]
fn robust_needs_several_datasets_or_repeats() {
    let out = knobs(&[
        "run",
        "--dataset",
        "wine",
        "--model",
        "svc",
        "--robust",
        "worst",
        "--quiet",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--robust needs several datasets"));
}

fn tune(dataset: &str, strategy: &str, budget: &str, seed: &str, save: &Path, warm: Option<&Path>) {
    let mut args = vec![
        "run",
        "--dataset",
        dataset,
        "--model",
        "svc",
        "--strategy",
        strategy,
        "--budget",
        budget,
        "--seed",
        seed,
        "--save",
        save.to_str().unwrap(),
        "--json",
        "--quiet",
    ];
    if let Some(w) = warm {
        args.extend(["--warm-start", w.to_str().unwrap()]);
    }
    json_of(&knobs(&args));
}

#[test]
fn a_warm_start_carries_the_old_trials_and_starts_from_the_old_best() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("wine.ron");
    tune("wine", "random", "8", "0", &old, None);
    let old_study = study_at(&old);
    let best = old_study.best_trial().unwrap().clone();
    for strategy in ["gp", "random"] {
        let new = dir.path().join(format!("bc_{strategy}.ron"));
        tune("breast_cancer", strategy, "4", "3", &new, Some(&old));
        let study = study_at(&new);
        let warm = study.warm_start.as_ref().unwrap();
        assert_eq!(warm.trials.len(), 8);
        assert_eq!(warm.source, old.to_str().unwrap());
        assert_eq!(warm.trials[0].number, best.number);
        // The first trial is the old best, mapped through the new space's unit cube.
        assert_eq!(study.trials[0].point, warm.trials[0].point);
        for ((name, new), (_, old)) in study.trials[0].params.iter().zip(&best.params) {
            let (new, old) = (new.as_f64().unwrap(), old.as_f64().unwrap());
            assert!(
                (new - old).abs() <= 1e-9 * old.abs(),
                "{name}: {new} vs {old}"
            );
        }
        assert_eq!(
            study.trials[0].label.as_deref(),
            Some(format!("warm start: old trial {}", best.number).as_str())
        );
        // Same seed, same warm start: the same trials.
        let again = dir.path().join(format!("bc_{strategy}_again.ron"));
        tune("breast_cancer", strategy, "4", "3", &again, Some(&old));
        let twice = study_at(&again);
        let points = |s: &Study| s.trials.iter().map(|t| t.point.clone()).collect::<Vec<_>>();
        assert_eq!(points(&study), points(&twice), "{strategy}");
    }
}

#[test]
fn the_bundled_robust_session_gives_the_figures_its_description_states() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("rerun.ron");
    let session = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sessions/robust_svc_three_datasets.ron"
    );
    let out = knobs(&[
        "run",
        session,
        "--save",
        saved.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    assert_eq!(json_of(&out)["trials"], 30);
    let study = study_at(&saved);
    let summary = knobs::objective::robust::Summary::of(&study).unwrap();
    let round = |x: f64| (x * 1e4).round() / 1e4;
    assert_eq!(summary.robust_trial, 24);
    assert_eq!(round(summary.robust_value), 0.9824);
    let row = |name: &str| {
        summary
            .rows
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .clone()
    };
    let (bc, wine, digits) = (row("breast_cancer"), row("wine"), row("digits"));
    assert_eq!(
        (
            round(bc.at_robust),
            round(wine.at_robust),
            round(digits.at_robust)
        ),
        (0.9824, 0.9886, 0.9839)
    );
    assert_eq!((bc.own_best_trial, digits.own_best_trial), (24, 24));
    assert_eq!((wine.own_best_trial, round(wine.own_best)), (5, 0.9887));
    assert_eq!(round(score(&study, 5, "breast_cancer")), 0.9701);
    let best = study.best_trial().unwrap();
    let c = best
        .params
        .iter()
        .find(|(n, _)| n == "C")
        .unwrap()
        .1
        .as_f64()
        .unwrap();
    assert_eq!((c * 100.0).round() / 100.0, 6.81);
}
