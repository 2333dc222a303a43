//! Saved strategy state, so a resumed study costs about one ask instead of a replay.
//!
//! A resume must put the strategy exactly where the uninterrupted run had it. Replaying
//! every stored trial through `ask` does that but costs the whole run's strategy time (a GP
//! refits its hyperparameters hundreds of times). Instead a strategy can [`save`] what the
//! stored trials cannot tell it (the position of its random generator, CMA-ES's
//! distribution, the swarm, the annealing chain, the descent's iterate, the GP's fitted
//! hyperparameters) and [`restore`] from that plus the stored trials. The runner takes the
//! state at a known place in its schedule and keeps it with the study (see
//! [`crate::runner`]); everything here is plain serde data, so a session or a journal can
//! carry it.
//!
//! [`save`]: super::Strategy::save
//! [`restore`]: super::Strategy::restore

use super::StrategySpec;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub(crate) use super::anneal::AnnealState;
pub(crate) use super::cmaes::CmaEsState;
pub use super::gp::GpState;
pub(crate) use super::gradient::GradientState;
pub(crate) use super::pso::PsoState;
pub(crate) use super::random::RandomState;
pub(crate) use super::tpe::TpeState;

/// What one strategy needs, besides the stored trials, to continue exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StrategyState {
    /// Grid and Sobol: each point depends only on its trial number.
    Stateless,
    /// Random search: the generator's position.
    Random(RandomState),
    /// GP search: fitted hyperparameters and start-up progress (observations come from the
    /// trials).
    Gp(GpState),
    /// TPE: the generator's position (observations come from the trials).
    Tpe(TpeState),
    /// CMA-ES: the distribution, its paths and the generation in progress.
    CmaEs(Box<CmaEsState>),
    /// Particle swarm: every particle and the swarm's best.
    Pso(Box<PsoState>),
    /// Simulated annealing: the chain and its schedule.
    Anneal(Box<AnnealState>),
    /// Gradient search: the iterate, Adam's moments and the step in progress.
    Gradient(Box<GradientState>),
}

impl StrategyState {
    /// The strategy name the state belongs to, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            StrategyState::Stateless => "grid or sobol",
            StrategyState::Random(_) => "random",
            StrategyState::Gp(_) => "gp",
            StrategyState::Tpe(_) => "tpe",
            StrategyState::CmaEs(_) => "cmaes",
            StrategyState::Pso(_) => "pso",
            StrategyState::Anneal(_) => "anneal",
            StrategyState::Gradient(_) => "gradient",
        }
    }
}

/// A strategy's state at one place of a run's schedule, kept with the study. Everything a
/// resume checks before trusting it is here: a state taken under other settings, another
/// seed or window, or before the stored trials were edited is ignored (the resume then
/// replays, as for a session saved before states existed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedState {
    /// The strategy and settings it was taken with.
    pub strategy: StrategySpec,
    /// The study's seed.
    pub seed: u64,
    /// The study's window (`usize::MAX`: the strategy's points ignore results).
    pub window: usize,
    /// Trials `0..told` had been told when it was taken.
    pub told: usize,
    /// Trials `0..asked` had been asked when it was taken (the next ask was `asked`).
    pub asked: usize,
    /// [`fingerprint`] of those trials as they were stored.
    pub(crate) fingerprint: u64,
    /// The strategy's own state.
    pub state: StrategyState,
}

/// A hash of what a strategy saw of trials `0..asked`: every point, and the results of the
/// first `told`. FNV-1a over the bit patterns, so it is the same on every machine and
/// release (std's hasher promises neither). `None` if the trials are not numbered `0..asked`
/// in order or are too few.
pub(crate) fn fingerprint(
    trials: &[crate::study::Trial],
    told: usize,
    asked: usize,
) -> Option<u64> {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |word: u64| {
        for byte in word.to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(PRIME);
        }
    };
    for (i, t) in trials.get(..asked)?.iter().enumerate() {
        if t.number != i {
            return None;
        }
        eat(i as u64);
        eat(t.point.len() as u64);
        t.point.iter().for_each(|v| eat(v.to_bits()));
        if i < told {
            match t.told_value() {
                Some(v) => eat(v.to_bits()),
                None => eat(u64::MAX),
            }
            for g in t.gradient.iter().flatten() {
                eat(g.to_bits());
            }
        }
    }
    Some(h)
}

/// The position of a generator in its stream, as saved (`None` past 2^64 words, which no
/// study reaches).
pub(crate) fn rng_position(rng: &ChaCha8Rng) -> Option<u64> {
    u64::try_from(rng.get_word_pos()).ok()
}

/// Move a generator (built from the same seed and stream) to a saved position.
pub(crate) fn set_rng_position(rng: &mut ChaCha8Rng, position: u64) {
    rng.set_word_pos(u128::from(position));
}

/// Restore a strategy whose next point depends only on its settings and the ask number
/// (grid, Sobol): any [`StrategyState::Stateless`] fits, nothing else does.
pub(crate) fn restore_stateless(saved: &StrategyState) -> Result<(), super::StrategyError> {
    match saved {
        StrategyState::Stateless => Ok(()),
        other => Err(mismatch(other.name())),
    }
}

/// The error for a state that belongs to another strategy or does not fit this one.
pub(crate) fn mismatch(what: &str) -> super::StrategyError {
    super::StrategyError::Unsupported(format!("the saved strategy state does not fit: {what}"))
}
