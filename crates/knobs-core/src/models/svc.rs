//! C-support vector classification, as libsvm (and so scikit-learn's `SVC`) does it.
//!
//! Classes are sorted by label; every pair `(a, b)` with `a < b` gets its own binary
//! problem on the rows of the two classes (class `a`'s rows first, each class in row
//! order, class `a` labelled `+1`), solved by [`super::smo`]. A test row gets one vote per
//! pair, for `a` when the decision value is positive and for `b` otherwise, and goes to the
//! class with most votes, the lowest class winning ties (libsvm's rule, scikit-learn's
//! `break_ties=False`).
//!
//! All pairs read their `Q` from one kernel matrix of the split's training rows, computed
//! once per trial from the split's cached [`FoldGeometry`].

use super::kernel::{FoldGeometry, Kernel, KernelKind};
use super::smo::{DenseQ, Problem, solve};
use super::{CvData, Model, ModelError, Predictions, kernel_from_params, param_f64};
use crate::space::Params;
use std::sync::{Arc, OnceLock};

/// libsvm's and scikit-learn's default stopping tolerance.
pub const DEFAULT_TOL: f64 = 1e-3;

/// The settings of one SVC fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvcParams {
    /// The box bound `C` (inverse regularisation strength), `> 0`.
    pub c: f64,
    /// The kernel with its settings.
    pub kernel: Kernel,
    /// Stopping tolerance on the maximal violating pair.
    pub tol: f64,
    /// libsvm's shrinking heuristic (scikit-learn's default is on).
    pub shrinking: bool,
}

impl SvcParams {
    /// scikit-learn's defaults for everything but `C` and the kernel.
    pub fn new(c: f64, kernel: Kernel) -> SvcParams {
        SvcParams {
            c,
            kernel,
            tol: DEFAULT_TOL,
            shrinking: true,
        }
    }

    /// A trial's `C` and kernel values (`gamma`, and `degree` and `coef0` for the polynomial
    /// kernel), checked.
    pub fn decode(kind: KernelKind, params: &Params) -> Result<SvcParams, ModelError> {
        let svc = SvcParams::new(
            param_f64(params, "C", None)?,
            kernel_from_params(kind, params)?,
        );
        svc.check()?;
        Ok(svc)
    }

    fn check(&self) -> Result<(), ModelError> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(ModelError::BadParam(format!(
                "C must be a positive number, got {}",
                self.c
            )));
        }
        match self.kernel {
            Kernel::Rbf { gamma } | Kernel::Poly { gamma, .. }
                if !(gamma.is_finite() && gamma > 0.0) =>
            {
                Err(ModelError::BadParam(format!(
                    "gamma must be a positive number, got {gamma}"
                )))
            }
            Kernel::Poly { coef0, .. } if !coef0.is_finite() => Err(ModelError::BadParam(format!(
                "coef0 must be finite, got {coef0}"
            ))),
            _ => Ok(()),
        }
    }
}

/// One fitted binary problem of the one-vs-one scheme.
#[derive(Clone, Debug)]
struct PairModel {
    /// Index into the present classes of the `+1` class.
    a: usize,
    /// Index into the present classes of the `−1` class.
    b: usize,
    /// Support vectors as (training row, `αᵢyᵢ`), class `a`'s first, each in row order.
    coef: Vec<(usize, f64)>,
    rho: f64,
}

/// A fitted one-vs-one SVC on one split.
#[derive(Clone, Debug)]
pub struct SvcFit {
    /// The labels present in the training rows, ascending.
    classes: Vec<usize>,
    pairs: Vec<PairModel>,
    kernel: Kernel,
    /// Total SMO iterations over all pairs.
    pub iterations: usize,
}

