//! Kernel ridge regression with the RBF kernel, and the exact derivative of its
//! predictions with respect to `alpha` and `gamma`, so a gradient-based strategy can follow
//! the validation score.
//!
//! Fit: `c = (K + αI)⁻¹ (y − ȳ)` with `Kᵢⱼ = exp(−γ‖xᵢ − xⱼ‖²)`; prediction
//! `ŷ = ȳ + K_* c`. Unlike scikit-learn's `KernelRidge` the targets are centred on the
//! training mean first, so an RBF model far from the data predicts the mean rather than 0.
//!
//! Derivatives, with `A = K + αI`: `∂ŷ/∂α = −K_* A⁻¹ c` and
//! `∂ŷ/∂γ = (∂K_*/∂γ) c − K_* A⁻¹ (∂K/∂γ) c`, where `∂K/∂γ = −D² ∘ K` (elementwise, `D²`
//! the squared distances). The objective chains them with the metric's derivative.

use super::kernel::{FoldGeometry, Kernel};
use super::{CvData, Model, ModelError, PredictionJacobian, Predictions, param_f64};
use crate::space::Params;
use std::sync::{Arc, OnceLock};

/// The settings of one kernel ridge fit, decoded from a trial once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RidgeParams {
    /// The ridge penalty, `> 0` (default 1).
    pub alpha: f64,
    /// The RBF kernel's `gamma`, `> 0` (required).
    pub gamma: f64,
}

impl RidgeParams {
    /// A trial's `alpha` and `gamma`, checked.
    pub(crate) fn decode(params: &Params) -> Result<RidgeParams, ModelError> {
        let alpha = param_f64(params, "alpha", Some(1.0))?;
        let gamma = param_f64(params, "gamma", None)?;
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(ModelError::BadParam(format!(
                "alpha must be positive, got {alpha}"
            )));
        }
        if !(gamma.is_finite() && gamma > 0.0) {
            return Err(ModelError::BadParam(format!(
                "gamma must be positive, got {gamma}"
            )));
        }
        Ok(RidgeParams { alpha, gamma })
    }
}

/// Kernel ridge prepared on a set of splits (caching each split's distances).
pub(crate) struct RidgeLearner {
    cv: Arc<CvData>,
    geometry: Vec<OnceLock<FoldGeometry>>,
}

impl RidgeLearner {
    /// Prepare for the splits of `cv`.
    pub(crate) fn new(cv: Arc<CvData>) -> RidgeLearner {
        let geometry = cv.splits.iter().map(|_| OnceLock::new()).collect();
        RidgeLearner { cv, geometry }
    }

    fn run(
        &self,
        fold: usize,
        &RidgeParams { alpha, gamma }: &RidgeParams,
        jacobian: bool,
    ) -> Result<(Predictions, PredictionJacobian), ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Values(y) = &split.y_train else {
            return Err(ModelError::Invalid(
                "kernel ridge needs numeric targets".into(),
            ));
        };
        let g = self.geometry[fold]
            .get_or_init(|| FoldGeometry::new(&split.x_train, &split.x_test, self.cv.d));
        let kernel = Kernel::Rbf { gamma };
        let (n, nt) = (g.n_train(), g.n_test());
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = g.train_entry(kernel, i, j);
            }
            a[i * n + i] += alpha;
        }
        let ks: Vec<f64> = (0..nt)
            .flat_map(|t| (0..n).map(move |j| (t, j)))
            .map(|(t, j)| g.test_entry(kernel, t, j))
            .collect();
        let mean = y.iter().sum::<f64>() / n as f64;
        let chol = Cholesky::new(a, n).ok_or_else(|| {
            ModelError::Invalid(format!(
                "K + alpha·I is not positive definite at alpha = {alpha} (alpha too small)"
            ))
        })?;
        let c = chol.solve(y.iter().map(|v| v - mean).collect());
        let times = |m: &[f64], v: &[f64]| -> Vec<f64> {
            m.chunks(n)
                .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
                .collect()
        };
        let pred: Vec<f64> = times(&ks, &c).into_iter().map(|p| p + mean).collect();
        if !jacobian {
            return Ok((Predictions::Values(pred), Vec::new()));
        }
        let d_alpha: Vec<f64> = times(&ks, &chol.solve(c.clone()))
            .into_iter()
            .map(|v| -v)
            .collect();
        // u = (∂K/∂γ) c = −(D² ∘ K) c.
        let u: Vec<f64> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| -g.train_dist2(i, j) * g.train_entry(kernel, i, j) * c[j])
                    .sum()
            })
            .collect();
        let ks_v = times(&ks, &chol.solve(u));
        let d_gamma: Vec<f64> = (0..nt)
            .map(|t| {
                let direct: f64 = (0..n)
                    .map(|j| -g.test_dist2(t, j) * ks[t * n + j] * c[j])
                    .sum();
                direct - ks_v[t]
            })
            .collect();
        Ok((
            Predictions::Values(pred),
            vec![("alpha".into(), d_alpha), ("gamma".into(), d_gamma)],
        ))
    }
}

