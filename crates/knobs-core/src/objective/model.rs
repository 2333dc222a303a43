//! Tuning a model on a dataset: the objective is the mean of a metric over
//! cross-validation splits, each split standardised on its training rows (the anchors'
//! definition, so Knobs' values compare with scikit-learn's `cross_val_score`).

use super::{BuildError, Evaluation, Objective, ObjectiveError, TrialContext, Verdict};
use crate::data::{DataSpec, Dataset, Folds, LoadOptions, LoadProgress, Target, Task};
use crate::models::estimate::{TrialCost, estimate};
use crate::models::{CvData, EpochTrainer, Fitter, Learner, Metric, ModelSpec, Predictions};
use crate::space::{Params, Space};
use crate::study::{Direction, Intermediate};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Where the data comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DatasetSource {
    /// One of the datasets compiled into Knobs (`moons`, `digits`, …).
    Bundled(String),
    /// A CSV file with a header row.
    File(PathBuf),
}

impl DatasetSource {
    /// A bundled name if it is one, else a file path (what `--dataset` takes).
    pub fn from_arg(arg: &str) -> DatasetSource {
        if crate::data::BUNDLED.contains(&arg) {
            DatasetSource::Bundled(arg.to_owned())
        } else {
            DatasetSource::File(PathBuf::from(arg))
        }
    }

    /// The name shown in labels: the bundled name or the file name.
    pub fn label(&self) -> String {
        match self {
            DatasetSource::Bundled(name) => name.clone(),
            DatasetSource::File(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
        }
    }
}

/// How the rows are split for cross-validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FoldSpec {
    /// The reference folds bundled with a dataset (the anchors' splits), by dataset name.
    Bundled(String),
    /// `k` folds drawn with `seed` (stratified for classification).
    KFold {
        /// How many folds.
        k: usize,
        /// The seed the folds are drawn with, so the same seed gives the same folds.
        seed: u64,
    },
    /// An `index,fold` file.
    File(PathBuf),
}

impl FoldSpec {
    /// The default for a dataset: its bundled reference folds if it is bundled (so results
    /// match the anchors), else 5 stratified folds with seed 0.
    pub fn default_for(dataset: &DatasetSource) -> FoldSpec {
        match dataset {
            DatasetSource::Bundled(name) => FoldSpec::Bundled(name.clone()),
            DatasetSource::File(_) => FoldSpec::KFold { k: 5, seed: 0 },
        }
    }

    /// Parse `--folds K|FILE`.
    pub fn from_arg(arg: &str) -> FoldSpec {
        match arg.parse::<usize>() {
            Ok(k) => FoldSpec::KFold { k, seed: 0 },
            Err(_) => FoldSpec::File(PathBuf::from(arg)),
        }
    }
}

/// The serialisable description of a model-tuning objective (the fields of
/// [`super::ObjectiveSpec::Model`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelTask {
    /// The data.
    pub dataset: DatasetSource,
    /// The target column; `None` is the last column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The task; `None` infers it from the target column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// The model and its fixed settings.
    pub model: ModelSpec,
    /// The score; `None` is accuracy for classification and R² for regression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    /// The splits.
    pub folds: FoldSpec,
    /// Column roles and kinds, gap filling and subsampling (stored with the study so a
    /// resumed or re-run study prepares its data identically).
    #[serde(default, skip_serializing_if = "DataSpec::is_default")]
    pub data: DataSpec,
    /// Further datasets and the aggregate, when one configuration is tuned for several
    /// datasets at once ([`super::robust`]); `None` is an ordinary single-dataset task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub robust: Option<super::robust::Robust>,
}

impl ModelTask {
    /// A task with the defaults for everything but the data and the model.
    pub fn new(dataset: DatasetSource, model: ModelSpec) -> ModelTask {
        let folds = FoldSpec::default_for(&dataset);
        ModelTask {
            dataset,
            target: None,
            task: None,
            model,
            metric: None,
            folds,
            data: DataSpec::default(),
            robust: None,
        }
    }

    /// `svc on moons`, with the metric where it is not the default.
    pub fn label(&self) -> String {
        let mut s = format!("{} on {}", self.model.label(), self.dataset.label());
        if let Some(r) = &self.robust {
            for d in &r.also {
                s.push_str(&format!("+{}", d.label()));
            }
            s.push_str(&format!(" [{}", r.aggregate.name()));
            if r.repeats > 1 {
                s.push_str(&format!(", {} splits each", r.repeats));
            }
            s.push(']');
        }
        if let Some(m) = self.metric {
            s.push_str(&format!(" ({})", m.name()));
        }
        s
    }

