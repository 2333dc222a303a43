//! The journal as a shared queue: a coordinator and worker processes meeting in one file.
//!
//! Every process appends to the journal under an exclusive advisory lock on the file itself
//! (`flock`, held for one write: read the tail other processes appended, append, sync), and
//! re-reads the tail before it decides anything, so each decision is made on the whole
//! journal. Claiming follows Optuna's rule for a journal: a WAITING trial goes RUNNING once;
//! a second RUNNING update of it is ignored on replay, so the first writer wins, and a
//! claimant checks after its write that it did. The one-writer lock of [`super::lock`]
//! (`NAME.writer`) is the coordinator's: workers do not take it.
//!
//! What the queue adds to the journal's format (all of it ordinary Optuna operations):
//! a waiting trial is a `CREATE_TRIAL` with state WAITING whose [`journal::TRIAL_ATTR`] also
//! holds `told_before` and `want_gradient`; a claim is `SET_TRIAL_STATE_VALUES` RUNNING
//! written with the worker's token as `worker_id`; a heartbeat is the trial system attribute
//! [`HEARTBEAT_ATTR`]. A trial whose worker stopped beating is failed with
//! `"interrupted": true` in [`journal::RESULT_ATTR`], like a trial a dead writer left
//! running, and its point is written again as a new waiting trial with the same number.
//!
//! Staleness is measured on the coordinator's own clock (how long since it last read a line
//! about the attempt), so clocks that differ between hosts do not matter.

