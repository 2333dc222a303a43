//! Simulated annealing with a Gaussian neighbourhood.
//!
//! Defaults and schedules:
//! - **Start**: a uniform random point (the first trial).
//! - **Neighbourhood**: `x' = x + N(0, s_k²)` per coordinate, reflected into `[0, 1]`, with the
//!   scale shrinking geometrically over the expected `budget` (default 100 trials) from
//!   `scale0 = 0.25` to `scale_end = 0.01`: wide moves while the temperature is high, local
//!   refinement at the end. After the budget the final values stay.
//! - **Temperature**: geometric from `t0 = 1` to `t_end = 1e-3` over the budget, *relative to
//!   the typical loss change*: an uphill move of Δ is accepted with probability
//!   `exp(−Δ / (T_k · Δ̄))`, where Δ̄ is the running mean |Δ| seen so far. That makes the
//!   schedule independent of the loss's units (accuracy or seconds), so one default fits all.
//! - **Metropolis**: downhill moves are always accepted.
//! - `default_window` = 1: each move starts from the latest accepted state. Parallel asks
//!   draw independent neighbours of the same state (distinct points); their results are
//!   judged against the state as it is when they are told.
//! - **Failed trials** are rejected moves. **Outside observations** replace the state only
//!   when better (no uphill jumps to points the chain did not propose).

