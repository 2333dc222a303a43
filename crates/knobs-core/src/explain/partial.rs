//! Partial dependence of a function on the unit cube: the function with every coordinate but
//! one (or two) averaged out, as scikit-optimize's `plot_objective` draws it.
//!
//! # Estimator
//!
//! For a coordinate `i` and a grid value `u`, the 1-D partial dependence is
//! `PD_i(u) = ∫ μ(x | x_i = u) dx_{−i}`; for a pair, `PD_ij(u, v) = ∫ μ(x | x_i = u, x_j = v) dx_{−ij}`.
//! Both integrals are estimated by quasi-Monte Carlo: the same `N` scrambled Sobol points
//! (the *base design*) supply the averaged coordinates for every grid value, so differences
//! between grid values carry no sampling noise of their own (an additive function gives
//! exactly additive 2-D grids). Grid values are cell midpoints `(k + ½)/G`. The mean `f₀` and
//! the total variance `V` of `μ` come from a separate, larger Sobol design of [`Design::total`]
//! points. These are what `super::anova` decomposes.

use crate::strategy::{Sobol, seeded_rng};
use rand::Rng;

/// How finely the partial dependences are computed; [`Design::for_cost`] picks one whose cost
/// (predictions × training points) stays near a fixed budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Design {
    /// Grid values per coordinate for the 1-D partial dependences.
    pub grid1: usize,
    /// Grid values per side of the 2-D partial dependences.
    pub grid2: usize,
    /// Points of the base design the other coordinates are averaged over (`N`).
    pub samples: usize,
    /// Points of the design the total mean and variance are estimated on.
    pub total: usize,
    /// Seed of the scrambled Sobol designs (fixed: the same surrogate gives the same answer).
    pub seed: u64,
}

/// Predictions × training points a [`Design::for_cost`] design aims at: about a second of
/// posterior-mean evaluations on one core.
const BUDGET: f64 = 1.5e8;

impl Design {
    /// A design for `d` coordinates and a GP holding `n` points: 24 values along each 1-D
    /// curve, 12 per side of each 2-D grid, and as many base points (32 to 256) as the
    /// budget allows.
    pub fn for_cost(d: usize, n: usize) -> Self {
        let (grid1, grid2) = (24, 12);
        let pairs = d * d.saturating_sub(1) / 2;
        let per_sample = (d * grid1 + pairs * grid2 * grid2).max(1) as f64;
        let samples = (BUDGET / (n.max(1) as f64 * per_sample)).clamp(32.0, 256.0) as usize;
        Design {
            grid1,
            grid2,
            samples,
            total: 2048,
            seed: 0x000a_107a,
        }
    }
}

/// A 2-D partial dependence over coordinates `x` (columns) and `y` (rows).
#[derive(Clone, Debug, PartialEq)]
pub struct PairGrid {
    /// The coordinate along the columns.
    pub x: usize,
    /// The coordinate along the rows (`y > x`).
    pub y: usize,
    /// `values[iy · G + ix] = PD_xy((ix + ½)/G, (iy + ½)/G)`, `G` = [`Design::grid2`].
    pub values: Vec<f64>,
}

/// Every 1-D and 2-D partial dependence of a function, with its overall mean and variance.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialDependence {
    /// How it was computed.
    pub design: Design,
    /// `f₀`, the function's mean over the cube.
    pub mean: f64,
    /// `V`, the function's variance over the cube.
    pub variance: f64,
    /// `one[i][k] = PD_i((k + ½)/G)`, `G` = [`Design::grid1`].
    pub one: Vec<Vec<f64>>,
    /// One grid per pair `x < y`, in the order `(0,1), (0,2), …, (1,2), …`.
    pub two: Vec<PairGrid>,
}

/// The midpoint of cell `k` of `g`.
pub fn midpoint(k: usize, g: usize) -> f64 {
    (k as f64 + 0.5) / g as f64
}

/// `n` quasi-random points of the cube (scrambled Sobol; uniform draws beyond its dimensions).
fn design(d: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    match Sobol::new(d, seed) {
        Ok(s) => (0..n).map(|i| s.point(i)).collect(),
        Err(_) => {
            let mut rng = seeded_rng(seed, 0x000a_107a);
            (0..n)
                .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
                .collect()
        }
    }
}

impl PartialDependence {
    /// Compute every partial dependence of `f` (a batch function: points in, values out) on
    /// `[0, 1]^d` with `design`. Pairs are skipped when `d < 2`.
    pub fn compute(f: &dyn Fn(&[Vec<f64>]) -> Vec<f64>, d: usize, design: Design) -> Self {
        let totals = f(&design_or_empty(d, design.total, design.seed ^ 0x7074));
        let n = totals.len().max(1) as f64;
        let mean = totals.iter().sum::<f64>() / n;
        let variance = totals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let base = design_or_empty(d, design.samples, design.seed);
        // Average of f over the base design with the coordinates in `fixed` set.
        let average = |fixed: &[(usize, f64)]| -> f64 {
            let pts: Vec<Vec<f64>> = base
                .iter()
                .map(|b| {
                    let mut p = b.clone();
                    for &(i, u) in fixed {
                        p[i] = u;
                    }
                    p
                })
                .collect();
            let v = f(&pts);
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        let one = (0..d)
            .map(|i| {
                (0..design.grid1)
                    .map(|k| average(&[(i, midpoint(k, design.grid1))]))
                    .collect()
            })
            .collect();
        let g = design.grid2;
        let mut two = Vec::new();
        for x in 0..d {
            for y in x + 1..d {
                let mut values = Vec::with_capacity(g * g);
                for iy in 0..g {
                    for ix in 0..g {
                        values.push(average(&[(x, midpoint(ix, g)), (y, midpoint(iy, g))]));
                    }
                }
                two.push(PairGrid { x, y, values });
            }
        }
        PartialDependence {
            design,
            mean,
            variance,
            one,
            two,
        }
    }

    /// The 2-D grid of coordinates `a` and `b` (either order), if both exist.
    pub fn pair(&self, a: usize, b: usize) -> Option<&PairGrid> {
        let (x, y) = if a < b { (a, b) } else { (b, a) };
        self.two.iter().find(|p| p.x == x && p.y == y)
    }
}

/// `n` design points, none when there are no coordinates.
fn design_or_empty(d: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    if d == 0 {
        Vec::new()
    } else {
        design(d, n, seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Design {
        Design {
            grid1: 10,
            grid2: 6,
            samples: 64,
            total: 1024,
            seed: 3,
        }
    }

    #[test]
    fn partial_dependence_of_an_additive_function_is_each_term_plus_the_others_mean() {
        // f = x0² + 3·x1 + sin(x2): PD_0(u) = u² + 3·E[x1] + E[sin x2].
        let f = |pts: &[Vec<f64>]| -> Vec<f64> {
            pts.iter()
                .map(|p| p[0] * p[0] + 3.0 * p[1] + p[2].sin())
                .collect()
        };
        let pd = PartialDependence::compute(&f, 3, small());
        let rest = 1.5 + (1.0 - 1f64.cos());
        for (k, v) in pd.one[0].iter().enumerate() {
            let u = midpoint(k, 10);
            assert!((v - (u * u + rest)).abs() < 0.02, "{v} at {u}");
        }
        assert_eq!(pd.two.len(), 3);
        let grid = pd.pair(2, 0).unwrap();
        assert_eq!((grid.x, grid.y, grid.values.len()), (0, 2, 36));
        // The mean of x0² + 3x1 + sin x2 over the cube.
        assert!((pd.mean - (1.0 / 3.0 + rest)).abs() < 0.01, "{}", pd.mean);
    }
}
