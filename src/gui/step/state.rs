//! Step mode's state, without drawing: the stepper's handle, the pending proposal and its
//! explanation, play speed, and what the tab shows about how step mode stands.
//!
//! Step mode works on the workbench's own study: its trials are put in place with
//! [`Study::record`](crate::study::Study::record), the same single path the runner's events
//! take, so the trial table and every plot show them as they are evaluated. The actions are
//! methods on [`Workbench`] (defined here, beside the state they drive), so the tests call
//! exactly what the buttons call.

use super::why::WhyView;
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::runner::FinishReason;
use crate::space::Params;
use crate::stepper::{self, StepCommand, StepEvent, StepHandle};
use crate::strategy::{Explanation, StrategySpec, Suggestion};
use std::time::{Duration, Instant};

/// Play speeds the slider offers, in trials per second.
pub const RATES: std::ops::RangeInclusive<f64> = 0.2..=20.0;

/// Play speed when step mode opens, in trials per second.
pub const DEFAULT_RATE: f64 = 2.0;

/// The point the next `Step` evaluates.
#[derive(Clone, Debug)]
pub struct Proposal {
    /// The trial it will become.
    pub number: usize,
    /// The point in the unit cube, with its label and whether a gradient is wanted.
    pub suggestion: Suggestion,
    /// The point as parameter values (fixed parameters included).
    pub params: Params,
    /// Why the strategy chose it; `None` when the strategy does not say.
    pub explanation: Option<Explanation>,
    /// The strategy settings it was proposed with.
    pub spec: StrategySpec,
}

/// Step mode: a stepper on the workbench's study, when one is running, and what the Step tab
/// shows about it.
pub struct StepMode {
    handle: Option<StepHandle>,
    /// The pending point, once proposed.
    pub proposal: Option<Proposal>,
    /// Bumped with every proposal, so the why-views know when to redraw.
    pub sequence: u64,
    /// Trials step on their own at [`StepMode::rate`].
    pub playing: bool,
    /// Play speed, trials per second.
    pub rate: f64,
    /// The trial being evaluated, between its start and its result.
    pub evaluating: Option<usize>,
    /// Why the last step mode ended.
    pub finished: Option<FinishReason>,
    /// One line about what step mode is doing.
    pub status: String,
    /// Why step mode failed, shown in red until step mode starts again.
    pub failure: Option<String>,
    /// The why-views' cached pictures.
    pub why: WhyView,
    /// The strategy settings last sent to the stepper.
    sent: Option<StrategySpec>,
    /// Steps asked for whose trials have not finished yet.
    steps_pending: usize,
    /// `Stop` was sent; the stepper has not said it finished yet.
    stopping: bool,
    /// `Pause` was sent; the stepper has not acknowledged it yet (a played trial may still
    /// be on its way).
    pausing: bool,
}

impl Default for StepMode {
    fn default() -> Self {
        StepMode {
            handle: None,
            proposal: None,
            sequence: 0,
            playing: false,
            rate: DEFAULT_RATE,
            evaluating: None,
            finished: None,
            status: String::new(),
            failure: None,
            why: WhyView::default(),
            sent: None,
            steps_pending: 0,
            stopping: false,
            pausing: false,
        }
    }
}

impl StepMode {
    /// Whether a stepper is working on the study (the study is locked and Run disabled).
    pub fn is_active(&self) -> bool {
        self.handle.is_some()
    }

    /// Whether the shown proposal was made with the settings last sent (a retune is not
    /// still on its way).
    pub fn proposal_is_current(&self) -> bool {
        matches!((&self.proposal, &self.sent), (Some(p), Some(s)) if p.spec == *s)
    }

    /// Whether everything asked of the stepper has been done: no step outstanding, not
    /// playing, not stopping, and the proposal current (or step mode over). Tests wait for
    /// this.
    pub fn is_settled(&self) -> bool {
        !self.is_active()
            || (self.steps_pending == 0
                && !self.playing
                && !self.stopping
                && !self.pausing
                && self.proposal_is_current())
    }

    /// The pause between trials at the current play speed.
    pub fn interval(&self) -> Duration {
        let rate = self.rate.clamp(*RATES.start(), *RATES.end());
        Duration::from_secs_f64(1.0 / rate)
    }

    fn send(&mut self, command: StepCommand) -> bool {
        let Some(handle) = &self.handle else {
            return false;
        };
        if handle.commands.send(command).is_err() {
            self.stopped(FinishReason::StrategyFailed(
                "the stepper stopped unexpectedly".into(),
            ));
            return false;
        }
        true
    }

