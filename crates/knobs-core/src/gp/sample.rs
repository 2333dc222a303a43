//! Joint draws from a GP, prior or posterior, on a finite set of points.
//!
//! A GP is a distribution over functions; on `m` points it is the multivariate normal
//! `N(μ, Σ)`. Drawing whole functions (not pointwise `μ ± σ`) shows what the model actually
//! believes: how wiggly its functions are, and that they all pass near the observations. The
//! teaching views draw a few; the covariance is factored once (`Σ + εI = L Lᵀ`, with the
//! smallest jitter `ε` that works, since posterior covariances are singular at observed
//! points) and each draw is `μ + L z` with `z` standard normal.

use super::kernel::Kernel;
use super::model::{chol_solve, factor, standardisation};
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par, Side};
use rand::Rng;
use rand_distr::StandardNormal;

/// Smallest jitter tried, relative to the largest variance; raised tenfold while factoring
/// fails.
const REL_JITTER: f64 = 1e-10;
/// Largest relative jitter before giving up.
const MAX_REL_JITTER: f64 = 1e-3;

/// Why a Gaussian could not be built or sampled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SampleError {
    /// The mean and covariance disagree on the number of points.
    #[error("mean has {mean} entries but the covariance is {cov}×{cov}")]
    Shape {
        /// Entries of the mean.
        mean: usize,
        /// Rows of the covariance.
        cov: usize,
    },
    /// The covariance is not positive semi-definite even with the largest jitter.
    #[error("the covariance cannot be factored, even with jitter")]
    NotPositive,
    /// The training data cannot condition the GP (empty, mismatched or unfactorable).
    #[error("the GP cannot be conditioned on these observations")]
    Conditioning,
}

/// A multivariate normal `N(μ, Σ)` over a set of points.
#[derive(Clone, Debug)]
pub struct Gaussian {
    /// `μ`, one entry per point.
    pub mean: Vec<f64>,
    /// `Σ`, symmetric.
    pub cov: Mat<f64>,
}

impl Gaussian {
    /// A Gaussian from its mean and covariance.
    pub fn new(mean: Vec<f64>, cov: Mat<f64>) -> Result<Self, SampleError> {
        if cov.nrows() != mean.len() || cov.ncols() != mean.len() {
            return Err(SampleError::Shape {
                mean: mean.len(),
                cov: cov.nrows(),
            });
        }
        Ok(Gaussian { mean, cov })
    }

    /// The GP prior `N(0, k(xᵢ, xⱼ))` at `points`: what the kernel alone believes, before
    /// any observation (standardised units).
    pub fn prior(kernel: &Kernel, points: &[Vec<f64>]) -> Self {
        let m = points.len();
        Gaussian {
            mean: vec![0.0; m],
            cov: Mat::from_fn(m, m, |i, j| kernel.eval(&points[i], &points[j])),
        }
    }

    /// The GP posterior of the latent function at `points` given observations `y` at `x`,
    /// in the observations' units, conditioned exactly as `super::model::GpModel` conditions: `y`
    /// standardised, noise variance `noise` and the kernel in standardised units, so the
    /// mean equals `GpModel::predict`'s.
    pub fn posterior(
        kernel: &Kernel,
        noise: f64,
        x: &[Vec<f64>],
        y: &[f64],
        points: &[Vec<f64>],
    ) -> Result<Self, SampleError> {
        if x.is_empty() || x.len() != y.len() {
            return Err(SampleError::Conditioning);
        }
        let (y_mean, y_scale) = standardisation(y);
        let (l, _) = factor(x, kernel, noise).ok_or(SampleError::Conditioning)?;
        let (n, m) = (x.len(), points.len());
        let mut alpha = Mat::from_fn(n, 1, |a, _| (y[a] - y_mean) / y_scale);
        chol_solve(&l, &mut alpha);
        // V = L⁻¹ K(x, points): Σ = K(points, points) − Vᵀ V.
        let mut v = Mat::from_fn(n, m, |a, j| kernel.eval(&x[a], &points[j]));
        let mean = (0..m)
            .map(|j| {
                let s: f64 = (0..n).map(|a| v[(a, j)] * alpha[(a, 0)]).sum();
                y_mean + y_scale * s
            })
            .collect();
        solve_lower_triangular_in_place(l.as_ref(), v.as_mut(), Par::Seq);
        let s2 = y_scale * y_scale;
        let cov = Mat::from_fn(m, m, |i, j| {
            let q: f64 = (0..n).map(|a| v[(a, i)] * v[(a, j)]).sum();
            s2 * (kernel.eval(&points[i], &points[j]) - q)
        });
        Ok(Gaussian { mean, cov })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.mean.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }

    /// `count` joint draws, each one value per point; the same `rng` state gives the same
    /// draws.
    pub fn sample(&self, count: usize, rng: &mut impl Rng) -> Result<Vec<Vec<f64>>, SampleError> {
        let m = self.len();
        if m == 0 {
            return Ok(vec![Vec::new(); count]);
        }
        let l = self.factor()?;
        Ok((0..count)
            .map(|_| {
                let z: Vec<f64> = (0..m).map(|_| rng.sample(StandardNormal)).collect();
                (0..m)
                    .map(|i| self.mean[i] + (0..=i).map(|k| l[(i, k)] * z[k]).sum::<f64>())
                    .collect()
            })
            .collect())
    }

