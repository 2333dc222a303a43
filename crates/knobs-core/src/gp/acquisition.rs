//! Acquisition functions for minimisation: larger is more promising.
//!
//! All work in standardised units (see the glossary in [`crate::gp`]): `μ`, `σ` and `f*`
//! are standardised losses, so `ξ` and `κ` do not depend on the objective's scale.

use serde::{Deserialize, Serialize};

/// Which acquisition function, with its setting.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum Acquisition {
    /// `ln EI` with `ξ = 0`, computed without underflow far from the incumbent, so its
    /// maximiser still has a gradient to follow where EI itself is 0 in floating point.
    #[default]
    LogEi,
    /// Expected improvement `σ (z Φ(z) + φ(z))`, `z = (f* − μ − ξ)/σ`.
    Ei {
        /// Improvement margin `ξ ≥ 0`; larger explores more.
        xi: f64,
    },
    /// Upper confidence bound on the improvement `κσ − μ` (lower confidence bound on the loss).
    Ucb {
        /// Exploration weight `κ ≥ 0`.
        kappa: f64,
    },
    /// Probability of improvement `Φ(z)`.
    Pi {
        /// Improvement margin `ξ ≥ 0`.
        xi: f64,
    },
}

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Standard normal density `φ(z)`.
pub fn norm_pdf(z: f64) -> f64 {
    (-0.5 * z * z - LN_SQRT_2PI).exp()
}

/// Standard normal distribution function `Φ(z)`.
pub fn norm_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' Chebyshev fit, relative error below
/// 1.2e-7 everywhere), good enough for acquisition values.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// `(ln h(z), Φ(z)/h(z))` for `h(z) = φ(z) + zΦ(z)`, the EI of a unit-σ posterior.
///
/// For `z < −3`, `h = φ(z) c/(t + c)` with `t = −z` and `c` Laplace's continued fraction
/// `1/(t + 2/(t + 3/(t + …)))` for the Mills ratio, which avoids the cancellation in
/// `φ + zΦ`; then `Φ/h = 1/c`.
pub(crate) fn log_h(z: f64) -> (f64, f64) {
    if z >= -3.0 {
        let (pdf, cdf) = (norm_pdf(z), norm_cdf(z));
        let h = pdf + z * cdf;
        (h.ln(), cdf / h)
    } else {
        let t = -z;
        let mut c = 0.0;
        for k in (2..=60).rev() {
            c = 1.0 / (t + k as f64 * c);
        }
        // c now is 1/(t + 2/(t + 3/(t + …)))
        (-0.5 * z * z - LN_SQRT_2PI + (c / (t + c)).ln(), 1.0 / c)
    }
}

impl Acquisition {
    /// The value and its partial derivatives `(a, ∂a/∂μ, ∂a/∂σ)` at posterior `μ`, `σ`, with
    /// incumbent `best` (all standardised).
    pub(crate) fn value_and_partials(&self, mu: f64, sigma: f64, best: f64) -> (f64, f64, f64) {
        let sigma = sigma.max(1e-12);
        match *self {
            Acquisition::LogEi => {
                let z = (best - mu) / sigma;
                let (lh, ratio) = log_h(z);
                // ∂ln h/∂z = Φ/h; ∂z/∂μ = −1/σ; ∂z/∂σ = −z/σ
                (sigma.ln() + lh, -ratio / sigma, (1.0 - z * ratio) / sigma)
            }
            Acquisition::Ei { xi } => {
                let z = (best - mu - xi) / sigma;
                let (pdf, cdf) = (norm_pdf(z), norm_cdf(z));
                (sigma * (pdf + z * cdf), -cdf, pdf)
            }
            Acquisition::Ucb { kappa } => (kappa * sigma - mu, -1.0, kappa),
            Acquisition::Pi { xi } => {
                let z = (best - mu - xi) / sigma;
                let pdf = norm_pdf(z);
                (norm_cdf(z), -pdf / sigma, -pdf * z / sigma)
            }
        }
    }

    /// The value at posterior `μ`, `σ` with incumbent `best` (standardised).
    pub fn value(&self, mu: f64, sigma: f64, best: f64) -> f64 {
        self.value_and_partials(mu, sigma, best).0
    }

    /// Short name for labels.
    pub fn name(&self) -> &'static str {
        match self {
            Acquisition::LogEi => "LogEI",
            Acquisition::Ei { .. } => "EI",
            Acquisition::Ucb { .. } => "UCB",
            Acquisition::Pi { .. } => "PI",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gp_log_ei_matches_ln_ei_where_ei_is_not_tiny() {
        for &(mu, sigma) in &[(0.0, 1.0), (0.5, 0.3), (-1.0, 2.0), (2.0, 0.9), (3.0, 1.1)] {
            let ei = Acquisition::Ei { xi: 0.0 }.value(mu, sigma, 0.2);
            let lei = Acquisition::LogEi.value(mu, sigma, 0.2);
            assert!(ei > 1e-6);
            assert!((lei - ei.ln()).abs() < 1e-9, "{lei} vs {}", ei.ln());
        }
    }

    #[test]
    fn gp_log_ei_is_finite_and_continuous_far_out() {
        let below = Acquisition::LogEi.value(3.0 + 1e-9, 1.0, 0.0);
        let above = Acquisition::LogEi.value(3.0 - 1e-9, 1.0, 0.0);
        assert!((below - above).abs() < 1e-4, "{below} {above}");
        let far = Acquisition::LogEi.value(40.0, 1.0, 0.0);
        assert!(far.is_finite() && far < -700.0);
        // compare with the asymptotic ln h(z) ≈ ln φ(z) − 2 ln t
        let t: f64 = 40.0;
        assert!((far - (-0.5 * t * t - LN_SQRT_2PI - 2.0 * t.ln())).abs() < 1e-2);
    }

    #[test]
    fn gp_acquisition_partials_match_finite_differences() {
        let h = 1e-6;
        for acq in [
            Acquisition::LogEi,
            Acquisition::Ei { xi: 0.01 },
            Acquisition::Ucb { kappa: 2.0 },
            Acquisition::Pi { xi: 0.01 },
        ] {
            for &(mu, s) in &[(0.3, 0.7), (5.0, 1.0)] {
                let (a, dm, ds) = acq.value_and_partials(mu, s, 0.0);
                let fdm = (acq.value(mu + h, s, 0.0) - a) / h;
                let fds = (acq.value(mu, s + h, 0.0) - a) / h;
                let tol = 1e-4 * (1.0 + dm.abs() + ds.abs());
                assert!((fdm - dm).abs() < tol, "{acq:?} dmu {fdm} {dm}");
                assert!((fds - ds).abs() < tol, "{acq:?} dsigma {fds} {ds}");
            }
        }
    }
}
