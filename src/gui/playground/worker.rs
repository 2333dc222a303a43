//! The playground's background thread: fits and grids take far longer than a frame, so
//! requests go to this thread and the tab draws the latest answer. Requests that pile up
//! while it computes are coalesced (only the newest matters), as in [`crate::gui::views`].

use super::compute::{PlayRequest, PlayResult, compute};
use crate::gui::views::Waker;
use crossbeam_channel::{Receiver, Sender, TryRecvError, unbounded};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// What the thread sends back: a result, or why the computation failed.
pub type Answer = Result<PlayResult, (u64, String)>;

/// A handle on the thread.
pub struct PlayWorker {
    requests: Sender<PlayRequest>,
    answers: Receiver<Answer>,
}

impl PlayWorker {
    /// Start the thread; `wake` is called after every answer.
    pub fn spawn(wake: Option<Waker>) -> Result<Self, String> {
        let (requests, rx) = unbounded::<PlayRequest>();
        let (tx, answers) = unbounded::<Answer>();
        std::thread::Builder::new()
            .name("knobs-playground".into())
            .spawn(move || {
                while let Ok(mut req) = rx.recv() {
                    while let Ok(newer) = rx.try_recv() {
                        req = newer;
                    }
                    let answer = catch_unwind(AssertUnwindSafe(|| compute(&req)))
                        .map_err(|_| (req.revision, "the GP computation panicked".to_owned()));
                    if tx.send(answer).is_err() {
                        break;
                    }
                    if let Some(w) = &wake {
                        w();
                    }
                }
            })
            .map_err(|e| format!("cannot start the playground thread: {e}"))?;
        Ok(PlayWorker { requests, answers })
    }

    /// Ask for a computation; false if the thread is gone.
    pub fn request(&self, req: PlayRequest) -> bool {
        self.requests.send(req).is_ok()
    }

    /// The newest answer, if any arrived; `Err` when the thread is gone.
    pub fn poll(&self) -> Result<Option<Answer>, String> {
        let mut latest = None;
        loop {
            match self.answers.try_recv() {
                Ok(a) => latest = Some(a),
                Err(TryRecvError::Empty) => return Ok(latest),
                Err(TryRecvError::Disconnected) => {
                    return latest
                        .map(Some)
                        .ok_or_else(|| "the playground thread stopped".to_owned());
                }
            }
        }
    }

    /// Wait up to `timeout` for an answer (tests).
    pub fn wait(&self, timeout: Duration) -> Option<Answer> {
        self.answers.recv_timeout(timeout).ok()
    }
}