use super::journal::{self, Replay, op, state};
use super::lock::WriterLock;
use super::queue::{Claimed, TrialQueue, Update, WorkerId, WorkerStatus};
use super::{Recovered, Storage, StorageError};
use crate::runner::{Event, FinishReason};
use crate::study::{Study, Trial};
use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Trial system attribute a worker writes while it runs the trial: `time` (seconds since the
/// epoch on the worker's clock), `host`, `pid`, `token`.
pub(crate) const HEARTBEAT_ATTR: &str = "knobs:heartbeat";

/// One change read from the journal, turned into an [`Update`] once the read is done.
enum Raw {
    Claimed(usize),
    Progress(usize, u64, f64),
    Finished(usize),
}

/// A journal open as a [`TrialQueue`] (and, for the coordinator's study-level writes, as a
/// [`Storage`]): see the module docs.
pub(crate) struct JournalQueue {
    path: PathBuf,
    name: Option<String>,
    file: File,
    replay: Replay,
    /// Bytes of the file replayed (complete lines only).
    offset: u64,
    /// Lines replayed, for error messages.
    lines: usize,
    study_id: usize,
    /// Optuna trial ids of the study's trials.
    ours: HashSet<usize>,
    /// Waiting trials of the study: (Knobs number, trial id).
    waiting: BTreeSet<(usize, usize)>,
    /// When this process last read a line about each running trial.
    last_seen: HashMap<usize, Instant>,
    /// The study's definition, parsed when first needed after it changed.
    definition: Option<Study>,
    /// `worker_id` of the lines written for no worker in particular.
    writer_id: String,
    coordinator: Option<WriterLock>,
    /// Whether `study_id` is chosen (during the first replay it is not yet: `reset` then
    /// indexes the study's trials itself).
    picked: bool,
    /// Whether changes are kept for [`TrialQueue::poll`] (the coordinator's queue).
    collect: bool,
    raw: Vec<Raw>,
    /// Study-level operations appended through [`Storage`] and not yet committed.
    buffer: Vec<u8>,
}

impl JournalQueue {
    /// Open the journal at `path` (it must exist) on the study named `name`, or its only
    /// study.
    pub(crate) fn open(path: &Path, name: Option<&str>) -> Result<JournalQueue, StorageError> {
        let file = open_file(path)?;
        let mut queue = JournalQueue {
            path: path.to_owned(),
            name: name.map(str::to_owned),
            file,
            replay: Replay::empty(),
            offset: 0,
            lines: 0,
            study_id: 0,
            ours: HashSet::new(),
            waiting: BTreeSet::new(),
            last_seen: HashMap::new(),
            definition: None,
            writer_id: journal::worker_id(),
            coordinator: None,
            picked: false,
            collect: false,
            raw: Vec::new(),
            buffer: Vec::new(),
        };
        queue.reset()?;
        Ok(queue)
    }

    /// Record the definition of the study a coordinator is about to continue (a new budget,
    /// say) and clear the previous run's end, so workers keep waiting until this run ends.
    pub(crate) fn begin_run(&mut self, study: &Study) -> Result<(), StorageError> {
        let value = journal::definition_json(study)?;
        let id = self.study_id;
        let mut out = Vec::new();
        self.line(
            &mut out,
            op::SET_STUDY_SYSTEM_ATTR,
            None,
            json!({"study_id": id, "system_attr": {journal::STUDY_ATTR: value}}),
        )?;
        self.line(
            &mut out,
            op::SET_STUDY_SYSTEM_ATTR,
            None,
            json!({"study_id": id, "system_attr": {journal::LAST_RUN_ATTR: null}}),
        )?;
        self.transact(|_| Ok((out, ())))
    }

    /// Replay the journal from its start (on opening, and when its file was replaced).
    fn reset(&mut self) -> Result<(), StorageError> {
        self.replay = Replay::empty();
        self.offset = 0;
        self.lines = 0;
        self.ours.clear();
        self.waiting.clear();
        self.last_seen.clear();
        self.definition = None;
        self.raw.clear();
        self.picked = false;
        let collect = std::mem::replace(&mut self.collect, false);
        self.read_tail()?;
        self.study_id = self.replay.pick(&self.path, self.name.as_deref())?;
        self.picked = true;
        if let Some(study) = self.replay.studies[self.study_id].as_ref() {
            for &id in &study.trial_ids {
                self.ours.insert(id);
                let t = &self.replay.trials[id];
                if t.state == state::WAITING
                    && let Some(n) = journal::knobs_number(t)
                {
                    self.waiting.insert((n, id));
                }
                if t.state == state::RUNNING {
                    self.last_seen.insert(id, Instant::now());
                }
            }
        }
        self.collect = collect;
        Ok(())
    }

    /// Read what other processes appended since the last read (complete lines only), and
    /// start over if the journal's file was replaced (a new study created at its path).
    fn refresh(&mut self) -> Result<(), StorageError> {
        if replaced(&self.file, &self.path) {
            self.file = open_file(&self.path)?;
            return self.reset();
        }
        self.read_tail()
    }

    fn read_tail(&mut self) -> Result<(), StorageError> {
        let io = |action, source| StorageError::Io {
            path: self.path.clone(),
            action,
            source,
        };
        let mut bytes = Vec::new();
        self.file
            .seek(SeekFrom::Start(self.offset))
            .and_then(|_| self.file.read_to_end(&mut bytes))
            .map_err(|e| io("cannot read", e))?;
        let mut consumed = 0usize;
        for chunk in bytes.split_inclusive(|b| *b == b'\n') {
            let Some(text) = chunk.strip_suffix(b"\n") else {
                // A line still being written, or torn by a crash: read again next time.
                break;
            };
            self.lines += 1;
            consumed += chunk.len();
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let log = match serde_json::from_slice::<Json>(text) {
                Ok(Json::Object(log)) => log,
                Ok(_) => {
                    return Err(journal::malformed(
                        &self.path,
                        self.lines,
                        "not a JSON object",
                    ));
                }
                Err(e) => {
                    return Err(journal::malformed(
                        &self.path,
                        self.lines,
                        format!("not JSON: {e}"),
                    ));
                }
            };
            self.apply(&log)
                .map_err(|m| journal::malformed(&self.path, self.lines, m))?;
        }
        self.offset += consumed as u64;
        Ok(())
    }

    /// Replay one operation, keeping the queue's indexes and noting what changed.
    fn apply(&mut self, log: &Map<String, Json>) -> Result<(), String> {
        let code = log.get("op_code").and_then(Json::as_u64);
        let trial_id = log
            .get("trial_id")
            .and_then(Json::as_u64)
            .map(|i| i as usize);
        let before = trial_id
            .and_then(|id| self.replay.trials.get(id))
            .map(|t| t.state);
        let created = self.replay.trials.len();
        self.replay.apply(log)?;
        if code == Some(op::SET_STUDY_SYSTEM_ATTR)
            && log.get("study_id").and_then(Json::as_u64) == Some(self.study_id as u64)
            && log
                .get("system_attr")
                .is_some_and(|a| a.get(journal::STUDY_ATTR).is_some())
        {
            self.definition = None;
        }
        if self.replay.trials.len() > created {
            // A CREATE_TRIAL: ours if it names our study.
            let ours = log.get("study_id").and_then(Json::as_u64) == Some(self.study_id as u64);
            if ours && self.picked {
                self.ours.insert(created);
                let t = &self.replay.trials[created];
                if t.state == state::WAITING
                    && let Some(n) = journal::knobs_number(t)
                {
                    self.waiting.insert((n, created));
                }
            }
            return Ok(());
        }
        let Some(id) = trial_id.filter(|id| self.ours.contains(id)) else {
            return Ok(());
        };
        let t = &self.replay.trials[id];
        let after = t.state;
        if before == Some(state::WAITING)
            && after != state::WAITING
            && let Some(n) = journal::knobs_number(t)
        {
            self.waiting.remove(&(n, id));
        }
        if after == state::RUNNING {
            self.last_seen.insert(id, Instant::now());
        } else {
            self.last_seen.remove(&id);
        }
        if !self.collect {
            return Ok(());
        }
        match code {
            Some(op::SET_TRIAL_STATE_VALUES)
                if before == Some(state::WAITING) && after == state::RUNNING =>
            {
                self.raw.push(Raw::Claimed(id));
            }
            Some(op::SET_TRIAL_STATE_VALUES)
                if matches!(before, Some(state::WAITING | state::RUNNING))
                    && !matches!(after, state::WAITING | state::RUNNING)
                    && !interrupted(t) =>
            {
                self.raw.push(Raw::Finished(id));
            }
            Some(op::SET_TRIAL_INTERMEDIATE_VALUE) if after == state::RUNNING => {
                let step = log.get("step").and_then(Json::as_u64).unwrap_or(0);
                let value = log
                    .get("intermediate_value")
                    .and_then(Json::as_f64)
                    .unwrap_or(f64::NAN);
                self.raw.push(Raw::Progress(id, step, value));
            }
            _ => {}
        }
        Ok(())
    }

    /// Lock the file, read the tail, append what `f` decides (synced), read it back, unlock.
    fn transact<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(Vec<u8>, T), StorageError>,
    ) -> Result<T, StorageError> {
        let path = self.path.clone();
        let io = |action, source| StorageError::Io {
            path: path.clone(),
            action,
            source,
        };
        self.file.lock().map_err(|e| io("cannot lock", e))?;
        if replaced(&self.file, &self.path) {
            let _ = self.file.unlock();
            self.refresh()?;
            self.file.lock().map_err(|e| io("cannot lock", e))?;
        }
        let result = (|| {
            self.refresh()?;
            let (bytes, out) = f(self)?;
            if !bytes.is_empty() {
                // Every queue writer appends under this lock, so bytes past the last complete
                // line are a line torn by a crash: dropped, or ours would join it.
                let len = self
                    .file
                    .metadata()
                    .map_err(|e| io("cannot read", e))?
                    .len();
                if len > self.offset {
                    self.file
                        .set_len(self.offset)
                        .map_err(|e| io("cannot drop the torn last line", e))?;
                }
                self.file
                    .write_all(&bytes)
                    .map_err(|e| io("cannot append", e))?;
                self.file.sync_data().map_err(|e| io("cannot sync", e))?;
            }
            self.refresh()?;
            Ok(out)
        })();
        let _ = self.file.unlock();
        result
    }

    /// Append one operation to `out`, with `op_code` and `worker_id` (`who`, else this
    /// queue's own id).
    fn line(
        &self,
        out: &mut Vec<u8>,
        op_code: u64,
        who: Option<&str>,
        fields: Json,
    ) -> Result<(), StorageError> {
        let Json::Object(mut map) = fields else {
            return Err(StorageError::Encode {
                what: "a journal operation",
                message: "not an object".into(),
            });
        };
        map.insert("op_code".into(), json!(op_code));
        map.insert("worker_id".into(), json!(who.unwrap_or(&self.writer_id)));
        serde_json::to_writer(&mut *out, &map).map_err(|e| StorageError::Encode {
            what: "a journal operation",
            message: e.to_string(),
        })?;
        out.push(b'\n');
        Ok(())
    }

    /// The study's definition as last written.
    fn definition(&mut self) -> Result<&Study, StorageError> {
        if self.definition.is_none() {
            let attr = self.replay.studies[self.study_id]
                .as_ref()
                .and_then(|s| s.system_attrs.get(journal::STUDY_ATTR))
                .ok_or_else(|| StorageError::Unsupported {
                    path: self.path.clone(),
                    message: format!(
                        "the study has no `{}` attribute: it was not written by Knobs, so \
                         its trials cannot be run by Knobs workers",
                        journal::STUDY_ATTR
                    ),
                })?;
            let study: Study =
                serde_json::from_value(attr.clone()).map_err(|e| StorageError::Unsupported {
                    path: self.path.clone(),
                    message: format!(
                        "the `{}` attribute is not a Knobs study: {e}",
                        journal::STUDY_ATTR
                    ),
                })?;
            self.definition = Some(study);
        }
        self.definition
            .as_ref()
            .ok_or_else(|| StorageError::Unsupported {
                path: self.path.clone(),
                message: "no study definition".into(),
            })
    }

    /// Trial `id` as Knobs represents it.
    fn trial(&mut self, id: usize) -> Result<Trial, StorageError> {
        let space = self.definition()?.space.clone();
        let t = &self.replay.trials[id];
        let (Some(attr), Some(number)) = (
            t.system_attrs.get(journal::TRIAL_ATTR),
            journal::knobs_number(t),
        ) else {
            return Err(StorageError::Unsupported {
                path: self.path.clone(),
                message: format!("trial id {id} has no `{}` number", journal::TRIAL_ATTR),
            });
        };
        Ok(journal::knobs_trial(&space, t, attr, number).0)
    }

    /// The `CREATE_TRIAL` of a waiting trial for `trial`.
    fn waiting_line(
        &mut self,
        out: &mut Vec<u8>,
        trial: &Trial,
        told_before: usize,
        want_gradient: bool,
    ) -> Result<(), StorageError> {
        let space = self.definition()?.space.clone();
        let mut params = Map::new();
        let mut dists = Map::new();
        for (param, (name, dist)) in space.params().iter().zip(journal::distributions(&space)) {
            let Some((_, value)) = trial.params.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            if let Some(x) = journal::internal_value(&param.domain, value) {
                params.insert(name.clone(), json!(x));
                dists.insert(name, json!(dist));
            }
        }
        let mut attr = journal::JournalStorage::trial_attr(trial);
        attr["told_before"] = json!(told_before);
        attr["want_gradient"] = json!(want_gradient);
        let id = self.study_id;
        self.line(
            out,
            op::CREATE_TRIAL,
            None,
            json!({
                "study_id": id,
                "datetime_start": null,
                "state": state::WAITING,
                "value": null,
                "values": null,
                "distributions": dists,
                "params": params,
                "user_attrs": {},
                "system_attrs": {journal::TRIAL_ATTR: attr},
                "intermediate_values": {},
            }),
        )
    }

    /// Fail trial `id` as interrupted (its worker stopped, or its coordinator did).
    fn fail_line(&self, out: &mut Vec<u8>, id: usize, why: &str) -> Result<(), StorageError> {
        let t = &self.replay.trials[id];
        let started_at = t
            .system_attrs
            .get(journal::RESULT_ATTR)
            .and_then(|r| r.get("started_at"))
            .and_then(Json::as_f64)
            .unwrap_or(0.0);
        self.line(
            out,
            op::SET_TRIAL_SYSTEM_ATTR,
            None,
            json!({"trial_id": id, "system_attr": {journal::RESULT_ATTR: {
                "started_at": started_at, "duration": 0.0,
                "failure": why, "interrupted": true}}}),
        )?;
        self.line(
            out,
            op::SET_TRIAL_STATE_VALUES,
            None,
            json!({"trial_id": id, "state": state::FAIL, "values": null,
                   "datetime_complete": super::time::to_iso(now())}),
        )
    }

    fn told_before(&self, id: usize) -> (usize, bool) {
        let attr = self.replay.trials[id].system_attrs.get(journal::TRIAL_ATTR);
        let told = attr
            .and_then(|a| a.get("told_before"))
            .and_then(Json::as_u64)
            .unwrap_or(0) as usize;
        let gradient = attr
            .and_then(|a| a.get("want_gradient"))
            .and_then(Json::as_bool)
            .unwrap_or(false);
        (told, gradient)
    }

    /// Our study's trial ids in a state, in id order.
    fn in_state(&self, wanted: &[u64]) -> Vec<usize> {
        let mut ids: Vec<usize> = self
            .ours
            .iter()
            .copied()
            .filter(|id| wanted.contains(&self.replay.trials[*id].state))
            .collect();
        ids.sort_unstable();
        ids
    }
}

