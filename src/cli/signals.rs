//! SIGINT and SIGTERM during `knobs run`: the first stops the run after its running trials
//! (the session is saved and the summary printed, exit 130 or 143); a second one ends the
//! process at once (the journal already holds every finished trial).

use crate::runner::Command;
use crossbeam_channel::Sender;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

/// Signals caught for one run; the handlers are removed when it is dropped.
pub(super) struct StopOnSignal {
    caught: Arc<AtomicI32>,
    #[cfg(unix)]
    signals: Option<signal_hook::iterator::Signals>,
    #[cfg(unix)]
    handle: Option<signal_hook::iterator::Handle>,
}

impl StopOnSignal {
    /// Catch SIGINT and SIGTERM from now on (before the run starts, so none is missed).
    pub(super) fn new() -> Result<Self, String> {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
                .map_err(|e| format!("cannot catch SIGINT/SIGTERM: {e}"))?;
            Ok(StopOnSignal {
                caught: Arc::new(AtomicI32::new(0)),
                handle: Some(signals.handle()),
                signals: Some(signals),
            })
        }
        #[cfg(not(unix))]
        Ok(StopOnSignal {
            caught: Arc::new(AtomicI32::new(0)),
        })
    }

    /// Send `Stop` on `commands` when the first signal arrives.
    pub(super) fn watch(&mut self, commands: Sender<Command>) {
        #[cfg(unix)]
        if let Some(mut signals) = self.signals.take() {
            let caught = Arc::clone(&self.caught);
            let spawned = std::thread::Builder::new()
                .name("knobs-signals".into())
                .spawn(move || {
                    for signal in signals.forever() {
                        if caught.swap(signal, Ordering::SeqCst) != 0 {
                            // No command's process group outlives knobs.
                            crate::objective::terminate_all(std::time::Duration::from_secs_f64(
                                crate::objective::GRACE_SECONDS,
                            ));
                            std::process::exit(128 + signal);
                        }
                        let name = if signal == signal_hook::consts::SIGINT {
                            "SIGINT"
                        } else {
                            "SIGTERM"
                        };
                        eprintln!(
                            "knobs: {name}: stopping after the running trials (send it again to quit at once)"
                        );
                        let _ = commands.send(Command::Stop);
                    }
                });
            if let Err(e) = spawned {
                eprintln!("knobs: cannot watch for SIGINT/SIGTERM: {e}");
            }
        }
        #[cfg(not(unix))]
        let _ = commands;
    }

    /// The exit code a caught signal asks for (128 + its number), if one was caught.
    pub(super) fn exit_code(&self) -> Option<i32> {
        match self.caught.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(128 + signal),
        }
    }
}

impl Drop for StopOnSignal {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(handle) = &self.handle {
            handle.close();
        }
    }
}
