//! Storages: where a study's trials become durable, and how a study is read back.
//!
//! A run writes through a [`Storage`]: the runner hands it every trial event (a trial's start,
//! its result, the end of the run) and reports the event to its listeners only once the
//! storage has made it durable ([`Storage::commit`] returned). A process killed at any moment
//! therefore loses no trial that was reported as finished, and a reader of the storage finds
//! every such trial with its exact value.
//!
//! Backends: [`journal`] (Optuna's JournalStorage file format, one JSON operation a line) and
//! [`rdb`] (Optuna's RDB schema on SQLite and PostgreSQL), chosen by a [`url::StorageUrl`].
//! The trait is the seam the SQL storages (Optuna's RDB schema on SQLite and PostgreSQL) and
//! remote workers grow from: they add claiming a waiting trial and a heartbeat, and keep the
//! guarantees documented here.
//!
//! **Group commit.** [`Durable`] runs the storage on its own thread: events that arrive while
//! a commit (an fsync) is under way are appended together and made durable by one commit, so
//! trials that end faster than the disk syncs do not wait for one sync each, and no event is
//! forwarded before the commit that covers it has returned.

pub mod catalog;
pub mod journal;
pub(crate) mod journal_queue;
pub mod lock;
pub mod queue;
pub mod rdb;
pub mod shared;
pub mod time;
pub mod url;

use crate::runner::Event;
use crate::study::Study;
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Why a storage could not be written or read. Messages name the file, and the line for
/// what is malformed inside it.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The file could not be created, read, written or synced.
    #[error("{path}: {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done ("cannot append", "cannot read", …).
        action: &'static str,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A line of the file is not what the format allows.
    #[error("{path}:{line}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file is well formed but holds something Knobs cannot use as asked (no study, a
    /// multi-objective study, several studies and no name given, …).
    #[error("{path}: {message}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What and why.
        message: String,
    },
    /// Another process holds the journal's writer lock or the SQL study's coordinator lock:
    /// two writers would interleave their trials and fail each other's running ones, and two
    /// coordinators would ask the same trial numbers twice.
    #[error("{}", locked_message(path, *holder, host.as_deref(), study.as_deref()))]
    Locked {
        /// The journal, or the SQL storage's location (a URL without its password).
        path: PathBuf,
        /// The holder's process id, as it recorded it.
        holder: Option<u32>,
        /// The holder's host, when it recorded one (an SQL coordinator does).
        host: Option<String>,
        /// The study the holder coordinates, for an SQL storage (which holds many studies);
        /// `None` for a journal, whose lock is on the whole file.
        study: Option<String>,
    },
    /// An SQL storage could not be reached, refused a statement, or holds another schema.
    #[error("{location}: {message}")]
    Database {
        /// The database, as a URL without its password.
        location: String,
        /// What went wrong, in the database's words where it gave some.
        message: String,
    },
    /// A value could not be encoded (a study definition serde refuses).
    #[error("cannot encode {what}: {message}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's reason.
        message: String,
    },
}

/// The text of [`StorageError::Locked`]: a journal's writer, or an SQL study's coordinator
/// named with its study and storage, so the user knows which process to wait for or stop.
fn locked_message(
    path: &std::path::Path,
    holder: Option<u32>,
    host: Option<&str>,
    study: Option<&str>,
) -> String {
    let who = match (holder, host) {
        (Some(pid), Some(host)) => format!("pid {pid} on {host}"),
        (Some(pid), None) => format!("pid {pid}"),
        (None, Some(host)) => format!("pid unknown, on {host}"),
        (None, None) => "pid unknown".to_owned(),
    };
    match study {
        None => format!(
            "{}: another Knobs process ({who}) is writing this journal; wait for it to end or \
             stop it, then try again",
            path.display()
        ),
        Some(name) => format!(
            "another Knobs process ({who}) is coordinating study `{name}` in {}; wait for it \
             to end or stop it, then try again",
            path.display()
        ),
    }
}

/// A study as read back from a storage: its definition, every trial, and what the storage
/// held that Knobs could not represent.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    /// The study with every trial the storage holds, in trial-number order. A trial whose
    /// writer stopped before its result (a crash, a kill) is `Failed("interrupted")`; a
    /// trial still `Running` may be running now in another process.
    pub study: Study,
    /// Numbers of the trials that were interrupted (failed as "interrupted" here, or marked
    /// so in the storage by an earlier recovery).
    pub interrupted: Vec<usize>,
    /// Whether the storage holds Knobs' study definition (objective, space, strategy, seed,
    /// budget). Without it (a study written by Optuna) the objective is unknown: the trials
    /// can be shown, not resumed.
    pub knobs_definition: bool,
    /// What the storage held that the study does not keep, one sentence each (intermediate
    /// values, user attributes, a float step, …).
    pub notes: Vec<String>,
    /// How the last run on the study ended, when it recorded its end.
    pub last_run: Option<String>,
}

impl Recovered {
    /// The study to resume: the unbroken run of finished trials from number 0, cut at the
    /// first trial that is running, interrupted or missing. Strategies are told results in
    /// trial order, so only such a prefix can be replayed; a resumed run asks the rest again
    /// (an interrupted trial's point is asked again, exactly, by an unchanged strategy).
    pub fn resumable(&self) -> Study {
        let mut study = self.study.clone();
        let cut = study.finished_prefix(|t| self.interrupted.contains(&t.number));
        study.trials.truncate(cut);
        study
    }

