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

use super::kernel::{FoldGeometry, Kernel, KernelKind, TrainRows};
use super::smo::{CachedQ, DenseQ, Problem, Solution, solve};
use super::{CvData, Model, ModelError, Predictions, kernel_from_params, param_f64};
use crate::space::Params;
use std::sync::{Arc, OnceLock};

/// libsvm's and scikit-learn's default stopping tolerance.
pub(crate) const DEFAULT_TOL: f64 = 1e-3;

/// The settings of one SVC fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SvcParams {
    /// The box bound `C` (inverse regularisation strength), `> 0`.
    pub c: f64,
    /// The kernel with its settings.
    pub kernel: Kernel,
    /// Stopping tolerance on the maximal violating pair.
    pub tol: f64,
    /// libsvm's shrinking heuristic (scikit-learn's default is on).
    pub(crate) shrinking: bool,
}

impl SvcParams {
    /// scikit-learn's defaults for everything but `C` and the kernel.
    pub(crate) fn new(c: f64, kernel: Kernel) -> SvcParams {
        SvcParams {
            c,
            kernel,
            tol: DEFAULT_TOL,
            shrinking: true,
        }
    }

    /// A trial's `C` and kernel values (`gamma`, and `degree` and `coef0` for the polynomial
    /// kernel), checked.
    pub(crate) fn decode(kind: KernelKind, params: &Params) -> Result<SvcParams, ModelError> {
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
pub(crate) struct SvcFit {
    /// The labels present in the training rows, ascending.
    classes: Vec<usize>,
    pairs: Vec<PairModel>,
    kernel: Kernel,
    /// Total SMO iterations over all pairs: the tests check by it that the cached and
    /// dense kernels take the same path.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) iterations: usize,
}

/// The present classes (ascending) and each one's training rows, in row order.
fn group_classes(labels: &[usize], n: usize) -> Result<(Vec<usize>, Vec<Vec<usize>>), ModelError> {
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
    Ok((classes, members))
}

/// Solve every class pair with `solve_pair(rows, rows of the first class)` (the rows are
/// class `a`'s then class `b`'s, labelled `+1` then `−1`) and collect the fit.
fn fit_pairs(
    classes: Vec<usize>,
    members: &[Vec<usize>],
    kernel: Kernel,
    mut solve_pair: impl FnMut(&[usize], usize) -> Solution,
) -> SvcFit {
    let mut pairs = Vec::new();
    let mut iterations = 0;
    for a in 0..classes.len() {
        for b in a + 1..classes.len() {
            let idx: Vec<usize> = members[a].iter().chain(&members[b]).copied().collect();
            let la = members[a].len();
            let solution = solve_pair(&idx, la);
            iterations += solution.iterations;
            let coef = idx
                .iter()
                .zip(&solution.alpha)
                .enumerate()
                .filter(|(_, (_, a))| **a != 0.0)
                .map(|(s, (&r, &a))| (r, if s < la { a } else { -a }))
                .collect();
            pairs.push(PairModel {
                a,
                b,
                coef,
                rho: solution.rho,
            });
        }
    }
    SvcFit {
        classes,
        pairs,
        kernel,
        iterations,
    }
}

/// `+1` for the first `la` of `m` variables, `−1` for the rest.
fn pair_labels(m: usize, la: usize) -> Vec<i8> {
    (0..m).map(|s| if s < la { 1 } else { -1 }).collect()
}

/// Fit on a split's training rows (`labels[i]` for training row `i`).
pub(crate) fn fit(
    geometry: &FoldGeometry,
    labels: &[usize],
    params: &SvcParams,
) -> Result<SvcFit, ModelError> {
    params.check()?;
    let n = geometry.n_train();
    let (classes, members) = group_classes(labels, n)?;
    let kmat = geometry.train_kernel_f32(params.kernel);
    let diag: Vec<f64> = (0..n)
        .map(|i| geometry.train_diagonal(params.kernel, i))
        .collect();
    Ok(fit_pairs(classes, &members, params.kernel, |idx, la| {
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
        solve(
            Problem {
                q: DenseQ::new(m, q, qd),
                p: vec![-1.0; m],
                y: pair_labels(m, la),
                c_pos: params.c,
                c_neg: params.c,
            },
            params.tol,
            params.shrinking,
        )
    }))
}

/// As [`fit`], with each pair's `Q` computed a row at a time into a cache of about
/// `cache_bytes` (libsvm's way), for splits whose kernel matrix would not fit in memory.
/// The kernel values are the same as [`fit`]'s, so is the result.
pub(crate) fn fit_cached(
    rows: &TrainRows,
    labels: &[usize],
    params: &SvcParams,
    cache_bytes: usize,
) -> Result<SvcFit, ModelError> {
    params.check()?;
    let (classes, members) = group_classes(labels, rows.len())?;
    Ok(fit_pairs(classes, &members, params.kernel, |idx, la| {
        let m = idx.len();
        let y = pair_labels(m, la);
        let sign = y.iter().map(|&v| f32::from(v)).collect();
        solve(
            Problem {
                q: CachedQ::new(
                    rows.with_kernel(params.kernel),
                    idx.to_vec(),
                    sign,
                    cache_bytes,
                ),
                p: vec![-1.0; m],
                y,
                c_pos: params.c,
                c_neg: params.c,
            },
            params.tol,
            params.shrinking,
        )
    }))
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
    pub(crate) fn predict(&self, geometry: &FoldGeometry) -> Vec<usize> {
        self.predict_by(geometry.n_train(), geometry.n_test(), |t, r| {
            geometry.test_entry(self.kernel, t, r)
        })
    }

    /// Predicted labels of row-major `test` rows, the kernel computed from the training
    /// `rows` (the large-data path of [`fit_cached`]).
    pub(crate) fn predict_rows(&self, rows: &TrainRows, test: &[f64], d: usize) -> Vec<usize> {
        let n_test = test.len().checked_div(d).unwrap_or(0);
        self.predict_by(rows.len(), n_test, |t, r| {
            rows.test_entry(self.kernel, &test[t * d..(t + 1) * d], r)
        })
    }

    /// One-vs-one votes over `n_test` rows, `entry(t, r)` giving the kernel between test row
    /// `t` and training row `r`.
    fn predict_by(
        &self,
        n: usize,
        n_test: usize,
        entry: impl Fn(usize, usize) -> f64,
    ) -> Vec<usize> {
        let mut is_sv = vec![false; n];
        for p in &self.pairs {
            for &(r, _) in &p.coef {
                is_sv[r] = true;
            }
        }
        let svs: Vec<usize> = (0..n).filter(|&r| is_sv[r]).collect();
        let mut kvalue = vec![0.0; n];
        let mut votes = vec![0usize; self.classes.len()];
        (0..n_test)
            .map(|t| {
                for &r in &svs {
                    kvalue[r] = entry(t, r);
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
    pub(crate) fn decision_function(&self, geometry: &FoldGeometry) -> Vec<Vec<f64>> {
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
    pub(crate) fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// The support vectors' training rows (in the geometry's row order), ascending.
    pub(crate) fn support_rows(&self) -> Vec<usize> {
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
    #[cfg(test)]
    pub(crate) fn n_support(&self) -> usize {
        self.support_rows().len()
    }
}

/// Per split, computed on first use: the training rows sorted by class, and their labels.
type SortedRowsPerSplit = Vec<OnceLock<(TrainRows, Vec<usize>)>>;

/// SVC prepared on a set of splits; each split's [`FoldGeometry`] is computed on first use
/// and kept for every later trial.
///
/// The geometry is built on the split's training rows sorted by class (stably, so each
/// class keeps its row order). libsvm groups a pair's rows exactly so (class `a` in row
/// order, then class `b`), so the solver takes the same steps, and every pair's `Q` is
/// copied from contiguous runs of the kernel matrix.
///
/// On data too large for a dense kernel matrix per split ([`SvcLearner::cached`]) it keeps
/// only the sorted rows and computes kernel rows on demand into a cache, as libsvm does.
pub(crate) struct SvcLearner {
    cv: Arc<CvData>,
    kind: KernelKind,
    geometry: Vec<OnceLock<(FoldGeometry, Vec<usize>)>>,
    /// The large-data path's sorted rows per split, and the cache size per fit in bytes;
    /// `None` for the dense path.
    cached: Option<(SortedRowsPerSplit, usize)>,
}

impl SvcLearner {
    /// Prepare for the splits of `cv` with kernel `kind`.
    pub(crate) fn new(cv: Arc<CvData>, kind: KernelKind) -> SvcLearner {
        let geometry = cv.splits.iter().map(|_| OnceLock::new()).collect();
        SvcLearner {
            cv,
            kind,
            geometry,
            cached: None,
        }
    }

    /// Prepare the large-data path: no per-split kernel matrices, kernel rows computed on
    /// demand into a cache of about `cache_bytes` per fit.
    pub(crate) fn cached(cv: Arc<CvData>, kind: KernelKind, cache_bytes: usize) -> SvcLearner {
        let rows = cv.splits.iter().map(|_| OnceLock::new()).collect();
        SvcLearner {
            cv,
            kind,
            geometry: Vec::new(),
            cached: Some((rows, cache_bytes)),
        }
    }

    /// Split `fold`'s training rows sorted by class (stably) and the sorted labels.
    fn sorted_rows(&self, fold: usize) -> Result<(Vec<f64>, Vec<usize>), ModelError> {
        let split = self.cv.split(fold)?;
        let Predictions::Classes(labels) = &split.y_train else {
            return Err(ModelError::Invalid("svc needs class labels".into()));
        };
        let d = self.cv.d;
        let mut order: Vec<usize> = (0..labels.len()).collect();
        order.sort_by_key(|&r| labels[r]);
        let x: Vec<f64> = order
            .iter()
            .flat_map(|&r| split.x_train[r * d..(r + 1) * d].iter().copied())
            .collect();
        let sorted = order.iter().map(|&r| labels[r]).collect();
        Ok((x, sorted))
    }

    /// The cached geometry of split `fold` (training rows sorted by class) and the sorted
    /// labels, computing them on first use.
    pub(crate) fn geometry(&self, fold: usize) -> Result<(&FoldGeometry, &[usize]), ModelError> {
        let split = self.cv.split(fold)?;
        let cell = self.geometry.get(fold).ok_or_else(|| {
            ModelError::Invalid("svc: this learner keeps no kernel matrices".into())
        })?;
        if let Some((g, l)) = cell.get() {
            return Ok((g, l));
        }
        let (x, sorted) = self.sorted_rows(fold)?;
        let (g, l) = cell.get_or_init(|| (FoldGeometry::new(&x, &split.x_test, self.cv.d), sorted));
        Ok((g, l))
    }

    /// The large-data path's fit and prediction of split `fold`.
    fn fit_predict_cached(
        &self,
        fold: usize,
        params: &SvcParams,
        cells: &[OnceLock<(TrainRows, Vec<usize>)>],
        cache_bytes: usize,
    ) -> Result<Predictions, ModelError> {
        let split = self.cv.split(fold)?;
        let cell = cells
            .get(fold)
            .ok_or_else(|| ModelError::Invalid(format!("no split {fold}")))?;
        let (rows, labels) = match cell.get() {
            Some(found) => found,
            None => {
                let (x, sorted) = self.sorted_rows(fold)?;
                cell.get_or_init(|| (TrainRows::new(x, self.cv.d), sorted))
            }
        };
        let fit = fit_cached(rows, labels, params, cache_bytes)?;
        Ok(Predictions::Classes(fit.predict_rows(
            rows,
            &split.x_test,
            self.cv.d,
        )))
    }
}

impl Model for SvcLearner {
    type Hyper = SvcParams;

    fn decode(&self, params: &Params) -> Result<SvcParams, ModelError> {
        SvcParams::decode(self.kind, params)
    }

    fn fit_predict(&self, fold: usize, svc: &SvcParams) -> Result<Predictions, ModelError> {
        if let Some((cells, bytes)) = &self.cached {
            return self.fit_predict_cached(fold, svc, cells, *bytes);
        }
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

    /// 900 noisy rows of three overlapping classes in 6-D, sorted by class as the learner
    /// sorts them, and 300 test rows.
    fn mid_size_set() -> (Vec<f64>, Vec<usize>, Vec<f64>) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let d = 6;
        let mut point = |c: usize| -> Vec<f64> {
            (0..d)
                .map(|k| rng.random_range(-1.5..1.5) + if k == c { 1.0 } else { 0.0 })
                .collect()
        };
        let (mut train, mut labels) = (Vec::new(), Vec::new());
        for c in 0..3 {
            for _ in 0..300 {
                train.extend(point(c));
                labels.push(c);
            }
        }
        let test = (0..300).flat_map(|t| point(t % 3)).collect();
        (train, labels, test)
    }

    #[test]
    fn cached_rows_give_exactly_the_dense_matrix_result() {
        let (train, labels, test) = mid_size_set();
        let d = 6;
        let g = FoldGeometry::new(&train, &test, d);
        let rows = TrainRows::new(train, d);
        for (kernel, c) in [
            (Kernel::Rbf { gamma: 0.3 }, 1.0),
            (Kernel::Rbf { gamma: 2.0 }, 100.0),
            (Kernel::Linear, 0.1),
        ] {
            let params = SvcParams::new(c, kernel);
            let dense = fit(&g, &labels, &params).unwrap();
            // A cache far smaller than the problem (the minimum of two rows per pair)
            // drops and recomputes rows all the time; a large one keeps them all.
            for cache_bytes in [0, 200 << 20] {
                let cached = fit_cached(&rows, &labels, &params, cache_bytes).unwrap();
                assert_eq!(cached.iterations, dense.iterations, "{kernel:?}");
                for (a, b) in dense.pairs.iter().zip(&cached.pairs) {
                    assert_eq!(a.coef, b.coef, "{kernel:?}");
                    assert_eq!(a.rho, b.rho, "{kernel:?}");
                }
                assert_eq!(cached.predict_rows(&rows, &test, d), dense.predict(&g));
            }
            assert!(
                dense.n_support() > 50,
                "{kernel:?}: a problem with real work"
            );
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