impl TrialQueue for JournalQueue {
    fn lock_coordinator(&mut self, _me: &WorkerId) -> Result<(), StorageError> {
        if self.coordinator.is_none() {
            self.coordinator = Some(WriterLock::acquire(&self.path)?);
        }
        self.collect = true;
        self.transact(|q| {
            let mut out = Vec::new();
            for id in q.in_state(&[state::WAITING, state::RUNNING]) {
                q.fail_line(&mut out, id, journal::INTERRUPTED)?;
            }
            Ok((out, ()))
        })?;
        self.raw.clear();
        Ok(())
    }

    fn enqueue(
        &mut self,
        trial: &Trial,
        told_before: usize,
        want_gradient: bool,
    ) -> Result<(), StorageError> {
        let mut out = Vec::new();
        self.waiting_line(&mut out, trial, told_before, want_gradient)?;
        self.transact(|_| Ok((out, ())))
    }

    fn claim(&mut self, me: &WorkerId) -> Result<Option<Claimed>, StorageError> {
        // Under the file lock the first claimant always wins; the bound only guards against
        // a foreign writer that claims without the lock.
        for _ in 0..64 {
            let picked = self.transact(|q| {
                let Some(&(_, id)) = q.waiting.iter().next() else {
                    return Ok((Vec::new(), None));
                };
                let mut out = Vec::new();
                q.line(
                    &mut out,
                    op::SET_TRIAL_STATE_VALUES,
                    Some(&me.token),
                    json!({"trial_id": id, "state": state::RUNNING, "values": null,
                           "datetime_start": super::time::to_iso(now())}),
                )?;
                Ok((out, Some(id)))
            })?;
            let Some(id) = picked else {
                return Ok(None);
            };
            if self.replay.trials[id].claimed_by.as_deref() != Some(me.token.as_str()) {
                continue;
            }
            let trial = self.trial(id)?;
            let (told_before, want_gradient) = self.told_before(id);
            self.heartbeat(me, id as u64)?;
            return Ok(Some(Claimed {
                trial,
                told_before,
                want_gradient,
                attempt: id as u64,
            }));
        }
        Ok(None)
    }

