//! Step mode's trials on disk before the window shows them: the stepper's events pass
//! through a journal thread that appends each trial's start and result to the study's
//! journal (the same journal a run writes, so Recover finds step mode's trials as it finds a
//! run's) and syncs it, and only then hands the event on and wakes the window.
//!
//! Step mode evaluates at most a few trials a second, so each event is committed on its own
//! (no group commit is needed). If the journal cannot be written, step mode ends saying why
//! (the window drops the stepper, which stops after its trial) and no trial whose result is
//! not on disk is shown. The thread holds no command sender, so the stepper ends as soon as
//! the window lets it go.

use crate::gui::jobs::Waker;
use crate::runner::{Event, FinishReason};
use crate::stepper::{StepEvent, StepHandle};
use crate::storage::Storage;
use crossbeam_channel::{Receiver, Sender, unbounded};

/// Put `storage` between the stepper of `handle` and its listener: the returned handle's
/// events arrive once their trials are durable, and `wake` is called after each. The
/// stepper must have been started without a waker (this thread wakes the window instead).
pub fn journaled(
    mut handle: StepHandle,
    storage: Box<dyn Storage>,
    wake: Option<Waker>,
) -> Result<StepHandle, String> {
    let (tx, rx) = unbounded();
    let from_stepper = std::mem::replace(&mut handle.events, rx);
    std::thread::Builder::new()
        .name("knobs-step-journal".into())
        .spawn(move || relay(&from_stepper, &tx, storage, wake.as_deref()))
        .map_err(|e| format!("cannot start the step journal thread: {e}"))?;
    Ok(handle)
}

/// What the journal records of a step event: a trial's start or result, or the end.
fn record(event: &StepEvent) -> Option<Event> {
    match event {
        StepEvent::TrialStarted(t) => Some(Event::TrialStarted(t.clone())),
        StepEvent::TrialFinished(t) => Some(Event::TrialFinished(t.clone())),
        StepEvent::Finished(reason) => Some(Event::StudyFinished {
            reason: reason.clone(),
            strategy_seconds: 0.0,
            strategy_state: None,
        }),
        StepEvent::Proposed { .. } | StepEvent::Paused | StepEvent::RetuneRefused(_) => None,
    }
}

fn relay(
    events: &Receiver<StepEvent>,
    out: &Sender<StepEvent>,
    storage: Box<dyn Storage>,
    wake: Option<&(dyn Fn() + Send + Sync)>,
) {
    let mut storage = Some(storage);
    let mut failed = false;
    for event in events.iter() {
        let ends = matches!(event, StepEvent::Finished(_));
        let written = match (&mut storage, record(&event)) {
            (Some(s), Some(r)) => s.append(&r).and_then(|()| s.commit()),
            _ => Ok(()),
        };
        if ends {
            // Step mode is over: the journal is released before the window hears of it,
            // so a Recover or a run right after finds it free.
            storage = None;
        }
        let event = match written {
            Ok(()) if failed => continue,
            Ok(()) => event,
            // A trial whose result is not on disk is never shown: step mode ends here (the
            // window drops the stepper, which stops after the trial it is on), and nothing
            // more is handed on.
            Err(e) => {
                failed = true;
                storage = None;
                StepEvent::Finished(FinishReason::StrategyFailed(format!(
                    "the study's journal failed: {e}"
                )))
            }
        };
        if out.send(event).is_err() {
            break;
        }
        if let Some(wake) = wake {
            wake();
        }
    }
}
