//! Robust tuning: one model configuration scored on several datasets (or several redraws of
//! the cross-validation split), the study optimising an aggregate of the per-dataset scores.
//!
//! Tuning on one dataset finds a configuration that may fail on the next; a study that
//! maximises the mean, the worst case or `mean − k·sd` over datasets finds one that holds on
//! all of them. Every dataset keeps its own folds and its own preprocessing (each is a whole
//! [`ModelObjective`]); each trial keeps every dataset's score as an attribute named
//! `score:<dataset>` (see `unit_attr`), so the session, the journal and the window can show
//! where the robust optimum differs from each dataset's own. Strategies only ever see the
//! aggregate.

use super::model::{DatasetSource, FoldSpec, ModelObjective, ModelTask};
use super::{BuildError, Evaluation, Objective, ObjectiveError, TrialContext};
use crate::space::{Params, Space};
use crate::study::{AttrValue, Direction};
use serde::{Deserialize, Serialize};

/// The prefix of the trial attribute holding one dataset's score.
pub(crate) const SCORE_PREFIX: &str = "score:";

/// How the per-dataset scores become the one value the study optimises.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Aggregate {
    /// The mean score: good on average.
    Mean,
    /// The worst score (the lowest when maximising, the highest when minimising): good
    /// everywhere.
    Worst,
    /// The mean less `k` population standard deviations (plus, when minimising): good on
    /// average and steady.
    MeanSd {
        /// How many standard deviations a configuration pays for its spread.
        k: f64,
    },
}

impl Aggregate {
    /// Parse `mean`, `worst`, `mean-sd` (k = 1) or `mean-sd:K`.
    pub fn from_arg(arg: &str) -> Result<Aggregate, String> {
        let lower = arg.trim().to_ascii_lowercase();
        match lower.as_str() {
            "mean" => Ok(Aggregate::Mean),
            "worst" | "min" => Ok(Aggregate::Worst),
            "mean-sd" => Ok(Aggregate::MeanSd { k: 1.0 }),
            other => match other.strip_prefix("mean-sd:").map(str::parse::<f64>) {
                Some(Ok(k)) if k.is_finite() && k >= 0.0 => Ok(Aggregate::MeanSd { k }),
                _ => Err(format!(
                    "unknown robust aggregate `{arg}` (use mean, worst, mean-sd or mean-sd:K with K ≥ 0)"
                )),
            },
        }
    }

    /// The name as `--robust` takes it.
    pub fn name(&self) -> String {
        match self {
            Aggregate::Mean => "mean".into(),
            Aggregate::Worst => "worst".into(),
            Aggregate::MeanSd { k } => format!("mean-sd:{k}"),
        }
    }

    /// The aggregate of `scores` for a study in `direction`; `None` for no scores.
    pub fn apply(&self, scores: &[f64], direction: Direction) -> Option<f64> {
        if scores.is_empty() {
            return None;
        }
        let n = scores.len() as f64;
        let mean = scores.iter().sum::<f64>() / n;
        Some(match self {
            Aggregate::Mean => mean,
            Aggregate::Worst => match direction {
                Direction::Maximize => scores.iter().copied().fold(f64::INFINITY, f64::min),
                Direction::Minimize => scores.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            },
            Aggregate::MeanSd { k } => {
                let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
                match direction {
                    Direction::Maximize => mean - k * sd,
                    Direction::Minimize => mean + k * sd,
                }
            }
        })
    }
}

/// What makes a model objective robust: the datasets besides the task's own, the
/// aggregate, and how many times each dataset's split is drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Robust {
    /// Datasets scored besides the task's own `dataset`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<DatasetSource>,
    /// How the scores are combined.
    pub aggregate: Aggregate,
    /// Cross-validation splits drawn per dataset, with seeds `0, 1, …`; 1 keeps each
    /// dataset's default folds (its bundled reference folds where it has them).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub repeats: usize,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The attribute name of a unit's score: `score:wine`, or `score:wine#2` for a repeat.