    fn heartbeat(&mut self, me: &WorkerId, attempt: u64) -> Result<(), StorageError> {
        let id = attempt as usize;
        self.transact(|q| {
            let mut out = Vec::new();
            if q.replay.trials.get(id).map(|t| t.state) == Some(state::RUNNING) {
                q.line(
                    &mut out,
                    op::SET_TRIAL_SYSTEM_ATTR,
                    Some(&me.token),
                    json!({"trial_id": id, "system_attr": {HEARTBEAT_ATTR: {
                        "time": now(), "host": me.host, "pid": me.pid, "token": me.token}}}),
                )?;
            }
            Ok((out, ()))
        })
    }

    fn report(&mut self, attempt: u64, step: u64, value: f64) -> Result<(), StorageError> {
        let mut out = Vec::new();
        self.line(
            &mut out,
            op::SET_TRIAL_INTERMEDIATE_VALUE,
            None,
            json!({"trial_id": attempt, "step": step, "intermediate_value": value}),
        )?;
        self.transact(|_| Ok((out, ())))
    }

    fn finish(&mut self, attempt: u64, trial: &Trial) -> Result<(), StorageError> {
        let id = attempt as usize;
        self.transact(|q| {
            let mut out = Vec::new();
            // An attempt failed as stale meanwhile keeps its failure: its point was enqueued
            // again, and this late result is dropped.
            if q.replay.trials.get(id).map(|t| t.state) != Some(state::RUNNING) {
                return Ok((out, ()));
            }
            q.line(
                &mut out,
                op::SET_TRIAL_SYSTEM_ATTR,
                None,
                json!({"trial_id": id, "system_attr": {
                    journal::RESULT_ATTR: journal::JournalStorage::result_attr(trial)}}),
            )?;
            let (code, values) = match journal::optuna_state(trial) {
                (code, Some(v)) => (code, json!([v])),
                (code, None) => (code, Json::Null),
            };
            q.line(
                &mut out,
                op::SET_TRIAL_STATE_VALUES,
                None,
                json!({"trial_id": id, "state": code, "values": values,
                       "datetime_complete": super::time::to_iso(trial.started_at + trial.duration)}),
            )?;
            Ok((out, ()))
        })
    }

