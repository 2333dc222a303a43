//! A decision tree classifier (linfa-trees): `max_depth`, `min_samples_split`,
//! `min_samples_leaf` and `criterion` (gini or entropy).
//!
//! With unit sample weights linfa's minimum split and leaf *weights* are sample counts, so
//! the parameters keep scikit-learn's names and meaning.

use super::{CvData, Learner, ModelError, Predictions, param_choice, param_f64};
use crate::space::Params;
use linfa::prelude::*;
use linfa_trees::{DecisionTree, SplitQuality};
use ndarray::Array1;
use std::sync::Arc;

/// A decision tree prepared on a set of splits (the row-major folds wrapped as arrays).
pub struct TreeLearner {
    cv: Arc<CvData>,
}

impl TreeLearner {
    /// Prepare for the splits of `cv`.
    pub fn new(cv: Arc<CvData>) -> TreeLearner {
        TreeLearner { cv }
    }
}

fn count(params: &Params, name: &str, default: f64, min: f64) -> Result<f64, ModelError> {
    let v = param_f64(params, name, Some(default))?;
    if !(v >= min && v.is_finite() && v.fract() == 0.0) {
        return Err(ModelError::BadParam(format!(
            "{name} must be a whole number ≥ {min}, got {v}"
        )));
    }
    Ok(v)
}

impl Learner for TreeLearner {
    fn fit_predict(&self, fold: usize, params: &Params) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("tree needs class labels".into()));
        };
        // max_depth 0 (or absent) means unlimited, as scikit-learn's None.
        let depth = count(params, "max_depth", 0.0, 0.0)?;
        let min_split = count(params, "min_samples_split", 2.0, 2.0)?;
        let min_leaf = count(params, "min_samples_leaf", 1.0, 1.0)?;
        let quality = match param_choice(params, "criterion", "gini")? {
            "gini" => SplitQuality::Gini,
            "entropy" => SplitQuality::Entropy,
            other => {
                return Err(ModelError::BadParam(format!(
                    "criterion must be gini or entropy, got `{other}`"
                )));
            }
        };
        let train = linfa::Dataset::new(
            self.cv.matrix(&split.x_train)?,
            Array1::from(labels.clone()),
        );
        let model = DecisionTree::params()
            .split_quality(quality)
            .max_depth((depth > 0.0).then_some(depth as usize))
            .min_weight_split(min_split as f32)
            .min_weight_leaf(min_leaf as f32)
            .fit(&train)
            .map_err(|e| ModelError::Invalid(format!("decision tree: {e}")))?;
        let predicted: Array1<usize> = model.predict(&self.cv.matrix(&split.x_test)?);
        Ok(Predictions::Classes(predicted.to_vec()))
    }
}
