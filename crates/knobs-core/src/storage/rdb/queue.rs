//! [`TrialQueue`] on the SQL storages: waiting trials are Optuna `WAITING` rows, a claim turns
//! the lowest-numbered one `RUNNING` atomically (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
//! concurrent claimants skip each other's row instead of queueing on it; SQLite: the write
//! lock of `BEGIN IMMEDIATE`), heartbeats are Optuna's `trial_heartbeats` rows, and the
//! coordinator's lock is the study system attribute [`COORDINATOR_ATTR`].
//!
//! Round trips, since the database is what every worker waits on: on PostgreSQL a claim is
//! one statement (the update of the lowest waiting row, the worker and heartbeat rows, and
//! the claimed trial's parameters and definition read back through `RETURNING`), a finish is
//! one statement, a worker's finish and its next claim travel together as one transaction,
//! the coordinator enqueues what it asked in one transaction and reads what changed in at
//! most two queries. Heartbeats are written and judged on the database's clock (Optuna's
//! rule), so workers on hosts whose clocks disagree do not fail each other's trials.

use super::rows::{self, TrialRows, set_attr, stamp};
use super::{Conn, Dialect, RdbStorage, db_error, interrupted_attr, reserve_ids, transact};
use crate::storage::journal::{self, LAST_RUN_ATTR, RESULT_ATTR, STUDY_ATTR, TRIAL_ATTR};
use crate::storage::queue::{Claimed, TrialQueue, Update, WorkerId, WorkerStatus};
use crate::storage::{Recovered, Storage, StorageError};
use crate::study::Trial;
use serde_json::{Value as Json, json};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::time::Duration;

/// Study system attribute: the coordinator's [`WorkerId`] and its last heartbeat (seconds).
pub(crate) const COORDINATOR_ATTR: &str = "knobs:coordinator";
/// Trial system attribute: the [`WorkerId`] that claimed the attempt.
pub(crate) const WORKER_ATTR: &str = "knobs:worker";
/// A coordinator silent this long has died: another may take the study over.
const COORDINATOR_STALE: f64 = 60.0;
/// How often a coordinator refreshes its heartbeat (a write; every poll would contend with
/// the workers' claims for SQLite's one write lock).
const COORDINATOR_BEAT: Duration = Duration::from_secs(5);

/// Whether the coordinator recorded in `holder` may still be alive at `now` (the database's
/// clock, which its heartbeat was written with): one on this host whose process is gone is
/// dead at once (a coordinator killed and restarted takes over without waiting); one on
/// another host is judged by its heartbeat alone, so hosts with skewed clocks agree.
fn holder_alive(holder: &Json, me: &WorkerId, now: f64) -> bool {
    let beat = holder["heartbeat"].as_f64().unwrap_or(0.0);
    if now - beat >= COORDINATOR_STALE {
        return false;
    }
    let worker = &holder["worker"];
    if worker["host"].as_str() != Some(me.host.as_str()) {
        return true;
    }
    match worker["pid"].as_u64().and_then(|p| i32::try_from(p).ok()) {
        Some(pid) => process_alive(pid),
        None => true,
    }
}

/// Whether process `pid` exists on this host.
#[cfg(unix)]
fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere a process cannot be probed: it is taken as alive (the heartbeat decides).
#[cfg(not(unix))]
fn process_alive(_pid: i32) -> bool {
    true
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Fail storage trial `id` as interrupted (left running by a dead writer, or stale).
pub(super) fn fail_sql(sql: &mut String, id: i64, started_at: Option<f64>) {
    fail_sql_because(sql, id, started_at, None);
}

/// [`fail_sql`], with why in the result attribute's `why` (the failure stays "interrupted",
/// which every reader and `poll` go by): a stale attempt names its silent worker, as the
/// journal's does.
fn fail_sql_because(sql: &mut String, id: i64, started_at: Option<f64>, why: Option<&str>) {
    let mut attr = interrupted_attr(started_at.unwrap_or(0.0));
    if let Some(why) = why {
        attr["why"] = json!(why);
    }
    set_attr(sql, "trial", id, RESULT_ATTR, &attr);
    let _ = writeln!(
        sql,
        "UPDATE trials SET state = 'FAIL', datetime_complete = {} WHERE trial_id = {id};",
        stamp(now())
    );
}

/// Why stale attempt `id` is failed, naming the worker that went silent (read only for an
/// attempt found stale), as the journal words it.
fn stale_reason(conn: &mut dyn Conn, id: i64, timeout: Duration) -> Result<String, String> {
    let worker = conn
        .query(&format!(
            "SELECT value_json FROM trial_system_attributes WHERE trial_id = {id} \
             AND key = '{WORKER_ATTR}'"
        ))?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|s| serde_json::from_str::<WorkerId>(&s).ok());
    Ok(format!(
        "its worker ({}) sent no heartbeat for {:.0} s; the trial was run again",
        worker.map_or_else(
            || "unknown".to_owned(),
            |w| format!("{} pid {}", w.host, w.pid)
        ),
        timeout.as_secs_f64()
    ))
}

