//! What the playground draws, computed off the UI thread: the GP fitted to the clicked
//! observations (with [`Surrogate`], the type the Bayesian-optimisation strategy decides
//! with), its mean, σ and acquisition on a grid, a few joint samples (from the prior before
//! any observation), the acquisition's maximiser, and the true function for comparison.

use crate::gp::sample::Gaussian;
use crate::gp::surrogate::{FitEffort, Inputs, fit_subset};
use crate::gp::{Acquisition, Hypers, Kernel, KernelKind, Surrogate};
use crate::gui::views::Grid2;
use crate::objective::{Objective, Synthetic, SyntheticFn};
use crate::space::Space;
use crate::strategy::seeded_rng;
use crate::study::Direction;
use std::time::Instant;

/// Points along the 1-D plot.
pub const LINE: usize = 201;
/// Cells per side of the 2-D heatmaps.
pub const MAP: usize = 40;
/// Cells per side of the 2-D prior-sample maps (a joint draw factors an `m × m` matrix).
pub const SAMPLE_MAP: usize = 24;
/// Noise variance (standardised) when the length scale is fixed: the observations are exact.
const FIXED_NOISE: f64 = 1e-6;

/// The playground's problem: a synthetic function with a picture everyone can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Problem {
    /// Forrester et al., 1-D on [0, 1]: a local minimum beside the global one.
    #[default]
    Forrester,
    /// Branin, 2-D: three equal minima.
    Branin,
}

impl Problem {
    /// Both problems, in the order the tab offers them.
    pub const ALL: [Problem; 2] = [Problem::Forrester, Problem::Branin];

    /// The label in the tab.
    pub fn title(self) -> &'static str {
        match self {
            Problem::Forrester => "Forrester (1-D)",
            Problem::Branin => "Branin (2-D)",
        }
    }

    /// The synthetic function.
    pub fn function(self) -> SyntheticFn {
        match self {
            Problem::Forrester => SyntheticFn::Forrester,
            Problem::Branin => SyntheticFn::Branin,
        }
    }

    /// Number of coordinates.
    pub fn dim(self) -> usize {
        match self {
            Problem::Forrester => 1,
            Problem::Branin => 2,
        }
    }

    /// The function's standard box as a search space (parameters `x0`, `x1`).
    pub fn space(self) -> Space {
        Synthetic::new(self.function(), None)
            .map(|s| s.default_space())
            .unwrap_or_default()
    }

    /// The true value at a unit-cube point.
    pub fn value(self, u: &[f64]) -> f64 {
        let x: Vec<f64> = self
            .function()
            .bounds(self.dim())
            .iter()
            .zip(u)
            .map(|((lo, hi), u)| lo + u.clamp(0.0, 1.0) * (hi - lo))
            .collect();
        self.function().eval(&x).0
    }
}

/// How the GP is set up, as the tab's controls choose it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// The function being observed.
    pub problem: Problem,
    /// Matérn 5/2 or RBF.
    pub kernel: KernelKind,
    /// `None`: length scales fitted by maximum likelihood; `Some(ℓ)`: fixed, so a learner
    /// sees what ℓ does.
    pub length_scale: Option<f64>,
    /// The acquisition function and its κ or ξ.
    pub acquisition: Acquisition,
    /// How many joint samples to draw.
    pub samples: usize,
    /// Seed of the samples (and of the hyperparameter fit's restarts).
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            problem: Problem::Forrester,
            kernel: KernelKind::Matern52,
            length_scale: None,
            acquisition: Acquisition::LogEi,
            samples: 3,
            seed: 0,
        }
    }
}

/// One computation: the settings and the observed unit points.
#[derive(Clone, Debug)]
pub struct PlayRequest {
    /// Echoed in the result so the state knows whether it is current.
    pub revision: u64,
    /// The GP's setup.
    pub settings: Settings,
    /// Observed unit-cube points (their values are the problem's true values).
    pub points: Vec<Vec<f64>>,
}

/// The pictures of a 1-D problem, at `u` (unit coordinates).
#[derive(Clone, Debug, Default)]
pub struct Line1 {
    /// Unit coordinates.
    pub u: Vec<f64>,
    /// The true function.
    pub truth: Vec<f64>,
    /// Posterior mean (empty before any observation).
    pub mean: Vec<f64>,
    /// Posterior standard deviation (empty before any observation).
    pub std: Vec<f64>,
    /// The acquisition (empty before any observation).
    pub acquisition: Vec<f64>,
    /// Joint draws: from the prior (standardised units) before any observation, else from
    /// the posterior (the function's units).
    pub samples: Vec<Vec<f64>>,
}

/// The pictures of a 2-D problem.
#[derive(Clone, Debug)]
pub struct Maps2 {
    /// The true function.
    pub truth: Grid2,
    /// Posterior mean, σ and acquisition (`None` before any observation).
    pub posterior: Option<[Grid2; 3]>,
    /// Joint draws from the prior on a coarser grid (only before any observation).
    pub prior_samples: Vec<Grid2>,
    /// Joint draws from the posterior on the same coarser grid, in the function's units
    /// (only once there are observations): functions the GP still finds plausible.
    pub posterior_samples: Vec<Grid2>,
}

