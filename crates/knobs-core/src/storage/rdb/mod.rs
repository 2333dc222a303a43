//! The SQL storages: Optuna 5.0's RDB schema on SQLite ([`sqlite`]) and PostgreSQL
//! ([`postgres`]), written and read by Knobs.
//!
//! A Knobs study maps onto the schema exactly as onto the journal (see
//! [`super::journal`]): one Optuna study with one direction and the system attribute
//! `knobs:study` (the definition); one Optuna trial per attempt, its parameters as
//! `trial_params` rows (Optuna's internal values and distribution JSON), `knobs:trial` and
//! `knobs:result` trial system attributes, `trial_values` (COMPLETE or PRUNED value, infinite
//! values as Optuna's `INF_POS`/`INF_NEG`), `trial_intermediate_values` as they are
//! reported. `optuna.load_study(study_name=…, storage="sqlite:///…")` or a PostgreSQL URL
//! therefore reads a Knobs study, and Knobs reads Optuna's through the same mapping.
//!
//! Writing: events are buffered by [`Storage::append`] and written by [`Storage::commit`] in
//! one transaction (SQLite: one WAL fsync; PostgreSQL: one round trip for the rows), so the
//! runner's group commit makes a burst of trials one transaction. A crash leaves every
//! committed transaction and nothing of a later one.
//!
//! Trial ids: a commit reserves the ids of its new trials first (PostgreSQL: from Optuna's
//! own sequence; SQLite: after the largest, under the write lock taken at `BEGIN
//! IMMEDIATE`), so the rows of a whole batch go out as one SQL text.

pub mod postgres;
mod queue;
mod rows;
pub mod schema;
pub mod sqlite;

use super::journal::{self, INTERRUPTED, LAST_RUN_ATTR, STRATEGY_STATE_ATTR, STUDY_ATTR};
use super::url::StorageUrl;
use super::{Recovered, Storage, StorageError};
use crate::runner::{Event, FinishReason};
use crate::space::Space;
use crate::study::{Study, Trial, TrialState};
use rows::TrialRows;
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// Which SQL a connection speaks, where the two differ (DDL, casts, claiming).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3 (bundled).
    Sqlite,
    /// PostgreSQL 12 or later.
    Postgres,
}

/// A row of a query, every value as text (`None` for NULL).
pub type Cells = Vec<Option<String>>;

/// The two operations the shared mapping needs from a database connection. Errors are the
/// database's message; the caller names the storage.
pub trait Conn: Send {
    /// The connection's SQL dialect.
    fn dialect(&self) -> Dialect;
    /// Run one or more statements, no result rows.
    fn batch(&mut self, sql: &str) -> Result<(), String>;
    /// Run one query and return its rows as text.
    fn query(&mut self, sql: &str) -> Result<Vec<Cells>, String>;
    /// Run several queries and return the rows of each, in one round trip where the
    /// database is a server (PostgreSQL: one message, so a reader pays one network wait, not
    /// one per table). Not a transaction on SQLite: a caller that needs one wraps it.
    fn query_all(&mut self, statements: &[String]) -> Result<Vec<Vec<Cells>>, String> {
        statements.iter().map(|s| self.query(s)).collect()
    }
    /// Wait up to `timeout` for a `NOTIFY` on `channel`, so an idle worker wakes when work is
    /// written instead of asking the database again and again. The first call only starts
    /// listening and returns at once (the caller reads again before it waits: nothing written
    /// in between is missed). `Ok(false)` when the database cannot notify: the caller sleeps.
    fn wait_notify(&mut self, channel: &str, timeout: std::time::Duration) -> Result<bool, String> {
        let _ = (channel, timeout);
        Ok(false)
    }
    /// The database as messages name it (no password).
    fn location(&self) -> String;
}

/// A database error naming the storage.
pub(crate) fn db_error(location: &str, message: String) -> StorageError {
    StorageError::Database {
        location: location.to_owned(),
        message,
    }
}

