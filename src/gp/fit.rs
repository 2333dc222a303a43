//! Kernel hyperparameters by maximising the log marginal likelihood plus weak log priors.
//!
//! The parameters are `θ = (ln ℓ_1 … ln ℓ_d, ln σ_f², ln σ_n²)`, each with a normal prior
//! in log space (so log-normal on the parameter) and a box:
//!
//! | parameter | prior on the log | box |
//! |---|---|---|
//! | `ℓ_i` | `N(ln(0.5 √d), 1²)`: longer scales in more dimensions, where points are sparse | `[0.01, 20]` |
//! | `σ_f²` | `N(0, 1.5²)` (outputs are standardised to unit variance) | `[0.01, 100]` |
//! | `σ_n²` | `N(ln 1e-4, 2²)`: most tuning objectives are nearly deterministic | `[1e-7, 0.3]` |
//!
//! The penalised negative log likelihood is minimised with a small projected L-BFGS
//! (memory 6, Armijo backtracking) using the analytic gradient
//! `∂(−ln p(ỹ|θ))/∂θ_j = −½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j)`.

use super::kernel::{Kernel, KernelKind};
use super::model::{chol_solve, factor, standardisation};
use faer::Mat;
use rand::Rng;

/// Fitted hyperparameters: the kernel and the noise variance (standardised units).
#[derive(Clone, Debug, PartialEq)]
pub struct Hypers {
    /// Kernel with its length scales and amplitude.
    pub kernel: Kernel,
    /// `σ_n²`.
    pub noise: f64,
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

struct Prior {
    mean: Vec<f64>,
    sd: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
}

fn prior(d: usize) -> Prior {
    let mut mean = vec![(0.5 * (d as f64).sqrt()).ln(); d];
    let mut sd = vec![1.0; d];
    let mut lo = vec![0.01f64.ln(); d];
    let mut hi = vec![20f64.ln(); d];
    mean.extend([0.0, 1e-4f64.ln()]);
    sd.extend([1.5, 2.0]);
    lo.extend([0.01f64.ln(), 1e-7f64.ln()]);
    hi.extend([100f64.ln(), 0.3f64.ln()]);
    Prior { mean, sd, lo, hi }
}

impl Hypers {
    /// The hyperparameters at the mode of the priors: a sensible default before any fit.
    pub fn prior_mode(kind: KernelKind, categorical: &[bool], d: usize) -> Self {
        Hypers::from_theta(kind, categorical, &prior(d).mean)
    }

    /// From log parameters `θ`.
    pub fn from_theta(kind: KernelKind, categorical: &[bool], theta: &[f64]) -> Self {
        let d = theta.len() - 2;
        Hypers {
            kernel: Kernel {
                kind,
                length_scales: theta[..d].iter().map(|t| t.exp()).collect(),
                amplitude: theta[d].exp(),
                categorical: categorical.to_vec(),
            },
            noise: theta[d + 1].exp(),
        }
    }

