//! A decision tree classifier (linfa-trees): `max_depth`, `min_samples_split`,
//! `min_samples_leaf` and `criterion` (gini or entropy).
//!
//! With unit sample weights linfa's minimum split and leaf *weights* are sample counts, so
//! the parameters keep scikit-learn's names and meaning.

use super::{CvData, Model, ModelError, Predictions, param_choice, param_count};
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

/// The settings of one tree fit, decoded from a trial once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TreeParams {
    /// The deepest a branch may grow; `None` (`max_depth` 0 or absent) is unlimited, as
    /// scikit-learn's `None`.
    pub max_depth: Option<usize>,
    /// Rows a node needs to be split, `≥ 2` (default 2).
    pub min_samples_split: usize,
    /// Rows each leaf keeps at least, `≥ 1` (default 1).
    pub min_samples_leaf: usize,
    /// Gini impurity (default) or entropy.
    pub criterion: SplitQuality,
}

impl TreeParams {
    /// A trial's `max_depth`, `min_samples_split`, `min_samples_leaf` and `criterion`,
    /// checked.
    pub fn decode(params: &Params) -> Result<TreeParams, ModelError> {
        let depth = param_count(params, "max_depth", 0, 0)?;
        let min_samples_split = param_count(params, "min_samples_split", 2, 2)?;
        let min_samples_leaf = param_count(params, "min_samples_leaf", 1, 1)?;
        let criterion = match param_choice(params, "criterion", "gini")? {
            "gini" => SplitQuality::Gini,
            "entropy" => SplitQuality::Entropy,
            other => {
                return Err(ModelError::BadParam(format!(
                    "criterion must be gini or entropy, got `{other}`"
                )));
            }
        };
        Ok(TreeParams {
            max_depth: (depth > 0).then_some(depth),
            min_samples_split,
            min_samples_leaf,
            criterion,
        })
    }
}

impl Model for TreeLearner {
    type Hyper = TreeParams;

    fn decode(&self, params: &Params) -> Result<TreeParams, ModelError> {
        TreeParams::decode(params)
    }

    fn fit_predict(&self, fold: usize, hyper: &TreeParams) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("tree needs class labels".into()));
        };
        let train = linfa::Dataset::new(
            self.cv.matrix(&split.x_train)?,
            Array1::from(labels.clone()),
        );
        let model = DecisionTree::params()
            .split_quality(hyper.criterion)
            .max_depth(hyper.max_depth)
            .min_weight_split(hyper.min_samples_split as f32)
            .min_weight_leaf(hyper.min_samples_leaf as f32)
            .fit(&train)
            .map_err(|e| ModelError::Invalid(format!("decision tree: {e}")))?;
        let predicted: Array1<usize> = model.predict(&self.cv.matrix(&split.x_test)?);
        Ok(Predictions::Classes(predicted.to_vec()))
    }
}
