//! The stepper: a study evaluated one trial per command, with each point shown (and explained)
//! before it is evaluated — the core of the GUI's step mode, free of any GUI.
//!
//! One background thread owns the strategy, the objective and a copy of the study, and works
//! in two phases per trial: it *proposes* (asks the strategy, sends [`StepEvent::Proposed`]
//! with the strategy's [`Explanation`]) and then waits for a command; on [`StepCommand::Step`]
//! it *evaluates* the proposed point, records the trial, tells the strategy, sends the trial,
//! and proposes the next.
//!
//! It follows the runner's schedule with a window of one and reuses the runner's pieces
//! (building the strategy, replaying stored trials, evaluating under `catch_unwind`, recording
//! results), so stepping a study gives exactly the trials `knobs run` gives with `window = 1`
//! and the same seed. A retune rebuilds the strategy with new settings and replays every trial
//! so far the way the runner teaches a resumed study, then proposes again: this is how a κ or
//! ξ change redraws the acquisition at once.

use crate::objective::Objective;
use crate::runner::{self, FinishReason, RunError, Schedule};
use crate::strategy::{Explanation, Strategy, StrategyError, StrategySpec, Suggestion};
use crate::study::{Study, Trial};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the stepper can be asked to do.
#[derive(Clone, Debug, PartialEq)]
pub enum StepCommand {
    /// Evaluate the proposed point, then propose the next.
    Step,
    /// Keep stepping, waiting `interval` between trials, until `Pause` or `Stop`.
    Play {
        /// Pause between the end of one trial and the start of the next.
        interval: Duration,
    },
    /// Stop playing; the proposal stays pending.
    Pause,
    /// Rebuild the strategy with these settings, teach it every trial so far and propose the
    /// pending point again.
    Retune(StrategySpec),
    /// End step mode; the trials so far stay in the study.
    Stop,
}

/// What the stepper reports, in the order it happens.
#[derive(Clone, Debug)]
pub enum StepEvent {
    /// The point trial `number` will evaluate on the next `Step`, and why it was chosen.
    Proposed {
        /// The trial it will become.
        number: usize,
        /// The point, in the unit cube of the free parameters.
        suggestion: Suggestion,
        /// The strategy's reasons; `None` when the strategy gives none.
        explanation: Option<Explanation>,
        /// The strategy settings it was proposed with, so a listener knows whether a retune
        /// has been applied yet.
        spec: StrategySpec,
    },
    /// Trial evaluation began; the trial is in the study as `Running`.
    TrialStarted(Trial),
    /// A trial completed or failed and the strategy has been told.
    TrialFinished(Trial),
    /// A `Pause` was handled: every trial played before it has been sent, and no more start
    /// until the next command.
    Paused,
    /// A retune could not be applied (settings the strategy rejects); the previous strategy
    /// and its proposal stay.
    RetuneRefused(String),
    /// Step mode is over; no event follows.
    Finished(FinishReason),
}

/// A stepping study: steer it with `commands`, listen on `events`, collect the study with
/// `join`. Dropping the command sender ends the thread.
pub struct StepHandle {
    /// Every event; disconnected once the stepper is over (or if it died).
    pub events: Receiver<StepEvent>,
    /// Step, play, pause, retune and stop.
    pub commands: Sender<StepCommand>,
    thread: JoinHandle<Study>,
}

impl StepHandle {
    /// Wait for the stepper to end (send `Stop` first) and return the study with its trials.
    pub fn join(self) -> Result<Study, String> {
        self.thread
            .join()
            .map_err(|p| format!("the stepper died: {}", runner::panic_message(&p)))
    }
}

