//! TPE, the tree-structured Parzen estimator, as Optuna's `TPESampler` defines it.
//!
//! Defaults (Optuna's) and the rules followed:
//! - `n_startup = 10` uniform random trials first (counting completed trials only).
//! - The completed trials are sorted by loss; the best `γ(n) = min(⌈0.1 n⌉, 25)` form the
//!   "good" set for `l(x)`, the rest the "bad" set for `g(x)`. Each set is kept in trial
//!   order and weighted by Optuna's `default_weights`: all ones below 25 trials, otherwise a
//!   linear ramp from `1/m` up to 1 over the oldest `m − 25` and ones for the newest 25.
//! - Each estimator is a mixture of one kernel per trial plus a **prior** kernel (weight
//!   `prior_weight = 1.0` before normalisation) centred at 0.5 with σ = 1 (the whole range).
//! - Numeric coordinates (floats, and ints, whose unit cells are contiguous) use normals
//!   truncated to `[0, 1]`. Univariate bandwidth: the larger gap to the sorted neighbours
//!   (the prior's centre included, the endpoints 0 and 1 as outer neighbours, the first and
//!   last taking their inner gap: `consider_endpoints = false`), clipped by the **magic clip**
//!   to `[1/min(100, 1 + n_kernels), 1]`. The multivariate estimator uses the same
//!   per-coordinate bandwidths (Optuna 5; earlier versions used `0.2 · n^(−1/(d+4))`).
//! - Categorical coordinates are handled by their cell index `⌊u·k⌋`: each trial's kernel puts
//!   `1 + prior_weight/(n+1)` on its choice and `prior_weight/(n+1)` on every choice, then is
//!   normalised; the prior kernel is uniform. The proposed point is the cell's centre.
//! - `n_candidates = 24` draws from `l(x)`, and the one with the largest `log l(x) − log g(x)`
//!   is proposed. Multivariate (the default, as Optuna 5 for one objective): joint draws (one
//!   mixture component for all coordinates) scored by the joint mixture density, so the
//!   estimator keeps which coordinates went together. Univariate (`multivariate = false`,
//!   Optuna's default before version 5 and Hyperopt's): every coordinate separately.
//! - **Pending trials** (asked, not yet told) are ignored, like Optuna with
//!   `constant_liar = False`: parallel asks come from the same model but from fresh random
//!   candidates, so they are distinct; `default_window` is 1.
//! - **Failed trials** are left out of both sets (Optuna only models complete trials).
//! - **Outside observations** are learnt from like any other result: TPE only needs
//!   (point, loss) pairs.

use super::explain::{Candidates, Marginal, StartupWhy, TpeWhy};
use super::state::{self, StrategyState};
use super::{Explanation, Observation, Strategy, StrategyError, Suggestion, seeded_rng};
use crate::space::{Domain, Space};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::f64::consts::{PI, SQRT_2};

/// Optuna's defaults.
pub(crate) const DEFAULT_N_STARTUP: usize = 10;
/// Candidates drawn from `l(x)` per proposal.
pub(crate) const DEFAULT_N_CANDIDATES: usize = 24;
/// Weight of the prior kernel.
pub(crate) const DEFAULT_PRIOR_WEIGHT: f64 = 1.0;

/// The most candidates a proposal may draw: they are allocated on every ask.
pub(crate) const MAX_CANDIDATES: usize = 1_000_000;

/// Settings of [`Tpe`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TpeSettings {
    /// Uniform random trials before the model is used (default 10).
    pub n_startup: usize,
    /// Candidates drawn from l(x) per proposal (default 24).
    pub n_candidates: usize,
    /// Weight of the prior kernel (default 1.0).
    pub prior_weight: f64,
    /// Joint kernels over all coordinates instead of one model per coordinate (default
    /// true, as Optuna 5 for a single objective).
    pub multivariate: bool,
}

impl Default for TpeSettings {
    fn default() -> Self {
        TpeSettings {
            n_startup: DEFAULT_N_STARTUP,
            n_candidates: DEFAULT_N_CANDIDATES,
            prior_weight: DEFAULT_PRIOR_WEIGHT,
            multivariate: true,
        }
    }
}

