//! CMA-ES: Hansen's (μ/μ_w, λ) evolution strategy with rank-one and rank-μ covariance
//! updates and cumulative step-size adaptation (CSA), on the unit cube.
//!
//! Defaults and why:
//! - **Start**: mean at the centre of the cube, `sigma0 = 1/6` (what Optuna's CMA-ES sampler
//!   uses on its normalised box: ±3σ spans the whole range).
//! - **Population**: `λ = 4 + ⌊3 ln d⌋`, `μ = ⌊λ/2⌋`, log-linear positive weights, and all
//!   learning rates (`c_c`, `c_σ`, `c_1`, `c_μ`, `d_σ`) from Hansen's tutorial (2016).
//! - **Bounds**: a sample outside `[0, 1]^d` is redrawn (up to 100 times, as the `cmaes`
//!   package Optuna uses does), then clipped into the cube. The update uses the point actually
//!   evaluated, `y = (x − m)/σ`, so a clipped sample pulls the mean only as far as the wall.
//! - **Restarts** (`restarts`, default on): IPOP. When a generation stalls (σ·√λ_max(C) <
//!   1e-10, the best losses of the last `10 + ⌈30d/λ⌉` generations all within 1e-12, or the
//!   condition number of C above 1e14), the search restarts from a uniformly drawn mean with
//!   `sigma0` and twice the population. In a 60-trial budget this never fires; in long runs it
//!   stops the strategy wasting trials on a collapsed distribution.
//! - **Window**: `default_window` is λ: the points of one generation need no results. A
//!   generation is updated as soon as λ of its points are told. Asking more than λ points
//!   before that draws further samples from the same distribution (distinct, just as good);
//!   results for points of an already-updated generation are not used for the update.
//! - **Failed trials** rank as worse than every success (they still count toward the λ).
//! - **Outside observations** (trial numbers never asked) do not enter the update: CMA-ES
//!   needs samples from its own distribution. They are simply ignored.
//! - The eigendecomposition of C uses `faer`'s self-adjoint solver, once per generation.
//!
//! Integer and categorical coordinates are searched as continuous cells; on plateaus the
//! CSA lengthens σ, which keeps the search moving.

use super::explain::CmaWhy;
use super::state::{self, StrategyState};
use super::{Explanation, Observation, Strategy, StrategyError, Suggestion, seeded_rng};
use faer::{Mat, Side};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The default initial step size in unit-cube coordinates.
pub(crate) const DEFAULT_SIGMA0: f64 = 1.0 / 6.0;

/// The default population size for `dim` coordinates: `4 + ⌊3 ln d⌋`.
pub(crate) fn default_popsize(dim: usize) -> usize {
    4 + (3.0 * (dim.max(1) as f64).ln()).floor() as usize
}

/// The largest population size λ a run may start with: each generation allocates λ points.
pub(crate) const MAX_POPSIZE: usize = 100_000;

/// Settings of [`CmaEs`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CmaEsSettings {
    /// Initial step size in unit-cube coordinates (default 1/6, as Optuna).
    pub sigma0: f64,
    /// Population size λ; `None` (default) is `4 + ⌊3 ln d⌋`.
    pub popsize: Option<usize>,
    /// Restart with twice the population when the search stalls (default true).
    pub restarts: bool,
}

impl Default for CmaEsSettings {
    fn default() -> Self {
        CmaEsSettings {
            sigma0: DEFAULT_SIGMA0,
            popsize: None,
            restarts: true,
        }
    }
}

impl super::registry::StrategySettings for CmaEsSettings {
    const NAME: &'static str = "cmaes";
    const ALIASES: &'static [&'static str] = &["cma-es"];
    const SUMMARY: &'static str =
        "CMA-ES evolution strategy with IPOP restarts (sigma0 1/6, λ = 4 + 3 ln d)";

    fn validate(&self) -> Result<(), StrategyError> {
        super::registry::positive("cma-es sigma0", self.sigma0)?;
        match self.popsize {
            Some(lambda) => {
                super::registry::count("cma-es population size", lambda, 2, MAX_POPSIZE)
            }
            None => Ok(()),
        }
    }

    fn build(
        settings: &super::Checked<Self>,
        space: &crate::space::Space,
        seed: u64,
    ) -> Result<Box<dyn Strategy>, StrategyError> {
        let s = settings.get();
        Ok(Box::new(CmaEs::new(
            space.dim(),
            s.sigma0,
            s.popsize,
            s.restarts,
            seed,
        )?))
    }
}

