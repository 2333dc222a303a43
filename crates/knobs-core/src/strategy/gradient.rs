//! Gradient-based search: Adam (or plain gradient descent) on the unit cube.
//!
//! The unit cube already puts log parameters on a log scale, so steps are multiplicative
//! there. Where the gradient comes from, and what each trial is:
//! - **Analytic** (the objective has a gradient: the synthetic functions, kernel ridge's
//!   validation-loss hypergradient): every trial is one step's point, evaluated with its
//!   gradient.
//! - **Central differences** (otherwise, the default fallback): a step costs `2d + 1` trials:
//!   the point itself, then `x ± h e_i` for every coordinate, each labelled as a probe.
//! - **SPSA** (selectable): a step costs 3 trials whatever `d` is: the point and `x ± h Δ`
//!   along one random ±1 direction `Δ`; the gradient estimate is noisy but cheap in many
//!   dimensions.
//!
//! Each run (the first, and every restart) starts from the best of 5 random **scouting
//! points**: descending from a single random start wastes the run when that start lies on a
//! plateau or in a poor basin.
//!
//! The first step asks for the gradient; if the objective gives none, the search switches to
//! the chosen estimator from then on. Defaults and why:
//! - **Adam**, `lr = 0.05` unit-cube units per step, β = (0.9, 0.999): Adam divides by the
//!   gradient's running scale, so one step size works for functions whose gradients differ
//!   by orders of magnitude (Rosenbrock's are in the thousands, Hartmann's below one).
//! - **Backtracking**: a step that does not improve on the run's best point is undone: the
//!   search returns to that point, drops Adam's momentum (which carried it past the
//!   minimum) and halves the step. After 6 halvings the run has converged, and it
//!   **restarts** from a fresh random point with the initial step (local minima and flat
//!   regions are where gradient descent stalls).
//! - **Bounds**: steps are clipped to the cube (projected gradient).
//! - `h = 1e-3` for differences (1e-3 of each range, or one cell for integer parameters).
//!   When every probe returns the centre's value (a plateau: cross-validated accuracy moves in
//!   whole samples), the probes at that point are redone 4× wider, up to 0.1.
//!
//! Categorical parameters have no gradient: a space with one is refused with a clear message.

use super::explain::GradientWhy;
use super::state::{self, StrategyState};
use super::{Explanation, Observation, Strategy, StrategyError, Suggestion, seeded_rng};
use crate::space::{Domain, Space};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Optimizer {
    /// Adam: per-coordinate steps scaled by the gradient's running moments.
    #[default]
    Adam,
    /// Plain gradient descent `x ← x − lr · g`.
    Descent,
}

/// How the gradient is estimated when the objective has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Estimator {
    /// Central differences, `2d` probes per step.
    #[default]
    Central,
    /// Simultaneous perturbation (SPSA), 2 probes per step.
    Spsa,
}

/// Settings of `GradientSearch`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradientSettings {
    /// Adam or plain descent.
    #[serde(default)]
    pub optimizer: Optimizer,
    /// Initial step size (unit-cube units for Adam; a multiplier of the gradient for descent).
    #[serde(default = "default_lr")]
    pub learning_rate: f64,
    /// The estimator used when the objective gives no gradient.
    #[serde(default)]
    pub estimator: Estimator,
    /// Difference step in unit-cube units.
    #[serde(default = "default_h")]
    pub step: f64,
}

fn default_lr() -> f64 {
    0.05
}

fn default_h() -> f64 {
    1e-3
}

impl Default for GradientSettings {
    fn default() -> Self {
        GradientSettings {
            optimizer: Optimizer::Adam,
            learning_rate: default_lr(),
            estimator: Estimator::Central,
            step: default_h(),
        }
    }
}