/// Fit on a split's training rows (`labels[i]` for training row `i`).
pub fn fit(
    geometry: &FoldGeometry,
    labels: &[usize],
    params: &SvcParams,
) -> Result<SvcFit, ModelError> {
    params.check()?;
    let n = geometry.n_train();
    if labels.len() != n {
        return Err(ModelError::Invalid(format!(
            "{} labels for {n} training rows",
            labels.len()
        )));
    }
    let n_labels = labels.iter().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_labels];
    for (row, &l) in labels.iter().enumerate() {
        members[l].push(row);
    }
    let classes: Vec<usize> = (0..n_labels).filter(|&c| !members[c].is_empty()).collect();
    let members: Vec<Vec<usize>> = members.into_iter().filter(|m| !m.is_empty()).collect();
    if classes.len() < 2 {
        return Err(ModelError::Invalid(
            "the training rows hold only one class; a classifier needs two".into(),
        ));
    }
    let kmat = geometry.train_kernel_f32(params.kernel);
    let diag: Vec<f64> = (0..n)
        .map(|i| geometry.train_diagonal(params.kernel, i))
        .collect();
    let mut pairs = Vec::new();
    let mut iterations = 0;
    for a in 0..classes.len() {
        for b in a + 1..classes.len() {
            let idx: Vec<usize> = members[a].iter().chain(&members[b]).copied().collect();
            let la = members[a].len();
            let m = idx.len();
            let mut q = vec![0f32; m * m];
            for (s, &rs) in idx.iter().enumerate() {
                let krow = &kmat[rs * n..(rs + 1) * n];
                let qrow = &mut q[s * m..(s + 1) * m];
                let (first, second) = qrow.split_at_mut(la);
                // Q = y_s y_t K: rows of class a are +K against class a, −K against b.
                let in_a = s < la;
                copy_signed(first, krow, &idx[..la], !in_a);
                copy_signed(second, krow, &idx[la..], in_a);
            }
            let qd = idx.iter().map(|&r| diag[r]).collect();
            let y: Vec<i8> = (0..m).map(|s| if s < la { 1 } else { -1 }).collect();
            let solution = solve(
                Problem {
                    q: DenseQ::new(m, q, qd),
                    p: vec![-1.0; m],
                    y: y.clone(),
                    c_pos: params.c,
                    c_neg: params.c,
                },
                params.tol,
                params.shrinking,
            );
            iterations += solution.iterations;
            let coef = idx
                .iter()
                .zip(&solution.alpha)
                .zip(&y)
                .filter(|((_, a), _)| **a != 0.0)
                .map(|((&r, &a), &yy)| (r, a * yy as f64))
                .collect();
            pairs.push(PairModel {
                a,
                b,
                coef,
                rho: solution.rho,
            });
        }
    }
    Ok(SvcFit {
        classes,
        pairs,
        kernel: params.kernel,
        iterations,
    })
}

/// `dst[k] = ±krow[cols[k]]`; a straight copy when `cols` (ascending) is a contiguous run,
/// as it is when the training rows are sorted by class (see [`SvcLearner`]).
fn copy_signed(dst: &mut [f32], krow: &[f32], cols: &[usize], negate: bool) {
    let contiguous = match (cols.first(), cols.last()) {
        (Some(&first), Some(&last)) => last - first + 1 == cols.len(),
        _ => false,
    };
    match (contiguous, negate) {
        (true, false) => dst.copy_from_slice(&krow[cols[0]..cols[0] + cols.len()]),
        (true, true) => {
            for (d, &v) in dst.iter_mut().zip(&krow[cols[0]..cols[0] + cols.len()]) {
                *d = -v;
            }
        }
        (false, false) => {
            for (d, &c) in dst.iter_mut().zip(cols) {
                *d = krow[c];
            }
        }
        (false, true) => {
            for (d, &c) in dst.iter_mut().zip(cols) {
                *d = -krow[c];
            }
        }
    }
}

impl SvcFit {
    /// Predicted labels of the split's test rows.
    pub fn predict(&self, geometry: &FoldGeometry) -> Vec<usize> {
        let n = geometry.n_train();
        let mut is_sv = vec![false; n];
        for p in &self.pairs {
            for &(r, _) in &p.coef {
                is_sv[r] = true;
            }
        }
        let svs: Vec<usize> = (0..n).filter(|&r| is_sv[r]).collect();
        let mut kvalue = vec![0.0; n];
        let mut votes = vec![0usize; self.classes.len()];
        (0..geometry.n_test())
            .map(|t| {
                for &r in &svs {
                    kvalue[r] = geometry.test_entry(self.kernel, t, r);
                }
                votes.iter_mut().for_each(|v| *v = 0);
                for p in &self.pairs {
                    let mut sum = 0.0;
                    for &(r, c) in &p.coef {
                        sum += c * kvalue[r];
                    }
                    sum -= p.rho;
                    if sum > 0.0 {
                        votes[p.a] += 1;
                    } else {
                        votes[p.b] += 1;
                    }
                }
                let mut best = 0;
                for (c, &v) in votes.iter().enumerate().skip(1) {
                    if v > votes[best] {
                        best = c;
                    }
                }
                self.classes[best]
            })
            .collect()
    }

    /// The decision values of the split's test rows, one per class pair in `(a, b)` order
    /// (positive: the pair's first class), as scikit-learn's `decision_function` with
    /// `decision_function_shape="ovo"`; with the classes of [`SvcFit::classes`].
    pub fn decision_function(&self, geometry: &FoldGeometry) -> Vec<Vec<f64>> {
        (0..geometry.n_test())
            .map(|t| {
                self.pairs
                    .iter()
                    .map(|p| {
                        p.coef
                            .iter()
                            .map(|&(r, c)| c * geometry.test_entry(self.kernel, t, r))
                            .sum::<f64>()
                            - p.rho
                    })
                    .collect()
            })
            .collect()
    }