/// One run's distribution and its learning rates (a restart makes a new one).
struct Run {
    lambda: usize,
    mu: usize,
    weights: Vec<f64>,
    mueff: f64,
    cc: f64,
    cs: f64,
    c1: f64,
    cmu: f64,
    damps: f64,
    chin: f64,
    mean: Vec<f64>,
    sigma: f64,
    c: Mat<f64>,
    /// Eigenvectors of C (columns) and the square roots of its eigenvalues.
    b: Mat<f64>,
    d: Vec<f64>,
    pc: Vec<f64>,
    ps: Vec<f64>,
    generations: usize,
    history: Vec<f64>,
}

impl Run {
    fn new(dim: usize, lambda: usize, mean: Vec<f64>, sigma: f64) -> Self {
        let n = dim as f64;
        let mu = (lambda / 2).max(1);
        let raw: Vec<f64> = (0..mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - ((i + 1) as f64).ln())
            .collect();
        let total: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let mueff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let cc = (4.0 + mueff / n) / (n + 4.0 + 2.0 * mueff / n);
        let cs = (mueff + 2.0) / (n + mueff + 5.0);
        let c1 = 2.0 / ((n + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((n + 2.0).powi(2) + mueff));
        let damps = 1.0 + 2.0 * (((mueff - 1.0) / (n + 1.0)).sqrt() - 1.0).max(0.0) + cs;
        let chin = n.sqrt() * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
        Run {
            lambda,
            mu,
            weights,
            mueff,
            cc,
            cs,
            c1,
            cmu,
            damps,
            chin,
            mean,
            sigma,
            c: Mat::identity(dim, dim),
            b: Mat::identity(dim, dim),
            d: vec![1.0; dim],
            pc: vec![0.0; dim],
            ps: vec![0.0; dim],
            generations: 0,
            history: Vec::new(),
        }
    }

    fn dim(&self) -> usize {
        self.mean.len()
    }

    /// One sample `m + σ B D z`, redrawn while outside the cube, then clipped.
    fn sample(&self, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let n = self.dim();
        let mut x = vec![0.0; n];
        for _ in 0..100 {
            let z: Vec<f64> = (0..n).map(|_| rng.sample(StandardNormal)).collect();
            for (i, xi) in x.iter_mut().enumerate() {
                let bdz: f64 = (0..n).map(|j| self.b[(i, j)] * self.d[j] * z[j]).sum();
                *xi = self.mean[i] + self.sigma * bdz;
            }
            if x.iter().all(|v| (0.0..=1.0).contains(v)) {
                return x;
            }
        }
        x.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
        x
    }

    /// The update from one generation's (point, loss) pairs, best first. Returns whether the
    /// run has stalled.
    fn update(&mut self, ranked: &[(Vec<f64>, f64)]) -> bool {
        let n = self.dim();
        let ys: Vec<Vec<f64>> = ranked
            .iter()
            .take(self.mu)
            .map(|(x, _)| (0..n).map(|i| (x[i] - self.mean[i]) / self.sigma).collect())
            .collect();
        let mut yw = vec![0.0; n];
        for (w, y) in self.weights.iter().zip(&ys) {
            for i in 0..n {
                yw[i] += w * y[i];
            }
        }
        for (m, y) in self.mean.iter_mut().zip(&yw) {
            *m += self.sigma * y;
        }
        // C^{-1/2} y_w = B D^{-1} Bᵀ y_w
        let bt_yw: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| self.b[(i, j)] * yw[i]).sum::<f64>() / self.d[j])
            .collect();
        let cinv_yw: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| self.b[(i, j)] * bt_yw[j]).sum())
            .collect();
        let kps = (self.cs * (2.0 - self.cs) * self.mueff).sqrt();
        for (p, c) in self.ps.iter_mut().zip(&cinv_yw) {
            *p = (1.0 - self.cs) * *p + kps * c;
        }
        self.generations += 1;
        let ps_norm = self.ps.iter().map(|v| v * v).sum::<f64>().sqrt();
        let hsig =
            ps_norm / (1.0 - (1.0 - self.cs).powi(2 * self.generations as i32)).sqrt() / self.chin
                < 1.4 + 2.0 / (n as f64 + 1.0);
        let kpc = (self.cc * (2.0 - self.cc) * self.mueff).sqrt();
        let h = if hsig { 1.0 } else { 0.0 };
        for (p, y) in self.pc.iter_mut().zip(&yw) {
            *p = (1.0 - self.cc) * *p + h * kpc * y;
        }
        let decay = 1.0 - self.c1 - self.cmu + (1.0 - h) * self.c1 * self.cc * (2.0 - self.cc);
        for i in 0..n {
            for j in 0..n {
                let rank_mu: f64 = self
                    .weights
                    .iter()
                    .zip(&ys)
                    .map(|(w, y)| w * y[i] * y[j])
                    .sum();
                self.c[(i, j)] =
                    decay * self.c[(i, j)] + self.c1 * self.pc[i] * self.pc[j] + self.cmu * rank_mu;
            }
        }
        self.sigma *= ((self.cs / self.damps) * (ps_norm / self.chin - 1.0)).exp();
        self.sigma = self.sigma.min(1e3);
        let cond_bad = !self.decompose();
        self.history.push(ranked[0].1);
        let window = 10 + (30.0 * n as f64 / self.lambda as f64).ceil() as usize;
        let flat = self.history.len() >= window && {
            let tail = &self.history[self.history.len() - window..];
            let (lo, hi) = tail
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(*v), b.max(*v))
                });
            hi.is_finite() && hi - lo < 1e-12
        };
        let dmax = self.d.iter().cloned().fold(0.0, f64::max);
        let dmin = self.d.iter().cloned().fold(f64::INFINITY, f64::min);
        cond_bad || flat || self.sigma * dmax < 1e-10 || (dmax / dmin).powi(2) > 1e14
    }

    /// Refresh B and D from C; false when the decomposition failed (C is then reset).
    fn decompose(&mut self) -> bool {
        let n = self.dim();
        // Keep C exactly symmetric.
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (self.c[(i, j)] + self.c[(j, i)]);
                self.c[(i, j)] = v;
                self.c[(j, i)] = v;
            }
        }
        match self.c.self_adjoint_eigen(Side::Lower) {
            Ok(evd) if (0..n).all(|k| evd.S()[k].is_finite()) => {
                let s = evd.S();
                let u = evd.U();
                for k in 0..n {
                    self.d[k] = s[k].max(1e-20).sqrt();
                }
                for i in 0..n {
                    for j in 0..n {
                        self.b[(i, j)] = u[(i, j)];
                    }
                }
                true
            }
            _ => {
                self.c = Mat::identity(n, n);
                self.b = Mat::identity(n, n);
                self.d = vec![1.0; n];
                false
            }
        }
    }
}