    /// Whether the study's last run recorded its end after every trial it started finished,
    /// so nothing in it awaits recovery.
    pub fn is_finished(&self) -> bool {
        self.last_run.is_some()
            && self
                .study
                .trials
                .iter()
                .all(|t| t.state != crate::study::TrialState::Running)
    }
}

/// Where a study's trials are made durable.
///
/// Guarantees every implementation keeps (the runner relies on them):
/// - [`append`](Storage::append) records one event in order; it may buffer, and need not be
///   durable when it returns;
/// - [`commit`](Storage::commit) returns only once every event appended before it is durable
///   (for a file: written and fsynced); after a crash a reader finds every committed event,
///   and possibly some appended after the last commit, never a torn event in the middle;
/// - an error from either leaves what was committed before intact; the caller stops writing;
/// - one writer per study at a time: the runner owns its storage for the whole run.
///
/// The SQL storages and remote workers will add claiming a waiting trial (atomically, one
/// claimant wins) and a heartbeat for running trials, with the same commit semantics.
pub trait Storage: Send {
    /// Record `event` after every event appended before it.
    fn append(&mut self, event: &Event) -> Result<(), StorageError>;

    /// Make every appended event durable before returning.
    fn commit(&mut self) -> Result<(), StorageError>;

    /// Record the strategy's state mid-run (after every event appended before it), so a
    /// resume after a crash restores the strategy rather than replaying every trial. A
    /// storage that keeps no state ignores it.
    fn checkpoint(&mut self, _state: &crate::strategy::SavedState) -> Result<(), StorageError> {
        Ok(())
    }

    /// Read the study back as the storage now holds it (committed events at least).
    fn load(&self) -> Result<Recovered, StorageError>;

    /// Where the storage lives, for messages ("runs/svc.journal").
    fn location(&self) -> String;
}

/// A storage on its own thread with group commit: the runner sends events here instead of to
/// its listeners; they are forwarded (and `wake` called) only after the commit covering them.
pub(crate) struct Durable {
    tx: Option<Sender<Item>>,
    thread: Option<JoinHandle<()>>,
    error: Arc<Mutex<Option<String>>>,
}

impl Durable {
    /// Start the storage thread, forwarding committed events to `out`.
    pub(crate) fn start(
        storage: Box<dyn Storage>,
        out: Sender<Event>,
        wake: Option<Box<dyn Fn() + Send>>,
        error: Arc<Mutex<Option<String>>>,
    ) -> Self {
        let (tx, rx) = unbounded();
        let slot = Arc::clone(&error);
        let thread = std::thread::Builder::new()
            .name("knobs-storage".into())
            .spawn(move || commit_loop(storage, &rx, &out, wake.as_deref(), &slot))
            .expect("spawning the storage thread");
        Durable {
            tx: Some(tx),
            thread: Some(thread),
            error,
        }
    }

    /// Hand an event to the storage thread.
    pub(crate) fn send(&self, event: Event) {
        if let Some(tx) = &self.tx {
            // The thread only ends once `tx` is dropped, so this cannot fail while `self` lives.
            let _ = tx.send(Item::Event(event));
        }
    }

    /// Hand a mid-run strategy state to the storage thread (written, not forwarded).
    pub(crate) fn checkpoint(&self, state: Box<crate::strategy::SavedState>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Item::Checkpoint(state));
        }
    }

    /// Why the storage stopped accepting events, once it has.
    pub(crate) fn failed(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// Wait until every event sent has been committed and forwarded.
    pub(crate) fn finish(mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the storage thread is handed: an event to write and forward, or a checkpoint to write.
// Events are nearly every item: boxing them would allocate once per event to save a few
// hundred bytes on the rare checkpoint.
#[allow(clippy::large_enum_variant)]
enum Item {
    Event(Event),
    Checkpoint(Box<crate::strategy::SavedState>),
}

fn commit_loop(
    mut storage: Box<dyn Storage>,
    rx: &Receiver<Item>,
    out: &Sender<Event>,
    wake: Option<&(dyn Fn() + Send)>,
    error: &Mutex<Option<String>>,
) {
    let mut failed = false;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        if !failed {
            let written = batch
                .iter()
                .try_for_each(|item| match item {
                    Item::Event(e) => storage.append(e),
                    Item::Checkpoint(state) => storage.checkpoint(state),
                })
                .and_then(|()| storage.commit());
            if let Err(e) = written {
                failed = true;
                if let Ok(mut slot) = error.lock() {
                    *slot = Some(e.to_string());
                }
            }
        }
        for event in batch.into_iter().filter_map(|item| match item {
            Item::Event(e) => Some(e),
            Item::Checkpoint(_) => None,
        }) {
            // After a failed write only the end of the run is reported: a trial whose result
            // is not on disk is never reported as finished.
            if !failed || matches!(event, Event::StudyFinished { .. }) {
                let _ = out.send(event);
            }
        }
        if let Some(wake) = wake {
            wake();
        }
    }
}
