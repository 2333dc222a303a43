//! Particle swarm optimisation with Clerc's constriction coefficients.
//!
//! Defaults and why:
//! - **Swarm size** `10 + ⌊2√d⌋` (the SPSO-2006 rule): 12 particles in 2-D, 14 in 6-D. Tuning
//!   budgets are small (tens to a few hundred trials), so a big swarm would spend the whole
//!   budget on its first few sweeps; fewer than ~10 particles lose too much diversity.
//! - **Inertia** `w = 0.729`, **cognitive** and **social** `c1 = c2 = 1.49445`: Clerc and
//!   Kennedy's constriction (χ = 0.7298 for φ = 4.1), which converges without a velocity
//!   schedule.
//! - **Velocity clamp** `v_max = 0.2` of the unit range per coordinate, so early sweeps do not
//!   bounce wall to wall.
//! - **Bounds**: a position outside `[0, 1]` is reflected back in and that velocity component
//!   reversed (then clamped to the cube for safety).
//! - **Topology**: global best (the swarm shares one attractor), the fastest to exploit in a
//!   small budget.
//! - **Start**: positions uniform in the cube, velocities `(U − x)/2` (SPSO-2011).
//! - **Asynchronous updates**: each `ask` moves the next particle whose last position has been
//!   told (round robin), using the best point known at that moment, so `default_window` = swarm
//!   size keeps every particle busy. If every particle is waiting for a result, the extra ask is
//!   a Gaussian probe (σ = 0.1) around the best point known (or a uniform point before any
//!   result), so it is still distinct and sensible.
//! - **Failed trials** leave the particle's personal best unchanged (as if worst).
//! - **Outside observations** can improve the global best (the social attractor) but belong to
//!   no particle.

use super::explain::{ParticleWhy, SwarmWhy};
use super::state::{self, StrategyState};
use super::{Explanation, Observation, Strategy, StrategyError, Suggestion, seeded_rng};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Clerc's constriction: inertia.
pub(crate) const DEFAULT_INERTIA: f64 = 0.729;
/// Clerc's constriction: cognitive and social weights.
pub(crate) const DEFAULT_ACCEL: f64 = 1.49445;
/// Default velocity clamp (fraction of the unit range).
pub(crate) const DEFAULT_V_MAX: f64 = 0.2;

/// The default swarm size for `dim` coordinates: `10 + ⌊2√d⌋`.
pub(crate) fn default_swarm(dim: usize) -> usize {
    10 + (2.0 * (dim as f64).sqrt()).floor() as usize
}

/// The most particles a swarm may have: each is allocated up front.
pub(crate) const MAX_SWARM: usize = 100_000;

/// Settings of [`Pso`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PsoSettings {
    /// Particles; `None` (default) is `10 + ⌊2√d⌋`.
    pub swarm: Option<usize>,
    /// Inertia weight (default 0.729).
    pub inertia: f64,
    /// Pull toward each particle's own best (default 1.49445).
    pub cognitive: f64,
    /// Pull toward the swarm's best (default 1.49445).
    pub social: f64,
    /// Largest velocity per coordinate, in unit-cube units (default 0.2).
    pub v_max: f64,
}

impl Default for PsoSettings {
    fn default() -> Self {
        PsoSettings {
            swarm: None,
            inertia: DEFAULT_INERTIA,
            cognitive: DEFAULT_ACCEL,
            social: DEFAULT_ACCEL,
            v_max: DEFAULT_V_MAX,
        }
    }
}

impl super::registry::StrategySettings for PsoSettings {
    const NAME: &'static str = "pso";
    const SUMMARY: &'static str = "particle swarm, Clerc's constriction, 10 + 2√d particles";

    fn validate(&self) -> Result<(), StrategyError> {
        if let Some(size) = self.swarm {
            super::registry::count("pso swarm size", size, 1, MAX_SWARM)?;
        }
        super::registry::non_negative("pso inertia", self.inertia)?;
        super::registry::non_negative("pso cognitive weight", self.cognitive)?;
        super::registry::non_negative("pso social weight", self.social)?;
        // An infinite clamp is no clamp, as before; NaN and non-positive ones are refused.
        if self.v_max.is_nan() || self.v_max <= 0.0 {
            return Err(StrategyError::BadSetting(format!(
                "pso v_max must be positive, got {}",
                self.v_max
            )));
        }
        Ok(())
    }

