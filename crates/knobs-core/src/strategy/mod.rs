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
mod sobol;
pub mod state;
#[cfg(test)]
mod testkit;
mod tpe;

pub use anneal::{Anneal, AnnealSettings};
pub use cmaes::CmaEs;
pub use explain::Explanation;
pub use gp::GpSearch;
pub use gradient::{GradientSearch, GradientSettings};
pub use grid::Grid;
pub use pso::Pso;
pub use random::RandomSearch;
pub use sobol::Sobol;
pub use state::{SavedState, StrategyState};
pub use tpe::Tpe;

use crate::gp::{Acquisition, KernelKind};
use crate::space::Space;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
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

/// A strategy and its settings, as chosen by the user and saved in a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum StrategySpec {
    /// Every combination of `points` values per numeric parameter and every choice of each
    /// categorical.
    Grid {
        /// Values per numeric parameter, both ends of the range included.
        points: usize,
    },
    /// Independent uniform draws in the unit cube.
    #[default]
    Random,
    /// Owen-scrambled Sobol points: fills the cube more evenly than random draws.
    Sobol,
    /// CMA-ES with IPOP restarts (see [`CmaEs`]).
    CmaEs {
        /// Initial step size in unit-cube coordinates (default 1/6, as Optuna).
        #[serde(default = "default_sigma0")]
        sigma0: f64,
        /// Population size λ; `None` (default) is `4 + ⌊3 ln d⌋`.
        #[serde(default)]
        popsize: Option<usize>,
        /// Restart with twice the population when the search stalls (default true).
        #[serde(default = "default_true")]
        restarts: bool,
    },
    /// Bayesian optimisation with a Gaussian process (see [`GpSearch`]).
    Gp {
        /// Sobol start-up points before the GP is used; `None` (default) is `max(10, d + 1)`.
        #[serde(default)]
        n_startup: Option<usize>,
        /// The acquisition function and its setting (default LogEI).
        #[serde(default)]
        acquisition: Acquisition,
        /// The kernel's shape (default Matérn 5/2).
        #[serde(default)]
        kernel: KernelKind,
    },
    /// Adam or gradient descent with analytic, central-difference or SPSA gradients (see
    /// [`GradientSearch`]).
    Gradient(GradientSettings),
    /// Tree-structured Parzen estimator as Optuna defines it (see [`Tpe`]).
    Tpe {
        /// Uniform random trials before the model is used (default 10).
        #[serde(default = "default_tpe_startup")]
        n_startup: usize,
        /// Candidates drawn from l(x) per proposal (default 24).
        #[serde(default = "default_tpe_candidates")]
        n_candidates: usize,
        /// Weight of the prior kernel (default 1.0).
        #[serde(default = "default_one")]
        prior_weight: f64,
        /// Joint kernels over all coordinates instead of one model per coordinate (default
        /// true, as Optuna 5 for a single objective).
        #[serde(default = "default_true")]
        multivariate: bool,
    },
    /// Particle swarm with Clerc's constriction (see [`Pso`]).
    Pso {
        /// Particles; `None` (default) is `10 + ⌊2√d⌋`.
        #[serde(default)]
        swarm: Option<usize>,
        /// Inertia weight (default 0.729).
        #[serde(default = "default_inertia")]
        inertia: f64,
        /// Pull toward each particle's own best (default 1.49445).
        #[serde(default = "default_accel")]
        cognitive: f64,
        /// Pull toward the swarm's best (default 1.49445).
        #[serde(default = "default_accel")]
        social: f64,
        /// Largest velocity per coordinate, in unit-cube units (default 0.2).
        #[serde(default = "default_v_max")]
        v_max: f64,
    },
    /// Simulated annealing (see [`Anneal`]).
    Anneal {
        /// Trials over which the step and temperature decay (default 100).
        #[serde(default = "default_anneal_budget")]
        budget: usize,
        /// Initial Gaussian step (default 0.25).
        #[serde(default = "default_scale0")]
        scale0: f64,
        /// Final Gaussian step (default 0.01).
        #[serde(default = "default_scale_end")]
        scale_end: f64,
        /// Initial temperature, relative to the mean loss change (default 1).
        #[serde(default = "default_one")]
        t0: f64,
        /// Final relative temperature (default 0.001).
        #[serde(default = "default_t_end")]
        t_end: f64,
    },
}

fn default_tpe_startup() -> usize {
    tpe::DEFAULT_N_STARTUP
}

fn default_tpe_candidates() -> usize {
    tpe::DEFAULT_N_CANDIDATES
}

fn default_one() -> f64 {
    1.0
}

fn default_inertia() -> f64 {
    pso::DEFAULT_INERTIA
}

fn default_accel() -> f64 {
    pso::DEFAULT_ACCEL
}

fn default_v_max() -> f64 {
    pso::DEFAULT_V_MAX
}

fn default_anneal_budget() -> usize {
    AnnealSettings::default().budget
}

fn default_scale0() -> f64 {
    AnnealSettings::default().scale0
}

fn default_scale_end() -> f64 {
    AnnealSettings::default().scale_end
}

fn default_t_end() -> f64 {
    AnnealSettings::default().t_end
}

fn default_sigma0() -> f64 {
    cmaes::DEFAULT_SIGMA0
}

fn default_true() -> bool {
    true
}