    fn fail_stale(&mut self, timeout: Duration) -> Result<Vec<usize>, StorageError> {
        self.transact(|q| {
            let mut out = Vec::new();
            let mut numbers = Vec::new();
            for id in q.in_state(&[state::RUNNING]) {
                let fresh = q
                    .last_seen
                    .get(&id)
                    .is_some_and(|at| at.elapsed() < timeout);
                if fresh {
                    continue;
                }
                let trial = q.trial(id)?;
                let who = q.replay.trials[id].claimed_by.clone().unwrap_or_default();
                let why = format!(
                    "its worker ({}) sent no heartbeat for {:.0} s; the trial was run again",
                    worker_of(&who).map_or(who.clone(), |w| format!("{} pid {}", w.host, w.pid)),
                    timeout.as_secs_f64()
                );
                q.fail_line(&mut out, id, &why)?;
                let (told, gradient) = q.told_before(id);
                q.waiting_line(&mut out, &trial, told, gradient)?;
                numbers.push(trial.number);
            }
            Ok((out, numbers))
        })
    }

    fn poll(&mut self) -> Result<Vec<Update>, StorageError> {
        self.collect = true;
        self.refresh()?;
        let raw = std::mem::take(&mut self.raw);
        let mut updates = Vec::with_capacity(raw.len());
        for r in raw {
            updates.push(match r {
                Raw::Claimed(id) => {
                    let mut trial = self.trial(id)?;
                    trial.state = crate::study::TrialState::Running;
                    let token = self.replay.trials[id]
                        .claimed_by
                        .clone()
                        .unwrap_or_default();
                    Update::Claimed {
                        trial,
                        worker: worker_of(&token).unwrap_or(WorkerId {
                            host: "?".into(),
                            pid: 0,
                            token,
                        }),
                    }
                }
                Raw::Progress(id, step, value) => Update::Progress {
                    number: journal::knobs_number(&self.replay.trials[id]).unwrap_or(0),
                    step,
                    value,
                },
                Raw::Finished(id) => Update::Finished(self.trial(id)?),
            });
        }
        Ok(updates)
    }