    /// How the task reads its CSV file: target, task and column roles.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            target: self.target.clone(),
            task: self.task,
            ignore: self.data.ignore.clone(),
            categorical: self.data.categorical.clone(),
        }
    }

    /// Load the data with the task's target column, task and column roles, and keep the
    /// subsample's rows if the task tunes on one.
    pub fn dataset(&self) -> Result<Dataset, BuildError> {
        self.dataset_with_progress(&mut |_| {})
    }

    /// [`ModelTask::dataset`], telling `progress` how far the file has been read.
    pub(crate) fn dataset_with_progress(
        &self,
        progress: &mut dyn FnMut(LoadProgress),
    ) -> Result<Dataset, BuildError> {
        let full = self.full_dataset(progress)?;
        let Some(sub) = self.data.subsample else {
            return Ok(full);
        };
        let rows = sub
            .rows(full.target())
            .map_err(|e| BuildError::Invalid(format!("--subsample: {e}")))?;
        full.select_rows(&rows)
            .map_err(|e| BuildError::Invalid(e.to_string()))
    }

    /// Every row of the data, as the file (or bundle) has it.
    fn full_dataset(&self, progress: &mut dyn FnMut(LoadProgress)) -> Result<Dataset, BuildError> {
        let options = self.load_options();
        match &self.dataset {
            DatasetSource::Bundled(name) => {
                if options != LoadOptions::default() {
                    return Err(BuildError::Invalid(format!(
                        "a target column, a task and column roles apply to CSV files; `{name}` is bundled"
                    )));
                }
                Dataset::bundled(name)
            }
            DatasetSource::File(path) => Dataset::from_path_with_progress(path, &options, progress),
        }
        .map_err(|e| BuildError::Invalid(e.to_string()))
    }

    /// What one trial will roughly need with `jobs` trials at once (see
    /// [`crate::models::estimate`]), from the data's shape and the number of splits.
    pub fn trial_cost(&self, jobs: usize) -> Result<TrialCost, BuildError> {
        Ok(self.data_shape()?.trial_cost(&self.model, jobs))
    }

    /// Load the data and the folds for what the cost estimate needs of them, so a caller
    /// can do the loading once (the window does it off its UI thread) and estimate for any
    /// number of worker threads.
    pub fn data_shape(&self) -> Result<DataShape, BuildError> {
        let dataset = self.dataset()?;
        self.shape_of(&dataset)
    }

    /// [`ModelTask::data_shape`] of data already loaded.
    pub(crate) fn shape_of(&self, dataset: &Dataset) -> Result<DataShape, BuildError> {
        let folds = match &self.folds {
            FoldSpec::KFold { k, .. } => *k,
            FoldSpec::Bundled(name) => Folds::bundled(name, dataset.n_samples())
                .map_err(|e| BuildError::Invalid(e.to_string()))?
                .k(),
            FoldSpec::File(path) => Folds::from_path(path, dataset.n_samples())
                .map_err(|e| BuildError::Invalid(e.to_string()))?
                .k(),
        };
        let classes = match dataset.target() {
            Target::Classes(c) => c.n_classes(),
            Target::Values(_) => 0,
        };
        Ok(DataShape {
            rows: dataset.n_samples(),
            features: dataset.n_features(),
            folds,
            classes,
        })
    }

    /// Load the data, draw or read the folds and prepare every split.
    pub fn build(&self) -> Result<ModelObjective, BuildError> {
        self.build_with_progress(&mut |_| {})
    }

    /// [`ModelTask::build`], telling `progress` how far the file has been read.
    pub fn build_with_progress(
        &self,
        progress: &mut dyn FnMut(LoadProgress),
    ) -> Result<ModelObjective, BuildError> {
        let dataset = self.dataset_with_progress(progress)?;
        self.build_on(&dataset)
    }

    /// Draw or read the folds of data already loaded (by [`ModelTask::dataset`]) and
    /// prepare every split.
    pub(crate) fn build_on(&self, dataset: &Dataset) -> Result<ModelObjective, BuildError> {
        let invalid = |e: &dyn std::fmt::Display| BuildError::Invalid(e.to_string());
        let task = dataset.task();
        let metric = self.metric.unwrap_or(Metric::default_for(task));
        if metric.task() != task {
            return Err(BuildError::Invalid(format!(
                "metric `{}` is for {}, but `{}` is a {} dataset",
                metric.name(),
                metric.task(),
                dataset.name(),
                task
            )));
        }
        // Drawn folds and the splits are checked against the data: their errors name the
        // data file ("iris.csv: stratified k-fold: 2 rows cannot fill 5 folds"); a fold
        // file's errors name the fold file already.
        let data_file = match &self.dataset {
            DatasetSource::Bundled(name) => format!("{name} (bundled)"),
            DatasetSource::File(path) => path.display().to_string(),
        };
        let in_data = |e: &dyn std::fmt::Display| BuildError::Invalid(format!("{data_file}: {e}"));
        let folds = match &self.folds {
            FoldSpec::Bundled(name) => {
                Folds::bundled(name, dataset.n_samples()).map_err(|e| invalid(&e))
            }
            FoldSpec::KFold { k, seed } => {
                Folds::for_dataset(dataset, *k, *seed).map_err(|e| in_data(&e))
            }
            FoldSpec::File(path) => {
                Folds::from_path(path, dataset.n_samples()).map_err(|e| invalid(&e))
            }
        }?;
        if self.data.subsample.is_some() && !matches!(self.folds, FoldSpec::KFold { .. }) {
            return Err(BuildError::Invalid(
                "a subsample draws its own folds: use --folds K with --subsample".into(),
            ));
        }
        let prep = self.data.prep(self.model.encoding());
        let cv = Arc::new(CvData::with_prep(dataset, &folds, &prep).map_err(|e| in_data(&e))?);
        let learner = self.model.prepare(cv.clone()).map_err(|e| invalid(&e))?;
        Ok(ModelObjective {
            cv,
            learner,
            metric,
            space: self.model.default_space(),
            fold_threads: 1,
        })
    }
}

