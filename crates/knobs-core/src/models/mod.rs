//! Models that a tuning objective fits on cross-validation splits, and how they are scored.
//!
//! A [`ModelSpec`] is the serialisable choice of model (and of its fixed settings, such as
//! the SVM kernel); its hyperparameters arrive with each trial as [`Params`]. Preparing a
//! spec on a [`CvData`] gives a [`Learner`], which fits one split and predicts its test
//! rows; it may keep caches across trials (the SVMs keep each split's inner products), which
//! is why it is prepared once per objective rather than per trial.
//!
//! Nothing here knows about the GUI or about studies.

pub(crate) mod cv;
pub(crate) mod elasticnet;
pub mod estimate;
pub(crate) mod full;
pub(crate) mod gbm;
pub(crate) mod gbm_tree;
pub(crate) mod kdtree;
pub(crate) mod kernel;
pub(crate) mod knn;
pub(crate) mod logistic;
pub(crate) mod metrics;
// The MLP's learner and epoch stepping are internals; its benchmark reaches them through
// `knobs_core::test_support` (feature `test-support`), where they are re-exported.
#[cfg_attr(not(feature = "test-support"), allow(unreachable_pub))]
pub(crate) mod mlp;
pub(crate) mod ridge;
pub mod smo;
pub(crate) mod svc;
pub(crate) mod svr;
pub(crate) mod tree;

pub use cv::{CvData, Split};
pub use kernel::KernelKind;
pub use metrics::{Metric, MetricError, Predictions};

use crate::data::Task;
use crate::space::{Domain, Param, Params, Space, Value};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use thiserror::Error;

/// Why a model could not be prepared, fitted or used.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// A hyperparameter is missing, of the wrong kind or out of range.
    #[error("{0}")]
    BadParam(String),
    /// The data cannot be used with this model (one class in a split, wrong task…).
    #[error("{0}")]
    Invalid(String),
}

/// Which model to tune, with its settings that are not hyperparameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// C-support vector classification (libsvm's C-SVC, one-vs-one): `C`, `gamma`, and for
    /// the polynomial kernel `degree`, `coef0`.
    Svc {
        /// The kernel.
        #[serde(default)]
        kernel: KernelKind,
    },
    /// Epsilon-support vector regression (libsvm's epsilon-SVR): `C`, `epsilon`, `gamma`
    /// (and `degree`, `coef0` for the polynomial kernel).
    Svr {
        /// The kernel.
        #[serde(default)]
        kernel: KernelKind,
    },
    /// k nearest neighbours, by majority vote or mean: `k`, `weights` (uniform or distance).
    Knn,
    /// Kernel ridge regression with the RBF kernel: `alpha`, `gamma`; gives the gradient of
    /// the validation score for gradient-based strategies.
    KernelRidge,
    /// Multinomial logistic regression (own L-BFGS, linfa's objective): `alpha` (L2 penalty).
    Logistic,
    /// A decision tree (own presorted CART): `max_depth`, `min_samples_split`,
    /// `min_samples_leaf`, `criterion`.
    Tree,
    /// Elastic-net linear regression (linfa-elasticnet): `alpha`, `l1_ratio`.
    ElasticNet,
    /// A multilayer perceptron trained in epochs (own, on ndarray): `learning_rate`,
    /// `batch_size`, `hidden_units`, `hidden_layers`, `weight_decay`, `epochs`.
    Mlp,
    /// Histogram gradient-boosted trees (own, see `gbm`) for both tasks: `learning_rate`,
    /// `rounds`, `max_leaves`, `max_depth`, `min_child_weight`, `l2`, `subsample`,
    /// `colsample`.
    Gbm,
}

impl ModelSpec {
    /// Whether the model trains in steps (epochs, blocks of boosting rounds) and reports a
    /// validation score after each: what a pruner and the learning-curves view need.
    pub fn reports_steps(&self) -> bool {
        matches!(self, ModelSpec::Mlp | ModelSpec::Gbm)
    }