impl super::registry::StrategySettings for TpeSettings {
    const NAME: &'static str = "tpe";
    const SUMMARY: &'static str =
        "tree-structured Parzen estimator, as Optuna (10 random start-up trials)";

    fn validate(&self) -> Result<(), StrategyError> {
        super::registry::count("tpe n_candidates", self.n_candidates, 1, MAX_CANDIDATES)?;
        super::registry::positive("tpe prior weight", self.prior_weight)
    }

    fn build(
        settings: &super::Checked<Self>,
        space: &Space,
        seed: u64,
    ) -> Result<Box<dyn Strategy>, StrategyError> {
        let s = settings.get();
        Ok(Box::new(Tpe::new(
            space,
            s.n_startup,
            s.n_candidates,
            s.prior_weight,
            s.multivariate,
            seed,
        )?))
    }
}

/// How a coordinate is modelled.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Numeric,
    Categorical(usize),
}

/// One coordinate's kernels in one estimator.
enum Kernels {
    /// (mu, sigma) per component, prior last.
    Numeric(Vec<(f64, f64)>),
    /// Choice probabilities per component, prior last.
    Categorical(Vec<Vec<f64>>),
}

/// A Parzen estimator: mixture weights and per-coordinate kernels.
struct Parzen {
    log_weights: Vec<f64>,
    weights: Vec<f64>,
    dims: Vec<Kernels>,
}

/// TPE; see the module docs.
pub struct Tpe {
    kinds: Vec<Kind>,
    n_startup: usize,
    n_candidates: usize,
    prior_weight: f64,
    multivariate: bool,
    rng: ChaCha8Rng,
    /// (trial number, point, loss) of every successful observation.
    observations: Vec<(usize, Vec<f64>, f64)>,
    /// Start-up points asked so far.
    startup_asked: usize,
    /// What the last proposal was decided from, for [`Strategy::explain`].
    last: Option<Explanation>,
}

impl Tpe {
    /// TPE over the free parameters of `space`.
    pub fn new(
        space: &Space,
        n_startup: usize,
        n_candidates: usize,
        prior_weight: f64,
        multivariate: bool,
        seed: u64,
    ) -> Result<Self, StrategyError> {
        let kinds = space
            .free()
            .map(|p| match &p.domain {
                Domain::Categorical { choices } => Kind::Categorical(choices.len().max(1)),
                _ => Kind::Numeric,
            })
            .collect();
        Self::with_kinds(
            kinds,
            n_startup,
            n_candidates,
            prior_weight,
            multivariate,
            seed,
        )
    }

    /// TPE over `dim` numeric coordinates.
    pub fn numeric(dim: usize, multivariate: bool, seed: u64) -> Self {
        Self::with_kinds(
            vec![Kind::Numeric; dim],
            DEFAULT_N_STARTUP,
            DEFAULT_N_CANDIDATES,
            DEFAULT_PRIOR_WEIGHT,
            multivariate,
            seed,
        )
        .expect("default settings are valid")
    }

    fn with_kinds(
        kinds: Vec<Kind>,
        n_startup: usize,
        n_candidates: usize,
        prior_weight: f64,
        multivariate: bool,
        seed: u64,
    ) -> Result<Self, StrategyError> {
        super::registry::StrategySettings::validate(&TpeSettings {
            n_startup,
            n_candidates,
            prior_weight,
            multivariate,
        })?;
        Ok(Tpe {
            kinds,
            n_startup,
            n_candidates,
            prior_weight,
            multivariate,
            rng: seeded_rng(seed, 0),
            observations: Vec::new(),
            startup_asked: 0,
            last: None,
        })
    }