/// What the run-cost estimate needs of a task's data (see [`ModelTask::data_shape`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataShape {
    /// Number of rows.
    pub rows: usize,
    /// Feature columns.
    pub features: usize,
    /// Number of splits.
    pub folds: usize,
    /// Number of classes; 0 for regression.
    pub classes: usize,
}

impl DataShape {
    /// What one trial of `model` on this data will roughly need with `jobs` trials at once.
    pub fn trial_cost(&self, model: &ModelSpec, jobs: usize) -> TrialCost {
        estimate(
            model,
            self.rows,
            self.features,
            self.folds,
            self.classes,
            jobs,
        )
    }
}

/// A model-tuning objective ready to evaluate.
pub struct ModelObjective {
    cv: Arc<CvData>,
    learner: Box<dyn Learner>,
    metric: Metric,
    space: Space,
    fold_threads: usize,
}

/// One split's outcome: score and d score / d parameter.
type FoldOutcome = (f64, Option<Vec<(String, f64)>>);

impl ModelObjective {
    /// Fit the splits on up to `threads` threads within one evaluation (default 1: the
    /// runner already runs trials in parallel).
    pub fn with_fold_threads(mut self, threads: usize) -> ModelObjective {
        self.fold_threads = threads.max(1);
        self
    }

    /// The metric being scored.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    fn fold(
        &self,
        fitter: &dyn Fitter,
        fold: usize,
        want_gradient: bool,
    ) -> Result<FoldOutcome, String> {
        let truth = &self.cv.splits[fold].y_test;
        let with_gradient = want_gradient && self.learner.gives_gradient();
        let (predicted, jacobian) = if with_gradient {
            fitter.fit_predict_with_jacobian(fold)
        } else {
            fitter.fit_predict(fold).map(|p| (p, Vec::new()))
        }
        .map_err(|e| e.to_string())?;
        let score = self
            .metric
            .score(truth, &predicted)
            .map_err(|e| e.to_string())?;
        let gradient = match (&predicted, truth, with_gradient) {
            (Predictions::Values(p), Predictions::Values(t), true) => {
                self.metric.gradient(t, p).map(|dscore| {
                    jacobian
                        .iter()
                        .map(|(name, dp)| {
                            let g = dscore.iter().zip(dp).map(|(a, b)| a * b).sum();
                            (name.clone(), g)
                        })
                        .collect()
                })
            }
            _ => None,
        };
        Ok((score, gradient))
    }

    /// Train every split in step, reporting the mean validation score after each epoch
    /// (step 1 is the first epoch) and stopping when the context prunes or cancels the
    /// trial. The trial's value is the last epoch's mean.
    fn train_in_epochs(
        &self,
        mut trainer: Box<dyn EpochTrainer + '_>,
        context: &TrialContext,
        started: Instant,
    ) -> Result<Evaluation, ObjectiveError> {
        let mut intermediate = Vec::with_capacity(trainer.epochs());
        let mut folds = Vec::new();
        let threads = self.fold_threads.min(self.cv.splits.len());
        for epoch in 1..=trainer.epochs() as u64 {
            if context.is_cancelled() {
                return Err(ObjectiveError::Cancelled);
            }
            let predictions = trainer
                .next_epoch(threads)
                .map_err(|e| ObjectiveError::Failed(e.to_string()))?;
            folds = predictions
                .iter()
                .zip(&self.cv.splits)
                .enumerate()
                .map(|(f, (p, split))| {
                    self.metric
                        .score(&split.y_test, p)
                        .map_err(|e| ObjectiveError::Failed(format!("fold {f}: {e}")))
                })
                .collect::<Result<Vec<f64>, _>>()?;
            let value = folds.iter().sum::<f64>() / folds.len().max(1) as f64;
            if !value.is_finite() {
                return Err(ObjectiveError::Failed(format!(
                    "epoch {epoch}: the mean {} is not finite",
                    self.metric.name()
                )));
            }
            intermediate.push(Intermediate { step: epoch, value });
            if context.report(epoch, value) == Verdict::Prune {
                return Err(ObjectiveError::Pruned { step: epoch, value });
            }
        }
        let Some(last) = intermediate.last() else {
            return Err(ObjectiveError::Failed("no epochs to train".into()));
        };
        Ok(Evaluation {
            value: last.value,
            folds,
            fit_seconds: Some(started.elapsed().as_secs_f64()),
            intermediate,
            ..Evaluation::default()
        })
    }
}

