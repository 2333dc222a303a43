//! Kernels for the SVM models, and the per-fold geometry that lets one trial cost only
//! `n²` kernel evaluations.
//!
//! Within one split the standardised rows do not change between trials, and neither do the
//! inner products `xᵢ·xⱼ` nor the squared norms. [`FoldGeometry`] keeps them, so a trial at
//! any `(C, gamma)` builds its kernel matrix from them with one `exp` (or power) per entry
//! and no pass over the features; every class pair and every `C` then share that matrix.
//!
//! Training kernels are computed as libsvm computes them
//! (`exp(−γ(‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ))`, stored in `f32` like libsvm's `Qfloat`) and
//! prediction kernels as libsvm's `k_function` does (`exp(−γ‖x − x'‖²)` from the
//! differences, in `f64`), so decisions round the same way as scikit-learn's.

use serde::{Deserialize, Serialize};

/// Which kernel an SVM uses; its numeric settings (`gamma`, `degree`, `coef0`) are
/// hyperparameters and arrive with each trial.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KernelKind {
    /// `exp(−gamma ‖x − x'‖²)`, scikit-learn's and libsvm's meaning of gamma.
    #[default]
    Rbf,
    /// `(gamma x·x' + coef0)^degree`.
    Poly,
    /// `x·x'`.
    Linear,
}

