//! Step mode's state, without drawing: the [`Stepper`] (its handle, the pending proposal and
//! its explanation, what has been asked of it), which is the workbench's
//! [`Mode::Stepping`], and the [`StepMode`] that outlasts it (play speed, what the tab shows
//! about how step mode stands).
//!
//! Step mode works on the workbench's own study: its trials are put in place by
//! [`crate::gui::live`], the same single path the runner's events take, so the trial table and every plot show them as they are evaluated. The actions are
//! methods on [`Workbench`] (defined here, beside the state they drive), so the tests call
//! exactly what the buttons call.

use super::why::WhyView;
use crate::gui::i18n::{fill, tr};
use crate::gui::live::LiveEvent;
use crate::gui::mode::Mode;
use crate::gui::state::Workbench;
use crate::runner::FinishReason;
use crate::space::Params;
use crate::stepper::{self, StepCommand, StepEvent, StepHandle};
use crate::strategy::{Explanation, StrategySpec, Suggestion};
use std::time::{Duration, Instant};

/// What step mode was asked to do when it was off: it is done once step mode is on (after
/// the objective's build and the study's journal, which step mode may wait for).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepThen {
    /// Only start: propose the next point.
    Propose,
    /// Evaluate the proposed point.
    Once,
    /// Keep stepping.
    Play,
}

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

/// Step mode's side of the window that outlasts a stepper: play speed, what the tab says
/// about how step mode stands, and the why-views' pictures. The stepper itself, with its
/// proposal, is [`Mode::Stepping`].
pub struct StepMode {
    /// Bumped with every proposal, so the why-views know when to redraw.
    pub sequence: u64,
    /// Play speed, trials per second.
    pub rate: f64,
    /// Why the last step mode ended.
    pub finished: Option<FinishReason>,
    /// One line about what step mode is doing.
    pub status: String,
    /// Why step mode failed, shown in red until step mode starts again.
    pub failure: Option<String>,
    /// The why-views' cached pictures.
    pub why: WhyView,
}

impl Default for StepMode {
    fn default() -> Self {
        StepMode {
            sequence: 0,
            rate: DEFAULT_RATE,
            finished: None,
            status: String::new(),
            failure: None,
            why: WhyView::default(),
        }
    }
}

impl StepMode {
    /// The pause between trials at the current play speed.
    pub fn interval(&self) -> Duration {
        let rate = self.rate.clamp(*RATES.start(), *RATES.end());
        Duration::from_secs_f64(1.0 / rate)
    }

