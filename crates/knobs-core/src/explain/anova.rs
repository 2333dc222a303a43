//! Functional ANOVA of the GP's posterior mean: how much of its variance over the search
//! space each parameter explains alone (main effects) and each pair explains together beyond
//! their main effects (interactions), as fANOVA (Hutter et al., 2014) does with a random
//! forest's trees.
//!
//! # Estimator
//!
//! With the partial dependences of [`super::partial`] (`f₀`, `V`, `PD_i`, `PD_ij`):
//!
//! - main effect `f_i(u) = PD_i(u) − f₀`; its variance `V_i` is the mean of
//!   `(PD_i − mean_k PD_i)²` over the `G₁` grid values;
//! - interaction `f_ij(u, v) = PD_ij(u, v) − PD_i(u) − PD_j(v) + f₀`, with `PD_i`, `PD_j` and
//!   `f₀` taken as the row, column and grand means of the `G₂ × G₂` grid itself (the same base
//!   design under every cell), so an additive function has interactions of exactly zero;
//!   `V_ij` is the mean of `f_ij²` over the grid;
//! - importances are the shares `V_i / V` and `V_ij / V`; what they leave of 1 is explained
//!   by interactions of three or more parameters (plus the estimator's error).
//!
//! The grids are midpoint rules, so each share carries an error of order `1/G²` for smooth
//! `μ`; the shares of a GP mean change little beyond `G₁ = 24`, `G₂ = 12`.

use super::partial::{Design, PartialDependence};
use crate::gp::Surrogate;

/// The variance decomposition of a function on the unit cube.
#[derive(Clone, Debug, PartialEq)]
pub struct Anova {
    /// `V`, the total variance (the function's own units squared).
    pub variance: f64,
    /// `V_i / V` for each coordinate.
    pub main: Vec<f64>,
    /// `(i, j, V_ij / V)` for each pair `i < j`.
    pub pairs: Vec<(usize, usize, f64)>,
}

impl Anova {
    /// Decompose the variance behind a set of partial dependences.
    pub fn of(pd: &PartialDependence) -> Self {
        let v = pd.variance;
        let share = |x: f64| if v > 1e-300 { x / v } else { 0.0 };
        let main = pd.one.iter().map(|curve| share(variance(curve))).collect();
        let g = pd.design.grid2;
        let pairs = pd
            .two
            .iter()
            .map(|p| {
                let at = |ix: usize, iy: usize| p.values[iy * g + ix];
                let col: Vec<f64> = (0..g)
                    .map(|ix| (0..g).map(|iy| at(ix, iy)).sum::<f64>() / g as f64)
                    .collect();
                let row: Vec<f64> = (0..g)
                    .map(|iy| (0..g).map(|ix| at(ix, iy)).sum::<f64>() / g as f64)
                    .collect();
                let grand = col.iter().sum::<f64>() / g as f64;
                let mut ss = 0.0;
                for (iy, r) in row.iter().enumerate() {
                    for (ix, c) in col.iter().enumerate() {
                        ss += (at(ix, iy) - c - r + grand).powi(2);
                    }
                }
                (p.x, p.y, share(ss / (g * g) as f64))
            })
            .collect();
        Anova {
            variance: v,
            main,
            pairs,
        }
    }

    /// The posterior mean's decomposition for a fitted surrogate, with the partial
    /// dependences it came from (which the partial-dependence matrix draws).
    pub fn of_surrogate(s: &Surrogate, design: Design) -> (Self, PartialDependence) {
        let mean = |pts: &[Vec<f64>]| s.predict(pts).0;
        let pd = PartialDependence::compute(&mean, s.dim(), design);
        (Anova::of(&pd), pd)
    }

    /// Main effects scaled to sum to one (how Optuna's evaluators report importance), zero
    /// when no parameter has an effect.
    pub fn normalised_main(&self) -> Vec<f64> {
        let total: f64 = self.main.iter().sum();
        self.main
            .iter()
            .map(|m| if total > 0.0 { m / total } else { 0.0 })
            .collect()
    }

    /// The share explained by interactions of three or more parameters (and estimation
    /// error): `1 − Σ V_i/V − Σ V_ij/V`, at least zero.
    pub fn higher_order(&self) -> f64 {
        let explained: f64 =
            self.main.iter().sum::<f64>() + self.pairs.iter().map(|p| p.2).sum::<f64>();
        (1.0 - explained).max(0.0)
    }
}

/// Population variance of a curve's values.
fn variance(values: &[f64]) -> f64 {
    let n = values.len().max(1) as f64;
    let m = values.iter().sum::<f64>() / n;
    values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design() -> Design {
        Design {
            grid1: 24,
            grid2: 12,
            samples: 128,
            total: 4096,
            seed: 7,
        }
    }

    fn anova(f: impl Fn(&[f64]) -> f64, d: usize) -> Anova {
        let batch = |pts: &[Vec<f64>]| -> Vec<f64> { pts.iter().map(|p| f(p)).collect() };
        Anova::of(&PartialDependence::compute(&batch, d, design()))
    }

    #[test]
    fn an_additive_function_has_no_interaction_and_its_terms_share_the_variance() {
        // Var(2·x0) = 4/12, Var(x1) = 1/12, x2 unused: shares 0.8, 0.2, 0.
        let a = anova(|p| 2.0 * p[0] + p[1], 3);
        for &(i, j, share) in &a.pairs {
            assert!(share.abs() < 1e-12, "pair ({i}, {j}) has {share}");
        }
        assert!((a.main[0] - 0.8).abs() < 0.01, "{:?}", a.main);
        assert!((a.main[1] - 0.2).abs() < 0.01, "{:?}", a.main);
        assert!(a.main[2].abs() < 1e-12);
        assert!(a.higher_order() < 0.01);
    }

    #[test]
    fn a_centred_product_is_all_interaction() {
        let a = anova(|p| (p[0] - 0.5) * (p[1] - 0.5), 2);
        assert!(a.main.iter().all(|m| *m < 0.01), "{:?}", a.main);
        assert!(a.pairs[0].2 > 0.95, "{:?}", a.pairs);
    }

    #[test]
    fn a_plain_product_splits_as_its_known_decomposition() {
        // f = x·y on [0,1]²: V = 7/144, V_x = V_y = 1/48, V_xy = 1/144,
        // so the shares are 3/7, 3/7 and 1/7.
        let a = anova(|p| p[0] * p[1], 2);
        assert!((a.main[0] - 3.0 / 7.0).abs() < 0.01, "{:?}", a.main);
        assert!((a.main[1] - 3.0 / 7.0).abs() < 0.01, "{:?}", a.main);
        assert!((a.pairs[0].2 - 1.0 / 7.0).abs() < 0.01, "{:?}", a.pairs);
        assert!((a.normalised_main().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
