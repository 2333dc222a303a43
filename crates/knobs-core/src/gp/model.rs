//! A Gaussian process fitted to data: standardised outputs, Gaussian noise, Cholesky solves.

use super::kernel::Kernel;
use faer::linalg::triangular_solve::{
    solve_lower_triangular_in_place, solve_upper_triangular_in_place,
};
use faer::{Mat, Par, Side};

/// Smallest jitter added to the diagonal; raised tenfold (up to 1e-2) while the Cholesky
/// factorisation fails.
const JITTER: f64 = 1e-9;

/// Build `K = k(x_a, x_b) + (σ_n² + jitter) I` and factor it; returns `L` and the jitter used.
pub(crate) fn factor(x: &[Vec<f64>], kernel: &Kernel, noise: f64) -> Option<(Mat<f64>, f64)> {
    factor_with(x, kernel, noise, &[])
}

/// [`factor`] with `extra[a]` added to the diagonal of point `a` (points past `extra`'s end
/// get none): the transfer variance `τ²` of a warm start's down-weighted observations.
pub(crate) fn factor_with(
    x: &[Vec<f64>],
    kernel: &Kernel,
    noise: f64,
    extra: &[f64],
) -> Option<(Mat<f64>, f64)> {
    let n = x.len();
    let base = Mat::from_fn(n, n, |a, b| {
        if b <= a {
            kernel.eval(&x[a], &x[b])
        } else {
            0.0
        }
    });
    let mut jitter = JITTER;
    while jitter <= 1e-2 {
        let k = Mat::from_fn(n, n, |a, b| {
            let (i, j) = if b <= a { (a, b) } else { (b, a) };
            base[(i, j)]
                + if a == b {
                    noise + jitter + extra.get(a).copied().unwrap_or(0.0)
                } else {
                    0.0
                }
        });
        if let Ok(llt) = k.llt(Side::Lower) {
            return Some((llt.L().to_owned(), jitter));
        }
        jitter *= 10.0;
    }
    None
}

/// Solve `K X = B` in place given the lower Cholesky factor `L` of `K`.
pub(crate) fn chol_solve(l: &Mat<f64>, b: &mut Mat<f64>) {
    solve_lower_triangular_in_place(l.as_ref(), b.as_mut(), Par::Seq);
    solve_upper_triangular_in_place(l.transpose(), b.as_mut(), Par::Seq);
}

/// Mean and scale used to standardise losses (`ỹ = (y − ȳ) / s_y`; `s_y = 1` when all equal).
pub(crate) fn standardisation(y: &[f64]) -> (f64, f64) {
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let sd = var.sqrt();
    (
        mean,
        if sd > 1e-12 && sd.is_finite() {
            sd
        } else {
            1.0
        },
    )
}

/// A GP posterior given training data and fixed hyperparameters.
#[derive(Clone, Debug)]
pub(crate) struct GpModel {
    kernel: Kernel,
    x: Vec<Vec<f64>>,
    y_mean: f64,
    y_scale: f64,
    l: Mat<f64>,
    alpha: Vec<f64>,
    /// The standardised training outputs `ỹ` (for leave-one-out predictions).
    y_std: Vec<f64>,
}

impl GpModel {
    /// Condition a GP with `kernel` and noise variance `noise` (both in standardised units)
    /// on points `x` with losses `y` (raw units; standardised here). `None` if the data are
    /// empty or the kernel matrix cannot be factored even with jitter.
    #[cfg(test)]
    pub(crate) fn new(x: Vec<Vec<f64>>, y: &[f64], kernel: Kernel, noise: f64) -> Option<Self> {
        Self::with_extra_noise(x, y, kernel, noise, &[])
    }

    /// [`GpModel::new`] where point `a` is observed with noise variance `σ_n² + extra[a]`
    /// (standardised units; missing entries are 0): a warm start's old trials enter with
    /// the transfer variance `τ²`, so they shape the posterior without pinning it.
    pub(crate) fn with_extra_noise(
        x: Vec<Vec<f64>>,
        y: &[f64],
        kernel: Kernel,
        noise: f64,
        extra: &[f64],
    ) -> Option<Self> {
        let standard = standardisation(y);
        Self::conditioned(x, y, kernel, noise, standard, extra)
    }

    /// [`GpModel::new`] with a given standardisation `(ȳ, s_y)` instead of the data's own:
    /// what a refit on a subset needs to be comparable with the full model (the
    /// leave-one-out test's refits).
    #[cfg(test)]
    pub(crate) fn with_standardisation(
        x: Vec<Vec<f64>>,
        y: &[f64],
        kernel: Kernel,
        noise: f64,
        standard: (f64, f64),
    ) -> Option<Self> {
        Self::conditioned(x, y, kernel, noise, standard, &[])
    }