    /// The log parameters `θ`.
    pub fn theta(&self) -> Vec<f64> {
        let mut t: Vec<f64> = self.kernel.length_scales.iter().map(|l| l.ln()).collect();
        t.extend([self.kernel.amplitude.ln(), self.noise.ln()]);
        t
    }
}

/// Penalised negative log marginal likelihood and its gradient in `θ`, for standardised `y`.
pub fn objective(
    x: &[Vec<f64>],
    y: &[f64],
    kind: KernelKind,
    categorical: &[bool],
    theta: &[f64],
) -> Option<(f64, Vec<f64>)> {
    let (n, d) = (x.len(), theta.len() - 2);
    let h = Hypers::from_theta(kind, categorical, theta);
    let (l, _) = factor(x, &h.kernel, h.noise)?;
    let mut alpha = Mat::from_fn(n, 1, |i, _| y[i]);
    chol_solve(&l, &mut alpha);
    let mut kinv = Mat::<f64>::identity(n, n);
    chol_solve(&l, &mut kinv);
    let mut nll = 0.5 * (0..n).map(|i| y[i] * alpha[(i, 0)]).sum::<f64>()
        + (0..n).map(|i| l[(i, i)].ln()).sum::<f64>()
        + 0.5 * n as f64 * LN_2PI;
    let mut grad = vec![0.0; d + 2];
    // tr(W ∂K/∂θ) with W = ααᵀ − K⁻¹, symmetric; off-diagonal pairs counted twice.
    let mut tr_amp = 0.0;
    let mut tr_noise = 0.0;
    for a in 0..n {
        let waa = alpha[(a, 0)] * alpha[(a, 0)] - kinv[(a, a)];
        tr_amp += waa * h.kernel.amplitude;
        tr_noise += waa * h.noise;
        for b in 0..a {
            let w = 2.0 * (alpha[(a, 0)] * alpha[(b, 0)] - kinv[(a, b)]);
            let (k, g) = h.kernel.value_and_g(h.kernel.r2(&x[a], &x[b]));
            tr_amp += w * k;
            for i in 0..d {
                let t = h.kernel.delta(i, x[a][i], x[b][i]) / h.kernel.length_scales[i];
                grad[i] += w * g * t * t;
            }
        }
    }
    grad[d] = tr_amp;
    grad[d + 1] = tr_noise;
    grad.iter_mut().for_each(|g| *g *= -0.5);
    let p = prior(d);
    for j in 0..d + 2 {
        let u = (theta[j] - p.mean[j]) / p.sd[j];
        nll += 0.5 * u * u;
        grad[j] += u / p.sd[j];
    }
    nll.is_finite().then_some((nll, grad))
}

/// Projected L-BFGS on a box: minimise `f` from `x0`; returns the best point and value.
pub(crate) fn lbfgs_box(
    mut f: impl FnMut(&[f64]) -> Option<(f64, Vec<f64>)>,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    iters: usize,
) -> Option<(Vec<f64>, f64)> {
    let clamp = |x: &mut Vec<f64>| {
        for ((v, l), h) in x.iter_mut().zip(lo).zip(hi) {
            *v = v.clamp(*l, *h);
        }
    };
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut x = x0.to_vec();
    clamp(&mut x);
    let (mut fx, mut g) = f(&x)?;
    let (mut ss, mut ys): (Vec<Vec<f64>>, Vec<Vec<f64>>) = (vec![], vec![]);
    for _ in 0..iters {
        // free variables: not pinned at a bound by the gradient
        let free: Vec<bool> = (0..x.len())
            .map(|i| !((x[i] <= lo[i] && g[i] > 0.0) || (x[i] >= hi[i] && g[i] < 0.0)))
            .collect();
        let pg: Vec<f64> = (0..x.len())
            .map(|i| if free[i] { g[i] } else { 0.0 })
            .collect();
        if pg.iter().all(|v| v.abs() < 1e-5) {
            break;
        }
        // two-loop recursion
        let mut q = pg.clone();
        let mut alphas = vec![0.0; ss.len()];
        for k in (0..ss.len()).rev() {
            let rho = 1.0 / dot(&ys[k], &ss[k]);
            alphas[k] = rho * dot(&ss[k], &q);
            q.iter_mut()
                .zip(&ys[k])
                .for_each(|(qi, yi)| *qi -= alphas[k] * yi);
        }
        let gamma = match (ss.last(), ys.last()) {
            (Some(s), Some(y)) => dot(s, y) / dot(y, y),
            _ => 1.0 / pg.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1.0),
        };
        q.iter_mut().for_each(|v| *v *= gamma);
        for k in 0..ss.len() {
            let rho = 1.0 / dot(&ys[k], &ss[k]);
            let beta = rho * dot(&ys[k], &q);
            q.iter_mut()
                .zip(&ss[k])
                .for_each(|(qi, si)| *qi += (alphas[k] - beta) * si);
        }
        let mut dir: Vec<f64> = (0..x.len())
            .map(|i| if free[i] { -q[i] } else { 0.0 })
            .collect();
        if dot(&dir, &pg) >= 0.0 {
            dir = pg.iter().map(|v| -v).collect();
            ss.clear();
            ys.clear();
        }
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..20 {
            let mut xn: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a + step * b).collect();
            clamp(&mut xn);
            let moved: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
            if let Some((fn_, gn)) = f(&xn)
                && fn_ <= fx + 1e-4 * dot(&g, &moved)
            {
                accepted = Some((xn, fn_, gn, moved));
                break;
            }
            step *= 0.5;
        }
        let Some((xn, fn_, gn, s)) = accepted else {
            break;
        };
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        if dot(&s, &y) > 1e-10 {
            ss.push(s);
            ys.push(y);
            if ss.len() > 6 {
                ss.remove(0);
                ys.remove(0);
            }
        }
        let improvement = fx - fn_;
        (x, fx, g) = (xn, fn_, gn);
        if improvement.abs() < 1e-9 * (1.0 + fx.abs()) {
            break;
        }
    }
    Some((x, fx))
}

