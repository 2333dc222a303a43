//! Elastic-net linear regression (linfa-elasticnet): `alpha` (the penalty) and `l1_ratio`
//! (0 is ridge, 1 is lasso), with an intercept, on the split's standardised features.

use super::{CvData, Model, ModelError, Predictions, param_f64};
use crate::space::Params;
use linfa::prelude::*;
use linfa_elasticnet::ElasticNet;
use ndarray::Array1;
use std::sync::Arc;

/// Elastic net prepared on a set of splits.
pub(crate) struct ElasticNetLearner {
    cv: Arc<CvData>,
}

impl ElasticNetLearner {
    /// Prepare for the splits of `cv`.
    pub(crate) fn new(cv: Arc<CvData>) -> ElasticNetLearner {
        ElasticNetLearner { cv }
    }
}

/// The settings of one elastic-net fit, decoded from a trial once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ElasticNetParams {
    /// The penalty, `≥ 0` (default 1).
    pub alpha: f64,
    /// The L1 share of the penalty, in `[0, 1]` (default 0.5).
    pub(crate) l1_ratio: f64,
}

impl ElasticNetParams {
    /// A trial's `alpha` and `l1_ratio`, checked.
    pub(crate) fn decode(params: &Params) -> Result<ElasticNetParams, ModelError> {
        let alpha = param_f64(params, "alpha", Some(1.0))?;
        let l1_ratio = param_f64(params, "l1_ratio", Some(0.5))?;
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(ModelError::BadParam(format!(
                "alpha must be ≥ 0, got {alpha}"
            )));
        }
        if !(0.0..=1.0).contains(&l1_ratio) {
            return Err(ModelError::BadParam(format!(
                "l1_ratio must be in [0, 1], got {l1_ratio}"
            )));
        }
        Ok(ElasticNetParams { alpha, l1_ratio })
    }
}

impl Model for ElasticNetLearner {
    type Hyper = ElasticNetParams;

    fn decode(&self, params: &Params) -> Result<ElasticNetParams, ModelError> {
        ElasticNetParams::decode(params)
    }

    fn fit_predict(
        &self,
        fold: usize,
        hyper: &ElasticNetParams,
    ) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Values(y) = &split.y_train else {
            return Err(ModelError::Invalid(
                "elasticnet needs numeric targets".into(),
            ));
        };
        let train = linfa::Dataset::new(self.cv.matrix(&split.x_train)?, Array1::from(y.clone()));
        let model = ElasticNet::params()
            .penalty(hyper.alpha)
            .l1_ratio(hyper.l1_ratio)
            .fit(&train)
            .map_err(|e| ModelError::Invalid(format!("elastic net: {e}")))?;
        let predicted: Array1<f64> = model.predict(&self.cv.matrix(&split.x_test)?);
        Ok(Predictions::Values(predicted.to_vec()))
    }
}