/// How many trial ids a PostgreSQL coordinator takes from the sequence at once (unused ones
/// are gaps, as a rolled-back insert leaves in any Optuna database).
const ID_BLOCK: usize = 64;

/// The channel a PostgreSQL coordinator notifies when it enqueues (or ends its run), and
/// idle workers of study `study_id` listen on.
pub(super) fn channel(study_id: i64) -> String {
    format!("knobs_study_{study_id}")
}

/// Write `trial` as a waiting trial at `(study_id, storage id, Optuna number)`, with what a
/// worker needs beside its point: how many trials were told when it was asked (its pruner
/// compares it with those) and whether the strategy wants the objective's gradient. Both a
/// first enqueue and the re-enqueue of a stale attempt go through here.
fn insert_waiting(
    rows: &TrialRows,
    sql: &mut String,
    (study_id, id, number): (i64, i64, i64),
    trial: &Trial,
    told_before: u64,
    want_gradient: bool,
) {
    rows.insert(
        sql,
        study_id,
        id,
        number,
        trial,
        "WAITING",
        &[
            ("told_before", json!(told_before)),
            ("want_gradient", json!(want_gradient)),
        ],
    );
}

/// Wake the idle workers of the study (PostgreSQL: they wait on its channel; SQLite's
/// workers poll, so nothing is written there).
pub(super) fn notify_workers(sql: &mut String, dialect: Dialect, study_id: i64) {
    if dialect == Dialect::Postgres {
        let _ = writeln!(sql, "NOTIFY {};", channel(study_id));
    }
}

/// The database's clock now, as Optuna's naive-UTC `DateTime` (what heartbeats are written
/// with, as Optuna's `record_heartbeat` writes `now()`).
fn db_now(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "(now() AT TIME ZONE 'UTC')",
        // Six fraction digits, as SQLAlchemy writes a DateTime on SQLite.
        Dialect::Sqlite => "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')",
    }
}

/// The database's clock now in seconds since the Unix epoch: what a coordinator's heartbeat
/// is written and judged with.
fn db_epoch(conn: &mut dyn Conn) -> Result<f64, String> {
    let sql = match conn.dialect() {
        Dialect::Postgres => "SELECT extract(epoch from now())::double precision",
        Dialect::Sqlite => "SELECT (julianday('now') - 2440587.5) * 86400.0",
    };
    conn.query(sql)?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| "the database did not tell its time".to_owned())
}

/// The SQL condition that the naive-UTC datetime `column` is more than `seconds` before the
/// database's clock: a heartbeat's age judged where it was written, never on this host.
fn older_than(d: Dialect, column: &str, seconds: f64) -> String {
    match d {
        Dialect::Postgres => {
            format!("{column} < (now() AT TIME ZONE 'UTC') - interval '{seconds:.6} seconds'")
        }
        Dialect::Sqlite => {
            format!("julianday({column}) < julianday('now') - {seconds:.6} / 86400.0")
        }
    }
}

/// `k` new trial ids. PostgreSQL: from Optuna's sequence, [`ID_BLOCK`] at a time (only the
/// coordinator inserts trials, one transaction after another, so ids still grow in the
/// order trials are written); SQLite: after the largest, inside the caller's write
/// transaction.
fn new_ids(conn: &mut dyn Conn, spare: &mut Vec<i64>, k: usize) -> Result<Vec<i64>, String> {
    if conn.dialect() == Dialect::Sqlite {
        return reserve_ids(conn, k);
    }
    if spare.len() < k {
        let mut more = reserve_ids(conn, k.max(ID_BLOCK))?;
        more.sort_unstable();
        spare.extend(more);
    }
    Ok(spare.drain(..k).collect())
}

/// The one statement of a PostgreSQL claim: the `want` lowest-numbered waiting trials of the study
/// turns `RUNNING` (rows another claimant holds are skipped, not waited on), the worker and
/// its first heartbeat are written, and the claimed trial comes back (id, Knobs attribute,
/// parameters, the study's definition) for [`claimed_trial`].
fn claim_sql(study_id: i64, me: &WorkerId, started: f64, want: usize) -> String {
    format!(
        "WITH c AS (UPDATE trials SET state = 'RUNNING', datetime_start = {start} WHERE \
         state = 'WAITING' AND trial_id IN (SELECT trial_id FROM trials WHERE study_id = \
         {study_id} AND state = 'WAITING' ORDER BY number LIMIT {want} FOR UPDATE SKIP LOCKED) \
         RETURNING trial_id), \
         w AS (INSERT INTO trial_system_attributes (trial_id, key, value_json) SELECT \
         trial_id, '{WORKER_ATTR}', {worker} FROM c ON CONFLICT (trial_id, key) DO UPDATE SET \
         value_json = excluded.value_json), \
         h AS (INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT trial_id, {now} FROM c \
         ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat) \
         SELECT c.trial_id, (SELECT a.value_json FROM trial_system_attributes a WHERE \
         a.trial_id = c.trial_id AND a.key = '{TRIAL_ATTR}'), (SELECT \
         json_agg(json_build_array(p.param_name, p.param_value::text, p.distribution_json) \
         ORDER BY p.param_id) FROM trial_params p WHERE p.trial_id = c.trial_id), (SELECT \
         s.value_json FROM study_system_attributes s WHERE s.study_id = {study_id} AND s.key = \
         '{STUDY_ATTR}') FROM c",
        start = stamp(started),
        worker = rows::text(&json!(me).to_string()),
        now = db_now(Dialect::Postgres),
    )
}

