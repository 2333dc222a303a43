//! The GP why-view's background thread: posterior and acquisition on a slice and on a grid
//! through the proposal, computed off the UI thread (on a [`crate::gui::jobs`] worker) from
//! the strategy's own surrogate.

use crate::gp::{Acquisition, Surrogate};
use crate::gui::jobs::{Waker, Worker};
use crate::gui::views::{GRID, Grid2, SLICE, ViewParams};
use eframe::egui;
use std::sync::Arc;

/// What a picture shows: the explanation (by its sequence number) and the chosen axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The input's sequence number.
    pub sequence: u64,
    /// The axes the picture is drawn on.
    pub params: ViewParams,
}

/// One request: the surrogate (shared, not copied), the acquisition and where to look.
pub struct GpJob {
    /// What the result will show.
    pub key: Key,
    /// The posterior the point was chosen with.
    pub surrogate: Arc<Surrogate>,
    /// The acquisition maximised.
    pub acquisition: Acquisition,
    /// The proposal: the slice and the grid pass through it.
    pub proposal: Vec<f64>,
}

/// The GP's picture of one explanation.
#[derive(Clone, Debug)]
pub struct GpPicture {
    /// What it shows.
    pub key: Key,
    /// Unit coordinates along the slice.
    pub u: Vec<f64>,
    /// Posterior mean of the loss along the slice.
    pub mean: Vec<f64>,
    /// Posterior standard deviation along the slice.
    pub std: Vec<f64>,
    /// Acquisition along the slice.
    pub acquisition: Vec<f64>,
    /// Acquisition over the x/y axes (other coordinates at the proposal), when `x != y`.
    pub grid: Option<Grid2>,
    /// Set when the computation failed.
    pub error: Option<String>,
}

/// Compute a picture. Pure; runs on the worker thread (and in tests).
pub fn compute(job: &GpJob) -> GpPicture {
    let p = job.key.params;
    let u: Vec<f64> = (0..SLICE)
        .map(|i| (i as f64 + 0.5) / SLICE as f64)
        .collect();
    let along: Vec<Vec<f64>> = u
        .iter()
        .map(|&v| {
            let mut q = job.proposal.clone();
            if let Some(c) = q.get_mut(p.slice) {
                *c = v;
            }
            q
        })
        .collect();
    let (mean, std) = job.surrogate.predict(&along);
    let acquisition = job.surrogate.acquisition(&job.acquisition, &along);
    let grid = (p.x != p.y && job.proposal.len() > p.x.max(p.y)).then(|| {
        let cells: Vec<Vec<f64>> = (0..GRID * GRID)
            .map(|k| {
                let mut q = job.proposal.clone();
                q[p.x] = ((k % GRID) as f64 + 0.5) / GRID as f64;
                q[p.y] = ((k / GRID) as f64 + 0.5) / GRID as f64;
                q
            })
            .collect();
        let values = job.surrogate.acquisition(&job.acquisition, &cells);
        grid2(values, job.acquisition)
    });
    GpPicture {
        key: job.key,
        u,
        mean,
        std,
        acquisition,
        grid,
        error: None,
    }
}

/// A grid with its colour scale. LogEI falls off to hundreds below its maximum far from the
/// data; its scale keeps the top 12 units (a factor e¹² in EI), so the map shows where it is
/// promising rather than one bright pixel.
fn grid2(values: Vec<f64>, acquisition: Acquisition) -> Grid2 {
    let (mut min, max) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    if acquisition == Acquisition::LogEi {
        min = min.max(max - 12.0);
    }
    Grid2 {
        nx: GRID,
        ny: GRID,
        values,
        min,
        max,
    }
}

/// The why-view's background thread (see [`crate::gui::jobs`]): pictures keyed by what they
/// show, only the newest request computed.
pub type GpWorker = Worker<Key, GpJob, GpPicture>;

/// Start the thread; it asks `ctx` to repaint after each picture.
pub fn spawn(ctx: egui::Context) -> Result<GpWorker, String> {
    let wake: Waker = Arc::new(move || ctx.request_repaint());
    Worker::spawn(
        "knobs-why",
        "the GP picture's computation",
        Some(wake),
        |job: GpJob| compute(&job),
    )
}

impl GpPicture {
    /// A picture of `key` that only says why it could not be computed.
    pub fn failed(key: Key, why: String) -> Self {
        GpPicture {
            key,
            u: vec![],
            mean: vec![],
            std: vec![],
            acquisition: vec![],
            grid: None,
            error: Some(why),
        }
    }
}
