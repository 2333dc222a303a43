//! Shared studies: one coordinator and any number of worker processes meeting in a storage.
//!
//! The coordinator owns the strategy. It asks points on the runner's deterministic schedule
//! and writes each as a *waiting* trial ([`TrialQueue::enqueue`]); workers, on this host or
//! others, [`claim`](TrialQueue::claim) waiting trials (one claimant wins, atomically),
//! evaluate them with the study's own objective, [`report`](TrialQueue::report) intermediate
//! values, beat their [`heartbeat`](TrialQueue::heartbeat) and [`finish`](TrialQueue::finish)
//! them. The coordinator [`polls`](TrialQueue::poll) finished trials and tells them to the
//! strategy in trial order, exactly as the in-process runner does, so a study run by one
//! process or by eight workers on three hosts has the same trials for the same seed.
//!
//! Numbers: a Knobs trial number is fixed when the coordinator asks it. A trial whose worker
//! stopped beating ([`fail_stale`](TrialQueue::fail_stale)) is failed in the storage and its
//! point is enqueued again under the same Knobs number as a new storage trial (the journal's
//! rule for an interrupted trial: a reader keeps the latest attempt of each number).
//!
//! Every backend keeps the guarantees of [`super::Storage`]: an operation has returned only
//! once it is durable, and an error leaves what was written before intact.

use super::StorageError;
use crate::study::Trial;
use std::time::Duration;

/// Who a worker is, as the Workers view and the storage's heartbeat rows show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkerId {
    /// The machine's host name.
    pub host: String,
    /// The worker's process id on that host.
    pub pid: u32,
    /// Unique per process start (host, pid and start time), so a reused pid is a new worker.
    pub token: String,
}

/// A waiting trial a worker has won: what it must evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    /// The trial as enqueued (number, params, point, label), now `Running`.
    pub trial: Trial,
    /// How many trials the coordinator had told when it asked this one: the pruner compares
    /// the trial only with trials `0..told_before` (the runner's determinism rule), which the
    /// worker reads from the storage.
    pub told_before: usize,
    /// Whether the strategy asked for the objective's gradient with the value.
    pub want_gradient: bool,
    /// The storage's own id for this attempt (Optuna's `trial_id`), for `report`, `heartbeat`
    /// and `finish`.
    pub attempt: u64,
}

/// One change to a shared study, as [`TrialQueue::poll`] reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// A worker claimed the trial (now `Running`).
    Claimed {
        /// The trial.
        trial: Trial,
        /// Who runs it.
        worker: WorkerId,
    },
    /// A running trial reported an intermediate value.
    Progress {
        /// The Knobs trial number.
        number: usize,
        /// The step.
        step: u64,
        /// The value at that step.
        value: f64,
    },
    /// A trial completed, was pruned or failed.
    Finished(Trial),
}

/// What the Workers view shows for each worker.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerStatus {
    /// The worker.
    pub worker: WorkerId,
    /// The Knobs trial number it is running, if any.
    pub running: Option<usize>,
    /// Seconds since the Unix epoch of its last heartbeat.
    pub last_heartbeat: f64,
    /// Trials it finished (complete or pruned).
    pub done: usize,
    /// Trials it failed.
    pub failed: usize,
}

/// The operations a coordinator and its workers need from a shared storage (journal file,
/// SQLite, PostgreSQL). Each call is one atomic, durable step; see the module docs.
pub trait TrialQueue: Send {
    /// Become the study's one coordinator, or fail with [`StorageError::Locked`] while another
    /// live coordinator holds it (two coordinators would ask the same numbers twice). A new
    /// coordinator asks again every trial that is not finished, so the waiting and running
    /// attempts an earlier coordinator left are failed here, as interrupted (a worker's late
    /// result for one is dropped).
    fn lock_coordinator(&mut self, me: &WorkerId) -> Result<(), StorageError>;

    /// Write `trial` (state `Running` in memory, its params and point set) as a *waiting*
    /// trial under its Knobs number, with `told_before` for the pruner and whether the
    /// strategy wants the objective's gradient.
    fn enqueue(
        &mut self,
        trial: &Trial,
        told_before: usize,
        want_gradient: bool,
    ) -> Result<(), StorageError>;

