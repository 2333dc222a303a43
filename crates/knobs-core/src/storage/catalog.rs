//! What a storage holds and how to follow one of its studies, the same way for a journal
//! file, SQLite and PostgreSQL.
//!
//! - [`catalog`] lists every study of a storage with its direction, its trials by state and
//!   whether Knobs wrote it (File ▸ Open storage… in the window, `knobs list --storage`);
//! - a [`Follower`] keeps one study's storage open and reads the study again only when a
//!   cheap check says something changed (a journal's length and time; for SQL, the study's
//!   trial counts by state and the newest row ids), so a window can watch a study that Optuna
//!   or Knobs workers write without re-reading it every second. A journal is read
//!   incrementally (only the lines appended since the last read); an SQL study is re-read
//!   whole once it changed.
//!
//! Nothing here writes: a followed study's running trials stay whoever runs them.

use super::journal;
use super::journal_queue::JournalQueue;
use super::queue::TrialQueue;
use super::rdb::{self, Conn};
use super::url::StorageUrl;
use super::{Recovered, StorageError};
use crate::study::{Direction, TrialState};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One study of a storage, as a list of studies shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StudySummary {
    /// The study's name in the storage.
    pub name: String,
    /// Its direction (`None` when the study could not be read).
    pub direction: Option<Direction>,
    /// Trials that completed.
    pub complete: usize,
    /// Trials a pruner stopped.
    pub pruned: usize,
    /// Trials that failed (interrupted ones included).
    pub failed: usize,
    /// Trials running now (in some process) or left running by a dead one.
    pub running: usize,
    /// Whether the storage holds Knobs' definition of the study (objective, strategy, …);
    /// without it the study was written by Optuna and can be shown, not continued.
    pub knobs: bool,
    /// Why the study could not be read, when it could not (the other studies are still
    /// listed).
    pub problem: Option<String>,
}

impl StudySummary {
    /// The summary of a study as read back.
    pub fn of(recovered: &Recovered) -> StudySummary {
        let mut s = StudySummary {
            name: recovered.study.name.clone(),
            direction: Some(recovered.study.direction),
            complete: 0,
            pruned: 0,
            failed: 0,
            running: 0,
            knobs: recovered.knobs_definition,
            problem: None,
        };
        for t in &recovered.study.trials {
            match t.state {
                TrialState::Complete => s.complete += 1,
                TrialState::Pruned { .. } => s.pruned += 1,
                TrialState::Failed(_) => s.failed += 1,
                TrialState::Running => s.running += 1,
            }
        }
        s
    }

    /// A study that is listed but cannot be read, and why.
    fn unreadable(name: String, problem: &StorageError) -> StudySummary {
        StudySummary {
            name,
            direction: None,
            complete: 0,
            pruned: 0,
            failed: 0,
            running: 0,
            knobs: false,
            problem: Some(problem.to_string()),
        }
    }

    /// Trials of every state.
    pub fn trials(&self) -> usize {
        self.complete + self.pruned + self.failed + self.running
    }
}

/// Every study in the storage `url`, in creation order. An error names the storage (a bad
/// path, a refused login, an unreachable server, another schema version); a study that
/// cannot be read is listed with its [`StudySummary::problem`]. Each study is read as
/// opening it would read it, so the counts are those the opened study shows.
pub fn catalog(url: &StorageUrl) -> Result<Vec<StudySummary>, StorageError> {
    match url {
        StorageUrl::Journal(path) => Ok(journal::study_names(path)?
            .into_iter()
            .map(|name| match journal::read_study(path, Some(&name)) {
                Ok(r) => StudySummary::of(&r),
                Err(e) => StudySummary::unreadable(name, &e),
            })
            .collect()),
        StorageUrl::Sqlite(_) | StorageUrl::Postgres(_) => {
            let mut conn = rdb::connect(url, false)?;
            let names = rdb::names_on(conn.as_mut())?;
            Ok(names
                .into_iter()
                .map(|name| match rdb::read_on(conn.as_mut(), &name) {
                    Ok(Some(r)) => StudySummary::of(&r),
                    Ok(None) => StudySummary::unreadable(
                        name.clone(),
                        &StorageError::Unsupported {
                            path: url.to_string().into(),
                            message: format!("study `{name}` was deleted while listing"),
                        },
                    ),
                    Err(e) => StudySummary::unreadable(name, &e),
                })
                .collect())
        }
    }
}