    fn build(&self, set: &[&(usize, Vec<f64>, f64)]) -> Parzen {
        let m = set.len();
        let mut weights = default_weights(m);
        weights.push(self.prior_weight);
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        let dims = self
            .kinds
            .iter()
            .enumerate()
            .map(|(j, kind)| match *kind {
                Kind::Numeric => {
                    let mus: Vec<f64> = set.iter().map(|o| o.1[j].clamp(0.0, 1.0)).collect();
                    let sigmas = univariate_sigmas(&mus);
                    let min_sigma = 1.0 / (100f64).min(1.0 + (m + 1) as f64);
                    let mut ks: Vec<(f64, f64)> = mus
                        .iter()
                        .zip(sigmas)
                        .map(|(&mu, s)| (mu, s.clamp(min_sigma, 1.0)))
                        .collect();
                    ks.push((0.5, 1.0));
                    Kernels::Numeric(ks)
                }
                Kind::Categorical(k) => {
                    let base = self.prior_weight / (m + 1) as f64;
                    let mut rows: Vec<Vec<f64>> = set
                        .iter()
                        .map(|o| {
                            let mut row = vec![base; k];
                            row[cell(o.1[j], k)] += 1.0;
                            let s: f64 = row.iter().sum();
                            row.iter_mut().for_each(|v| *v /= s);
                            row
                        })
                        .collect();
                    rows.push(vec![1.0 / k as f64; k]);
                    Kernels::Categorical(rows)
                }
            })
            .collect();
        Parzen {
            log_weights: weights.iter().map(|w| w.ln()).collect(),
            weights,
            dims,
        }
    }

    fn pick_component(&mut self, weights: &[f64]) -> usize {
        let r: f64 = self.rng.random();
        let mut acc = 0.0;
        for (i, w) in weights.iter().enumerate() {
            acc += w;
            if r < acc {
                return i;
            }
        }
        weights.len() - 1
    }

    fn draw(&mut self, kernels: &Kernels, c: usize) -> f64 {
        match kernels {
            Kernels::Numeric(ks) => {
                let (mu, sigma) = ks[c];
                for _ in 0..1000 {
                    let z: f64 = self.rng.sample(StandardNormal);
                    let x = mu + sigma * z;
                    if (0.0..=1.0).contains(&x) {
                        return x;
                    }
                }
                mu.clamp(0.0, 1.0)
            }
            Kernels::Categorical(rows) => {
                let i = self.pick_component(&rows[c].clone());
                (i as f64 + 0.5) / rows[c].len() as f64
            }
        }
    }

    fn propose(&mut self) -> Vec<f64> {
        let n = self.observations.len();
        let d = self.kinds.len();
        if n < self.n_startup || n == 0 {
            self.last = Some(Explanation::Startup(StartupWhy {
                index: self.startup_asked,
                of: self.n_startup.max(1),
                method: "uniform random".into(),
            }));
            self.startup_asked += 1;
            return (0..d).map(|_| self.rng.random::<f64>()).collect();
        }
        let n_below = (n.div_ceil(10)).min(25);
        let mut order: Vec<&(usize, Vec<f64>, f64)> = self.observations.iter().collect();
        order.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
        let (below, above) = order.split_at(n_below);
        let mut below = below.to_vec();
        let mut above = above.to_vec();
        below.sort_by_key(|o| o.0);
        above.sort_by_key(|o| o.0);
        let l = self.build(&below);
        let g = self.build(&above);
        let (n_below, n_above) = (below.len(), above.len());
        let (point, candidates) = if self.multivariate {
            let mut best = (f64::NEG_INFINITY, Vec::new());
            let mut drawn = Vec::with_capacity(self.n_candidates);
            for _ in 0..self.n_candidates {
                let c = self.pick_component(&l.weights);
                let x: Vec<f64> = (0..d).map(|j| self.draw(&l.dims[j], c)).collect();
                let score = joint_log_density(&l, &x) - joint_log_density(&g, &x);
                drawn.push((x.clone(), score));
                if best.1.is_empty() || score > best.0 {
                    best = (score, x);
                }
            }
            (best.1, Candidates::Joint(drawn))
        } else {
            let mut drawn = vec![Vec::with_capacity(self.n_candidates); d];
            let point = (0..d)
                .map(|j| {
                    let mut best = (f64::NEG_INFINITY, f64::NAN);
                    for _ in 0..self.n_candidates {
                        let c = self.pick_component(&l.weights);
                        let x = self.draw(&l.dims[j], c);
                        let score = mixture_log_density(&l.log_weights, &l.dims[j], x)
                            - mixture_log_density(&g.log_weights, &g.dims[j], x);
                        drawn[j].push((x, score));
                        if best.1.is_nan() || score > best.0 {
                            best = (score, x);
                        }
                    }
                    best.1
                })
                .collect();
            (point, Candidates::PerCoordinate(drawn))
        };
        self.last = Some(Explanation::Tpe(TpeWhy {
            below: marginals(&l),
            above: marginals(&g),
            n_below,
            n_above,
            candidates,
        }));
        point
    }
}

