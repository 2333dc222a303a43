//! Objectives: what a trial evaluates.
//!
//! An objective takes a full parameter assignment and returns a value (or an error that
//! fails the trial). [`ObjectiveSpec`] is the serialisable description a session stores;
//! [`ObjectiveSpec::build`] turns it into a live [`Objective`] (loading data, for instance).

pub mod boundary;
mod command;
pub mod consent;
mod model;
mod process;
pub mod robust;
mod synthetic;

pub use command::{CommandObjective, GRACE_SECONDS, split_words};
pub use model::{DataShape, DatasetSource, FoldSpec, ModelObjective, ModelTask};
pub use process::terminate_all;
pub use synthetic::{Synthetic, SyntheticFn};

use crate::space::{Params, Space};
use crate::study::{AttrValue, Direction, Intermediate, Resources};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
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
    /// Values reported while the evaluation ran (a script's learning curve).
    pub intermediate: Vec<Intermediate>,
    /// Attributes the evaluation reported about itself.
    pub attrs: BTreeMap<String, AttrValue>,
    /// What the evaluation cost, where measured.
    pub resources: Option<Resources>,
}

/// Called with `(step, value)` as a running trial reports an intermediate value, so the
/// runner can stream a learning curve while the trial is still running; the answer says
/// whether the trial should go on (a pruner may stop a hopeless one).
pub(crate) type ProgressFn = Arc<dyn Fn(u64, f64) -> Verdict + Send + Sync>;

/// What a running trial hears back when it reports an intermediate value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on training.
    Continue,
    /// Stop now and return [`ObjectiveError::Pruned`]: the trial is not worth finishing.
    Prune,
}

/// What an evaluation may know about the trial it serves and how it is steered: external
/// commands get the trial number and study name, stream intermediate values, and stop
/// early when the user presses Stop.
#[derive(Clone)]
pub struct TrialContext {
    /// The trial's number in its study.
    pub number: usize,
    /// The study's name.
    pub study: String,
    /// Set when the run is stopped: an evaluation that can should give up at once and
    /// return [`ObjectiveError::Cancelled`].
    pub cancel: Arc<AtomicBool>,
    /// Where intermediate values go, if anyone listens.
    pub progress: Option<ProgressFn>,
}

impl TrialContext {
    /// Reports an intermediate value (a training epoch's validation score) and says whether
    /// to go on. Nobody listening means go on.
    pub fn report(&self, step: u64, value: f64) -> Verdict {
        match &self.progress {
            Some(progress) => progress(step, value),
            None => Verdict::Continue,
        }
    }

    /// Whether the run was stopped, so a long evaluation can give up between epochs.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A context nobody steers or listens to: trial 0, no name, never cancelled.
    pub fn detached() -> Self {
        TrialContext {
            number: 0,
            study: String::new(),
            cancel: Arc::new(AtomicBool::new(false)),
            progress: None,
        }
    }
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

/// What a failed evaluation left behind: the intermediate values and attributes it reported
/// and what it cost, kept on the failed trial (whatever order the runner heard them in).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partial {
    /// Intermediate values reported before the failure, in order.
    pub intermediate: Vec<Intermediate>,
    /// Attributes reported before the failure.
    pub attrs: BTreeMap<String, AttrValue>,
    /// What the evaluation cost, where measured.
    pub resources: Option<Resources>,
}

/// Why an evaluation failed; the message becomes the trial's failure reason.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ObjectiveError {
    /// A parameter the objective needs is absent or of the wrong kind.
    #[error("parameter `{name}`: {reason}")]
    BadParam {
        /// The parameter's name.
        name: String,
        /// What is wrong with it (missing, or not a number).
        reason: String,
    },
    /// The evaluation ran and failed (a model that would not fit, a command that exited 1).
    #[error("{0}")]
    Failed(String),
    /// The evaluation ran and failed after reporting or measuring something (an external
    /// command that printed three epochs, then exited 1 after a minute and 3 GiB): the
    /// trial keeps that beside the reason, since the trial that ran out of time or memory
    /// is the one to look at.
    #[error("{reason}")]
    FailedAfter {
        /// Why it failed, as [`ObjectiveError::Failed`] says it.
        reason: String,
        /// What it reported and cost before it failed.
        partial: Box<Partial>,
    },
    /// The run was stopped while the evaluation ran; the trial has no result and is asked
    /// again when the study resumes.
    #[error("stopped before the trial finished")]
    Cancelled,
    /// A pruner stopped the trial after it reported `value` at `step`: recorded as pruned,
    /// with its last value, not as a failure.
    #[error("pruned at step {step} (last value {value})")]
    Pruned {
        /// The step (epoch, boosting round) of the last reported value.
        step: u64,
        /// The last value reported, kept as the trial's value.
        value: f64,
    },
}