/// CMA-ES on the unit cube; see the module docs.
pub struct CmaEs {
    dim: usize,
    sigma0: f64,
    restarts: bool,
    rng: ChaCha8Rng,
    run: Run,
    /// Generation counter across restarts; asked trials remember theirs.
    generation: usize,
    asked_this_generation: usize,
    asked: HashMap<usize, usize>,
    told: Vec<(Vec<f64>, f64)>,
    /// Restarts so far.
    restart_count: usize,
    /// The distribution the last point was drawn from, for [`Strategy::explain`].
    last: Option<CmaWhy>,
}

impl CmaEs {
    /// CMA-ES over `dim` coordinates. `popsize` `None` uses `4 + ⌊3 ln d⌋`.
    pub fn new(
        dim: usize,
        sigma0: f64,
        popsize: Option<usize>,
        restarts: bool,
        seed: u64,
    ) -> Result<Self, StrategyError> {
        super::registry::StrategySettings::validate(&CmaEsSettings {
            sigma0,
            popsize,
            restarts,
        })?;
        let lambda = popsize.unwrap_or_else(|| default_popsize(dim));
        Ok(CmaEs {
            dim,
            sigma0,
            restarts,
            rng: seeded_rng(seed, 0),
            run: Run::new(dim, lambda, vec![0.5; dim], sigma0),
            generation: 0,
            asked_this_generation: 0,
            asked: HashMap::new(),
            told: Vec::new(),
            restart_count: 0,
            last: None,
        })
    }