use super::explain::{AnnealWhy, MoveWhy};
use super::state::{self, StrategyState};
use super::{Explanation, Observation, Strategy, StrategyError, Suggestion, seeded_rng};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Schedule settings of [`Anneal`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AnnealSettings {
    /// Trials over which scale and temperature decay.
    pub budget: usize,
    /// Initial neighbourhood scale (unit-cube units).
    pub scale0: f64,
    /// Final neighbourhood scale.
    pub scale_end: f64,
    /// Initial relative temperature.
    pub t0: f64,
    /// Final relative temperature.
    pub t_end: f64,
}

impl Default for AnnealSettings {
    fn default() -> Self {
        AnnealSettings {
            budget: 100,
            scale0: 0.25,
            scale_end: 0.01,
            t0: 1.0,
            t_end: 1e-3,
        }
    }
}

impl super::registry::StrategySettings for AnnealSettings {
    const NAME: &'static str = "anneal";
    const SUMMARY: &'static str = "simulated annealing over a 100-trial schedule";

    fn validate(&self) -> Result<(), StrategyError> {
        super::registry::count("anneal budget", self.budget, 1, usize::MAX)?;
        super::registry::positive("anneal scale0", self.scale0)?;
        super::registry::positive("anneal scale_end", self.scale_end)?;
        super::registry::positive("anneal t0", self.t0)?;
        super::registry::positive("anneal t_end", self.t_end)
    }

    fn build(
        settings: &super::Checked<Self>,
        space: &crate::space::Space,
        seed: u64,
    ) -> Result<Box<dyn super::Strategy>, StrategyError> {
        Ok(Box::new(Anneal::new(space.dim(), *settings.get(), seed)?))
    }
}

/// Simulated annealing; see the module docs.
pub struct Anneal {
    dim: usize,
    settings: AnnealSettings,
    rng: ChaCha8Rng,
    state: Option<(Vec<f64>, f64)>,
    start: Vec<f64>,
    asks: usize,
    tells: usize,
    mean_delta: f64,
    n_delta: usize,
    asked: HashSet<usize>,
    /// The fate of the last move judged, for [`Strategy::explain`].
    last_move: Option<MoveWhy>,
    /// Temperature (loss units) and scale at every ask so far.
    schedule: Vec<(f64, f64)>,
}

impl Anneal {
    /// Annealing over `dim` coordinates.
    pub fn new(dim: usize, settings: AnnealSettings, seed: u64) -> Result<Self, StrategyError> {
        super::registry::StrategySettings::validate(&settings)?;
        let mut rng = seeded_rng(seed, 0);
        let start = (0..dim).map(|_| rng.random::<f64>()).collect();
        Ok(Anneal {
            dim,
            settings,
            rng,
            state: None,
            start,
            asks: 0,
            tells: 0,
            mean_delta: 0.0,
            n_delta: 0,
            asked: HashSet::new(),
            last_move: None,
            schedule: Vec::new(),
        })
    }

    fn progress(&self, k: usize) -> f64 {
        (k as f64 / self.settings.budget as f64).min(1.0)
    }

    fn geometric(a: f64, b: f64, t: f64) -> f64 {
        a * (b / a).powf(t)
    }

    /// The temperature in loss units after `tells` judged moves: the relative schedule
    /// times the mean |Δ| seen (0 before any move).
    fn temperature(&self) -> f64 {
        let s = &self.settings;
        Self::geometric(s.t0, s.t_end, self.progress(self.tells)) * self.mean_delta
    }

    /// The neighbourhood's scale at the `asks`-th ask.
    fn scale(&self) -> f64 {
        let s = &self.settings;
        Self::geometric(s.scale0, s.scale_end, self.progress(self.asks))
    }
}

impl Strategy for Anneal {
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError> {
        self.asked.insert(number);
        self.asks += 1;
        self.schedule.push((self.temperature(), self.scale()));
        let centre = match &self.state {
            Some((x, _)) => x.clone(),
            None if self.asks == 1 => return Ok(Suggestion::at(self.start.clone())),
            None => self.start.clone(),
        };
        let scale = self.scale();
        let point = centre
            .iter()
            .map(|c| {
                let z: f64 = self.rng.sample(StandardNormal);
                let mut x = c + scale * z;
                // reflect (repeatedly for very long steps)
                for _ in 0..8 {
                    if x < 0.0 {
                        x = -x;
                    } else if x > 1.0 {
                        x = 2.0 - x;
                    } else {
                        break;
                    }
                }
                x.clamp(0.0, 1.0)
            })
            .collect();
        Ok(Suggestion::at(point))
    }

    fn tell(&mut self, observation: Observation<'_>) {
        if observation.check(self.dim).is_err() {
            return;
        }
        let ours = self.asked.remove(&observation.number);
        let Some(loss) = observation.loss.filter(|l| l.is_finite()) else {
            return;
        };
        if ours {
            self.tells += 1;
        }
        let Some((_, current)) = &self.state else {
            self.state = Some((observation.point.to_vec(), loss));
            return;
        };
        let delta = loss - current;
        if ours {
            self.n_delta += 1;
            self.mean_delta += (delta.abs() - self.mean_delta) / self.n_delta as f64;
        }
        let from_loss = *current;
        let temperature = self.temperature();
        let (accept, probability) = if delta <= 0.0 {
            (true, 1.0)
        } else if !ours || self.mean_delta <= 0.0 {
            (false, 0.0)
        } else {
            let p = (-delta / temperature).exp();
            let u: f64 = self.rng.random();
            (u < p, p)
        };
        if ours {
            self.last_move = Some(MoveWhy {
                from_loss,
                to_loss: loss,
                probability,
                accepted: accept,
                temperature,
            });
        }
        if accept {
            self.state = Some((observation.point.to_vec(), loss));
        }
    }

    fn explain(&self) -> Option<Explanation> {
        let &(temperature, scale) = self.schedule.last()?;
        Some(Explanation::Anneal(AnnealWhy {
            current: self.state.clone(),
            schedule: self.schedule.clone(),
            temperature,
            scale,
            last_move: self.last_move.clone(),
        }))
    }

    fn save(&self) -> Option<StrategyState> {
        let mut asked: Vec<usize> = self.asked.iter().copied().collect();
        asked.sort_unstable();
        Some(StrategyState::Anneal(Box::new(AnnealState {
            rng: state::rng_position(&self.rng)?,
            current: self.state.clone(),
            asks: self.asks,
            tells: self.tells,
            mean_delta: self.mean_delta,
            n_delta: self.n_delta,
            asked,
            last_move: self.last_move.clone(),
            schedule: self.schedule.clone(),
        })))
    }

    fn restore(
        &mut self,
        saved: &StrategyState,
        _told: &[Observation<'_>],
        _pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        let StrategyState::Anneal(a) = saved else {
            return Err(state::mismatch(saved.name()));
        };
        if a.current.as_ref().is_some_and(|(x, _)| x.len() != self.dim) {
            return Err(state::mismatch("a chain of another dimension"));
        }
        state::set_rng_position(&mut self.rng, a.rng);
        self.state = a.current.clone();
        self.asks = a.asks;
        self.tells = a.tells;
        self.mean_delta = a.mean_delta;
        self.n_delta = a.n_delta;
        self.asked = a.asked.iter().copied().collect();
        self.last_move = a.last_move.clone();
        self.schedule = a.schedule.clone();
        Ok(())
    }
}

/// [`Anneal`]'s saved state: the chain, its counters and the schedule so far (the start
/// point follows from the seed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnealState {
    /// The generator's position.
    pub rng: u64,
    /// The chain's current point and loss.
    pub current: Option<(Vec<f64>, f64)>,
    /// Asks so far.
    pub(crate) asks: usize,
    /// Own results judged so far.
    pub(crate) tells: usize,
    /// Running mean |Δ|.
    pub(crate) mean_delta: f64,
    /// Changes in that mean.
    pub(crate) n_delta: usize,
    /// Asked and not yet told.
    pub asked: Vec<usize>,
    /// The last move judged, for the why-view.
    pub last_move: Option<MoveWhy>,
    /// Temperature and scale at every ask, for the why-view.
    pub schedule: Vec<(f64, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testkit::*;

    fn make(dim: usize, seed: u64) -> Box<dyn Strategy> {
        Box::new(Anneal::new(dim, AnnealSettings::default(), seed).unwrap())
    }

    fn make_budget(dim: usize, seed: u64, budget: usize) -> Box<dyn Strategy> {
        let s = AnnealSettings {
            budget,
            ..AnnealSettings::default()
        };
        Box::new(Anneal::new(dim, s, seed).unwrap())
    }

    #[test]
    fn strategy_anneal_solves_bowl_2d() {
        let run = drive(make_budget(2, 1, 200).as_mut(), 200, bowl);
        assert!(best(&run) < 1e-3, "best {}", best(&run));
    }

    #[test]
    fn strategy_anneal_solves_bowl_4d() {
        let run = drive(make_budget(4, 2, 400).as_mut(), 400, bowl);
        assert!(best(&run) < 5e-3, "best {}", best(&run));
    }

    #[test]
    fn strategy_anneal_cube_seed_parallel() {
        let f = |x: &[f64]| x.iter().map(|v| (v - 1.0).powi(2)).sum::<f64>();
        let a = drive(make(3, 7).as_mut(), 150, f);
        assert_in_cube(&a);
        assert_eq!(a, drive(make(3, 7).as_mut(), 150, f));
        assert_ne!(a, drive(make(3, 8).as_mut(), 150, f));
        let mut s = make(2, 4);
        drive(s.as_mut(), 10, bowl);
        let pts: Vec<Vec<f64>> = (10..20).map(|n| s.ask(n).unwrap().point).collect();
        for i in 0..pts.len() {
            for j in 0..i {
                assert_ne!(pts[i], pts[j]);
            }
        }
    }

    #[test]
    fn explain_gives_the_metropolis_probability_of_each_move() {
        let mut s = Anneal::new(2, AnnealSettings::default(), 3).unwrap();
        assert!(s.explain().is_none());
        let (mut worse, mut better) = (0, 0);
        for n in 0..40 {
            let p = s.ask(n).unwrap().point;
            let Some(Explanation::Anneal(why)) = s.explain() else {
                panic!("no explanation")
            };
            assert_eq!(why.schedule.len(), n + 1);
            if let Some((x, _)) = &why.current {
                let far = x
                    .iter()
                    .zip(&p)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                assert!(far <= 8.0 * why.scale, "a neighbour of the current state");
            }
            let loss = bowl(&p);
            s.tell(Observation {
                number: n,
                point: &p,
                loss: Some(loss),
                gradient: None,
            });
            let Some(Explanation::Anneal(after)) = s.explain() else {
                panic!("no explanation")
            };
            let Some(m) = after.last_move.filter(|_| n > 0) else {
                continue;
            };
            assert_eq!(m.to_loss, loss);
            let delta = m.to_loss - m.from_loss;
            if delta <= 0.0 {
                better += 1;
                assert_eq!(m.probability, 1.0);
                assert!(m.accepted);
            } else {
                worse += 1;
                let expected = (-delta / m.temperature).exp();
                assert!((m.probability - expected).abs() < 1e-12);
            }
            if m.accepted {
                assert_eq!(after.current.as_ref().map(|c| c.1), Some(loss));
            }
        }
        assert!(worse > 0 && better > 0, "worse {worse}, better {better}");
    }

    #[test]
    fn strategy_anneal_report_synthetic() {
        report("anneal", |d, s| make_budget(d, s, 60));
    }
}
