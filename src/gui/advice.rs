//! The range advisor in the window: its findings are computed on a background [`Worker`]
//! (the advisor fits a GP, which no frame may wait for), refreshed as trials arrive at most
//! every [`ADVICE_THROTTLE`] while a run streams them, and drawn beside each parameter's
//! sliders; **New study from advice** follows them (see [`Study::from_advice`]).

use super::i18n::{fill, tr};
use super::jobs::{Poll, Worker};
use super::mode::Mode;
use super::state::Workbench;
use crate::advisor::{self, Advice, Finding, FindingKind};
use crate::space::{Domain, Space};
use crate::study::Study;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Shortest time between two advice requests during a run: each refits the GP, so a fast
/// run asks about four times a second at most (as often as the other views refresh).
const ADVICE_THROTTLE: Duration = Duration::from_millis(250);

/// Advice and the study it was computed for: the space (so advice about another study is
/// never shown beside this one's sliders) and the revision (so a newer study asks again).
#[derive(Clone, Debug)]
pub struct Advised {
    /// The revision of the study the advice read.
    pub revision: u64,
    /// The space it read: advice is only shown while the study's space is the same.
    pub space: Space,
    /// What the advisor said.
    pub advice: Advice,
}

/// The advisor's background job: a worker keyed by the study's revision (latest request
/// wins), the newest answer, and when the last request was made (for the throttle).
#[derive(Default)]
pub struct AdviceJobs {
    worker: Option<Worker<u64, Arc<Study>, Advice>>,
    requested: Option<u64>,
    /// The space of the study last sent to the worker: what its answer is about.
    requested_space: Option<Space>,
    last_request: Option<Instant>,
    /// Why the worker could not run, once it failed (it is not restarted).
    failed: Option<String>,
    /// Why the last advice could not be computed (asked again when the study changes).
    note: Option<String>,
    /// The newest advice received.
    pub result: Option<Arc<Advised>>,
}

impl Workbench {
    /// Poll the advisor's worker and, when the study changed, ask it again (throttled while
    /// a run streams trials). Cheap; called once per frame.
    pub fn update_advice(&mut self) {
        let revision = self.revision();
        let running = matches!(self.mode, Mode::Running(_));
        let waker = self.waker();
        let study = self.editor.study();
        let jobs = &mut self.background.advice;
        jobs.poll();
        if jobs.requested == Some(revision) || jobs.failed.is_some() {
            return;
        }
        let completed = study
            .trials
            .iter()
            .filter(|t| t.completed_value().is_some())
            .count();
        if completed < advisor::MIN_TRIALS {
            // Nothing to fit: the advisor says nothing before this many trials.
            jobs.result = Some(Arc::new(Advised {
                revision,
                space: study.space.clone(),
                advice: Advice {
                    findings: Vec::new(),
                    trials: completed,
                },
            }));
            jobs.requested = Some(revision);
            if let Some(w) = &mut jobs.worker {
                w.forget();
            }
            return;
        }
        if jobs.worker.is_none() {
            match Worker::spawn(
                "knobs-advisor",
                "the range advisor",
                waker.clone(),
                |s: Arc<Study>| advisor::advise(&s),
            ) {
                Ok(w) => jobs.worker = Some(w),
                Err(e) => {
                    jobs.failed = Some(e);
                    return;
                }
            }
        }
        let throttled = running
            && jobs
                .last_request
                .is_some_and(|t| t.elapsed() < ADVICE_THROTTLE);
        let Some(worker) = &mut jobs.worker else {
            return;
        };
        if worker.is_busy() || throttled {
            if throttled && let Some(w) = &waker {
                // Come back when the throttle has passed.
                w();
            }
            return;
        }
        worker.request(revision, Arc::new(study.clone()));
        jobs.requested = Some(revision);
        jobs.requested_space = Some(study.space.clone());
        jobs.last_request = Some(Instant::now());
    }

    /// The advice to show beside the current study's sliders: the newest answer, if it was
    /// computed for this study's space (during a run it may lag a few trials behind).
    pub fn advice(&self) -> Option<&Advised> {
        self.background
            .advice
            .result
            .as_deref()
            .filter(|a| a.space == self.study().space)
    }

    /// Why the advisor cannot run, if its worker failed.
    pub fn advice_failure(&self) -> Option<&str> {
        let jobs = &self.background.advice;
        jobs.failed.as_deref().or(jobs.note.as_deref())
    }

