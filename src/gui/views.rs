//! The grids behind the surface, GP and importance plots, and the background thread that
//! computes them.
//!
//! Fitting a GP and evaluating it on a few thousand points takes far longer than a frame, so
//! nothing here runs on the UI thread: the workbench sends a [`ViewRequest`] (a slim copy of
//! the study's completed trials plus what the plots want) to the [`ViewWorker`], which answers
//! with a [`ViewResult`] and wakes the UI. The plots only draw the latest result. The thread
//! is one of [`crate::gui::jobs`]' workers: requests that pile up while it is busy are
//! coalesced, only the newest is computed.

use crate::gp::{Acquisition, Surrogate};
use crate::gui::jobs::{Waker, Worker};
use crate::objective::ObjectiveSpec;
use crate::space::Space;
use crate::strategy::StrategySpec;
use crate::study::{Direction, Study, Trial};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

/// Cells per side of the surface and σ heatmaps: fine enough to read, cheap to draw.
pub const GRID: usize = 48;
/// Points along the GP slice.
pub const SLICE: usize = 160;
/// Largest number of trials the GP views are fitted on; larger studies use the best half and
/// an even spread of the rest, so the fit stays well under a second.
pub const GP_MAX_POINTS: usize = 300;

/// Which parameters the plots look at, as indices into the space's free parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ViewParams {
    /// Horizontal axis of the surface and σ heatmaps.
    pub x: usize,
    /// Vertical axis of the surface and σ heatmaps.
    pub y: usize,
    /// The parameter the GP slice varies.
    pub slice: usize,
}

impl ViewParams {
    /// The same choice made valid for a space with `dim` free parameters: indices in range,
    /// and `x != y` whenever there are two parameters to choose from.
    pub fn fitted(self, dim: usize) -> Self {
        if dim == 0 {
            return ViewParams::default();
        }
        let x = self.x.min(dim - 1);
        let mut y = self.y.min(dim - 1);
        if y == x && dim > 1 {
            y = if x == 0 { 1 } else { 0 };
        }
        ViewParams {
            x,
            y,
            slice: self.slice.min(dim - 1),
        }
    }
}

/// What the worker needs of a study: its completed trials' unit-cube points and values, and
/// what a surrogate needs to be fitted the way the strategy would fit it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The search space.
    pub space: Space,
    /// Whether values are minimised or maximised.
    pub direction: Direction,
    /// The strategy (its kernel and acquisition are the GP views' defaults).
    pub strategy: StrategySpec,
    /// The study's seed (the GP fit is seeded from it).
    pub seed: u64,
    /// Unit-cube points of the completed trials.
    pub points: Vec<Vec<f64>>,
    /// Their values, in the objective's units.
    pub values: Vec<f64>,
    /// The objective (synthetic ones are evaluated on the truth grid).
    pub objective: ObjectiveSpec,
}

impl Snapshot {
    /// The completed trials of `study`: O(trials × dim) copies of plain numbers, cheap enough
    /// to take on the UI thread a few times a second.
    pub fn of(study: &Study) -> Self {
        let dim = study.space.dim();
        let (mut points, mut values) = (Vec::new(), Vec::new());
        for t in &study.trials {
            if let Some(v) = t.completed_value()
                && t.point.len() == dim
            {
                points.push(t.point.clone());
                values.push(v);
            }
        }
        Snapshot {
            space: study.space.clone(),
            direction: study.direction,
            strategy: study.strategy.clone(),
            seed: study.seed,
            points,
            values,
            objective: study.objective.clone(),
        }
    }

    /// Index of the best completed trial.
    fn best(&self) -> Option<usize> {
        (0..self.values.len()).min_by(|&a, &b| {
            self.direction
                .to_loss(self.values[a])
                .total_cmp(&self.direction.to_loss(self.values[b]))
        })
    }

