//! The decision boundary of one trial's model on a dataset with two features: the model
//! with the trial's hyperparameters fitted on every row (standardised as the objective
//! standardises), evaluated on a grid a little beyond the data's range. The window's
//! Boundary view draws it; the computation runs on its view worker.

use super::{BuildError, ModelTask};
use crate::data::Target;
use crate::models::full::fit_full;
use crate::models::{Metric, ModelSpec, Predictions};
use crate::space::Params;

/// How far beyond the data the grid reaches on each side, as a fraction of the data's span.
const MARGIN: f64 = 0.1;

/// Most rows a kernel model (SVC, SVR, kernel ridge) is fitted on for the view: its dense
/// matrices against every row and grid cell would otherwise take seconds and gigabytes.
pub(crate) const KERNEL_MAX_ROWS: usize = 3000;

/// What the model predicts in each grid cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cells {
    /// Class labels, with the signed decision value where the model has one (a binary
    /// SVC's: positive for the lower class).
    Classes {
        /// The predicted class of each cell.
        labels: Vec<usize>,
        /// The decision value of each cell.
        decision: Option<Vec<f64>>,
    },
    /// Predicted values (regression).
    Values(Vec<f64>),
}

/// A model's predictions over the plane of a two-feature dataset, with the data on top.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionBoundary {
    /// The two feature names (x, y).
    pub features: [String; 2],
    /// The grid's x extent, in the feature's units.
    pub x_range: (f64, f64),
    /// The grid's y extent.
    pub y_range: (f64, f64),
    /// Cells per side.
    pub n: usize,
    /// Row by row from the bottom: cell `iy * n + ix` is centred at
    /// `x_range.0 + (ix + ½)/n · span`.
    pub cells: Cells,
    /// The data rows' two features.
    pub points: Vec<[f64; 2]>,
    /// The data rows' targets (class labels or values).
    pub targets: Predictions,
    /// Class names by label (empty for regression).
    pub class_names: Vec<String>,
    /// Rows that are support vectors (SVC), ascending.
    pub support: Vec<usize>,
    /// The fit's score on its own rows (accuracy or R²) and the metric's name.
    pub training_score: (f64, &'static str),
}