/// The one statement of a PostgreSQL finish: the attempt's state, result attribute and
/// value, written only while it is still `RUNNING` (the update takes the row's lock first, so
/// a concurrent stale failure and this finish cannot both win).
fn finish_sql(id: i64, trial: &Trial) -> String {
    let (code, value) = journal::optuna_state(trial);
    let result = journal::JournalStorage::result_attr(trial);
    let mut sql = format!(
        "WITH u AS (UPDATE trials SET state = '{}', datetime_start = {}, datetime_complete = {} \
         WHERE trial_id = {id} AND state = 'RUNNING' RETURNING trial_id), \
         a AS (INSERT INTO trial_system_attributes (trial_id, key, value_json) SELECT trial_id, \
         '{RESULT_ATTR}', {} FROM u ON CONFLICT (trial_id, key) DO UPDATE SET value_json = \
         excluded.value_json)",
        rows::state_name(code),
        stamp(trial.started_at),
        stamp(trial.started_at + trial.duration),
        rows::text(&result.to_string())
    );
    if let Some(v) = value {
        let (v, kind) = rows::value_cols(v);
        let _ = write!(
            sql,
            ", v AS (INSERT INTO trial_values (trial_id, objective, value, value_type) SELECT \
             trial_id, 0, {v}::double precision, '{kind}'::trialvaluetype FROM u ON CONFLICT \
             (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = \
             excluded.value_type)"
        );
    }
    sql.push_str(" SELECT count(*) FROM u");
    sql
}

/// The trial a PostgreSQL claim returned (a row of [`claim_sql`]), `Running` since `started`.
fn claimed_trial(
    location: &str,
    row: &[Option<String>],
    started: f64,
) -> Result<Claimed, StorageError> {
    let fail = |m: String| db_error(location, m);
    let cell = |i: usize| row.get(i).cloned().flatten();
    let id: i64 = cell(0)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail("a claimed trial has no id".into()))?;
    let json = |i: usize, what: &str| -> Result<Json, StorageError> {
        serde_json::from_str(&cell(i).unwrap_or_else(|| "null".into()))
            .map_err(|e| fail(format!("trial {id}: {what} is not JSON: {e}")))
    };
    let attr = json(1, TRIAL_ATTR)?;
    let params = match json(2, "its parameters")? {
        Json::Array(items) => items
            .iter()
            .map(|p| {
                let text = |i: usize| p.get(i).and_then(Json::as_str).unwrap_or_default();
                let x = text(1).parse::<f64>().unwrap_or(f64::NAN);
                (text(0).to_owned(), x, text(2).to_owned())
            })
            .collect(),
        _ => Vec::new(),
    };
    let definition = json(3, STUDY_ATTR)?;
    let mut trial_attrs = serde_json::Map::new();
    trial_attrs.insert(TRIAL_ATTR.into(), attr.clone());
    let row = journal::RowTrial {
        state: journal::state::RUNNING,
        values: None,
        params,
        user_attrs: serde_json::Map::new(),
        system_attrs: trial_attrs,
        intermediate: Vec::new(),
        start: Some(started),
        complete: None,
    };
    let mut trial = knobs_trial(location, definition, row)?
        .ok_or_else(|| fail(format!("trial {id} is not a Knobs trial")))?;
    trial.started_at = started;
    Ok(Claimed {
        trial,
        told_before: attr["told_before"].as_u64().unwrap_or(0) as usize,
        want_gradient: attr["want_gradient"].as_bool().unwrap_or(false),
        attempt: id as u64,
    })
}

/// The Knobs trial one storage row holds, read by the journal's own reader against the
/// study's `definition`; `None` when the row is not a Knobs trial (or still waiting).
fn knobs_trial(
    location: &str,
    definition: Json,
    row: journal::RowTrial,
) -> Result<Option<Trial>, StorageError> {
    let mut system = serde_json::Map::new();
    system.insert(STUDY_ATTR.into(), definition);
    let recovered = journal::recovered_from_rows(
        std::path::Path::new(location),
        String::new(),
        vec![1],
        serde_json::Map::new(),
        system,
        vec![row],
    )?;
    Ok(recovered.study.trials.into_iter().next())
}

