//! Scores of a split's predictions: what a model-tuning objective reports per fold.
//!
//! The definitions are scikit-learn's (`accuracy_score`, `balanced_accuracy_score`,
//! `f1_score(average="macro")`, `r2_score`, root mean squared error, `mean_absolute_error`),
//! so values compare with scores users already know.

use crate::data::Task;
use crate::study::Direction;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a score could not be computed.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum MetricError {
    /// Truth and predictions differ in length or are empty.
    #[error("{truth} true values but {predicted} predictions")]
    Length {
        /// How many true values there are.
        truth: usize,
        /// How many predictions there are.
        predicted: usize,
    },
    /// A classification metric got regression values or the other way round.
    #[error("metric `{metric}` is for {expected}, the predictions are for {found}")]
    WrongTask {
        /// The metric's name, as the user writes it.
        metric: &'static str,
        /// The task the metric is for.
        expected: Task,
        /// The task the predictions are for.
        found: Task,
    },
}

/// A model's predictions for one split's test rows.
#[derive(Clone, Debug, PartialEq)]
pub enum Predictions {
    /// Class labels.
    Classes(Vec<usize>),
    /// Real values.
    Values(Vec<f64>),
}

impl Predictions {
    /// The task these predictions are for.
    pub fn task(&self) -> Task {
        match self {
            Predictions::Classes(_) => Task::Classification,
            Predictions::Values(_) => Task::Regression,
        }
    }

    /// Number of predictions.
    pub fn len(&self) -> usize {
        match self {
            Predictions::Classes(v) => v.len(),
            Predictions::Values(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a split's predictions are scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    /// Fraction of correct labels (maximise).
    Accuracy,
    /// Mean per-class recall over the classes present in the truth (maximise).
    BalancedAccuracy,
    /// Unweighted mean of per-class F1 over the classes in truth or predictions (maximise).
    F1Macro,
    /// Coefficient of determination, 1 − SSE/SST (maximise).
    R2,
    /// Root mean squared error (minimise).
    Rmse,
    /// Mean absolute error (minimise).
    Mae,
}

impl Metric {
    /// Every metric, in the order `knobs list` prints them.
    pub const ALL: [Metric; 6] = [
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::F1Macro,
        Metric::R2,
        Metric::Rmse,
        Metric::Mae,
    ];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::F1Macro => "f1_macro",
            Metric::R2 => "r2",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
        }
    }

    /// One line for `knobs list`.
    pub fn summary(self) -> &'static str {
        match self {
            Metric::Accuracy => "classification: fraction of correct labels (maximise)",
            Metric::BalancedAccuracy => "classification: mean recall per class (maximise)",
            Metric::F1Macro => "classification: unweighted mean F1 per class (maximise)",
            Metric::R2 => "regression: coefficient of determination (maximise)",
            Metric::Rmse => "regression: root mean squared error (minimise)",
            Metric::Mae => "regression: mean absolute error (minimise)",
        }
    }