/// Names and one-line descriptions of every strategy, for `knobs list` and the GUI.
pub const STRATEGIES: &[(&str, &str)] = &[
    (
        "grid",
        "every combination of N values per parameter (--grid-points)",
    ),
    ("random", "independent uniform draws"),
    ("sobol", "scrambled Sobol quasi-random sequence"),
    (
        "gp",
        "Bayesian optimisation: Matérn 5/2 ARD Gaussian process, LogEI, 10 Sobol start-up points",
    ),
    (
        "cmaes",
        "CMA-ES evolution strategy with IPOP restarts (sigma0 1/6, λ = 4 + 3 ln d)",
    ),
    (
        "tpe",
        "tree-structured Parzen estimator, as Optuna (10 random start-up trials)",
    ),
    (
        "pso",
        "particle swarm, Clerc's constriction, 10 + 2√d particles",
    ),
    ("anneal", "simulated annealing over a 100-trial schedule"),
    (
        "gradient",
        "Adam from the best of 5 scouting points; analytic gradients, else central differences",
    ),
];

impl StrategySpec {
    /// The spec with default settings for a strategy name (`knobs run --strategy NAME`).
    pub fn from_name(name: &str) -> Result<Self, StrategyError> {
        match name {
            "grid" => Ok(StrategySpec::Grid { points: 5 }),
            "random" => Ok(StrategySpec::Random),
            "sobol" => Ok(StrategySpec::Sobol),
            "gp" | "bo" | "bayes" => Ok(StrategySpec::Gp {
                n_startup: None,
                acquisition: Acquisition::default(),
                kernel: KernelKind::default(),
            }),
            "cmaes" | "cma-es" => Ok(StrategySpec::CmaEs {
                sigma0: cmaes::DEFAULT_SIGMA0,
                popsize: None,
                restarts: true,
            }),
            "tpe" => Ok(StrategySpec::Tpe {
                n_startup: tpe::DEFAULT_N_STARTUP,
                n_candidates: tpe::DEFAULT_N_CANDIDATES,
                prior_weight: tpe::DEFAULT_PRIOR_WEIGHT,
                multivariate: true,
            }),
            "pso" => Ok(StrategySpec::Pso {
                swarm: None,
                inertia: pso::DEFAULT_INERTIA,
                cognitive: pso::DEFAULT_ACCEL,
                social: pso::DEFAULT_ACCEL,
                v_max: pso::DEFAULT_V_MAX,
            }),
            "anneal" => {
                let a = AnnealSettings::default();
                Ok(StrategySpec::Anneal {
                    budget: a.budget,
                    scale0: a.scale0,
                    scale_end: a.scale_end,
                    t0: a.t0,
                    t_end: a.t_end,
                })
            }
            "gradient" | "adam" => Ok(StrategySpec::Gradient(GradientSettings::default())),
            other => Err(StrategyError::BadSetting(format!(
                "unknown strategy `{other}` (known: {})",
                STRATEGIES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The short name, as `from_name` takes it.
    pub fn name(&self) -> &'static str {
        match self {
            StrategySpec::Grid { .. } => "grid",
            StrategySpec::Random => "random",
            StrategySpec::Sobol => "sobol",
            StrategySpec::Gp { .. } => "gp",
            StrategySpec::CmaEs { .. } => "cmaes",
            StrategySpec::Tpe { .. } => "tpe",
            StrategySpec::Pso { .. } => "pso",
            StrategySpec::Anneal { .. } => "anneal",
            StrategySpec::Gradient(_) => "gradient",
        }
    }

    /// Build a fresh strategy for a space, seeded.
    pub fn build(&self, space: &Space, seed: u64) -> Result<Box<dyn Strategy>, StrategyError> {
        Ok(match self {
            StrategySpec::Grid { points } => Box::new(Grid::new(space, *points)?),
            StrategySpec::Random => Box::new(RandomSearch::new(space.dim(), seed)),
            StrategySpec::Sobol => Box::new(Sobol::new(space.dim(), seed)?),
            StrategySpec::Gp {
                n_startup,
                acquisition,
                kernel,
            } => Box::new(GpSearch::new(
                space,
                *n_startup,
                *acquisition,
                *kernel,
                seed,
            )?),
            StrategySpec::CmaEs {
                sigma0,
                popsize,
                restarts,
            } => Box::new(CmaEs::new(space.dim(), *sigma0, *popsize, *restarts, seed)?),
            StrategySpec::Tpe {
                n_startup,
                n_candidates,
                prior_weight,
                multivariate,
            } => Box::new(Tpe::new(
                space,
                *n_startup,
                *n_candidates,
                *prior_weight,
                *multivariate,
                seed,
            )?),
            StrategySpec::Gradient(settings) => {
                Box::new(GradientSearch::new(space, *settings, seed)?)
            }
            StrategySpec::Pso {
                swarm,
                inertia,
                cognitive,
                social,
                v_max,
            } => Box::new(Pso::new(
                space.dim(),
                *swarm,
                *inertia,
                *cognitive,
                *social,
                *v_max,
                seed,
            )?),
            StrategySpec::Anneal {
                budget,
                scale0,
                scale_end,
                t0,
                t_end,
            } => Box::new(Anneal::new(
                space.dim(),
                AnnealSettings {
                    budget: *budget,
                    scale0: *scale0,
                    scale_end: *scale_end,
                    t0: *t0,
                    t_end: *t_end,
                },
                seed,
            )?),
        })
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