    /// The posterior for a given standardisation and per-point extra noise.
    fn conditioned(
        x: Vec<Vec<f64>>,
        y: &[f64],
        kernel: Kernel,
        noise: f64,
        (y_mean, y_scale): (f64, f64),
        extra: &[f64],
    ) -> Option<Self> {
        if x.is_empty() || x.len() != y.len() {
            return None;
        }
        let (l, _) = factor_with(&x, &kernel, noise, extra)?;
        let y_std: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();
        let mut a = Mat::from_fn(y.len(), 1, |i, _| y_std[i]);
        chol_solve(&l, &mut a);
        let alpha = (0..y.len()).map(|i| a[(i, 0)]).collect();
        Some(GpModel {
            kernel,
            x,
            y_mean,
            y_scale,
            l,
            alpha,
            y_std,
        })
    }

    /// Leave-one-out predictions of every training output, in the losses' own units: for
    /// each `i`, the mean and standard deviation of `y_i` predicted by the same GP (same
    /// hyperparameters) conditioned on the other `n − 1` points. Closed form (Rasmussen &
    /// Williams, eq. 5.12): with `K⁻¹` from the Cholesky factor,
    /// `μ₋ᵢ = ỹᵢ − [K⁻¹ỹ]ᵢ / [K⁻¹]ᵢᵢ` and `σ²₋ᵢ = 1 / [K⁻¹]ᵢᵢ`, one `O(n³)` inverse instead of
    /// `n` refits. `σ₋ᵢ` is the spread of an *observation* (noise included), the right width
    /// for an interval meant to hold the observed value.
    pub(crate) fn leave_one_out(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.x.len();
        let mut inv = Mat::from_fn(n, n, |a, b| if a == b { 1.0 } else { 0.0 });
        chol_solve(&self.l, &mut inv);
        (0..n)
            .map(|i| {
                let d = inv[(i, i)].max(1e-300);
                let mean = self.y_std[i] - self.alpha[i] / d;
                (
                    self.y_mean + self.y_scale * mean,
                    self.y_scale * (1.0 / d).sqrt(),
                )
            })
            .unzip()
    }

    /// Number of training points.
    pub(crate) fn len(&self) -> usize {
        self.x.len()
    }

    /// A raw loss in standardised units.
    pub(crate) fn standardise(&self, y: f64) -> f64 {
        (y - self.y_mean) / self.y_scale
    }

    /// Posterior mean only, in the objective's units: `O(n)` per point, where the standard
    /// deviation would need a triangular solve (`O(n²)`) per point.
    pub(crate) fn predict_mean(&self, points: &[Vec<f64>]) -> Vec<f64> {
        points
            .iter()
            .map(|p| {
                let m: f64 = self
                    .x
                    .iter()
                    .zip(&self.alpha)
                    .map(|(xa, a)| self.kernel.eval(xa, p) * a)
                    .sum();
                self.y_mean + self.y_scale * m
            })
            .collect()
    }

    /// Posterior mean and standard deviation of the latent function (no noise) at many
    /// points, in standardised units.
    pub(crate) fn predict_standardised(&self, points: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
        let (n, m) = (self.x.len(), points.len());
        let mut ks = Mat::from_fn(n, m, |a, j| self.kernel.eval(&self.x[a], &points[j]));
        let mean: Vec<f64> = (0..m)
            .map(|j| (0..n).map(|a| ks[(a, j)] * self.alpha[a]).sum())
            .collect();
        solve_lower_triangular_in_place(self.l.as_ref(), ks.as_mut(), Par::Seq);
        let std = (0..m)
            .map(|j| {
                let q: f64 = (0..n).map(|a| ks[(a, j)] * ks[(a, j)]).sum();
                (self.kernel.amplitude - q).max(1e-12).sqrt()
            })
            .collect();
        (mean, std)
    }

    /// Posterior mean and standard deviation at many points, in the losses' own units.
    pub(crate) fn predict(&self, points: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
        let (mut mean, mut std) = self.predict_standardised(points);
        mean.iter_mut()
            .for_each(|m| *m = self.y_mean + self.y_scale * *m);
        std.iter_mut().for_each(|s| *s *= self.y_scale);
        (mean, std)
    }