    /// Step mode is over: forget the stepper and say why.
    fn stopped(&mut self, reason: FinishReason) {
        self.handle = None;
        self.playing = false;
        self.proposal = None;
        self.evaluating = None;
        self.steps_pending = 0;
        self.stopping = false;
        self.pausing = false;
        self.sent = None;
        self.status = match &reason {
            FinishReason::BudgetSpent => "step mode done: the budget is spent".into(),
            FinishReason::Stopped => "step mode stopped".into(),
            FinishReason::Exhausted(why) => fill(tr("step mode done: {}"), &[why]),
            FinishReason::StrategyFailed(why) => fill(tr("step mode failed: {}"), &[why]),
        };
        if let FinishReason::StrategyFailed(why) = &reason {
            self.failure = Some(why.clone());
        }
        self.finished = Some(reason);
    }
}

impl Workbench {
    /// Start step mode on the study: the stepper replays the trials so far and proposes the
    /// next point, without evaluating it. Returns whether step mode is on.
    pub fn step_start(&mut self) -> bool {
        if self.step.is_active() {
            return true;
        }
        if self.is_running() {
            self.step.status = "a run is going on: step mode starts when it ends".into();
            return false;
        }
        if let Some(why) = self.run_blocker() {
            self.step.status = fill(tr("cannot step: {}"), &[&why]);
            return false;
        }
        let objective = match crate::gui::panels::objective::objective_for_run(self) {
            Ok(o) => o,
            Err(e) => {
                self.step.status = fill(tr("cannot step: {}"), &[&e]);
                return false;
            }
        };
        let wake: Option<Box<dyn Fn() + Send>> = self.waker().map(|w| {
            let b: Box<dyn Fn() + Send> = Box::new(move || w());
            b
        });
        match stepper::start(self.study.clone(), objective, wake) {
            Ok(handle) => {
                self.study.discard_unfinished();
                self.step.handle = Some(handle);
                self.step.sent = Some(self.study.strategy.clone());
                self.step.finished = None;
                self.step.failure = None;
                self.step.proposal = None;
                self.step.status = "proposing…".into();
                self.touch();
                true
            }
            Err(e) => {
                self.step.status = fill(tr("cannot step: {}"), &[&e]);
                false
            }
        }
    }

    /// Evaluate the proposed point (starting step mode first if it is off).
    pub fn step_once(&mut self) {
        if !self.step_start() {
            return;
        }
        if self.step.send(StepCommand::Step) {
            self.step.steps_pending += 1;
            self.step.status = "stepping…".into();
        }
    }

    /// Keep stepping at the chosen speed (starting step mode first if it is off).
    pub fn step_play(&mut self) {
        if !self.step_start() {
            return;
        }
        let interval = self.step.interval();
        if self.step.send(StepCommand::Play { interval }) {
            self.step.playing = true;
            self.step.status = "playing".into();
        }
    }

    /// Stop playing; the proposal stays pending.
    pub fn step_pause(&mut self) {
        if self.step.send(StepCommand::Pause) {
            self.step.playing = false;
            self.step.pausing = true;
            self.step.status = "paused".into();
        }
    }

    /// Change the play speed (trials per second); a playing stepper takes it at once.
    pub fn step_set_rate(&mut self, rate: f64) {
        self.step.rate = rate.clamp(*RATES.start(), *RATES.end());
        if self.step.playing {
            let interval = self.step.interval();
            self.step.send(StepCommand::Play { interval });
        }
    }

    /// End step mode after the trial being evaluated, if any; the trials stay.
    pub fn step_stop(&mut self) {
        if self.step.send(StepCommand::Stop) {
            self.step.playing = false;
            self.step.stopping = true;
            self.step.status = "stopping…".into();
        }
    }

    /// If the study's strategy settings changed since the stepper last heard of them, send
    /// them: the stepper rebuilds the strategy, replays the trials and proposes again.
    pub fn step_retune(&mut self) {
        if !self.step.is_active() || self.step.sent.as_ref() == Some(&self.study.strategy) {
            return;
        }
        self.validate_strategy();
        if self.strategy_error.is_some() {
            return;
        }
        let spec = self.study.strategy.clone();
        if self.step.send(StepCommand::Retune(spec.clone())) {
            self.step.sent = Some(spec);
            self.step.status = "re-proposing with the new settings…".into();
        }
    }