    /// The current population size λ.
    pub fn popsize(&self) -> usize {
        self.run.lambda
    }

    fn finish_generation(&mut self) {
        let mut ranked = std::mem::take(&mut self.told);
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
        let stalled = self.run.update(&ranked);
        self.generation += 1;
        self.asked_this_generation = 0;
        if stalled && self.restarts {
            let mean: Vec<f64> = (0..self.dim).map(|_| self.rng.random::<f64>()).collect();
            self.run = Run::new(self.dim, self.run.lambda * 2, mean, self.sigma0);
            self.restart_count += 1;
        }
    }
}

impl Strategy for CmaEs {
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError> {
        if self.dim == 0 {
            return Ok(Suggestion::at(Vec::new()));
        }
        let x = self.run.sample(&mut self.rng);
        self.asked.insert(number, self.generation);
        self.asked_this_generation += 1;
        let n = self.dim;
        self.last = Some(CmaWhy {
            mean: self.run.mean.clone(),
            sigma: self.run.sigma,
            covariance: (0..n)
                .map(|i| (0..n).map(|j| self.run.c[(i, j)]).collect())
                .collect(),
            generation: self.generation,
            lambda: self.run.lambda,
            member: self.asked_this_generation - 1,
            restarts: self.restart_count,
        });
        Ok(Suggestion::at(x))
    }

    fn tell(&mut self, observation: Observation<'_>) {
        if self.dim == 0 || observation.check(self.dim).is_err() {
            return;
        }
        let Some(generation) = self.asked.remove(&observation.number) else {
            return; // an outside observation: not a sample of our distribution
        };
        if generation != self.generation {
            return; // a straggler from a generation already updated
        }
        let loss = observation
            .loss
            .filter(|l| l.is_finite())
            .unwrap_or(f64::INFINITY);
        self.told.push((observation.point.to_vec(), loss));
        if self.told.len() >= self.run.lambda {
            self.finish_generation();
        }
    }

    fn ready(&self) -> bool {
        self.asked_this_generation < self.run.lambda
    }

    fn explain(&self) -> Option<Explanation> {
        self.last.clone().map(Explanation::CmaEs)
    }

    fn default_window(&self) -> usize {
        self.run.lambda
    }

    fn save(&self) -> Option<StrategyState> {
        let r = &self.run;
        let n = self.dim;
        let flat = |m: &Mat<f64>| -> Vec<f64> {
            (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|ij| m[ij])
                .collect()
        };
        let mut asked: Vec<(usize, usize)> = self.asked.iter().map(|(k, v)| (*k, *v)).collect();
        asked.sort_unstable();
        Some(StrategyState::CmaEs(Box::new(CmaEsState {
            rng: state::rng_position(&self.rng)?,
            lambda: r.lambda,
            mean: r.mean.clone(),
            sigma: r.sigma,
            c: flat(&r.c),
            b: flat(&r.b),
            d: r.d.clone(),
            pc: r.pc.clone(),
            ps: r.ps.clone(),
            run_generations: r.generations,
            history: r.history.iter().map(|v| finite(*v)).collect(),
            generation: self.generation,
            asked_this_generation: self.asked_this_generation,
            asked,
            told: self
                .told
                .iter()
                .map(|(x, l)| (x.clone(), finite(*l)))
                .collect(),
            restart_count: self.restart_count,
        })))
    }