pub(crate) fn unit_attr(dataset: &DatasetSource, repeat: usize, repeats: usize) -> String {
    if repeats > 1 {
        format!("{SCORE_PREFIX}{}#{repeat}", dataset.label())
    } else {
        format!("{SCORE_PREFIX}{}", dataset.label())
    }
}

/// The per-dataset scores a trial stored (`score:` attributes), in attribute order, with the
/// prefix removed: what the window's per-dataset view reads.
pub fn unit_scores(attrs: &std::collections::BTreeMap<String, AttrValue>) -> Vec<(String, f64)> {
    attrs
        .iter()
        .filter_map(|(k, v)| match (k.strip_prefix(SCORE_PREFIX), v) {
            (Some(name), AttrValue::Number(x)) => Some((name.to_owned(), *x)),
            _ => None,
        })
        .collect()
}

/// One dataset's line of a robust study's [`Summary`].
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetRow {
    /// The dataset (with `#r` for a repeat), as its attribute names it.
    pub name: String,
    /// The trial that scored best on this dataset alone.
    pub own_best_trial: usize,
    /// That trial's score on this dataset.
    pub own_best: f64,
    /// This dataset's score at the robust optimum.
    pub at_robust: f64,
}

/// Where a robust study's optimum stands against each dataset's own best: what the
/// window's per-dataset view tells.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The study's best trial (best aggregate).
    pub robust_trial: usize,
    /// Its aggregate value.
    pub robust_value: f64,
    /// One row per dataset, in attribute order.
    pub rows: Vec<DatasetRow>,
}

impl Summary {
    /// The summary of a study's completed trials with per-dataset scores; `None` when no
    /// completed trial has any.
    pub fn of(study: &crate::study::Study) -> Option<Summary> {
        let best = study.best_trial()?;
        let at_robust = unit_scores(&best.attrs);
        if at_robust.is_empty() {
            return None;
        }
        let mut rows = Vec::new();
        for (name, score) in at_robust {
            let mut own: Option<(usize, f64)> = None;
            for t in &study.trials {
                if t.completed_value().is_none() {
                    continue;
                }
                let Some(AttrValue::Number(x)) = t.attrs.get(&format!("{SCORE_PREFIX}{name}"))
                else {
                    continue;
                };
                if own.is_none_or(|(_, b)| study.direction.better(*x, b)) {
                    own = Some((t.number, *x));
                }
            }
            let (own_best_trial, own_best) = own.unwrap_or((best.number, score));
            rows.push(DatasetRow {
                name,
                own_best_trial,
                own_best,
                at_robust: score,
            });
        }
        Some(Summary {
            robust_trial: best.number,
            robust_value: best.value.unwrap_or(f64::NAN),
            rows,
        })
    }
}

impl ModelTask {
    /// Every (dataset, repeat) this task scores, as its own single-dataset task: one for
    /// a plain task. With repeats the folds are `K` stratified folds drawn with seed
    /// `repeat` (`K` from the task's `KFold`, else 5).
    pub fn units(&self) -> Vec<(String, ModelTask)> {
        let Some(robust) = &self.robust else {
            return vec![(self.dataset.label(), self.clone())];
        };
        let repeats = robust.repeats.max(1);
        let k = match self.folds {
            FoldSpec::KFold { k, .. } => k,
            _ => 5,
        };
        let datasets = std::iter::once(&self.dataset).chain(&robust.also);
        let mut units = Vec::new();
        for (i, dataset) in datasets.enumerate() {
            for repeat in 0..repeats {
                let mut task = self.clone();
                task.robust = None;
                task.dataset = dataset.clone();
                task.folds = if repeats > 1 {
                    FoldSpec::KFold {
                        k,
                        seed: repeat as u64,
                    }
                } else if i == 0 {
                    self.folds.clone()
                } else {
                    match &self.folds {
                        FoldSpec::Bundled(_) => FoldSpec::default_for(dataset),
                        other => other.clone(),
                    }
                };
                units.push((unit_attr(dataset, repeat, repeats), task));
            }
        }
        units
    }