    /// Apply the stepper's events, spending at most `budget` time; returns how many were
    /// applied. A stepper that vanished without saying it finished is shown as a failure.
    pub fn drain_step(&mut self, budget: Duration) -> usize {
        self.step_retune();
        let Some(events) = self.step.handle.as_ref().map(|h| h.events.clone()) else {
            return 0;
        };
        let applied = crate::gui::state::drain_channel(&events, budget, |event| {
            self.apply_step(event);
            self.step.handle.is_some()
        });
        if applied > 0 {
            self.touch();
        }
        applied
    }

    /// Block until step mode has done everything asked of it (see
    /// [`StepMode::is_settled`]) or `timeout` passes, applying events as they come: for tests
    /// and screenshots, which have no frame loop to wait in. Returns whether it settled.
    pub fn step_settle(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.drain_step(Duration::from_millis(50));
            if self.step.is_settled() {
                return true;
            }
            let Some(handle) = &self.step.handle else {
                return true;
            };
            let event = match handle.events.recv_deadline(deadline) {
                Ok(event) => Some(event),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => return false,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
            };
            self.apply_step(event);
            self.touch();
        }
    }

    /// Apply one stepper event; `None` means the channel closed.
    fn apply_step(&mut self, event: Option<StepEvent>) {
        match event {
            Some(StepEvent::Proposed {
                number,
                suggestion,
                explanation,
                spec,
            }) => {
                let params = self.study.space.from_unit(&suggestion.point);
                self.step.proposal = Some(Proposal {
                    number,
                    suggestion,
                    params,
                    explanation,
                    spec,
                });
                self.step.sequence = self.step.sequence.wrapping_add(1);
                if self.step.steps_pending == 0 && !self.step.playing {
                    self.step.status = fill(tr("trial {} proposed"), &[&number]);
                }
            }
            Some(StepEvent::TrialStarted(trial)) => {
                self.step.evaluating = Some(trial.number);
                self.step.proposal = None;
                self.study.record(trial);
            }
            Some(StepEvent::TrialFinished(trial)) => {
                self.step.evaluating = None;
                self.step.steps_pending = self.step.steps_pending.saturating_sub(1);
                self.study.record(trial);
            }
            Some(StepEvent::Paused) => self.step.pausing = false,
            Some(StepEvent::RetuneRefused(why)) => {
                self.step.status = fill(tr("settings refused: {}"), &[&why]);
                // The stepper keeps its previous settings: so does the study, so the rest of
                // the app agrees with what the proposal was made with.
                if let Some(p) = &self.step.proposal {
                    self.study.strategy = p.spec.clone();
                    self.step.sent = Some(p.spec.clone());
                }
            }
            Some(StepEvent::Finished(reason)) => {
                self.study.discard_unfinished();
                self.step.stopped(reason);
            }
            None => {
                self.study.discard_unfinished();
                self.step.stopped(FinishReason::StrategyFailed(
                    "the stepper stopped unexpectedly".into(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stepper_that_vanishes_is_a_failure() {
        let mut study = Workbench::branin_study();
        study.strategy = StrategySpec::Random;
        let mut bench = Workbench::new(study);
        assert!(bench.step_start());
        assert!(bench.step_settle(Duration::from_secs(60)));
        assert!(bench.step.proposal.is_some());
        // Pretend the thread died: replace the handle's channels with closed ones.
        if let Some(handle) = &mut bench.step.handle {
            handle.events = crossbeam_channel::unbounded().1;
        }
        bench.drain_step(Duration::from_millis(10));
        assert!(!bench.step.is_active());
        assert!(bench.step.failure.is_some());
        assert!(bench.run_blocker().is_none());
    }

    #[test]
    fn step_mode_locks_the_study_and_steps_in_order() {
        let mut study = Workbench::branin_study();
        study.budget = 5;
        let mut bench = Workbench::new(study);
        assert!(bench.step_start());
        assert!(bench.step_settle(Duration::from_secs(60)));
        let before = bench.study.strategy.clone();
        // Step mode locks the study: Run is refused, and so is clearing the trials.
        assert!(bench.run_blocker().is_some());
        bench.run();
        assert!(!bench.is_running());
        bench.step_once();
        bench.step_once();
        assert!(bench.step_settle(Duration::from_secs(60)));
        assert_eq!(bench.study.trials.len(), 2);
        assert_eq!(bench.step.proposal.as_ref().map(|p| p.number), Some(2));
        bench.clear_trials();
        assert_eq!(bench.study.trials.len(), 2);
        assert_eq!(bench.study.strategy, before);
        bench.step_stop();
        assert!(bench.step_settle(Duration::from_secs(60)));
        assert!(!bench.step.is_active());
        assert_eq!(bench.step.finished, Some(FinishReason::Stopped));
        assert!(bench.run_blocker().is_none());
    }
}