impl Objective for ModelObjective {
    fn evaluate(&self, params: &Params, want_gradient: bool) -> Result<Evaluation, ObjectiveError> {
        self.evaluate_in(params, want_gradient, &TrialContext::detached())
    }

    fn evaluate_in(
        &self,
        params: &Params,
        want_gradient: bool,
        context: &TrialContext,
    ) -> Result<Evaluation, ObjectiveError> {
        let started = Instant::now();
        // The trial's hyperparameters are decoded and checked once, for every split.
        let fitter = self
            .learner
            .for_trial(params)
            .map_err(|e| ObjectiveError::Failed(e.to_string()))?;
        let fitter = fitter.as_ref();
        if let Some(trainer) = fitter.epoch_trainer() {
            let trainer = trainer.map_err(|e| ObjectiveError::Failed(e.to_string()))?;
            return self.train_in_epochs(trainer, context, started);
        }
        let k = self.cv.splits.len();
        let mut outcomes: Vec<Option<Result<FoldOutcome, String>>> = vec![None; k];
        let threads = self.fold_threads.min(k);
        if threads <= 1 {
            for (f, slot) in outcomes.iter_mut().enumerate() {
                *slot = Some(self.fold(fitter, f, want_gradient));
            }
        } else {
            let next = AtomicUsize::new(0);
            let done: Vec<Vec<(usize, Result<FoldOutcome, String>)>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        s.spawn(|| {
                            let mut mine = Vec::new();
                            loop {
                                let f = next.fetch_add(1, Ordering::Relaxed);
                                if f >= k {
                                    break mine;
                                }
                                mine.push((f, self.fold(fitter, f, want_gradient)));
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            vec![(usize::MAX, Err("a fold's fit panicked".into()))]
                        })
                    })
                    .collect()
            });
            for (f, r) in done.into_iter().flatten() {
                match outcomes.get_mut(f) {
                    Some(slot) => *slot = Some(r),
                    None => return Err(ObjectiveError::Failed(r.err().unwrap_or_default())),
                }
            }
        }
        let mut folds = Vec::with_capacity(k);
        let mut gradient: Option<Vec<(String, f64)>> = None;
        let mut all_gradients = want_gradient;
        for (f, outcome) in outcomes.into_iter().enumerate() {
            let (score, g) = outcome
                .unwrap_or_else(|| Err("not evaluated".into()))
                .map_err(|e| ObjectiveError::Failed(format!("fold {f}: {e}")))?;
            folds.push(score);
            match (g, &mut gradient) {
                (Some(g), None) => gradient = Some(g),
                (Some(g), Some(acc)) => {
                    for ((_, a), (_, b)) in acc.iter_mut().zip(g) {
                        *a += b;
                    }
                }
                (None, _) => all_gradients = false,
            }
        }
        let value = folds.iter().sum::<f64>() / k as f64;
        if !value.is_finite() {
            return Err(ObjectiveError::Failed(format!(
                "the mean {} is not finite",
                self.metric.name()
            )));
        }
        let gradient = gradient.filter(|_| all_gradients).map(|g| {
            g.into_iter()
                .map(|(name, total)| (name, total / k as f64))
                .collect()
        });
        Ok(Evaluation {
            value,
            folds,
            gradient,
            fit_seconds: Some(started.elapsed().as_secs_f64()),
            ..Evaluation::default()
        })
    }

    fn default_space(&self) -> Space {
        self.space.clone()
    }

    fn direction(&self) -> Direction {
        self.metric.direction()
    }

    fn has_gradient(&self) -> bool {
        self.learner.gives_gradient()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::KernelKind;
    use crate::space::Value;

    fn p(pairs: &[(&str, f64)]) -> Params {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), Value::Float(*v)))
            .collect()
    }

    #[test]
    fn svc_on_moons_scores_per_fold_and_threads_change_nothing() {
        let task = ModelTask::new(
            DatasetSource::Bundled("moons".into()),
            ModelSpec::Svc {
                kernel: KernelKind::Rbf,
            },
        );
        assert_eq!(task.folds, FoldSpec::Bundled("moons".into()));
        let one = task.build().unwrap();
        let two = task.build().unwrap().with_fold_threads(2);
        assert_eq!(one.direction(), Direction::Maximize);
        assert_eq!(one.default_space().dim(), 2);
        let params = p(&[("C", 10.0), ("gamma", 1.0)]);
        let a = one.evaluate(&params, false).unwrap();
        let b = two.evaluate(&params, false).unwrap();
        assert_eq!(a.folds.len(), 5);
        assert_eq!(a.value, a.folds.iter().sum::<f64>() / 5.0);
        assert_eq!((a.value, &a.folds), (b.value, &b.folds));
        assert!(a.fit_seconds.is_some());
        assert!(a.gradient.is_none());
        // A bad value fails the trial instead of panicking.
        assert!(
            one.evaluate(&p(&[("C", -1.0), ("gamma", 1.0)]), false)
                .is_err()
        );
        assert!(one.evaluate(&p(&[("C", 1.0)]), false).is_err());
    }

    #[test]
    fn wrong_metric_or_model_for_the_task_is_a_build_error() {
        let mut task = ModelTask::new(
            DatasetSource::Bundled("diabetes".into()),
            ModelSpec::Svc {
                kernel: KernelKind::Rbf,
            },
        );
        assert!(task.build().is_err());
        task.model = ModelSpec::KernelRidge;
        task.metric = Some(Metric::Accuracy);
        assert!(task.build().is_err());
        task.metric = Some(Metric::Rmse);
        assert_eq!(task.build().unwrap().direction(), Direction::Minimize);
    }

    #[test]
    fn ridge_gradient_matches_finite_differences_of_the_objective() {
        let mut task = ModelTask::new(
            DatasetSource::Bundled("diabetes".into()),
            ModelSpec::KernelRidge,
        );
        for metric in [Metric::R2, Metric::Rmse] {
            task.metric = Some(metric);
            let o = task.build().unwrap();
            assert!(o.has_gradient());
            let (alpha, gamma) = (0.3, 0.02);
            let e = o
                .evaluate(&p(&[("alpha", alpha), ("gamma", gamma)]), true)
                .unwrap();
            let g = e.gradient.unwrap();
            let value = |a: f64, c: f64| {
                o.evaluate(&p(&[("alpha", a), ("gamma", c)]), false)
                    .unwrap()
                    .value
            };
            let (ha, hg) = (alpha * 1e-5, gamma * 1e-5);
            let fd_alpha = (value(alpha + ha, gamma) - value(alpha - ha, gamma)) / (2.0 * ha);
            let fd_gamma = (value(alpha, gamma + hg) - value(alpha, gamma - hg)) / (2.0 * hg);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * (1.0 + b.abs());
            assert_eq!(g[0].0, "alpha");
            assert!(
                close(g[0].1, fd_alpha),
                "{metric:?} alpha: {} vs {fd_alpha}",
                g[0].1
            );
            assert!(
                close(g[1].1, fd_gamma),
                "{metric:?} gamma: {} vs {fd_gamma}",
                g[1].1
            );
        }
    }
}
