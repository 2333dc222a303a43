//! Placeholder, replaced below.
use super::{CvData, Learner, ModelError, Predictions};
use crate::space::Params;
use std::sync::Arc;
/// Placeholder.
pub struct SvrLearner { _cv: Arc<CvData> }
impl SvrLearner {
    /// Placeholder.
    pub fn new(cv: Arc<CvData>, _kind: super::KernelKind) -> Self { SvrLearner { _cv: cv } }
}
impl Learner for SvrLearner {
    fn fit_predict(&self, _fold: usize, _params: &Params) -> Result<Predictions, ModelError> {
        Err(ModelError::Invalid("not implemented yet".into()))
    }
}