    /// The lower Cholesky factor of `Σ + εI` with the smallest jitter `ε` that works.
    fn factor(&self) -> Result<Mat<f64>, SampleError> {
        let m = self.len();
        let scale = (0..m)
            .map(|i| self.cov[(i, i)].abs())
            .fold(0.0, f64::max)
            .max(1e-300);
        let mut rel = REL_JITTER;
        while rel <= MAX_REL_JITTER {
            let jitter = rel * scale;
            // Symmetrise from the lower triangle: round-off makes Σ slightly asymmetric.
            let k = Mat::from_fn(m, m, |i, j| {
                let (a, b) = if j <= i { (i, j) } else { (j, i) };
                self.cov[(a, b)] + if i == j { jitter } else { 0.0 }
            });
            if let Ok(llt) = k.llt(Side::Lower) {
                return Ok(llt.L().to_owned());
            }
            rel *= 10.0;
        }
        Err(SampleError::NotPositive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::KernelKind;
    use crate::gp::model::GpModel;
    use crate::strategy::seeded_rng;

    fn kernel(kind: KernelKind) -> Kernel {
        Kernel {
            kind,
            length_scales: vec![0.3],
            amplitude: 1.5,
            categorical: vec![],
        }
    }

    fn line(m: usize) -> Vec<Vec<f64>> {
        (0..m).map(|i| vec![i as f64 / (m - 1) as f64]).collect()
    }

    #[test]
    fn prior_draws_have_the_kernels_mean_and_covariance() {
        for kind in [KernelKind::Matern52, KernelKind::Rbf] {
            let k = kernel(kind);
            let pts = line(6);
            let g = Gaussian::prior(&k, &pts);
            let n = 20_000;
            let draws = g.sample(n, &mut seeded_rng(7, 1)).unwrap();
            for i in 0..pts.len() {
                let mean = draws.iter().map(|d| d[i]).sum::<f64>() / n as f64;
                // standard error of the mean is √(1.5 / 20000) ≈ 0.009
                assert!(mean.abs() < 0.04, "{kind:?} mean[{i}] = {mean}");
                for j in 0..pts.len() {
                    let c = draws.iter().map(|d| d[i] * d[j]).sum::<f64>() / n as f64;
                    let want = k.eval(&pts[i], &pts[j]);
                    assert!(
                        (c - want).abs() < 0.06,
                        "{kind:?} cov[{i},{j}] {c} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn posterior_mean_matches_the_model_and_draws_pass_through_the_data() {
        let k = kernel(KernelKind::Matern52);
        let x = vec![vec![0.1], vec![0.5], vec![0.8]];
        let y = [3.0, -1.0, 2.0];
        let pts = line(41);
        let noise = 1e-6;
        let g = Gaussian::posterior(&k, noise, &x, &y, &pts).unwrap();
        let model = GpModel::new(x.clone(), &y, k.clone(), noise).unwrap();
        let (mean, std) = model.predict(&pts);
        for i in 0..pts.len() {
            assert!((g.mean[i] - mean[i]).abs() < 1e-9);
            let sd = g.cov[(i, i)].max(0.0).sqrt();
            assert!((sd - std[i]).abs() < 1e-4, "{sd} vs {}", std[i]);
        }
        // x = 0.5 is grid point 20: every draw passes (almost) through y = -1 there.
        let draws = g.sample(50, &mut seeded_rng(1, 2)).unwrap();
        for d in &draws {
            assert!((d[20] + 1.0).abs() < 0.05, "{}", d[20]);
        }
        // and away from the data the draws spread out
        let spread = draws
            .iter()
            .map(|d| (d[40] - g.mean[40]).abs())
            .sum::<f64>()
            / 50.0;
        assert!(spread > 0.1, "{spread}");
    }

    #[test]
    fn draws_are_seeded_and_shapes_are_checked() {
        let g = Gaussian::prior(&kernel(KernelKind::Rbf), &line(30));
        let a = g.sample(3, &mut seeded_rng(5, 0)).unwrap();
        let b = g.sample(3, &mut seeded_rng(5, 0)).unwrap();
        let c = g.sample(3, &mut seeded_rng(6, 0)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].len(), 30);
        assert!(matches!(
            Gaussian::new(vec![0.0; 2], Mat::zeros(3, 3)),
            Err(SampleError::Shape { mean: 2, cov: 3 })
        ));
        // an indefinite "covariance" is refused, not sampled
        let bad = Gaussian::new(
            vec![0.0; 2],
            Mat::from_fn(2, 2, |i, j| if i == j { -1.0 } else { 0.0 }),
        )
        .unwrap();
        assert_eq!(
            bad.sample(1, &mut seeded_rng(0, 0)),
            Err(SampleError::NotPositive)
        );
    }
}
