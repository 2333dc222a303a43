//! Synthetic test functions with known minima and analytic gradients.
//!
//! The four benchmark functions are defined exactly as in the anchors'
//! `bench_synthetic.py` (same boxes, same constants, same known minima), so regrets are
//! comparable with the tools measured there. Parameters are named `x0, x1, …`.

use super::{BuildError, Evaluation, Objective, ObjectiveError, numeric};
use crate::space::{Domain, Param, Params, Space};
use crate::study::Direction;
use serde::{Deserialize, Serialize};
use std::f64::consts::{E, PI};

/// Which synthetic function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyntheticFn {
    /// Branin–Hoo, 2-D, three global minima: the classic BO test.
    Branin,
    /// Hartmann 6-D, one global minimum among several local ones.
    Hartmann6,
    /// Rosenbrock's banana valley, n-D (default 4-D on [-2, 2]).
    Rosenbrock,
    /// Ackley, n-D (default 5-D on [-5, 5]): a needle in a bumpy plain.
    Ackley,
    /// Six-hump camel, 2-D: two global and four local minima.
    SixHumpCamel,
    /// Levy, n-D (default 2-D on [-10, 10]): many regular local minima.
    Levy,
    /// Forrester et al. (2008), 1-D on [0, 1]: a local minimum beside the global one, the
    /// standard picture for explaining Bayesian optimisation.
    Forrester,
}

const H_ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
const H_A: [[f64; 6]; 4] = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];
const H_P: [[f64; 6]; 4] = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];

impl SyntheticFn {
    /// Every function, in the order `knobs list` prints them.
    pub const ALL: [SyntheticFn; 7] = [
        SyntheticFn::Branin,
        SyntheticFn::Hartmann6,
        SyntheticFn::Rosenbrock,
        SyntheticFn::Ackley,
        SyntheticFn::SixHumpCamel,
        SyntheticFn::Levy,
        SyntheticFn::Forrester,
    ];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            SyntheticFn::Branin => "branin",
            SyntheticFn::Hartmann6 => "hartmann6",
            SyntheticFn::Rosenbrock => "rosenbrock",
            SyntheticFn::Ackley => "ackley",
            SyntheticFn::SixHumpCamel => "six_hump_camel",
            SyntheticFn::Levy => "levy",
            SyntheticFn::Forrester => "forrester",
        }
    }

    /// One line for `knobs list`.
    pub fn summary(self) -> &'static str {
        match self {
            SyntheticFn::Branin => "2-D, three global minima (0.397887)",
            SyntheticFn::Hartmann6 => "6-D on [0,1]^6, minimum -3.32237",
            SyntheticFn::Rosenbrock => "n-D banana valley, default 4-D on [-2,2], minimum 0",
            SyntheticFn::Ackley => "n-D needle in a bumpy plain, default 5-D on [-5,5], minimum 0",
            SyntheticFn::SixHumpCamel => "2-D, two global and four local minima (-1.03163)",
            SyntheticFn::Levy => "n-D, default 2-D on [-10,10], many local minima, minimum 0",
            SyntheticFn::Forrester => "1-D on [0,1], one local and one global minimum (-6.02074)",
        }
    }

    /// Parse a CLI name; accepts the anchors' `rosenbrock4` and `ackley5` too.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase().replace('-', "_");
        match name.as_str() {
            "rosenbrock4" => return Some(SyntheticFn::Rosenbrock),
            "ackley5" => return Some(SyntheticFn::Ackley),
            "camel" | "sixhumpcamel" => return Some(SyntheticFn::SixHumpCamel),
            _ => {}
        }
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The dimension of functions defined only in one dimension.
    pub fn fixed_dims(self) -> Option<usize> {
        match self {
            SyntheticFn::Branin | SyntheticFn::SixHumpCamel => Some(2),
            SyntheticFn::Hartmann6 => Some(6),
            SyntheticFn::Forrester => Some(1),
            _ => None,
        }
    }

    /// The default dimension.
    pub fn default_dims(self) -> usize {
        match self {
            SyntheticFn::Rosenbrock => 4,
            SyntheticFn::Ackley => 5,
            SyntheticFn::Levy => 2,
            other => other.fixed_dims().unwrap_or(2),
        }
    }

    /// The standard box, per coordinate.
    pub fn bounds(self, dims: usize) -> Vec<(f64, f64)> {
        match self {
            SyntheticFn::Branin => vec![(-5.0, 10.0), (0.0, 15.0)],
            SyntheticFn::SixHumpCamel => vec![(-3.0, 3.0), (-2.0, 2.0)],
            SyntheticFn::Hartmann6 => vec![(0.0, 1.0); 6],
            SyntheticFn::Rosenbrock => vec![(-2.0, 2.0); dims],
            SyntheticFn::Ackley => vec![(-5.0, 5.0); dims],
            SyntheticFn::Levy => vec![(-10.0, 10.0); dims],
            SyntheticFn::Forrester => vec![(0.0, 1.0)],
        }
    }

    /// The global minimum value in the standard box.
    pub fn minimum(self) -> f64 {
        match self {
            SyntheticFn::Branin => 5.0 / (4.0 * PI),
            SyntheticFn::Hartmann6 => -3.322368011415515,
            SyntheticFn::SixHumpCamel => -1.031628453489877,
            SyntheticFn::Forrester => -6.020740055767083,
            SyntheticFn::Rosenbrock | SyntheticFn::Ackley | SyntheticFn::Levy => 0.0,
        }
    }

    /// Value and gradient at `x`.
    pub fn eval(self, x: &[f64]) -> (f64, Vec<f64>) {
        match self {
            SyntheticFn::Branin => branin(x),
            SyntheticFn::Hartmann6 => hartmann6(x),
            SyntheticFn::Rosenbrock => rosenbrock(x),
            SyntheticFn::Ackley => ackley(x),
            SyntheticFn::SixHumpCamel => camel(x),
            SyntheticFn::Levy => levy(x),
            SyntheticFn::Forrester => forrester(x),
        }
    }
}