    /// Build the robust objective: every unit's data loaded, folded and prepared.
    pub(crate) fn build_robust(&self) -> Result<RobustObjective, BuildError> {
        let aggregate = self
            .robust
            .as_ref()
            .map_or(Aggregate::Mean, |r| r.aggregate);
        let mut units = Vec::new();
        for (name, task) in self.units() {
            let objective = task
                .build()
                .map_err(|e| BuildError::Invalid(format!("{}: {e}", task.dataset.label())))?;
            units.push((name, objective));
        }
        let Some((_, first)) = units.first() else {
            return Err(BuildError::Invalid(
                "a robust objective needs a dataset".into(),
            ));
        };
        let direction = first.direction();
        let space = first.default_space();
        if let Some((name, _)) = units.iter().find(|(_, o)| o.direction() != direction) {
            return Err(BuildError::Invalid(format!(
                "{name}: its metric is {} while the first dataset's is {}: score every dataset the same way",
                units
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("", |(_, o)| o.direction().as_str()),
                direction.as_str()
            )));
        }
        Ok(RobustObjective {
            units,
            aggregate,
            direction,
            space,
        })
    }
}

/// A model scored on several datasets, its value the chosen aggregate of their scores.
pub(crate) struct RobustObjective {
    units: Vec<(String, ModelObjective)>,
    aggregate: Aggregate,
    direction: Direction,
    space: Space,
}

impl RobustObjective {
    /// The attribute names of the units, in the order they are scored.
    #[cfg(test)]
    pub(crate) fn unit_names(&self) -> Vec<String> {
        self.units.iter().map(|(n, _)| n.clone()).collect()
    }
}

impl Objective for RobustObjective {
    fn evaluate(&self, params: &Params, want_gradient: bool) -> Result<Evaluation, ObjectiveError> {
        self.evaluate_in(params, want_gradient, &TrialContext::detached())
    }

    fn evaluate_in(
        &self,
        params: &Params,
        _want_gradient: bool,
        context: &TrialContext,
    ) -> Result<Evaluation, ObjectiveError> {
        // Units are scored one after another with nobody listening to their epochs: a
        // pruner comparing dataset A's epoch 3 with dataset B's would compare nothing.
        let quiet = TrialContext {
            progress: None,
            ..context.clone()
        };
        let mut eval = Evaluation::default();
        let mut scores = Vec::with_capacity(self.units.len());
        let mut fit_seconds = 0.0;
        for (name, unit) in &self.units {
            if context.is_cancelled() {
                return Err(ObjectiveError::Cancelled);
            }
            let e = unit
                .evaluate_in(params, false, &quiet)
                .map_err(|e| match e {
                    ObjectiveError::Failed(m) => ObjectiveError::Failed(format!("{name}: {m}")),
                    other => other,
                })?;
            scores.push(e.value);
            fit_seconds += e.fit_seconds.unwrap_or(0.0);
            eval.attrs.insert(name.clone(), AttrValue::Number(e.value));
        }
        let Some(value) = self.aggregate.apply(&scores, self.direction) else {
            return Err(ObjectiveError::Failed("no dataset to score".into()));
        };
        eval.value = value;
        eval.fit_seconds = Some(fit_seconds);
        Ok(eval)
    }

    fn default_space(&self) -> Space {
        self.space.clone()
    }

