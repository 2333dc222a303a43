//! The seed chapter's examples typed as a new user would: a list of numbers is a numeric
//! choice set the grid takes exactly, and a choice the model cannot take is refused before
//! the first trial.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

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

/// The shipped session `name`, loaded as the window and the CLI load it.
fn session(name: &str) -> knobs::session::Session {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sessions")
        .join(name);
    knobs::session::Session::load(&path).unwrap()
}

/// The best value of `study` run to its budget with `seed`.
fn best_with_seed(study: &knobs::study::Study, seed: u64) -> f64 {
    let mut study = study.clone();
    study.seed = seed;
    let objective = std::sync::Arc::from(study.objective.build().unwrap());
    let (done, _, _) = knobs::runner::run_to_end(study, objective, 2).unwrap();
    assert_eq!(done.failed(), 0);
    done.best_trial().unwrap().value.unwrap()
}

#[test]
fn the_seed_chapter_sessions_give_the_figures_their_descriptions_quote() {
    let grid = session("seed_chapter_1_grid.ron").study;
    assert_eq!(grid.space.dim(), 2);
    let best = best_with_seed(&grid, 0);
    assert!(grid.description.contains(&format!("{best:.6}")), "{best}");

    for (name, quoted_seed) in [
        ("seed_chapter_2_random.ron", None),
        ("seed_chapter_3_bayes_opt.ron", Some(1)),
    ] {
        let study = session(name).study;
        let bests: Vec<f64> = (0..10).map(|s| best_with_seed(&study, s)).collect();
        let mean = bests.iter().sum::<f64>() / bests.len() as f64;
        let worst = bests.iter().copied().fold(f64::INFINITY, f64::min);
        for figure in [mean, worst] {
            assert!(
                study.description.contains(&format!("{figure:.6}")),
                "{name}: {figure:.6} not quoted"
            );
        }
        if let Some(seed) = quoted_seed {
            assert_eq!(study.seed, seed);
            let own = format!("{:.6}", bests[seed as usize]);
            assert!(study.description.contains(&own), "{name}: {own}");
        }
    }
}

#[test]
fn lesson_descriptions_are_numbered_from_their_file_names() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sessions");
    let number = |name: &str| -> Option<usize> {
        name.strip_prefix("lesson")?.split_once('_')?.0.parse().ok()
    };
    let names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    let count = names.iter().filter_map(|n| number(n)).max().unwrap();
    assert!(count >= 6);
    let mut numbered = 0;
    for name in &names {
        let study = session(name).study;
        for text in [&study.description, &study.description_zh] {
            assert!(!text.contains("{lesson"), "{name}: a hole left unfilled");
        }
        if let Some(n) = number(name)
            && study.description.starts_with("Lesson")
            && study
                .description
                .split([',', ':'])
                .next()
                .is_some_and(|head| head.contains(" of "))
        {
            assert!(
                study
                    .description
                    .starts_with(&format!("Lesson {n} of {count}")),
                "{name}"
            );
            assert!(
                study
                    .description_zh
                    .starts_with(&format!("第 {n} 课（共 {count} 课）")),
                "{name}"
            );
            numbered += 1;
        }
    }
    assert!(numbered >= 11, "{numbered}");
}

#[test]
fn every_strategy_searches_a_numeric_choice_set_and_proposes_only_its_values() {
    let mut study = session("seed_chapter_1_grid.ron").study;
    study.objective = knobs::objective::ObjectiveSpec::Model {
        dataset: knobs::objective::DatasetSource::Bundled("iris".into()),
        target: None,
        task: None,
        model: knobs::models::ModelSpec::Svc {
            kernel: knobs::models::KernelKind::Rbf,
        },
        metric: None,
        folds: knobs::objective::FoldSpec::Bundled("iris".into()),
        data: knobs::data::DataSpec::default(),
        robust: None,
    };
    study.budget = 10;
    let (cs, gammas) = ([0.1, 1.0, 10.0], [0.01, 0.1, 1.0]);
    for name in [
        "random", "sobol", "tpe", "gp", "cmaes", "pso", "anneal", "gradient",
    ] {
        let mut study = study.clone();
        study.strategy = knobs::strategy::StrategySpec::from_name(name).unwrap();
        let objective = std::sync::Arc::from(study.objective.build().unwrap());
        let (done, _, _) = knobs::runner::run_to_end(study, objective, 2).unwrap();
        assert_eq!(done.failed(), 0, "{name}");
        assert_eq!(done.trials.len(), 10, "{name}");
        for t in &done.trials {
            let value = |n: &str| {
                t.params
                    .iter()
                    .find(|(p, _)| p == n)
                    .and_then(|(_, v)| v.as_f64())
                    .unwrap()
            };
            assert!(cs.contains(&value("C")), "{name}: C = {}", value("C"));
            assert!(gammas.contains(&value("gamma")), "{name}: gamma");
        }
    }
}