impl RdbStorage {
    /// The Knobs trials of storage trials `ids` as read (state as stored), each with its
    /// system attributes, in id order: one round trip with the study's definition. A trial
    /// that is not a Knobs trial (or still waiting) is left out.
    #[allow(clippy::type_complexity)]
    fn trials_of(
        conn: &mut dyn Conn,
        location: &str,
        study_id: i64,
        ids: &[i64],
    ) -> Result<Vec<(i64, Trial, serde_json::Map<String, Json>)>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let fail = |m: String| db_error(location, m);
        let mut statements = vec![format!(
            "SELECT value_json FROM study_system_attributes WHERE study_id = {study_id} \
             AND key = '{STUDY_ATTR}'"
        )];
        statements.extend(rows::trial_statements(conn.dialect(), study_id, Some(ids)));
        let mut results = conn.query_all(&statements).map_err(fail)?;
        let definition = results
            .remove(0)
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .ok_or_else(|| fail("the study has no Knobs definition".into()))?;
        let definition: Json =
            serde_json::from_str(&definition).map_err(|e| fail(e.to_string()))?;
        let mut trials = rows::parse_trials(results).map_err(fail)?;
        trials.sort_by_key(|(id, _)| *id);
        let mut out = Vec::with_capacity(trials.len());
        for (id, row) in trials {
            let attrs = row.system_attrs.clone();
            if let Some(trial) = knobs_trial(location, definition.clone(), row)? {
                out.push((id, trial, attrs));
            }
        }
        Ok(out)
    }

    /// The Knobs trial of storage trial `id`, with its Knobs attribute.
    fn trial_of(
        conn: &mut dyn Conn,
        location: &str,
        study_id: i64,
        id: i64,
    ) -> Result<(Trial, Json), StorageError> {
        let (_, trial, attrs) = RdbStorage::trials_of(conn, location, study_id, &[id])?
            .into_iter()
            .next()
            .ok_or_else(|| db_error(location, format!("trial {id} is not a Knobs trial")))?;
        Ok((trial, attrs.get(TRIAL_ATTR).cloned().unwrap_or(Json::Null)))
    }

    fn with_conn<T>(
        &mut self,
        work: impl FnOnce(&mut dyn Conn, &str, i64) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let location = self.location.clone();
        let study_id = self.study_id;
        let conn = self
            .conn
            .get_mut()
            .map_err(|_| db_error(&location, "the connection was poisoned".into()))?;
        work(conn.as_mut(), &location, study_id)
    }

    /// SQLite's claim: under the write lock, the attempts of `before` are finished and the
    /// `want` lowest-numbered waiting trials turn `RUNNING`, in one transaction.
    fn claim_sqlite(
        &mut self,
        me: &WorkerId,
        before: &[(u64, Trial)],
        want: usize,
    ) -> Result<Vec<Claimed>, StorageError> {
        self.with_conn(|conn, location, study_id| {
            let started = now();
            let ids = transact(conn, |conn| {
                for (id, trial) in before {
                    finish_if_running(conn, *id as i64, trial)?;
                }
                if want == 0 {
                    return Ok(Vec::new());
                }
                let ids: Vec<i64> = conn
                    .query(&format!(
                        "SELECT trial_id FROM trials WHERE study_id = {study_id} AND \
                         state = 'WAITING' ORDER BY number LIMIT {want}"
                    ))?
                    .iter()
                    .filter_map(|r| r.first().cloned().flatten()?.parse().ok())
                    .collect();
                let mut sql = String::new();
                for id in &ids {
                    let _ = writeln!(
                        sql,
                        "UPDATE trials SET state = 'RUNNING', datetime_start = {} WHERE trial_id = {id};",
                        stamp(started)
                    );
                    set_attr(&mut sql, "trial", *id, WORKER_ATTR, &json!(me));
                    let _ = writeln!(
                        sql,
                        "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES ({id}, {}) ON \
                         CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat;",
                        db_now(Dialect::Sqlite)
                    );
                }
                conn.batch(&sql)?;
                Ok(ids)
            })
            .map_err(|e| db_error(location, e))?;
            let mut claimed = Vec::with_capacity(ids.len());
            for (id, mut trial, attrs) in RdbStorage::trials_of(conn, location, study_id, &ids)? {
                let attr = attrs.get(TRIAL_ATTR).cloned().unwrap_or(Json::Null);
                trial.started_at = started;
                claimed.push(Claimed {
                    trial,
                    told_before: attr["told_before"].as_u64().unwrap_or(0) as usize,
                    want_gradient: attr["want_gradient"].as_bool().unwrap_or(false),
                    attempt: id as u64,
                });
            }
            claimed.sort_by_key(|c| c.trial.number);
            Ok(claimed)
        })
    }

    /// PostgreSQL's claim: one statement ([`claim_sql`]), after the finishes of `before` in
    /// the same implicit transaction, so a worker's results and next claims are one round
    /// trip and one durable write.
    fn claim_postgres(
        &mut self,
        me: &WorkerId,
        before: &[(u64, Trial)],
        want: usize,
    ) -> Result<Vec<Claimed>, StorageError> {
        self.with_conn(|conn, location, study_id| {
            let started = now();
            let mut statements: Vec<String> = before
                .iter()
                .map(|(id, trial)| finish_sql(*id as i64, trial))
                .collect();
            if want > 0 {
                statements.push(claim_sql(study_id, me, started, want));
            }
            if statements.is_empty() {
                return Ok(Vec::new());
            }
            let results = conn
                .query_all(&statements)
                .map_err(|e| db_error(location, e))?;
            if want == 0 {
                return Ok(Vec::new());
            }
            let mut claimed = results
                .last()
                .map(|rows| {
                    rows.iter()
                        .map(|row| claimed_trial(location, row, started))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            claimed.sort_by_key(|c| c.trial.number);
            Ok(claimed)
        })
    }
}

/// SQLite's finish, inside the caller's write transaction: the attempt's rows only while it
/// is still `RUNNING` (a late result of an attempt failed as stale is dropped).
fn finish_if_running(conn: &mut dyn Conn, id: i64, trial: &Trial) -> Result<(), String> {
    let rows = conn.query(&format!(
        "SELECT {} FROM trials WHERE trial_id = {id}",
        rows::as_text(conn.dialect(), "state")
    ))?;
    let running = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .is_some_and(|s| s == "RUNNING");
    if !running {
        return Ok(());
    }
    let mut sql = String::new();
    TrialRows::finish(&mut sql, id, trial);
    conn.batch(&sql)
}

/// What [`TrialQueue::poll`] has reported so far, and the coordinator's spare trial ids.
#[derive(Default)]
pub(super) struct PollState {
    claimed: HashSet<i64>,
    finished: HashSet<i64>,
    steps: HashMap<i64, usize>,
    /// When the coordinator's heartbeat was last written.
    beat_at: Option<std::time::Instant>,
    /// Every trial below this id is finished and reported: polls read from here on.
    floor: i64,
    /// How many intermediate values each running trial had when last read.
    reports: HashMap<i64, usize>,
    /// Trial ids taken from PostgreSQL's sequence and not used yet, lowest first.
    spare_ids: Vec<i64>,
}

impl TrialQueue for RdbStorage {
    fn lock_coordinator(&mut self, me: &WorkerId) -> Result<(), StorageError> {
        let location = self.location.clone();
        let study_id = self.study_id;
        let (holder, all) = self.transact(|conn| {
            let lock = match conn.dialect() {
                Dialect::Postgres => " FOR UPDATE",
                Dialect::Sqlite => "",
            };
            let rows = conn.query(&format!(
                "SELECT value_json FROM study_system_attributes WHERE study_id = {study_id} \
                 AND key = '{COORDINATOR_ATTR}'{lock}"
            ))?;
            let current: Option<Json> = rows
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .and_then(|s| serde_json::from_str(&s).ok());
            let current = current.filter(|c| !c.is_null());
            let clock = db_epoch(conn)?;
            let refresh = current
                .as_ref()
                .is_some_and(|c| c["worker"]["token"].as_str() == Some(me.token.as_str()));
            if let Some(c) = current
                .as_ref()
                .filter(|c| !refresh && holder_alive(c, me, clock))
            {
                return Ok((Some(c["worker"].clone()), Vec::new()));
            }
            let mut sql = String::new();
            let mut all = Vec::new();
            if !refresh {
                // A new coordinator asks every unfinished trial again: what an earlier one
                // left waiting or running is failed as interrupted, and not polled.
                let left = conn.query(&format!(
                    "SELECT trial_id, {} FROM trials WHERE study_id = {study_id}",
                    rows::as_text(conn.dialect(), "state")
                ))?;
                for r in left {
                    let Some(id) = r
                        .first()
                        .cloned()
                        .flatten()
                        .and_then(|s| s.parse::<i64>().ok())
                    else {
                        continue;
                    };
                    let state = r.get(1).cloned().flatten().unwrap_or_default();
                    if state == "WAITING" || state == "RUNNING" {
                        fail_sql(&mut sql, id, None);
                    }
                    all.push(id);
                }
            }
            set_attr(
                &mut sql,
                "study",
                study_id,
                COORDINATOR_ATTR,
                &json!({"worker": me, "heartbeat": clock}),
            );
            conn.batch(&sql)?;
            Ok((None, all))
        })?;
        match holder {
            Some(holder) => Err(StorageError::Locked {
                path: location.into(),
                holder: holder["pid"].as_u64().and_then(|p| u32::try_from(p).ok()),
                host: holder["host"].as_str().map(str::to_owned),
                study: Some(self.name.clone()),
            }),
            None => {
                // Optuna's number of the next trial: only the coordinator inserts trials.
                self.next_number = self.next_number.max(all.len() as i64);
                self.coordinator = Some(me.clone());
                self.poll.floor = self.poll.floor.max(all.iter().max().map_or(0, |m| m + 1));
                self.poll.finished.extend(all);
                self.poll.beat_at = Some(std::time::Instant::now());
                Ok(())
            }
        }
    }

    fn enqueue(
        &mut self,
        trial: &Trial,
        told_before: usize,
        want_gradient: bool,
    ) -> Result<(), StorageError> {
        self.enqueue_many(&[(trial.clone(), told_before, want_gradient)])
    }

    fn enqueue_many(&mut self, trials: &[(Trial, usize, bool)]) -> Result<(), StorageError> {
        if trials.is_empty() {
            return Ok(());
        }
        let study_id = self.study_id;
        let rows = TrialRows {
            space: &self.space,
            distributions: &self.distributions,
        };
        let location = self.location.clone();
        let first_number = self.next_number;
        let spare = &mut self.poll.spare_ids;
        let conn = self
            .conn
            .get_mut()
            .map_err(|_| db_error(&location, "the connection was poisoned".into()))?;
        let write = |conn: &mut dyn Conn, spare: &mut Vec<i64>| -> Result<Vec<i64>, String> {
            let ids = new_ids(conn, spare, trials.len())?;
            let mut sql = String::with_capacity(1024 * trials.len());
            for ((trial, told, want_gradient), (&id, number)) in
                trials.iter().zip(ids.iter().zip(first_number..))
            {
                insert_waiting(
                    &rows,
                    &mut sql,
                    (study_id, id, number),
                    trial,
                    *told as u64,
                    *want_gradient,
                );
            }
            notify_workers(&mut sql, conn.dialect(), study_id);
            conn.batch(&sql)?;
            Ok(ids)
        };
        let ids = match conn.dialect() {
            // One text without BEGIN: one implicit transaction, one round trip.
            Dialect::Postgres => write(conn.as_mut(), spare),
            Dialect::Sqlite => transact(conn.as_mut(), |conn| write(conn, spare)),
        }
        .map_err(|e| db_error(&location, e))?;
        self.next_number += trials.len() as i64;
        for ((trial, _, _), id) in trials.iter().zip(ids) {
            self.trial_ids.insert(trial.number, id);
        }
        Ok(())
    }

    fn claim(&mut self, me: &WorkerId) -> Result<Option<Claimed>, StorageError> {
        Ok(self.finish_and_claim(&[], me, 1)?.pop())
    }

    fn finish_and_claim(
        &mut self,
        done: &[(u64, Trial)],
        me: &WorkerId,
        want: usize,
    ) -> Result<Vec<Claimed>, StorageError> {
        match self.with_conn(|conn, _, _| Ok(conn.dialect()))? {
            Dialect::Postgres => self.claim_postgres(me, done, want),
            Dialect::Sqlite => self.claim_sqlite(me, done, want),
        }
    }

    fn wait_for_work(&mut self, timeout: Duration) -> Result<bool, StorageError> {
        self.with_conn(|conn, location, study_id| {
            conn.wait_notify(&channel(study_id), timeout)
                .map_err(|e| db_error(location, e))
        })
    }

    fn heartbeat(&mut self, _me: &WorkerId, attempt: u64) -> Result<(), StorageError> {
        self.with_conn(|conn, location, _| {
            // On the database's clock, as the coordinator judges it.
            let sql = format!(
                "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES ({attempt}, {}) ON \
                 CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat",
                db_now(conn.dialect())
            );
            conn.batch(&sql).map_err(|e| db_error(location, e))
        })
    }

    fn report(&mut self, attempt: u64, step: u64, value: f64) -> Result<(), StorageError> {
        let mut sql = String::new();
        rows::progress(&mut sql, attempt as i64, step, value);
        // One statement: atomic and durable on its own.
        self.with_conn(|conn, location, _| conn.batch(&sql).map_err(|e| db_error(location, e)))
    }

    fn finish(&mut self, attempt: u64, trial: &Trial) -> Result<(), StorageError> {
        let id = attempt as i64;
        self.with_conn(|conn, location, _| {
            match conn.dialect() {
                Dialect::Postgres => conn.query(&finish_sql(id, trial)).map(drop),
                Dialect::Sqlite => transact(conn, |conn| finish_if_running(conn, id, trial)),
            }
            .map_err(|e| db_error(location, e))
        })
    }

    fn fail_stale(&mut self, timeout: Duration) -> Result<Vec<usize>, StorageError> {
        let study_id = self.study_id;
        let location = self.location.clone();
        let me = self.coordinator_beat();
        let stale = self.with_conn(|conn, location, study_id| {
            let d = conn.dialect();
            // Judged on the database's clock, as Optuna does: a trial without a heartbeat
            // row (not claimed by a Knobs worker) is not judged.
            let rows = conn
                .query(&format!(
                    "SELECT t.trial_id FROM trials t JOIN trial_heartbeats h ON h.trial_id = \
                     t.trial_id WHERE t.study_id = {study_id} AND t.state = 'RUNNING' AND {} \
                     ORDER BY t.trial_id",
                    older_than(d, "h.heartbeat", timeout.as_secs_f64())
                ))
                .map_err(|e| db_error(location, e))?;
            Ok(rows
                .into_iter()
                .filter_map(|r| r.first().cloned().flatten()?.parse::<i64>().ok())
                .collect::<Vec<i64>>())
        })?;
        let mut numbers = Vec::new();
        for id in stale {
            let rows_of = TrialRows {
                space: &self.space,
                distributions: &self.distributions,
            };
            let number = self.next_number;
            let spare = &mut self.poll.spare_ids;
            let conn = self
                .conn
                .get_mut()
                .map_err(|_| db_error(&location, "the connection was poisoned".into()))?;
            let (trial, attr) = RdbStorage::trial_of(conn.as_mut(), &location, study_id, id)?;
            let told = attr["told_before"].as_u64().unwrap_or(0);
            let want_gradient = attr["want_gradient"].as_bool().unwrap_or(false);
            let why =
                stale_reason(conn.as_mut(), id, timeout).map_err(|e| db_error(&location, e))?;
            let new_id = transact(conn.as_mut(), |conn| {
                let lock = match conn.dialect() {
                    Dialect::Postgres => " FOR UPDATE",
                    Dialect::Sqlite => "",
                };
                let still = conn.query(&format!(
                    "SELECT {} FROM trials WHERE trial_id = {id}{lock}",
                    rows::as_text(conn.dialect(), "state")
                ))?;
                if still
                    .first()
                    .and_then(|r| r.first().cloned().flatten())
                    .is_none_or(|s| s != "RUNNING")
                {
                    return Ok(None);
                }
                let new_id = new_ids(conn, spare, 1)?
                    .first()
                    .copied()
                    .ok_or("no trial id")?;
                let mut sql = String::new();
                fail_sql_because(&mut sql, id, Some(trial.started_at), Some(&why));
                insert_waiting(
                    &rows_of,
                    &mut sql,
                    (study_id, new_id, number),
                    &trial,
                    told,
                    want_gradient,
                );
                notify_workers(&mut sql, conn.dialect(), study_id);
                conn.batch(&sql)?;
                Ok(Some(new_id))
            })
            .map_err(|e| db_error(&location, e))?;
            if let Some(new_id) = new_id {
                self.next_number += 1;
                numbers.push(trial.number);
                self.trial_ids.insert(trial.number, new_id);
            }
        }
        self.refresh_coordinator(me)?;
        Ok(numbers)
    }

    fn poll(&mut self) -> Result<Vec<Update>, StorageError> {
        let mut seen = std::mem::take(&mut self.poll);
        let me = self.coordinator_beat();
        let result = self
            .with_conn(|conn, location, study_id| poll_once(conn, location, study_id, &mut seen));
        self.poll = seen;
        self.refresh_coordinator(me)?;
        result
    }

    fn workers(&mut self) -> Result<Vec<WorkerStatus>, StorageError> {
        self.with_conn(|conn, location, study_id| {
            let d = conn.dialect();
            let rows = conn
                .query(&format!(
                    "SELECT a.value_json, {}, {}, k.value_json FROM trial_system_attributes a JOIN \
                     trials t ON t.trial_id = a.trial_id LEFT JOIN trial_heartbeats h ON \
                     h.trial_id = t.trial_id LEFT JOIN trial_system_attributes k ON \
                     k.trial_id = t.trial_id AND k.key = '{TRIAL_ATTR}' \
                     WHERE t.study_id = {study_id} AND a.key = '{WORKER_ATTR}' ORDER BY t.trial_id",
                    rows::as_text(d, "t.state"),
                    rows::as_text(d, "h.heartbeat")
                ))
                .map_err(|e| db_error(location, e))?;
            let mut out: Vec<WorkerStatus> = Vec::new();
            for r in rows {
                let Some(worker) = r
                    .first()
                    .cloned()
                    .flatten()
                    .and_then(|s| serde_json::from_str::<WorkerId>(&s).ok())
                else {
                    continue;
                };
                let state = r.get(1).cloned().flatten().unwrap_or_default();
                let number = r
                    .get(3)
                    .cloned()
                    .flatten()
                    .and_then(|s| serde_json::from_str::<Json>(&s).ok()?["number"].as_u64());
                let beat = r
                    .get(2)
                    .cloned()
                    .flatten()
                    .and_then(|s| crate::storage::time::from_iso(&s))
                    .unwrap_or(0.0);
                let i = match out.iter().position(|w| w.worker == worker) {
                    Some(i) => i,
                    None => {
                        out.push(WorkerStatus {
                            worker,
                            running: None,
                            last_heartbeat: 0.0,
                            done: 0,
                            failed: 0,
                        });
                        out.len() - 1
                    }
                };
                let w = &mut out[i];
                w.last_heartbeat = w.last_heartbeat.max(beat);
                match state.as_str() {
                    "RUNNING" => w.running = number.map(|n| n as usize),
                    "FAIL" => w.failed += 1,
                    _ => w.done += 1,
                }
            }
            Ok(out)
        })
    }

    fn read_study(&mut self) -> Result<Recovered, StorageError> {
        Storage::load(self)
    }

    fn is_finished(&mut self) -> Result<bool, StorageError> {
        self.with_conn(|conn, location, study_id| {
            // The run's end and whether anything waits, in one query (reading the whole
            // study here would make every idle worker load it many times a second).
            let row = conn
                .query(&format!(
                    "SELECT (SELECT value_json FROM study_system_attributes WHERE study_id = \
                     {study_id} AND key = '{LAST_RUN_ATTR}'), (SELECT count(*) FROM (SELECT 1 \
                     FROM trials WHERE study_id = {study_id} AND state = 'WAITING' LIMIT 1) w)"
                ))
                .map_err(|e| db_error(location, e))?;
            let cell = |i: usize| row.first().and_then(|r| r.get(i).cloned().flatten());
            let ended = cell(0).is_some_and(|v| v.trim() != "null");
            let waiting = cell(1)
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(|| db_error(location, "no count of waiting trials".into()))?;
            Ok(ended && waiting == 0)
        })
    }
}

/// One poll: a query of the states (and report counts) of the trials from the floor on, then
/// one read of just those that changed since the last poll.
fn poll_once(
    conn: &mut dyn Conn,
    location: &str,
    study_id: i64,
    seen: &mut PollState,
) -> Result<Vec<Update>, StorageError> {
    let d = conn.dialect();
    let rows = conn
        .query(&format!(
            "SELECT t.trial_id, {}, (SELECT count(*) FROM trial_intermediate_values i WHERE \
             i.trial_id = t.trial_id) FROM trials t WHERE t.study_id = {study_id} AND \
             t.trial_id >= {} ORDER BY t.trial_id",
            rows::as_text(d, "t.state"),
            seen.floor
        ))
        .map_err(|e| db_error(location, e))?;
    // Only this coordinator inserts trials, one transaction after another, so ids grow:
    // the next poll reads from the lowest id not finished yet (or past the last).
    let mut floor: Option<i64> = None;
    let mut last = seen.floor - 1;
    let mut changed = Vec::new();
    for r in rows {
        let Some(id) = r
            .first()
            .cloned()
            .flatten()
            .and_then(|s| s.parse::<i64>().ok())
        else {
            continue;
        };
        last = last.max(id);
        if seen.finished.contains(&id) {
            continue;
        }
        let state = r.get(1).cloned().flatten().unwrap_or_default();
        if state != "COMPLETE" && state != "PRUNED" && state != "FAIL" {
            floor.get_or_insert(id);
        }
        if state == "WAITING" {
            continue;
        }
        let reports = r
            .get(2)
            .cloned()
            .flatten()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        let known = seen.reports.get(&id).copied().unwrap_or(0);
        if state != "RUNNING" || !seen.claimed.contains(&id) || reports > known {
            changed.push(id);
            seen.reports.insert(id, reports);
        }
    }
    let mut updates = Vec::new();
    for (id, trial, attrs) in RdbStorage::trials_of(conn, location, study_id, &changed)? {
        if seen.claimed.insert(id) {
            let worker = attrs
                .get(WORKER_ATTR)
                .and_then(|w| serde_json::from_value::<WorkerId>(w.clone()).ok());
            if let Some(worker) = worker {
                updates.push(Update::Claimed {
                    trial: trial.clone(),
                    worker,
                });
            }
        }
        let known = seen.steps.entry(id).or_insert(0);
        for point in trial.intermediate.iter().skip(*known) {
            updates.push(Update::Progress {
                number: trial.number,
                step: point.step,
                value: point.value,
            });
        }
        *known = (*known).max(trial.intermediate.len());
        if trial.state != crate::study::TrialState::Running {
            seen.finished.insert(id);
            seen.reports.remove(&id);
            let interrupted = matches!(&trial.state, crate::study::TrialState::Failed(w) if w == journal::INTERRUPTED);
            if !interrupted {
                updates.push(Update::Finished(trial));
            }
        }
    }
    seen.floor = floor.unwrap_or(last + 1);
    Ok(updates)
}

impl RdbStorage {
    /// The coordinator this storage locked as, to refresh its heartbeat.
    fn coordinator_beat(&self) -> Option<WorkerId> {
        self.coordinator.clone()
    }

    /// Refresh the coordinator's heartbeat when [`COORDINATOR_BEAT`] has passed.
    fn refresh_coordinator(&mut self, me: Option<WorkerId>) -> Result<(), StorageError> {
        let due = self
            .poll
            .beat_at
            .is_none_or(|at| at.elapsed() >= COORDINATOR_BEAT);
        match me {
            Some(me) if due => self.lock_coordinator(&me),
            _ => Ok(()),
        }
    }
}