impl super::registry::StrategySettings for GradientSettings {
    const NAME: &'static str = "gradient";
    const ALIASES: &'static [&'static str] = &["adam"];
    const SUMMARY: &'static str =
        "Adam from the best of 5 scouting points; analytic gradients, else central differences";

    fn validate(&self) -> Result<(), StrategyError> {
        for (name, v) in [("learning_rate", self.learning_rate), ("step", self.step)] {
            if !(v.is_finite() && v > 0.0 && v < 1.0) {
                return Err(StrategyError::BadSetting(format!(
                    "{name} must be in (0, 1), got {v}"
                )));
            }
        }
        Ok(())
    }

    fn build(
        settings: &super::Checked<Self>,
        space: &Space,
        seed: u64,
    ) -> Result<Box<dyn Strategy>, StrategyError> {
        Ok(Box::new(GradientSearch::new(space, *settings.get(), seed)?))
    }
}

/// The widest difference probe, in unit-cube units.
const MAX_H: f64 = 0.1;

/// Halvings of the step before a restart: the run has converged to within
/// `lr · 2^-MAX_HALVINGS` of a local minimum, and the budget is better spent elsewhere.
const MAX_HALVINGS: u32 = 6;

/// Where the gradient comes from, once known.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Source {
    /// Not known until the first result.
    Unknown,
    /// The objective returns the gradient with each value.
    Analytic,
    /// The objective gives none: it is estimated from probes (central differences or SPSA).
    Estimated,
}

/// A planned evaluation: its point and its role in the current step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Probe {
    point: Vec<f64>,
    role: Role,
    label: String,
}

/// What a planned or asked evaluation is for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Role {
    /// The step's point itself.
    Centre,
    /// `x + h e_i` (`plus`) or `x − h e_i`.
    Axis {
        /// The coordinate `i` probed.
        coord: usize,
        /// The `+h` side (else `−h`).
        plus: bool,
    },
    /// `x ± h Δ` for SPSA.
    Spsa {
        /// The `+h Δ` side (else `−h Δ`).
        plus: bool,
    },
    /// A random point scouted for the start of a run.
    Scout,
    /// An extra point asked while the step's results were outstanding (a window > 1).
    Extra,
}

/// Random points a run scouts before it starts descending from the best of them.
const SCOUTS: usize = 5;

/// Gradient-based search (see the module docs).
pub(crate) struct GradientSearch {
    settings: GradientSettings,
    /// Per-coordinate difference step (larger for integer coordinates); widened on plateaus.
    h: Vec<f64>,
    /// The initial `h`, restored on restart.
    h0: Vec<f64>,
    /// The scouting points told so far for the run about to start.
    scouted: Vec<(Vec<f64>, f64)>,
    rng: ChaCha8Rng,
    source: Source,
    /// The current step's point.
    x: Vec<f64>,
    /// Planned evaluations not yet asked.
    plan: VecDeque<Probe>,
    /// Asked evaluations by trial number, with their role.
    asked: Vec<(usize, Role)>,
    /// The current step's results: centre loss, axis/SPSA losses.
    centre: Option<f64>,
    probes: Vec<(Role, f64)>,
    analytic: Option<Vec<f64>>,
    spsa_delta: Vec<f64>,
    // Adam state.
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
    lr: f64,
    halvings: u32,
    /// The best point of this run and its gradient, to return to after an overshoot.
    best: Option<(Vec<f64>, Vec<f64>)>,
    run_best: f64,
    step_index: usize,
    restarts: usize,
    /// The difference probes planned around the current step's point.
    step_probes: Vec<Vec<f64>>,
    /// The last step taken: its index, where it left from, the gradient there, the step and
    /// the probes that estimated it.
    last_step: Option<TakenStep>,
    /// Why the last asked point, for [`Strategy::explain`].
    last: Option<GradientWhy>,
}

/// A step as [`Strategy::explain`] shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TakenStep {
    index: usize,
    from: Vec<f64>,
    gradient: Vec<f64>,
    step: Vec<f64>,
    probes: Vec<Vec<f64>>,
}