    /// Decodes a trial's values as the model would, without data: the check a study makes
    /// before its first trial, so a value the model cannot take is refused up front.
    pub(crate) fn check_params(&self, params: &Params) -> Result<(), ModelError> {
        match self {
            ModelSpec::Svc { kernel } => svc::SvcParams::decode(*kernel, params).map(drop),
            ModelSpec::Svr { kernel } => svr::SvrParams::decode(*kernel, params).map(drop),
            ModelSpec::Knn => knn::KnnParams::decode(params).map(drop),
            ModelSpec::KernelRidge => ridge::RidgeParams::decode(params).map(drop),
            ModelSpec::Logistic => logistic::LogisticParams::decode(params).map(drop),
            ModelSpec::Tree => tree::TreeParams::decode(params).map(drop),
            ModelSpec::ElasticNet => elasticnet::ElasticNetParams::decode(params).map(drop),
            ModelSpec::Mlp => mlp::MlpParams::decode(params).map(drop),
            ModelSpec::Gbm => gbm::GbmParams::decode(params).map(drop),
        }
    }

    /// The CLI names of the models, with a line about each, for `knobs list`.
    pub const NAMES: &'static [(&'static str, &'static str)] = &[
        (
            "svc",
            "classification: support vector classifier (libsvm's C-SVC), C gamma [degree coef0]",
        ),
        (
            "svr",
            "regression: epsilon support vector regression, C epsilon gamma",
        ),
        ("knn", "both: k nearest neighbours, k weights"),
        (
            "ridge",
            "regression: RBF kernel ridge, alpha gamma, with the validation-score gradient",
        ),
        (
            "logistic",
            "classification: multinomial logistic regression, alpha",
        ),
        (
            "tree",
            "classification: decision tree, max_depth min_samples_split min_samples_leaf criterion",
        ),
        (
            "elasticnet",
            "regression: elastic-net linear regression (linfa), alpha l1_ratio",
        ),
        (
            "mlp",
            "both: neural network (ReLU, Adam), learning_rate batch_size hidden_units \
             hidden_layers weight_decay epochs",
        ),
        (
            "gbm",
            "both: histogram gradient-boosted trees, learning_rate rounds max_leaves \
             min_child_weight l2 subsample colsample",
        ),
    ];

    /// Parse a CLI name; `kernel` applies to the SVMs only.
    pub fn from_name(name: &str, kernel: Option<KernelKind>) -> Result<ModelSpec, ModelError> {
        let name = name.to_ascii_lowercase().replace('-', "_");
        let spec = match name.as_str() {
            "svc" | "svm" => ModelSpec::Svc {
                kernel: kernel.unwrap_or_default(),
            },
            "svr" => ModelSpec::Svr {
                kernel: kernel.unwrap_or_default(),
            },
            "knn" => ModelSpec::Knn,
            "ridge" | "kernel_ridge" | "krr" => ModelSpec::KernelRidge,
            "logistic" | "logreg" => ModelSpec::Logistic,
            "tree" | "decision_tree" => ModelSpec::Tree,
            "elasticnet" | "elastic_net" => ModelSpec::ElasticNet,
            "mlp" | "neural_network" | "nn" => ModelSpec::Mlp,
            "gbm" | "gradient_boosting" | "boosting" => ModelSpec::Gbm,
            other => {
                return Err(ModelError::Invalid(format!(
                    "unknown model `{other}` (known: {})",
                    Self::NAMES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        };
        if kernel.is_some() && !matches!(spec, ModelSpec::Svc { .. } | ModelSpec::Svr { .. }) {
            return Err(ModelError::Invalid(format!(
                "--kernel applies to svc and svr, not `{name}`"
            )));
        }
        Ok(spec)
    }

    /// The CLI name.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Svc { .. } => "svc",
            ModelSpec::Svr { .. } => "svr",
            ModelSpec::Knn => "knn",
            ModelSpec::KernelRidge => "ridge",
            ModelSpec::Logistic => "logistic",
            ModelSpec::Tree => "tree",
            ModelSpec::ElasticNet => "elasticnet",
            ModelSpec::Mlp => "mlp",
            ModelSpec::Gbm => "gbm",
        }
    }

    /// A short label, with the kernel where it is not the default.
    pub fn label(&self) -> String {
        match self {
            ModelSpec::Svc { kernel } | ModelSpec::Svr { kernel } if *kernel != KernelKind::Rbf => {
                format!("{} ({})", self.name(), kernel.name())
            }
            _ => self.name().to_owned(),
        }
    }

    /// Whether the model can learn `task`.
    pub(crate) fn supports(&self, task: Task) -> bool {
        match self {
            ModelSpec::Svc { .. } | ModelSpec::Logistic | ModelSpec::Tree => {
                task == Task::Classification
            }
            ModelSpec::Svr { .. } | ModelSpec::KernelRidge | ModelSpec::ElasticNet => {
                task == Task::Regression
            }
            ModelSpec::Knn | ModelSpec::Mlp | ModelSpec::Gbm => true,
        }
    }

    /// The hyperparameters and their default ranges, so a bare `--model NAME` is ready to
    /// tune. The SVM ranges are the anchors' SVC benchmark space.
    pub fn default_space(&self) -> Space {
        let log = |name: &str, low: f64, high: f64| {
            Param::new(
                name,
                Domain::Float {
                    low,
                    high,
                    log: true,
                },
            )
        };
        let kernel_params = |kernel: &KernelKind| match kernel {
            KernelKind::Rbf => vec![log("gamma", 1e-4, 10.0)],
            KernelKind::Linear => vec![],
            KernelKind::Poly => vec![
                log("gamma", 1e-4, 10.0),
                Param::new(
                    "degree",
                    Domain::Int {
                        low: 2,
                        high: 5,
                        log: false,
                    },
                ),
                Param::new(
                    "coef0",
                    Domain::Float {
                        low: 0.0,
                        high: 1.0,
                        log: false,
                    },
                ),
            ],
        };
        let params = match self {
            ModelSpec::Svc { kernel } => {
                let mut p = vec![log("C", 1e-2, 1e3)];
                p.extend(kernel_params(kernel));
                p
            }
            ModelSpec::Svr { kernel } => {
                let mut p = vec![log("C", 1e-2, 1e3), log("epsilon", 1e-3, 10.0)];
                p.extend(kernel_params(kernel));
                p
            }
            ModelSpec::Knn => vec![
                Param::new(
                    "k",
                    Domain::Int {
                        low: 1,
                        high: 50,
                        log: true,
                    },
                ),
                Param::new(
                    "weights",
                    Domain::Categorical {
                        choices: vec!["uniform".into(), "distance".into()],
                    },
                ),
            ],
            ModelSpec::KernelRidge => vec![log("alpha", 1e-6, 10.0), log("gamma", 1e-4, 10.0)],
            ModelSpec::Logistic => vec![log("alpha", 1e-4, 100.0)],
            ModelSpec::Tree => {
                let int = |name: &str, low, high| {
                    Param::new(
                        name,
                        Domain::Int {
                            low,
                            high,
                            log: false,
                        },
                    )
                };
                vec![
                    int("max_depth", 1, 20),
                    int("min_samples_split", 2, 20),
                    int("min_samples_leaf", 1, 10),
                    Param::new(
                        "criterion",
                        Domain::Categorical {
                            choices: vec!["gini".into(), "entropy".into()],
                        },
                    ),
                ]
            }
            ModelSpec::ElasticNet => vec![
                log("alpha", 1e-4, 10.0),
                Param::new(
                    "l1_ratio",
                    Domain::Float {
                        low: 0.0,
                        high: 1.0,
                        log: false,
                    },
                ),
            ],
            ModelSpec::Mlp => mlp::default_params(),
            ModelSpec::Gbm => gbm_space(),
        };
        Space::new(params).unwrap_or_default()
    }

    /// How this model takes categorical features: ordinal codes for trees (and boosting),
    /// which split on thresholds; one-hot columns for the distance, kernel and linear
    /// models, where codes would invent an order.
    pub(crate) fn encoding(&self) -> crate::data::Encoding {
        match self {
            ModelSpec::Tree | ModelSpec::Gbm => crate::data::Encoding::Ordinal,
            _ => crate::data::Encoding::OneHot,
        }
    }

    /// Make the model ready to fit the splits of `cv` (checking the task). Public, with
    /// [`CvData`], [`Learner`] and [`Fitter`], so a model can be fitted on folds without an
    /// objective around it (the scaling benchmark does).
    pub fn prepare(&self, cv: Arc<CvData>) -> Result<Box<dyn Learner>, ModelError> {
        if !self.supports(cv.task) {
            return Err(ModelError::Invalid(format!(
                "model `{}` does not do {}",
                self.name(),
                cv.task
            )));
        }
        self.check_memory(&cv)?;
        Ok(match self {
            // Too large for dense matrices: libsvm's way, kernel rows on demand into a cache.
            ModelSpec::Svc { kernel } if self.dense_kernel_bytes(&cv) > KERNEL_MEMORY_LIMIT => {
                Box::new(svc::SvcLearner::cached(
                    cv,
                    *kernel,
                    smo::kernel_cache_bytes(),
                ))
            }
            ModelSpec::Svc { kernel } => Box::new(svc::SvcLearner::new(cv, *kernel)),
            ModelSpec::Svr { kernel } if self.dense_kernel_bytes(&cv) > KERNEL_MEMORY_LIMIT => {
                Box::new(svr::SvrLearner::cached(
                    cv,
                    *kernel,
                    smo::kernel_cache_bytes(),
                ))
            }
            ModelSpec::Svr { kernel } => Box::new(svr::SvrLearner::new(cv, *kernel)),
            ModelSpec::Knn => Box::new(knn::KnnLearner::new(cv)),
            ModelSpec::KernelRidge => Box::new(ridge::RidgeLearner::new(cv)),
            ModelSpec::Logistic => Box::new(logistic::LogisticLearner::new(cv)),
            ModelSpec::Tree => Box::new(tree::TreeLearner::new(cv)),
            ModelSpec::ElasticNet => Box::new(elasticnet::ElasticNetLearner::new(cv)),
            ModelSpec::Mlp => Box::new(mlp::MlpLearner::new(cv)?),
            ModelSpec::Gbm => Box::new(gbm::GbmLearner::new(cv)),
        })
    }
}

/// The default search space of gradient boosting: the ranges practitioners search
/// (learning rate and leaf weights on a log scale; up to 300 rounds, as each costs a tree
/// per class on every split).
fn gbm_space() -> Vec<Param> {
    let float = |name: &str, low: f64, high: f64, log: bool| {
        Param::new(name, Domain::Float { low, high, log })
    };
    let int = |name: &str, low: i64, high: i64| {
        Param::new(
            name,
            Domain::Int {
                low,
                high,
                log: true,
            },
        )
    };
    vec![
        float("learning_rate", 0.01, 0.3, true),
        int("rounds", 20, 300),
        int("max_leaves", 4, 128),
        float("min_child_weight", 1e-3, 10.0, true),
        float("l2", 1e-3, 10.0, true),
        float("subsample", 0.5, 1.0, false),
        float("colsample", 0.5, 1.0, false),
    ]
}

/// The most memory the kernel models may plan to hold, in bytes: their cached inner
/// products grow with the square of the rows, so above it the SVC switches to kernel rows
/// computed on demand, and the other kernel models refuse the data up front with a clear
/// message instead of exhausting memory mid-run.
pub(crate) const KERNEL_MEMORY_LIMIT: f64 = 4e9;

impl ModelSpec {
    /// Refuse data too large for the kernel models' dense matrices (see
    /// [`KERNEL_MEMORY_LIMIT`]); the SVC takes its cached path instead.
    fn check_memory(&self, cv: &CvData) -> Result<(), ModelError> {
        if matches!(self, ModelSpec::Svc { .. } | ModelSpec::Svr { .. }) {
            return Ok(());
        }
        let bytes = self.dense_kernel_bytes(cv);
        if bytes > KERNEL_MEMORY_LIMIT {
            let largest = cv.splits.iter().map(Split::n_train).max().unwrap_or(0);
            return Err(ModelError::Invalid(format!(
                "`{}` keeps dense kernel matrices: {largest} training rows per split need about \
                 {:.1} GB (limit {:.0} GB); use fewer rows",
                self.name(),
                bytes / 1e9,
                KERNEL_MEMORY_LIMIT / 1e9
            )));
        }
        Ok(())
    }

    /// The bytes the dense kernel matrices of every split would take (0 for other models).
    pub(crate) fn dense_kernel_bytes(&self, cv: &CvData) -> f64 {
        // Per split: the inner products (f64) and test distances and products (2 × f64),
        // kept for the objective's life; per trial and split: the f32 kernel and the
        // dual's Q (SVR's has twice the variables).
        let per_trial_factor = match self {
            ModelSpec::Svc { .. } => 8.0,
            ModelSpec::Svr { .. } => 4.0 + 16.0,
            ModelSpec::KernelRidge => 16.0,
            _ => return 0.0,
        };
        cv.splits
            .iter()
            .map(|s| {
                let (n, t) = (s.n_train() as f64, s.n_test() as f64);
                8.0 * n * n + 16.0 * n * t + per_trial_factor * n * n
            })
            .sum()
    }
}

/// d prediction / d parameter for each test row, per named parameter (raw scale).
pub(crate) type PredictionJacobian = Vec<(String, Vec<f64>)>;

/// A model prepared on a set of splits, with typed hyperparameters: what each model file
/// implements. A trial's named values are decoded once into [`Model::Hyper`] (defaults
/// filled in, every value checked, as `svc::SvcParams`), then every split is fitted from
/// that struct, so nothing is looked up by name per split.
pub trait Model: Send + Sync {
    /// The decoded, checked hyperparameters of one trial.
    type Hyper: Send + Sync;

    /// Decode a trial's values; a missing, mistyped or out-of-range value is an error that
    /// names the parameter.
    fn decode(&self, params: &Params) -> Result<Self::Hyper, ModelError>;

    /// Fit split `fold`'s training rows and predict its test rows.
    fn fit_predict(&self, fold: usize, hyper: &Self::Hyper) -> Result<Predictions, ModelError>;

    /// Whether [`Model::fit_predict_with_jacobian`] gives derivatives.
    fn has_gradient(&self) -> bool {
        false
    }

    /// As [`Model::fit_predict`], with the derivative of every prediction with respect to
    /// each hyperparameter it has one for (none by default).
    fn fit_predict_with_jacobian(
        &self,
        fold: usize,
        hyper: &Self::Hyper,
    ) -> Result<(Predictions, PredictionJacobian), ModelError> {
        Ok((self.fit_predict(fold, hyper)?, Vec::new()))
    }

    /// For models trained in epochs: every split's training, to be advanced one epoch at a
    /// time (`None`, the default, for models fitted in one go).
    fn epoch_trainer(
        &self,
        hyper: &Self::Hyper,
    ) -> Option<Result<Box<dyn EpochTrainer + '_>, ModelError>> {
        let _ = hyper;
        None
    }
}