/// Connect to the SQL storage `url` (a journal URL is refused: it is not a database);
/// `create` makes a missing SQLite file and the schema in an empty database.
pub fn connect(url: &StorageUrl, create: bool) -> Result<Box<dyn Conn>, StorageError> {
    let location = url.to_string();
    let mut conn: Box<dyn Conn> = match url {
        StorageUrl::Sqlite(path) => Box::new(
            sqlite::Sqlite::open(path, create)
                .map_err(|e| db_error(&location, format!("cannot open: {e}")))?,
        ),
        StorageUrl::Postgres(target) => {
            Box::new(postgres::Postgres::connect(target).map_err(|e| db_error(&location, e))?)
        }
        StorageUrl::Journal(_) => {
            return Err(db_error(
                &location,
                "a journal is not an SQL database".into(),
            ));
        }
    };
    ensure_schema(conn.as_mut(), create)?;
    Ok(conn)
}

/// Check the database holds Optuna 5.0's schema, creating it (when `create`) in a database
/// without Optuna's tables; any other schema version is refused.
fn ensure_schema(conn: &mut dyn Conn, create: bool) -> Result<(), StorageError> {
    let location = conn.location();
    let fail = |m: String| db_error(&location, m);
    let d = conn.dialect();
    let present = |conn: &mut dyn Conn| -> Result<bool, String> {
        Ok(conn
            .query(schema::has_schema(d))?
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|n| n != "0"))
    };
    if !present(conn).map_err(fail)? {
        if !create {
            return Err(fail("holds no Optuna study tables".into()));
        }
        let lock = match d {
            Dialect::Sqlite => "BEGIN IMMEDIATE;",
            // Two processes creating the schema at once: the second waits, then sees it.
            Dialect::Postgres => "BEGIN; SELECT pg_advisory_xact_lock(7405112);",
        };
        conn.batch(lock).map_err(fail)?;
        let made = (|| {
            if !present(conn)? {
                conn.batch(&schema::create(d))?;
            }
            conn.batch("COMMIT;")
        })();
        if let Err(e) = made {
            let _ = conn.batch("ROLLBACK;");
            return Err(fail(format!("cannot create Optuna's tables: {e}")));
        }
    }
    let rows = conn
        .query("SELECT schema_version, library_version FROM version_info")
        .map_err(fail)?;
    let (version, library) = rows
        .first()
        .map(|r| (r.first().cloned().flatten(), r.get(1).cloned().flatten()))
        .unwrap_or((None, None));
    if version.as_deref() != Some(&schema::SCHEMA_VERSION.to_string()) {
        return Err(fail(format!(
            "holds Optuna's schema version {} (written by Optuna {}); Knobs reads and writes \
             version {} (Optuna {}): upgrade it with `optuna storage upgrade --storage URL` or \
             use another database",
            version.as_deref().unwrap_or("unknown"),
            library.as_deref().unwrap_or("unknown"),
            schema::SCHEMA_VERSION,
            schema::LIBRARY_VERSION
        )));
    }
    Ok(())
}

/// The studies in the SQL storage `url`, in creation order.
pub fn study_names(url: &StorageUrl) -> Result<Vec<String>, StorageError> {
    let mut conn = connect(url, false)?;
    let location = conn.location();
    rows::studies(conn.as_mut())
        .map(|s| s.into_iter().map(|(_, n)| n).collect())
        .map_err(|e| db_error(&location, e))
}

/// The names of the studies on an open connection, in creation order (one connection for
/// a whole listing: a PostgreSQL connect can take long).
pub(crate) fn names_on(conn: &mut dyn Conn) -> Result<Vec<String>, StorageError> {
    let location = conn.location();
    rows::studies(conn)
        .map(|s| s.into_iter().map(|(_, n)| n).collect())
        .map_err(|e| db_error(&location, e))
}

/// Read the study named `name` on an open connection, writing nothing; `Ok(None)` when the
/// database has no such study.
pub(crate) fn read_on(conn: &mut dyn Conn, name: &str) -> Result<Option<Recovered>, StorageError> {
    let location = conn.location();
    match find_study(conn, Some(name))? {
        Some((id, _)) => rows::read_study(conn, &location, id).map(|(r, _)| Some(r)),
        None => Ok(None),
    }
}

