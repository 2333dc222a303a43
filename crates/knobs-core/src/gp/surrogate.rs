//! A GP fitted to a search space's observations: what the Bayesian-optimisation strategy
//! decides with, and what the GUI draws (posterior mean and σ, acquisition, next point,
//! length scales). Both go through this one type, so the picture is the decision.
//!
//! Inputs are unit-cube points. Integer and categorical coordinates are snapped to their
//! cell centre *before* the kernel sees them (a trial at u = 0.31 and one at 0.33 that both
//! mean `depth = 4` are the same point to the GP), and categorical coordinates use a Hamming
//! distance. Outputs are losses (lower is better), standardised inside `GpModel`; the
//! public `predict` converts back to the objective's own units and direction.

use super::acquisition::Acquisition;
pub use super::fit::FitEffort;
use super::fit::{Hypers, fit_hypers, lbfgs_box};
use super::kernel::KernelKind;
use super::model::GpModel;
use crate::space::{Domain, Space};
use crate::strategy::{Sobol, StrategySpec, seeded_rng};
use crate::study::{Direction, Study};
use rand::Rng;
use rand_distr::StandardNormal;

/// How each unit-cube coordinate enters the kernel.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// The free parameters' domains, one per coordinate.
    domains: Vec<Domain>,
    /// Coordinates whose distance is Hamming's.
    categorical: Vec<bool>,
    /// Coordinates snapped to cell centres (ints and categoricals): not refined by gradient.
    discrete: Vec<bool>,
}

impl Inputs {
    /// The coordinate kinds of a space's free parameters.
    pub fn new(space: &Space) -> Self {
        let domains: Vec<Domain> = space.free().map(|p| p.domain.clone()).collect();
        let categorical = domains
            .iter()
            .map(|d| matches!(d, Domain::Categorical { .. }))
            .collect();
        let discrete = domains.iter().map(Domain::is_discrete).collect();
        Inputs {
            domains,
            categorical,
            discrete,
        }
    }

    /// Number of coordinates.
    pub fn dim(&self) -> usize {
        self.domains.len()
    }

    /// Which coordinates are categorical (for the kernel's Hamming distance).
    pub fn categorical(&self) -> &[bool] {
        &self.categorical
    }

    /// Which coordinates are discrete (kept fixed by gradient refinement).
    pub(crate) fn discrete(&self) -> &[bool] {
        &self.discrete
    }

    /// The kernel input for a unit-cube point: discrete coordinates moved to their cell's
    /// centre, everything clamped into the cube.
    pub fn map(&self, u: &[f64]) -> Vec<f64> {
        u.iter()
            .zip(&self.domains)
            .zip(&self.discrete)
            .map(|((&x, dom), &discrete)| {
                let x = if x.is_nan() { 0.5 } else { x.clamp(0.0, 1.0) };
                if discrete {
                    dom.to_unit(&dom.from_unit(x)).unwrap_or(x)
                } else {
                    x
                }
            })
            .collect()
    }
}

/// A fitted GP over a space, with the incumbent that acquisition functions improve on.
#[derive(Clone, Debug)]
pub struct Surrogate {
    inputs: Inputs,
    model: GpModel,
    hypers: Hypers,
    /// `value = sign · loss`: −1 when the objective is maximised.
    sign: f64,
    /// The incumbent: the lowest posterior mean at an observed point (raw units).
    best_loss: f64,
    /// Kernel inputs of every point the model holds (observed and pending).
    taken: Vec<Vec<f64>>,
    /// The loss the model holds at each of `taken` (the liar value for pending points).
    held: Vec<f64>,
    /// How many of `taken` were observed (the rest are pending).
    observed: usize,
}

