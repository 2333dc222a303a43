//! Epsilon-support vector regression, libsvm's formulation (scikit-learn's `SVR`).
//!
//! The dual has `2l` variables `(α, α*)`: with `yᵢ` the targets, libsvm solves
//! `min ½ (α − α*)ᵀ K (α − α*) + Σ (ε − yᵢ) αᵢ + Σ (ε + yᵢ) α*ᵢ` with
//! `Σ (αᵢ − α*ᵢ) = 0`, `0 ≤ α, α* ≤ C`, as one problem for [`super::smo`] whose variable
//! `k < l` stands for `αₖ` (label `+1`) and `l + k` for `α*ₖ` (label `−1`). The prediction
//! is `Σ (αᵢ − α*ᵢ) K(xᵢ, x) − ρ`. Targets are used as given (not standardised), as in
//! scikit-learn.

use super::kernel::{FoldGeometry, Kernel, KernelKind, TrainRows};
use super::smo::{CachedQ, DenseQ, Problem, Solution, solve};
use super::svc::DEFAULT_TOL;
use super::{CvData, Model, ModelError, Predictions, kernel_from_params, param_f64};
use crate::space::Params;
use std::sync::{Arc, OnceLock};

/// A fitted SVR: (training row, coefficient) for the support vectors, and `ρ`.
#[derive(Clone, Debug)]
pub(crate) struct SvrFit {
    coef: Vec<(usize, f64)>,
    rho: f64,
    kernel: Kernel,
}

/// Fit on a split's training rows with box `c` and tube width `epsilon`.
pub(crate) fn fit(
    geometry: &FoldGeometry,
    targets: &[f64],
    kernel: Kernel,
    c: f64,
    epsilon: f64,
) -> Result<SvrFit, ModelError> {
    let l = check_problem(c, epsilon, targets, geometry.n_train())?;
    let k = geometry.train_kernel_f32(kernel);
    let m = 2 * l;
    let mut q = vec![0f32; m * m];
    for s in 0..m {
        let (rs, ss) = if s < l { (s, 1.0f32) } else { (s - l, -1.0) };
        let krow = &k[rs * l..(rs + 1) * l];
        let qrow = &mut q[s * m..(s + 1) * m];
        for (t, &kv) in krow.iter().enumerate() {
            qrow[t] = ss * kv;
            qrow[t + l] = -ss * kv;
        }
    }
    let diag: Vec<f64> = (0..l).map(|i| geometry.train_diagonal(kernel, i)).collect();
    let qd = diag.iter().chain(&diag).copied().collect();
    let solution = solve(
        Problem {
            q: DenseQ::new(m, q, qd),
            p: linear_term(targets, epsilon),
            y: labels(l),
            c_pos: c,
            c_neg: c,
        },
        DEFAULT_TOL,
        true,
    );
    Ok(SvrFit::from_solution(&solution, l, kernel))
}

/// As [`fit`], with `Q` computed a row at a time into a cache of about `cache_bytes`
/// (libsvm's way: each training row stands for two variables, `+K` and `−K`), for splits
/// whose kernel matrix would not fit in memory. Same kernel values, same result.
pub(crate) fn fit_cached(
    rows: &TrainRows,
    targets: &[f64],
    kernel: Kernel,
    (c, epsilon): (f64, f64),
    cache_bytes: usize,
) -> Result<SvrFit, ModelError> {
    let l = check_problem(c, epsilon, targets, rows.len())?;
    let row_of = (0..l).chain(0..l).collect();
    let sign = (0..2 * l).map(|s| if s < l { 1.0 } else { -1.0 }).collect();
    let solution = solve(
        Problem {
            q: CachedQ::new(rows.with_kernel(kernel), row_of, sign, cache_bytes),
            p: linear_term(targets, epsilon),
            y: labels(l),
            c_pos: c,
            c_neg: c,
        },
        DEFAULT_TOL,
        true,
    );
    Ok(SvrFit::from_solution(&solution, l, kernel))
}

/// `C`, `epsilon` in range and one target per training row (of `l`, at least one): `l`.
fn check_problem(c: f64, epsilon: f64, targets: &[f64], l: usize) -> Result<usize, ModelError> {
    check(c, epsilon)?;
    if targets.len() != l || l == 0 {
        return Err(ModelError::Invalid(format!(
            "{} targets for {l} training rows",
            targets.len()
        )));
    }
    Ok(l)
}

/// The dual's linear term: `ε − yᵢ` for the `α` half, `ε + yᵢ` for the `α*` half.
fn linear_term(targets: &[f64], epsilon: f64) -> Vec<f64> {
    targets
        .iter()
        .map(|y| epsilon - y)
        .chain(targets.iter().map(|y| epsilon + y))
        .collect()
}