/// Find the study named `name` (or the only one); `Ok(None)` when no such study exists (or
/// the database holds none and no name is given).
fn find_study(
    conn: &mut dyn Conn,
    name: Option<&str>,
) -> Result<Option<(i64, String)>, StorageError> {
    let location = conn.location();
    let all = rows::studies(conn).map_err(|e| db_error(&location, e))?;
    match (name, all.as_slice()) {
        (Some(n), _) => Ok(all.iter().find(|(_, s)| s == n).cloned()),
        (None, []) => Ok(None),
        (None, [one]) => Ok(Some(one.clone())),
        (None, many) => Err(StorageError::Unsupported {
            path: location.into(),
            message: format!(
                "the database holds {} studies ({}); name one with --study",
                many.len(),
                many.iter()
                    .map(|(_, n)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// Read the study named `name` (or the only one) from the SQL storage `url`; nothing is
/// written.
pub fn read(url: &StorageUrl, name: Option<&str>) -> Result<Recovered, StorageError> {
    let mut conn = connect(url, false)?;
    let location = conn.location();
    let (id, _) = find_study(conn.as_mut(), name)?.ok_or_else(|| StorageError::Unsupported {
        path: location.clone().into(),
        message: match name {
            Some(n) => format!("no study named `{n}`"),
            None => "the database holds no study".into(),
        },
    })?;
    rows::read_study(conn.as_mut(), &location, id).map(|(r, _)| r)
}

/// A study attached to: the storage, the study as read, and its rows (id, number, state).
type Attached = (RdbStorage, Recovered, Vec<(i64, rows::RowTrialInfo)>);

/// What a commit writes, in order: rendered once the new trials' ids are known.
enum Pending {
    /// A trial started: inserted RUNNING.
    New(Trial),
    /// A trial finished before this storage (a session's): inserted, then finished.
    Stored(Trial),
    /// A trial ended.
    Finished(Trial),
    /// A report of a running trial.
    Progress {
        number: usize,
        step: u64,
        value: f64,
    },
    /// A study system attribute.
    StudyAttr(&'static str, Json),
}

/// A study in an SQL database open for a run: the runner's [`Storage`].
pub struct RdbStorage {
    conn: Mutex<Box<dyn Conn>>,
    location: String,
    study_id: i64,
    name: String,
    /// Optuna number of the next trial.
    next_number: i64,
    /// Storage trial id of each Knobs number's latest attempt.
    trial_ids: HashMap<usize, i64>,
    space: Space,
    distributions: Vec<(String, String)>,
    pending: Vec<Pending>,
    /// What `poll` has reported (the coordinator's side of the queue).
    poll: queue::PollState,
    /// The coordinator this storage locked the study for, refreshed by `poll`/`fail_stale`.
    coordinator: Option<crate::storage::queue::WorkerId>,
}

impl RdbStorage {
    /// A storage on study `study_id` of `conn`, whose next Optuna number is `next_number`,
    /// before its space and trials are known (what `create` and `attach` fill in next).
    fn on(
        conn: Box<dyn Conn>,
        location: String,
        study_id: i64,
        name: String,
        next_number: i64,
    ) -> RdbStorage {
        RdbStorage {
            conn: Mutex::new(conn),
            location,
            study_id,
            name,
            next_number,
            trial_ids: HashMap::new(),
            space: Space::default(),
            distributions: Vec::new(),
            pending: Vec::new(),
            poll: queue::PollState::default(),
            coordinator: None,
        }
    }

    /// Create the study `study` (named `study.name`, or "knobs study") in the database `conn`
    /// with its finished trials, durable before it returns; a study of that name already
    /// there is an error (resume it with [`RdbStorage::open`]).
    pub fn create(mut conn: Box<dyn Conn>, study: &Study) -> Result<RdbStorage, StorageError> {
        let location = conn.location();
        let name = if study.name.is_empty() {
            "knobs study".to_owned()
        } else {
            study.name.clone()
        };
        if find_study(conn.as_mut(), Some(&name))?.is_some() {
            return Err(StorageError::Unsupported {
                path: location.into(),
                message: format!(
                    "a study named `{name}` exists already: resume it, or give --study another name"
                ),
            });
        }
        let fail = |m: String| db_error(&location, m);
        let definition = journal::definition_json(study)?;
        // The study, its direction and its definition in one transaction: a worker waiting
        // for the study never reads one without them (it would take it for Optuna's).
        let id = transact(conn.as_mut(), |conn| {
            let id = conn
                .query(&format!(
                    "INSERT INTO studies (study_name) VALUES ({}) RETURNING study_id",
                    rows::text(&name)
                ))?
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or("the new study has no id")?;
            let mut sql = format!(
                "INSERT INTO study_directions (direction, study_id, objective) VALUES ('{}', {id}, 0);\n",
                rows::direction_name(study.direction)
            );
            rows::set_attr(&mut sql, "study", id, STUDY_ATTR, &definition);
            conn.batch(&sql)?;
            Ok(id)
        })
        .map_err(fail)?;
        let mut storage = RdbStorage::on(conn, location, id, name, 0);
        storage.set_definition(study)?;
        for trial in study
            .trials
            .iter()
            .filter(|t| t.state != TrialState::Running)
        {
            storage.pending.push(Pending::Stored(trial.clone()));
        }
        storage.commit()?;
        Ok(storage)
    }

    /// Open the study named `name` (or the only one) to continue it: fail the trials a dead
    /// writer left running ("interrupted", durably) and return the study as it now stands.
    /// `Ok(None)` when the database has no such study.
    pub fn open(
        conn: Box<dyn Conn>,
        name: Option<&str>,
    ) -> Result<Option<(RdbStorage, Recovered)>, StorageError> {
        let Some((storage, mut recovered, info)) = RdbStorage::attach_with(conn, name)? else {
            return Ok(None);
        };
        let mut sql = String::new();
        for (id, t) in &info {
            if t.number.is_some() && t.state == journal::state::RUNNING {
                queue::fail_sql(&mut sql, *id, None);
            }
        }
        storage.transact(|conn| conn.batch(&sql))?;
        for trial in &mut recovered.study.trials {
            if trial.state == TrialState::Running {
                trial.state = TrialState::Failed(INTERRUPTED.into());
                recovered.interrupted.push(trial.number);
            }
        }
        recovered.interrupted.sort_unstable();
        recovered.interrupted.dedup();
        Ok(Some((storage, recovered)))
    }

    /// Open the study named `name` (or the only one) as a worker or a coordinator does,
    /// writing nothing: the trials other processes are running stay theirs. `Ok(None)` when
    /// the database has no such study (yet).
    pub(crate) fn attach(
        conn: Box<dyn Conn>,
        name: Option<&str>,
    ) -> Result<Option<RdbStorage>, StorageError> {
        Ok(RdbStorage::attach_with(conn, name)?.map(|(s, _, _)| s))
    }

    /// [`RdbStorage::attach`], with the study as read and its rows.
    fn attach_with(
        mut conn: Box<dyn Conn>,
        name: Option<&str>,
    ) -> Result<Option<Attached>, StorageError> {
        let location = conn.location();
        let Some((study_id, study_name)) = find_study(conn.as_mut(), name)? else {
            return Ok(None);
        };
        let (recovered, info) = rows::read_study(conn.as_mut(), &location, study_id)?;
        if !recovered.knobs_definition {
            return Err(StorageError::Unsupported {
                path: location.into(),
                message: format!(
                    "study `{study_name}` was written by Optuna, not Knobs (it has no \
                     `{STUDY_ATTR}` attribute): Knobs can read its {} trials but cannot continue it",
                    recovered.study.trials.len()
                ),
            });
        }
        let mut storage = RdbStorage::on(conn, location, study_id, study_name, info.len() as i64);
        storage.set_space(&recovered.study.space);
        for (id, t) in &info {
            if let Some(number) = t.number {
                storage.trial_ids.insert(number, *id);
            }
        }
        Ok(Some((storage, recovered, info)))
    }

    /// The study's name in the database.
    pub fn study_name(&self) -> &str {
        &self.name
    }

    /// Record the definition of the study a run is about to continue and clear the previous
    /// run's end; durable before it returns.
    pub fn set_definition(&mut self, study: &Study) -> Result<(), StorageError> {
        self.set_space(&study.space);
        let value = journal::definition_json(study)?;
        self.pending.push(Pending::StudyAttr(STUDY_ATTR, value));
        if let Some(state) = &study.strategy_state {
            let state = serde_json::to_value(state).unwrap_or(Json::Null);
            self.pending
                .push(Pending::StudyAttr(STRATEGY_STATE_ATTR, state));
        }
        self.pending
            .push(Pending::StudyAttr(LAST_RUN_ATTR, Json::Null));
        self.commit()
    }

    fn set_space(&mut self, space: &Space) {
        self.space = space.clone();
        self.distributions = journal::distributions(space);
    }

    /// Run `work` in one write transaction (SQLite: `BEGIN IMMEDIATE`), committed if it
    /// succeeds, rolled back otherwise.
    fn transact<T>(
        &self,
        work: impl FnOnce(&mut dyn Conn) -> Result<T, String>,
    ) -> Result<T, StorageError> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| db_error(&self.location, "the connection was poisoned".into()))?;
        transact(guard.as_mut(), work).map_err(|e| db_error(&self.location, e))
    }
}

/// Run `work` in one write transaction on `conn`.
pub(crate) fn transact<T>(
    conn: &mut dyn Conn,
    work: impl FnOnce(&mut dyn Conn) -> Result<T, String>,
) -> Result<T, String> {
    let begin = match conn.dialect() {
        Dialect::Sqlite => "BEGIN IMMEDIATE;",
        Dialect::Postgres => "BEGIN;",
    };
    conn.batch(begin)?;
    match work(conn) {
        Ok(v) => match conn.batch("COMMIT;") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.batch("ROLLBACK;");
                Err(e)
            }
        },
        Err(e) => {
            let _ = conn.batch("ROLLBACK;");
            Err(e)
        }
    }
}

/// Reserve `k` new trial ids inside the current transaction.
pub(crate) fn reserve_ids(conn: &mut dyn Conn, k: usize) -> Result<Vec<i64>, String> {
    if k == 0 {
        return Ok(Vec::new());
    }
    let parse = |rows: Vec<Cells>| -> Result<Vec<i64>, String> {
        rows.iter()
            .map(|r| {
                r.first()
                    .cloned()
                    .flatten()
                    .unwrap_or_default()
                    .parse::<i64>()
                    .map_err(|e| format!("a trial id: {e}"))
            })
            .collect()
    };
    match conn.dialect() {
        Dialect::Postgres => parse(conn.query(&format!(
            "SELECT nextval('trials_trial_id_seq') FROM generate_series(1, {k})"
        ))?),
        Dialect::Sqlite => {
            let max = parse(conn.query("SELECT coalesce(max(trial_id), 0) FROM trials")?)?;
            let first = max.first().copied().unwrap_or(0) + 1;
            Ok((first..first + k as i64).collect())
        }
    }
}

impl Storage for RdbStorage {
    fn append(&mut self, event: &Event) -> Result<(), StorageError> {
        let item = match event {
            Event::TrialStarted(trial) => Pending::New(trial.clone()),
            Event::TrialFinished(trial) => Pending::Finished(trial.clone()),
            Event::TrialProgress {
                number,
                step,
                value,
            } => Pending::Progress {
                number: *number,
                step: *step,
                value: *value,
            },
            Event::RangeWidened { definition, .. } => {
                // Later trials carry the wider distributions; a reader sees the new range.
                self.set_space(&definition.space);
                Pending::StudyAttr(STUDY_ATTR, journal::definition_json(definition)?)
            }
            Event::StudyFinished {
                reason,
                strategy_state,
                ..
            } => {
                let state = serde_json::to_value(strategy_state).unwrap_or(Json::Null);
                self.pending
                    .push(Pending::StudyAttr(STRATEGY_STATE_ATTR, state));
                let why = match reason {
                    FinishReason::BudgetSpent => "budget spent".to_owned(),
                    FinishReason::Stopped => "stopped".to_owned(),
                    FinishReason::Exhausted(why) => format!("exhausted: {why}"),
                    FinishReason::StrategyFailed(why) => format!("strategy failed: {why}"),
                };
                Pending::StudyAttr(LAST_RUN_ATTR, json!(why))
            }
        };
        self.pending.push(item);
        Ok(())
    }

    fn checkpoint(&mut self, state: &crate::strategy::SavedState) -> Result<(), StorageError> {
        let state = serde_json::to_value(state).map_err(|e| StorageError::Encode {
            what: "the strategy state",
            message: e.to_string(),
        })?;
        self.pending
            .push(Pending::StudyAttr(STRATEGY_STATE_ATTR, state));
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StorageError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let new = pending
            .iter()
            .filter(|p| match p {
                Pending::New(_) | Pending::Stored(_) => true,
                Pending::Finished(t) => !self.trial_ids.contains_key(&t.number),
                _ => false,
            })
            .count();
        let rows = TrialRows {
            space: &self.space,
            distributions: &self.distributions,
        };
        let study_id = self.study_id;
        let mut trial_ids = self.trial_ids.clone();
        let mut next_number = self.next_number;
        let conn = self
            .conn
            .get_mut()
            .map_err(|_| db_error(&self.location, "the connection was poisoned".into()))?;
        transact(conn.as_mut(), |conn| {
            let mut ids = reserve_ids(conn, new)?.into_iter();
            let mut sql = String::with_capacity(512 * pending.len());
            for p in &pending {
                match p {
                    Pending::New(trial) | Pending::Stored(trial) => {
                        let id = ids.next().ok_or("too few trial ids")?;
                        let finished = matches!(p, Pending::Stored(_));
                        rows.insert(&mut sql, study_id, id, next_number, trial, "RUNNING", &[]);
                        if finished {
                            TrialRows::finish(&mut sql, id, trial);
                        }
                        next_number += 1;
                        trial_ids.insert(trial.number, id);
                    }
                    Pending::Finished(trial) => {
                        let id = match trial_ids.get(&trial.number) {
                            Some(&id) => id,
                            None => {
                                let id = ids.next().ok_or("too few trial ids")?;
                                rows.insert(
                                    &mut sql,
                                    study_id,
                                    id,
                                    next_number,
                                    trial,
                                    "RUNNING",
                                    &[],
                                );
                                next_number += 1;
                                trial_ids.insert(trial.number, id);
                                id
                            }
                        };
                        TrialRows::finish(&mut sql, id, trial);
                    }
                    Pending::Progress {
                        number,
                        step,
                        value,
                    } => {
                        if let Some(&id) = trial_ids.get(number) {
                            rows::progress(&mut sql, id, *step, *value);
                        }
                    }
                    Pending::StudyAttr(key, value) => {
                        rows::set_attr(&mut sql, "study", study_id, key, value);
                        // The run's end wakes idle workers, which then exit.
                        if *key == LAST_RUN_ATTR {
                            queue::notify_workers(&mut sql, conn.dialect(), study_id);
                        }
                    }
                }
            }
            conn.batch(&sql)
        })
        .map_err(|e| db_error(&self.location, e))?;
        self.trial_ids = trial_ids;
        self.next_number = next_number;
        Ok(())
    }

    fn load(&self) -> Result<Recovered, StorageError> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| db_error(&self.location, "the connection was poisoned".into()))?;
        rows::read_study(guard.as_mut(), &self.location, self.study_id).map(|(r, _)| r)
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

/// The result attribute of an attempt failed as interrupted (stale or left running).
fn interrupted_attr(started_at: f64) -> Json {
    json!({"started_at": started_at, "duration": 0.0, "failure": INTERRUPTED, "interrupted": true})
}