impl Surrogate {
    /// Fit to a study's completed trials, with the kernel and effort its strategy would use:
    /// the GUI's entry point. `None` with fewer than two completed trials.
    pub fn fit(study: &Study) -> Option<Self> {
        let inputs = Inputs::new(&study.space);
        let (mut points, mut losses) = (vec![], vec![]);
        for t in &study.trials {
            if let Some(v) = t.completed_value()
                && t.point.len() == inputs.dim()
            {
                points.push(t.point.clone());
                losses.push(study.direction.to_loss(v));
            }
        }
        if points.len() < 2 {
            return None;
        }
        let kind = match &study.strategy {
            StrategySpec::Gp(gp) => gp.kernel,
            _ => KernelKind::default(),
        };
        let mut rng = seeded_rng(study.seed, 0x5eed_0f0e);
        let x: Vec<Vec<f64>> = points.iter().map(|p| inputs.map(p)).collect();
        let hypers = fit_subset(
            &inputs,
            &x,
            &losses,
            kind,
            None,
            FitEffort::default(),
            &mut rng,
        );
        Surrogate::new(inputs, x, &losses, &[], hypers, study.direction)
    }

    /// A GP with given hyperparameters on observed kernel inputs `x` with `losses`, plus
    /// `pending` points (asked, not yet told) held at the *constant liar* value, the mean
    /// observed loss, so the acquisition looks elsewhere for parallel trials.
    pub fn new(
        inputs: Inputs,
        x: Vec<Vec<f64>>,
        losses: &[f64],
        pending: &[Vec<f64>],
        hypers: Hypers,
        direction: Direction,
    ) -> Option<Self> {
        Self::with_prior_points(inputs, x, losses, &[], pending, hypers, direction)
    }

    /// [`Surrogate::new`] that also holds a warm start's old trials `prior` (kernel input,
    /// loss already aligned to this study's level, transfer variance `τ²`): each enters `K`
    /// with noise `σ_n² + τ²`, a down-weighted observation. The incumbent and the liar value
    /// come from this study's own observations only.
    pub(crate) fn with_prior_points(
        inputs: Inputs,
        x: Vec<Vec<f64>>,
        losses: &[f64],
        prior: &[(Vec<f64>, f64, f64)],
        pending: &[Vec<f64>],
        hypers: Hypers,
        direction: Direction,
    ) -> Option<Self> {
        if x.is_empty() || x.len() != losses.len() {
            return None;
        }
        let liar = losses.iter().sum::<f64>() / losses.len() as f64;
        let x_observed = x.clone();
        let observed = x.len();
        let mut all = x;
        let mut y = losses.to_vec();
        let mut extra = vec![0.0; all.len()];
        for (p, loss, tau2) in prior {
            all.push(p.clone());
            y.push(*loss);
            extra.push(*tau2);
        }
        for p in pending {
            all.push(inputs.map(p));
            y.push(liar);
        }
        let taken = all.clone();
        let held = y.clone();
        let model =
            GpModel::with_extra_noise(all, &y, hypers.kernel.clone(), hypers.noise, &extra)?;
        // The incumbent is the lowest posterior mean at an observed point (noisy EI's rule):
        // with a noise-free fit it is the lowest observation; where the fit says the values
        // are noisy (accuracies that move in steps of one sample), a lucky observation does
        // not set a bar that only more luck can clear.
        let fitted = model.predict_mean(&x_observed);
        let best_loss = fitted.iter().copied().fold(f64::INFINITY, f64::min);
        Some(Surrogate {
            inputs,
            model,
            hypers,
            sign: match direction {
                Direction::Minimize => 1.0,
                Direction::Maximize => -1.0,
            },
            best_loss,
            taken,
            held,
            observed,
        })
    }

    /// Number of unit-cube coordinates.
    pub fn dim(&self) -> usize {
        self.inputs.dim()
    }

    /// Posterior mean and standard deviation of the objective value (its own units and
    /// direction) at unit-cube points.
    pub fn predict(&self, points: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
        let x: Vec<Vec<f64>> = points.iter().map(|p| self.inputs.map(p)).collect();
        let (mut mean, std) = self.model.predict(&x);
        mean.iter_mut().for_each(|m| *m *= self.sign);
        (mean, std)
    }