fn branin(x: &[f64]) -> (f64, Vec<f64>) {
    let (b, c, t) = (5.1 / (4.0 * PI * PI), 5.0 / PI, 1.0 / (8.0 * PI));
    let h = x[1] - b * x[0] * x[0] + c * x[0] - 6.0;
    let f = h * h + 10.0 * (1.0 - t) * x[0].cos() + 10.0;
    let g0 = 2.0 * h * (c - 2.0 * b * x[0]) - 10.0 * (1.0 - t) * x[0].sin();
    (f, vec![g0, 2.0 * h])
}

fn hartmann6(x: &[f64]) -> (f64, Vec<f64>) {
    let mut f = 0.0;
    let mut g = vec![0.0; 6];
    for i in 0..4 {
        let inner: f64 = (0..6).map(|j| H_A[i][j] * (x[j] - H_P[i][j]).powi(2)).sum();
        let term = H_ALPHA[i] * (-inner).exp();
        f -= term;
        for j in 0..6 {
            g[j] += term * 2.0 * H_A[i][j] * (x[j] - H_P[i][j]);
        }
    }
    (f, g)
}

fn rosenbrock(x: &[f64]) -> (f64, Vec<f64>) {
    let mut f = 0.0;
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len().saturating_sub(1) {
        let a = x[i + 1] - x[i] * x[i];
        f += 100.0 * a * a + (1.0 - x[i]).powi(2);
        g[i] += -400.0 * a * x[i] - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * a;
    }
    (f, g)
}