/// Each coordinate's density under an estimator: the mixture of that coordinate's kernels
/// with the estimator's weights (a product-kernel mixture's marginal).
fn marginals(p: &Parzen) -> Vec<Marginal> {
    p.dims
        .iter()
        .map(|k| match k {
            Kernels::Numeric(ks) => Marginal::Numeric(
                p.weights
                    .iter()
                    .zip(ks)
                    .map(|(w, (mu, sigma))| (*w, *mu, *sigma))
                    .collect(),
            ),
            Kernels::Categorical(rows) => {
                let k = rows.first().map_or(0, Vec::len);
                Marginal::Categorical(
                    (0..k)
                        .map(|i| p.weights.iter().zip(rows).map(|(w, r)| w * r[i]).sum())
                        .collect(),
                )
            }
        })
        .collect()
}

/// Optuna's `default_weights(m)`.
fn default_weights(m: usize) -> Vec<f64> {
    if m < 25 {
        return vec![1.0; m];
    }
    let ramp = m - 25;
    let mut w: Vec<f64> = (0..ramp)
        .map(|i| {
            let lo = 1.0 / m as f64;
            if ramp == 1 {
                lo
            } else {
                lo + (1.0 - lo) * i as f64 / (ramp - 1) as f64
            }
        })
        .collect();
    w.extend(std::iter::repeat_n(1.0, 25));
    w
}

/// Optuna's univariate bandwidths for observations `mus` in `[0, 1]` (prior at 0.5).
fn univariate_sigmas(mus: &[f64]) -> Vec<f64> {
    let m = mus.len();
    let mut with_prior: Vec<(f64, usize)> = mus.iter().cloned().zip(0..m).collect();
    with_prior.push((0.5, m));
    with_prior.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut ends = Vec::with_capacity(m + 3);
    ends.push(0.0);
    ends.extend(with_prior.iter().map(|p| p.0));
    ends.push(1.0);
    let k = with_prior.len();
    let mut sorted_sigmas: Vec<f64> = (1..=k)
        .map(|i| (ends[i] - ends[i - 1]).max(ends[i + 1] - ends[i]))
        .collect();
    if ends.len() >= 4 {
        sorted_sigmas[0] = ends[2] - ends[1];
        sorted_sigmas[k - 1] = ends[k] - ends[k - 1];
    }
    let mut sigmas = vec![0.0; m + 1];
    for (s, p) in sorted_sigmas.iter().zip(&with_prior) {
        sigmas[p.1] = *s;
    }
    sigmas.truncate(m);
    sigmas
}

fn cell(u: f64, k: usize) -> usize {
    ((u.clamp(0.0, 1.0) * k as f64) as usize).min(k - 1)
}

fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// Complementary error function, |relative error| < 1.2e-7 (Numerical Recipes' Chebyshev
/// fit); ample for the truncation mass of kernels that are never far in the tails.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Log density of component `c` of one coordinate at `x`.
fn kernel_log_density(kernels: &Kernels, c: usize, x: f64) -> f64 {
    match kernels {
        Kernels::Numeric(ks) => {
            let (mu, sigma) = ks[c];
            let z = (x - mu) / sigma;
            let mass = (normal_cdf((1.0 - mu) / sigma) - normal_cdf(-mu / sigma)).max(1e-300);
            -0.5 * z * z - (sigma * (2.0 * PI).sqrt()).ln() - mass.ln()
        }
        Kernels::Categorical(rows) => rows[c][cell(x, rows[c].len())].ln(),
    }
}