/// Start stepping `study` (replaying any trials it has) and propose its next point at once.
/// `wake` is called after each event, so a GUI can repaint.
pub fn start(
    study: Study,
    objective: Arc<dyn Objective>,
    wake: Option<Box<dyn Fn() + Send>>,
) -> Result<StepHandle, RunError> {
    study.validate()?;
    let strategy = runner::build_strategy(&study.strategy, &study)?;
    let (event_tx, events) = unbounded();
    let (commands, command_rx) = unbounded();
    let thread = std::thread::Builder::new()
        .name("knobs-stepper".into())
        .spawn(move || {
            let spec = study.strategy.clone();
            let mut stepper = Stepper {
                study,
                strategy,
                spec,
                schedule: Schedule::new(1, 0, 0),
                pending: None,
                events: event_tx,
                wake,
            };
            // A panic inside a strategy is a bug, but it ends step mode with a message rather
            // than a silent disconnection.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                stepper.run(objective.as_ref(), &command_rx)
            }));
            let reason = outcome.unwrap_or_else(|p| {
                FinishReason::StrategyFailed(format!(
                    "the strategy panicked: {}",
                    runner::panic_message(&p)
                ))
            });
            // A trial still marked running is a stored hole never reached: kept, so a later
            // resume asks it again.
            stepper.study.strategy_state =
                runner::restore::saved_state(&stepper.schedule, &stepper.study, 1);
            stepper.emit(StepEvent::Finished(reason));
            stepper.study
        })
        .map_err(|e| RunError::Strategy {
            name: "stepper",
            source: crate::strategy::StrategyError::Unsupported(format!(
                "cannot start the stepper thread: {e}"
            )),
        })?;
    Ok(StepHandle {
        events,
        commands,
        thread,
    })
}

/// Owns the strategy and the study while step mode lasts.
struct Stepper {
    study: Study,
    strategy: Box<dyn Strategy>,
    /// The settings `strategy` was built with.
    spec: StrategySpec,
    schedule: Schedule,
    /// The proposed point, waiting for `Step`.
    pending: Option<(usize, Suggestion)>,
    events: Sender<StepEvent>,
    wake: Option<Box<dyn Fn() + Send>>,
}

impl Stepper {
    fn emit(&self, event: StepEvent) {
        // A listener that went away is not an error: the thread ends when the commands do.
        let _ = self.events.send(event);
        if let Some(wake) = &self.wake {
            wake();
        }
    }

    /// Bring the current strategy up to the study's trials on a window-one schedule, as the
    /// runner does when it resumes a study: from the study's saved state where it fits, else
    /// by replaying them.
    fn teach(&mut self) -> Result<(), StrategyError> {
        self.schedule = Schedule::for_study(1, &self.study);
        self.pending = None;
        runner::replay(self.strategy.as_mut(), &self.study, &mut self.schedule, 1).map(|_| ())
    }

    /// Ask for the next point and send it with its explanation; or say why there is none.
    fn propose(&mut self) -> Option<FinishReason> {
        let s = &mut self.schedule;
        if s.queue.is_empty() {
            runner::ask_ahead(self.strategy.as_mut(), s, None);
        }
        if let Some(FinishReason::StrategyFailed(_)) = &s.stop_asking {
            return s.stop_asking.take();
        }
        match s.queue.pop_front() {
            Some((number, suggestion)) => {
                // The window is one, so this point came from the last ask: the explanation
                // is the strategy's reasons for it.
                let explanation = self.strategy.explain();
                self.pending = Some((number, suggestion.clone()));
                self.emit(StepEvent::Proposed {
                    number,
                    suggestion,
                    explanation,
                    spec: self.spec.clone(),
                });
                None
            }
            None if s.told >= s.budget || s.resource_spent() => Some(FinishReason::BudgetSpent),
            None => Some(
                s.stop_asking
                    .take()
                    .unwrap_or(FinishReason::StrategyFailed("no point proposed".into())),
            ),
        }
    }