    /// Leave-one-out predictions at the points the model holds, in the objective's units and
    /// direction: `(observed, predicted mean, predicted σ)` per point, closed form with the
    /// fitted hyperparameters kept (see [`GpModel::leave_one_out`]). Pending points, held at
    /// the liar value, are left out.
    pub(crate) fn leave_one_out(&self) -> Vec<(f64, f64, f64)> {
        let (mean, sd) = self.model.leave_one_out();
        self.held
            .iter()
            .zip(mean.iter().zip(&sd))
            .take(self.observed)
            .map(|(y, (m, s))| (self.sign * y, self.sign * m, *s))
            .collect()
    }

    /// The acquisition function at unit-cube points (larger is more promising).
    pub fn acquisition(&self, acq: &Acquisition, points: &[Vec<f64>]) -> Vec<f64> {
        let x: Vec<Vec<f64>> = points.iter().map(|p| self.inputs.map(p)).collect();
        self.acquisition_mapped(acq, &x)
    }

    fn acquisition_mapped(&self, acq: &Acquisition, x: &[Vec<f64>]) -> Vec<f64> {
        let best = self.model.standardise(self.best_loss);
        let (mu, sd) = self.model.predict_standardised(x);
        mu.iter()
            .zip(&sd)
            .map(|(&m, &s)| acq.value(m, s, best))
            .collect()
    }

    /// The fitted length scales, one per coordinate (unit-cube units; short = the objective
    /// changes fast along it, so the parameter matters).
    pub fn length_scales(&self) -> &[f64] {
        &self.hypers.kernel.length_scales
    }

    /// The fitted kernel hyperparameters (to warm-start the next fit).
    pub fn hypers(&self) -> &Hypers {
        &self.hypers
    }

    /// The point that maximises the acquisition, with its value, as the strategy would pick it
    /// with seed 0.
    pub fn next_point(&self, acq: &Acquisition) -> (Vec<f64>, f64) {
        self.maximise(acq, &mut seeded_rng(0, 0))
    }

