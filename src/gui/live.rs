//! The one place where what runners and steppers report becomes trials in a study.
//!
//! The window's own run, step mode and every run of a race all hear trials start and finish
//! and then hear that the work is over. Each source's events are first read as a
//! [`LiveEvent`] (the study's part) and, for runners, a [`RunEnd`] (its owner's part), and
//! [`apply`] puts the study's part in place, so a trial table fed by a race and one fed by
//! step mode can never disagree about what "finished" means.

use crate::runner::{Event, FinishReason};
use crate::strategy::SavedState;
use crate::study::{Intermediate, Study, Trial};

/// What happened to a study's trials.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveEvent {
    /// A trial began; it is in the study as `Running` until it finishes.
    TrialStarted(Trial),
    /// A trial completed or failed.
    TrialFinished(Trial),
    /// A running trial reported an intermediate value (a live learning curve).
    Progress {
        /// The trial.
        number: usize,
        /// The value at this step.
        point: Intermediate,
    },
    /// The adaptive rule widened a range: the study takes the new space and the record of
    /// widenings (the definition the runner sent), and its trials' points move onto it.
    Widened(Box<Study>),
    /// The source is over (finished, stopped or vanished): trials still running never
    /// finish, so they are dropped, as a resumed run would drop them.
    Ended,
    /// A runner finished and left the strategy's state for the study's trials, kept with the
    /// study so that resuming it costs about one ask (see `runner::restore`); trials still
    /// running are dropped as at [`LiveEvent::Ended`].
    Finished(Option<Box<SavedState>>),
}

/// How a run ended, for whoever owns the runner.
#[derive(Clone, Debug, PartialEq)]
pub enum RunEnd {
    /// The runner said it is done, and why.
    Finished {
        /// Why it ended.
        reason: FinishReason,
        /// Seconds spent inside the strategy during this run.
        strategy_seconds: f64,
    },
    /// The channel closed without the runner saying it finished.
    Vanished,
}

/// Read one runner event (`None`: its channel closed) as the study's part and, once the run
/// is over, how it ended.
pub fn from_runner(event: Option<Event>) -> (LiveEvent, Option<RunEnd>) {
    match event {
        Some(Event::TrialStarted(trial)) => (LiveEvent::TrialStarted(trial), None),
        Some(Event::TrialFinished(trial)) => (LiveEvent::TrialFinished(trial), None),
        Some(Event::TrialProgress {
            number,
            step,
            value,
        }) => (
            LiveEvent::Progress {
                number,
                point: Intermediate { step, value },
            },
            None,
        ),
        Some(Event::RangeWidened { definition, .. }) => (LiveEvent::Widened(definition), None),
        Some(Event::StudyFinished {
            reason,
            strategy_seconds,
            strategy_state,
        }) => (
            LiveEvent::Finished(strategy_state),
            Some(RunEnd::Finished {
                reason,
                strategy_seconds,
            }),
        ),
        None => (LiveEvent::Ended, Some(RunEnd::Vanished)),
    }
}

/// Put `event` into `study`: a started trial is appended (sources start trials in number
/// order), a finished one replaces its running self, and the end drops what still runs.
pub fn apply(study: &mut Study, event: LiveEvent) {
    match event {
        LiveEvent::TrialStarted(trial) => study.trials.push(trial),
        LiveEvent::TrialFinished(trial) => study.record(trial),
        LiveEvent::Progress { number, point } => {
            if let Some(t) = study.trials.iter_mut().rev().find(|t| t.number == number) {
                t.intermediate.push(point);
            }
        }
        LiveEvent::Widened(definition) => {
            for t in &mut study.trials {
                if !t.params.is_empty() {
                    t.point = definition.space.to_unit(&t.params);
                }
            }
            study.space = definition.space;
            study.adaptive = definition.adaptive;
        }
        LiveEvent::Ended => study.discard_unfinished(),
        LiveEvent::Finished(state) => {
            study.discard_unfinished();
            study.strategy_state = state;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::TrialState;

    #[test]
    fn a_trial_runs_finishes_and_the_end_drops_what_still_runs() {
        let mut study = crate::study::default_study();
        let running = |n: usize| {
            let mut t = Trial::complete(n, Vec::new(), Vec::new(), 0.0);
            t.state = TrialState::Running;
            t.value = None;
            t
        };
        apply(&mut study, LiveEvent::TrialStarted(running(0)));
        apply(&mut study, LiveEvent::TrialStarted(running(1)));
        apply(
            &mut study,
            LiveEvent::TrialFinished(Trial::complete(0, Vec::new(), Vec::new(), 2.5)),
        );
        assert_eq!(study.trials.len(), 2);
        assert_eq!(study.trials[0].completed_value(), Some(2.5));
        let (event, end) = from_runner(None);
        assert_eq!(end, Some(RunEnd::Vanished));
        apply(&mut study, event);
        assert_eq!(study.trials.len(), 1);
    }
}