/// One study of a storage, followed: see the module docs.
pub struct Follower {
    url: StorageUrl,
    name: String,
    source: Source,
}

/// How a followed study is reached.
enum Source {
    /// A journal file: read incrementally through a queue (which writes nothing unless asked
    /// to coordinate or claim), or whole when the file cannot be opened for that.
    Journal {
        path: PathBuf,
        /// Boxed: a queue holds the whole replayed journal's index.
        queue: Option<Box<JournalQueue>>,
        /// Length and modification time at the last read.
        seen: Option<(u64, Option<SystemTime>)>,
    },
    /// An SQL database, its connection kept between polls (dropped after an error and made
    /// again at the next poll).
    Sql {
        conn: Option<Box<dyn Conn>>,
        /// The study's id in the database.
        study_id: Option<i64>,
        /// What the change check returned at the last read.
        seen: Option<Vec<Option<String>>>,
    },
}

impl Follower {
    /// Open the study `name` of the storage `url` and read it.
    pub fn open(url: &StorageUrl, name: &str) -> Result<(Follower, Recovered), StorageError> {
        let source = match url {
            StorageUrl::Journal(path) => Source::Journal {
                path: path.clone(),
                queue: None,
                seen: None,
            },
            StorageUrl::Sqlite(_) | StorageUrl::Postgres(_) => Source::Sql {
                conn: None,
                study_id: None,
                seen: None,
            },
        };
        let mut follower = Follower {
            url: url.clone(),
            name: name.to_owned(),
            source,
        };
        let recovered = follower
            .poll()?
            .ok_or_else(|| follower.missing("nothing to read"))?;
        Ok((follower, recovered))
    }

    /// The storage followed.
    pub fn url(&self) -> &StorageUrl {
        &self.url
    }

    /// The study followed.
    pub fn study(&self) -> &str {
        &self.name
    }

    /// The study as the storage holds it now if it changed since the last read, else `None`
    /// (one cheap check, no read). After an error the next call connects (or opens) again.
    pub fn poll(&mut self) -> Result<Option<Recovered>, StorageError> {
        let url = self.url.clone();
        let name = self.name.clone();
        let result = match &mut self.source {
            Source::Journal { path, queue, seen } => poll_journal(path, &name, queue, seen),
            Source::Sql {
                conn,
                study_id,
                seen,
            } => poll_sql(&url, &name, conn, study_id, seen),
        };
        if result.is_err() {
            // Start afresh next time: a connection may have broken, a file been replaced.
            match &mut self.source {
                Source::Journal { queue, seen, .. } => {
                    *queue = None;
                    *seen = None;
                }
                Source::Sql {
                    conn,
                    study_id,
                    seen,
                } => {
                    *conn = None;
                    *study_id = None;
                    *seen = None;
                }
            }
        }
        result
    }

    fn missing(&self, why: &str) -> StorageError {
        StorageError::Unsupported {
            path: self.url.to_string().into(),
            message: format!("study `{}`: {why}", self.name),
        }
    }
}

fn poll_journal(
    path: &Path,
    name: &str,
    queue: &mut Option<Box<JournalQueue>>,
    seen: &mut Option<(u64, Option<SystemTime>)>,
) -> Result<Option<Recovered>, StorageError> {
    let meta = std::fs::metadata(path).map_err(|source| StorageError::Io {
        path: path.to_owned(),
        action: "cannot read",
        source,
    })?;
    let now = (meta.len(), meta.modified().ok());
    if seen.as_ref() == Some(&now) {
        return Ok(None);
    }
    if queue.is_none() {
        // A journal this process may not append to is still readable, whole each time.
        *queue = JournalQueue::open(path, Some(name)).ok().map(Box::new);
    }
    let recovered = match queue {
        Some(q) => q.read_study()?,
        None => journal::read_study(path, Some(name))?,
    };
    *seen = Some(now);
    Ok(Some(recovered))
}