    /// The study the surrogate is fitted on: every completed trial, or for large studies the
    /// best half and an even spread of the rest.
    pub(crate) fn gp_study(&self) -> Study {
        let n = self.values.len();
        let pick: Vec<usize> = if n <= GP_MAX_POINTS {
            (0..n).collect()
        } else {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| {
                self.direction
                    .to_loss(self.values[a])
                    .total_cmp(&self.direction.to_loss(self.values[b]))
            });
            let half = GP_MAX_POINTS / 2;
            let rest = &order[half..];
            let step = rest.len() as f64 / (GP_MAX_POINTS - half) as f64;
            let mut pick = order[..half].to_vec();
            pick.extend((0..GP_MAX_POINTS - half).map(|k| rest[(k as f64 * step) as usize]));
            pick.sort_unstable();
            pick
        };
        let trials = pick
            .iter()
            .enumerate()
            .map(|(k, &i)| Trial::complete(k, Vec::new(), self.points[i].clone(), self.values[i]))
            .collect();
        Study {
            name: String::new(),
            description: String::new(),
            description_zh: String::new(),
            direction: self.direction,
            objective: ObjectiveSpec::default(),
            space: self.space.clone(),
            strategy: self.strategy.clone(),
            seed: self.seed,
            budget: pick.len(),
            window: None,
            trials,
            pruner: Default::default(),
            resource_budget: None,
            strategy_state: None,
            adaptive: Default::default(),
            warm_start: None,
        }
    }
}

/// One request to the worker.
#[derive(Clone, Debug)]
pub struct ViewRequest {
    /// The workbench's revision the snapshot was taken at, echoed in the result.
    pub revision: u64,
    /// Which parameters to look at.
    pub params: ViewParams,
    /// The trials.
    pub snapshot: Arc<Snapshot>,
    /// The decision boundary wanted, if any (see [`BoundaryRequest`]).
    pub boundary: Option<BoundaryRequest>,
}

/// Cells per side of the decision-boundary grid.
pub const BOUNDARY_GRID: usize = 80;

/// Which trial's model the Boundary view shows: the objective's task and the trial's
/// parameters (the selected trial, else the best).
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryRequest {
    /// The model objective.
    pub task: crate::objective::ModelTask,
    /// The trial's number.
    pub trial: usize,
    /// Its parameters.
    pub params: crate::space::Params,
}

/// A computed boundary for one request, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryView {
    /// The request it answers.
    pub request: BoundaryRequest,
    /// The boundary, or the reason the fit failed.
    pub result: Result<crate::objective::boundary::DecisionBoundary, String>,
}

/// The worker's last boundary, reused while the request stays the same (trials streaming
/// in do not change the best trial's fit).
#[derive(Default)]
pub struct BoundaryCache(Option<Arc<BoundaryView>>);

impl BoundaryCache {
    /// The boundary for `req`, fitted unless the last one answered the same request.
    pub fn get(&mut self, req: &BoundaryRequest) -> Arc<BoundaryView> {
        if let Some(v) = &self.0
            && v.request == *req
        {
            return v.clone();
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            crate::objective::boundary::DecisionBoundary::compute(
                &req.task,
                &req.params,
                BOUNDARY_GRID,
            )
        }))
        .unwrap_or_else(|_| {
            Err(crate::objective::BuildError::Invalid(
                "the boundary fit panicked".into(),
            ))
        })
        .map_err(|e| e.to_string());
        let view = Arc::new(BoundaryView {
            request: req.clone(),
            result,
        });
        self.0 = Some(view.clone());
        view
    }
}

/// Values on a regular grid over two unit-cube coordinates, row by row from the bottom
/// (`values[iy * nx + ix]` is at `u_x = (ix + ½)/nx`, `u_y = (iy + ½)/ny`).
#[derive(Clone, Debug, PartialEq)]
pub struct Grid2 {
    /// Columns.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// The values.
    pub values: Vec<f64>,
    /// Smallest value (for the colour scale).
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Grid2 {
    fn new(nx: usize, ny: usize, values: Vec<f64>) -> Self {
        let (min, max) = values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        Grid2 {
            nx,
            ny,
            values,
            min,
            max,
        }
    }
}

/// The GP posterior along one coordinate through the best point.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice1 {
    /// Unit-cube coordinates along the slice.
    pub u: Vec<f64>,
    /// Posterior mean (objective units).
    pub mean: Vec<f64>,
    /// Posterior standard deviation.
    pub std: Vec<f64>,
    /// The acquisition function (larger is more promising).
    pub acquisition: Vec<f64>,
    /// The acquisition's name and setting.
    pub acquisition_name: String,
    /// The point the strategy would evaluate next (all coordinates), with its acquisition.
    pub next: Option<(Vec<f64>, f64)>,
}

