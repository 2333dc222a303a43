//! Knobs' SVC objective gives scikit-learn's numbers: the anchors' 7×7 grid of (C, gamma)
//! on the bundled datasets with their reference folds, compared with the accuracies
//! scikit-learn's `SVC` reached there (copied into `tests/fixtures/svc_sklearn_grid.json`
//! from the anchors' `results/svc_trials.json`).

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