    fn restore(
        &mut self,
        saved: &StrategyState,
        _told: &[Observation<'_>],
        _pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        let StrategyState::CmaEs(c) = saved else {
            return Err(state::mismatch(saved.name()));
        };
        let n = self.dim;
        let fits = [&c.mean, &c.d, &c.pc, &c.ps].iter().all(|v| v.len() == n)
            && c.c.len() == n * n
            && c.b.len() == n * n
            && c.lambda >= 2
            && c.told.iter().all(|(x, _)| x.len() == n);
        if !fits {
            return Err(state::mismatch("a CMA-ES state of another dimension"));
        }
        let mut run = Run::new(n, c.lambda, c.mean.clone(), c.sigma);
        run.c = Mat::from_fn(n, n, |i, j| c.c[i * n + j]);
        run.b = Mat::from_fn(n, n, |i, j| c.b[i * n + j]);
        run.d = c.d.clone();
        run.pc = c.pc.clone();
        run.ps = c.ps.clone();
        run.generations = c.run_generations;
        run.history = c
            .history
            .iter()
            .map(|v| v.unwrap_or(f64::INFINITY))
            .collect();
        self.run = run;
        state::set_rng_position(&mut self.rng, c.rng);
        self.generation = c.generation;
        self.asked_this_generation = c.asked_this_generation;
        self.asked = c.asked.iter().copied().collect();
        self.told = c
            .told
            .iter()
            .map(|(x, l)| (x.clone(), l.unwrap_or(f64::INFINITY)))
            .collect();
        self.restart_count = c.restart_count;
        self.last = None;
        Ok(())
    }
}

/// A loss as saved: non-finite (a failed trial's `∞`) as `None`, which JSON can carry.
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// [`CmaEs`]'s saved state: the current run's distribution and paths (its learning rates
/// follow from λ and the dimension), and the generation in progress. Matrices are row-major.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CmaEsState {
    /// The generator's position.
    pub rng: u64,
    /// The current run's population size.
    pub lambda: usize,
    /// The distribution's mean.
    pub mean: Vec<f64>,
    /// The step size σ.
    pub sigma: f64,
    /// The covariance C.
    pub c: Vec<f64>,
    /// C's eigenvectors (columns).
    pub b: Vec<f64>,
    /// Square roots of C's eigenvalues.
    pub d: Vec<f64>,
    /// The evolution path of C.
    pub pc: Vec<f64>,
    /// The evolution path of σ.
    pub(crate) ps: Vec<f64>,
    /// Generations of the current run.
    pub(crate) run_generations: usize,
    /// The current run's best loss per generation (`None`: every member failed).
    pub history: Vec<Option<f64>>,
    /// Generations across restarts.
    pub generation: usize,
    /// Points asked in the current generation.
    pub(crate) asked_this_generation: usize,
    /// Asked and not yet told: trial number and generation.
    pub asked: Vec<(usize, usize)>,
    /// The current generation's told points and losses (`None`: failed).
    pub told: Vec<(Vec<f64>, Option<f64>)>,
    /// Restarts so far.
    pub(crate) restart_count: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testkit::*;

    fn make(dim: usize, seed: u64) -> Box<dyn Strategy> {
        Box::new(CmaEs::new(dim, DEFAULT_SIGMA0, None, true, seed).unwrap())
    }

    #[test]
    fn strategy_cmaes_solves_bowl_2d() {
        let mut s = make(2, 1);
        let run = drive(s.as_mut(), 200, bowl);
        assert!(best(&run) < 1e-8, "best {}", best(&run));
    }

    #[test]
    fn strategy_cmaes_solves_bowl_4d() {
        let mut s = make(4, 2);
        let run = drive(s.as_mut(), 400, bowl);
        assert!(best(&run) < 1e-6, "best {}", best(&run));
    }