fn log_sum_exp(v: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = v.collect();
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn mixture_log_density(log_weights: &[f64], kernels: &Kernels, x: f64) -> f64 {
    log_sum_exp(
        log_weights
            .iter()
            .enumerate()
            .map(|(c, lw)| lw + kernel_log_density(kernels, c, x)),
    )
}

fn joint_log_density(p: &Parzen, x: &[f64]) -> f64 {
    log_sum_exp(p.log_weights.iter().enumerate().map(|(c, lw)| {
        lw + p
            .dims
            .iter()
            .zip(x)
            .map(|(k, &xj)| kernel_log_density(k, c, xj))
            .sum::<f64>()
    }))
}

impl Strategy for Tpe {
    fn ask(&mut self, _number: usize) -> Result<Suggestion, StrategyError> {
        Ok(Suggestion::at(self.propose()))
    }

    fn explain(&self) -> Option<Explanation> {
        self.last.clone()
    }

    fn tell(&mut self, observation: Observation<'_>) {
        if observation.check(self.kinds.len()).is_err() {
            return;
        }
        if let Some(loss) = observation.loss.filter(|l| l.is_finite()) {
            self.observations
                .push((observation.number, observation.point.to_vec(), loss));
        }
    }

    fn save(&self) -> Option<StrategyState> {
        Some(StrategyState::Tpe(TpeState {
            rng: state::rng_position(&self.rng)?,
            startup_asked: self.startup_asked,
        }))
    }

    /// The observations are the stored trials' own; only the generator's position (its
    /// draws are rejection-sampled, so it moves by a varying amount per ask) is saved.
    fn restore(
        &mut self,
        saved: &StrategyState,
        told: &[Observation<'_>],
        _pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        let StrategyState::Tpe(t) = saved else {
            return Err(state::mismatch(saved.name()));
        };
        self.observations.clear();
        for o in told {
            self.tell(*o);
        }
        state::set_rng_position(&mut self.rng, t.rng);
        self.startup_asked = t.startup_asked;
        self.last = None;
        Ok(())
    }
}

/// [`Tpe`]'s saved state: the generator's position and the start-up count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TpeState {
    /// The generator's position.
    pub rng: u64,
    /// Start-up points asked.
    pub(crate) startup_asked: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Param;
    use crate::strategy::testkit::*;

    fn make(dim: usize, seed: u64) -> Box<dyn Strategy> {
        Box::new(Tpe::numeric(dim, false, seed))
    }

    fn make_mv(dim: usize, seed: u64) -> Box<dyn Strategy> {
        Box::new(Tpe::numeric(dim, true, seed))
    }

    #[test]
    fn strategy_tpe_weights_and_bandwidths_follow_optuna() {
        assert_eq!(default_weights(3), vec![1.0; 3]);
        let w = default_weights(30);
        assert_eq!(w.len(), 30);
        assert!((w[0] - 1.0 / 30.0).abs() < 1e-12 && (w[4] - 1.0).abs() < 1e-12);
        // mus 0.1 and 0.9 with the prior at 0.5: sorted 0.1, 0.5, 0.9 between ends 0 and 1;
        // the outer ones take their inner gap (0.4).
        let s = univariate_sigmas(&[0.9, 0.1]);
        assert!((s[0] - 0.4).abs() < 1e-12 && (s[1] - 0.4).abs() < 1e-12);
        assert!((erfc(0.5) - 0.4795001221869535).abs() < 1e-7);
    }

    #[test]
    fn explain_the_chosen_point_is_the_top_scored_candidate() {
        for multivariate in [true, false] {
            let mut s = Tpe::numeric(2, multivariate, 4);
            assert!(s.explain().is_none());
            for n in 0..25 {
                let p = s.ask(n).unwrap().point;
                match s.explain() {
                    Some(Explanation::Startup(st)) => {
                        assert!(n < DEFAULT_N_STARTUP);
                        assert_eq!((st.index, st.of), (n, DEFAULT_N_STARTUP));
                    }
                    Some(Explanation::Tpe(why)) => {
                        assert!(n >= DEFAULT_N_STARTUP);
                        assert_eq!(why.n_below + why.n_above, n);
                        assert_eq!(why.n_below, n.div_ceil(10));
                        assert_eq!(why.candidates.len(), DEFAULT_N_CANDIDATES);
                        for (j, pj) in p.iter().enumerate() {
                            let along = why.candidates.along(j);
                            let top = along.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
                            if !multivariate {
                                assert_eq!(top.0, *pj, "coordinate {j} is its best draw");
                            }
                        }
                        if let Candidates::Joint(c) = &why.candidates {
                            let top = c.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
                            assert_eq!(top.0, p, "the point is the best joint draw");
                        }
                        for m in why.below.iter().chain(&why.above) {
                            let Marginal::Numeric(ks) = m else {
                                panic!("numeric space")
                            };
                            let w: f64 = ks.iter().map(|k| k.0).sum();
                            assert!((w - 1.0).abs() < 1e-12);
                            assert_eq!(ks.last().map(|k| (k.1, k.2)), Some((0.5, 1.0)), "prior");
                        }
                    }
                    other => panic!("unexpected {other:?}"),
                }
                s.tell(Observation {
                    number: n,
                    point: &p,
                    loss: Some(bowl(&p)),
                    gradient: None,
                });
            }
        }
    }

    #[test]
    fn strategy_tpe_solves_bowl_2d() {
        // TPE is a global sampler; its tolerance is looser than CMA-ES's.
        let run = drive(make(2, 1).as_mut(), 150, bowl);
        assert!(best(&run) < 2e-3, "best {}", best(&run));
    }

    #[test]
    fn strategy_tpe_solves_bowl_4d() {
        let run = drive(make(4, 2).as_mut(), 200, bowl);
        assert!(best(&run) < 2e-2, "best {}", best(&run));
        let run = drive(make_mv(4, 2).as_mut(), 200, bowl);
        assert!(best(&run) < 2e-2, "multivariate best {}", best(&run));
    }

    #[test]
    fn strategy_tpe_stays_in_cube_same_seed_same_points() {
        let a = drive(make(3, 7).as_mut(), 60, bowl);
        assert_in_cube(&a);
        assert_eq!(a, drive(make(3, 7).as_mut(), 60, bowl));
        assert_ne!(a, drive(make(3, 8).as_mut(), 60, bowl));
        let m = drive(make_mv(3, 7).as_mut(), 60, bowl);
        assert_in_cube(&m);
        assert_eq!(m, drive(make_mv(3, 7).as_mut(), 60, bowl));
    }

    #[test]
    fn strategy_tpe_parallel_asks_distinct() {
        for mv in [false, true] {
            let mut s = Tpe::numeric(2, mv, 4);
            drive(&mut s, 20, bowl);
            let pts: Vec<Vec<f64>> = (20..28).map(|n| s.ask(n).unwrap().point).collect();
            for i in 0..pts.len() {
                for j in 0..i {
                    assert_ne!(pts[i], pts[j]);
                }
            }
        }
    }

    #[test]
    fn strategy_tpe_categorical_finds_best_choice() {
        let space = Space::new(vec![
            Param::new(
                "x",
                Domain::Float {
                    low: 0.0,
                    high: 1.0,
                    log: false,
                },
            ),
            Param::new(
                "c",
                Domain::Categorical {
                    choices: ["a", "b", "c", "d", "e"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                },
            ),
        ])
        .unwrap();
        let mut s = Tpe::new(&space, 10, 24, 1.0, false, 3).unwrap();
        // choice "d" (cell 3) is best
        let run = drive(&mut s, 60, |u| {
            (u[0] - 0.3).powi(2) + if cell(u[1], 5) == 3 { 0.0 } else { 1.0 }
        });
        let late = run[40..].iter().filter(|r| cell(r.0[1], 5) == 3).count();
        assert!(late >= 12, "only {late} of the last 20 on the best choice");
        assert!(
            run[10..]
                .iter()
                .all(|r| ((r.0[1] * 5.0).fract() - 0.5).abs() < 1e-9)
        );
    }

    #[test]
    fn strategy_tpe_report_synthetic() {
        report("tpe", make);
        report("tpe-multivariate", make_mv);
    }
}