/// The dual's labels: `+1` for the `α` half of `2l` variables, `−1` for the `α*` half.
fn labels(l: usize) -> Vec<i8> {
    (0..2 * l).map(|s| if s < l { 1 } else { -1 }).collect()
}

impl SvrFit {
    /// The fit of a solved dual over `l` training rows: coefficient `αᵢ − α*ᵢ` per row.
    fn from_solution(solution: &Solution, l: usize, kernel: Kernel) -> SvrFit {
        let coef = (0..l)
            .map(|i| (i, solution.alpha[i] - solution.alpha[i + l]))
            .filter(|&(_, c)| c != 0.0)
            .collect();
        SvrFit {
            coef,
            rho: solution.rho,
            kernel,
        }
    }

    /// Predictions for the split's test rows.
    pub(crate) fn predict(&self, geometry: &FoldGeometry) -> Vec<f64> {
        self.predict_by(geometry.n_test(), |t, r| {
            geometry.test_entry(self.kernel, t, r)
        })
    }

    /// Predictions for row-major `test` rows, the kernel computed from the training `rows`
    /// (the large-data path of [`fit_cached`]).
    pub(crate) fn predict_rows(&self, rows: &TrainRows, test: &[f64], d: usize) -> Vec<f64> {
        let n_test = test.len().checked_div(d).unwrap_or(0);
        self.predict_by(n_test, |t, r| {
            rows.test_entry(self.kernel, &test[t * d..(t + 1) * d], r)
        })
    }

    /// `Σ coefᵣ K(t, r) − ρ` for each of `n_test` rows, `entry(t, r)` the kernel.
    fn predict_by(&self, n_test: usize, entry: impl Fn(usize, usize) -> f64) -> Vec<f64> {
        (0..n_test)
            .map(|t| {
                let mut sum = 0.0;
                for &(r, c) in &self.coef {
                    sum += c * entry(t, r);
                }
                sum - self.rho
            })
            .collect()
    }
}

/// The settings of one SVR fit, decoded from a trial once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SvrParams {
    /// The kernel with its settings.
    pub kernel: Kernel,
    /// The box bound `C`, `> 0`.
    pub c: f64,
    /// The width of the insensitive tube, `≥ 0` (default 0.1, as scikit-learn).
    pub epsilon: f64,
}

impl SvrParams {
    /// A trial's `C`, `epsilon` and kernel values, checked.
    pub(crate) fn decode(kind: KernelKind, params: &Params) -> Result<SvrParams, ModelError> {
        let svr = SvrParams {
            kernel: kernel_from_params(kind, params)?,
            c: param_f64(params, "C", None)?,
            epsilon: param_f64(params, "epsilon", Some(0.1))?,
        };
        check(svr.c, svr.epsilon)?;
        Ok(svr)
    }
}

/// `C` and `epsilon` in range.
fn check(c: f64, epsilon: f64) -> Result<(), ModelError> {
    if !(c.is_finite() && c > 0.0) {
        return Err(ModelError::BadParam(format!(
            "C must be a positive number, got {c}"
        )));
    }
    if !(epsilon.is_finite() && epsilon >= 0.0) {
        return Err(ModelError::BadParam(format!(
            "epsilon must be a number ≥ 0, got {epsilon}"
        )));
    }
    Ok(())
}

/// SVR prepared on a set of splits, caching each split's geometry like the SVC; on data too
/// large for dense kernel matrices ([`SvrLearner::cached`]) only each split's rows are kept
/// and kernel rows are computed on demand into a cache, as libsvm does.
pub(crate) struct SvrLearner {
    cv: Arc<CvData>,
    kind: KernelKind,
    geometry: Vec<OnceLock<FoldGeometry>>,
    /// The large-data path's rows per split and the cache size per fit in bytes; `None`
    /// for the dense path.
    cached: Option<(Vec<OnceLock<TrainRows>>, usize)>,
}

impl SvrLearner {
    /// Prepare for the splits of `cv` with kernel `kind`.
    pub(crate) fn new(cv: Arc<CvData>, kind: KernelKind) -> SvrLearner {
        let geometry = cv.splits.iter().map(|_| OnceLock::new()).collect();
        SvrLearner {
            cv,
            kind,
            geometry,
            cached: None,
        }
    }

    /// Prepare the large-data path: no per-split kernel matrices, kernel rows computed on
    /// demand into a cache of about `cache_bytes` per fit.
    pub(crate) fn cached(cv: Arc<CvData>, kind: KernelKind, cache_bytes: usize) -> SvrLearner {
        let rows = cv.splits.iter().map(|_| OnceLock::new()).collect();
        SvrLearner {
            cv,
            kind,
            geometry: Vec::new(),
            cached: Some((rows, cache_bytes)),
        }
    }
}

