//! Why a strategy proposed its last point, for step mode's "why this point?" views.
//!
//! A strategy fills an [`Explanation`] from the state its last `ask` was decided with, so a
//! learner sees the model behind the choice (the GP posterior and acquisition, TPE's good and
//! bad densities, the CMA-ES ellipse, the swarm, the annealing temperature, the gradient
//! step) rather than only the point. Every coordinate is in the unit cube of the study's free
//! parameters, like the points themselves; the views map them to parameter values.

use crate::gp::{Acquisition, Surrogate};
use std::sync::Arc;

/// What the last asked point was decided from. Returned by
/// [`Strategy::explain`](super::Strategy::explain) right after an `ask`.
#[derive(Clone, Debug)]
pub enum Explanation {
    /// The point is the next of a sequence fixed in advance (grid, random, Sobol): only its
    /// place in the order says anything.
    Order(OrderWhy),
    /// A start-up point, drawn before the strategy's model has enough results to decide with.
    Startup(StartupWhy),
    /// GP-BO: the posterior and the acquisition function whose maximum was taken.
    Gp(GpWhy),
    /// TPE: the good and bad densities and the candidates ranked by their ratio.
    Tpe(TpeWhy),
    /// CMA-ES: the sampling distribution of the current generation.
    CmaEs(CmaWhy),
    /// Particle swarm: every particle's position, velocity and best.
    Swarm(SwarmWhy),
    /// Simulated annealing: the current state, the temperature and the last move's fate.
    Anneal(AnnealWhy),
    /// Gradient descent: the current point, its gradient and the step taken.
    Gradient(GradientWhy),
}

/// A point of a fixed sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderWhy {
    /// Zero-based position in the sequence.
    pub index: usize,
    /// Length of the sequence, when it is finite (a grid).
    pub total: Option<usize>,
}

/// A start-up point.
#[derive(Clone, Debug, PartialEq)]
pub struct StartupWhy {
    /// Zero-based index among the start-up points.
    pub index: usize,
    /// How many start-up points the strategy draws before deciding with its model.
    pub of: usize,
    /// How they are drawn ("Sobol", "uniform random", "scouting").
    pub method: String,
}

/// GP-BO's reasons: the fitted surrogate (shared, not copied: it holds an n×n factor) and the
/// acquisition it maximised. A view re-evaluates the acquisition with other κ/ξ from the same
/// surrogate at once, without refitting.
#[derive(Clone, Debug)]
pub struct GpWhy {
    /// The posterior the point was chosen with (pending trials included as constant liars).
    pub surrogate: Arc<Surrogate>,
    /// The acquisition function maximised.
    pub acquisition: Acquisition,
    /// The acquisition's value at the chosen point.
    pub value: f64,
}

/// One coordinate's density as a mixture, in the unit interval.
#[derive(Clone, Debug, PartialEq)]
pub enum Marginal {
    /// Truncated Gaussians on [0, 1]: `(weight, mean, std)` per component, prior included.
    Numeric(Vec<(f64, f64, f64)>),
    /// Probability of each choice.
    Categorical(Vec<f64>),
}

/// TPE's reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct TpeWhy {
    /// l(x): the density of the good trials, per coordinate.
    pub below: Vec<Marginal>,
    /// g(x): the density of the other trials, per coordinate.
    pub above: Vec<Marginal>,
    /// How many trials counted as good (γ of the observed ones).
    pub n_below: usize,
    /// How many counted as bad.
    pub n_above: usize,
    /// The candidates drawn from l(x) and their scores.
    pub candidates: Candidates,
}

/// TPE's candidates, scored by log l(x) − log g(x): jointly (multivariate TPE) or one
/// coordinate at a time (univariate TPE picks each coordinate separately).
#[derive(Clone, Debug, PartialEq)]
pub enum Candidates {
    /// Whole points with their joint score; the chosen point is the highest-scored one.
    Joint(Vec<(Vec<f64>, f64)>),
    /// Per coordinate, the drawn values with their score on that coordinate; each
    /// coordinate of the chosen point is the highest-scored value of its list.
    PerCoordinate(Vec<Vec<(f64, f64)>>),
}