fn poll_sql(
    url: &StorageUrl,
    name: &str,
    conn: &mut Option<Box<dyn Conn>>,
    study_id: &mut Option<i64>,
    seen: &mut Option<Vec<Option<String>>>,
) -> Result<Option<Recovered>, StorageError> {
    let conn = match conn {
        Some(c) => c,
        None => conn.insert(rdb::connect(url, false)?),
    };
    let location = conn.location();
    let fail = |message: String| StorageError::Database {
        location: location.clone(),
        message,
    };
    let id = match study_id {
        Some(id) => *id,
        None => {
            let rows = conn
                .query(&format!(
                    "SELECT study_id FROM studies WHERE study_name = '{}'",
                    name.replace('\'', "''")
                ))
                .map_err(fail)?;
            let id = rows
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| fail(format!("no study named `{name}`")))?;
            *study_id = Some(id);
            id
        }
    };
    // The study's trials by state, and the newest row of each table a trial's change writes
    // (ids only grow); heartbeats are left out, so a running trial's beat is not a change.
    let check = conn
        .query(&format!(
            "SELECT (SELECT count(*) FROM trials WHERE study_id = {id}), \
             (SELECT count(*) FROM trials WHERE study_id = {id} AND state = 'RUNNING'), \
             (SELECT count(*) FROM trials WHERE study_id = {id} AND state = 'WAITING'), \
             (SELECT coalesce(max(trial_id), 0) FROM trials), \
             (SELECT coalesce(max(trial_value_id), 0) FROM trial_values), \
             (SELECT coalesce(max(trial_intermediate_value_id), 0) FROM trial_intermediate_values), \
             (SELECT coalesce(max(trial_system_attribute_id), 0) FROM trial_system_attributes)"
        ))
        .map_err(fail)?
        .into_iter()
        .next()
        .ok_or_else(|| fail("the change check returned no row".into()))?;
    if seen.as_ref() == Some(&check) {
        return Ok(None);
    }
    let recovered = rdb::read_on(conn.as_mut(), name)?
        .ok_or_else(|| fail(format!("no study named `{name}`")))?;
    *seen = Some(check);
    Ok(Some(recovered))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{self, Event};
    use crate::storage::Storage;
    use crate::storage::rdb::RdbStorage;
    use crate::study::default_study;
    use std::sync::Arc;

    fn run_into(url: &StorageUrl, name: &str, budget: usize) {
        let mut study = default_study();
        study.name = name.into();
        study.budget = budget;
        let storage = RdbStorage::create(rdb::connect(url, true).unwrap(), &study).unwrap();
        let objective = Arc::from(study.objective.build().unwrap());
        let handle =
            runner::start_with(study, objective, 1, None, Some(Box::new(storage))).unwrap();
        let _: Vec<Event> = handle.events.iter().collect();
        handle.join().unwrap();
    }

    #[test]
    fn the_catalog_of_an_sqlite_storage_counts_each_studys_trials() {
        let dir = tempfile::tempdir().unwrap();
        let url = StorageUrl::Sqlite(dir.path().join("s.db"));
        run_into(&url, "first", 5);
        run_into(&url, "second", 3);
        let listed = catalog(&url).unwrap();
        let names: Vec<_> = listed.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["first", "second"]);
        assert_eq!(listed[0].trials(), 5);
        assert_eq!(listed[1].complete, 3);
        assert!(listed.iter().all(|s| s.knobs && s.problem.is_none()));
    }

    #[test]
    fn a_follower_reads_again_only_after_the_study_changed() {
        let dir = tempfile::tempdir().unwrap();
        let url = StorageUrl::Sqlite(dir.path().join("f.db"));
        run_into(&url, "followed", 4);
        let (mut follower, first) = Follower::open(&url, "followed").unwrap();
        assert_eq!(first.study.trials.len(), 4);
        assert!(follower.poll().unwrap().is_none(), "nothing changed");
        // Another writer continues the study.
        let conn = rdb::connect(&url, false).unwrap();
        let (mut storage, back) = RdbStorage::open(conn, Some("followed")).unwrap().unwrap();
        let mut trial = back.study.trials[3].clone();
        trial.number = 4;
        storage.append(&Event::TrialFinished(trial)).unwrap();
        storage.commit().unwrap();
        let changed = follower.poll().unwrap().expect("a change");
        assert_eq!(changed.study.trials.len(), 5);
        assert!(follower.poll().unwrap().is_none());
    }

    #[test]
    fn a_missing_storage_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let url = StorageUrl::Sqlite(dir.path().join("none.db"));
        let e = catalog(&url).unwrap_err().to_string();
        assert!(e.contains("none.db"), "{e}");
    }
}