    /// Say why step mode ended.
    fn ended(&mut self, reason: FinishReason) {
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

/// A stepper working on the study: its handle, the pending proposal, and what has been
/// asked of it and not yet done.
pub struct Stepper {
    pub(crate) handle: StepHandle,
    /// The strategy settings last sent to the stepper.
    sent: StrategySpec,
    /// The pending point, once proposed.
    proposal: Option<Proposal>,
    /// The trial being evaluated, between its start and its result.
    evaluating: Option<usize>,
    /// Steps asked for whose trials have not finished yet.
    steps_pending: usize,
    /// Trials step on their own at [`StepMode::rate`].
    playing: bool,
    /// `Stop` was sent; the stepper has not said it finished yet.
    stopping: bool,
    /// `Pause` was sent; the stepper has not acknowledged it yet (a played trial may still
    /// be on its way).
    pausing: bool,
}

impl Stepper {
    /// The pending point, once proposed.
    pub fn proposal(&self) -> Option<&Proposal> {
        self.proposal.as_ref()
    }

    /// The trial being evaluated, between its start and its result.
    pub fn evaluating(&self) -> Option<usize> {
        self.evaluating
    }

    /// Whether trials step on their own.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Whether the shown proposal was made with the settings last sent (a retune is not
    /// still on its way).
    pub fn proposal_is_current(&self) -> bool {
        self.proposal.as_ref().is_some_and(|p| p.spec == self.sent)
    }

    /// Whether everything asked of the stepper has been done: no step outstanding, not
    /// playing, not stopping, and the proposal current.
    pub fn is_settled(&self) -> bool {
        self.steps_pending == 0
            && !self.playing
            && !self.stopping
            && !self.pausing
            && self.proposal_is_current()
    }
}

impl Workbench {
    /// The stepper, while step mode is on.
    pub fn stepper(&self) -> Option<&Stepper> {
        match &self.mode {
            Mode::Stepping(stepper) => Some(stepper),
            _ => None,
        }
    }

    /// Whether a stepper is working on the study (the study is locked and Run disabled).
    pub fn is_stepping(&self) -> bool {
        matches!(self.mode, Mode::Stepping(_))
    }

    /// The point the next step evaluates, once proposed.
    pub fn step_proposal(&self) -> Option<&Proposal> {
        self.stepper().and_then(Stepper::proposal)
    }

    /// Whether step mode is playing.
    pub fn step_playing(&self) -> bool {
        self.stepper().is_some_and(Stepper::is_playing)
    }

    /// Whether everything asked of step mode has been done (see [`Stepper::is_settled`]), or
    /// step mode is off. Tests wait for this.
    pub fn step_settled(&self) -> bool {
        let starting = matches!(
            self.loading.starting,
            Some(crate::gui::loading::Starting::Step(..))
        ) || matches!(
            self.loading.waiting,
            Some(crate::gui::loading::Waiting::Step(_))
        );
        !starting && self.stepper().is_none_or(Stepper::is_settled)
    }

    /// Do what step mode was asked to do while it was off (see [`StepThen`]).
    pub fn step_then(&mut self, then: StepThen) {
        match then {
            StepThen::Propose => {
                self.step_start();
            }
            StepThen::Once => self.step_once(),
            StepThen::Play => self.step_play(),
        }
    }

    /// Send a command to the stepper; a stepper that is gone ends step mode as failed.
    fn step_send(&mut self, command: StepCommand) -> bool {
        let Mode::Stepping(stepper) = &self.mode else {
            return false;
        };
        if stepper.handle.commands.send(command).is_err() {
            self.step_stopped(FinishReason::StrategyFailed(
                "the stepper stopped unexpectedly".into(),
            ));
            return false;
        }
        true
    }

    /// The stepper, to change what step mode keeps about it.
    fn stepper_mut(&mut self) -> Option<&mut Stepper> {
        match &mut self.mode {
            Mode::Stepping(stepper) => Some(stepper),
            _ => None,
        }
    }

    /// Step mode is over: forget the stepper and say why.
    fn step_stopped(&mut self, reason: FinishReason) {
        if self.is_stepping() {
            self.mode = Mode::Idle;
        }
        self.step.ended(reason);
    }

    /// Start step mode on the study: the stepper replays the trials so far and proposes the
    /// next point, without evaluating it. Returns whether step mode is on (with a frame
    /// loop it may first wait for the objective's build and the study's journal).
    pub fn step_start(&mut self) -> bool {
        self.step_start_then(StepThen::Propose)
    }

    /// [`Workbench::step_start`], doing `then` once step mode is on if it has to wait.
    fn step_start_then(&mut self, then: StepThen) -> bool {
        if self.is_stepping() {
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
        let spec = self.study().objective.clone();
        if !self.consent_to(&spec, crate::gui::state::AfterConsent::Step) {
            self.step.status = tr("confirm the command before it runs").into();
            return false;
        }
        let spec = self.study().objective.clone();
        if crate::gui::panels::objective::pending_for(self, &spec) {
            self.loading.waiting = Some(crate::gui::loading::Waiting::Step(then));
            self.step.status =
                tr("loading the objective… step mode starts when it is ready").into();
            return false;
        }
        let objective = match crate::gui::panels::objective::objective_for_run(self) {
            Ok(o) => o,
            Err(e) => {
                self.step.status = fill(tr("cannot step: {}"), &[&e]);
                return false;
            }
        };
        // Every step's trial is on disk (the study's journal, as a run's) before the window
        // shows it; with a frame loop the journal is created on the journal thread.
        if self.has_waker() && self.recovery.writes_journal(self.files.path.as_deref()) {
            self.journal_then(crate::gui::loading::Starting::Step(objective, then));
            self.step.status = tr("opening the study's journal…").into();
            return false;
        }
        let session = self.files.path.clone();
        match self
            .recovery
            .storage_for(self.editor.study(), session.as_deref())
        {
            Ok(storage) => self.step_begin(objective, storage),
            Err(e) => {
                self.step.status = fill(tr("cannot step: {}"), &[&e]);
                false
            }
        }
    }

    /// Start the stepper on `objective`, its trials written to `storage` (the study's
    /// journal) before the window hears of them. Returns whether step mode is on.
    pub(crate) fn step_begin(
        &mut self,
        objective: std::sync::Arc<dyn crate::objective::Objective>,
        storage: Option<crate::storage::journal::JournalStorage>,
    ) -> bool {
        let waker = self.waker();
        let wake = |w: Option<crate::gui::jobs::Waker>| {
            w.map(|w| {
                let b: Box<dyn Fn() + Send> = Box::new(move || w());
                b
            })
        };
        let started = match storage {
            // The journal's thread wakes the window, after each event is on disk.
            Some(storage) => stepper::start(self.study().clone(), objective, None)
                .map_err(|e| e.to_string())
                .and_then(|h| super::journal::journaled(h, Box::new(storage), waker)),
            None => stepper::start(self.study().clone(), objective, wake(waker))
                .map_err(|e| e.to_string()),
        };
        match started {
            Ok(handle) => {
                self.editor.apply(LiveEvent::Ended);
                self.mode = Mode::Stepping(Box::new(Stepper {
                    handle,
                    sent: self.study().strategy.clone(),
                    proposal: None,
                    evaluating: None,
                    steps_pending: 0,
                    playing: false,
                    stopping: false,
                    pausing: false,
                }));
                self.step.finished = None;
                self.step.failure = None;
                self.step.status = "proposing…".into();
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
        if !self.step_start_then(StepThen::Once) {
            return;
        }
        if self.step_send(StepCommand::Step)
            && let Some(s) = self.stepper_mut()
        {
            s.steps_pending += 1;
            self.step.status = "stepping…".into();
        }
    }

    /// Keep stepping at the chosen speed (starting step mode first if it is off).
    pub fn step_play(&mut self) {
        if !self.step_start_then(StepThen::Play) {
            return;
        }
        let interval = self.step.interval();
        if self.step_send(StepCommand::Play { interval })
            && let Some(s) = self.stepper_mut()
        {
            s.playing = true;
            self.step.status = "playing".into();
        }
    }

    /// Stop playing; the proposal stays pending.
    pub fn step_pause(&mut self) {
        if self.step_send(StepCommand::Pause)
            && let Some(s) = self.stepper_mut()
        {
            s.playing = false;
            s.pausing = true;
            self.step.status = "paused".into();
        }
    }

    /// Change the play speed (trials per second); a playing stepper takes it at once.
    pub fn step_set_rate(&mut self, rate: f64) {
        self.step.rate = rate.clamp(*RATES.start(), *RATES.end());
        if self.step_playing() {
            let interval = self.step.interval();
            self.step_send(StepCommand::Play { interval });
        }
    }

    /// End step mode after the trial being evaluated, if any; the trials stay.
    pub fn step_stop(&mut self) {
        if self.step_send(StepCommand::Stop)
            && let Some(s) = self.stepper_mut()
        {
            s.playing = false;
            s.stopping = true;
            self.step.status = "stopping…".into();
        }
    }

    /// Use new strategy settings (the Step tab's acquisition and its κ or ξ); a stepper
    /// hears of them at once and proposes again.
    pub fn step_set_strategy(&mut self, strategy: StrategySpec) {
        self.editor.set_strategy(strategy);
        self.step_retune();
    }

    /// If the study's strategy settings changed since the stepper last heard of them, send
    /// them: the stepper rebuilds the strategy, replays the trials and proposes again.
    pub fn step_retune(&mut self) {
        let Some(stepper) = self.stepper() else {
            return;
        };
        if stepper.sent == self.study().strategy {
            return;
        }
        self.editor.validate_strategy();
        if self.editor.strategy_error().is_some() {
            return;
        }
        let spec = self.study().strategy.clone();
        if self.step_send(StepCommand::Retune(spec.clone()))
            && let Some(s) = self.stepper_mut()
        {
            s.sent = spec;
            self.step.status = "re-proposing with the new settings…".into();
        }
    }

    /// Apply the stepper's events, spending at most `budget` time; returns how many were
    /// applied. A stepper that vanished without saying it finished is shown as a failure.
    pub fn drain_step(&mut self, budget: Duration) -> usize {
        self.step_retune();
        let Some(events) = self.stepper().map(|s| s.handle.events.clone()) else {
            return 0;
        };
        crate::gui::state::drain_channel(&events, budget, |event| {
            self.apply_step(event);
            self.is_stepping()
        })
    }

    /// Block until step mode has done everything asked of it (see
    /// [`Workbench::step_settled`]) or `timeout` passes, applying events as they come: for
    /// tests and screenshots, which have no frame loop to wait in. Returns whether it settled.
    pub fn step_settle(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        if matches!(
            self.loading.starting,
            Some(crate::gui::loading::Starting::Step(..))
        ) {
            self.wait_started(timeout);
        }
        loop {
            self.drain_step(Duration::from_millis(50));
            if self.step_settled() {
                return true;
            }
            let Some(stepper) = self.stepper() else {
                // Off, or still waiting for its objective (only frames collect that).
                return self.step_settled();
            };
            let event = match stepper.handle.events.recv_deadline(deadline) {
                Ok(event) => Some(event),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => return false,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
            };
            self.apply_step(event);
        }
    }

    /// Apply one stepper event; `None` means the channel closed.
    fn apply_step(&mut self, event: Option<StepEvent>) {
        let Mode::Stepping(stepper) = &mut self.mode else {
            return;
        };
        match event {
            Some(StepEvent::Proposed {
                number,
                suggestion,
                explanation,
                spec,
            }) => {
                let params = self.editor.study().space.from_unit(&suggestion.point);
                stepper.proposal = Some(Proposal {
                    number,
                    suggestion,
                    params,
                    explanation,
                    spec,
                });
                self.step.sequence = self.step.sequence.wrapping_add(1);
                if stepper.steps_pending == 0 && !stepper.playing {
                    self.step.status = fill(tr("trial {} proposed"), &[&number]);
                }
            }
            Some(StepEvent::TrialStarted(trial)) => {
                stepper.evaluating = Some(trial.number);
                stepper.proposal = None;
                self.editor.apply(LiveEvent::TrialStarted(trial));
            }
            Some(StepEvent::TrialFinished(trial)) => {
                stepper.evaluating = None;
                stepper.steps_pending = stepper.steps_pending.saturating_sub(1);
                self.editor.apply(LiveEvent::TrialFinished(trial));
            }
            Some(StepEvent::Paused) => stepper.pausing = false,
            Some(StepEvent::RetuneRefused(why)) => {
                self.step.status = fill(tr("settings refused: {}"), &[&why]);
                // The stepper keeps its previous settings: so does the study, so the rest of
                // the app agrees with what the proposal was made with.
                if let Some(spec) = stepper.proposal.as_ref().map(|p| p.spec.clone()) {
                    stepper.sent = spec.clone();
                    self.editor.set_strategy(spec);
                }
            }
            Some(StepEvent::Finished(reason)) => {
                self.editor.apply(LiveEvent::Ended);
                self.step_stopped(reason);
            }
            None => {
                self.editor.apply(LiveEvent::Ended);
                self.step_stopped(FinishReason::StrategyFailed(
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
        assert!(bench.step_proposal().is_some());
        // Pretend the thread died: replace the handle's channels with closed ones.
        if let Mode::Stepping(stepper) = &mut bench.mode {
            stepper.handle.events = crossbeam_channel::unbounded().1;
        }
        bench.drain_step(Duration::from_millis(10));
        assert!(!bench.is_stepping());
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
        let before = bench.study().strategy.clone();
        // Step mode locks the study: Run is refused, and so is clearing the trials.
        assert!(bench.run_blocker().is_some());
        bench.run();
        assert!(!bench.is_running());
        bench.step_once();
        bench.step_once();
        assert!(bench.step_settle(Duration::from_secs(60)));
        assert_eq!(bench.study().trials.len(), 2);
        assert_eq!(bench.step_proposal().map(|p| p.number), Some(2));
        bench.clear_trials();
        assert_eq!(bench.study().trials.len(), 2);
        assert_eq!(bench.study().strategy, before);
        bench.step_stop();
        assert!(bench.step_settle(Duration::from_secs(60)));
        assert!(!bench.is_stepping());
        assert_eq!(bench.step.finished, Some(FinishReason::Stopped));
        assert!(bench.run_blocker().is_none());
    }
}
