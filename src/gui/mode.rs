//! What is working on the window's study: nothing, a run, step mode, a replay, or a watch
//! of a shared storage.
//!
//! Each mode owns what only it has — the run's handle and clock, the stepper's handle and
//! its pending proposal, the replay's full study — so a run without a handle, step mode
//! during a run or a replay that outlives its study cannot be written down. The race is not
//! a mode of the study: its runs work on copies of it (see [`crate::gui::race`]), so the
//! study stays free to edit, run or step while a race goes on. A watch is a mode too (see
//! [`crate::gui::watch`]): it owns the thread that streams another process's trials into the
//! study, so a run or step mode writing the same study during a watch cannot be written.

use crate::gui::replay::Replay;
use crate::gui::step::state::Stepper;
use crate::gui::watch::Watch;
use crate::runner::RunHandle;
use std::time::Instant;

/// What is working on the study.
pub enum Mode {
    /// Nothing: the study can be edited, run, stepped or replayed.
    Idle,
    /// A run on the worker threads (running or paused).
    Running(Run),
    /// Step mode: a stepper proposes one point at a time (boxed, as the replay: both hold a
    /// study's worth of state while the common modes are small).
    Stepping(Box<Stepper>),
    /// The window shows an earlier state of the study (boxed: it holds the whole study).
    Replaying(Box<Replay>),
    /// The study lives in a shared storage that other processes write; the window follows
    /// it and shows their trials as they land (boxed: it owns a thread and a channel).
    Watching(Box<Watch>),
}

/// A run in progress.
pub struct Run {
    /// The runner's commands and events.
    pub(crate) handle: RunHandle,
    /// When it started.
    pub started: Instant,
    /// Trials finished before it started (the time left counts only this run's pace).
    pub finished_at_start: usize,
    /// `Pause` was sent: running trials finish, no new ones start.
    pub paused: bool,
}

impl Run {
    /// A run that started just now, on a study with `finished` trials already done.
    pub fn new(handle: RunHandle, finished: usize) -> Self {
        Run {
            handle,
            started: Instant::now(),
            finished_at_start: finished,
            paused: false,
        }
    }
}