impl GradientSearch {
    /// A gradient search over `space` (numeric parameters only).
    pub(crate) fn new(
        space: &Space,
        settings: GradientSettings,
        seed: u64,
    ) -> Result<Self, StrategyError> {
        if let Some(p) = space
            .free()
            .find(|p| matches!(p.domain, Domain::Categorical { .. }))
        {
            return Err(StrategyError::Unsupported(format!(
                "gradient search needs numeric parameters, and `{}` is categorical: fix it to \
                 one choice or use another strategy (gp, tpe, random…)",
                p.name
            )));
        }
        let d = space.dim();
        if d == 0 {
            return Err(StrategyError::Unsupported(
                "gradient search needs at least one free parameter".into(),
            ));
        }
        super::registry::StrategySettings::validate(&settings)?;
        let h0: Vec<f64> = space
            .free()
            .map(|p| match p.domain {
                Domain::Int { low, high, .. } => settings.step.max(1.0 / (high - low + 1) as f64),
                // A step smaller than a cell would see no change: at least one cell.
                Domain::Numbers { ref values, .. } => settings.step.max(1.0 / values.len() as f64),
                _ => settings.step,
            })
            .collect();
        let h = h0.clone();
        let mut rng = seeded_rng(seed, 0x6772_6164);
        let x = (0..d).map(|_| rng.random::<f64>()).collect();
        let mut s = GradientSearch {
            settings,
            h,
            h0,
            scouted: Vec::new(),
            rng,
            source: Source::Unknown,
            x,
            plan: VecDeque::new(),
            asked: Vec::new(),
            centre: None,
            probes: Vec::new(),
            analytic: None,
            spsa_delta: Vec::new(),
            m: vec![0.0; d],
            v: vec![0.0; d],
            t: 0,
            lr: settings.learning_rate,
            halvings: 0,
            best: None,
            run_best: f64::INFINITY,
            step_index: 0,
            restarts: 0,
            step_probes: Vec::new(),
            last_step: None,
            last: None,
        };
        s.plan_scouts("start");
        Ok(s)
    }

    fn dim(&self) -> usize {
        self.x.len()
    }

    /// Plan a run's scouting points: the run starts from the best of them, so a restart
    /// does not spend its steps descending from a point that a few random draws beat.
    fn plan_scouts(&mut self, why: &str) {
        self.plan.clear();
        self.centre = None;
        self.probes.clear();
        self.analytic = None;
        self.scouted.clear();
        for k in 0..SCOUTS {
            let point = (0..self.dim()).map(|_| self.rng.random::<f64>()).collect();
            self.plan.push_back(Probe {
                point,
                role: Role::Scout,
                label: format!("{why}: scouting point {} of {SCOUTS}", k + 1),
            });
        }
    }