    fn workers(&mut self) -> Result<Vec<WorkerStatus>, StorageError> {
        self.refresh()?;
        let mut by_token: Vec<WorkerStatus> = Vec::new();
        let mut ids: Vec<usize> = self.ours.iter().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let t = &self.replay.trials[id];
            let Some(token) = &t.claimed_by else {
                continue;
            };
            let at = by_token.iter().position(|w| &w.worker.token == token);
            let at = at.unwrap_or_else(|| {
                by_token.push(WorkerStatus {
                    worker: worker_of(token).unwrap_or(WorkerId {
                        host: "?".into(),
                        pid: 0,
                        token: token.clone(),
                    }),
                    running: None,
                    last_heartbeat: 0.0,
                    done: 0,
                    failed: 0,
                });
                by_token.len() - 1
            });
            let status = &mut by_token[at];
            let beat = t
                .system_attrs
                .get(HEARTBEAT_ATTR)
                .and_then(|h| h.get("time"))
                .and_then(Json::as_f64);
            if let Some(b) = beat {
                status.last_heartbeat = status.last_heartbeat.max(b);
            }
            match t.state {
                state::RUNNING => status.running = journal::knobs_number(t),
                state::COMPLETE | state::PRUNED => status.done += 1,
                state::FAIL => status.failed += 1,
                _ => {}
            }
        }
        Ok(by_token)
    }

    fn read_study(&mut self) -> Result<Recovered, StorageError> {
        self.refresh()?;
        self.replay.recovered(&self.path, self.study_id)
    }

    fn is_finished(&mut self) -> Result<bool, StorageError> {
        self.refresh()?;
        let ended = self.replay.studies[self.study_id]
            .as_ref()
            .and_then(|s| s.system_attrs.get(journal::LAST_RUN_ATTR))
            .is_some_and(Json::is_string);
        Ok(ended && self.waiting.is_empty())
    }
}

