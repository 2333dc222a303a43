use super::*;
use crate::data::Task;
use crate::models::{ModelSpec, Split};
use crate::objective::{
    DatasetSource, ModelTask, Objective, ObjectiveError, TrialContext, Verdict,
};
use crate::space::Value;
use std::sync::Mutex;

fn params(pairs: &[(&str, Value)]) -> Params {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.clone()))
        .collect()
}

/// XOR of the signs of two coordinates, with jitter so the training rows are not 4 points.
fn xor_split() -> Split {
    let corners = [
        (-1.0, -1.0, 0),
        (-1.0, 1.0, 1),
        (1.0, -1.0, 1),
        (1.0, 1.0, 0),
    ];
    let mut x_train = Vec::new();
    let mut y_train = Vec::new();
    for i in 0..200 {
        let (a, b, y) = corners[i % 4];
        let jitter = (i as f64 * 0.37).sin() * 0.2;
        x_train.extend([a + jitter, b - jitter]);
        y_train.push(y);
    }
    Split {
        x_train,
        x_test: corners.iter().flat_map(|&(a, b, _)| [a, b]).collect(),
        y_train: Predictions::Classes(y_train),
        y_test: Predictions::Classes(corners.iter().map(|c| c.2).collect()),
    }
}

fn xor_data() -> Arc<CvData> {
    Arc::new(CvData {
        d: 2,
        task: Task::Classification,
        n_classes: 2,
        splits: vec![xor_split()],
    })
}

#[test]
fn learns_xor_which_no_linear_model_can() {
    let learner = MlpLearner::new(xor_data()).unwrap();
    let hyper = MlpParams::decode(&params(&[
        ("hidden_units", Value::Int(16)),
        ("learning_rate", Value::Float(0.01)),
        ("batch_size", Value::Int(16)),
        ("epochs", Value::Int(60)),
    ]))
    .unwrap();
    assert_eq!(
        learner.fit_predict(0, &hyper).unwrap(),
        Predictions::Classes(vec![0, 1, 1, 0])
    );
    // With SGD and momentum, and from He's initial weights, too.
    for other in [
        MlpParams {
            solver: Solver::Sgd { momentum: 0.9 },
            ..hyper
        },
        MlpParams {
            init: Init::He,
            ..hyper
        },
    ] {
        assert_eq!(
            learner.fit_predict(0, &other).unwrap(),
            Predictions::Classes(vec![0, 1, 1, 0]),
            "{other:?}"
        );
    }
}

fn iris() -> crate::objective::ModelObjective {
    ModelTask::new(DatasetSource::Bundled("iris".into()), ModelSpec::Mlp)
        .build()
        .unwrap()
}

fn listening(log: Arc<Mutex<Vec<(u64, f64)>>>, prune_at: Option<u64>) -> TrialContext {
    TrialContext {
        progress: Some(Arc::new(move |step, value| {
            log.lock().unwrap().push((step, value));
            if Some(step) == prune_at {
                Verdict::Prune
            } else {
                Verdict::Continue
            }
        })),
        ..TrialContext::detached()
    }
}

#[test]
fn the_same_seed_gives_the_same_curve_whatever_the_threads_and_another_seed_differs() {
    let one = iris();
    let two = iris().with_fold_threads(3);
    let p = params(&[("epochs", Value::Int(5)), ("seed", Value::Int(7))]);
    let a = one.evaluate(&p, false).unwrap();
    let b = one.evaluate(&p, false).unwrap();
    let c = two.evaluate(&p, false).unwrap();
    assert_eq!((a.value, &a.folds), (b.value, &b.folds));
    assert_eq!((&a.intermediate, &a.folds), (&c.intermediate, &c.folds));
    let other = one
        .evaluate(
            &params(&[("epochs", Value::Int(5)), ("seed", Value::Int(8))]),
            false,
        )
        .unwrap();
    assert_ne!(a.intermediate, other.intermediate);
}

#[test]
fn reports_the_mean_validation_score_once_per_epoch() {
    let objective = iris();
    let log = Arc::new(Mutex::new(Vec::new()));
    let eval = objective
        .evaluate_in(
            &params(&[("epochs", Value::Int(6))]),
            false,
            &listening(log.clone(), None),
        )
        .unwrap();
    let reported = log.lock().unwrap().clone();
    let steps: Vec<u64> = reported.iter().map(|r| r.0).collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6]);
    let kept: Vec<(u64, f64)> = eval
        .intermediate
        .iter()
        .map(|i| (i.step, i.value))
        .collect();
    assert_eq!(kept, reported);
    assert_eq!(eval.value, reported[5].1);
    assert_eq!(eval.value, eval.folds.iter().sum::<f64>() / 5.0);
    // The last epoch's score is what a one-go fit of that many epochs scores.
    let cv = iris_cv();
    let learner = MlpLearner::new(cv.clone()).unwrap();
    let hyper = MlpParams::decode(&params(&[("epochs", Value::Int(6))])).unwrap();
    let direct = learner.fit_predict(2, &hyper).unwrap();
    let score = crate::models::Metric::Accuracy
        .score(&cv.splits[2].y_test, &direct)
        .unwrap();
    assert_eq!(score, eval.folds[2]);
}

