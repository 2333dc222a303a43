//! Opening a study in a shared storage: as its coordinator (the strategy here, the
//! evaluations in `knobs worker` processes), or as a reader of its queue (a worker, or the
//! window's Workers view).
//!
//! The CLI (`knobs run --storage URL --workers`, `knobs worker`) and the window (Run with
//! "external workers", the Workers view) open studies through these functions, so both
//! refuse the same things with the same words, and the window needs nothing from the CLI.

use super::journal::{self, JournalStorage};
use super::journal_queue::JournalQueue;
use super::queue::{TrialQueue, WorkerId};
use super::rdb::{self, RdbStorage};
use super::url::StorageUrl;
use super::{Storage, StorageError};
use crate::study::{Study, TrialState};
use std::path::Path;

/// Why a study in a shared storage could not be opened. The CLI exits 2 for the first two
/// (the user must change something) and 1 for the last.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    /// Another live coordinator holds the study: two would ask the same numbers twice.
    #[error("{0} (a study has one coordinator; start `knobs worker` processes to help it)")]
    Locked(StorageError),
    /// The storage cannot be used as asked: unreachable, a wrong password, another schema,
    /// a malformed file, an unfinished study it was not asked to resume.
    #[error("{0}")]
    Refused(String),
    /// The storage failed while the study was being written.
    #[error("{0}")]
    Failed(String),
}

/// A storage error met while opening as a coordinator: another coordinator is
/// [`SharedError::Locked`], anything else a failure of the storage.
fn coordinating(e: StorageError) -> SharedError {
    match e {
        StorageError::Locked { .. } => SharedError::Locked(e),
        other => SharedError::Failed(other.to_string()),
    }
}

/// A storage error met while reaching or reading the storage: the user must change the URL,
/// the server or the file.
fn refused(e: StorageError) -> SharedError {
    SharedError::Refused(e.to_string())
}

/// The queue a coordinator enqueues into and the storage for its study-level writes (the
/// strategy's checkpoints, the run's end), both on the study, locked for the coordinator:
/// what [`crate::runner::remote::start_remote`] needs.
pub(crate) type Coordinated = (Box<dyn TrialQueue>, Box<dyn Storage>);

/// Open (or create) `study` in the storage at `url` as its coordinator `me`.
///
/// A journal is created holding `study`, unless `resume_journal` says `study` was read from
/// that journal (then its run goes on in it); a journal holding an unfinished study is
/// refused rather than overwritten. In an SQL database the study of that name is continued
/// (its definition replaced by `study`'s) or created with `study`'s finished trials; the
/// lock is taken before anything is written, so a refused second coordinator changes nothing.
pub fn open_coordinator(
    url: &StorageUrl,
    study: &Study,
    me: &WorkerId,
    resume_journal: bool,
) -> Result<Coordinated, SharedError> {
    match url {
        StorageUrl::Journal(path) => coordinate_journal(path, study, me, resume_journal),
        sql => coordinate_sql(sql, study, me),
    }
}

/// Open (or create) the study in the journal at `path` as its coordinator.
fn coordinate_journal(
    path: &Path,
    study: &Study,
    me: &WorkerId,
    resuming: bool,
) -> Result<Coordinated, SharedError> {
    if !resuming {
        create_journal(path, study)?;
    }
    let mut queue = JournalQueue::open(path, None).map_err(coordinating)?;
    queue.lock_coordinator(me).map_err(coordinating)?;
    if resuming {
        queue.begin_run(study).map_err(coordinating)?;
    }
    let storage = JournalQueue::open(path, None).map_err(coordinating)?;
    Ok((Box::new(queue), Box::new(storage)))
}

/// Open (or create) `study` in an SQL database as its coordinator.
fn coordinate_sql(
    url: &StorageUrl,
    study: &Study,
    me: &WorkerId,
) -> Result<Coordinated, SharedError> {
    let conn = rdb::connect(url, true).map_err(refused)?;
    let queue = match RdbStorage::attach(conn, Some(&study.name)).map_err(refused)? {
        Some(mut queue) => {
            queue.lock_coordinator(me).map_err(coordinating)?;
            queue.set_definition(study).map_err(coordinating)?;
            queue
        }
        None => {
            let conn = rdb::connect(url, true).map_err(refused)?;
            let mut queue = RdbStorage::create(conn, study).map_err(refused)?;
            queue.lock_coordinator(me).map_err(coordinating)?;
            queue
        }
    };
    // The study-level writes go through a second connection of their own.
    let storage = RdbStorage::attach(
        rdb::connect(url, false).map_err(refused)?,
        Some(&study.name),
    )
    .map_err(refused)?
    .ok_or_else(|| SharedError::Failed(format!("{url}: the study `{}` vanished", study.name)))?;
    Ok((Box::new(queue), Box::new(storage)))
}

/// Write a new journal holding `study` at `path`, unless it holds an unfinished study.
fn create_journal(path: &Path, study: &Study) -> Result<(), SharedError> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
        match journal::read(path) {
            Ok(r) if r.is_finished() || !r.knobs_definition => {}
            Ok(r) => {
                return Err(SharedError::Refused(format!(
                    "{}: holds the unfinished study `{}` ({} trials): resume it with \
                     `knobs run --storage journal:{} --workers`",
                    path.display(),
                    r.study.name,
                    r.study.trials.len(),
                    path.display()
                )));
            }
            Err(e) => {
                return Err(SharedError::Refused(format!(
                    "{}: {e}; remove it or give another path",
                    path.display()
                )));
            }
        }
    }
    JournalStorage::create(path, study)
        .map(drop)
        .map_err(coordinating)
}

