//! Multinomial logistic regression with an L2 penalty (linfa-logistic): `alpha`.
//!
//! linfa fits the multinomial model for any number of classes, so binary and multi-class
//! problems go through the same code; the features are the split's standardised ones.

use super::{CvData, Model, ModelError, Predictions, param_f64};
use crate::space::Params;
use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::Array1;
use std::sync::Arc;

/// Logistic regression prepared on a set of splits.
pub struct LogisticLearner {
    cv: Arc<CvData>,
}

impl LogisticLearner {
    /// Prepare for the splits of `cv`.
    pub fn new(cv: Arc<CvData>) -> LogisticLearner {
        LogisticLearner { cv }
    }
}

/// The settings of one logistic regression fit, decoded from a trial once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogisticParams {
    /// The L2 penalty, `≥ 0` (default 1).
    pub alpha: f64,
    /// The solver's iteration limit, `≥ 1` (default 100).
    pub max_iter: u64,
}

impl LogisticParams {
    /// A trial's `alpha` and `max_iter`, checked.
    pub fn decode(params: &Params) -> Result<LogisticParams, ModelError> {
        let alpha = param_f64(params, "alpha", Some(1.0))?;
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(ModelError::BadParam(format!(
                "alpha must be ≥ 0, got {alpha}"
            )));
        }
        let max_iter = param_f64(params, "max_iter", Some(100.0))?;
        if !(max_iter >= 1.0 && max_iter.is_finite()) {
            return Err(ModelError::BadParam(format!(
                "max_iter must be at least 1, got {max_iter}"
            )));
        }
        Ok(LogisticParams {
            alpha,
            max_iter: max_iter as u64,
        })
    }
}

impl Model for LogisticLearner {
    type Hyper = LogisticParams;

    fn decode(&self, params: &Params) -> Result<LogisticParams, ModelError> {
        LogisticParams::decode(params)
    }

    fn fit_predict(&self, fold: usize, hyper: &LogisticParams) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("logistic needs class labels".into()));
        };
        let train = linfa::Dataset::new(
            self.cv.matrix(&split.x_train)?,
            Array1::from(labels.clone()),
        );
        let model = MultiLogisticRegression::<f64>::new()
            .alpha(hyper.alpha)
            .max_iterations(hyper.max_iter)
            .fit(&train)
            .map_err(|e| ModelError::Invalid(format!("logistic regression: {e}")))?;
        let predicted: Array1<usize> = model.predict(&self.cv.matrix(&split.x_test)?);
        Ok(Predictions::Classes(predicted.to_vec()))
    }
}
