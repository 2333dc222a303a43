//! A dataset cut into cross-validation splits, each standardised on its own training rows:
//! the fixed input every model-tuning trial starts from, computed once per objective.

use super::ModelError;
use super::metrics::Predictions;
use crate::data::{Dataset, Folds, Prep, PrepSpec, Target, Task};

/// One split, standardised: row-major feature matrices and the target of each row.
#[derive(Clone, Debug)]
pub struct Split {
    /// Training rows (`n_train × d`, row-major), standardised with their own mean and std.
    pub(crate) x_train: Vec<f64>,
    /// Test rows (`n_test × d`), standardised with the training rows' mean and std.
    pub(crate) x_test: Vec<f64>,
    /// Training targets, in training-row order.
    pub(crate) y_train: Predictions,
    /// Test targets, in test-row order: the truth the fold is scored against.
    pub y_test: Predictions,
}

impl Split {
    /// Number of training rows.
    pub(crate) fn n_train(&self) -> usize {
        self.y_train.len()
    }

    /// Number of test rows.
    pub(crate) fn n_test(&self) -> usize {
        self.y_test.len()
    }
}

/// Every split of a dataset, ready for fitting.
#[derive(Clone, Debug)]
pub struct CvData {
    /// Number of features.
    pub d: usize,
    /// The dataset's task.
    pub task: Task,
    /// Number of classes (0 for regression).
    pub n_classes: usize,
    /// The splits in fold order.
    pub splits: Vec<Split>,
}

impl CvData {
    /// Split `fold`, or an error naming it (a fold number from outside the objective).
    pub fn split(&self, fold: usize) -> Result<&Split, ModelError> {
        self.splits
            .get(fold)
            .ok_or_else(|| ModelError::Invalid(format!("no split {fold}")))
    }

    /// Row-major rows of this data (`x_train` or `x_test` of a split) as an `n × d` array, the
    /// shape linfa's models take.
    pub(crate) fn matrix(&self, rows: &[f64]) -> Result<ndarray::Array2<f64>, ModelError> {
        let d = self.d;
        ndarray::Array2::from_shape_vec((rows.len() / d.max(1), d), rows.to_vec())
            .map_err(|e| ModelError::Invalid(e.to_string()))
    }

    /// Standardise every split of `dataset` as `folds` cuts it (training and test rows in
    /// ascending row order), gaps filled with training means and categories one-hot.
    pub fn new(dataset: &Dataset, folds: &Folds) -> Result<CvData, ModelError> {
        CvData::with_prep(dataset, folds, &PrepSpec::default())
    }

    /// Prepare every split of `dataset` as `folds` cuts it with `spec`, each split's
    /// preparation fitted on its own training rows (see [`Prep`]).
    pub(crate) fn with_prep(
        dataset: &Dataset,
        folds: &Folds,
        spec: &PrepSpec,
    ) -> Result<CvData, ModelError> {
        if folds.n_rows() != dataset.n_samples() {
            return Err(ModelError::Invalid(format!(
                "the folds cover {} rows, the dataset has {}",
                folds.n_rows(),
                dataset.n_samples()
            )));
        }
        let pick = |rows: &[usize]| match dataset.target() {
            Target::Classes(c) => {
                Predictions::Classes(rows.iter().map(|&r| c.labels()[r]).collect())
            }
            Target::Values(v) => Predictions::Values(rows.iter().map(|&r| v[r]).collect()),
        };
        let mut splits = Vec::with_capacity(folds.k());
        let mut d = dataset.n_features();
        for (train, test) in folds.splits() {
            let (xt, xs) = Prep::fit_split(dataset, &train, &test, spec)
                .map_err(|e| ModelError::Invalid(e.to_string()))?;
            d = xt.ncols();
            splits.push(Split {
                x_train: xt.as_standard_layout().iter().copied().collect(),
                x_test: xs.as_standard_layout().iter().copied().collect(),
                y_train: pick(&train),
                y_test: pick(&test),
            });
        }
        let n_classes = match dataset.target() {
            Target::Classes(c) => c.n_classes(),
            Target::Values(_) => 0,
        };
        Ok(CvData {
            d,
            task: dataset.task(),
            n_classes,
            splits,
        })
    }
}