    /// Once every scouting point is in, start the run from the best.
    fn finish_scouting(&mut self) {
        let outstanding = self.plan.iter().any(|p| p.role == Role::Scout)
            || self.asked.iter().any(|(_, r)| *r == Role::Scout);
        if outstanding {
            return;
        }
        self.x = match self.scouted.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
            Some((x, _)) => x.clone(),
            None => (0..self.dim()).map(|_| self.rng.random::<f64>()).collect(),
        };
        self.scouted.clear();
        self.plan_step("from the best scouting point");
    }

    /// Plan the evaluations of the step at `self.x`.
    fn plan_step(&mut self, why: &str) {
        self.plan.clear();
        self.centre = None;
        self.probes.clear();
        self.analytic = None;
        self.step_probes.clear();
        let k = self.step_index;
        self.plan.push_back(Probe {
            point: self.x.clone(),
            role: Role::Centre,
            label: format!("step {k} ({why})"),
        });
        if self.source != Source::Estimated {
            return;
        }
        self.plan_probes();
    }

    /// Plan the difference probes around `self.x`.
    fn plan_probes(&mut self) {
        let k = self.step_index;
        match self.settings.estimator {
            Estimator::Central => {
                for i in 0..self.dim() {
                    for plus in [true, false] {
                        let mut p = self.x.clone();
                        p[i] += if plus { self.h[i] } else { -self.h[i] };
                        p[i] = p[i].clamp(0.0, 1.0);
                        self.step_probes.push(p.clone());
                        self.plan.push_back(Probe {
                            point: p,
                            role: Role::Axis { coord: i, plus },
                            label: format!(
                                "step {k}: difference probe {}x{i}",
                                if plus { "+" } else { "−" }
                            ),
                        });
                    }
                }
            }
            Estimator::Spsa => {
                self.spsa_delta = (0..self.dim())
                    .map(|_| if self.rng.random::<bool>() { 1.0 } else { -1.0 })
                    .collect();
                for plus in [true, false] {
                    let p = self
                        .x
                        .iter()
                        .zip(&self.spsa_delta)
                        .zip(&self.h)
                        .map(|((x, d), h)| (x + if plus { h * d } else { -h * d }).clamp(0.0, 1.0))
                        .collect::<Vec<f64>>();
                    self.step_probes.push(p.clone());
                    self.plan.push_back(Probe {
                        point: p,
                        role: Role::Spsa { plus },
                        label: format!("step {k}: SPSA probe {}", if plus { "+" } else { "−" }),
                    });
                }
            }
        }
    }

    /// The step's gradient, when every result it needs is in.
    fn gradient(&self) -> Option<Vec<f64>> {
        if let Some(g) = &self.analytic {
            return Some(g.clone());
        }
        if self.source != Source::Estimated || !self.plan.is_empty() {
            return None;
        }
        let find = |role: Role| self.probes.iter().find(|(r, _)| *r == role).map(|p| p.1);
        match self.settings.estimator {
            Estimator::Central => (0..self.dim())
                .map(|i| {
                    let up = find(Role::Axis {
                        coord: i,
                        plus: true,
                    })?;
                    let down = find(Role::Axis {
                        coord: i,
                        plus: false,
                    })?;
                    // The probes may have been clipped at a bound.
                    let span = (self.x[i] + self.h[i]).min(1.0) - (self.x[i] - self.h[i]).max(0.0);
                    Some((up - down) / span.max(1e-12))
                })
                .collect(),
            Estimator::Spsa => {
                let up = find(Role::Spsa { plus: true })?;
                let down = find(Role::Spsa { plus: false })?;
                Some(
                    self.spsa_delta
                        .iter()
                        .zip(&self.h)
                        .map(|(d, h)| (up - down) / (2.0 * h * d))
                        .collect(),
                )
            }
        }
    }

    /// Take the step once its gradient is known, then plan the next one.
    fn advance(&mut self) {
        let Some(loss) = self.centre else { return };
        let Some(g) = self.gradient() else { return };
        if !g.iter().all(|v| v.is_finite()) {
            self.restart();
            return;
        }
        if g.iter().all(|v| *v == 0.0) {
            // Flat to the probes: a plateau (a CV accuracy moves in whole samples) or a
            // stationary point. Widen the probes at the same point; restart once they are
            // as wide as they go.
            if self.source == Source::Estimated && self.h.iter().any(|h| *h < MAX_H) {
                self.h.iter_mut().for_each(|h| *h = (*h * 4.0).min(MAX_H));
                self.probes.clear();
                self.plan.clear();
                self.plan_probes();
            } else {
                self.restart();
            }
            return;
        }
        let mut probes = std::mem::take(&mut self.step_probes);
        let (g, why) = if loss < self.run_best - 1e-12 * (1.0 + loss.abs()) {
            self.run_best = loss;
            self.best = Some((self.x.clone(), g.clone()));
            (g, "")
        } else {
            // The step leaves from the best point, whose probes are gone.
            probes.clear();
            // The step overshot: go back to the best point of this run, drop the momentum
            // that carried us past it, and try again with half the step.
            self.lr *= 0.5;
            self.halvings += 1;
            if self.halvings > MAX_HALVINGS {
                self.restart();
                return;
            }
            let Some((x, g)) = self.best.clone() else {
                self.restart();
                return;
            };
            self.x = x;
            self.m.iter_mut().for_each(|v| *v = 0.0);
            (g, ", back to the best point at half the step")
        };
        let from = self.x.clone();
        self.t += 1;
        let (b1, b2) = (0.9f64, 0.999f64);
        for (i, gi) in g.iter().enumerate() {
            let step = match self.settings.optimizer {
                Optimizer::Adam => {
                    self.m[i] = b1 * self.m[i] + (1.0 - b1) * gi;
                    self.v[i] = b2 * self.v[i] + (1.0 - b2) * gi * gi;
                    let mh = self.m[i] / (1.0 - b1.powi(self.t));
                    let vh = self.v[i] / (1.0 - b2.powi(self.t));
                    self.lr * mh / (vh.sqrt() + 1e-12)
                }
                Optimizer::Descent => self.lr * gi,
            };
            self.x[i] = (self.x[i] - step).clamp(0.0, 1.0);
        }
        self.step_index += 1;
        self.last_step = Some(TakenStep {
            index: self.step_index,
            step: self.x.iter().zip(&from).map(|(x, f)| x - f).collect(),
            from,
            gradient: g,
            probes,
        });
        let rule = match self.settings.optimizer {
            Optimizer::Adam => "Adam",
            Optimizer::Descent => "descent",
        };
        self.plan_step(&format!("{rule}{why}"));
    }

    /// The explanation of asking `probe` now.
    fn why(&self, probe: &Probe) -> GradientWhy {
        let mut why = GradientWhy {
            x: self.x.clone(),
            gradient: None,
            step: None,
            learning_rate: self.lr,
            role: probe.label.clone(),
            probes: Vec::new(),
        };
        match probe.role {
            Role::Centre => match &self.last_step {
                Some(t) if t.index == self.step_index => {
                    why.x = t.from.clone();
                    why.gradient = Some(t.gradient.clone());
                    why.step = Some(t.step.clone());
                    why.probes = t.probes.clone();
                }
                _ => why.x = probe.point.clone(),
            },
            Role::Axis { .. } | Role::Spsa { .. } => why.probes = self.step_probes.clone(),
            Role::Scout => why.x = probe.point.clone(),
            Role::Extra => {}
        }
        why
    }

    /// Start again from a fresh random point with the initial step size.
    fn restart(&mut self) {
        self.restarts += 1;
        self.m.iter_mut().for_each(|v| *v = 0.0);
        self.v.iter_mut().for_each(|v| *v = 0.0);
        self.t = 0;
        self.lr = self.settings.learning_rate;
        self.h = self.h0.clone();
        self.halvings = 0;
        self.best = None;
        self.run_best = f64::INFINITY;
        self.step_index += 1;
        let why = format!("restart {}", self.restarts);
        self.plan_scouts(&why);
    }
}