impl DecisionBoundary {
    /// Fit `task`'s model with `params` on all its rows and predict an `n × n` grid.
    pub fn compute(task: &ModelTask, params: &Params, n: usize) -> Result<Self, BuildError> {
        let invalid = |e: &dyn std::fmt::Display| BuildError::Invalid(e.to_string());
        let dataset = task.dataset()?;
        if dataset.n_features() != 2 {
            return Err(BuildError::Invalid(format!(
                "the decision boundary needs a dataset with two features; `{}` has {}",
                dataset.name(),
                dataset.n_features()
            )));
        }
        let kernel = matches!(
            task.model,
            ModelSpec::Svc { .. } | ModelSpec::Svr { .. } | ModelSpec::KernelRidge
        );
        if kernel && dataset.n_samples() > KERNEL_MAX_ROWS {
            return Err(BuildError::Invalid(format!(
                "`{}` has {} rows; the boundary view fits kernel models on at most {KERNEL_MAX_ROWS}",
                dataset.name(),
                dataset.n_samples()
            )));
        }
        let n = n.max(2);
        let x = dataset.x();
        let range = |j: usize| {
            let (lo, hi) = x
                .column(j)
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let pad = if hi > lo { (hi - lo) * MARGIN } else { 1.0 };
            (lo - pad, hi + pad)
        };
        let (x_range, y_range) = (range(0), range(1));
        let at = |(lo, hi): (f64, f64), i: usize| lo + (i as f64 + 0.5) / n as f64 * (hi - lo);
        let rows = dataset.n_samples();
        // The grid's cells, then the data rows (to score the fit on its own rows).
        let mut coords = Vec::with_capacity(2 * (n * n + rows));
        for iy in 0..n {
            for ix in 0..n {
                coords.extend([at(x_range, ix), at(y_range, iy)]);
            }
        }
        coords.extend(x.as_standard_layout().iter().copied());
        let fit = fit_full(&task.model, &dataset, params, &coords).map_err(|e| invalid(&e))?;
        let cells = n * n;
        let (cells, own) = match fit.predictions {
            Predictions::Classes(all) => (
                Cells::Classes {
                    labels: all[..cells].to_vec(),
                    decision: fit.decision.map(|d| d[..cells].to_vec()),
                },
                Predictions::Classes(all[cells..].to_vec()),
            ),
            Predictions::Values(all) => (
                Cells::Values(all[..cells].to_vec()),
                Predictions::Values(all[cells..].to_vec()),
            ),
        };
        let (targets, class_names) = match dataset.target() {
            Target::Classes(c) => (
                Predictions::Classes(c.labels().to_vec()),
                c.names().to_vec(),
            ),
            Target::Values(v) => (Predictions::Values(v.clone()), Vec::new()),
        };
        let metric = Metric::default_for(dataset.task());
        let score = metric.score(&targets, &own).map_err(|e| invalid(&e))?;
        Ok(DecisionBoundary {
            features: [
                dataset.feature_names()[0].clone(),
                dataset.feature_names()[1].clone(),
            ],
            x_range,
            y_range,
            n,
            cells,
            points: x.rows().into_iter().map(|r| [r[0], r[1]]).collect(),
            targets,
            class_names,
            support: fit.support,
            training_score: (score, metric.name()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::KernelKind;
    use crate::objective::DatasetSource;
    use crate::space::Value;

    #[test]
    fn the_svc_boundary_on_moons_separates_the_moons() {
        let task = ModelTask::new(
            DatasetSource::Bundled("moons".into()),
            ModelSpec::Svc {
                kernel: KernelKind::Rbf,
            },
        );
        let params = vec![
            ("C".to_string(), Value::Float(10.0)),
            ("gamma".to_string(), Value::Float(1.0)),
        ];
        let b = DecisionBoundary::compute(&task, &params, 32).unwrap();
        assert_eq!(b.points.len(), 400);
        assert_eq!(b.class_names.len(), 2);
        let (score, name) = b.training_score;
        assert_eq!(name, "accuracy");
        // The bundled moons are noisy (best cross-validated accuracy about 0.90).
        assert!(score > 0.88, "{score}");
        // The grid reaches beyond every data point.
        for p in &b.points {
            assert!(b.x_range.0 < p[0] && p[0] < b.x_range.1);
            assert!(b.y_range.0 < p[1] && p[1] < b.y_range.1);
        }
        let Cells::Classes { labels, decision } = &b.cells else {
            panic!("not classes")
        };
        assert_eq!(labels.len(), 32 * 32);
        assert!(decision.as_ref().is_some_and(|d| d.len() == 32 * 32));
        // Both classes own a good part of the plane.
        let ones = labels.iter().filter(|&&l| l == 1).count();
        assert!((200..824).contains(&ones), "{ones}");
        assert!(!b.support.is_empty());
    }

    #[test]
    fn more_than_two_features_is_an_error() {
        let task = ModelTask::new(DatasetSource::Bundled("iris".into()), ModelSpec::Knn);
        let params = vec![("k".to_string(), Value::Int(3))];
        let e = DecisionBoundary::compute(&task, &params, 8).unwrap_err();
        assert!(e.to_string().contains("two features"), "{e}");
    }

    #[test]
    fn kernel_models_are_refused_beyond_the_row_cap_and_knn_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.csv");
        let mut text = String::from("a,b,label\n");
        for i in 0..=KERNEL_MAX_ROWS {
            text += &format!("{},{},{}\n", i % 13, i % 7, i % 2);
        }
        std::fs::write(&path, text).unwrap();
        let source = DatasetSource::File(path);
        let svc = ModelTask::new(
            source.clone(),
            ModelSpec::Svc {
                kernel: KernelKind::Rbf,
            },
        );
        let params = vec![
            ("C".to_string(), Value::Float(1.0)),
            ("gamma".to_string(), Value::Float(1.0)),
        ];
        let e = DecisionBoundary::compute(&svc, &params, 8).unwrap_err();
        assert!(e.to_string().contains("at most 3000"), "{e}");
        let knn = ModelTask::new(source, ModelSpec::Knn);
        let k = vec![("k".to_string(), Value::Int(3))];
        let b = DecisionBoundary::compute(&knn, &k, 8).unwrap();
        assert_eq!(b.points.len(), KERNEL_MAX_ROWS + 1);
    }
}
