//! Placeholder, replaced below.
use super::{CvData, Learner, ModelError, Predictions};
use crate::space::Params;
use std::sync::Arc;
/// Placeholder.
pub struct RidgeLearner { _cv: Arc<CvData> }
impl RidgeLearner {
    /// Placeholder.
    pub fn new(cv: Arc<CvData>) -> Self { RidgeLearner { _cv: cv } }
}
impl Learner for RidgeLearner {
    fn fit_predict(&self, _fold: usize, _params: &Params) -> Result<Predictions, ModelError> {
        Err(ModelError::Invalid("not implemented yet".into()))
    }
}
