//! The Surrogate tab's background work: fitting the GP, its functional ANOVA, partial
//! dependences and leave-one-out diagnostics once per revision of the study, and the what-if
//! prediction at the chosen point on each slider move (the fit is cached, so a prediction
//! costs one posterior evaluation). Nothing here runs in a frame. A second worker evaluates
//! the what-if point as a trial.

use crate::explain::{Anova, Design, Diagnostics, PartialDependence};
use crate::gp::Surrogate;
use crate::gui::jobs::{Waker, Worker};
use crate::gui::views::Snapshot;
use crate::objective::Objective;
use crate::study::{Study, Trial};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

/// What the explanations of one revision hold.
#[derive(Clone, Debug)]
pub struct Explained {
    /// The study revision they were computed for.
    pub revision: u64,
    /// Trials the GP was fitted on.
    pub gp_trials: usize,
    /// The posterior mean's variance decomposition.
    pub anova: Anova,
    /// The partial dependences behind it (the matrix view draws them).
    pub partial: PartialDependence,
    /// Leave-one-out predictions of the trials.
    pub diagnostics: Diagnostics,
    /// The best completed trial's unit-cube point (where the what-if starts).
    pub best: Vec<f64>,
    /// Seconds the fit and the explanations took.
    pub seconds: f64,
}

/// One question to the worker: the study (as the view worker sees it) and the what-if point.
#[derive(Clone, Debug)]
pub struct SurrogateRequest {
    /// The workbench's revision the snapshot was taken at.
    pub revision: u64,
    /// The completed trials.
    pub snapshot: Arc<Snapshot>,
    /// The what-if point (unit cube), if one is chosen.
    pub point: Option<Vec<f64>>,
}

/// The worker's answer.
#[derive(Clone, Debug)]
pub struct SurrogateAnswer {
    /// The explanations, or why there are none ("needs three completed trials").
    pub explained: Result<Arc<Explained>, String>,
    /// The point asked about, with the predicted mean and standard deviation there.
    pub prediction: Option<(Vec<f64>, f64, f64)>,
}

/// What requests are told apart by: the revision and the what-if point's bits.
pub type Key = (u64, Vec<u64>);

/// The key of a request.
pub fn key(revision: u64, point: Option<&[f64]>) -> Key {
    (
        revision,
        point.map_or_else(Vec::new, |p| p.iter().map(|x| x.to_bits()).collect()),
    )
}

/// The background thread of the Surrogate tab.
pub type SurrogateWorker = Worker<Key, SurrogateRequest, SurrogateAnswer>;

/// The last fit, reused while the revision stays the same.
type Cache = Option<(u64, Result<(Arc<Surrogate>, Arc<Explained>), String>)>;

/// Start the worker; `wake` is called after each answer.
pub fn spawn(wake: Option<Waker>) -> Result<SurrogateWorker, String> {
    let mut cache: Cache = None;
    Worker::spawn(
        "knobs-surrogate",
        "the surrogate explanations",
        wake,
        move |req| answer(&req, &mut cache),
    )
}

/// Answer a request, refitting only when the revision changed.
pub fn answer(req: &SurrogateRequest, cache: &mut Cache) -> SurrogateAnswer {
    let fitted = match cache {
        Some((rev, fitted)) if *rev == req.revision => fitted.clone(),
        _ => {
            let fitted = explain(req.revision, &req.snapshot);
            *cache = Some((req.revision, fitted.clone()));
            fitted
        }
    };
    match fitted {
        Ok((surrogate, explained)) => {
            let prediction = req.point.as_ref().and_then(|p| {
                (p.len() == surrogate.dim()).then(|| {
                    let (m, s) = surrogate.predict(std::slice::from_ref(p));
                    (p.clone(), m[0], s[0])
                })
            });
            SurrogateAnswer {
                explained: Ok(explained),
                prediction,
            }
        }
        Err(why) => SurrogateAnswer {
            explained: Err(why),
            prediction: None,
        },
    }
}

/// Fit the GP the view worker would fit and compute every explanation.
pub fn explain(revision: u64, snap: &Snapshot) -> Result<(Arc<Surrogate>, Arc<Explained>), String> {
    let t0 = Instant::now();
    if snap.values.len() < 3 {
        return Err("the surrogate views need at least three completed trials".into());
    }
    if snap.space.dim() == 0 {
        return Err("no free parameters".into());
    }
    let study = snap.gp_study();
    let gp_trials = study.trials.len();
    let surrogate = catch_unwind(AssertUnwindSafe(|| Surrogate::fit(&study)))
        .map_err(|_| "the GP fit failed".to_owned())?
        .ok_or_else(|| "the GP could not be fitted to these trials".to_owned())?;
    let design = Design::for_cost(surrogate.dim(), gp_trials);
    let (anova, partial) = Anova::of_surrogate(&surrogate, design);
    let diagnostics = Diagnostics::of_surrogate(&surrogate);
    let best = study
        .best_trial()
        .map(|t| t.point.clone())
        .unwrap_or_else(|| vec![0.5; surrogate.dim()]);
    let explained = Explained {
        revision,
        gp_trials,
        anova,
        partial,
        diagnostics,
        best,
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok((Arc::new(surrogate), Arc::new(explained)))
}

/// What the evaluation worker is given: the study (for numbering and the space), its
/// objective and the point.
pub struct EvaluateRequest {
    /// The study as it stands.
    pub study: Study,
    /// Its objective, built as a run builds it.
    pub objective: Arc<dyn Objective>,
    /// The unit-cube point to evaluate.
    pub point: Vec<f64>,
}

/// The thread that evaluates what-if points as trials, keyed by the point's bits.
pub type EvaluateWorker = Worker<Vec<u64>, EvaluateRequest, Trial>;

/// The label of a trial evaluated from the what-if view (the trial table shows it).
pub const WHAT_IF_LABEL: &str = "what-if";

/// Start the evaluation worker.
pub fn spawn_evaluator(wake: Option<Waker>) -> Result<EvaluateWorker, String> {
    Worker::spawn(
        "knobs-what-if",
        "the what-if evaluation",
        wake,
        |req: EvaluateRequest| {
            crate::runner::evaluate_point(&req.study, &*req.objective, req.point, WHAT_IF_LABEL)
        },
    )
}