/// Everything the worker computes for one request.
#[derive(Clone, Debug)]
pub struct ViewResult {
    /// The revision of the request this answers.
    pub revision: u64,
    /// The parameters it was computed for.
    pub params: ViewParams,
    /// Completed trials it was computed from.
    pub trials: usize,
    /// Trials the GP was fitted on (`None` without a GP).
    pub gp_trials: Option<usize>,
    /// The score surface over `params.x`, `params.y` (through the best point).
    pub surface: Option<Grid2>,
    /// How the surface was made ("GP posterior mean" or "inverse-distance interpolation").
    pub surface_kind: &'static str,
    /// GP posterior standard deviation over the same two parameters.
    pub std: Option<Grid2>,
    /// A synthetic objective's true values on the surface's grid (the Truth tab).
    pub truth: Option<Grid2>,
    /// GP slice along `params.slice`.
    pub slice: Option<Slice1>,
    /// Relative importance per free parameter (sums to 1), empty when unknown.
    pub importance: Vec<f64>,
    /// How importance was estimated.
    pub importance_kind: &'static str,
    /// Anything the plots should say (why a view is missing).
    pub note: String,
    /// Seconds the computation took.
    pub seconds: f64,
    /// The decision boundary, when the request asked for one.
    pub boundary: Option<Arc<BoundaryView>>,
}

/// Compute every view for a request. Pure and deterministic; runs on the worker thread (and
/// directly in tests).
pub fn compute(req: &ViewRequest) -> ViewResult {
    compute_with(req, &mut BoundaryCache::default())
}

/// [`compute`], reusing the boundary in `cache` when the request's is unchanged.
pub fn compute_with(req: &ViewRequest, cache: &mut BoundaryCache) -> ViewResult {
    let mut out = compute_grids(req);
    out.boundary = req.boundary.as_ref().map(|b| cache.get(b));
    out
}

fn compute_grids(req: &ViewRequest) -> ViewResult {
    let t0 = Instant::now();
    let snap = &req.snapshot;
    let dim = snap.space.dim();
    let params = req.params.fitted(dim);
    let mut out = ViewResult::failed(req.revision, params, "");
    out.trials = snap.values.len();
    let Some(best) = snap.best() else {
        out.note = "no completed trials yet".into();
        return out;
    };
    if dim == 0 {
        out.note = "no free parameters".into();
        return out;
    }
    let base = &snap.points[best];
    let gp = fit_gp(snap, &mut out);
    if dim >= 2 {
        surfaces(snap, gp.as_ref(), base, &mut out);
    } else if out.note.is_empty() {
        out.note = "the surface needs two free parameters".into();
    }
    match &gp {
        Some(s) => gp_slice(snap, s, base, &mut out),
        None => {
            out.importance = normalise(main_effects(snap));
            out.importance_kind = "main-effect variance (binned)";
            if out.note.is_empty() && snap.values.len() < 3 {
                out.note = "the GP views need at least three completed trials".into();
            }
        }
    }
    out.seconds = t0.elapsed().as_secs_f64();
    out
}

/// The surrogate fitted on the snapshot (at least three trials), noting in `out` how many
/// trials it saw or that the fit failed.
fn fit_gp(snap: &Snapshot, out: &mut ViewResult) -> Option<Surrogate> {
    if snap.values.len() < 3 {
        return None;
    }
    let study = snap.gp_study();
    let n = study.trials.len();
    match catch_unwind(AssertUnwindSafe(|| Surrogate::fit(&study))) {
        Ok(Some(s)) => {
            out.gp_trials = Some(n);
            Some(s)
        }
        Ok(None) => None,
        Err(_) => {
            out.note = "the GP fit failed; showing an interpolation".into();
            None
        }
    }
}

/// The points of the surface grid over `x` and `y`, the other coordinates at `base`.
fn grid_points(base: &[f64], x: usize, y: usize) -> Vec<Vec<f64>> {
    let mut pts = Vec::with_capacity(GRID * GRID);
    for iy in 0..GRID {
        for ix in 0..GRID {
            let mut p = base.to_vec();
            p[x] = (ix as f64 + 0.5) / GRID as f64;
            p[y] = (iy as f64 + 0.5) / GRID as f64;
            pts.push(p);
        }
    }
    pts
}