impl KernelKind {
    /// Every kernel, in the order the CLI lists them.
    pub const ALL: [KernelKind; 3] = [KernelKind::Rbf, KernelKind::Poly, KernelKind::Linear];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Rbf => "rbf",
            KernelKind::Poly => "poly",
            KernelKind::Linear => "linear",
        }
    }

    /// Parse a CLI name.
    pub fn from_name(name: &str) -> Option<KernelKind> {
        let name = name.to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A kernel with its settings fixed for one trial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kernel {
    /// Radial basis function with width `gamma`.
    Rbf { gamma: f64 },
    /// Polynomial.
    Poly { gamma: f64, coef0: f64, degree: u32 },
    /// Plain inner product.
    Linear,
}

impl Kernel {
    /// The value from an inner product and the two squared norms (libsvm's training form).
    #[inline]
    pub(crate) fn at_dot(self, dot: f64, sq_a: f64, sq_b: f64) -> f64 {
        match self {
            Kernel::Rbf { gamma } => (-gamma * (sq_a + sq_b - 2.0 * dot)).exp(),
            Kernel::Poly {
                gamma,
                coef0,
                degree,
            } => powi(gamma * dot + coef0, degree),
            Kernel::Linear => dot,
        }
    }

    /// The value from a squared distance and an inner product (libsvm's prediction form).
    #[inline]
    pub(crate) fn at_distance(self, dist2: f64, dot: f64) -> f64 {
        match self {
            Kernel::Rbf { gamma } => (-gamma * dist2).exp(),
            Kernel::Poly {
                gamma,
                coef0,
                degree,
            } => powi(gamma * dot + coef0, degree),
            Kernel::Linear => dot,
        }
    }
}

/// libsvm's integer power by repeated squaring (the same rounding as its `powi`).
fn powi(base: f64, times: u32) -> f64 {
    let (mut tmp, mut ret) = (base, 1.0);
    let mut t = times;
    while t > 0 {
        if t % 2 == 1 {
            ret *= tmp;
        }
        tmp *= tmp;
        t /= 2;
    }
    ret
}

/// Inner product with four accumulators (as a BLAS `ddot` sums; libsvm in scikit-learn
/// calls BLAS for it).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = a.len() / 4;
    for c in 0..chunks {
        for k in 0..4 {
            acc[k] += a[4 * c + k] * b[4 * c + k];
        }
    }
    let mut tail = 0.0;
    for k in 4 * chunks..a.len() {
        tail += a[k] * b[k];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Squared Euclidean distance, summed from the differences.
#[inline]
pub(crate) fn dist2(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = a.len() / 4;
    for c in 0..chunks {
        for k in 0..4 {
            let d = a[4 * c + k] - b[4 * c + k];
            acc[k] += d * d;
        }
    }
    let mut tail = 0.0;
    for k in 4 * chunks..a.len() {
        let d = a[k] - b[k];
        tail += d * d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// What one split's rows are, as far as kernels care: the inner products among training
/// rows, their squared norms, and the distances and inner products from each test row to
/// each training row. Computed once per split; independent of every hyperparameter.
#[derive(Clone, Debug)]
pub(crate) struct FoldGeometry {
    n_train: usize,
    n_test: usize,
    /// `n_train × n_train`, row-major.
    gram: Vec<f64>,
    sq: Vec<f64>,
    /// `n_test × n_train`, row-major.
    test_dist2: Vec<f64>,
    /// `n_test × n_train`, row-major.
    test_dot: Vec<f64>,
}

impl FoldGeometry {
    /// From row-major standardised matrices with `d` columns.
    pub(crate) fn new(train: &[f64], test: &[f64], d: usize) -> FoldGeometry {
        let n_train = train.len().checked_div(d).unwrap_or(0);
        let n_test = test.len().checked_div(d).unwrap_or(0);
        fn row(m: &[f64], d: usize, i: usize) -> &[f64] {
            &m[i * d..(i + 1) * d]
        }
        let mut gram = vec![0.0; n_train * n_train];
        for i in 0..n_train {
            for j in 0..=i {
                let v = dot(row(train, d, i), row(train, d, j));
                gram[i * n_train + j] = v;
                gram[j * n_train + i] = v;
            }
        }
        let sq = (0..n_train).map(|i| gram[i * n_train + i]).collect();
        let mut test_dist2 = vec![0.0; n_test * n_train];
        let mut test_dot = vec![0.0; n_test * n_train];
        for t in 0..n_test {
            for j in 0..n_train {
                test_dist2[t * n_train + j] = dist2(row(test, d, t), row(train, d, j));
                test_dot[t * n_train + j] = dot(row(test, d, t), row(train, d, j));
            }
        }
        FoldGeometry {
            n_train,
            n_test,
            gram,
            sq,
            test_dist2,
            test_dot,
        }
    }

    /// Training rows.
    pub(crate) fn n_train(&self) -> usize {
        self.n_train
    }

    /// Test rows.
    pub(crate) fn n_test(&self) -> usize {
        self.n_test
    }

    /// The training kernel matrix in `f32` (libsvm's `Qfloat`), `n_train × n_train`.
    pub(crate) fn train_kernel_f32(&self, kernel: Kernel) -> Vec<f32> {
        let n = self.n_train;
        let mut k = vec![0f32; n * n];
        for i in 0..n {
            let sq_i = self.sq[i];
            let gram_row = &self.gram[i * n..i * n + i + 1];
            for (j, &g) in gram_row.iter().enumerate() {
                let v = kernel.at_dot(g, sq_i, self.sq[j]) as f32;
                k[i * n + j] = v;
                k[j * n + i] = v;
            }
        }
        k
    }

    /// The kernel of training row `i` with itself in `f64` (libsvm's `QD`).
    pub(crate) fn train_diagonal(&self, kernel: Kernel, i: usize) -> f64 {
        kernel.at_dot(self.gram[i * self.n_train + i], self.sq[i], self.sq[i])
    }

    /// The training kernel entry `(i, j)` in `f64` (for models that need full precision).
    pub(crate) fn train_entry(&self, kernel: Kernel, i: usize, j: usize) -> f64 {
        kernel.at_dot(self.gram[i * self.n_train + j], self.sq[i], self.sq[j])
    }

    /// Squared distance between training rows `i` and `j` (from the inner products).
    pub(crate) fn train_dist2(&self, i: usize, j: usize) -> f64 {
        self.sq[i] + self.sq[j] - 2.0 * self.gram[i * self.n_train + j]
    }

    /// The kernel between test row `t` and training row `j`, in `f64`.
    #[inline]
    pub(crate) fn test_entry(&self, kernel: Kernel, t: usize, j: usize) -> f64 {
        let at = t * self.n_train + j;
        kernel.at_distance(self.test_dist2[at], self.test_dot[at])
    }

    /// Squared distance from test row `t` to training row `j`.
    #[inline]
    pub(crate) fn test_dist2(&self, t: usize, j: usize) -> f64 {
        self.test_dist2[t * self.n_train + j]
    }
}

/// A split's training rows for kernels computed on demand (the large-data path, where
/// [`FoldGeometry`]'s `n²` inner products would not fit): the rows and their squared norms,
/// with the same arithmetic as [`FoldGeometry`] so both paths give the same kernel values.
#[derive(Clone, Debug)]
pub(crate) struct TrainRows {
    x: Vec<f64>,
    d: usize,
    sq: Vec<f64>,
}

impl TrainRows {
    /// From row-major standardised rows with `d` columns.
    pub(crate) fn new(x: Vec<f64>, d: usize) -> TrainRows {
        let sq = x.chunks_exact(d.max(1)).map(|r| dot(r, r)).collect();
        TrainRows { x, d, sq }
    }

    /// Rows held.
    pub(crate) fn len(&self) -> usize {
        self.sq.len()
    }

    #[inline]
    fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    /// The training kernel `(i, j)` in `f64`, as [`FoldGeometry::train_entry`].
    #[inline]
    pub(crate) fn entry(&self, kernel: Kernel, i: usize, j: usize) -> f64 {
        kernel.at_dot(dot(self.row(i), self.row(j)), self.sq[i], self.sq[j])
    }

    /// The kernel between a (test) row `x` and training row `j`, as
    /// [`FoldGeometry::test_entry`].
    #[inline]
    pub(crate) fn test_entry(&self, kernel: Kernel, x: &[f64], j: usize) -> f64 {
        let r = self.row(j);
        kernel.at_distance(dist2(x, r), dot(x, r))
    }

    /// These rows under `kernel`, as a source for the SMO solver's cached `Q`.
    pub(crate) fn with_kernel(&self, kernel: Kernel) -> RowKernel<'_> {
        RowKernel { rows: self, kernel }
    }
}

/// [`TrainRows`] with a kernel fixed: what the solver's row cache computes rows from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowKernel<'a> {
    rows: &'a TrainRows,
    kernel: Kernel,
}

impl super::smo::KernelSource for RowKernel<'_> {
    fn fill(&self, a: usize, cols: &[usize], out: &mut [f32]) {
        for (o, &b) in out.iter_mut().zip(cols) {
            *o = self.rows.entry(self.kernel, a, b) as f32;
        }
    }

    fn diagonal(&self, a: usize) -> f64 {
        self.rows.entry(self.kernel, a, a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_have_their_textbook_values() {
        let (a, b) = ([1.0, 2.0], [3.0, -1.0]);
        let d = dot(&a, &b); // 1
        let (sa, sb) = (dot(&a, &a), dot(&b, &b)); // 5, 10
        let rbf = Kernel::Rbf { gamma: 0.5 };
        // ‖a − b‖² = 4 + 9 = 13.
        assert!((rbf.at_dot(d, sa, sb) - (-6.5f64).exp()).abs() < 1e-15);
        assert!((rbf.at_distance(dist2(&a, &b), d) - (-6.5f64).exp()).abs() < 1e-15);
        let poly = Kernel::Poly {
            gamma: 2.0,
            coef0: 1.0,
            degree: 3,
        };
        assert_eq!(poly.at_dot(d, sa, sb), 27.0);
        assert_eq!(Kernel::Linear.at_dot(d, sa, sb), 1.0);
        assert_eq!(powi(1.5, 0), 1.0);
        assert_eq!(powi(-2.0, 5), -32.0);
    }

    #[test]
    fn geometry_matches_direct_computation() {
        let train = [0.0, 1.0, 2.0, 3.0, -1.0, 0.5];
        let test = [1.0, 1.0];
        let g = FoldGeometry::new(&train, &test, 2);
        assert_eq!((g.n_train(), g.n_test()), (3, 1));
        let k = Kernel::Rbf { gamma: 0.3 };
        let m = g.train_kernel_f32(k);
        // Rows 0 and 1: (0,1) and (2,3), squared distance 8.
        assert!((m[1] as f64 - (-2.4f64).exp()).abs() < 1e-7);
        assert_eq!(m[1], m[3]);
        assert_eq!(g.train_diagonal(k, 2), 1.0);
        // Test (1,1) to training row 2 (-1, 0.5): 4 + 0.25.
        assert!((g.test_entry(k, 0, 2) - (-0.3f64 * 4.25).exp()).abs() < 1e-15);
    }
}