    fn build(
        settings: &super::Checked<Self>,
        space: &crate::space::Space,
        seed: u64,
    ) -> Result<Box<dyn Strategy>, StrategyError> {
        let s = settings.get();
        Ok(Box::new(Pso::new(
            space.dim(),
            s.swarm,
            s.inertia,
            s.cognitive,
            s.social,
            s.v_max,
            seed,
        )?))
    }
}

/// One particle; saved whole in [`PsoState`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Particle {
    x: Vec<f64>,
    v: Vec<f64>,
    best: Option<(Vec<f64>, f64)>,
    /// Initialised (its first position asked).
    started: bool,
    waiting: bool,
    /// Its first result is in.
    evaluated: bool,
}

/// Particle swarm; see the module docs.
pub struct Pso {
    dim: usize,
    inertia: f64,
    cognitive: f64,
    social: f64,
    v_max: f64,
    rng: ChaCha8Rng,
    particles: Vec<Particle>,
    next: usize,
    global: Option<(Vec<f64>, f64)>,
    /// Asked trial number → particle (None for probes).
    asked: HashMap<usize, Option<usize>>,
    /// The last ask's particle (None for a probe) and where it was before moving, for
    /// [`Strategy::explain`]; None before the first ask.
    last: Option<(Option<usize>, Option<Vec<f64>>)>,
}

impl Pso {
    /// A swarm over `dim` coordinates; `swarm` `None` uses `default_swarm`.
    pub fn new(
        dim: usize,
        swarm: Option<usize>,
        inertia: f64,
        cognitive: f64,
        social: f64,
        v_max: f64,
        seed: u64,
    ) -> Result<Self, StrategyError> {
        super::registry::StrategySettings::validate(&PsoSettings {
            swarm,
            inertia,
            cognitive,
            social,
            v_max,
        })?;
        let size = swarm.unwrap_or_else(|| default_swarm(dim));
        let particles = (0..size)
            .map(|_| Particle {
                x: vec![0.5; dim],
                v: vec![0.0; dim],
                best: None,
                started: false,
                waiting: false,
                evaluated: false,
            })
            .collect();
        Ok(Pso {
            dim,
            inertia,
            cognitive,
            social,
            v_max,
            rng: seeded_rng(seed, 0),
            particles,
            next: 0,
            global: None,
            asked: HashMap::new(),
            last: None,
        })
    }

    /// A swarm with every default.
    #[cfg(test)]
    pub(crate) fn with_defaults(dim: usize, seed: u64) -> Self {
        Self::new(
            dim,
            None,
            DEFAULT_INERTIA,
            DEFAULT_ACCEL,
            DEFAULT_ACCEL,
            DEFAULT_V_MAX,
            seed,
        )
        .expect("defaults are valid")
    }

    fn move_particle(&mut self, i: usize) -> Vec<f64> {
        let d = self.dim;
        let p = &mut self.particles[i];
        if !p.started {
            p.started = true;
            p.x = (0..d).map(|_| self.rng.random::<f64>()).collect();
            p.v = (0..d)
                .map(|k| (self.rng.random::<f64>() - p.x[k]) / 2.0)
                .map(|v| v.clamp(-self.v_max, self.v_max))
                .collect();
            return p.x.clone();
        }
        let pbest = p.best.as_ref().map(|b| b.0.clone()).unwrap_or(p.x.clone());
        let gbest = self
            .global
            .as_ref()
            .map(|b| b.0.clone())
            .unwrap_or(pbest.clone());
        for k in 0..d {
            let r1: f64 = self.rng.random();
            let r2: f64 = self.rng.random();
            let v = self.inertia * p.v[k]
                + self.cognitive * r1 * (pbest[k] - p.x[k])
                + self.social * r2 * (gbest[k] - p.x[k]);
            p.v[k] = v.clamp(-self.v_max, self.v_max);
            let mut x = p.x[k] + p.v[k];
            if x < 0.0 {
                x = -x;
                p.v[k] = -p.v[k];
            } else if x > 1.0 {
                x = 2.0 - x;
                p.v[k] = -p.v[k];
            }
            p.x[k] = x.clamp(0.0, 1.0);
        }
        p.x.clone()
    }
}