/// One trial of a model trained in epochs, every split in step, so the objective can report
/// the mean validation score after each epoch and stop when a pruner or the user says so.
/// A booster's epoch is a block of rounds (`gbm::REPORT_EVERY`).
pub trait EpochTrainer: Send {
    /// The epochs a full run trains.
    fn epochs(&self) -> usize;

    /// Train every split one more epoch (on up to `threads` threads) and predict each
    /// split's test rows, in fold order.
    fn next_epoch(&mut self, threads: usize) -> Result<Vec<Predictions>, ModelError>;
}

/// A model prepared on a set of splits, as an objective holds it whatever the model: each
/// trial's values are decoded once ([`Learner::for_trial`]) into a [`Fitter`] that fits
/// every split. Every [`Model`] is one.
pub trait Learner: Send + Sync {
    /// Decode and check a trial's hyperparameters, once for all its splits.
    fn for_trial(&self, params: &Params) -> Result<Box<dyn Fitter + '_>, ModelError>;

    /// Whether the fitters give derivatives ([`Fitter::fit_predict_with_jacobian`]).
    fn gives_gradient(&self) -> bool;
}

/// One trial's model, its hyperparameters decoded: fits any split. Shared by the fold
/// threads of one evaluation.
pub trait Fitter: Send + Sync {
    /// Fit split `fold`'s training rows and predict its test rows.
    fn fit_predict(&self, fold: usize) -> Result<Predictions, ModelError>;