impl Model for RidgeLearner {
    type Hyper = RidgeParams;

    fn decode(&self, params: &Params) -> Result<RidgeParams, ModelError> {
        RidgeParams::decode(params)
    }

    fn fit_predict(&self, fold: usize, hyper: &RidgeParams) -> Result<Predictions, ModelError> {
        self.run(fold, hyper, false).map(|(p, _)| p)
    }

    fn has_gradient(&self) -> bool {
        true
    }

    fn fit_predict_with_jacobian(
        &self,
        fold: usize,
        hyper: &RidgeParams,
    ) -> Result<(Predictions, PredictionJacobian), ModelError> {
        self.run(fold, hyper, true)
    }
}

/// A dense Cholesky factor `L` (lower, row-major) of a symmetric positive definite matrix.
struct Cholesky {
    l: Vec<f64>,
    n: usize,
}

impl Cholesky {
    /// Factor `a` (`n × n`, row-major); `None` if it is not positive definite.
    fn new(mut a: Vec<f64>, n: usize) -> Option<Cholesky> {
        for j in 0..n {
            let mut d = a[j * n + j];
            for k in 0..j {
                d -= a[j * n + k] * a[j * n + k];
            }
            if !(d > 0.0 && d.is_finite()) {
                return None;
            }
            let d = d.sqrt();
            a[j * n + j] = d;
            for i in j + 1..n {
                let mut s = a[i * n + j];
                for k in 0..j {
                    s -= a[i * n + k] * a[j * n + k];
                }
                a[i * n + j] = s / d;
            }
        }
        Some(Cholesky { l: a, n })
    }

    /// Solve `L Lᵀ x = b`.
    fn solve(&self, mut b: Vec<f64>) -> Vec<f64> {
        let (l, n) = (&self.l, self.n);
        for i in 0..n {
            let mut s = b[i];
            for k in 0..i {
                s -= l[i * n + k] * b[k];
            }
            b[i] = s / l[i * n + i];
        }
        for i in (0..n).rev() {
            let mut s = b[i];
            for k in i + 1..n {
                s -= l[k * n + i] * b[k];
            }
            b[i] = s / l[i * n + i];
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Task;
    use crate::models::{Learner, Metric, Split};
    use crate::space::Value;

    fn learner() -> RidgeLearner {
        let x_train: Vec<f64> = (0..12).map(|i| i as f64 * 0.3 - 1.5).collect();
        let y_train = x_train
            .iter()
            .map(|x: &f64| (2.0 * x).sin() + 0.5 * x)
            .collect();
        let x_test = vec![-1.1, 0.05, 0.7, 1.6];
        let y_test = x_test
            .iter()
            .map(|x: &f64| (2.0 * x).sin() + 0.5 * x)
            .collect();
        RidgeLearner::new(Arc::new(CvData {
            d: 1,
            task: Task::Regression,
            n_classes: 0,
            splits: vec![Split {
                x_train,
                x_test,
                y_train: Predictions::Values(y_train),
                y_test: Predictions::Values(y_test),
            }],
        }))
    }

    fn params(alpha: f64, gamma: f64) -> Params {
        vec![
            ("alpha".into(), Value::Float(alpha)),
            ("gamma".into(), Value::Float(gamma)),
        ]
    }

    #[test]
    fn fits_a_smooth_function() {
        let r = learner();
        let Ok(Predictions::Values(p)) = crate::models::fit_fold(&r, 0, &params(1e-3, 1.0)) else {
            panic!()
        };
        let Predictions::Values(t) = &r.cv.splits[0].y_test else {
            panic!()
        };
        assert!(
            Metric::R2
                .score(&Predictions::Values(t.clone()), &Predictions::Values(p))
                .unwrap()
                > 0.95
        );
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let r = learner();
        let (a, g) = (0.05, 0.8);
        let (_, jac) = r
            .for_trial(&params(a, g))
            .and_then(|f| f.fit_predict_with_jacobian(0))
            .unwrap();
        let values = |p: &Params| match crate::models::fit_fold(&r, 0, p).unwrap() {
            Predictions::Values(v) => v,
            _ => unreachable!(),
        };
        for (name, analytic) in &jac {
            let h = 1e-6;
            let (up, down) = if name == "alpha" {
                (params(a + h, g), params(a - h, g))
            } else {
                (params(a, g + h), params(a, g - h))
            };
            let (vu, vd) = (values(&up), values(&down));
            for t in 0..vu.len() {
                let fd = (vu[t] - vd[t]) / (2.0 * h);
                assert!(
                    (fd - analytic[t]).abs() < 1e-5 * (1.0 + fd.abs()),
                    "{name} row {t}: {fd} vs {}",
                    analytic[t]
                );
            }
        }
    }
}