impl Candidates {
    /// How many candidates were drawn (per coordinate, for univariate TPE).
    pub fn len(&self) -> usize {
        match self {
            Candidates::Joint(c) => c.len(),
            Candidates::PerCoordinate(c) => c.first().map_or(0, Vec::len),
        }
    }

    /// Whether none were drawn.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Coordinate `j` of every candidate with the score that ranked it, for a 1-D view.
    pub fn along(&self, j: usize) -> Vec<(f64, f64)> {
        match self {
            Candidates::Joint(c) => c
                .iter()
                .filter_map(|(x, s)| x.get(j).map(|v| (*v, *s)))
                .collect(),
            Candidates::PerCoordinate(c) => c.get(j).cloned().unwrap_or_default(),
        }
    }
}

/// CMA-ES's reasons: the point is a draw from N(mean, σ² C).
#[derive(Clone, Debug, PartialEq)]
pub struct CmaWhy {
    /// The distribution's mean.
    pub mean: Vec<f64>,
    /// The global step size σ.
    pub sigma: f64,
    /// The covariance matrix C, row-major, `d × d`.
    pub covariance: Vec<Vec<f64>>,
    /// Generation counter, across restarts.
    pub generation: usize,
    /// Population size λ of this generation.
    pub lambda: usize,
    /// Which member of the generation this point is (zero-based).
    pub member: usize,
    /// Restarts so far (IPOP doubles λ at each).
    pub restarts: usize,
}

/// One particle, as the swarm view draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParticleWhy {
    /// Where it is.
    pub position: Vec<f64>,
    /// Where it is heading (per trial).
    pub velocity: Vec<f64>,
    /// Its own best point so far.
    pub best: Option<Vec<f64>>,
}

/// Particle swarm's reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct SwarmWhy {
    /// Every particle.
    pub particles: Vec<ParticleWhy>,
    /// The swarm's best point so far.
    pub global_best: Option<Vec<f64>>,
    /// The particle this point moves, if any (none for a probe).
    pub moving: Option<usize>,
    /// Where the moving particle was before this move (none for its first position).
    pub previous: Option<Vec<f64>>,
    /// Inertia, cognitive and social weights of the velocity update.
    pub weights: (f64, f64, f64),
}

/// The fate of the last proposed move (saved with an annealing chain's state).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MoveWhy {
    /// Loss at the state the move left from.
    pub from_loss: f64,
    /// Loss at the proposed point.
    pub to_loss: f64,
    /// Probability the Metropolis rule gave it: 1 for an improvement, exp(−Δ/T) otherwise.
    pub probability: f64,
    /// Whether it was taken.
    pub accepted: bool,
    /// The temperature (loss units) the move was judged at.
    pub temperature: f64,
}

/// Simulated annealing's reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct AnnealWhy {
    /// The current state and its loss, from which the point is a neighbour.
    pub current: Option<(Vec<f64>, f64)>,
    /// The schedule so far: temperature (loss units) and scale at each asked trial, oldest
    /// first, for the temperature-over-trials plot.
    pub schedule: Vec<(f64, f64)>,
    /// The temperature now, in loss units.
    pub temperature: f64,
    /// The neighbourhood's scale now (unit-cube units).
    pub scale: f64,
    /// What happened to the previous move.
    pub last_move: Option<MoveWhy>,
}

/// Gradient descent's reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientWhy {
    /// The current step's point.
    pub x: Vec<f64>,
    /// The gradient there, once known (analytic or estimated).
    pub gradient: Option<Vec<f64>>,
    /// The step from `x` to the next point, once taken.
    pub step: Option<Vec<f64>>,
    /// The difference probes planned around `x` for this step (empty with analytic
    /// gradients).
    pub probes: Vec<Vec<f64>>,
    /// The step size now.
    pub learning_rate: f64,
    /// The point's role ("step 4", "difference probe +x₁", "scouting point 2 of 5").
    pub role: String,
}