    /// As [`Fitter::fit_predict`], with the derivatives the model has (see
    /// [`Model::fit_predict_with_jacobian`]).
    fn fit_predict_with_jacobian(
        &self,
        fold: usize,
    ) -> Result<(Predictions, PredictionJacobian), ModelError>;

    /// Every split's training to advance epoch by epoch, for models trained in epochs
    /// (see [`Model::epoch_trainer`]); `None` for the others.
    fn epoch_trainer(&self) -> Option<Result<Box<dyn EpochTrainer + '_>, ModelError>> {
        None
    }
}

/// A model with one trial's decoded hyperparameters.
struct Decoded<'a, M: Model> {
    model: &'a M,
    hyper: M::Hyper,
}

impl<M: Model> Fitter for Decoded<'_, M> {
    fn fit_predict(&self, fold: usize) -> Result<Predictions, ModelError> {
        self.model.fit_predict(fold, &self.hyper)
    }

    fn fit_predict_with_jacobian(
        &self,
        fold: usize,
    ) -> Result<(Predictions, PredictionJacobian), ModelError> {
        self.model.fit_predict_with_jacobian(fold, &self.hyper)
    }

    fn epoch_trainer(&self) -> Option<Result<Box<dyn EpochTrainer + '_>, ModelError>> {
        self.model.epoch_trainer(&self.hyper)
    }
}