impl Strategy for GradientSearch {
    fn ask(&mut self, number: usize) -> Result<Suggestion, StrategyError> {
        let probe = match self.plan.pop_front() {
            Some(p) => p,
            None => {
                // Results of this step are outstanding (a window above 1): look around.
                let point = self
                    .x
                    .iter()
                    .zip(&self.h)
                    .map(|(x, h)| {
                        (x + 10.0 * h * (2.0 * self.rng.random::<f64>() - 1.0)).clamp(0.0, 1.0)
                    })
                    .collect();
                Probe {
                    point,
                    role: Role::Extra,
                    label: "extra probe while the step's results are outstanding".into(),
                }
            }
        };
        self.asked.push((number, probe.role));
        self.last = Some(self.why(&probe));
        Ok(Suggestion {
            point: probe.point,
            want_gradient: probe.role == Role::Centre && self.source != Source::Estimated,
            label: Some(probe.label),
        })
    }

    fn explain(&self) -> Option<Explanation> {
        self.last.clone().map(Explanation::Gradient)
    }

    fn save(&self) -> Option<StrategyState> {
        Some(StrategyState::Gradient(Box::new(GradientState {
            rng: state::rng_position(&self.rng)?,
            h: self.h.clone(),
            scouted: self.scouted.clone(),
            source: self.source,
            x: self.x.clone(),
            plan: self.plan.iter().cloned().collect(),
            asked: self.asked.clone(),
            centre: self.centre,
            probes: self.probes.clone(),
            analytic: self.analytic.clone(),
            spsa_delta: self.spsa_delta.clone(),
            m: self.m.clone(),
            v: self.v.clone(),
            t: self.t,
            lr: self.lr,
            halvings: self.halvings,
            best: self.best.clone(),
            run_best: self.run_best.is_finite().then_some(self.run_best),
            step_index: self.step_index,
            restarts: self.restarts,
            step_probes: self.step_probes.clone(),
            last_step: self.last_step.clone(),
        })))
    }

