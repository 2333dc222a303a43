//! A model fitted on every row of a dataset and evaluated at new points: what the window's
//! decision-boundary view draws for a trial's hyperparameters.
//!
//! The rows are standardised as the cross-validation splits are (mean and population
//! standard deviation, here of all rows) and the points with the same scaler, so the model
//! sees them in the units it was tuned in. Any [`ModelSpec`] works through its
//! [`super::Learner`] on a single split (all rows in, the points out); the SVC is fitted
//! directly instead, to also give its decision values and support vectors.

use super::kernel::FoldGeometry;
use super::svc::{self, SvcParams};
use super::{CvData, ModelError, ModelSpec, Predictions, Split};
use crate::data::{Dataset, Prep, PrepSpec, Target};
use crate::space::Params;
use ndarray::Array2;
use std::sync::Arc;

/// What a model fitted on all rows says at the points.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FullFit {
    /// The prediction at each point (class labels or values).
    pub(crate) predictions: Predictions,
    /// The signed decision value at each point, for models that have one: a binary SVC's
    /// `decision_function` (positive: the lower class). `None` otherwise.
    pub decision: Option<Vec<f64>>,
    /// The dataset rows that are support vectors (SVC only), ascending.
    pub support: Vec<usize>,
}

/// Fit `spec` with `params` on every row of `dataset` and evaluate it at `points`
/// (row-major, `n_features` values per point, in the dataset's own units).
pub(crate) fn fit_full(
    spec: &ModelSpec,
    dataset: &Dataset,
    params: &Params,
    points: &[f64],
) -> Result<FullFit, ModelError> {
    let d = dataset.n_features();
    if d == 0 || !points.len().is_multiple_of(d) {
        return Err(ModelError::Invalid(format!(
            "{} point coordinates for {d} features",
            points.len()
        )));
    }
    if !spec.supports(dataset.task()) {
        return Err(ModelError::Invalid(format!(
            "model `{}` does not do {}",
            spec.name(),
            dataset.task()
        )));
    }
    let invalid = |e: &dyn std::fmt::Display| ModelError::Invalid(e.to_string());
    // Prepared as a split is (gaps filled, categories encoded, standardised), fitted on all
    // rows; the points are in the dataset's raw layout and go through the same steps.
    let prep_spec = PrepSpec {
        encoding: spec.encoding(),
        ..PrepSpec::default()
    };
    let all: Vec<usize> = (0..dataset.n_samples()).collect();
    let prep = Prep::fit(dataset, &all, &prep_spec).map_err(|e| invalid(&e))?;
    let x = prep
        .transform_rows(dataset.x().view(), &all)
        .map_err(|e| invalid(&e))?;
    let p =
        Array2::from_shape_vec((points.len() / d, d), points.to_vec()).map_err(|e| invalid(&e))?;
    let point_rows: Vec<usize> = (0..p.nrows()).collect();
    let p = prep
        .transform_rows(p.view(), &point_rows)
        .map_err(|e| invalid(&e))?;
    let d = prep.width();
    let x_train: Vec<f64> = x.as_standard_layout().iter().copied().collect();
    let x_test: Vec<f64> = p.as_standard_layout().iter().copied().collect();
    let n_points = x_test.len() / d;
    let (y_train, n_classes, dummy) = match dataset.target() {
        Target::Classes(c) => (
            Predictions::Classes(c.labels().to_vec()),
            c.n_classes(),
            Predictions::Classes(vec![0; n_points]),
        ),
        Target::Values(v) => (
            Predictions::Values(v.clone()),
            0,
            Predictions::Values(vec![0.0; n_points]),
        ),
    };
    let cv = CvData {
        d,
        task: dataset.task(),
        n_classes,
        splits: vec![Split {
            x_train,
            x_test,
            y_train,
            y_test: dummy,
        }],
    };
    spec.check_memory(&cv)?;
    match spec {
        ModelSpec::Svc { kernel } => {
            let split = &cv.splits[0];
            let Predictions::Classes(labels) = &split.y_train else {
                return Err(ModelError::Invalid("svc needs class labels".into()));
            };
            // Rows sorted by class, as the cross-validated SVC fits them (same solver path).
            let mut order: Vec<usize> = (0..labels.len()).collect();
            order.sort_by_key(|&r| labels[r]);
            let sorted_x: Vec<f64> = order
                .iter()
                .flat_map(|&r| split.x_train[r * d..(r + 1) * d].iter().copied())
                .collect();
            let sorted_labels: Vec<usize> = order.iter().map(|&r| labels[r]).collect();
            let geometry = FoldGeometry::new(&sorted_x, &split.x_test, d);
            let settings = SvcParams::decode(*kernel, params)?;
            let fit = svc::fit(&geometry, &sorted_labels, &settings)?;
            let predictions = Predictions::Classes(fit.predict(&geometry));
            let decision = (fit.classes().len() == 2).then(|| {
                fit.decision_function(&geometry)
                    .into_iter()
                    .map(|v| v.first().copied().unwrap_or(0.0))
                    .collect()
            });
            let mut support: Vec<usize> = fit.support_rows().iter().map(|&r| order[r]).collect();
            support.sort_unstable();
            Ok(FullFit {
                predictions,
                decision,
                support,
            })
        }
        _ => {
            let learner = spec.prepare(Arc::new(cv))?;
            Ok(FullFit {
                predictions: learner.for_trial(params)?.fit_predict(0)?,
                decision: None,
                support: Vec::new(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::KernelKind;
    use crate::space::Value;

    fn params(pairs: &[(&str, Value)]) -> Params {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect()
    }

    fn training_rows(d: &Dataset) -> Vec<f64> {
        d.x().as_standard_layout().iter().copied().collect()
    }

    fn accuracy(p: &Predictions, d: &Dataset) -> f64 {
        let (Predictions::Classes(p), Target::Classes(c)) = (p, d.target()) else {
            panic!("not classes");
        };
        let right = p.iter().zip(c.labels()).filter(|(a, b)| a == b).count();
        right as f64 / p.len() as f64
    }

    #[test]
    fn an_svc_fitted_on_all_of_moons_classifies_its_rows_and_rings_support_vectors() {
        let moons = Dataset::bundled("moons").unwrap();
        let spec = ModelSpec::Svc {
            kernel: KernelKind::Rbf,
        };
        let good = params(&[("C", Value::Float(10.0)), ("gamma", Value::Float(1.0))]);
        let fit = fit_full(&spec, &moons, &good, &training_rows(&moons)).unwrap();
        // The bundled moons are noisy: scikit-learn's best 5-fold accuracy over the anchors'
        // grid is 0.9025, and a well-tuned RBF SVC fits its own rows a little better.
        let acc = accuracy(&fit.predictions, &moons);
        assert!((0.88..0.97).contains(&acc), "training accuracy {acc}");
        let decision = fit.decision.as_ref().unwrap();
        assert_eq!(decision.len(), moons.n_samples());
        // Positive decision values are class 0, negative class 1.
        let Predictions::Classes(p) = &fit.predictions else {
            panic!()
        };
        for (v, c) in decision.iter().zip(p) {
            assert_eq!(*c, if *v > 0.0 { 0 } else { 1 }, "{v}");
        }
        assert!(!fit.support.is_empty() && fit.support.len() < moons.n_samples() / 2);
        assert!(fit.support.windows(2).all(|w| w[0] < w[1]));

        // A nearly linear model (tiny gamma, small C) does clearly worse on the moons.
        let flat = params(&[("C", Value::Float(0.01)), ("gamma", Value::Float(1e-4))]);
        let fit = fit_full(&spec, &moons, &flat, &training_rows(&moons)).unwrap();
        let flat_acc = accuracy(&fit.predictions, &moons);
        assert!(flat_acc < acc - 0.02, "{flat_acc} vs {acc}");
        // Far outside the data, points still get a class.
        let fit = fit_full(&spec, &moons, &good, &[100.0, -100.0]).unwrap();
        assert_eq!(fit.predictions.len(), 1);
    }

    #[test]
    fn other_models_go_through_their_learner_and_bad_input_is_an_error() {
        let moons = Dataset::bundled("moons").unwrap();
        let one = params(&[
            ("k", Value::Int(1)),
            ("weights", Value::Cat("uniform".into())),
        ]);
        // 1-NN on its own training rows is right everywhere.
        let fit = fit_full(&ModelSpec::Knn, &moons, &one, &training_rows(&moons)).unwrap();
        assert_eq!(accuracy(&fit.predictions, &moons), 1.0);
        assert!(fit.decision.is_none() && fit.support.is_empty());
        // Wrong number of coordinates, wrong task, bad parameter.
        assert!(fit_full(&ModelSpec::Knn, &moons, &one, &[1.0, 2.0, 3.0]).is_err());
        assert!(fit_full(&ModelSpec::KernelRidge, &moons, &one, &[1.0, 2.0]).is_err());
        let spec = ModelSpec::Svc {
            kernel: KernelKind::Rbf,
        };
        let bad = params(&[("C", Value::Float(-1.0)), ("gamma", Value::Float(1.0))]);
        assert!(fit_full(&spec, &moons, &bad, &[0.0, 0.0]).is_err());
    }
}