/// Something that maps parameters to a value.
pub trait Objective: Send + Sync {
    /// Evaluate at `params`; compute the gradient too when `want_gradient` and possible.
    fn evaluate(&self, params: &Params, want_gradient: bool) -> Result<Evaluation, ObjectiveError>;

    /// Evaluate as trial `context.number` of a run: what the runner calls. Objectives that
    /// can report progress or be stopped midway (external commands) override it; the others
    /// evaluate as usual.
    fn evaluate_in(
        &self,
        params: &Params,
        want_gradient: bool,
        context: &TrialContext,
    ) -> Result<Evaluation, ObjectiveError> {
        let _ = context;
        self.evaluate(params, want_gradient)
    }

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
    Unknown {
        /// The name asked for.
        name: String,
        /// The known objectives' names, comma-separated, so the user can pick one.
        known: String,
    },
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
        /// Column roles and kinds, gap filling and subsampling (absent in older sessions).
        #[serde(default, skip_serializing_if = "crate::data::DataSpec::is_default")]
        data: crate::data::DataSpec,
        /// Further datasets and their aggregate, for robust tuning (absent: one dataset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        robust: Option<robust::Robust>,
    },
    /// An external command run once per trial (see [`CommandObjective`]).
    Command {
        /// The command line; parameters are appended as `--name value`.
        command: String,
        /// Seconds before a trial's command is killed and the trial failed (default
        /// `DEFAULT_TRIAL_TIMEOUT_SECONDS`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trial_timeout: Option<f64>,
        /// The folder the command runs in; a session's own folder when opened from one
        /// (relative folders are relative to the session), else the current folder.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        workdir: Option<PathBuf>,
    },
    /// An objective Knobs does not know: a study another tool (Optuna) wrote, whose trials
    /// can be shown, questioned and saved but never evaluated. Kept in the study, and so in
    /// a saved session, so that reopening it can never quietly run some other function on
    /// its space.
    Unknown {
        /// Who wrote the study ("Optuna"), for the message that refuses to run it.
        written_by: String,
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
                workdir,
            } => Ok(Box::new(
                CommandObjective::new(command, *trial_timeout)?.in_folder(workdir.clone()),
            )),
            ObjectiveSpec::Unknown { written_by } => Err(BuildError::Invalid(format!(
                "the study was written by {written_by}: its objective is unknown, so its trials \
                 can be shown but not run (start a new study on its space to tune it here)"
            ))),
            ObjectiveSpec::Model { .. } => match self.model_task() {
                Some(task) if task.robust.is_some() => Ok(Box::new(task.build_robust()?)),
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
            ObjectiveSpec::Unknown { written_by } => format!("unknown (written by {written_by})"),
        }
    }

    /// The same objective with its files found from `folder` (a session's folder): relative
    /// dataset, fold and working-folder paths are joined to it, and a command with no
    /// working folder runs in it. What a session opened from anywhere needs.
    pub fn rebased(&self, folder: &Path) -> ObjectiveSpec {
        let join = |p: &Path| {
            if p.is_absolute() {
                p.to_owned()
            } else {
                folder.join(p)
            }
        };
        let mut spec = self.clone();
        match &mut spec {
            ObjectiveSpec::Synthetic { .. } | ObjectiveSpec::Unknown { .. } => {}
            ObjectiveSpec::Model {
                dataset,
                folds,
                robust,
                ..
            } => {
                if let DatasetSource::File(p) = dataset {
                    *p = join(p);
                }
                for d in robust.iter_mut().flat_map(|r| r.also.iter_mut()) {
                    if let DatasetSource::File(p) = d {
                        *p = join(p);
                    }
                }
                if let FoldSpec::File(p) = folds {
                    *p = join(p);
                }
            }
            ObjectiveSpec::Command { workdir, .. } => {
                *workdir = Some(workdir.as_deref().map_or_else(|| folder.to_owned(), join));
            }
        }
        spec
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
            data: t.data,
            robust: t.robust,
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
                data,
                robust,
            } => Some(ModelTask {
                dataset: dataset.clone(),
                target: target.clone(),
                task: *task,
                model: model.clone(),
                metric: *metric,
                folds: folds.clone(),
                data: data.clone(),
                robust: robust.clone(),
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
