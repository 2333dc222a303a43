//! Multinomial logistic regression with an L2 penalty (linfa-logistic): `alpha`.
//!
//! linfa fits the multinomial model for any number of classes, so binary and multi-class
//! problems go through the same code; the features are the split's standardised ones.

use super::{CvData, Learner, ModelError, Predictions, param_f64};
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

impl Learner for LogisticLearner {
    fn fit_predict(&self, fold: usize, params: &Params) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("logistic needs class labels".into()));
        };
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
        let train = linfa::Dataset::new(
            self.cv.matrix(&split.x_train)?,
            Array1::from(labels.clone()),
        );
        let model = MultiLogisticRegression::<f64>::new()
            .alpha(alpha)
            .max_iterations(max_iter as u64)
            .fit(&train)
            .map_err(|e| ModelError::Invalid(format!("logistic regression: {e}")))?;
        let predicted: Array1<usize> = model.predict(&self.cv.matrix(&split.x_test)?);
        Ok(Predictions::Classes(predicted.to_vec()))
    }
}