/// The score surface (the GP's mean and σ, else an interpolation) and the truth over the
/// result's two parameters, through `base`.
fn surfaces(snap: &Snapshot, gp: Option<&Surrogate>, base: &[f64], out: &mut ViewResult) {
    let (x, y) = (out.params.x, out.params.y);
    match gp {
        Some(s) => {
            let (mean, std) = s.predict(&grid_points(base, x, y));
            out.surface = Some(Grid2::new(GRID, GRID, mean));
            out.std = Some(Grid2::new(GRID, GRID, std));
            out.surface_kind = "GP posterior mean";
        }
        None => {
            out.surface = Some(idw(snap, x, y));
            out.surface_kind = "inverse-distance interpolation";
        }
    }
    out.truth = truth_grid(snap, &grid_points(base, x, y));
}

/// The GP slice along the result's slice parameter through `base`, the strategy's next
/// point, and importance from the length scales.
fn gp_slice(snap: &Snapshot, s: &Surrogate, base: &[f64], out: &mut ViewResult) {
    let acq = match &snap.strategy {
        StrategySpec::Gp(gp) => gp.acquisition,
        _ => Acquisition::default(),
    };
    let u: Vec<f64> = (0..SLICE).map(|i| i as f64 / (SLICE - 1) as f64).collect();
    let pts: Vec<Vec<f64>> = u
        .iter()
        .map(|&x| {
            let mut p = base.to_vec();
            p[out.params.slice] = x;
            p
        })
        .collect();
    let (mean, std) = s.predict(&pts);
    let acquisition = s.acquisition(&acq, &pts);
    let next = catch_unwind(AssertUnwindSafe(|| s.next_point(&acq))).ok();
    out.slice = Some(Slice1 {
        u,
        mean,
        std,
        acquisition,
        acquisition_name: acquisition_name(&acq),
        next,
    });
    let inv: Vec<f64> = s
        .length_scales()
        .iter()
        .map(|l| 1.0 / l.max(1e-9))
        .collect();
    out.importance = normalise(inv);
    out.importance_kind = "GP length scales (1/ℓ)";
}

/// The acquisition as a short label ("LogEI", "UCB κ=2").
pub fn acquisition_name(acq: &Acquisition) -> String {
    match acq {
        Acquisition::LogEi => "LogEI".into(),
        Acquisition::Ei { xi } => format!("EI ξ={xi}"),
        Acquisition::Ucb { kappa } => format!("UCB κ={kappa}"),
        Acquisition::Pi { xi } => format!("PI ξ={xi}"),
    }
}

/// A synthetic objective's values at unit-cube points (cheap and known, so it can be drawn
/// beside the GP's guess); `None` for other objectives.
fn truth_grid(snap: &Snapshot, points: &[Vec<f64>]) -> Option<Grid2> {
    if !matches!(snap.objective, ObjectiveSpec::Synthetic { .. }) {
        return None;
    }
    let f = snap.objective.build().ok()?;
    let eval = |u: &Vec<f64>| f.evaluate(&snap.space.from_unit(u), false).map(|e| e.value);
    let values = points.iter().map(|u| eval(u).unwrap_or(f64::NAN)).collect();
    Some(Grid2::new(GRID, GRID, values))
}

fn normalise(v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().filter(|x| x.is_finite()).sum();
    if total > 0.0 {
        v.iter()
            .map(|x| if x.is_finite() { x / total } else { 0.0 })
            .collect()
    } else {
        vec![0.0; v.len()]
    }
}

/// Inverse-distance-weighted interpolation of the trials projected onto two coordinates.
fn idw(snap: &Snapshot, x: usize, y: usize) -> Grid2 {
    let pts: Vec<(f64, f64, f64)> = snap
        .points
        .iter()
        .zip(&snap.values)
        .map(|(p, v)| (p[x], p[y], *v))
        .collect();
    let mut values = Vec::with_capacity(GRID * GRID);
    for iy in 0..GRID {
        let cy = (iy as f64 + 0.5) / GRID as f64;
        for ix in 0..GRID {
            let cx = (ix as f64 + 0.5) / GRID as f64;
            let (mut num, mut den) = (0.0, 0.0);
            for &(px, py, v) in &pts {
                let d2 = (px - cx).powi(2) + (py - cy).powi(2);
                let w = 1.0 / (d2 * d2 + 1e-12);
                num += w * v;
                den += w;
            }
            values.push(if den > 0.0 { num / den } else { f64::NAN });
        }
    }
    Grid2::new(GRID, GRID, values)
}