/// Refuse to coordinate `study` in an SQL storage that holds another version of it: a study
/// of that name whose finished trials are not the ones `study` starts from (a run continued
/// from there would give some numbers twice, and a worker's pruner would compare with trials
/// the coordinator never told). A study the caller read from the storage itself (the CLI's
/// resume) always passes; the window, whose study comes from elsewhere, asks first.
pub fn check_continues(url: &StorageUrl, study: &Study) -> Result<(), SharedError> {
    if matches!(url, StorageUrl::Journal(_)) {
        // A journal is written anew, or refused while it holds an unfinished study.
        return Ok(());
    }
    let names = match rdb::study_names(url) {
        Ok(names) => names,
        Err(_) if matches!(url, StorageUrl::Sqlite(p) if !p.exists()) => return Ok(()),
        Err(StorageError::Database { message, .. })
            if message.contains("holds no Optuna study tables") =>
        {
            return Ok(());
        }
        Err(e) => return Err(refused(e)),
    };
    if !names.contains(&study.name) {
        return Ok(());
    }
    let stored = rdb::read(url, Some(&study.name)).map_err(refused)?;
    let key = |s: &Study| -> Vec<(usize, Option<u64>)> {
        s.trials
            .iter()
            .enumerate()
            .take_while(|(i, t)| t.number == *i && t.state != TrialState::Running)
            .map(|(_, t)| (t.number, t.value.map(f64::to_bits)))
            .collect()
    };
    let (theirs, ours) = (key(&stored.resumable()), key(study));
    if theirs == ours {
        return Ok(());
    }
    Err(SharedError::Refused(format!(
        "{url} already holds a study named `{}` with {} finished trials that are not this \
         study's {}: give the study another name or the storage another file, or open that \
         study from the storage to continue it",
        study.name,
        theirs.len(),
        ours.len()
    )))
}

/// The study's queue, or `None` while the storage or the study is not there yet (a worker
/// may start before its coordinator). The study is opened without writing: the trials
/// other workers run stay theirs. `name` picks the study (default: the storage's only one).
pub fn open_reader(
    url: &StorageUrl,
    name: Option<&str>,
) -> Result<Option<Box<dyn TrialQueue>>, SharedError> {
    match url {
        StorageUrl::Journal(path) => match JournalQueue::open(path, name) {
            Ok(q) => Ok(Some(Box::new(q))),
            Err(StorageError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            // No study yet (or not the named one): the coordinator may not have written it.
            Err(StorageError::Unsupported { message, .. })
                if message.contains("holds no study") || message.starts_with("no study named") =>
            {
                Ok(None)
            }
            Err(e) => Err(refused(e)),
        },
        StorageUrl::Sqlite(path) if !path.exists() => Ok(None),
        sql => {
            let conn = match rdb::connect(sql, false) {
                Ok(conn) => conn,
                Err(StorageError::Database { message, .. })
                    if message.contains("holds no Optuna study tables") =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(refused(e)),
            };
            let Some(mut queue) = RdbStorage::attach(conn, name).map_err(refused)? else {
                return Ok(None);
            };
            // A study row without its definition and trials is one a coordinator is still
            // creating (an Optuna study with trials is refused by the caller).
            let study = queue.read_study().map_err(refused)?;
            if !study.knobs_definition && study.study.trials.is_empty() {
                return Ok(None);
            }
            Ok(Some(Box::new(queue)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_url(dir: &Path) -> StorageUrl {
        StorageUrl::Sqlite(dir.join("shared.db"))
    }

    #[test]
    fn a_second_coordinator_is_locked_out_and_a_reader_sees_the_study() {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(dir.path());
        let mut study = crate::study::default_study();
        study.name = "shared".into();
        assert!(open_reader(&url, Some("shared")).unwrap().is_none());
        let first = WorkerId::this_process();
        let held = open_coordinator(&url, &study, &first, false).unwrap();
        // Another start of this process: the holder (this pid) is alive, so it is refused.
        let other = WorkerId::this_process();
        match open_coordinator(&url, &study, &other, false) {
            Err(SharedError::Locked(_)) => {}
            Err(e) => panic!("expected the lock to be held, got {e}"),
            Ok(_) => panic!("a second coordinator was let in"),
        }
        let mut reader = open_reader(&url, Some("shared")).unwrap().unwrap();
        assert_eq!(reader.read_study().unwrap().study.name, "shared");
        drop(held);
    }

    #[test]
    fn a_stored_study_with_other_trials_is_not_continued_by_another_definition() {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(dir.path());
        let mut study = crate::study::default_study();
        study.name = "mine".into();
        // Nothing stored yet: any study may start there.
        check_continues(&url, &study).unwrap();
        let mut ran = study.clone();
        ran.budget = 3;
        let objective = ran.objective.build().unwrap();
        let handle = crate::runner::start_with(ran, objective.into(), 1, None, None).unwrap();
        let ran = handle.join().unwrap();
        let conn = rdb::connect(&url, true).unwrap();
        drop(RdbStorage::create(conn, &ran).unwrap());
        check_continues(&url, &ran).unwrap();
        let err = check_continues(&url, &study).unwrap_err();
        assert!(err.to_string().contains("3 finished trials"), "{err}");
    }
}