    /// Parse a CLI name.
    pub fn from_name(name: &str) -> Option<Metric> {
        let name = name.to_ascii_lowercase().replace('-', "_");
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The task the metric scores.
    pub fn task(self) -> Task {
        match self {
            Metric::Accuracy | Metric::BalancedAccuracy | Metric::F1Macro => Task::Classification,
            Metric::R2 | Metric::Rmse | Metric::Mae => Task::Regression,
        }
    }

    /// The default metric of a task: accuracy or R².
    pub fn default_for(task: Task) -> Metric {
        match task {
            Task::Classification => Metric::Accuracy,
            Task::Regression => Metric::R2,
        }
    }

    /// Whether a larger score is better.
    pub fn direction(self) -> Direction {
        match self {
            Metric::Rmse | Metric::Mae => Direction::Minimize,
            _ => Direction::Maximize,
        }
    }

    /// Score `predicted` against `truth` (which must be of the metric's task).
    pub fn score(self, truth: &Predictions, predicted: &Predictions) -> Result<f64, MetricError> {
        if truth.len() != predicted.len() || truth.is_empty() {
            return Err(MetricError::Length {
                truth: truth.len(),
                predicted: predicted.len(),
            });
        }
        let wrong = |found: Task| MetricError::WrongTask {
            metric: self.name(),
            expected: self.task(),
            found,
        };
        match (self.task(), truth, predicted) {
            (Task::Classification, Predictions::Classes(t), Predictions::Classes(p)) => {
                Ok(match self {
                    Metric::Accuracy => accuracy(t, p),
                    Metric::BalancedAccuracy => balanced_accuracy(t, p),
                    _ => f1_macro(t, p),
                })
            }
            (Task::Regression, Predictions::Values(t), Predictions::Values(p)) => Ok(match self {
                Metric::R2 => r2(t, p),
                Metric::Rmse => rmse(t, p),
                _ => mae(t, p),
            }),
            (_, Predictions::Classes(_), _) | (_, _, Predictions::Classes(_)) => {
                Err(wrong(Task::Classification))
            }
            _ => Err(wrong(Task::Regression)),
        }
    }
}

impl Metric {
    /// d score / d prediction for each row, for the regression metrics (none for the
    /// classification ones, which are piecewise constant). MAE's is the subgradient `∓1/n`
    /// (0 where a prediction is exact).
    pub fn gradient(self, truth: &[f64], predicted: &[f64]) -> Option<Vec<f64>> {
        let n = truth.len() as f64;
        let residual = truth.iter().zip(predicted).map(|(t, p)| t - p);
        match self {
            Metric::R2 => {
                let mean = truth.iter().sum::<f64>() / n;
                let sst: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
                (sst > 0.0).then(|| residual.map(|r| 2.0 * r / sst).collect())
            }
            Metric::Rmse => {
                let e = rmse(truth, predicted);
                (e > 0.0).then(|| residual.map(|r| -r / (n * e)).collect())
            }
            Metric::Mae => Some(
                residual
                    .map(|r| {
                        if r > 0.0 {
                            -1.0 / n
                        } else if r < 0.0 {
                            1.0 / n
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Fraction of equal labels.
pub(crate) fn accuracy(truth: &[usize], predicted: &[usize]) -> f64 {
    let right = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    right as f64 / truth.len() as f64
}

fn n_labels(truth: &[usize], predicted: &[usize]) -> usize {
    truth.iter().chain(predicted).max().map_or(0, |m| m + 1)
}

/// Mean recall over the classes that occur in `truth`.
pub(crate) fn balanced_accuracy(truth: &[usize], predicted: &[usize]) -> f64 {
    let k = n_labels(truth, predicted);
    let (mut support, mut hits) = (vec![0usize; k], vec![0usize; k]);
    for (&t, &p) in truth.iter().zip(predicted) {
        support[t] += 1;
        if t == p {
            hits[t] += 1;
        }
    }
    let recalls: Vec<f64> = (0..k)
        .filter(|&c| support[c] > 0)
        .map(|c| hits[c] as f64 / support[c] as f64)
        .collect();
    recalls.iter().sum::<f64>() / recalls.len() as f64
}

/// Unweighted mean of per-class F1 over the classes in `truth` or `predicted`; a class with
/// no true and no predicted positives cannot occur, and a class with F1's denominator 0
/// scores 0 (scikit-learn's `zero_division` default after its warning).
pub(crate) fn f1_macro(truth: &[usize], predicted: &[usize]) -> f64 {
    let k = n_labels(truth, predicted);
    let (mut tp, mut n_true, mut n_pred) = (vec![0usize; k], vec![0usize; k], vec![0usize; k]);
    for (&t, &p) in truth.iter().zip(predicted) {
        n_true[t] += 1;
        n_pred[p] += 1;
        if t == p {
            tp[t] += 1;
        }
    }
    let f1: Vec<f64> = (0..k)
        .filter(|&c| n_true[c] + n_pred[c] > 0)
        .map(|c| 2.0 * tp[c] as f64 / (n_true[c] + n_pred[c]) as f64)
        .collect();
    f1.iter().sum::<f64>() / f1.len() as f64
}

/// 1 − SSE/SST; as in scikit-learn, 1 for a perfect fit of a constant truth and 0 for an
/// imperfect one.
pub(crate) fn r2(truth: &[f64], predicted: &[f64]) -> f64 {
    let n = truth.len() as f64;
    let mean = truth.iter().sum::<f64>() / n;
    let sse: f64 = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum();
    let sst: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    if sst == 0.0 {
        return if sse == 0.0 { 1.0 } else { 0.0 };
    }
    1.0 - sse / sst
}

/// Root mean squared error.
pub(crate) fn rmse(truth: &[f64], predicted: &[f64]) -> f64 {
    let n = truth.len() as f64;
    (truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
}

/// Mean absolute error.
pub(crate) fn mae(truth: &[f64], predicted: &[f64]) -> f64 {
    let n = truth.len() as f64;
    truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn classification_metrics_by_hand() {
        // truth   0 0 0 1 1 2
        // pred    0 0 1 1 2 2
        let t = [0, 0, 0, 1, 1, 2];
        let p = [0, 0, 1, 1, 2, 2];
        assert!(close(accuracy(&t, &p), 4.0 / 6.0));
        // Recalls 2/3, 1/2, 1.
        assert!(close(
            balanced_accuracy(&t, &p),
            (2.0 / 3.0 + 0.5 + 1.0) / 3.0
        ));
        // F1: class 0: tp 2, true 3, pred 2 → 4/5; class 1: tp 1, 2, 2 → 1/2;
        // class 2: tp 1, 1, 2 → 2/3.
        assert!(close(f1_macro(&t, &p), (0.8 + 0.5 + 2.0 / 3.0) / 3.0));
        // A class only predicted counts in F1 (as 0) but not in balanced accuracy.
        assert!(close(balanced_accuracy(&[0, 0], &[0, 1]), 0.5));
        assert!(close(f1_macro(&[0, 0], &[0, 1]), (2.0 / 3.0 + 0.0) / 2.0));
    }

    #[test]
    fn regression_metrics_by_hand() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let p = [1.0, 3.0, 2.0, 6.0];
        // Errors 0, 1, -1, 2: SSE 6, SST 5.
        assert!(close(r2(&t, &p), 1.0 - 6.0 / 5.0));
        assert!(close(rmse(&t, &p), (6.0f64 / 4.0).sqrt()));
        assert!(close(mae(&t, &p), 1.0));
        assert!(close(r2(&[2.0, 2.0], &[2.0, 2.0]), 1.0));
        assert!(close(r2(&[2.0, 2.0], &[2.0, 3.0]), 0.0));
    }

    #[test]
    fn regression_gradients_match_finite_differences() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let p = [1.5, 2.5, 2.0, 6.0];
        for m in [Metric::R2, Metric::Rmse, Metric::Mae] {
            let g = m.gradient(&t, &p).unwrap();
            for i in 0..4 {
                let h = 1e-6;
                let mut up = p;
                up[i] += h;
                let mut down = p;
                down[i] -= h;
                let score = |q: &[f64]| {
                    m.score(
                        &Predictions::Values(t.to_vec()),
                        &Predictions::Values(q.to_vec()),
                    )
                    .unwrap()
                };
                let fd = (score(&up) - score(&down)) / (2.0 * h);
                assert!((fd - g[i]).abs() < 1e-6, "{m:?} {i}: {fd} vs {}", g[i]);
            }
        }
        assert!(Metric::Accuracy.gradient(&t, &p).is_none());
    }

    #[test]
    fn score_checks_task_and_length() {
        let c = Predictions::Classes(vec![0, 1]);
        let v = Predictions::Values(vec![0.0, 1.0]);
        assert_eq!(Metric::Accuracy.score(&c, &c), Ok(1.0));
        assert!(Metric::Accuracy.score(&v, &v).is_err());
        assert!(Metric::R2.score(&c, &c).is_err());
        assert!(
            Metric::Mae
                .score(&v, &Predictions::Values(vec![1.0]))
                .is_err()
        );
        assert_eq!(Metric::Rmse.direction(), Direction::Minimize);
        assert_eq!(Metric::from_name("F1-macro"), Some(Metric::F1Macro));
    }
}