    #[test]
    fn strategy_cmaes_stays_in_cube_and_restarts() {
        // Minimum in a corner: many samples fall outside and must be repaired; a long run
        // collapses σ and triggers restarts.
        let mut s = make(3, 3);
        let run = drive(s.as_mut(), 1500, |x| {
            x.iter().map(|v| (v - 1.0).powi(2)).sum()
        });
        assert_in_cube(&run);
        assert!(best(&run) < 1e-10);
        let c = CmaEs::new(3, DEFAULT_SIGMA0, None, true, 3).unwrap();
        let mut c: Box<CmaEs> = Box::new(c);
        drive(c.as_mut(), 1500, |x| {
            x.iter().map(|v| (v - 1.0).powi(2)).sum()
        });
        assert!(c.popsize() > default_popsize(3), "no restart happened");
    }

    #[test]
    fn strategy_cmaes_same_seed_same_points() {
        let a = drive(make(3, 7).as_mut(), 50, bowl);
        let b = drive(make(3, 7).as_mut(), 50, bowl);
        assert_eq!(a, b);
        let c = drive(make(3, 8).as_mut(), 50, bowl);
        assert_ne!(a, c);
    }

    #[test]
    fn strategy_cmaes_parallel_asks_distinct() {
        let mut s = make(2, 4);
        // more asks than one generation before any tell
        let pts: Vec<Vec<f64>> = (0..20).map(|n| s.ask(n).unwrap().point).collect();
        for i in 0..pts.len() {
            for j in 0..i {
                assert_ne!(pts[i], pts[j]);
            }
        }
        let run = drive_batched(make(4, 5).as_mut(), 400, 8, bowl);
        assert!(best(&run) < 1e-6, "batched best {}", best(&run));
    }

    #[test]
    fn strategy_cmaes_failures_and_foreign_observations() {
        let mut s = make(2, 6);
        for n in 0..300 {
            let p = s.ask(n).unwrap().point;
            let loss = if n % 7 == 0 { None } else { Some(bowl(&p)) };
            s.tell(Observation {
                number: n,
                point: &p,
                loss,
                gradient: None,
            });
            // a foreign observation at a bad point must not disturb the run
            s.tell(Observation {
                number: 10_000 + n,
                point: &[0.0, 0.0],
                loss: Some(-1.0),
                gradient: None,
            });
        }
        let p = s.ask(300).unwrap().point;
        assert!(bowl(&p) < 1e-4, "final point {p:?}");
    }

    #[test]
    fn explain_counts_members_and_the_point_is_a_plausible_draw() {
        let mut s = CmaEs::new(2, DEFAULT_SIGMA0, None, true, 9).unwrap();
        assert!(s.explain().is_none());
        let lambda = s.popsize();
        for n in 0..5 * lambda {
            let p = s.ask(n).unwrap().point;
            let Some(Explanation::CmaEs(why)) = s.explain() else {
                panic!("no explanation")
            };
            assert_eq!(why.lambda, lambda);
            assert_eq!(why.generation, n / lambda);
            assert_eq!(why.member, n % lambda);
            // Mahalanobis distance of the point under N(mean, σ²C): a draw is far beyond
            // 5 standard deviations with probability below 4e-6.
            let c = &why.covariance;
            let det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
            assert!(det > 0.0, "C is positive definite");
            let y: Vec<f64> = (0..2).map(|i| (p[i] - why.mean[i]) / why.sigma).collect();
            let m2 =
                (c[1][1] * y[0] * y[0] - 2.0 * c[0][1] * y[0] * y[1] + c[0][0] * y[1] * y[1]) / det;
            assert!(m2 < 25.0, "point {p:?} at Mahalanobis² {m2} from {why:?}");
            s.tell(Observation {
                number: n,
                point: &p,
                loss: Some(bowl(&p)),
                gradient: None,
            });
        }
    }

    #[test]
    fn strategy_cmaes_report_synthetic() {
        report("cmaes", make);
    }
}