    fn direction(&self) -> Direction {
        self.direction
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{KernelKind, ModelSpec};
    use crate::space::Value;

    #[test]
    fn aggregates_follow_the_direction_on_a_constructed_case() {
        let s = [0.9, 0.7, 0.8];
        let max = Direction::Maximize;
        let min = Direction::Minimize;
        assert!((Aggregate::Mean.apply(&s, max).unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(Aggregate::Worst.apply(&s, max), Some(0.7));
        assert_eq!(Aggregate::Worst.apply(&s, min), Some(0.9));
        // Population sd of {0.9, 0.7, 0.8} is √(0.02/3).
        let sd = (0.02f64 / 3.0).sqrt();
        let k2 = Aggregate::MeanSd { k: 2.0 };
        assert!((k2.apply(&s, max).unwrap() - (0.8 - 2.0 * sd)).abs() < 1e-12);
        assert!((k2.apply(&s, min).unwrap() - (0.8 + 2.0 * sd)).abs() < 1e-12);
        assert_eq!(Aggregate::Mean.apply(&[], max), None);
        assert_eq!(
            Aggregate::from_arg("mean-sd:0.5"),
            Ok(Aggregate::MeanSd { k: 0.5 })
        );
        assert_eq!(
            Aggregate::from_arg("mean-sd"),
            Ok(Aggregate::MeanSd { k: 1.0 })
        );
        assert!(Aggregate::from_arg("median").is_err());
        assert!(Aggregate::from_arg("mean-sd:-1").is_err());
    }

    fn svc_task(aggregate: Aggregate, repeats: usize) -> ModelTask {
        let mut task = ModelTask::new(
            DatasetSource::Bundled("iris".into()),
            ModelSpec::Svc {
                kernel: KernelKind::Rbf,
            },
        );
        task.robust = Some(Robust {
            also: vec![DatasetSource::Bundled("wine".into())],
            aggregate,
            repeats,
        });
        task
    }

    #[test]
    fn robust_value_is_the_aggregate_of_each_datasets_own_score() {
        let params: Params = vec![
            ("C".to_string(), Value::Float(3.0)),
            ("gamma".to_string(), Value::Float(0.05)),
        ];
        let robust = svc_task(Aggregate::Worst, 1).build_robust().unwrap();
        assert_eq!(robust.unit_names(), vec!["score:iris", "score:wine"]);
        let e = robust.evaluate(&params, false).unwrap();
        let alone = |name: &str| {
            ModelTask::new(
                DatasetSource::Bundled(name.into()),
                ModelSpec::Svc {
                    kernel: KernelKind::Rbf,
                },
            )
            .build()
            .unwrap()
            .evaluate(&params, false)
            .unwrap()
            .value
        };
        let (iris, wine) = (alone("iris"), alone("wine"));
        assert_eq!(e.attrs["score:iris"], AttrValue::Number(iris));
        assert_eq!(e.attrs["score:wine"], AttrValue::Number(wine));
        assert_eq!(e.value, iris.min(wine));
        assert_eq!(unit_scores(&e.attrs).len(), 2);
    }

    #[test]
    fn the_summary_says_where_each_datasets_own_best_differs_from_the_robust_optimum() {
        let mut study = crate::study::default_study();
        study.direction = Direction::Maximize;
        let scores: [(f64, f64); 3] = [(0.95, 0.70), (0.90, 0.85), (0.60, 0.99)];
        for (i, (a, b)) in scores.iter().enumerate() {
            let mut t = crate::study::Trial::complete(i, vec![], vec![], a.min(*b));
            t.attrs.insert("score:a".into(), AttrValue::Number(*a));
            t.attrs.insert("score:b".into(), AttrValue::Number(*b));
            study.trials.push(t);
        }
        let s = Summary::of(&study).unwrap();
        assert_eq!((s.robust_trial, s.robust_value), (1, 0.85));
        assert_eq!(
            s.rows,
            vec![
                DatasetRow {
                    name: "a".into(),
                    own_best_trial: 0,
                    own_best: 0.95,
                    at_robust: 0.90
                },
                DatasetRow {
                    name: "b".into(),
                    own_best_trial: 2,
                    own_best: 0.99,
                    at_robust: 0.85
                },
            ]
        );
    }

    #[test]
    fn repeats_draw_each_datasets_split_with_seeds_from_zero() {
        let units = svc_task(Aggregate::Mean, 3).units();
        let names: Vec<&str> = units.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "score:iris#0",
                "score:iris#1",
                "score:iris#2",
                "score:wine#0",
                "score:wine#1",
                "score:wine#2"
            ]
        );
        assert_eq!(units[4].1.folds, FoldSpec::KFold { k: 5, seed: 1 });
        assert!(units.iter().all(|(_, t)| t.robust.is_none()));
    }
}