    /// Block until the advice is for the current revision (tests and screenshots; the
    /// window only polls); returns whether it is.
    pub fn wait_advice(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.update_advice();
            let revision = self.revision();
            if self
                .background
                .advice
                .result
                .as_ref()
                .is_some_and(|a| a.revision == revision)
            {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let jobs = &mut self.background.advice;
            match &mut jobs.worker {
                Some(w) => {
                    let poll = w.wait(deadline - now);
                    jobs.take(poll);
                }
                None => return false,
            }
        }
    }

    /// Replace the study with the one the advice suggests (File ▸ New's path: the window asks
    /// about unsaved changes first), carrying the trials that fall inside the new ranges.
    pub fn new_study_from_advice(&mut self) {
        if self.is_busy() {
            self.status = tr("stop the run before starting a new study").into();
            return;
        }
        let Some(advised) = self.advice() else {
            self.status = tr("the advisor has nothing to follow yet").into();
            return;
        };
        match self.study().from_advice(&advised.advice.findings) {
            Ok(study) => {
                let carried = study.trials.len();
                self.replace_study(study);
                // Its trials were carried, not saved: it counts as unsaved until saved.
                self.recovery.baseline = None;
                self.files.path = None;
                self.status = fill(
                    tr("new study from advice: {} trials carried over"),
                    &[&carried],
                );
            }
            Err(e) => {
                self.status = e.to_string();
                self.error = Some(e.to_string());
            }
        }
    }
}

impl AdviceJobs {
    /// Take in whatever the worker has finished.
    fn poll(&mut self) {
        if let Some(w) = &mut self.worker {
            let poll = w.poll();
            self.take(poll);
        }
    }

    /// Keep a finished answer with the revision and space it was asked for.
    fn take(&mut self, poll: Poll<Advice>) {
        match poll {
            Poll::Nothing => {}
            Poll::Ready(advice) => {
                self.note = None;
                if let (Some(revision), Some(space)) =
                    (self.requested, self.requested_space.clone())
                {
                    self.result = Some(Arc::new(Advised {
                        revision,
                        space,
                        advice,
                    }));
                }
            }
            Poll::Failed(why) => {
                // Shown in place of the advice; the next change of the study asks again.
                self.result = None;
                self.note = Some(why);
            }
            Poll::Gone => {
                self.worker = None;
                self.failed = Some(tr("the range advisor stopped").into());
            }
        }
    }
}

/// The one-line summary of a finding shown under its parameter's sliders (the full evidence
/// is its hover), in the interface's language.
pub fn short_line(finding: &Finding, domain: &Domain) -> String {
    let n = |name: &str| finding.number(name).unwrap_or(f64::NAN);
    let num = advisor::format_number;
    match finding.kind {
        FindingKind::BestAtBound => {
            let bound = n("bound");
            let upper = matches!(domain, Domain::Float { high, .. } if *high == bound)
                || matches!(domain, Domain::Int { high, .. } if *high as f64 == bound);
            let template = if upper {
                tr("{} of the best {} trials at the upper bound {}")
            } else {
                tr("{} of the best {} trials at the lower bound {}")
            };
            fill(template, &[&n("count"), &n("of"), &num(bound)])
        }
        FindingKind::GpOptimumAtBound => fill(
            tr("the GP's optimum is on the bound ({})"),
            &[&num(n("optimum"))],
        ),
        FindingKind::NarrowRegion => fill(
            tr("the best trials fill {}% of the range: narrow it"),
            &[&format!("{:.0}", n("span") * 100.0)],
        ),
        FindingKind::TryLog => fill(
            tr("the best trials sit in the lowest tenth of {} decades: try log"),
            &[&format!("{:.1}", n("decades"))],
        ),
        FindingKind::TryLinear => fill(
            tr("{} of {} trials below the top decade, none of the best: try linear"),
            &[&n("wasted"), &n("of")],
        ),
    }
}

/// The hover of a finding: the full evidence and the range it suggests.
/// In Chinese the evidence is the translated short line (the core writes its sentence in
/// English).
pub fn hover_text(finding: &Finding, domain: &Domain) -> String {
    let evidence = match super::i18n::lang() {
        super::i18n::Lang::English => finding.message.clone(),
        _ => short_line(finding, domain),
    };
    format!(
        "{evidence}\n\n{}",
        fill(tr("suggested range: {}"), &[&finding.suggested.describe()])
    )
}