impl Strategy for Pso {
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError> {
        let n = self.particles.len();
        let ready = (0..n)
            .map(|k| (self.next + k) % n)
            .find(|&i| !self.particles[i].waiting);
        let point = match ready {
            Some(i) => {
                self.next = (i + 1) % n;
                self.particles[i].waiting = true;
                self.asked.insert(number, Some(i));
                let p = &self.particles[i];
                self.last = Some((Some(i), p.started.then(|| p.x.clone())));
                self.move_particle(i)
            }
            None => {
                self.asked.insert(number, None);
                self.last = Some((None, None));
                match &self.global {
                    Some((g, _)) => {
                        let g = g.clone();
                        g.iter()
                            .map(|c| {
                                let z: f64 = self.rng.sample(StandardNormal);
                                (c + 0.1 * z).clamp(0.0, 1.0)
                            })
                            .collect()
                    }
                    None => (0..self.dim).map(|_| self.rng.random::<f64>()).collect(),
                }
            }
        };
        Ok(Suggestion::at(point))
    }

    fn tell(&mut self, observation: Observation<'_>) {
        if observation.check(self.dim).is_err() {
            return;
        }
        let loss = observation.loss.filter(|l| l.is_finite());
        if let Some(l) = loss
            && self.global.as_ref().is_none_or(|g| l < g.1)
        {
            self.global = Some((observation.point.to_vec(), l));
        }
        if let Some(Some(i)) = self.asked.remove(&observation.number) {
            let p = &mut self.particles[i];
            p.waiting = false;
            p.evaluated = true;
            if let Some(l) = loss
                && p.best.as_ref().is_none_or(|b| l < b.1)
            {
                p.best = Some((observation.point.to_vec(), l));
            }
        }
    }

    /// The first moves wait for the whole swarm's first results, so no particle steers by a
    /// global best that only knows itself; after that particles move as their results come.
    fn ready(&self) -> bool {
        self.particles.iter().any(|p| !p.started) || self.particles.iter().all(|p| p.evaluated)
    }

    fn default_window(&self) -> usize {
        self.particles.len()
    }

    /// The particles that have started (particles start in order, so indices are kept).
    fn explain(&self) -> Option<Explanation> {
        let (moving, previous) = self.last.clone()?;
        Some(Explanation::Swarm(SwarmWhy {
            particles: self
                .particles
                .iter()
                .take_while(|p| p.started)
                .map(|p| ParticleWhy {
                    position: p.x.clone(),
                    velocity: p.v.clone(),
                    best: p.best.as_ref().map(|b| b.0.clone()),
                })
                .collect(),
            global_best: self.global.as_ref().map(|g| g.0.clone()),
            moving,
            previous,
            weights: (self.inertia, self.cognitive, self.social),
        }))
    }

    fn save(&self) -> Option<StrategyState> {
        let mut asked: Vec<(usize, Option<usize>)> =
            self.asked.iter().map(|(k, v)| (*k, *v)).collect();
        asked.sort_unstable();
        Some(StrategyState::Pso(Box::new(PsoState {
            rng: state::rng_position(&self.rng)?,
            particles: self.particles.clone(),
            next: self.next,
            global: self.global.clone(),
            asked,
        })))
    }