    /// Maximise the acquisition: score many quasi-random candidates and perturbations of the
    /// best observed points, then refine the best few by projected L-BFGS on the continuous
    /// coordinates. Never returns a point the model already holds when another is available.
    pub fn maximise(&self, acq: &Acquisition, rng: &mut impl Rng) -> (Vec<f64>, f64) {
        let d = self.dim();
        let n = self.model.len();
        // Scoring a candidate costs O(n²) (the σ solve): fewer candidates as n grows keeps
        // the time per proposal near-flat (all 2048 up to n = 73, 150 at n = 1000).
        let m = (150_000 / n.max(1)).clamp(128, 2048);
        let sobol = Sobol::new(d.min(Sobol::MAX_DIM), rng.random())
            .ok()
            .filter(|_| d <= Sobol::MAX_DIM);
        let mut cands: Vec<Vec<f64>> = Vec::with_capacity(m);
        let n_global = m * 3 / 4;
        for i in 0..n_global {
            let p = match &sobol {
                Some(s) => s.point(i),
                None => (0..d).map(|_| rng.random::<f64>()).collect(),
            };
            cands.push(self.inputs.map(&p));
        }
        // Local candidates around the best observed points, at a tenth of each length scale:
        // where the incumbent can still be improved by small moves.
        let mut order: Vec<usize> = (0..self.taken.len()).collect();
        order.sort_by(|&a, &b| self.held[a].total_cmp(&self.held[b]));
        let centres: Vec<&Vec<f64>> = order.iter().take(5).map(|&i| &self.taken[i]).collect();
        let scales: Vec<f64> = self
            .length_scales()
            .iter()
            .map(|l| (0.1 * l).clamp(0.002, 0.2))
            .collect();
        while cands.len() < m {
            let k = cands.len();
            let c = centres[k % centres.len()];
            // Alternate a tenth and a fiftieth of the length scale: coarse and fine moves.
            let shrink = if (k / centres.len()).is_multiple_of(2) {
                1.0
            } else {
                0.2
            };
            let p: Vec<f64> = c
                .iter()
                .zip(&scales)
                .map(|(x, s)| x + shrink * s * rng.sample::<f64, _>(StandardNormal))
                .collect();
            cands.push(self.inputs.map(&p));
        }
        let scores = self.acquisition_mapped(acq, &cands);
        let mut ranked: Vec<usize> = (0..cands.len()).collect();
        ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));

        // Each refinement step solves against the n × n factor: fewer starts as n grows.
        let starts = match n {
            0..100 => 5,
            100..400 => 3,
            _ => 1,
        };
        let best_std = self.model.standardise(self.best_loss);
        let mut results: Vec<(Vec<f64>, f64)> = Vec::new();
        for &i in ranked.iter().take(starts) {
            results.push(self.refine(acq, &cands[i], scores[i], best_std));
        }
        // Fall back on the ranked candidates when refinement lands on points already held.
        results.extend(ranked.iter().map(|&i| (cands[i].clone(), scores[i])));
        results.sort_by(|a, b| b.1.total_cmp(&a.1));
        let fresh = results
            .iter()
            .find(|(p, _)| !self.taken.iter().any(|t| same(t, p)));
        match fresh {
            Some((p, v)) => (p.clone(), *v),
            None => {
                let p: Vec<f64> = (0..d).map(|_| rng.random::<f64>()).collect();
                let v = self.acquisition(acq, std::slice::from_ref(&p))[0];
                (p, v)
            }
        }
    }

    /// Gradient ascent on the acquisition from `start` over the continuous coordinates.
    fn refine(
        &self,
        acq: &Acquisition,
        start: &[f64],
        start_value: f64,
        best: f64,
    ) -> (Vec<f64>, f64) {
        let discrete = self.inputs.discrete();
        let lo: Vec<f64> = (0..start.len())
            .map(|i| if discrete[i] { start[i] } else { 0.0 })
            .collect();
        let hi: Vec<f64> = (0..start.len())
            .map(|i| if discrete[i] { start[i] } else { 1.0 })
            .collect();
        let f = |u: &[f64]| {
            let (mu, sigma, dmu, dsigma) = self.model.predict_with_gradient(u);
            let (a, da_dmu, da_dsigma) = acq.value_and_partials(mu, sigma, best);
            let grad = dmu
                .iter()
                .zip(&dsigma)
                .map(|(m, s)| -(da_dmu * m + da_dsigma * s))
                .collect();
            a.is_finite().then_some((-a, grad))
        };
        match lbfgs_box(f, start, &lo, &hi, 30) {
            Some((u, v)) if -v > start_value => (self.inputs.map(&u), -v),
            _ => (start.to_vec(), start_value),
        }
    }
}

/// Two kernel inputs that are the same point to the GP.
fn same(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
}

/// Fit hyperparameters, on a fixed subset when there are more points than `effort` allows.
pub fn fit_subset(
    inputs: &Inputs,
    x: &[Vec<f64>],
    losses: &[f64],
    kind: KernelKind,
    start: Option<&Hypers>,
    effort: FitEffort,
    rng: &mut impl Rng,
) -> Hypers {
    let fit = |x: &[Vec<f64>], y: &[f64], rng: &mut _| {
        fit_hypers(x, y, kind, inputs.categorical(), start, &effort, rng)
    };
    if x.len() <= effort.max_points {
        return fit(x, losses, rng);
    }
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| losses[a].total_cmp(&losses[b]));
    let half = effort.max_points / 2;
    let rest = &order[half..];
    let step = rest.len() as f64 / (effort.max_points - half) as f64;
    let mut pick: Vec<usize> = order[..half].to_vec();
    pick.extend((0..effort.max_points - half).map(|k| rest[(k as f64 * step) as usize]));
    let xs: Vec<Vec<f64>> = pick.iter().map(|&i| x[i].clone()).collect();
    let ys: Vec<f64> = pick.iter().map(|&i| losses[i]).collect();
    fit(&xs, &ys, rng)
}