    /// Standardised `(μ, σ, ∂μ/∂x, ∂σ/∂x)` at one point.
    pub(crate) fn predict_with_gradient(&self, p: &[f64]) -> (f64, f64, Vec<f64>, Vec<f64>) {
        let (n, d) = (self.x.len(), p.len());
        let mut kv = Vec::with_capacity(n);
        let mut dk = vec![0.0; n * d]; // ∂k(p, x_a)/∂p_i at a * d + i
        for (a, xa) in self.x.iter().enumerate() {
            let (k, g) = self.kernel.value_and_g(self.kernel.r2(p, xa));
            kv.push(k);
            for i in 0..d {
                if !self.kernel.is_categorical(i) {
                    let l = self.kernel.length_scales[i];
                    dk[a * d + i] = -g * (p[i] - xa[i]) / (l * l);
                }
            }
        }
        let mut w = Mat::from_fn(n, 1, |a, _| kv[a]);
        chol_solve(&self.l, &mut w);
        let mu: f64 = kv.iter().zip(&self.alpha).map(|(k, a)| k * a).sum();
        let kw: f64 = (0..n).map(|a| kv[a] * w[(a, 0)]).sum();
        let var = (self.kernel.amplitude - kw).max(1e-12);
        let sigma = var.sqrt();
        let mut dmu = vec![0.0; d];
        let mut dsigma = vec![0.0; d];
        for a in 0..n {
            for i in 0..d {
                dmu[i] += self.alpha[a] * dk[a * d + i];
                // ∂σ²/∂p = −2 wᵀ ∂k/∂p, and ∂σ = ∂σ² / (2σ)
                dsigma[i] -= w[(a, 0)] * dk[a * d + i] / sigma;
            }
        }
        (mu, sigma, dmu, dsigma)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::KernelKind;

    fn toy() -> (Vec<Vec<f64>>, Vec<f64>) {
        let x: Vec<Vec<f64>> = (0..8)
            .map(|i| vec![i as f64 / 7.0, ((i * 3) % 8) as f64 / 7.0])
            .collect();
        let y = x
            .iter()
            .map(|p| (5.0 * p[0]).sin() + p[1] * p[1] * 3.0)
            .collect();
        (x, y)
    }

    #[test]
    fn gp_posterior_interpolates_training_data() {
        let (x, y) = toy();
        let kernel = Kernel {
            kind: KernelKind::Matern52,
            length_scales: vec![0.4, 0.4],
            amplitude: 1.0,
            categorical: vec![],
        };
        let gp = GpModel::new(x.clone(), &y, kernel, 1e-8).unwrap();
        let (m, s) = gp.predict(&x);
        for i in 0..x.len() {
            assert!((m[i] - y[i]).abs() < 1e-4, "{} vs {}", m[i], y[i]);
            assert!(s[i] < 1e-2, "std at a training point {}", s[i]);
        }
        assert_eq!(gp.predict_mean(&x).len(), x.len());
        for (a, b) in gp.predict_mean(&x).iter().zip(&m) {
            assert!((a - b).abs() < 1e-9);
        }
        let (_, far) = gp.predict(&[vec![0.5, 0.5]]);
        assert!(far[0] > s[0]);
    }

    #[test]
    fn leave_one_out_in_closed_form_equals_refitting_without_each_point() {
        let (x, y) = toy();
        let kernel = Kernel {
            kind: KernelKind::Matern52,
            length_scales: vec![0.35, 0.6],
            amplitude: 1.1,
            categorical: vec![],
        };
        let noise = 1e-3;
        let gp = GpModel::new(x.clone(), &y, kernel.clone(), noise).unwrap();
        let (mean, sd) = gp.leave_one_out();
        let standard = standardisation(&y);
        for i in 0..x.len() {
            let (xs, ys): (Vec<Vec<f64>>, Vec<f64>) = (0..x.len())
                .filter(|&k| k != i)
                .map(|k| (x[k].clone(), y[k]))
                .unzip();
            let refit =
                GpModel::with_standardisation(xs, &ys, kernel.clone(), noise, standard).unwrap();
            let (m, s) = refit.predict(std::slice::from_ref(&x[i]));
            // The refit's σ is the latent function's; an observation adds the noise.
            let observed_sd = (s[0].powi(2) + noise * standard.1.powi(2)).sqrt();
            assert!(
                (mean[i] - m[0]).abs() < 1e-6,
                "{i}: {} vs {}",
                mean[i],
                m[0]
            );
            assert!(
                (sd[i] - observed_sd).abs() < 1e-6 * observed_sd.max(1.0),
                "{i}: {} vs {observed_sd}",
                sd[i]
            );
        }
    }

    #[test]
    fn gp_gradient_matches_finite_differences() {
        let (x, y) = toy();
        let kernel = Kernel {
            kind: KernelKind::Matern52,
            length_scales: vec![0.3, 0.5],
            amplitude: 1.2,
            categorical: vec![],
        };
        let gp = GpModel::new(x, &y, kernel, 1e-4).unwrap();
        let p = [0.33, 0.61];
        let (mu, s, dmu, ds) = gp.predict_with_gradient(&p);
        let (m0, s0) = gp.predict_standardised(&[p.to_vec()]);
        assert!((mu - m0[0]).abs() < 1e-9 && (s - s0[0]).abs() < 1e-9);
        let h = 1e-6;
        for i in 0..2 {
            let mut q = p.to_vec();
            q[i] += h;
            let (m1, s1) = gp.predict_standardised(&[q]);
            assert!(((m1[0] - mu) / h - dmu[i]).abs() < 1e-3);
            assert!(((s1[0] - s) / h - ds[i]).abs() < 1e-3);
        }
    }
}
