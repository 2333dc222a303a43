//! [`TrialQueue`] on the SQL storages: waiting trials are Optuna `WAITING` rows, a claim turns
//! the lowest-numbered one `RUNNING` atomically (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
//! concurrent claimants skip each other's row instead of queueing on it; SQLite: the write
//! lock of `BEGIN IMMEDIATE`), heartbeats are Optuna's `trial_heartbeats` rows, and the
//! coordinator's lock is the study system attribute [`COORDINATOR_ATTR`].

use super::rows::{self, TrialRows, set_attr, stamp};
use super::{Conn, Dialect, RdbStorage, db_error, interrupted_attr, reserve_ids, transact};
use crate::storage::journal::{LAST_RUN_ATTR, RESULT_ATTR, TRIAL_ATTR};
use crate::storage::queue::{Claimed, TrialQueue, Update, WorkerId, WorkerStatus};
use crate::storage::{Recovered, Storage, StorageError};
use crate::study::Trial;
use serde_json::{Value as Json, json};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::time::Duration;

/// Study system attribute: the coordinator's [`WorkerId`] and its last heartbeat (seconds).
pub const COORDINATOR_ATTR: &str = "knobs:coordinator";
/// Trial system attribute: the [`WorkerId`] that claimed the attempt.
pub const WORKER_ATTR: &str = "knobs:worker";
/// A coordinator silent this long has died: another may take the study over.
const COORDINATOR_STALE: f64 = 60.0;
/// How often a coordinator refreshes its heartbeat (a write; every poll would contend with
/// the workers' claims for SQLite's one write lock).
const COORDINATOR_BEAT: Duration = Duration::from_secs(5);