    fn restore(
        &mut self,
        saved: &StrategyState,
        _told: &[Observation<'_>],
        _pending: &[(usize, &[f64])],
    ) -> Result<(), StrategyError> {
        let StrategyState::Gradient(g) = saved else {
            return Err(state::mismatch(saved.name()));
        };
        let d = self.dim();
        if [&g.h, &g.x, &g.m, &g.v].iter().any(|v| v.len() != d)
            || g.plan.iter().any(|p| p.point.len() != d)
        {
            return Err(state::mismatch("a descent of another dimension"));
        }
        state::set_rng_position(&mut self.rng, g.rng);
        self.h = g.h.clone();
        self.scouted = g.scouted.clone();
        self.source = g.source;
        self.x = g.x.clone();
        self.plan = g.plan.iter().cloned().collect();
        self.asked = g.asked.clone();
        self.centre = g.centre;
        self.probes = g.probes.clone();
        self.analytic = g.analytic.clone();
        self.spsa_delta = g.spsa_delta.clone();
        self.m = g.m.clone();
        self.v = g.v.clone();
        self.t = g.t;
        self.lr = g.lr;
        self.halvings = g.halvings;
        self.best = g.best.clone();
        self.run_best = g.run_best.unwrap_or(f64::INFINITY);
        self.step_index = g.step_index;
        self.restarts = g.restarts;
        self.step_probes = g.step_probes.clone();
        self.last_step = g.last_step.clone();
        self.last = None;
        Ok(())
    }

    fn tell(&mut self, observation: Observation<'_>) {
        if observation.check(self.dim()).is_err() {
            return;
        }
        let Some(pos) = self
            .asked
            .iter()
            .position(|(n, _)| *n == observation.number)
        else {
            // An outside observation (a resumed study switched to this strategy): a free
            // scouting point for the run about to start.
            if let Some(loss) = observation.loss.filter(|l| l.is_finite())
                && self.plan.iter().any(|p| p.role == Role::Scout)
            {
                self.scouted.push((observation.point.to_vec(), loss));
            }
            return;
        };
        let (_, role) = self.asked.remove(pos);
        let Some(loss) = observation.loss.filter(|l| l.is_finite()) else {
            // A failed point: there is no gradient to follow from here.
            if role == Role::Scout {
                self.finish_scouting();
            } else if role == Role::Centre || matches!(role, Role::Axis { .. } | Role::Spsa { .. })
            {
                self.restart();
            }
            return;
        };
        match role {
            Role::Centre => {
                self.centre = Some(loss);
                match (self.source, observation.gradient) {
                    (Source::Estimated, _) => {}
                    (_, Some(g)) => {
                        self.source = Source::Analytic;
                        self.analytic = Some(g.to_vec());
                    }
                    (_, None) => {
                        self.source = Source::Estimated;
                        self.plan_probes();
                    }
                }
            }
            Role::Axis { .. } | Role::Spsa { .. } => self.probes.push((role, loss)),
            Role::Scout => {
                self.scouted.push((observation.point.to_vec(), loss));
                self.finish_scouting();
                return;
            }
            Role::Extra => {}
        }
        if self.asked.iter().all(|(_, r)| *r == Role::Extra) {
            self.advance();
        }
    }
}

/// `GradientSearch`'s saved state: the iterate, Adam's moments and the step in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradientState {
    /// The generator's position.
    pub rng: u64,
    /// Per-coordinate difference step.
    pub h: Vec<f64>,
    /// Scouting points told for the run about to start.
    pub(crate) scouted: Vec<(Vec<f64>, f64)>,
    /// Where the gradient comes from.
    pub source: Source,
    /// The current step's point.
    pub x: Vec<f64>,
    /// Planned evaluations not yet asked.
    pub(crate) plan: Vec<Probe>,
    /// Asked evaluations by trial number.
    pub asked: Vec<(usize, Role)>,
    /// The step's centre loss.
    pub centre: Option<f64>,
    /// The step's probe losses.
    pub probes: Vec<(Role, f64)>,
    /// The step's analytic gradient.
    pub analytic: Option<Vec<f64>>,
    /// The SPSA direction.
    pub(crate) spsa_delta: Vec<f64>,
    /// Adam's first moment.
    pub m: Vec<f64>,
    /// Adam's second moment.
    pub v: Vec<f64>,
    /// Adam's step count.
    pub t: i32,
    /// The current step size.
    pub lr: f64,
    /// Halvings of the step so far.
    pub(crate) halvings: u32,
    /// The run's best point and its gradient.
    pub best: Option<(Vec<f64>, Vec<f64>)>,
    /// The run's best loss (`None`: none yet).
    pub(crate) run_best: Option<f64>,
    /// Steps so far.
    pub(crate) step_index: usize,
    /// Restarts so far.
    pub restarts: usize,
    /// The probes planned around the current point.
    pub(crate) step_probes: Vec<Vec<f64>>,
    /// The last step taken, for the why-view.
    pub last_step: Option<TakenStep>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Param;
    use crate::strategy::testkit;

