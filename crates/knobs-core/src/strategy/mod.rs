//! Search strategies behind one ask/tell interface.
//!
//! A strategy proposes points in the unit cube `[0, 1]^d` of the study's [`Space`] (one
//! coordinate per free parameter) and learns from results. It always *minimises*: the runner
//! turns a maximised objective into a loss before telling. Contract, which every strategy
//! keeps and the runner relies on:
//! - **Deterministic**: the same seed and the same sequence of `ask`/`tell` calls with the same
//!   values give the same points. The runner fixes that sequence independently of how many
//!   worker threads there are (see [`crate::runner`]), so results never depend on `--jobs`.
//! - **Parallel-safe**: `ask` may be called again before earlier trials are told; it must still
//!   return a distinct, sensible point.
//! - **Open to outside observations**: `tell` may carry a trial number the strategy never
//!   asked for (a resumed study whose strategy was changed); it is then an observation to
//!   learn from, not a reply.

mod anneal;
mod cmaes;
pub mod explain;
pub mod gp;
pub mod gradient;
mod grid;
mod pso;
mod random;
mod registry;
mod sobol;
pub mod state;
#[cfg(test)]
mod testkit;
mod tpe;
pub mod warm;

pub use anneal::{Anneal, AnnealSettings};
pub use cmaes::{CmaEs, CmaEsSettings};
pub use explain::Explanation;
pub use gp::{GpSearch, GpSettings};
pub use grid::{Grid, GridSettings};
pub use pso::{Pso, PsoSettings};
pub use registry::{Checked, STRATEGIES, StrategyInfo, StrategySettings, StrategySpec};
pub use sobol::{Sobol, SobolSettings};
pub use state::{SavedState, StrategyState};
pub use tpe::{Tpe, TpeSettings};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

/// A point the strategy wants evaluated.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// Coordinates in the unit cube, one per free parameter.
    pub point: Vec<f64>,
    /// Whether the strategy needs the objective's gradient at this point.
    pub want_gradient: bool,
    /// Why this point, when it is not an ordinary proposal ("finite-difference probe"), so the
    /// trial table can say so.
    pub label: Option<String>,
}

impl Suggestion {
    /// An ordinary proposal.
    pub fn at(point: Vec<f64>) -> Self {
        Suggestion {
            point,
            want_gradient: false,
            label: None,
        }
    }
}

/// A finished trial as a strategy sees it.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// The trial's number; may be one this strategy never asked for (see module docs).
    pub number: usize,
    /// The unit-cube point evaluated.
    pub point: &'a [f64],
    /// The loss (the objective value, negated when maximising); `None` for a failed trial.
    pub loss: Option<f64>,
    /// d loss / d u in the unit cube, where asked for and available.
    pub gradient: Option<&'a [f64]>,
}

impl Observation<'_> {
    /// Check the observation fits a strategy over `dim` unit-cube coordinates: the point has
    /// `dim` finite coordinates inside `[0, 1]`, a gradient (if any) has `dim` finite
    /// entries, and the loss is finite or absent. The runner checks every observation
    /// before telling it (a bad one ends the run with this message) and every strategy's
    /// `tell` ignores one that fails, so a hand-edited or mismatched session can never make
    /// a strategy index past its arrays.
    pub fn check(&self, dim: usize) -> Result<(), StrategyError> {
        let trial = self.number;
        if self.point.len() != dim {
            return Err(StrategyError::Unsupported(format!(
                "trial {trial}: its point has {} coordinates, the space has {dim} free parameters",
                self.point.len()
            )));
        }
        if let Some((i, u)) = self
            .point
            .iter()
            .enumerate()
            .find(|(_, u)| !(0.0..=1.0).contains(*u))
        {
            return Err(StrategyError::Unsupported(format!(
                "trial {trial}: coordinate {i} of its point is {u}, outside the unit cube [0, 1]"
            )));
        }
        if let Some(g) = self.gradient
            && (g.len() != dim || g.iter().any(|x| !x.is_finite()))
        {
            return Err(StrategyError::Unsupported(format!(
                "trial {trial}: its gradient has {} entries (not all finite?), the space has {dim}",
                g.len()
            )));
        }
        Ok(())
    }
}

/// Why a strategy cannot go on.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum StrategyError {
    /// Every point the strategy can propose has been proposed (a finished grid).
    #[error("the strategy has no more points to propose ({0})")]
    Exhausted(String),
    /// The strategy cannot search this space (e.g. gradients over categorical parameters).
    #[error("{0}")]
    Unsupported(String),
    /// A setting is out of range.
    #[error("bad strategy setting: {0}")]
    BadSetting(String),
}

/// The ask/tell interface every search strategy implements.
pub trait Strategy: Send {
    /// Propose the point for trial `number` (numbers are asked in increasing order).
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError>;

    /// Learn the result of a trial (in trial-number order).
    fn tell(&mut self, observation: Observation<'_>);

    /// Whether a new point would be useful now. Generational strategies (CMA-ES) return
    /// `false` once a whole generation is out, so the runner waits for its results instead
    /// of asking for points the next update would discard. The runner only calls it between
    /// the asks and tells of its deterministic sequence, and asks anyway when nothing is
    /// outstanding, so it never changes results between runs or stalls a study.
    fn ready(&self) -> bool {
        true
    }

    /// Why the last asked point was chosen, for step mode's "why this point?" views; `None`
    /// when nothing has been asked yet. Called right after `ask`, before the point is told.
    fn explain(&self) -> Option<Explanation> {
        None
    }

    /// Take a warm start's old trials (unit-cube points in this space, losses in the old
    /// study's units, lower better) as prior knowledge. Strategies that model the loss (the
    /// GP) use them; the others ignore them, and start from the old best points instead
    /// (see [`warm`]).
    fn warm(&mut self, prior: &[(Vec<f64>, f64)]) {
        let _ = prior;
    }

    /// How many trials may be outstanding at once when the study does not say. Adaptive
    /// strategies default to 1 (each point sees every earlier result); strategies whose points
    /// do not depend on results return `usize::MAX`, since any window gives the same points.
    fn default_window(&self) -> usize {
        1
    }

    /// What the strategy needs, besides the trials told so far, to continue exactly as it
    /// would now (see [`state`]); `None` when it cannot say, and a resume then replays.
    fn save(&self) -> Option<StrategyState> {
        None
    }

    /// Continue from `state`, saved by a strategy built with the same settings and seed once
    /// the `told` observations (in trial order) had been told and the `pending` points
    /// (trial number, point) asked and not yet told. Costs about one ask. On `Err` the
    /// strategy is unchanged, and the caller replays instead.
    fn restore(
        &mut self,
        state: &StrategyState,
        told: &[Observation<'_>],
        pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        let _ = (told, pending);
        Err(state::mismatch(state.name()))
    }
}

/// The seeded generator every strategy uses: ChaCha8 is portable and stable across releases,
/// so a saved session replays identically on another machine. `stream` separates independent
/// uses of one seed.
pub fn seeded_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}