fn ackley(x: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len() as f64;
    let r = (x.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
    let cos_mean = x.iter().map(|v| (2.0 * PI * v).cos()).sum::<f64>() / n;
    let (e1, e2) = ((-0.2 * r).exp(), cos_mean.exp());
    let f = -20.0 * e1 - e2 + 20.0 + E;
    let g = x
        .iter()
        .map(|v| {
            let radial = if r > 0.0 { 4.0 * e1 * v / (n * r) } else { 0.0 };
            radial + 2.0 * PI / n * (2.0 * PI * v).sin() * e2
        })
        .collect();
    (f, g)
}

fn camel(x: &[f64]) -> (f64, Vec<f64>) {
    let (a, b) = (x[0], x[1]);
    let f = (4.0 - 2.1 * a * a + a.powi(4) / 3.0) * a * a + a * b + (-4.0 + 4.0 * b * b) * b * b;
    let ga = 8.0 * a - 8.4 * a.powi(3) + 2.0 * a.powi(5) + b;
    let gb = a - 8.0 * b + 16.0 * b.powi(3);
    (f, vec![ga, gb])
}

fn levy(x: &[f64]) -> (f64, Vec<f64>) {
    let d = x.len();
    let w: Vec<f64> = x.iter().map(|v| 1.0 + (v - 1.0) / 4.0).collect();
    let mut f = (PI * w[0]).sin().powi(2);
    let mut gw = vec![0.0; d];
    gw[0] += PI * (2.0 * PI * w[0]).sin();
    for i in 0..d - 1 {
        let s = (PI * w[i] + 1.0).sin();
        let a = w[i] - 1.0;
        f += a * a * (1.0 + 10.0 * s * s);
        gw[i] +=
            2.0 * a * (1.0 + 10.0 * s * s) + a * a * 10.0 * PI * (2.0 * (PI * w[i] + 1.0)).sin();
    }
    let a = w[d - 1] - 1.0;
    let s = (2.0 * PI * w[d - 1]).sin();
    f += a * a * (1.0 + s * s);
    gw[d - 1] += 2.0 * a * (1.0 + s * s) + a * a * 2.0 * PI * (4.0 * PI * w[d - 1]).sin();
    (f, gw.into_iter().map(|g| g / 4.0).collect())
}

fn forrester(x: &[f64]) -> (f64, Vec<f64>) {
    let a = 6.0 * x[0] - 2.0;
    let s = 12.0 * x[0] - 4.0;
    let f = a * a * s.sin();
    (f, vec![12.0 * a * s.sin() + 12.0 * a * a * s.cos()])
}

/// A synthetic function ready to evaluate, with its dimension fixed.
#[derive(Clone, Debug)]
pub struct Synthetic {
    function: SyntheticFn,
    dims: usize,
}

/// The most dimensions an n-D synthetic function may have: checked before a space of that
/// many parameters is allocated, so `--dims 18446744073709551615` is an error, not an abort.
pub(crate) const MAX_DIMS: usize = 1000;

impl Synthetic {
    /// The function in `dims` dimensions (its default when `None`).
    pub fn new(function: SyntheticFn, dims: Option<usize>) -> Result<Self, BuildError> {
        let dims = match (function.fixed_dims(), dims) {
            (Some(fixed), Some(d)) if d != fixed => {
                return Err(BuildError::Invalid(format!(
                    "{} is defined only in {fixed} dimensions, not {d}",
                    function.name()
                )));
            }
            (_, Some(0)) => return Err(BuildError::Invalid("dimension must be at least 1".into())),
            (_, Some(d)) if d > MAX_DIMS => {
                return Err(BuildError::Invalid(format!(
                    "{} in {d} dimensions is more than Knobs searches (at most {MAX_DIMS})",
                    function.name()
                )));
            }
            (_, Some(1)) if function == SyntheticFn::Rosenbrock => {
                return Err(BuildError::Invalid(
                    "rosenbrock needs at least 2 dimensions".into(),
                ));
            }
            (_, Some(d)) => d,
            (_, None) => function.default_dims(),
        };
        Ok(Synthetic { function, dims })
    }

    /// Which function this is.
    pub fn function(&self) -> SyntheticFn {
        self.function
    }

    fn inputs(&self, params: &Params) -> Result<Vec<f64>, ObjectiveError> {
        (0..self.dims)
            .map(|i| numeric(params, &format!("x{i}")))
            .collect()
    }
}

impl Objective for Synthetic {
    fn evaluate(&self, params: &Params, want_gradient: bool) -> Result<Evaluation, ObjectiveError> {
        let x = self.inputs(params)?;
        let (value, gradient) = self.function.eval(&x);
        Ok(Evaluation {
            value,
            gradient: want_gradient.then(|| {
                gradient
                    .into_iter()
                    .enumerate()
                    .map(|(i, g)| (format!("x{i}"), g))
                    .collect()
            }),
            ..Evaluation::default()
        })
    }

    fn default_space(&self) -> Space {
        let params = self
            .function
            .bounds(self.dims)
            .into_iter()
            .enumerate()
            .map(|(i, (low, high))| {
                Param::new(
                    format!("x{i}"),
                    Domain::Float {
                        low,
                        high,
                        log: false,
                    },
                )
            })
            .collect();
        Space::new(params).unwrap_or_default()
    }

    fn direction(&self) -> Direction {
        Direction::Minimize
    }

    fn known_minimum(&self) -> Option<f64> {
        Some(self.function.minimum())
    }

    fn has_gradient(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMISERS: &[(SyntheticFn, &[f64])] = &[
        (SyntheticFn::Branin, &[PI, 2.275]),
        (SyntheticFn::Branin, &[-PI, 12.275]),
        (
            SyntheticFn::Hartmann6,
            &[0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
        ),
        (SyntheticFn::Rosenbrock, &[1.0, 1.0, 1.0, 1.0]),
        (SyntheticFn::Ackley, &[0.0; 5]),
        (SyntheticFn::SixHumpCamel, &[0.0898, -0.7126]),
        (SyntheticFn::Levy, &[1.0, 1.0]),
        (SyntheticFn::Forrester, &[0.757249]),
    ];

    #[test]
    fn known_minima_are_attained() {
        for (f, x) in MINIMISERS {
            let (v, _) = f.eval(x);
            assert!((v - f.minimum()).abs() < 1e-4, "{}: {v}", f.name());
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let points: &[&[f64]] = &[
            &[0.3, 0.7, 0.2, 0.9, 0.4, 0.6],
            &[-0.8, 0.35, 1.3, -0.2, 0.55, 0.1],
        ];
        for f in SyntheticFn::ALL {
            for p in points {
                let x = &p[..f.fixed_dims().unwrap_or(4)];
                let (_, g) = f.eval(x);
                for i in 0..x.len() {
                    let h = 1e-6;
                    let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
                    xp[i] += h;
                    xm[i] -= h;
                    let fd = (f.eval(&xp).0 - f.eval(&xm).0) / (2.0 * h);
                    assert!(
                        (fd - g[i]).abs() < 1e-4 * (1.0 + fd.abs()),
                        "{} d/dx{i}: analytic {} vs fd {fd}",
                        f.name(),
                        g[i]
                    );
                }
            }
        }
    }

    #[test]
    fn matches_anchor_values() {
        // Values computed with the anchors' bench_synthetic.py definitions.
        let (v, _) = SyntheticFn::Ackley.eval(&[0.0; 5]);
        assert!(v.abs() < 1e-15);
        let (v, _) = SyntheticFn::Branin.eval(&[0.0, 0.0]);
        assert!((v - 55.602112642270264).abs() < 1e-9);
    }

    #[test]
    fn dimension_rules() {
        assert!(Synthetic::new(SyntheticFn::Branin, Some(3)).is_err());
        assert_eq!(
            Synthetic::new(SyntheticFn::Ackley, None)
                .unwrap()
                .default_space()
                .dim(),
            5
        );
        assert_eq!(
            Synthetic::new(SyntheticFn::Levy, Some(3))
                .unwrap()
                .default_space()
                .dim(),
            3
        );
    }
}