/// For each coordinate, the share of the values' variance explained by the mean value in ten
/// bins along it: a cheap first-order (fANOVA-like) importance.
fn main_effects(snap: &Snapshot) -> Vec<f64> {
    let dim = snap.space.dim();
    let n = snap.values.len();
    if n < 2 {
        return vec![0.0; dim];
    }
    let mean = snap.values.iter().sum::<f64>() / n as f64;
    let total: f64 = snap.values.iter().map(|v| (v - mean).powi(2)).sum();
    (0..dim)
        .map(|j| {
            let mut sum = [0.0; 10];
            let mut count = [0usize; 10];
            for (p, v) in snap.points.iter().zip(&snap.values) {
                let b = ((p[j] * 10.0) as usize).min(9);
                sum[b] += v;
                count[b] += 1;
            }
            let explained: f64 = (0..10)
                .filter(|&b| count[b] > 0)
                .map(|b| count[b] as f64 * (sum[b] / count[b] as f64 - mean).powi(2))
                .sum();
            if total > 0.0 { explained / total } else { 0.0 }
        })
        .collect()
}

/// The background thread that computes views (see [`crate::gui::jobs`]): requests are keyed
/// by the workbench's revision and the chosen parameters.
pub type ViewWorker = Worker<(u64, ViewParams), ViewRequest, ViewResult>;

/// Start the view worker; `wake` is called after each result. It keeps the last decision
/// boundary between requests, so trials streaming in do not refit it.
pub fn spawn_worker(wake: Option<Waker>) -> Result<ViewWorker, String> {
    let mut cache = BoundaryCache::default();
    Worker::spawn("knobs-views", "the view computation", wake, move |req| {
        compute_with(&req, &mut cache)
    })
}

impl ViewResult {
    /// A result with no views, only `why` as its note (a failed computation, or the start
    /// of one that fills the views in).
    pub fn failed(revision: u64, params: ViewParams, why: &str) -> Self {
        ViewResult {
            revision,
            params,
            trials: 0,
            gp_trials: None,
            surface: None,
            surface_kind: "",
            std: None,
            truth: None,
            slice: None,
            importance: Vec::new(),
            importance_kind: "",
            note: why.into(),
            seconds: 0.0,
            boundary: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Domain, Param};

    fn snapshot(n: usize) -> Snapshot {
        let space = Space::new(vec![
            Param::new(
                "a",
                Domain::Float {
                    low: 0.0,
                    high: 1.0,
                    log: false,
                },
            ),
            Param::new(
                "b",
                Domain::Float {
                    low: 1e-3,
                    high: 1.0,
                    log: true,
                },
            ),
        ])
        .unwrap();
        let points: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64;
                vec![t, (t * 7.3).fract()]
            })
            .collect();
        let values = points
            .iter()
            .map(|p| (p[0] - 0.3).powi(2) + 0.1 * p[1])
            .collect();
        Snapshot {
            space,
            direction: Direction::Minimize,
            strategy: StrategySpec::Random,
            seed: 0,
            points,
            values,
            objective: ObjectiveSpec::Command {
                command: "true".into(),
                trial_timeout: None,
                workdir: None,
            },
        }
    }

    #[test]
    fn interpolation_without_gp_and_gp_with_enough_trials() {
        let few = compute(&ViewRequest {
            revision: 1,
            params: ViewParams {
                x: 0,
                y: 1,
                slice: 0,
            },
            snapshot: Arc::new(snapshot(2)),
            boundary: None,
        });
        assert_eq!(few.surface_kind, "inverse-distance interpolation");
        assert!(few.slice.is_none());
        let many = compute(&ViewRequest {
            revision: 2,
            params: ViewParams {
                x: 0,
                y: 1,
                slice: 0,
            },
            snapshot: Arc::new(snapshot(20)),
            boundary: None,
        });
        assert_eq!(many.surface_kind, "GP posterior mean");
        let slice = many.slice.unwrap();
        assert_eq!(slice.mean.len(), SLICE);
        // the first parameter matters most
        assert!(
            many.importance[0] > many.importance[1],
            "{:?}",
            many.importance
        );
        let grid = many.std.unwrap();
        assert_eq!(grid.values.len(), GRID * GRID);
        assert!(grid.min >= 0.0);
    }

    #[test]
    fn large_studies_fit_on_a_subset() {
        let snap = snapshot(1000);
        assert_eq!(snap.gp_study().trials.len(), GP_MAX_POINTS);
        let v = ViewParams {
            x: 1,
            y: 1,
            slice: 9,
        }
        .fitted(2);
        assert_eq!(
            v,
            ViewParams {
                x: 1,
                y: 0,
                slice: 1
            }
        );
    }
}
