//! Knobs' SVC objective gives scikit-learn's numbers: the anchors' 7×7 grid of (C, gamma)
//! on the bundled datasets with their reference folds, compared with the accuracies
//! scikit-learn's `SVC` reached there (copied into `tests/fixtures/svc_sklearn_grid.json`
//! from the anchors' `results/svc_trials.json`).

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::data::{Dataset, Folds};
use knobs::models::{KernelKind, ModelSpec};
use knobs::objective::{DatasetSource, ModelTask, Objective};
use knobs::space::Value;

struct Match {
    identical: usize,
    points: usize,
    /// The largest |Knobs − scikit-learn| in units of "one test sample in every fold".
    worst_in_samples: f64,
}

fn compare(name: &str) -> Match {
    let fixture: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/svc_sklearn_grid.json"
    )))
    .unwrap();
    let rows = fixture["datasets"][name].as_array().unwrap();
    assert_eq!(rows.len(), 49);
    let objective = ModelTask::new(
        DatasetSource::Bundled(name.into()),
        ModelSpec::Svc {
            kernel: KernelKind::Rbf,
        },
    )
    .build()
    .unwrap();
    let n = Dataset::bundled(name).unwrap().n_samples();
    let sizes = Folds::bundled(name, n).unwrap().fold_sizes();
    // One misclassified test sample in one fold moves the mean by 1 / (k · size).
    let one_sample = sizes.iter().map(|&s| 1.0 / s as f64).sum::<f64>() / sizes.len() as f64;
    let mut m = Match {
        identical: 0,
        points: 0,
        worst_in_samples: 0.0,
    };
    for row in rows {
        let (c, gamma, expected) = (
            row[0].as_f64().unwrap(),
            row[1].as_f64().unwrap(),
            row[2].as_f64().unwrap(),
        );
        let params = vec![
            ("C".to_string(), Value::Float(c)),
            ("gamma".to_string(), Value::Float(gamma)),
        ];
        let got = objective.evaluate(&params, false).unwrap();
        assert_eq!(got.folds.len(), sizes.len());
        let diff = (got.value - expected).abs();
        if diff < 1e-12 {
            m.identical += 1;
        } else {
            eprintln!(
                "{name}: C={c} gamma={gamma}: knobs {} sklearn {expected}",
                got.value
            );
        }
        m.worst_in_samples = m.worst_in_samples.max(diff / one_sample);
        m.points += 1;
    }
    eprintln!(
        "{name}: {}/{} identical, worst {:.3} samples per fold",
        m.identical, m.points, m.worst_in_samples
    );
    m
}

fn assert_matches(name: &str) {
    let m = compare(name);
    assert!(
        m.identical >= m.points - 2,
        "{name}: only {} of {} grid points identical",
        m.identical,
        m.points
    );
    assert!(
        m.worst_in_samples <= 1.0 + 1e-9,
        "{name}: {} samples per fold apart",
        m.worst_in_samples
    );
}

#[test]
fn moons_grid_matches_scikit_learn() {
    assert_matches("moons");
}

#[test]
fn wine_grid_matches_scikit_learn() {
    assert_matches("wine");
}

#[test]
fn breast_cancer_grid_matches_scikit_learn() {
    assert_matches("breast_cancer");
}

#[test]
fn digits_grid_matches_scikit_learn() {
    assert_matches("digits");
}

/// Mean 5-fold score of `model` on a bundled dataset with its reference folds.
fn score(name: &str, model: ModelSpec, params: &[(&str, f64)]) -> f64 {
    let objective = ModelTask::new(DatasetSource::Bundled(name.into()), model)
        .build()
        .unwrap();
    let params: Vec<(String, Value)> = params
        .iter()
        .map(|(n, v)| (n.to_string(), Value::Float(*v)))
        .collect();
    objective.evaluate(&params, false).unwrap().value
}

/// The polynomial and linear kernels and epsilon-SVR give scikit-learn's values too
/// (computed by `tests/fixtures/sklearn_kernels.py` with scikit-learn 1.9.1).
#[test]
fn poly_linear_and_svr_match_scikit_learn() {
    let poly = ModelSpec::Svc {
        kernel: KernelKind::Poly,
    };
    for (c, gamma, degree, coef0, expected) in [
        (1.0, 0.1, 3.0, 1.0, 0.9606349206349206),
        (10.0, 0.05, 2.0, 0.0, 0.9104761904761904),
        (0.5, 0.3, 4.0, 0.5, 0.9606349206349206),
    ] {
        let got = score(
            "wine",
            poly.clone(),
            &[
                ("C", c),
                ("gamma", gamma),
                ("degree", degree),
                ("coef0", coef0),
            ],
        );
        assert!(
            (got - expected).abs() < 1e-12,
            "poly C={c}: {got} vs {expected}"
        );
    }
    let linear = ModelSpec::Svc {
        kernel: KernelKind::Linear,
    };
    for (c, expected) in [
        (0.01, 0.9701133364384411),
        (1.0, 0.9754075454122031),
        (100.0, 0.9613258810743673),
    ] {
        let got = score("breast_cancer", linear.clone(), &[("C", c)]);
        assert!(
            (got - expected).abs() < 1e-12,
            "linear C={c}: {got} vs {expected}"
        );
    }
    let svr = ModelSpec::Svr {
        kernel: KernelKind::Rbf,
    };
    for (c, gamma, epsilon, expected) in [
        (100.0, 0.1, 5.0, 0.44655827541363174),
        (1000.0, 0.01, 1.0, 0.4789696802518101),
    ] {
        let got = score(
            "diabetes",
            svr.clone(),
            &[("C", c), ("gamma", gamma), ("epsilon", epsilon)],
        );
        // R² of real-valued predictions: equal up to rounding in the sums.
        assert!(
            (got - expected).abs() < 1e-9,
            "svr C={c}: {got} vs {expected}"
        );
    }
}