impl Model for SvrLearner {
    type Hyper = SvrParams;

    fn decode(&self, params: &Params) -> Result<SvrParams, ModelError> {
        SvrParams::decode(self.kind, params)
    }

    fn fit_predict(&self, fold: usize, svr: &SvrParams) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Values(targets) = &split.y_train else {
            return Err(ModelError::Invalid("svr needs numeric targets".into()));
        };
        if let Some((cells, bytes)) = &self.cached {
            let cell = cells
                .get(fold)
                .ok_or_else(|| ModelError::Invalid(format!("no split {fold}")))?;
            let rows = cell.get_or_init(|| TrainRows::new(split.x_train.clone(), self.cv.d));
            let fit = fit_cached(rows, targets, svr.kernel, (svr.c, svr.epsilon), *bytes)?;
            return Ok(Predictions::Values(fit.predict_rows(
                rows,
                &split.x_test,
                self.cv.d,
            )));
        }
        let cell = self
            .geometry
            .get(fold)
            .ok_or_else(|| ModelError::Invalid(format!("no split {fold}")))?;
        let geometry =
            cell.get_or_init(|| FoldGeometry::new(&split.x_train, &split.x_test, self.cv.d));
        let fit = fit(geometry, targets, svr.kernel, svr.c, svr.epsilon)?;
        Ok(Predictions::Values(fit.predict(geometry)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_data_is_fitted_within_the_tube() {
        // y = 2x + 1 on x = 0..9; linear kernel, large C: every training residual ≤ ε
        // (+ tolerance), and the test point x = 4.5 is predicted close to 10.
        let x: Vec<f64> = (0..10).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        let g = FoldGeometry::new(&x, &[4.5], 1);
        let fit = fit(&g, &y, Kernel::Linear, 100.0, 0.1).unwrap();
        let p = fit.predict(&g);
        assert!((p[0] - 10.0).abs() < 0.11, "{p:?}");
        let gt = FoldGeometry::new(&x, &x, 1);
        let fit = super::fit(&gt, &y, Kernel::Linear, 100.0, 0.1).unwrap();
        for (pi, yi) in fit.predict(&gt).iter().zip(&y) {
            assert!((pi - yi).abs() <= 0.1 + 0.01, "{pi} vs {yi}");
        }
    }

    #[test]
    fn the_cached_path_gives_the_dense_fit() {
        // 300 rows of a noisy sine in 2-D, RBF kernel, a cache far smaller than Q (so rows
        // are evicted and recomputed): the same support vectors, coefficients and
        // predictions as the dense matrix.
        let n = 300;
        let x: Vec<f64> = (0..2 * n)
            .map(|i| ((i * 7919) % 1000) as f64 / 250.0 - 2.0)
            .collect();
        let y: Vec<f64> = x
            .chunks(2)
            .enumerate()
            .map(|(i, r)| r[0].sin() + 0.5 * r[1] + 0.05 * ((i * 31 % 17) as f64 - 8.0) / 8.0)
            .collect();
        let test: Vec<f64> = (0..40).map(|i| i as f64 / 10.0 - 2.0).collect();
        let kernel = Kernel::Rbf { gamma: 0.7 };
        let g = FoldGeometry::new(&x, &test, 2);
        let dense = fit(&g, &y, kernel, 3.0, 0.1).unwrap();
        let rows = TrainRows::new(x, 2);
        let cached = fit_cached(&rows, &y, kernel, (3.0, 0.1), 64 * 1024).unwrap();
        assert_eq!(
            dense.coef.iter().map(|c| c.0).collect::<Vec<_>>(),
            cached.coef.iter().map(|c| c.0).collect::<Vec<_>>()
        );
        for (a, b) in dense.coef.iter().zip(&cached.coef) {
            assert!((a.1 - b.1).abs() < 1e-9, "{a:?} vs {b:?}");
        }
        assert!((dense.rho - cached.rho).abs() < 1e-9);
        for (p, q) in dense
            .predict(&g)
            .iter()
            .zip(cached.predict_rows(&rows, &test, 2))
        {
            assert!((p - q).abs() < 1e-9, "{p} vs {q}");
        }
    }

    #[test]
    fn bad_settings_are_errors() {
        let g = FoldGeometry::new(&[0.0, 1.0], &[0.5], 1);
        let k = Kernel::Rbf { gamma: 1.0 };
        assert!(fit(&g, &[0.0, 1.0], k, 0.0, 0.1).is_err());
        assert!(fit(&g, &[0.0, 1.0], k, 1.0, -0.1).is_err());
        assert!(fit(&g, &[0.0], k, 1.0, 0.1).is_err());
    }
}