/// Whether the coordinator recorded in `holder` may still be alive: one on this host whose
/// process is gone is dead at once (a coordinator killed and restarted takes over without
/// waiting); one on another host is judged by its heartbeat alone.
fn holder_alive(holder: &Json, me: &WorkerId) -> bool {
    let beat = holder["heartbeat"].as_f64().unwrap_or(0.0);
    if now() - beat >= COORDINATOR_STALE {
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

fn first_int(rows: &[Vec<Option<String>>]) -> Option<i64> {
    rows.first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|s| s.parse().ok())
}

impl RdbStorage {
    /// The Knobs trial of storage trial `id` as read (state as stored), with its attribute.
    fn trial_of(
        conn: &mut dyn Conn,
        location: &str,
        study_id: i64,
        id: i64,
    ) -> Result<(Trial, Json), StorageError> {
        let fail = |m: String| db_error(location, m);
        let definition = conn
            .query(&format!(
                "SELECT value_json FROM study_system_attributes WHERE study_id = {study_id} \
                 AND key = 'knobs:study'"
            ))
            .map_err(fail)?
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .ok_or_else(|| fail("the study has no Knobs definition".into()))?;
        let trials = rows::read_trials(conn, study_id, Some(id)).map_err(fail)?;
        let attr = trials
            .first()
            .and_then(|(_, t)| t.system_attrs.get(TRIAL_ATTR).cloned())
            .unwrap_or(Json::Null);
        let mut system = serde_json::Map::new();
        system.insert(
            crate::storage::journal::STUDY_ATTR.into(),
            serde_json::from_str(&definition).map_err(|e| fail(e.to_string()))?,
        );
        let recovered = crate::storage::journal::recovered_from_rows(
            std::path::Path::new(location),
            String::new(),
            vec![1],
            serde_json::Map::new(),
            system,
            trials.into_iter().map(|(_, t)| t).collect(),
        )?;
        let trial = recovered
            .study
            .trials
            .into_iter()
            .next()
            .ok_or_else(|| fail(format!("trial {id} is not a Knobs trial")))?;
        Ok((trial, attr))
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
}

/// What [`TrialQueue::poll`] has reported so far.
#[derive(Default)]
pub(super) struct PollState {
    claimed: HashSet<i64>,
    finished: HashSet<i64>,
    steps: HashMap<i64, usize>,
    /// When the coordinator's heartbeat was last written.
    beat_at: Option<std::time::Instant>,
    /// Every trial below this id is finished and reported: polls read from here on.
    floor: i64,
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
            let refresh = current
                .as_ref()
                .is_some_and(|c| c["worker"]["token"].as_str() == Some(me.token.as_str()));
            if let Some(c) = current.as_ref().filter(|c| !refresh && holder_alive(c, me)) {
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
                &json!({"worker": me, "heartbeat": now()}),
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
        let study_id = self.study_id;
        let rows = TrialRows {
            space: &self.space,
            distributions: &self.distributions,
        };
        let location = self.location.clone();
        let conn = self
            .conn
            .get_mut()
            .map_err(|_| db_error(&location, "the connection was poisoned".into()))?;
        let id = transact(conn.as_mut(), |conn| {
            let number = first_int(&conn.query(&format!(
                "SELECT count(*) FROM trials WHERE study_id = {study_id}"
            ))?)
            .unwrap_or(0);
            let id = reserve_ids(conn, 1)?
                .first()
                .copied()
                .ok_or("no trial id")?;
            let mut sql = String::new();
            rows.insert(
                &mut sql,
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
            conn.batch(&sql)?;
            Ok(id)
        })
        .map_err(|e| db_error(&location, e))?;
        self.trial_ids.insert(trial.number, id);
        Ok(())
    }

    fn claim(&mut self, me: &WorkerId) -> Result<Option<Claimed>, StorageError> {
        self.with_conn(|conn, location, study_id| {
            let pick = format!(
                "SELECT trial_id FROM trials WHERE study_id = {study_id} AND state = 'WAITING' \
                 ORDER BY number LIMIT 1{}",
                match conn.dialect() {
                    Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
                    Dialect::Sqlite => "",
                }
            );
            let started = now();
            let id = transact(conn, |conn| {
                let Some(id) = first_int(&conn.query(&pick)?) else {
                    return Ok(None);
                };
                let mut sql = format!(
                    "UPDATE trials SET state = 'RUNNING', datetime_start = {} WHERE trial_id = {id};\n",
                    stamp(started)
                );
                set_attr(&mut sql, "trial", id, WORKER_ATTR, &json!(me));
                let _ = writeln!(
                    sql,
                    "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES ({id}, {}) ON CONFLICT \
                     (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat;",
                    stamp(started)
                );
                conn.batch(&sql)?;
                Ok(Some(id))
            })
            .map_err(|e| db_error(location, e))?;
            let Some(id) = id else { return Ok(None) };
            let (mut trial, attr) = RdbStorage::trial_of(conn, location, study_id, id)?;
            trial.started_at = started;
            Ok(Some(Claimed {
                trial,
                told_before: attr["told_before"].as_u64().unwrap_or(0) as usize,
                want_gradient: attr["want_gradient"].as_bool().unwrap_or(false),
                attempt: id as u64,
            }))
        })
    }

    fn heartbeat(&mut self, _me: &WorkerId, attempt: u64) -> Result<(), StorageError> {
        let sql = format!(
            "INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES ({attempt}, {}) ON CONFLICT \
             (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat;",
            stamp(now())
        );
        self.transact(|conn| conn.batch(&sql))
    }

    fn report(&mut self, attempt: u64, step: u64, value: f64) -> Result<(), StorageError> {
        let mut sql = String::new();
        rows::progress(&mut sql, attempt as i64, step, value);
        self.transact(|conn| conn.batch(&sql))
    }

    fn finish(&mut self, attempt: u64, trial: &Trial) -> Result<(), StorageError> {
        let id = attempt as i64;
        self.transact(|conn| {
            let lock = match conn.dialect() {
                Dialect::Postgres => " FOR UPDATE",
                Dialect::Sqlite => "",
            };
            let rows = conn.query(&format!(
                "SELECT {} FROM trials WHERE trial_id = {id}{lock}",
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
        })
    }

    fn fail_stale(&mut self, timeout: Duration) -> Result<Vec<usize>, StorageError> {
        let study_id = self.study_id;
        let rows_of = TrialRows {
            space: &self.space,
            distributions: &self.distributions,
        };
        let location = self.location.clone();
        let me = self.coordinator_beat();
        let space_rows = rows_of;
        let conn = self
            .conn
            .get_mut()
            .map_err(|_| db_error(&location, "the connection was poisoned".into()))?;
        let stale = {
            let d = conn.dialect();
            let rows = conn
                .query(&format!(
                    "SELECT t.trial_id, {}, {} FROM trials t LEFT JOIN trial_heartbeats h ON \
                     h.trial_id = t.trial_id WHERE t.study_id = {study_id} AND t.state = 'RUNNING'",
                    rows::as_text(d, "h.heartbeat"),
                    rows::as_text(d, "t.datetime_start")
                ))
                .map_err(|e| db_error(&location, e))?;
            let limit = now() - timeout.as_secs_f64();
            rows.into_iter()
                .filter_map(|r| {
                    let id: i64 = r.first().cloned().flatten()?.parse().ok()?;
                    let beat = r
                        .get(1)
                        .cloned()
                        .flatten()
                        .or_else(|| r.get(2).cloned().flatten())
                        .and_then(|s| crate::storage::time::from_iso(&s))
                        .unwrap_or(0.0);
                    (beat < limit).then_some(id)
                })
                .collect::<Vec<i64>>()
        };
        let mut numbers = Vec::new();
        for id in stale {
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
                let number = first_int(&conn.query(&format!(
                    "SELECT count(*) FROM trials WHERE study_id = {study_id}"
                ))?)
                .unwrap_or(0);
                let new_id = reserve_ids(conn, 1)?
                    .first()
                    .copied()
                    .ok_or("no trial id")?;
                let mut sql = String::new();
                fail_sql_because(&mut sql, id, Some(trial.started_at), Some(&why));
                space_rows.insert(
                    &mut sql,
                    study_id,
                    new_id,
                    number,
                    &trial,
                    "WAITING",
                    &[
                        ("told_before", json!(told)),
                        ("want_gradient", json!(want_gradient)),
                    ],
                );
                conn.batch(&sql)?;
                Ok(Some(new_id))
            })
            .map_err(|e| db_error(&location, e))?;
            if let Some(new_id) = new_id {
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
        let result = self.with_conn(|conn, location, study_id| {
            let d = conn.dialect();
            let fail = |m: String| db_error(location, m);
            let rows = conn
                .query(&format!(
                    "SELECT trial_id, {} FROM trials WHERE study_id = {study_id} AND trial_id >= {} \
                     ORDER BY trial_id",
                    rows::as_text(d, "state"),
                    seen.floor
                ))
                .map_err(fail)?;
            let mut updates = Vec::new();
            // Only this coordinator inserts trials, one transaction after another, so ids grow:
            // the next poll reads from the lowest id not finished yet (or past the last).
            let mut floor: Option<i64> = None;
            let mut last = seen.floor - 1;
            for r in rows {
                let Some(id) = r.first().cloned().flatten().and_then(|s| s.parse::<i64>().ok()) else {
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
                let (trial, _) = RdbStorage::trial_of(conn, location, study_id, id)?;
                if !seen.claimed.contains(&id) {
                    seen.claimed.insert(id);
                    let worker = conn
                        .query(&format!(
                            "SELECT value_json FROM trial_system_attributes WHERE trial_id = {id} \
                             AND key = '{WORKER_ATTR}'"
                        ))
                        .map_err(fail)?
                        .first()
                        .and_then(|r| r.first().cloned().flatten())
                        .and_then(|s| serde_json::from_str::<WorkerId>(&s).ok());
                    if let Some(worker) = worker {
                        updates.push(Update::Claimed { trial: trial.clone(), worker });
                    }
                }
                let known = seen.steps.entry(id).or_insert(0);
                for (i, point) in trial.intermediate.iter().enumerate().skip(*known) {
                    let _ = i;
                    updates.push(Update::Progress { number: trial.number, step: point.step, value: point.value });
                }
                *known = (*known).max(trial.intermediate.len());
                if state != "RUNNING" {
                    seen.finished.insert(id);
                    let interrupted = matches!(&trial.state, crate::study::TrialState::Failed(w) if w == crate::storage::journal::INTERRUPTED);
                    if !interrupted {
                        updates.push(Update::Finished(trial));
                    }
                }
            }
            seen.floor = floor.unwrap_or(last + 1);
            Ok(updates)
        });
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
            // The run's end alone (reading the whole study here would make every idle worker
            // load it many times a second).
            let ended = conn
                .query(&format!(
                    "SELECT value_json FROM study_system_attributes WHERE study_id = {study_id} \
                     AND key = '{LAST_RUN_ATTR}'"
                ))
                .map_err(|e| db_error(location, e))?
                .first()
                .and_then(|r| r.first().cloned().flatten())
                .is_some_and(|v| v.trim() != "null");
            if !ended {
                return Ok(false);
            }
            let waiting = first_int(
                &conn
                    .query(&format!(
                        "SELECT count(*) FROM trials WHERE study_id = {study_id} AND state = 'WAITING'"
                    ))
                    .map_err(|e| db_error(location, e))?,
            )
            .ok_or_else(|| db_error(location, "no count of waiting trials".into()))?;
            Ok(waiting == 0)
        })
    }
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
