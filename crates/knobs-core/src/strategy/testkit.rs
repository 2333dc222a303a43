//! Shared helpers for the strategy tests: a tiny ask → evaluate → tell loop, and the
//! synthetic-function benchmark the reports quote.

use super::{Observation, Strategy};
use crate::objective::SyntheticFn;
use crate::space::{Domain, Param, Space};

/// Run `budget` sequential trials of `f` and return every (point, loss) in order.
pub(crate) fn drive(
    s: &mut dyn Strategy,
    budget: usize,
    mut f: impl FnMut(&[f64]) -> f64,
) -> Vec<(Vec<f64>, f64)> {
    let mut out = Vec::with_capacity(budget);
    for n in 0..budget {
        let p = s.ask(n).expect("ask").point;
        let y = f(&p);
        s.tell(Observation {
            number: n,
            point: &p,
            loss: Some(y),
            gradient: None,
        });
        out.push((p, y));
    }
    out
}

/// Run `budget` trials in batches of `batch` (all asked, then all told in number order).
pub(crate) fn drive_batched(
    s: &mut dyn Strategy,
    budget: usize,
    batch: usize,
    mut f: impl FnMut(&[f64]) -> f64,
) -> Vec<(Vec<f64>, f64)> {
    let mut out = Vec::with_capacity(budget);
    let mut n = 0;
    while n < budget {
        let k = batch.min(budget - n);
        let pts: Vec<Vec<f64>> = (n..n + k).map(|i| s.ask(i).expect("ask").point).collect();
        for (j, p) in pts.into_iter().enumerate() {
            let y = f(&p);
            s.tell(Observation {
                number: n + j,
                point: &p,
                loss: Some(y),
                gradient: None,
            });
            out.push((p, y));
        }
        n += k;
    }
    out
}

/// A quadratic bowl with its minimum (0) at an off-centre point.
pub(crate) fn bowl(x: &[f64]) -> f64 {
    x.iter()
        .enumerate()
        .map(|(i, v)| {
            let c = 0.3 + 0.4 * (i as f64 + 1.0) / (x.len() as f64 + 1.0);
            (v - c).powi(2)
        })
        .sum()
}

/// The best loss in a run.
pub(crate) fn best(run: &[(Vec<f64>, f64)]) -> f64 {
    run.iter().map(|r| r.1).fold(f64::INFINITY, f64::min)
}

/// Assert every point is inside the unit cube.
pub(crate) fn assert_in_cube(run: &[(Vec<f64>, f64)]) {
    for (p, _) in run {
        assert!(
            p.iter().all(|v| (0.0..=1.0).contains(v)),
            "point outside the cube: {p:?}"
        );
    }
}

/// Evaluate a synthetic function at a unit-cube point (mapped linearly to its box).
pub(crate) fn synthetic(f: SyntheticFn, u: &[f64]) -> f64 {
    let b = f.bounds(u.len());
    let x: Vec<f64> = u
        .iter()
        .zip(&b)
        .map(|(v, (lo, hi))| lo + v * (hi - lo))
        .collect();
    f.eval(&x).0
}

/// Median over seeds 0..9 of the final regret after `budget` sequential evaluations.
pub(crate) fn median_regret(
    f: SyntheticFn,
    budget: usize,
    mut make: impl FnMut(usize, u64) -> Box<dyn Strategy>,
) -> f64 {
    let d = f.default_dims();
    let mut regrets: Vec<f64> = (0..10u64)
        .map(|seed| {
            let mut s = make(d, seed);
            let run = drive(s.as_mut(), budget, |u| synthetic(f, u));
            best(&run) - f.minimum()
        })
        .collect();
    regrets.sort_by(|a, b| a.total_cmp(b));
    0.5 * (regrets[4] + regrets[5])
}

/// Print the median regrets at 60 evaluations on the anchor functions.
pub(crate) fn report(name: &str, mut make: impl FnMut(usize, u64) -> Box<dyn Strategy>) {
    for f in [
        SyntheticFn::Branin,
        SyntheticFn::Hartmann6,
        SyntheticFn::Rosenbrock,
        SyntheticFn::Ackley,
    ] {
        let r = median_regret(f, 60, &mut make);
        println!(
            "{name}: {} median regret at 60 evals (seeds 0..9) = {r:.4}",
            f.name()
        );
    }
}

/// A space of `d` floats `x0…` on `[0, 1]`, so unit-cube points are the parameters.
pub(crate) fn unit_space(d: usize) -> Space {
    Space::new(
        (0..d)
            .map(|i| {
                Param::new(
                    format!("x{i}"),
                    Domain::Float {
                        low: 0.0,
                        high: 1.0,
                        log: false,
                    },
                )
            })
            .collect(),
    )
    .expect("a valid space")
}