    /// The labels present in the training rows, ascending (the classes the pairs refer to).
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// The support vectors' training rows (in the geometry's row order), ascending.
    pub fn support_rows(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = self
            .pairs
            .iter()
            .flat_map(|p| p.coef.iter().map(|&(r, _)| r))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// Support vectors (distinct training rows with a non-zero coefficient in some pair).
    pub fn n_support(&self) -> usize {
        self.support_rows().len()
    }
}

/// SVC prepared on a set of splits; each split's [`FoldGeometry`] is computed on first use
/// and kept for every later trial.
///
/// The geometry is built on the split's training rows sorted by class (stably, so each
/// class keeps its row order). libsvm groups a pair's rows exactly so (class `a` in row
/// order, then class `b`), so the solver takes the same steps, and every pair's `Q` is
/// copied from contiguous runs of the kernel matrix.
pub struct SvcLearner {
    cv: Arc<CvData>,
    kind: KernelKind,
    geometry: Vec<OnceLock<(FoldGeometry, Vec<usize>)>>,
}

impl SvcLearner {
    /// Prepare for the splits of `cv` with kernel `kind`.
    pub fn new(cv: Arc<CvData>, kind: KernelKind) -> SvcLearner {
        let geometry = cv.splits.iter().map(|_| OnceLock::new()).collect();
        SvcLearner { cv, kind, geometry }
    }

    /// The cached geometry of split `fold` (training rows sorted by class) and the sorted
    /// labels, computing them on first use.
    pub fn geometry(&self, fold: usize) -> Result<(&FoldGeometry, &[usize]), ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("svc needs class labels".into()));
        };
        let (g, l) = self.geometry[fold].get_or_init(|| {
            let d = self.cv.d;
            let mut order: Vec<usize> = (0..labels.len()).collect();
            order.sort_by_key(|&r| labels[r]);
            let x: Vec<f64> = order
                .iter()
                .flat_map(|&r| split.x_train[r * d..(r + 1) * d].iter().copied())
                .collect();
            let sorted = order.iter().map(|&r| labels[r]).collect();
            (FoldGeometry::new(&x, &split.x_test, d), sorted)
        });
        Ok((g, l))
    }
}

impl Model for SvcLearner {
    type Hyper = SvcParams;

    fn decode(&self, params: &Params) -> Result<SvcParams, ModelError> {
        SvcParams::decode(self.kind, params)
    }

    fn fit_predict(&self, fold: usize, svc: &SvcParams) -> Result<Predictions, ModelError> {
        let (geometry, labels) = self.geometry(fold)?;
        let fit = fit(geometry, labels, svc)?;
        Ok(Predictions::Classes(fit.predict(geometry)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three well separated blobs in 2-D, each split into train and test points.
    #[test]
    fn three_blobs_are_classified_perfectly() {
        let centres = [(0.0, 0.0), (4.0, 0.0), (0.0, 4.0)];
        let offsets = [(0.1, 0.2), (-0.3, 0.1), (0.2, -0.2), (-0.1, -0.3)];
        let mut train = Vec::new();
        let mut labels = Vec::new();
        for (c, &(cx, cy)) in centres.iter().enumerate() {
            for &(dx, dy) in &offsets {
                train.extend([cx + dx, cy + dy]);
                labels.push(c);
            }
        }
        let test = [0.05, -0.05, 3.9, 0.2, 0.1, 4.2, 2.6, 0.1];
        let g = FoldGeometry::new(&train, &test, 2);
        for kernel in [
            Kernel::Rbf { gamma: 0.5 },
            Kernel::Linear,
            Kernel::Poly {
                gamma: 1.0,
                coef0: 1.0,
                degree: 2,
            },
        ] {
            let fit = fit(&g, &labels, &SvcParams::new(10.0, kernel)).unwrap();
            assert_eq!(fit.predict(&g), vec![0, 1, 2, 1], "{kernel:?}");
            assert!(fit.n_support() >= 3);
        }
    }

    #[test]
    fn bad_settings_and_single_class_are_errors() {
        let g = FoldGeometry::new(&[0.0, 1.0], &[0.5], 1);
        let rbf = Kernel::Rbf { gamma: 1.0 };
        assert!(fit(&g, &[0, 1], &SvcParams::new(-1.0, rbf)).is_err());
        assert!(fit(&g, &[0, 1], &SvcParams::new(f64::NAN, rbf)).is_err());
        assert!(
            fit(
                &g,
                &[0, 1],
                &SvcParams::new(1.0, Kernel::Rbf { gamma: 0.0 })
            )
            .is_err()
        );
        assert!(fit(&g, &[1, 1], &SvcParams::new(1.0, rbf)).is_err());
        assert!(fit(&g, &[1], &SvcParams::new(1.0, rbf)).is_err());
    }
}