/// The pictures, by the problem's dimension.
#[derive(Clone, Debug)]
pub enum Pictures {
    /// A 1-D problem.
    Line(Line1),
    /// A 2-D problem.
    Maps(Box<Maps2>),
}

/// Everything the tab draws for one request.
#[derive(Clone, Debug)]
pub struct PlayResult {
    /// The request's revision.
    pub revision: u64,
    /// The request's settings.
    pub settings: Settings,
    /// Observations the GP was conditioned on.
    pub observations: usize,
    /// The pictures.
    pub pictures: Pictures,
    /// The kernel used: fitted or fixed length scales, amplitude; and the noise.
    pub hypers: Option<Hypers>,
    /// The acquisition's maximiser (unit point) and value: what "Add the acquisition's
    /// choice" adds.
    pub next: Option<(Vec<f64>, f64)>,
    /// Why something is missing, if it is.
    pub note: String,
    /// Seconds the computation took.
    pub seconds: f64,
}

/// The hyperparameters: fixed ℓ, or fitted by maximum likelihood (from two observations
/// on; with fewer, the fit's prior mode `ℓ = ½√d`).
fn hypers(settings: &Settings, inputs: &Inputs, x: &[Vec<f64>], y: &[f64]) -> Hypers {
    let d = settings.problem.dim();
    let fixed = |l: f64, noise: f64| Hypers {
        kernel: Kernel {
            kind: settings.kernel,
            length_scales: vec![l; d],
            amplitude: 1.0,
            categorical: vec![],
        },
        noise,
    };
    match settings.length_scale {
        Some(l) => fixed(l, FIXED_NOISE),
        None if x.len() >= 2 => fit_subset(
            inputs,
            x,
            y,
            settings.kernel,
            None,
            FitEffort::default(),
            &mut seeded_rng(settings.seed, 0x91a7),
        ),
        None => fixed(0.5 * (d as f64).sqrt(), 1e-4),
    }
}

/// Unit points of a `n × n` grid of cell centres, row by row from the bottom.
fn grid_points(n: usize) -> Vec<Vec<f64>> {
    let c = |i: usize| (i as f64 + 0.5) / n as f64;
    (0..n * n).map(|k| vec![c(k % n), c(k / n)]).collect()
}

/// A grid with its range.
fn grid2(n: usize, values: Vec<f64>) -> Grid2 {
    let (min, max) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    Grid2 {
        nx: n,
        ny: n,
        values,
        min,
        max,
    }
}

/// Compute the pictures for a request. Pure and deterministic for its settings' seed.
pub fn compute(req: &PlayRequest) -> PlayResult {
    let t0 = Instant::now();
    let s = req.settings;
    let problem = s.problem;
    let space = problem.space();
    let inputs = Inputs::new(&space);
    let x: Vec<Vec<f64>> = req.points.iter().map(|p| inputs.map(p)).collect();
    let y: Vec<f64> = x.iter().map(|p| problem.value(p)).collect();
    let hypers = hypers(&s, &inputs, &x, &y);
    let mut note = String::new();
    let gp = if x.is_empty() {
        None
    } else {
        let g = Surrogate::new(
            inputs,
            x.clone(),
            &y,
            &[],
            hypers.clone(),
            Direction::Minimize,
        );
        if g.is_none() {
            note = "the GP cannot be conditioned on these points".into();
        }
        g
    };
    let mut rng = seeded_rng(s.seed, 0x5a3e);
    let mut draw = |g: Result<Gaussian, _>| -> Vec<Vec<f64>> {
        match g.and_then(|g| g.sample(s.samples, &mut rng)) {
            Ok(d) => d,
            Err(e) => {
                note = format!("no samples: {e}");
                Vec::new()
            }
        }
    };
    let pictures = match problem.dim() {
        1 => {
            let u: Vec<f64> = (0..LINE).map(|i| i as f64 / (LINE - 1) as f64).collect();
            let pts: Vec<Vec<f64>> = u.iter().map(|&v| vec![v]).collect();
            let truth = pts.iter().map(|p| problem.value(p)).collect();
            let mut line = Line1 {
                u,
                truth,
                ..Line1::default()
            };
            match &gp {
                Some(g) => {
                    (line.mean, line.std) = g.predict(&pts);
                    line.acquisition = g.acquisition(&s.acquisition, &pts);
                    line.samples = draw(Gaussian::posterior(
                        &hypers.kernel,
                        hypers.noise,
                        &x,
                        &y,
                        &pts,
                    ));
                }
                None if x.is_empty() => {
                    line.samples = draw(Ok(Gaussian::prior(&hypers.kernel, &pts)));
                }
                None => {}
            }
            Pictures::Line(line)
        }
        _ => {
            let coarse = grid_points(SAMPLE_MAP);
            let samples = match &gp {
                None if x.is_empty() => draw(Ok(Gaussian::prior(&hypers.kernel, &coarse))),
                Some(_) => draw(Gaussian::posterior(
                    &hypers.kernel,
                    hypers.noise,
                    &x,
                    &y,
                    &coarse,
                )),
                None => Vec::new(),
            };
            Pictures::Maps(Box::new(maps2(&s, gp.as_ref(), samples, x.is_empty())))
        }
    };
    let next = gp.as_ref().map(|g| g.next_point(&s.acquisition));
    PlayResult {
        revision: req.revision,
        settings: s,
        observations: x.len(),
        pictures,
        hypers: Some(hypers),
        next,
        note,
        seconds: t0.elapsed().as_secs_f64(),
    }
}