/// How hard to work on the kernel hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitEffort {
    /// Random restarts beside the warm start.
    pub restarts: usize,
    /// L-BFGS iterations per start.
    pub iterations: usize,
    /// Largest number of points the likelihood is computed on (its cost grows as `n³`);
    /// beyond it a fixed subset is used: the best half and an even spread of the rest.
    pub max_points: usize,
}

impl Default for FitEffort {
    fn default() -> Self {
        FitEffort {
            restarts: 2,
            iterations: 60,
            max_points: 250,
        }
    }
}

/// Fit hyperparameters to points `x` with losses `y` (raw; standardised here).
///
/// Starts from `start` (e.g. the previous fit; the prior mode when `None`) and from
/// `restarts` extra points drawn from the priors; keeps the best. Falls back to the start
/// when every run fails.
pub fn fit_hypers(
    x: &[Vec<f64>],
    y: &[f64],
    kind: KernelKind,
    categorical: &[bool],
    start: Option<&Hypers>,
    effort: &FitEffort,
    rng: &mut impl Rng,
) -> Hypers {
    let d = x.first().map_or(0, |p| p.len());
    let p = prior(d);
    let (mean, scale) = standardisation(y);
    let ys: Vec<f64> = y.iter().map(|v| (v - mean) / scale).collect();
    let first = start.map_or_else(|| p.mean.clone(), |h| h.theta());
    let mut starts = vec![first.clone()];
    for _ in 0..effort.restarts {
        starts.push(
            (0..d + 2)
                .map(|j| {
                    let u: f64 = rng.random::<f64>() * 2.0 - 1.0;
                    (p.mean[j] + 1.5 * u * p.sd[j]).clamp(p.lo[j], p.hi[j])
                })
                .collect(),
        );
    }
    let mut best: Option<(Vec<f64>, f64)> = None;
    for s in &starts {
        if let Some((t, v)) = lbfgs_box(
            |t| objective(x, &ys, kind, categorical, t),
            s,
            &p.lo,
            &p.hi,
            effort.iterations,
        ) && best.as_ref().is_none_or(|b| v < b.1)
        {
            best = Some((t, v));
        }
    }
    Hypers::from_theta(kind, categorical, &best.map_or(first, |b| b.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::seeded_rng;

    fn data() -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut rng = seeded_rng(3, 0);
        let x: Vec<Vec<f64>> = (0..25)
            .map(|_| vec![rng.random::<f64>(), rng.random::<f64>()])
            .collect();
        // varies fast along x0, barely along x1
        let y = x.iter().map(|p| (8.0 * p[0]).sin() + 0.05 * p[1]).collect();
        (x, y)
    }

    #[test]
    fn gp_likelihood_gradient_matches_finite_differences() {
        let (x, y) = data();
        let theta = vec![-1.0, 0.2, 0.1, -6.0];
        let (f0, g) = objective(&x, &y, KernelKind::Matern52, &[], &theta).unwrap();
        for j in 0..4 {
            let mut t = theta.clone();
            t[j] += 1e-6;
            let fd = (objective(&x, &y, KernelKind::Matern52, &[], &t).unwrap().0 - f0) / 1e-6;
            assert!(
                (fd - g[j]).abs() < 1e-3 * (1.0 + g[j].abs()),
                "{j}: {fd} vs {}",
                g[j]
            );
        }
    }

    #[test]
    fn gp_fit_finds_the_relevant_coordinate() {
        let (x, y) = data();
        let mut rng = seeded_rng(0, 1);
        let h = fit_hypers(
            &x,
            &y,
            KernelKind::Matern52,
            &[],
            None,
            &FitEffort::default(),
            &mut rng,
        );
        let l = &h.kernel.length_scales;
        assert!(l[0] < 0.5 && l[1] > 2.0 * l[0], "{l:?}");
    }
}
