//! A study that lives in a shared storage (a journal file, SQLite or PostgreSQL) where other
//! processes write too: where it is, and whether this window coordinates its run (the
//! strategy here, the evaluations in `knobs worker` processes) or only watches it (Optuna or
//! another Knobs process writes, the window follows).
//!
//! The Workers view and the live watch both start from this one value, so the window never
//! has to guess which storage a study came from.

use crate::storage::url::StorageUrl;

/// The storage and study the window's study is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedStudy {
    /// Where the study lives.
    pub url: StorageUrl,
    /// The study's name in that storage.
    pub study: String,
    /// What the window does with it.
    pub role: Role,
}

/// What the window does with a shared study.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The window is the study's coordinator: its Run enqueues trials that external
    /// `knobs worker` processes evaluate.
    Coordinating,
    /// The window reads what others write (opened with File ▸ Open storage…) and shows new
    /// trials as they land; it writes nothing.
    Watching,
}