impl<M: Model> Learner for M {
    fn for_trial(&self, params: &Params) -> Result<Box<dyn Fitter + '_>, ModelError> {
        Ok(Box::new(Decoded {
            model: self,
            hyper: self.decode(params)?,
        }))
    }

    fn gives_gradient(&self) -> bool {
        self.has_gradient()
    }
}

/// Fit one split of a trial from named values (the models' tests).
#[cfg(test)]
fn fit_fold(
    learner: &dyn Learner,
    fold: usize,
    params: &Params,
) -> Result<Predictions, ModelError> {
    learner.for_trial(params)?.fit_predict(fold)
}

/// A whole number parameter `≥ min` (counts such as `k` or `max_depth`), or `default`.
pub(crate) fn param_count(
    params: &Params,
    name: &str,
    default: usize,
    min: usize,
) -> Result<usize, ModelError> {
    let v = param_f64(params, name, Some(default as f64))?;
    if !(v >= min as f64 && v.is_finite() && v.fract() == 0.0 && v <= u32::MAX as f64) {
        return Err(ModelError::BadParam(format!(
            "{name} must be a whole number ≥ {min}, got {v}"
        )));
    }
    Ok(v as usize)
}

/// A numeric hyperparameter by name, or `default` when absent (`None`: required).
pub(crate) fn param_f64(
    params: &Params,
    name: &str,
    default: Option<f64>,
) -> Result<f64, ModelError> {
    match params.iter().find(|(n, _)| n == name) {
        Some((_, v)) => v.as_f64().ok_or_else(|| {
            ModelError::BadParam(format!("parameter `{name}`: `{v}` is not a number"))
        }),
        None => {
            default.ok_or_else(|| ModelError::BadParam(format!("parameter `{name}` is missing")))
        }
    }
}

