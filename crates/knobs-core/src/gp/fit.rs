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
use super::model::{chol_solve, standardisation};
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
    /// From log parameters `θ`.
    pub(crate) fn from_theta(kind: KernelKind, categorical: &[bool], theta: &[f64]) -> Self {
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
    pub(crate) fn theta(&self) -> Vec<f64> {
        let mut t: Vec<f64> = self.kernel.length_scales.iter().map(|l| l.ln()).collect();
        t.extend([self.kernel.amplitude.ln(), self.noise.ln()]);
        t
    }
}

/// The squared coordinate differences `Δ_i²` of every pair of training points, computed
/// once per fit: they do not depend on `θ`, so each likelihood evaluation only rescales them.
pub(crate) struct Pairs {
    n: usize,
    d: usize,
    /// `Δ_i²` for the pair `(a, b)`, `b < a`, at `(a(a−1)/2 + b)·d + i`.
    sq: Vec<f64>,
}

impl Pairs {
    /// The pairs of `x`, with Hamming differences on `categorical` coordinates.
    pub(crate) fn new(x: &[Vec<f64>], categorical: &[bool]) -> Self {
        let n = x.len();
        let d = x.first().map_or(0, Vec::len);
        let mut sq = Vec::with_capacity(n * n.saturating_sub(1) / 2 * d);
        for a in 0..n {
            for b in 0..a {
                for (i, (xa, xb)) in x[a].iter().zip(&x[b]).enumerate() {
                    let delta = if categorical.get(i).copied().unwrap_or(false) {
                        f64::from(u8::from(xa != xb))
                    } else {
                        xa - xb
                    };
                    sq.push(delta * delta);
                }
            }
        }
        Pairs { n, d, sq }
    }
}

/// Penalised negative log marginal likelihood and its gradient in `θ`, for standardised `y`.
pub(crate) fn objective(
    pairs: &Pairs,
    y: &[f64],
    kind: KernelKind,
    theta: &[f64],
) -> Option<(f64, Vec<f64>)> {
    let (n, d) = (pairs.n, pairs.d);
    let h = Hypers::from_theta(kind, &[], theta);
    let inv_l2: Vec<f64> = h
        .kernel
        .length_scales
        .iter()
        .map(|l| 1.0 / (l * l))
        .collect();
    // k and g of every pair, kept for the gradient.
    let kg: Vec<(f64, f64)> = pairs
        .sq
        .chunks_exact(d.max(1))
        .map(|sq| {
            let r2 = sq.iter().zip(&inv_l2).map(|(s, w)| s * w).sum();
            h.kernel.value_and_g(r2)
        })
        .collect();
    let tri = |a: usize, b: usize| a * (a - 1) / 2 + b;
    let mut jitter = 1e-9;
    let l = loop {
        let k = Mat::from_fn(n, n, |a, b| match a.cmp(&b) {
            std::cmp::Ordering::Equal => h.kernel.amplitude + h.noise + jitter,
            std::cmp::Ordering::Greater => kg[tri(a, b)].0,
            std::cmp::Ordering::Less => kg[tri(b, a)].0,
        });
        if let Ok(llt) = k.llt(faer::Side::Lower) {
            break llt.L().to_owned();
        }
        jitter *= 10.0;
        if jitter > 1e-2 {
            return None;
        }
    };
    let mut alpha = Mat::from_fn(n, 1, |i, _| y[i]);
    chol_solve(&l, &mut alpha);
    let kinv = cholesky_inverse(&l);
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
            let p = tri(a, b);
            let (k, g) = kg[p];
            tr_amp += w * k;
            let wg = w * g;
            for (gi, (s, il)) in grad
                .iter_mut()
                .zip(pairs.sq[p * d..(p + 1) * d].iter().zip(&inv_l2))
            {
                *gi += wg * s * il;
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

/// `K⁻¹` from its Cholesky factor (faer's triangular inverse, about a sixth of the work of
/// solving against the identity), on this thread only: the runner already runs trials in
/// parallel.
fn cholesky_inverse(l: &Mat<f64>) -> Mat<f64> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt::inverse;
    let n = l.nrows();
    let mut out = Mat::<f64>::zeros(n, n);
    let mut mem = MemBuffer::new(inverse::inverse_scratch::<f64>(n, faer::Par::Seq));
    inverse::inverse(
        out.as_mut(),
        l.as_ref(),
        faer::Par::Seq,
        MemStack::new(&mut mem),
    );
    // Only the lower triangle is written.
    for j in 0..n {
        for i in 0..j {
            out[(i, j)] = out[(j, i)];
        }
    }
    out
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
    pub(crate) max_points: usize,
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
pub(crate) fn fit_hypers(
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
    let pairs = Pairs::new(x, categorical);
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
            |t| objective(&pairs, &ys, kind, t),
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
        let pairs = Pairs::new(&x, &[]);
        let (f0, g) = objective(&pairs, &y, KernelKind::Matern52, &theta).unwrap();
        for j in 0..4 {
            let mut t = theta.clone();
            t[j] += 1e-6;
            let fd = (objective(&pairs, &y, KernelKind::Matern52, &t).unwrap().0 - f0) / 1e-6;
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