    fn restore(
        &mut self,
        saved: &StrategyState,
        _told: &[Observation<'_>],
        _pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        let StrategyState::Pso(p) = saved else {
            return Err(state::mismatch(saved.name()));
        };
        let d = self.dim;
        let fits = p.particles.len() == self.particles.len()
            && p.next < p.particles.len().max(1)
            && p.particles.iter().all(|q| q.x.len() == d && q.v.len() == d)
            && p.asked
                .iter()
                .all(|(_, i)| i.is_none_or(|i| i < p.particles.len()));
        if !fits {
            return Err(state::mismatch("a swarm of another size or dimension"));
        }
        state::set_rng_position(&mut self.rng, p.rng);
        self.particles = p.particles.clone();
        self.next = p.next;
        self.global = p.global.clone();
        self.asked = p.asked.iter().copied().collect();
        self.last = None;
        Ok(())
    }
}

/// [`Pso`]'s saved state: the whole swarm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PsoState {
    /// The generator's position.
    pub rng: u64,
    /// Every particle.
    pub particles: Vec<Particle>,
    /// The next particle to move.
    pub next: usize,
    /// The swarm's best point and loss.
    pub global: Option<(Vec<f64>, f64)>,
    /// Asked and not yet told: trial number and particle (`None`: a probe).
    pub asked: Vec<(usize, Option<usize>)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testkit::*;

    fn make(dim: usize, seed: u64) -> Box<dyn Strategy> {
        Box::new(Pso::with_defaults(dim, seed))
    }

    #[test]
    fn strategy_pso_solves_bowl_2d() {
        let run = drive(make(2, 1).as_mut(), 300, bowl);
        assert!(best(&run) < 1e-4, "best {}", best(&run));
    }

    #[test]
    fn strategy_pso_solves_bowl_4d() {
        let run = drive(make(4, 2).as_mut(), 600, bowl);
        assert!(best(&run) < 1e-3, "best {}", best(&run));
        let run = drive_batched(make(4, 2).as_mut(), 600, 14, bowl);
        assert!(best(&run) < 1e-3, "batched best {}", best(&run));
    }

    #[test]
    fn strategy_pso_cube_seed_parallel() {
        let a = drive(make(3, 7).as_mut(), 200, |x| {
            x.iter().map(|v| (v - 1.0).powi(2)).sum()
        });
        assert_in_cube(&a);
        assert_eq!(
            a,
            drive(make(3, 7).as_mut(), 200, |x| x
                .iter()
                .map(|v| (v - 1.0).powi(2))
                .sum())
        );
        let mut s = make(2, 4);
        drive(s.as_mut(), 30, bowl);
        let pts: Vec<Vec<f64>> = (30..60).map(|n| s.ask(n).unwrap().point).collect();
        assert_in_cube(&pts.iter().map(|p| (p.clone(), 0.0)).collect::<Vec<_>>());
        for i in 0..pts.len() {
            for j in 0..i {
                assert_ne!(pts[i], pts[j]);
            }
        }
    }

    #[test]
    fn explain_shows_the_moving_particle_at_the_proposal() {
        let mut s = Pso::with_defaults(2, 5);
        assert!(s.explain().is_none());
        let size = default_swarm(2);
        let (mut exact, mut bounced) = (0, 0);
        for n in 0..3 * size {
            let p = s.ask(n).unwrap().point;
            let Some(Explanation::Swarm(why)) = s.explain() else {
                panic!("no explanation")
            };
            let i = why.moving.expect("sequential asks move particles");
            assert_eq!(i, n % size, "round robin");
            assert_eq!(why.particles[i].position, p);
            assert_eq!(
                why.previous.is_some(),
                n >= size,
                "first positions have no past"
            );
            if let Some(prev) = &why.previous {
                // Without a wall bounce the move is exactly the new velocity.
                for k in 0..2 {
                    let moved = p[k] - prev[k];
                    if (moved - why.particles[i].velocity[k]).abs() < 1e-12 {
                        exact += 1;
                    } else {
                        bounced += 1;
                    }
                }
            }
            assert_eq!(why.global_best.is_some(), n > 0);
            s.tell(Observation {
                number: n,
                point: &p,
                loss: Some(bowl(&p)),
                gradient: None,
            });
        }
        assert!(
            exact > 3 * bounced,
            "{exact} moves by the velocity, {bounced} bounces"
        );
    }

    #[test]
    fn strategy_pso_report_synthetic() {
        report("pso", make);
    }
}