fn iris_cv() -> Arc<CvData> {
    let dataset = crate::data::Dataset::bundled("iris").unwrap();
    let folds = crate::data::Folds::bundled("iris", dataset.n_samples()).unwrap();
    Arc::new(CvData::new(&dataset, &folds).unwrap())
}

#[test]
fn stops_with_pruned_when_the_context_says_so_and_on_cancel() {
    let objective = iris();
    let log = Arc::new(Mutex::new(Vec::new()));
    let result = objective.evaluate_in(
        &params(&[("epochs", Value::Int(10))]),
        false,
        &listening(log.clone(), Some(3)),
    );
    let reported = log.lock().unwrap().clone();
    assert_eq!(reported.len(), 3);
    assert_eq!(
        result,
        Err(ObjectiveError::Pruned {
            step: 3,
            value: reported[2].1
        })
    );
    let stopped = TrialContext::detached();
    stopped
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        objective.evaluate_in(&params(&[]), false, &stopped),
        Err(ObjectiveError::Cancelled)
    );
}

#[test]
fn regression_learns_diabetes_on_the_targets_own_scale() {
    let objective = ModelTask::new(DatasetSource::Bundled("diabetes".into()), ModelSpec::Mlp)
        .build()
        .unwrap();
    let eval = objective
        .evaluate(
            &params(&[
                ("epochs", Value::Int(30)),
                ("hidden_units", Value::Int(16)),
                ("weight_decay", Value::Float(1e-3)),
            ]),
            false,
        )
        .unwrap();
    // R² of a linear model here is about 0.48; a small network is in that region.
    assert!(eval.value > 0.3, "R² {}", eval.value);
}

#[test]
fn a_learning_rate_that_diverges_fails_the_trial_with_a_reason() {
    let objective = ModelTask::new(DatasetSource::Bundled("diabetes".into()), ModelSpec::Mlp)
        .build()
        .unwrap();
    let result = objective.evaluate(
        &params(&[
            ("learning_rate", Value::Float(1e6)),
            ("solver", Value::Cat("sgd".into())),
            ("epochs", Value::Int(5)),
        ]),
        false,
    );
    let Err(ObjectiveError::Failed(reason)) = result else {
        panic!("expected a failure, got {result:?}");
    };
    assert!(reason.contains("learning_rate"), "{reason}");
}

#[test]
fn bad_hyperparameters_are_refused_naming_the_parameter() {
    for (name, value) in [
        ("learning_rate", Value::Float(0.0)),
        ("batch_size", Value::Int(0)),
        ("hidden_units", Value::Int(1 << 20)),
        ("weight_decay", Value::Float(-1.0)),
        ("epochs", Value::Float(2.5)),
        ("solver", Value::Cat("lbfgs".into())),
        ("init", Value::Cat("zeros".into())),
    ] {
        let error = MlpParams::decode(&params(&[(name, value)]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains(name), "{name}: {error:?}");
    }
    let sgd = params(&[
        ("solver", Value::Cat("sgd".into())),
        ("momentum", Value::Float(1.0)),
    ]);
    assert!(MlpParams::decode(&sgd).is_err());
}

#[test]
fn the_default_space_is_the_issues_and_holds_epochs_fixed() {
    let space = ModelSpec::Mlp.default_space();
    let names: Vec<&str> = space.params().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "learning_rate",
            "batch_size",
            "hidden_units",
            "hidden_layers",
            "weight_decay",
            "epochs"
        ]
    );
    assert!(!space.params()[5].domain.is_free());
    assert_eq!(space.dim(), 5);
}

#[test]
fn digits_accuracy_matches_scikit_learns_mlp_with_its_settings() {
    let objective = ModelTask::new(DatasetSource::Bundled("digits".into()), ModelSpec::Mlp)
        .build()
        .unwrap();
    // MLPClassifier((64,), batch_size=32, adam, lr 1e-3, alpha 1e-4, 20 epochs) scores
    // 0.9700, 0.9700, 0.9733 for random_state 0, 1, 2 on these folds (bench_mlp_sklearn.py),
    // Knobs 0.9683, 0.9722, 0.9722 for seeds 0, 1, 2 (bench_mlp.rs); scikit-learn divides
    // alpha by the batch, so weight_decay = 1e-4 / 32.
    let eval = objective
        .evaluate(
            &params(&[("weight_decay", Value::Float(1e-4 / 32.0))]),
            false,
        )
        .unwrap();
    assert!(eval.value > 0.96, "5-fold accuracy {}", eval.value);
}