/// A categorical hyperparameter by name, or `default` when absent.
pub(crate) fn param_choice<'a>(
    params: &'a Params,
    name: &str,
    default: &'a str,
) -> Result<&'a str, ModelError> {
    match params.iter().find(|(n, _)| n == name) {
        Some((_, Value::Cat(s))) => Ok(s.as_str()),
        Some((_, v)) => Err(ModelError::BadParam(format!(
            "parameter `{name}`: expected a choice, got `{v}`"
        ))),
        None => Ok(default),
    }
}

/// The kernel a trial asks for: `gamma` (required for RBF and poly), `degree` (default 3)
/// and `coef0` (default 0), as scikit-learn names them.
pub(crate) fn kernel_from_params(
    kind: KernelKind,
    params: &Params,
) -> Result<kernel::Kernel, ModelError> {
    Ok(match kind {
        KernelKind::Rbf => kernel::Kernel::Rbf {
            gamma: param_f64(params, "gamma", None)?,
        },
        KernelKind::Linear => kernel::Kernel::Linear,
        KernelKind::Poly => {
            let degree = param_f64(params, "degree", Some(3.0))?;
            if !((0.0..=100.0).contains(&degree) && degree.fract() == 0.0) {
                return Err(ModelError::BadParam(format!(
                    "degree must be a whole number from 0 to 100, got {degree}"
                )));
            }
            kernel::Kernel::Poly {
                gamma: param_f64(params, "gamma", None)?,
                coef0: param_f64(params, "coef0", Some(0.0))?,
                degree: degree as u32,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_ridge_refuses_data_too_large_for_dense_matrices_but_svc_and_svr_cache_rows() {
        let n = 12_000;
        let split = Split {
            x_train: vec![0.0; n],
            x_test: vec![0.0; 10],
            y_train: Predictions::Classes((0..n).map(|i| i % 2).collect()),
            y_test: Predictions::Classes(vec![0; 10]),
        };
        let cv = Arc::new(CvData {
            d: 1,
            task: Task::Classification,
            n_classes: 2,
            splits: vec![split.clone(), split],
        });
        let svc = ModelSpec::Svc {
            kernel: KernelKind::Rbf,
        };
        assert!(svc.dense_kernel_bytes(&cv) > KERNEL_MEMORY_LIMIT);
        assert!(svc.prepare(cv.clone()).is_ok());
        assert!(ModelSpec::Knn.prepare(cv).is_ok());
        let regression = Split {
            x_train: vec![0.0; n],
            x_test: vec![0.0; 10],
            y_train: Predictions::Values(vec![0.0; n]),
            y_test: Predictions::Values(vec![0.0; 10]),
        };
        let cv = Arc::new(CvData {
            d: 1,
            task: Task::Regression,
            n_classes: 0,
            splits: vec![regression.clone(), regression],
        });
        let svr = ModelSpec::Svr {
            kernel: KernelKind::Rbf,
        };
        assert!(svr.dense_kernel_bytes(&cv) > KERNEL_MEMORY_LIMIT);
        assert!(svr.prepare(cv.clone()).is_ok());
        let err = ModelSpec::KernelRidge
            .prepare(cv.clone())
            .err()
            .map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("GB")), "{err:?}");
    }

    #[test]
    fn hyperparameters_decode_once_with_defaults_and_errors_name_the_parameter() {
        use crate::space::Value;
        let named = |pairs: &[(&str, Value)]| -> Params {
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect()
        };
        let knn = knn::KnnParams::decode(&named(&[])).unwrap();
        assert_eq!((knn.k, knn.distance), (5, false));
        let tree = tree::TreeParams::decode(&named(&[("max_depth", Value::Int(0))])).unwrap();
        assert_eq!(tree.max_depth, None);
        assert_eq!((tree.min_samples_split, tree.min_samples_leaf), (2, 1));
        let svr = svr::SvrParams::decode(KernelKind::Linear, &named(&[("C", Value::Float(2.0))]))
            .unwrap();
        assert_eq!((svr.c, svr.epsilon), (2.0, 0.1));
        let error = |e: Result<(), ModelError>| e.err().map(|e| e.to_string()).unwrap_or_default();
        let cases = [
            (
                error(svc::SvcParams::decode(KernelKind::Rbf, &named(&[])).map(|_| ())),
                "`C`",
            ),
            (
                error(
                    svc::SvcParams::decode(
                        KernelKind::Rbf,
                        &named(&[("C", Value::Float(1.0)), ("gamma", Value::Float(f64::NAN))]),
                    )
                    .map(|_| ()),
                ),
                "gamma",
            ),
            (
                error(knn::KnnParams::decode(&named(&[("k", Value::Float(2.5))])).map(|_| ())),
                "k must be",
            ),
            (
                error(
                    tree::TreeParams::decode(&named(&[("criterion", Value::Cat("gain".into()))]))
                        .map(|_| ()),
                ),
                "criterion",
            ),
            (
                error(
                    ridge::RidgeParams::decode(&named(&[("gamma", Value::Float(-1.0))]))
                        .map(|_| ()),
                ),
                "gamma",
            ),
            (
                error(
                    logistic::LogisticParams::decode(&named(&[("alpha", Value::Cat("x".into()))]))
                        .map(|_| ()),
                ),
                "`alpha`",
            ),
            (
                error(
                    elasticnet::ElasticNetParams::decode(&named(&[(
                        "l1_ratio",
                        Value::Float(2.0),
                    )]))
                    .map(|_| ()),
                ),
                "l1_ratio",
            ),
        ];
        for (message, name) in cases {
            assert!(message.contains(name), "{message:?} should name {name}");
        }
    }

    #[test]
    fn names_parse_and_default_spaces_fit_the_model() {
        for (name, _) in ModelSpec::NAMES {
            let spec = ModelSpec::from_name(name, None).unwrap();
            assert_eq!(spec.name(), *name);
            assert!(spec.default_space().dim() >= 1, "{name}");
        }
        let poly = ModelSpec::from_name("svc", Some(KernelKind::Poly)).unwrap();
        let names: Vec<String> = poly
            .default_space()
            .params()
            .iter()
            .map(|p| p.name.clone())
            .collect();
        assert_eq!(names, ["C", "gamma", "degree", "coef0"]);
        assert!(ModelSpec::from_name("knn", Some(KernelKind::Rbf)).is_err());
        assert!(ModelSpec::from_name("forest", None).is_err());
    }
}
