//! The playground's state, without drawing: the problem and GP settings, the clicked
//! observations, and the latest pictures from the background thread. Every control of the
//! tab is a method here, so the tests drive exactly what the clicks drive.

use super::compute::{Pictures, PlayRequest, PlayResult, Problem, Settings, compute};
use crate::gui::i18n::{fill, tr};
use crate::gui::jobs::{Poll, Waker, Worker};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Two observations closer than this (in unit coordinates) are the same point.
const SAME_POINT: f64 = 1e-9;

/// The playground: its own small problem, independent of the study.
pub struct Playground {
    /// The GP's setup; the tab's controls edit it directly and a change is noticed by
    /// [`Playground::update`].
    pub settings: Settings,
    /// Draw the true function.
    pub show_truth: bool,
    /// What the last action did, or why it did nothing.
    pub status: String,
    /// Where the last frame drew the clickable plot (screen points: min x, min y, max x,
    /// max y), so a test can click it as a user would.
    pub plot_area: Option<[f32; 4]>,
    points: Vec<Vec<f64>>,
    revision: u64,
    requested: Option<(u64, Settings)>,
    result: Option<Arc<PlayResult>>,
    worker: Option<Worker<(u64, Settings), PlayRequest, PlayResult>>,
    waker: Option<Waker>,
}

impl Default for Playground {
    fn default() -> Self {
        Self::new()
    }
}

impl Playground {
    /// An empty playground on the 1-D Forrester function.
    pub fn new() -> Self {
        Playground {
            settings: Settings::default(),
            show_truth: true,
            status: String::new(),
            plot_area: None,
            points: Vec::new(),
            revision: 0,
            requested: None,
            result: None,
            worker: None,
            waker: None,
        }
    }

    /// Set what wakes the UI when new pictures arrive.
    pub fn set_waker(&mut self, waker: Waker) {
        self.waker = Some(waker);
    }

    /// Whether a waker has been set.
    pub fn has_waker(&self) -> bool {
        self.waker.is_some()
    }

    /// The observed unit points, in the order they were added.
    pub fn points(&self) -> &[Vec<f64>] {
        &self.points
    }

    /// The observed values (the problem's true values at the points).
    pub fn values(&self) -> Vec<f64> {
        let p = self.settings.problem;
        self.points.iter().map(|u| p.value(u)).collect()
    }

    /// The latest pictures, current or not.
    pub fn result(&self) -> Option<&Arc<PlayResult>> {
        self.result.as_ref()
    }

    /// Whether the latest pictures show the current points and settings.
    pub fn is_current(&self) -> bool {
        self.result
            .as_ref()
            .is_some_and(|r| r.revision == self.revision && r.settings == self.settings)
    }

    fn changed(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }

    /// Switch to another problem; the observations are dropped (they belong to the old one).
    pub fn set_problem(&mut self, problem: Problem) {
        if self.settings.problem != problem {
            self.settings.problem = problem;
            self.points.clear();
            self.status = fill(tr("{}: click to observe"), &[&tr(problem.title())]);
            self.changed();
        }
    }

    /// Observe the function at a unit point (clamped into the box); a point already
    /// observed is refused. Returns whether it was added.
    pub fn observe(&mut self, u: Vec<f64>) -> bool {
        if u.len() != self.settings.problem.dim() || u.iter().any(|x| !x.is_finite()) {
            return false;
        }
        let u: Vec<f64> = u.iter().map(|x| x.clamp(0.0, 1.0)).collect();
        if self
            .points
            .iter()
            .any(|p| p.iter().zip(&u).all(|(a, b)| (a - b).abs() < SAME_POINT))
        {
            self.status = "already observed there".into();
            return false;
        }
        let v = self.settings.problem.value(&u);
        self.status = fill(
            tr("observed {} at {}"),
            &[&crate::gui::plots::number(v), &fmt(&u)],
        );
        self.points.push(u);
        self.changed();
        true
    }

    /// Observe where the acquisition is largest, as the strategy would; only when the
    /// pictures are current (the choice must be the one shown).
    pub fn observe_choice(&mut self) -> bool {
        let next = self
            .result
            .as_ref()
            .filter(|_| self.is_current())
            .and_then(|r| r.next.clone());
        match next {
            Some((u, _)) => self.observe(u),
            None => {
                self.status = if self.points.is_empty() {
                    "the acquisition needs a first observation: click the plot".into()
                } else {
                    "the GP is still being fitted".into()
                };
                false
            }
        }
    }

