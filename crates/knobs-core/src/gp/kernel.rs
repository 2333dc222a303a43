//! Stationary ARD kernels on the unit cube.

use serde::{Deserialize, Serialize};

/// The shape of the covariance as a function of the scaled distance `r`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum KernelKind {
    /// Matérn ν = 5/2: `σ_f² (1 + √5 r + 5r²/3) e^{−√5 r}`; twice differentiable samples, the
    /// usual default for Bayesian optimisation.
    #[default]
    Matern52,
    /// Squared exponential `σ_f² e^{−r²/2}`: very smooth samples.
    Rbf,
}

/// A kernel with its hyperparameters: one length scale per coordinate and an amplitude.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// The shape.
    pub kind: KernelKind,
    /// `ℓ_i`, one per coordinate, all positive.
    pub length_scales: Vec<f64>,
    /// `σ_f²`, the prior variance at any point.
    pub amplitude: f64,
    /// Coordinates holding a categorical choice (empty: none). Their distance is Hamming's,
    /// `Δ_i = [x_i ≠ x'_i]`: choices have no order, so "a" is as far from "b" as from "c".
    pub categorical: Vec<bool>,
}

const SQRT5: f64 = 2.236_067_977_499_79;

impl Kernel {
    /// Squared scaled distance `r²` between two points.
    pub fn r2(&self, a: &[f64], b: &[f64]) -> f64 {
        if self.categorical.is_empty() {
            return a
                .iter()
                .zip(b)
                .zip(&self.length_scales)
                .map(|((x, y), l)| {
                    let t = (x - y) / l;
                    t * t
                })
                .sum();
        }
        (0..a.len())
            .map(|i| {
                let t = self.delta(i, a[i], b[i]) / self.length_scales[i];
                t * t
            })
            .sum()
    }

    /// `Δ_i`, the difference along coordinate `i`: `x − x'`, or `[x ≠ x']` for a categorical.
    pub fn delta(&self, i: usize, x: f64, y: f64) -> f64 {
        if self.categorical.get(i).copied().unwrap_or(false) {
            if x == y { 0.0 } else { 1.0 }
        } else {
            x - y
        }
    }

    /// Whether coordinate `i` is categorical (its derivative in `x` is then 0).
    pub(crate) fn is_categorical(&self, i: usize) -> bool {
        self.categorical.get(i).copied().unwrap_or(false)
    }

    /// `(k, g)` at squared distance `r²`, where `g` gives the derivatives:
    /// `∂k/∂ln ℓ_i = g (Δ_i / ℓ_i)²` and `∂k/∂x_i = −g Δ_i / ℓ_i²` with `Δ = x − x'`.
    pub(crate) fn value_and_g(&self, r2: f64) -> (f64, f64) {
        match self.kind {
            KernelKind::Matern52 => {
                let r = r2.max(0.0).sqrt();
                let e = (-SQRT5 * r).exp();
                let k = self.amplitude * (1.0 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
                let g = self.amplitude * 5.0 / 3.0 * (1.0 + SQRT5 * r) * e;
                (k, g)
            }
            KernelKind::Rbf => {
                let k = self.amplitude * (-0.5 * r2).exp();
                (k, k)
            }
        }
    }

    /// `k(a, b)`.
    pub fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        self.value_and_g(self.r2(a, b)).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gp_kernel_derivatives_match_finite_differences() {
        for kind in [KernelKind::Matern52, KernelKind::Rbf] {
            let k = Kernel {
                kind,
                length_scales: vec![0.3, 0.7],
                amplitude: 1.3,
                categorical: vec![],
            };
            let (a, b) = ([0.2, 0.9], [0.5, 0.4]);
            let (_, g) = k.value_and_g(k.r2(&a, &b));
            let h = 1e-6;
            let mut k2 = k.clone();
            k2.length_scales[0] *= f64::exp(h);
            let fd = (k2.eval(&a, &b) - k.eval(&a, &b)) / h;
            let an = g * ((a[0] - b[0]) / 0.3f64).powi(2);
            assert!((fd - an).abs() < 1e-4, "{kind:?} {fd} {an}");
            let fdx = (k.eval(&[0.2 + h, 0.9], &b) - k.eval(&a, &b)) / h;
            let anx = -g * (a[0] - b[0]) / 0.09;
            assert!((fdx - anx).abs() < 1e-4, "{kind:?} {fdx} {anx}");
        }
    }
}