    /// [`TrialQueue::enqueue`] of several trials, in order, as one write where the storage
    /// can (the SQL storages: one transaction, so a coordinator refilling its window pays one
    /// durable write, not one per trial). Written wholly or, on an error, not at all there.
    fn enqueue_many(&mut self, trials: &[(Trial, usize, bool)]) -> Result<(), StorageError> {
        for (trial, told_before, want_gradient) in trials {
            self.enqueue(trial, *told_before, *want_gradient)?;
        }
        Ok(())
    }

    /// Take the lowest-numbered waiting trial for `me`, atomically: when two workers claim at
    /// once, exactly one gets each trial. `None` when nothing waits.
    fn claim(&mut self, me: &WorkerId) -> Result<Option<Claimed>, StorageError>;

    /// [`TrialQueue::finish`] each of `done` (attempt and trial), then [`TrialQueue::claim`] up
    /// to `want` waiting trials for `me`, lowest numbers first: a worker's loop, as one
    /// transaction where the storage can (SQLite, PostgreSQL: one durable write instead of
    /// one per trial and per claim). Each claim keeps its guarantees.
    fn finish_and_claim(
        &mut self,
        done: &[(u64, Trial)],
        me: &WorkerId,
        want: usize,
    ) -> Result<Vec<Claimed>, StorageError> {
        for (attempt, trial) in done {
            self.finish(*attempt, trial)?;
        }
        let mut claimed = Vec::new();
        while claimed.len() < want {
            match self.claim(me)? {
                Some(c) => claimed.push(c),
                None => break,
            }
        }
        Ok(claimed)
    }

    /// Wait up to `timeout` for the coordinator to write new waiting trials, where the storage
    /// can tell (PostgreSQL: `LISTEN`/`NOTIFY`), so an idle worker neither asks the database
    /// again and again nor sleeps past new work. `Ok(false)` at once when it cannot: the
    /// caller sleeps its own idle wait instead. Returning says nothing about what waits: the
    /// caller claims again.
    fn wait_for_work(&mut self, timeout: Duration) -> Result<bool, StorageError> {
        let _ = timeout;
        Ok(false)
    }

    /// Record that `me` is alive and still running `attempt`.
    fn heartbeat(&mut self, me: &WorkerId, attempt: u64) -> Result<(), StorageError>;

    /// Record an intermediate value of a running attempt.
    fn report(&mut self, attempt: u64, step: u64, value: f64) -> Result<(), StorageError>;

    /// Record the end of an attempt (complete, pruned or failed, with everything the trial
    /// carries). An attempt already failed as stale is not changed (the worker's late result
    /// is dropped: its point was enqueued again).
    fn finish(&mut self, attempt: u64, trial: &Trial) -> Result<(), StorageError>;

    /// Fail every running attempt whose last heartbeat is older than `timeout`, and enqueue
    /// its point again under the same Knobs number. Returns the Knobs numbers re-enqueued.
    fn fail_stale(&mut self, timeout: Duration) -> Result<Vec<usize>, StorageError>;

    /// What happened since the previous call, in the order it was written: claims, reports
    /// and finished trials (each finished once, the latest attempt of a number), for the
    /// coordinator to stream as runner events and tell in order.
    fn poll(&mut self) -> Result<Vec<Update>, StorageError>;

    /// Every worker seen on the study and what it is doing.
    fn workers(&mut self) -> Result<Vec<WorkerStatus>, StorageError>;

    /// The study as the storage holds it now (definition and the latest attempt of each
    /// number): what a worker builds its objective from, and the trials `0..told_before` its
    /// pruner compares a claimed trial with.
    fn read_study(&mut self) -> Result<super::Recovered, StorageError>;

    /// Whether the study's coordinator has recorded the end of its run and no trial waits:
    /// a worker with nothing to claim then exits.
    fn is_finished(&mut self) -> Result<bool, StorageError>;
}

impl WorkerId {
    /// This process: the machine's host name, its pid, and a token unique to this start.
    pub fn this_process() -> WorkerId {
        let pid = std::process::id();
        let host = host_name();
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let salt: u32 = rand::random();
        WorkerId {
            token: format!("{host}-{pid}-{started:x}-{salt:08x}"),
            host,
            pid,
        }
    }
}

/// The machine's host name ("localhost" when the system does not say).
#[cfg(unix)]
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    match (r, std::str::from_utf8(&buf[..end])) {
        (0, Ok(name)) if !name.is_empty() => name.to_owned(),
        _ => "localhost".to_owned(),
    }
}

/// Elsewhere the environment's computer name, else "localhost".
#[cfg(not(unix))]
fn host_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "localhost".to_owned())
}