    /// Remove the last observation.
    pub fn undo(&mut self) {
        if self.points.pop().is_some() {
            self.status = "removed the last observation".into();
            self.changed();
        }
    }

    /// Remove every observation: back to the prior.
    pub fn clear(&mut self) {
        if !self.points.is_empty() {
            self.points.clear();
            self.status = "cleared: the prior again".into();
            self.changed();
        }
    }

    /// Draw other samples.
    pub fn resample(&mut self) {
        self.settings.seed = self.settings.seed.wrapping_add(1);
    }

    /// Take the worker's answer and ask for new pictures when the points or settings
    /// changed (once the pictures asked for before are in). Cheap; called once per frame.
    pub fn update(&mut self) {
        if let Some(w) = &mut self.worker {
            let answer = w.poll();
            self.accept(answer);
        }
        let want = (self.revision, self.settings);
        if self.requested == Some(want) {
            return;
        }
        if self.worker.is_none() {
            let spawned = Worker::spawn(
                "knobs-playground",
                "the GP computation",
                self.waker.clone(),
                |req: PlayRequest| compute(&req),
            );
            match spawned {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    self.status = e;
                    self.requested = Some(want);
                    return;
                }
            }
        }
        if let Some(w) = &mut self.worker {
            // One request at a time: a newer one would make the picture being computed
            // stale, and a slider dragged across frames would then show nothing until it
            // stops. The next request goes when this picture is in.
            if w.is_busy() {
                return;
            }
            w.request(
                want,
                PlayRequest {
                    revision: self.revision,
                    settings: self.settings,
                    points: self.points.clone(),
                },
            );
            self.requested = Some(want);
        }
    }

    fn accept(&mut self, answer: Poll<PlayResult>) {
        match answer {
            Poll::Nothing => {}
            Poll::Ready(r) => self.result = Some(Arc::new(r)),
            Poll::Failed(why) => self.status = why,
            Poll::Gone => {
                self.worker = None;
                self.status = "the playground thread stopped".into();
            }
        }
    }

    /// Block until the pictures are current (tests, snapshots); returns whether they are.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.update();
            if self.is_current() {
                return true;
            }
            let now = Instant::now();
            let Some(w) = &mut self.worker else {
                return false;
            };
            if now >= deadline || !w.is_busy() {
                return false;
            }
            let answer = w.wait(deadline - now);
            self.accept(answer);
        }
    }

    /// Whether the pictures show prior samples (no observation yet).
    pub fn shows_prior(&self) -> bool {
        self.result.as_ref().is_some_and(|r| {
            r.observations == 0
                && match &r.pictures {
                    Pictures::Line(l) => !l.samples.is_empty(),
                    Pictures::Maps(m) => !m.prior_samples.is_empty(),
                }
        })
    }
}

/// A unit point as `(0.31, 0.70)`.
fn fmt(u: &[f64]) -> String {
    let parts: Vec<String> = u.iter().map(|x| format!("{x:.3}")).collect();
    format!("u = ({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_refit_the_gp_and_undo_clear_go_back() {
        let mut pg = Playground::new();
        assert!(pg.wait(Duration::from_secs(60)));
        assert!(pg.shows_prior());
        assert!(!pg.observe_choice(), "no choice before a point");
        assert!(pg.observe(vec![0.2]));
        assert!(!pg.observe(vec![0.2]), "duplicates are refused");
        assert!(pg.observe(vec![0.9]));
        assert!(pg.wait(Duration::from_secs(60)));
        assert_eq!(pg.result().unwrap().observations, 2);
        assert!(pg.observe_choice());
        assert_eq!(pg.points().len(), 3);
        pg.undo();
        assert_eq!(pg.points().len(), 2);
        pg.set_problem(Problem::Branin);
        assert!(pg.points().is_empty());
        assert!(!pg.observe(vec![0.5]), "Branin takes two coordinates");
        assert!(pg.observe(vec![0.5, 0.5]));
        pg.clear();
        assert!(pg.wait(Duration::from_secs(60)));
        assert!(pg.shows_prior());
    }
}