/// The maps of a 2-D problem: the truth, the posterior's mean, σ and acquisition once there
/// is a GP, and the joint `samples` (coarse grid) as prior samples before any observation or
/// posterior samples after.
fn maps2(s: &Settings, gp: Option<&Surrogate>, samples: Vec<Vec<f64>>, prior: bool) -> Maps2 {
    let pts = grid_points(MAP);
    let truth = grid2(MAP, pts.iter().map(|p| s.problem.value(p)).collect());
    let posterior = gp.map(|g| {
        let (mean, std) = g.predict(&pts);
        let acq = g.acquisition(&s.acquisition, &pts);
        [grid2(MAP, mean), grid2(MAP, std), grid2(MAP, acq)]
    });
    let samples: Vec<Grid2> = samples.into_iter().map(|v| grid2(SAMPLE_MAP, v)).collect();
    let (prior_samples, posterior_samples) = if prior {
        (samples, Vec::new())
    } else {
        (Vec::new(), samples)
    };
    Maps2 {
        truth,
        posterior,
        prior_samples,
        posterior_samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(points: Vec<Vec<f64>>, settings: Settings) -> PlayRequest {
        PlayRequest {
            revision: 1,
            settings,
            points,
        }
    }

    #[test]
    fn prior_samples_before_any_point_then_a_posterior_through_the_points() {
        let prior = compute(&request(vec![], Settings::default()));
        let Pictures::Line(line) = &prior.pictures else {
            panic!("Forrester is 1-D")
        };
        assert_eq!(line.samples.len(), 3);
        assert!(line.mean.is_empty() && prior.next.is_none());
        let pts = vec![vec![0.1], vec![0.5], vec![0.9]];
        let post = compute(&request(pts.clone(), Settings::default()));
        let Pictures::Line(line) = &post.pictures else {
            panic!("Forrester is 1-D")
        };
        assert_eq!(line.mean.len(), LINE);
        // grid point 100 is u = 0.5, an observation: the mean passes through its value
        let v = Problem::Forrester.value(&[0.5]);
        assert!(
            (line.mean[100] - v).abs() < 0.05,
            "{} vs {v}",
            line.mean[100]
        );
        assert!(line.std[100] < line.std[150]);
        let (next, _) = post.next.clone().unwrap();
        assert!(pts.iter().all(|p| (p[0] - next[0]).abs() > 1e-6));
        // a fixed length scale is used as given
        let fixed = Settings {
            length_scale: Some(0.05),
            ..Settings::default()
        };
        let r = compute(&request(pts, fixed));
        assert_eq!(r.hypers.unwrap().kernel.length_scales, vec![0.05]);
    }

    #[test]
    fn branin_gets_maps_and_prior_sample_maps() {
        let s = Settings {
            problem: Problem::Branin,
            ..Settings::default()
        };
        let prior = compute(&request(vec![], s));
        let Pictures::Maps(m) = &prior.pictures else {
            panic!("Branin is 2-D")
        };
        assert_eq!(m.prior_samples.len(), 3);
        assert!(m.posterior.is_none());
        assert!((m.truth.min - SyntheticFn::Branin.minimum()).abs() < 0.5);
        let post = compute(&request(vec![vec![0.2, 0.3], vec![0.7, 0.6]], s));
        let Pictures::Maps(m) = &post.pictures else {
            panic!("Branin is 2-D")
        };
        let [mean, std, acq] = m.posterior.as_ref().unwrap();
        assert_eq!(mean.values.len(), MAP * MAP);
        assert!(std.min >= 0.0 && acq.max.is_finite());
        assert!(m.prior_samples.is_empty());
        assert_eq!(m.posterior_samples.len(), 3);
        // A posterior sample passes (nearly) through the observations: at the coarse grid
        // point nearest (0.2, 0.3) it is close to the posterior mean there, not wild.
        let n = SAMPLE_MAP;
        let nearest = |u: f64| ((u * (n - 1) as f64).round() as usize).min(n - 1);
        let (i, j) = (nearest(0.2), nearest(0.3));
        let spread = m.posterior_samples[0].max - m.posterior_samples[0].min;
        assert!(spread.is_finite() && spread > 0.0);
        let at = |g: &Grid2| g.values[j * n + i];
        let near = m
            .posterior_samples
            .iter()
            .map(|g| (at(g) - at(&m.posterior_samples[0])).abs())
            .fold(0.0, f64::max);
        assert!(
            near < 0.5 * spread,
            "samples disagree at an observation: {near} vs {spread}"
        );
    }
}