/// The coordinator's study-level writes (the end of its run, the strategy's state); trials
/// reach the journal through [`TrialQueue`], so their events are not written again here.
impl Storage for JournalQueue {
    fn append(&mut self, event: &Event) -> Result<(), StorageError> {
        let Event::StudyFinished {
            reason,
            strategy_state,
            ..
        } = event
        else {
            return Ok(());
        };
        let id = self.study_id;
        let state = serde_json::to_value(strategy_state).unwrap_or(Json::Null);
        let why = match reason {
            FinishReason::BudgetSpent => "budget spent".to_owned(),
            FinishReason::Stopped => "stopped".to_owned(),
            FinishReason::Exhausted(why) => format!("exhausted: {why}"),
            FinishReason::StrategyFailed(why) => format!("strategy failed: {why}"),
        };
        let mut out = std::mem::take(&mut self.buffer);
        self.line(
            &mut out,
            op::SET_STUDY_SYSTEM_ATTR,
            None,
            json!({"study_id": id, "system_attr": {journal::STRATEGY_STATE_ATTR: state}}),
        )?;
        self.line(
            &mut out,
            op::SET_STUDY_SYSTEM_ATTR,
            None,
            json!({"study_id": id, "system_attr": {journal::LAST_RUN_ATTR: why}}),
        )?;
        self.buffer = out;
        Ok(())
    }

    fn checkpoint(&mut self, saved: &crate::strategy::SavedState) -> Result<(), StorageError> {
        let value = serde_json::to_value(saved).map_err(|e| StorageError::Encode {
            what: "the strategy state",
            message: e.to_string(),
        })?;
        let id = self.study_id;
        let mut out = std::mem::take(&mut self.buffer);
        self.line(
            &mut out,
            op::SET_STUDY_SYSTEM_ATTR,
            None,
            json!({"study_id": id, "system_attr": {journal::STRATEGY_STATE_ATTR: value}}),
        )?;
        self.buffer = out;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StorageError> {
        let out = std::mem::take(&mut self.buffer);
        if out.is_empty() {
            return Ok(());
        }
        self.transact(|_| Ok((out, ())))
    }

    fn load(&self) -> Result<Recovered, StorageError> {
        journal::read_study(&self.path, self.name.as_deref())
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

/// Whether a trial's result marks it interrupted (failed because its process stopped).
fn interrupted(t: &journal::OTrial) -> bool {
    t.system_attrs
        .get(journal::RESULT_ATTR)
        .and_then(|r| r.get("interrupted"))
        .and_then(Json::as_bool)
        .unwrap_or(false)
}

/// The worker a token names (`HOST-PID-START-SALT`, as [`WorkerId::this_process`] makes
/// them), or `None` for another writer's id.
fn worker_of(token: &str) -> Option<WorkerId> {
    let mut parts = token.rsplitn(4, '-');
    let _salt = parts.next()?;
    let _start = parts.next()?;
    let pid: u32 = parts.next()?.parse().ok()?;
    let host = parts.next()?.to_owned();
    Some(WorkerId {
        host,
        pid,
        token: token.to_owned(),
    })
}

fn open_file(path: &Path) -> Result<File, StorageError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .open(path)
        .map_err(|source| StorageError::Io {
            path: path.to_owned(),
            action: "cannot open the journal",
            source,
        })
}

/// Whether `path` now names another file than the open `file` (a new journal was created
/// at the path, by an atomic rename).
#[cfg(unix)]
fn replaced(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() != b.dev() || a.ino() != b.ino(),
        _ => false,
    }
}

/// Elsewhere an open file cannot be replaced.
#[cfg(not(unix))]
fn replaced(_file: &File, _path: &Path) -> bool {
    false
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::ObjectiveSpec;
    use crate::study::TrialState;

    fn study() -> Study {
        let objective = ObjectiveSpec::from_name("branin").unwrap();
        let mut study = crate::study::default_study();
        study.space = objective.build().unwrap().default_space();
        study.objective = objective;
        study.name = "shared".into();
        study
    }

    fn trial(study: &Study, number: usize) -> Trial {
        let u = (number as f64 + 0.5) / 64.0;
        let point = vec![u, 1.0 - u];
        Trial {
            number,
            params: study.space.from_unit(&point),
            point,
            state: TrialState::Running,
            value: None,
            folds: Vec::new(),
            gradient: None,
            label: None,
            started_at: 0.0,
            duration: 0.0,
            fit_seconds: None,
            intermediate: Vec::new(),
            attrs: Default::default(),
            resources: None,
        }
    }

    fn shared_journal(n: usize) -> (tempfile::TempDir, PathBuf, JournalQueue, Study) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.journal");
        let study = study();
        drop(JournalStorage::create(&path, &study).unwrap());
        let mut coordinator = JournalQueue::open(&path, None).unwrap();
        coordinator
            .lock_coordinator(&WorkerId::this_process())
            .unwrap();
        for number in 0..n {
            coordinator
                .enqueue(&trial(&study, number), number, false)
                .unwrap();
        }
        (dir, path, coordinator, study)
    }

