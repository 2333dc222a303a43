//! Objectives: what a trial evaluates.
//!
//! An objective takes a full parameter assignment and returns a value (or an error that
//! fails the trial). [`ObjectiveSpec`] is the serialisable description a session stores;
//! [`ObjectiveSpec::build`] turns it into a live [`Objective`] (loading data, for instance).

pub mod boundary;
mod command;
mod model;
mod synthetic;

pub use command::{CommandObjective, split_words};
pub use model::{DataShape, DatasetSource, FoldSpec, ModelObjective, ModelTask};
pub use synthetic::{Synthetic, SyntheticFn};

use crate::space::{Params, Space};
use crate::study::Direction;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The result of one successful evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// The objective value.
    pub value: f64,
    /// Per-fold scores, for cross-validated objectives.
    pub folds: Vec<f64>,
    /// d value / d parameter for each parameter named, on the parameter's raw scale, where
    /// asked for and available. The runner carries it into the unit cube.
    pub gradient: Option<Vec<(String, f64)>>,
    /// Seconds spent fitting models, for objectives that fit any.
    pub fit_seconds: Option<f64>,
}

impl Evaluation {
    /// A bare value.
    pub fn value(value: f64) -> Self {
        Evaluation {
            value,
            ..Evaluation::default()
        }
    }
}

/// Why an evaluation failed; the message becomes the trial's failure reason.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ObjectiveError {
    /// A parameter the objective needs is absent or of the wrong kind.
    #[error("parameter `{name}`: {reason}")]
    BadParam { name: String, reason: String },
    /// The evaluation ran and failed (a model that would not fit, a command that exited 1).
    #[error("{0}")]
    Failed(String),
}

/// Something that maps parameters to a value.
pub trait Objective: Send + Sync {
    /// Evaluate at `params`; compute the gradient too when `want_gradient` and possible.
    fn evaluate(&self, params: &Params, want_gradient: bool) -> Result<Evaluation, ObjectiveError>;

    /// The space to search when the user names none.
    fn default_space(&self) -> Space;

    /// Whether larger or smaller values are better by nature (accuracy vs loss).
    fn direction(&self) -> Direction;

    /// The global minimum, where known, so plots and benchmarks can show regret.
    fn known_minimum(&self) -> Option<f64> {
        None
    }

    /// Whether `evaluate` can return a gradient.
    fn has_gradient(&self) -> bool {
        false
    }
}

/// Why an objective could not be built.
#[derive(Debug, Error)]
pub enum BuildError {
    /// An unknown objective name.
    #[error("unknown objective `{name}` (known: {known})")]
    Unknown { name: String, known: String },
    /// A setting the objective cannot take.
    #[error("{0}")]
    Invalid(String),
}

/// A serialisable description of an objective, as a session stores it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ObjectiveSpec {
    /// A synthetic test function with a known minimum.
    Synthetic {
        /// Which function.
        function: SyntheticFn,
        /// Its dimension, for the functions defined in any dimension.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dims: Option<usize>,
    },
    /// A model tuned by cross-validation on a dataset (see [`ModelTask`] for the fields).
    Model {
        /// The data.
        dataset: DatasetSource,
        /// The target column; `None` is the last column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        /// The task; `None` infers it from the target column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task: Option<crate::data::Task>,
        /// The model and its fixed settings (the kernel).
        model: crate::models::ModelSpec,
        /// The score; `None` is accuracy (classification) or R² (regression).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metric: Option<crate::models::Metric>,
        /// The cross-validation splits.
        folds: FoldSpec,
    },
    /// An external command run once per trial (see [`CommandObjective`]).
    Command {
        /// The command line; parameters are appended as `--name value`.
        command: String,
        /// Seconds before a trial's command is killed and the trial failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trial_timeout: Option<f64>,
    },
}

impl Default for ObjectiveSpec {
    fn default() -> Self {
        ObjectiveSpec::Synthetic {
            function: SyntheticFn::Branin,
            dims: None,
        }
    }
}

impl ObjectiveSpec {
    /// The objective named on the command line (`--objective branin`).
    pub fn from_name(name: &str) -> Result<Self, BuildError> {
        let function = SyntheticFn::from_name(name).ok_or_else(|| BuildError::Unknown {
            name: name.to_owned(),
            known: SyntheticFn::ALL
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        Ok(ObjectiveSpec::Synthetic {
            function,
            dims: None,
        })
    }

    /// Load whatever the objective needs and make it ready to evaluate.
    pub fn build(&self) -> Result<Box<dyn Objective>, BuildError> {
        match self {
            ObjectiveSpec::Synthetic { function, dims } => {
                Ok(Box::new(Synthetic::new(*function, *dims)?))
            }
            ObjectiveSpec::Command {
                command,
                trial_timeout,
            } => Ok(Box::new(CommandObjective::new(command, *trial_timeout)?)),
            ObjectiveSpec::Model { .. } => match self.model_task() {
                Some(task) => Ok(Box::new(task.build()?)),
                None => Err(BuildError::Invalid("not a model objective".into())),
            },
        }
    }

    /// A short label for titles and tables.
    pub fn label(&self) -> String {
        match self {
            ObjectiveSpec::Synthetic { function, dims } => match dims {
                Some(d) if function.fixed_dims().is_none() => {
                    format!("{} ({d}-D)", function.name())
                }
                _ => function.name().to_owned(),
            },
            ObjectiveSpec::Model { .. } => self.model_task().map(|t| t.label()).unwrap_or_default(),
            ObjectiveSpec::Command { command, .. } => format!("`{command}`"),
        }
    }

    /// A model objective from its task description.
    pub fn from_model_task(t: ModelTask) -> Self {
        ObjectiveSpec::Model {
            dataset: t.dataset,
            target: t.target,
            task: t.task,
            model: t.model,
            metric: t.metric,
            folds: t.folds,
        }
    }

    /// The fields of a model objective as a [`ModelTask`] (`None` for other objectives).
    pub fn model_task(&self) -> Option<ModelTask> {
        match self {
            ObjectiveSpec::Model {
                dataset,
                target,
                task,
                model,
                metric,
                folds,
            } => Some(ModelTask {
                dataset: dataset.clone(),
                target: target.clone(),
                task: *task,
                model: model.clone(),
                metric: *metric,
                folds: folds.clone(),
            }),
            _ => None,
        }
    }
}

/// Read a numeric parameter by name; objectives use it to pull their inputs.
pub fn numeric(params: &Params, name: &str) -> Result<f64, ObjectiveError> {
    let value = params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .ok_or_else(|| ObjectiveError::BadParam {
            name: name.to_owned(),
            reason: "missing".into(),
        })?;
    value.as_f64().ok_or_else(|| ObjectiveError::BadParam {
        name: name.to_owned(),
        reason: format!("`{value}` is not a number"),
    })
}