    /// Evaluate the pending point, record it, tell the strategy (and any stored trials
    /// that waited for it) and send the trial.
    fn evaluate(&mut self, objective: &dyn Objective) -> Result<(), StrategyError> {
        let Some((number, suggestion)) = self.pending.take() else {
            return Ok(());
        };
        let (trial, mut job) = runner::running_trial(&self.study.space, number, suggestion);
        // The window is one: every earlier trial was told before this one was asked, and
        // the pruner sees them all, as a run with a window of one.
        let mut live = runner::Live::quiet(&self.study.name);
        if self.study.pruner.is_active() {
            let told = self.schedule.told;
            job.history = Some(std::sync::Arc::new(crate::pruner::History::of(
                &self.study,
                told,
            )));
            live.pruner = Some(std::sync::Arc::new(self.study.pruner.clone()));
        }
        self.study.record(trial.clone());
        self.emit(StepEvent::TrialStarted(trial));
        let done = runner::evaluate(objective, &job, &live);
        if let Some(trial) = runner::record_result(&mut self.study, &done) {
            self.emit(StepEvent::TrialFinished(trial));
        }
        runner::tell(self.strategy.as_mut(), &self.study, number, None)?;
        self.schedule.count_told(&self.study, number);
        runner::tell_stored(self.strategy.as_mut(), &self.study, &mut self.schedule)
    }

    /// Rebuild the strategy with `spec`, teach it the trials so far and propose again.
    fn retune(&mut self, spec: StrategySpec) -> Option<FinishReason> {
        match runner::build_strategy(&spec, &self.study) {
            Ok(strategy) => {
                self.strategy = strategy;
                self.spec = spec.clone();
                self.study.strategy = spec;
                if let Err(e) = self.teach() {
                    return Some(FinishReason::StrategyFailed(e.to_string()));
                }
                self.propose()
            }
            Err(e) => {
                self.emit(StepEvent::RetuneRefused(e.to_string()));
                None
            }
        }
    }

    fn run(&mut self, objective: &dyn Objective, commands: &Receiver<StepCommand>) -> FinishReason {
        if let Err(e) = self.teach() {
            return FinishReason::StrategyFailed(e.to_string());
        }
        if let Some(reason) = self.propose() {
            return reason;
        }
        let mut playing: Option<Duration> = None;
        // When playing, the next trial starts at this instant unless a command comes first.
        let mut due = Instant::now();
        // Commands taken off the channel early (while coalescing retunes), in order.
        let mut backlog: VecDeque<StepCommand> = VecDeque::new();
        loop {
            let command = match backlog.pop_front() {
                Some(c) => Some(c),
                None if playing.is_some() => match commands.recv_deadline(due) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return FinishReason::Stopped,
                },
                None => match commands.recv() {
                    Ok(c) => Some(c),
                    Err(_) => return FinishReason::Stopped,
                },
            };
            let over = match command {
                // The play clock ran out, or a step was asked for.
                None | Some(StepCommand::Step) => {
                    let over = self.step_once(objective);
                    if let Some(interval) = playing {
                        due = Instant::now() + interval;
                    }
                    over
                }
                Some(StepCommand::Play { interval }) => {
                    // Starting to play steps at once; a new speed applies from now.
                    due = match playing {
                        Some(_) => Instant::now() + interval,
                        None => Instant::now(),
                    };
                    playing = Some(interval);
                    None
                }
                Some(StepCommand::Pause) => {
                    playing = None;
                    self.emit(StepEvent::Paused);
                    None
                }
                Some(StepCommand::Retune(mut spec)) => {
                    // Only the latest of a burst of retunes (a dragged slider) is worth the
                    // replay; later commands keep their order.
                    backlog.extend(commands.try_iter());
                    while let Some(StepCommand::Retune(_)) = backlog.front() {
                        if let Some(StepCommand::Retune(s)) = backlog.pop_front() {
                            spec = s;
                        }
                    }
                    self.retune(spec)
                }
                Some(StepCommand::Stop) => Some(FinishReason::Stopped),
            };
            if let Some(reason) = over {
                return reason;
            }
        }
    }

    /// Evaluate the pending point and propose the next; `Some` when step mode is over.
    fn step_once(&mut self, objective: &dyn Objective) -> Option<FinishReason> {
        if let Err(e) = self.evaluate(objective) {
            return Some(FinishReason::StrategyFailed(e.to_string()));
        }
        self.propose()
    }
}