    use super::journal::JournalStorage;

    #[test]
    fn workers_claiming_at_once_never_get_one_trial_twice() {
        let (_dir, path, _coordinator, _) = shared_journal(40);
        let claimed: Vec<Vec<usize>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let path = path.clone();
                    scope.spawn(move || {
                        let me = WorkerId::this_process();
                        let mut q = JournalQueue::open(&path, None).unwrap();
                        let mut mine = Vec::new();
                        while let Some(c) = q.claim(&me).unwrap() {
                            mine.push(c.trial.number);
                        }
                        mine
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all: Vec<usize> = claimed.into_iter().flatten().collect();
        all.sort_unstable();
        assert_eq!(all, (0..40).collect::<Vec<_>>());
    }

    #[test]
    fn a_claim_takes_the_lowest_number_with_what_the_coordinator_wrote() {
        let (_dir, path, _coordinator, study) = shared_journal(3);
        let mut q = JournalQueue::open(&path, None).unwrap();
        let c = q.claim(&WorkerId::this_process()).unwrap().unwrap();
        let expected = trial(&study, 0);
        assert_eq!(c.trial.number, 0);
        assert_eq!(c.trial.params, expected.params);
        assert_eq!(c.trial.point, expected.point);
        assert_eq!(c.told_before, 0);
        assert_eq!(
            q.claim(&WorkerId::this_process())
                .unwrap()
                .unwrap()
                .told_before,
            1
        );
    }

    #[test]
    fn a_stale_attempt_is_failed_enqueued_again_and_its_late_result_dropped() {
        let (_dir, path, mut coordinator, _) = shared_journal(1);
        let me = WorkerId::this_process();
        let mut worker = JournalQueue::open(&path, None).unwrap();
        let first = worker.claim(&me).unwrap().unwrap();
        assert_eq!(coordinator.fail_stale(Duration::ZERO).unwrap(), vec![0]);
        let mut late = first.trial.clone();
        late.state = TrialState::Complete;
        late.value = Some(1.0);
        worker.finish(first.attempt, &late).unwrap();
        let second = worker.claim(&me).unwrap().unwrap();
        assert_eq!(second.trial.number, 0);
        assert_ne!(second.attempt, first.attempt);
        let mut done = second.trial.clone();
        done.state = TrialState::Complete;
        done.value = Some(2.0);
        worker.finish(second.attempt, &done).unwrap();
        let finished: Vec<Trial> = coordinator
            .poll()
            .unwrap()
            .into_iter()
            .filter_map(|u| match u {
                Update::Finished(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(finished.len(), 1, "the failed attempt is not reported");
        assert_eq!(finished[0].value, Some(2.0));
        let workers = coordinator.workers().unwrap();
        assert_eq!(workers.len(), 1);
        assert_eq!(workers[0].worker, me);
        assert_eq!((workers[0].done, workers[0].failed), (1, 1));
        let read = journal::read(&path).unwrap();
        assert_eq!(read.study.trials[0].value, Some(2.0));
    }
}