    fn space(d: usize) -> Space {
        testkit::unit_space(d)
    }

    /// Drive with the bowl's analytic gradient.
    fn drive_analytic(s: &mut GradientSearch, budget: usize) -> Vec<(Vec<f64>, f64)> {
        let mut out = vec![];
        for n in 0..budget {
            let sug = s.ask(n).unwrap();
            let y = testkit::bowl(&sug.point);
            let d = sug.point.len();
            let g: Vec<f64> = (0..d)
                .map(|i| {
                    let c = 0.3 + 0.4 * (i as f64 + 1.0) / (d as f64 + 1.0);
                    2.0 * (sug.point[i] - c)
                })
                .collect();
            s.tell(Observation {
                number: n,
                point: &sug.point,
                loss: Some(y),
                gradient: sug.want_gradient.then_some(&g),
            });
            out.push((sug.point, y));
        }
        out
    }

    #[test]
    fn gradient_solves_a_bowl_with_its_gradient() {
        let mut s = GradientSearch::new(&space(3), GradientSettings::default(), 0).unwrap();
        let run = drive_analytic(&mut s, 60);
        testkit::assert_in_cube(&run);
        assert!(testkit::best(&run) < 1e-4, "best {}", testkit::best(&run));
    }

    #[test]
    fn gradient_falls_back_to_differences() {
        let mut s = GradientSearch::new(&space(2), GradientSettings::default(), 1).unwrap();
        let run = testkit::drive(&mut s, 100, testkit::bowl);
        testkit::assert_in_cube(&run);
        assert!(testkit::best(&run) < 1e-3, "best {}", testkit::best(&run));
        // Five scouting points, then one centre and four probes per step.
        let labels: Vec<String> = {
            let mut s = GradientSearch::new(&space(2), GradientSettings::default(), 1).unwrap();
            (0..10)
                .map(|n| {
                    let sug = s.ask(n).unwrap();
                    let l = sug.label.unwrap();
                    s.tell(Observation {
                        number: n,
                        point: &sug.point,
                        loss: Some(testkit::bowl(&sug.point)),
                        gradient: None,
                    });
                    l
                })
                .collect()
        };
        assert!(
            labels[..5].iter().all(|l| l.contains("scouting point")),
            "{labels:?}"
        );
        assert!(labels[5].starts_with("step 0"), "{labels:?}");
        assert!(
            labels[6..].iter().all(|l| l.contains("difference probe")),
            "{labels:?}"
        );
    }

    #[test]
    fn explain_the_step_leads_from_x_to_the_next_point() {
        for analytic in [true, false] {
            let mut s = GradientSearch::new(&space(2), GradientSettings::default(), 3).unwrap();
            assert!(s.explain().is_none());
            let (mut steps, mut probes, mut scouts) = (0, 0, 0);
            for n in 0..60 {
                let sug = s.ask(n).unwrap();
                let Some(Explanation::Gradient(why)) = s.explain() else {
                    panic!("no explanation")
                };
                assert_eq!(Some(&why.role), sug.label.as_ref());
                if why.role.contains("scouting") {
                    scouts += 1;
                    assert_eq!(why.x, sug.point);
                } else if why.role.contains("probe") {
                    probes += 1;
                    assert!(why.probes.contains(&sug.point), "the probe is listed");
                } else if let Some(step) = &why.step {
                    steps += 1;
                    for ((x, d), to) in why.x.iter().zip(step).zip(&sug.point) {
                        assert!((x + d - to).abs() < 1e-12);
                    }
                    let g = why.gradient.as_ref().expect("a step has its gradient");
                    // The bowl's gradient at x, analytic or by central differences.
                    let c = [0.3 + 0.4 / 3.0, 0.3 + 0.8 / 3.0];
                    for k in 0..2 {
                        let exact = 2.0 * (why.x[k] - c[k]);
                        assert!((g[k] - exact).abs() < 1e-6, "{g:?} at {:?}", why.x);
                    }
                }
                let y = testkit::bowl(&sug.point);
                let grad: Vec<f64> = (0..2)
                    .map(|k| 2.0 * (sug.point[k] - [0.3 + 0.4 / 3.0, 0.3 + 0.8 / 3.0][k]))
                    .collect();
                s.tell(Observation {
                    number: n,
                    point: &sug.point,
                    loss: Some(y),
                    gradient: (analytic && sug.want_gradient).then_some(&grad),
                });
            }
            assert!(scouts >= 5, "{scouts} scouting points");
            assert!(steps > 3, "{steps} steps");
            assert_eq!(probes > 0, !analytic);
        }
    }

    #[test]
    fn gradient_spsa_makes_progress() {
        let settings = GradientSettings {
            estimator: Estimator::Spsa,
            ..GradientSettings::default()
        };
        let mut s = GradientSearch::new(&space(4), settings, 2).unwrap();
        let run = testkit::drive(&mut s, 120, testkit::bowl);
        let (start, best) = (run[0].1, testkit::best(&run));
        assert!(
            best < 0.03 && best < start / 10.0,
            "start {start}, best {best}"
        );
    }

    #[test]
    fn gradient_is_deterministic() {
        let run = |seed| {
            let mut s = GradientSearch::new(&space(2), GradientSettings::default(), seed).unwrap();
            testkit::drive(&mut s, 30, testkit::bowl)
        };
        assert_eq!(run(4), run(4));
        assert_ne!(run(4), run(5));
    }

    #[test]
    fn gradient_refuses_categoricals() {
        let sp = Space::new(vec![Param::new(
            "kind",
            Domain::Categorical {
                choices: vec!["a".into(), "b".into()],
            },
        )])
        .unwrap();
        let err = GradientSearch::new(&sp, GradientSettings::default(), 0)
            .err()
            .unwrap();
        assert!(err.to_string().contains("`kind` is categorical"), "{err}");
    }

    #[test]
    #[ignore]
    fn gradient_report_synthetic() {
        testkit::report("gradient", |d, seed| {
            Box::new(GradientSearch::new(&space(d), GradientSettings::default(), seed).unwrap())
        });
    }
}
