//! The journal: Optuna's JournalStorage file format, written and read by Knobs.
//!
//! A journal is a text file of operations, one compact JSON object a line, each with an
//! `op_code` and the `worker_id` that wrote it, exactly as Optuna's `JournalFileBackend`
//! writes them, so `optuna.load_study(storage=JournalStorage(JournalFileBackend(path)))` and
//! optuna-dashboard read a Knobs study, and Knobs reads Optuna's. Replaying the operations in
//! order rebuilds the studies; Optuna's rules are followed (ids count creations, a finished
//! trial is never updated again, a repeated study name is ignored).
//!
//! What Knobs writes for a study:
//! - `CREATE_STUDY` (name, one direction) and a study system attribute [`STUDY_ATTR`] holding
//!   Knobs' study definition (the session's study without its trials, as JSON: objective,
//!   space, strategy and settings, seed, budget, window);
//! - per trial, at its start, one `CREATE_TRIAL` with state RUNNING, its parameters and their
//!   distributions (floats and ints as `FloatDistribution`/`IntDistribution`, choices as
//!   `CategoricalDistribution`, a fixed value as a one-choice categorical) and the system
//!   attribute [`TRIAL_ATTR`] (Knobs' trial number, unit-cube point, label); at its end, the
//!   system attribute [`RESULT_ATTR`] (start time, duration, fold scores, fit time, gradient,
//!   failure reason, a pruned trial's `pruned_step`) and `SET_TRIAL_STATE_VALUES` (COMPLETE
//!   with the value; PRUNED with the last reported value, as Optuna's `tell` records a pruned
//!   trial; or FAIL); each value a running trial reports is a `SET_TRIAL_INTERMEDIATE_VALUE`
//!   as it arrives, so Optuna sees the learning curves;
//! - at the end of a run, the study system attribute [`LAST_RUN_ATTR`] (why it ended).
//!
//! A trial that was running when its writer died stays RUNNING in the file; [`JournalStorage::open`]
//! fails it ("interrupted") before a resumed run appends, and the resumed run asks its point
//! again as a new Optuna trial with the same Knobs number: a reader keeps the latest attempt
//! of each number.
//!
//! Reading follows `JournalFileBackend`: a last line that is cut short (no newline, or not
//! JSON, as a power cut leaves it) is ignored; a malformed line anywhere else is an error
//! naming the file and line.

use super::lock::WriterLock;
use super::{Recovered, Storage, StorageError, time};
use crate::runner::{Event, FinishReason};
use crate::space::{Domain, Param, Params, Space, Value};
use crate::study::{Direction, Study, Trial, TrialState};
use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Study system attribute holding Knobs' study definition (JSON of the study, no trials).
pub(crate) const STUDY_ATTR: &str = "knobs:study";
/// Trial system attribute written at a trial's start: `number`, `point`, `label`.
pub(crate) const TRIAL_ATTR: &str = "knobs:trial";
/// Trial system attribute written at a trial's end: `started_at`, `duration`, `folds`,
/// `fit_seconds`, `gradient`, `failure`, `interrupted`.
pub(crate) const RESULT_ATTR: &str = "knobs:result";
/// Study system attribute written when a run ends: why it ended.
pub(crate) const LAST_RUN_ATTR: &str = "knobs:last_run";
/// Study system attribute: the strategy's state when the last run ended (see
/// `runner::restore`), so that resuming from the journal costs about one ask.
pub(crate) const STRATEGY_STATE_ATTR: &str = "knobs:strategy_state";
/// The failure reason of a trial whose writer stopped before its result.
pub const INTERRUPTED: &str = "interrupted";

/// Knobs' study definition as every storage keeps it in [`STUDY_ATTR`]: the study without
/// its trials and strategy state, as JSON.
pub(super) fn definition_json(study: &Study) -> Result<Json, StorageError> {
    let definition = Study {
        trials: Vec::new(),
        strategy_state: None,
        ..study.clone()
    };
    serde_json::to_value(&definition).map_err(|e| StorageError::Encode {
        what: "the study definition",
        message: e.to_string(),
    })
}

/// Optuna's `JournalOperation` codes.
pub(super) mod op {
    pub(crate) const CREATE_STUDY: u64 = 0;
    pub(crate) const DELETE_STUDY: u64 = 1;
    pub(crate) const SET_STUDY_USER_ATTR: u64 = 2;
    pub(crate) const SET_STUDY_SYSTEM_ATTR: u64 = 3;
    pub(crate) const CREATE_TRIAL: u64 = 4;
    pub(crate) const SET_TRIAL_PARAM: u64 = 5;
    pub(crate) const SET_TRIAL_STATE_VALUES: u64 = 6;
    pub(crate) const SET_TRIAL_INTERMEDIATE_VALUE: u64 = 7;
    pub(crate) const SET_TRIAL_USER_ATTR: u64 = 8;
    pub(crate) const SET_TRIAL_SYSTEM_ATTR: u64 = 9;
    pub(crate) const DISCARD_TRIALS: u64 = 10;
}

/// Optuna's `TrialState` values.
pub(super) mod state {
    pub(crate) const RUNNING: u64 = 0;
    pub(crate) const COMPLETE: u64 = 1;
    pub(crate) const PRUNED: u64 = 2;
    pub(crate) const FAIL: u64 = 3;
    pub(crate) const WAITING: u64 = 4;
}

/// Whether `bytes` (the start of a file) look like a journal rather than a RON session: the
/// first non-blank character opens a JSON object. The CLI recognises a session argument by
/// its content this way, whatever the file is called.
pub fn looks_like_journal(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// Read the study in the journal at `path` (the file must hold exactly one study). Nothing
/// is written: a trial left running by a dead writer reads as `Running`.
pub fn read(path: &Path) -> Result<Recovered, StorageError> {
    read_study(path, None)
}

/// Read the study named `name` (or the only one, if `None`) from the journal at `path`.
pub fn read_study(path: &Path, name: Option<&str>) -> Result<Recovered, StorageError> {
    let replay = Replay::of_file(path)?;
    let id = replay.pick(path, name)?;
    replay.recovered(path, id)
}

/// Read the study named `name` (or the only one) from `bytes`, a journal's content, naming
/// `path` in errors: what [`read_study`] does after reading the file, for text that is not
/// (yet) a file (the property tests feed it arbitrary bytes).
pub fn read_bytes(
    path: &Path,
    bytes: &[u8],
    name: Option<&str>,
) -> Result<Recovered, StorageError> {
    let replay = Replay::of_bytes(path, bytes)?;
    let id = replay.pick(path, name)?;
    replay.recovered(path, id)
}

/// The names of the studies in the journal at `path`, in creation order.
pub fn study_names(path: &Path) -> Result<Vec<String>, StorageError> {
    let replay = Replay::of_file(path)?;
    Ok(replay
        .studies
        .iter()
        .flatten()
        .map(|s| s.name.clone())
        .collect())
}

/// Recover the study in the journal at `path` after a crash: fail every trial its dead writer
/// left running ("interrupted", made durable), and return the study as it now stands. What a
/// window offers as "Recover" and what `knobs run JOURNAL` does before resuming.
pub fn recover(path: &Path) -> Result<Recovered, StorageError> {
    JournalStorage::open(path).map(|(_, recovered)| recovered)
}

/// A journal open for appending one study's events: the runner's [`Storage`] for a run.
pub struct JournalStorage {
    path: PathBuf,
    /// Held for the storage's life: no other writer appends meanwhile.
    _lock: WriterLock,
    /// `None` only while `create` writes the first lines.
    file: Option<File>,
    /// Lines appended since the last commit.
    buffer: Vec<u8>,
    worker_id: String,
    study_id: u64,
    next_trial_id: u64,
    /// Optuna trial id of each Knobs trial number's latest attempt.
    trial_ids: HashMap<usize, u64>,
    space: Space,
    /// Each parameter's distribution as Optuna's JSON text, in space order.
    distributions: Vec<(String, String)>,
    /// `worker_id`, `distributions` (every parameter) and each parameter's name as JSON
    /// text, for the lines written without a JSON tree.
    worker_json: String,
    distributions_json: String,
    names_json: Vec<String>,
}

impl JournalStorage {
    /// Start a new journal at `path` holding `study` (its definition and finished trials),
    /// replacing any file there atomically, durable before it returns.
    pub fn create(path: &Path, study: &Study) -> Result<Self, StorageError> {
        let lock = WriterLock::acquire(path)?;
        let mut journal = JournalStorage {
            path: path.to_owned(),
            _lock: lock,
            file: None,
            buffer: Vec::new(),
            worker_id: worker_id(),
            study_id: 0,
            next_trial_id: 0,
            trial_ids: HashMap::new(),
            space: Space::default(),
            distributions: Vec::new(),
            worker_json: String::new(),
            distributions_json: String::new(),
            names_json: Vec::new(),
        };
        journal.set_space(&study.space);
        let name = if study.name.is_empty() {
            "knobs study".to_owned()
        } else {
            study.name.clone()
        };
        let direction = match study.direction {
            Direction::Minimize => 1,
            Direction::Maximize => 2,
        };
        journal.line(
            op::CREATE_STUDY,
            json!({"study_name": name, "directions": [direction]}),
        )?;
        journal.write_definition(study)?;
        for trial in study
            .trials
            .iter()
            .filter(|t| t.state != TrialState::Running)
        {
            journal.stored_trial(trial)?;
        }
        let bytes = std::mem::take(&mut journal.buffer);
        crate::session::write_atomic(path, &bytes).map_err(|e| StorageError::Io {
            path: path.to_owned(),
            action: "cannot create the journal",
            source: std::io::Error::other(e.to_string()),
        })?;
        journal.file = Some(append_file(path)?);
        Ok(journal)
    }

    /// Open the existing journal at `path` (one study, written by Knobs) to append to it:
    /// drop a torn last line, fail the trials a dead writer left running (durably), and
    /// return the storage with the study as it now stands.
    pub fn open(path: &Path) -> Result<(Self, Recovered), StorageError> {
        let lock = WriterLock::acquire(path)?;
        let replay = Replay::of_file(path)?;
        let study_id = replay.pick(path, None)?;
        let recovered = replay.recovered(path, study_id)?;
        if !recovered.knobs_definition {
            return Err(StorageError::Unsupported {
                path: path.to_owned(),
                message: format!(
                    "study `{}` was written by Optuna, not Knobs (it has no `{STUDY_ATTR}` \
                     attribute): Knobs can read its {} trials but cannot continue it",
                    recovered.study.name,
                    recovered.study.trials.len()
                ),
            });
        }
        let file = append_file(path)?;
        let io = |action, source| StorageError::Io {
            path: path.to_owned(),
            action,
            source,
        };
        if file.metadata().map_err(|e| io("cannot read", e))?.len() > replay.valid_len {
            file.set_len(replay.valid_len)
                .map_err(|e| io("cannot drop the torn last line", e))?;
        }
        let mut journal = JournalStorage {
            path: path.to_owned(),
            _lock: lock,
            file: Some(file),
            buffer: Vec::new(),
            worker_id: worker_id(),
            study_id: study_id as u64,
            next_trial_id: replay.trials.len() as u64,
            trial_ids: HashMap::new(),
            space: Space::default(),
            distributions: Vec::new(),
            worker_json: String::new(),
            distributions_json: String::new(),
            names_json: Vec::new(),
        };
        journal.set_space(&recovered.study.space);
        let mut recovered = recovered;
        for &trial_id in &replay.studies[study_id]
            .as_ref()
            .map(|s| s.trial_ids.clone())
            .unwrap_or_default()
        {
            let t = &replay.trials[trial_id];
            let Some(number) = knobs_number(t) else {
                continue;
            };
            journal.trial_ids.insert(number, trial_id as u64);
            if t.state == state::RUNNING {
                journal.fail_interrupted(trial_id as u64, t.start)?;
            }
        }
        for trial in &mut recovered.study.trials {
            if trial.state == TrialState::Running {
                trial.state = TrialState::Failed(INTERRUPTED.into());
                recovered.interrupted.push(trial.number);
            }
        }
        recovered.interrupted.sort_unstable();
        recovered.interrupted.dedup();
        journal.commit()?;
        Ok((journal, recovered))
    }

    /// Record the definition of the study a run is about to continue (a new budget, say) and
    /// clear the previous run's end, so the journal reads as unfinished until this run ends;
    /// durable before it returns.
    pub fn set_definition(&mut self, study: &Study) -> Result<(), StorageError> {
        self.set_space(&study.space);
        self.write_definition(study)?;
        let study_id = self.study_id;
        self.line(
            op::SET_STUDY_SYSTEM_ATTR,
            json!({"study_id": study_id, "system_attr": {LAST_RUN_ATTR: null}}),
        )?;
        self.commit()
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_definition(&mut self, study: &Study) -> Result<(), StorageError> {
        let value = definition_json(study)?;
        let study_id = self.study_id;
        self.line(
            op::SET_STUDY_SYSTEM_ATTR,
            json!({"study_id": study_id, "system_attr": {STUDY_ATTR: value}}),
        )?;
        // A stored study's strategy state (a session resumed into a new journal) travels on.
        match &study.strategy_state {
            Some(state) => {
                let state = serde_json::to_value(state).unwrap_or(Json::Null);
                self.line(
                    op::SET_STUDY_SYSTEM_ATTR,
                    json!({"study_id": study_id, "system_attr": {STRATEGY_STATE_ATTR: state}}),
                )
            }
            None => Ok(()),
        }
    }

    /// Take `space` as the study's space (the distributions written with each trial).
    fn set_space(&mut self, space: &Space) {
        self.space = space.clone();
        self.distributions = distributions(space);
        let all: Map<String, Json> = self
            .distributions
            .iter()
            .map(|(n, d)| (n.clone(), json!(d)))
            .collect();
        self.distributions_json = Json::Object(all).to_string();
        self.names_json = space
            .params()
            .iter()
            .map(|p| json!(p.name).to_string())
            .collect();
        self.worker_json = json!(self.worker_id).to_string();
    }

    /// Append one operation to the buffer, with `op_code` and `worker_id`.
    fn line(&mut self, op_code: u64, fields: Json) -> Result<(), StorageError> {
        let Json::Object(mut map) = fields else {
            return Err(StorageError::Encode {
                what: "a journal operation",
                message: "not an object".into(),
            });
        };
        map.insert("op_code".into(), json!(op_code));
        map.insert("worker_id".into(), json!(self.worker_id));
        serde_json::to_writer(&mut self.buffer, &map).map_err(|e| StorageError::Encode {
            what: "a journal operation",
            message: e.to_string(),
        })?;
        self.buffer.push(b'\n');
        Ok(())
    }

    /// Optuna's params (internal representation) and distributions of a Knobs trial.
    fn params_of(&self, params: &Params) -> (Map<String, Json>, Map<String, Json>) {
        let mut values = Map::new();
        let mut dists = Map::new();
        for (param, (name, dist)) in self.space.params().iter().zip(&self.distributions) {
            let Some((_, value)) = params.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let internal = internal_value(&param.domain, value);
            if let Some(x) = internal {
                values.insert(name.clone(), json!(x));
                dists.insert(name.clone(), json!(dist));
            }
        }
        (values, dists)
    }

    pub(super) fn trial_attr(trial: &Trial) -> Json {
        let mut attr = json!({"number": trial.number, "point": trial.point});
        if let Some(label) = &trial.label {
            attr["label"] = json!(label);
        }
        attr
    }

    pub(super) fn result_attr(trial: &Trial) -> Json {
        let mut attr = json!({"started_at": trial.started_at, "duration": trial.duration});
        if !trial.folds.is_empty() {
            attr["folds"] = json!(trial.folds);
        }
        if let Some(f) = trial.fit_seconds {
            attr["fit_seconds"] = json!(f);
        }
        if let Some(g) = &trial.gradient {
            attr["gradient"] = json!(g);
        }
        if let Some(reason) = trial.failure() {
            attr["failure"] = json!(reason);
        }
        if let Some(step) = trial.pruned_at() {
            attr["pruned_step"] = json!(step);
        }
        // What a command reported besides its value: read back whole.
        if !trial.intermediate.is_empty() {
            attr["intermediate"] = serde_json::to_value(&trial.intermediate).unwrap_or(Json::Null);
        }
        if !trial.attrs.is_empty() {
            attr["attrs"] = serde_json::to_value(&trial.attrs).unwrap_or(Json::Null);
        }
        if let Some(r) = &trial.resources {
            attr["resources"] = serde_json::to_value(r).unwrap_or(Json::Null);
        }
        attr
    }

    /// A trial already finished before this journal (a session's), as one `CREATE_TRIAL`.
    fn stored_trial(&mut self, trial: &Trial) -> Result<(), StorageError> {
        let (params, dists) = self.params_of(&trial.params);
        let (state, value) = match optuna_state(trial) {
            (state, Some(v)) => (state, json!(v)),
            (state, None) => (state, Json::Null),
        };
        let study_id = self.study_id;
        self.line(
            op::CREATE_TRIAL,
            json!({
                "study_id": study_id,
                "datetime_start": time::to_iso(trial.started_at),
                "datetime_complete": time::to_iso(trial.started_at + trial.duration),
                "state": state,
                "value": value,
                "values": null,
                "distributions": dists,
                "params": params,
                "user_attrs": {},
                "system_attrs": {TRIAL_ATTR: Self::trial_attr(trial), RESULT_ATTR: Self::result_attr(trial)},
                "intermediate_values": {},
            }),
        )?;
        self.trial_ids.insert(trial.number, self.next_trial_id);
        self.next_trial_id += 1;
        Ok(())
    }

    fn started(&mut self, trial: &Trial) -> Result<(), StorageError> {
        if self.started_fast(trial) {
            self.trial_ids.insert(trial.number, self.next_trial_id);
            self.next_trial_id += 1;
            return Ok(());
        }
        let (params, dists) = self.params_of(&trial.params);
        let study_id = self.study_id;
        self.line(
            op::CREATE_TRIAL,
            json!({
                "study_id": study_id,
                "datetime_start": time::to_iso(trial.started_at),
                "state": state::RUNNING,
                "value": null,
                "values": null,
                "distributions": dists,
                "params": params,
                "user_attrs": {},
                "system_attrs": {TRIAL_ATTR: Self::trial_attr(trial)},
                "intermediate_values": {},
            }),
        )?;
        self.trial_ids.insert(trial.number, self.next_trial_id);
        self.next_trial_id += 1;
        Ok(())
    }

    /// The hot path of [`Self::started`], written without building a JSON tree (a fast study
    /// starts thousands of trials a second): the same line `started` writes, for a trial with
    /// a value for every parameter in space order. False (nothing written) otherwise.
    fn started_fast(&mut self, trial: &Trial) -> bool {
        let params = self.space.params();
        if trial.params.len() != params.len()
            || trial
                .params
                .iter()
                .zip(params)
                .any(|((n, _), p)| *n != p.name)
        {
            return false;
        }
        let mut internal = Vec::with_capacity(params.len());
        for (p, (_, value)) in params.iter().zip(&trial.params) {
            let x = internal_value(&p.domain, value);
            match x {
                Some(x) if x.is_finite() => internal.push(x),
                _ => return false,
            }
        }
        // Pieces pushed as bytes, not `write!`: the formatting machinery was a third of the
        // storage thread's time on a fast study (callgrind, bench_journal).
        let b = &mut self.buffer;
        b.extend_from_slice(b"{\"op_code\":");
        time::digits(b, op::CREATE_TRIAL, 1);
        b.extend_from_slice(b",\"worker_id\":");
        b.extend_from_slice(self.worker_json.as_bytes());
        b.extend_from_slice(b",\"study_id\":");
        time::digits(b, self.study_id, 1);
        b.extend_from_slice(b",\"datetime_start\":\"");
        time::write_iso(b, trial.started_at);
        b.extend_from_slice(b"\",\"state\":");
        time::digits(b, state::RUNNING, 1);
        b.extend_from_slice(b",\"value\":null,\"values\":null,\"distributions\":");
        b.extend_from_slice(self.distributions_json.as_bytes());
        b.extend_from_slice(b",\"params\":{");
        for (i, (name, x)) in self.names_json.iter().zip(&internal).enumerate() {
            b.extend_from_slice(if i == 0 { b"" } else { b"," });
            b.extend_from_slice(name.as_bytes());
            b.push(b':');
            number(b, *x);
        }
        b.extend_from_slice(b"},\"user_attrs\":{},\"system_attrs\":{\"knobs:trial\":{\"number\":");
        time::digits(b, trial.number as u64, 1);
        b.extend_from_slice(b",\"point\":[");
        for (i, u) in trial.point.iter().enumerate() {
            b.extend_from_slice(if i == 0 { b"" } else { b"," });
            number(b, *u);
        }
        b.push(b']');
        if let Some(label) = &trial.label {
            b.extend_from_slice(b",\"label\":");
            let _ = serde_json::to_writer(&mut *b, label);
        }
        b.extend_from_slice(b"}},\"intermediate_values\":{}}\n");
        true
    }

    fn finished(&mut self, trial: &Trial) -> Result<(), StorageError> {
        let Some(&trial_id) = self.trial_ids.get(&trial.number) else {
            // A result for a trial this journal never saw start: record it whole.
            return self.stored_trial(trial);
        };
        if trial.folds.is_empty()
            && trial.gradient.is_none()
            && trial.failure().is_none()
            && trial.pruned_at().is_none()
            && trial.intermediate.is_empty()
            && trial.attrs.is_empty()
            && trial.resources.is_none()
        {
            // The hot path, as the lines below would write it, without a JSON tree.
            let b = &mut self.buffer;
            let trial_id_line = |b: &mut Vec<u8>, op_code: u64, worker: &str| {
                b.extend_from_slice(b"{\"op_code\":");
                time::digits(b, op_code, 1);
                b.extend_from_slice(b",\"worker_id\":");
                b.extend_from_slice(worker.as_bytes());
                b.extend_from_slice(b",\"trial_id\":");
                time::digits(b, trial_id, 1);
            };
            trial_id_line(b, op::SET_TRIAL_SYSTEM_ATTR, &self.worker_json);
            b.extend_from_slice(b",\"system_attr\":{\"");
            b.extend_from_slice(RESULT_ATTR.as_bytes());
            b.extend_from_slice(b"\":{\"started_at\":");
            number(b, trial.started_at);
            b.extend_from_slice(b",\"duration\":");
            number(b, trial.duration);
            if let Some(f) = trial.fit_seconds {
                b.extend_from_slice(b",\"fit_seconds\":");
                number(b, f);
            }
            b.extend_from_slice(b"}}}\n");
            trial_id_line(b, op::SET_TRIAL_STATE_VALUES, &self.worker_json);
            b.extend_from_slice(b",\"state\":");
            match trial.completed_value() {
                Some(v) => {
                    time::digits(b, state::COMPLETE, 1);
                    b.extend_from_slice(b",\"values\":[");
                    number(b, v);
                    b.push(b']');
                }
                None => {
                    time::digits(b, state::FAIL, 1);
                    b.extend_from_slice(b",\"values\":null");
                }
            }
            b.extend_from_slice(b",\"datetime_complete\":\"");
            time::write_iso(b, trial.started_at + trial.duration);
            b.extend_from_slice(b"\"}\n");
            return Ok(());
        }
        self.line(
            op::SET_TRIAL_SYSTEM_ATTR,
            json!({"trial_id": trial_id, "system_attr": {RESULT_ATTR: Self::result_attr(trial)}}),
        )?;
        let (state, values) = match optuna_state(trial) {
            (state, Some(v)) => (state, json!([v])),
            (state, None) => (state, Json::Null),
        };
        self.line(
            op::SET_TRIAL_STATE_VALUES,
            json!({
                "trial_id": trial_id,
                "state": state,
                "values": values,
                "datetime_complete": time::to_iso(trial.started_at + trial.duration),
            }),
        )
    }

    fn fail_interrupted(&mut self, trial_id: u64, start: Option<f64>) -> Result<(), StorageError> {
        let started_at = start.unwrap_or(0.0);
        self.line(
            op::SET_TRIAL_SYSTEM_ATTR,
            json!({"trial_id": trial_id, "system_attr": {RESULT_ATTR: {
                "started_at": started_at, "duration": 0.0,
                "failure": INTERRUPTED, "interrupted": true}}}),
        )?;
        self.line(
            op::SET_TRIAL_STATE_VALUES,
            json!({"trial_id": trial_id, "state": state::FAIL, "values": null,
                   "datetime_complete": time::to_iso(now())}),
        )
    }
}

impl Storage for JournalStorage {
    fn append(&mut self, event: &Event) -> Result<(), StorageError> {
        match event {
            Event::TrialStarted(trial) => self.started(trial),
            Event::TrialFinished(trial) => self.finished(trial),
            Event::TrialProgress {
                number,
                step,
                value,
            } => match self.trial_ids.get(number) {
                Some(&trial_id) => self.line(
                    op::SET_TRIAL_INTERMEDIATE_VALUE,
                    json!({"trial_id": trial_id, "step": step, "intermediate_value": value}),
                ),
                None => Ok(()),
            },
            Event::RangeWidened { definition, .. } => {
                // Later trials carry the wider distributions; a recovery reads the new range.
                self.write_definition(definition)?;
                self.set_space(&definition.space);
                Ok(())
            }
            Event::StudyFinished {
                reason,
                strategy_state,
                ..
            } => {
                let state = serde_json::to_value(strategy_state).unwrap_or(Json::Null);
                let study_id = self.study_id;
                self.line(
                    op::SET_STUDY_SYSTEM_ATTR,
                    json!({"study_id": study_id, "system_attr": {STRATEGY_STATE_ATTR: state}}),
                )?;
                let why = match reason {
                    FinishReason::BudgetSpent => "budget spent".to_owned(),
                    FinishReason::Stopped => "stopped".to_owned(),
                    FinishReason::Exhausted(why) => format!("exhausted: {why}"),
                    FinishReason::StrategyFailed(why) => format!("strategy failed: {why}"),
                };
                let study_id = self.study_id;
                self.line(
                    op::SET_STUDY_SYSTEM_ATTR,
                    json!({"study_id": study_id, "system_attr": {LAST_RUN_ATTR: why}}),
                )
            }
        }
    }

    fn checkpoint(&mut self, state: &crate::strategy::SavedState) -> Result<(), StorageError> {
        let state = serde_json::to_value(state).map_err(|e| StorageError::Encode {
            what: "the strategy state",
            message: e.to_string(),
        })?;
        let study_id = self.study_id;
        self.line(
            op::SET_STUDY_SYSTEM_ATTR,
            json!({"study_id": study_id, "system_attr": {STRATEGY_STATE_ATTR: state}}),
        )
    }

    fn commit(&mut self) -> Result<(), StorageError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let io = |action, source| StorageError::Io {
            path: self.path.clone(),
            action,
            source,
        };
        let Some(file) = self.file.as_mut() else {
            return Err(io(
                "cannot append",
                std::io::Error::other("the journal is not open"),
            ));
        };
        file.write_all(&self.buffer)
            .map_err(|e| io("cannot append", e))?;
        file.sync_data().map_err(|e| io("cannot sync", e))?;
        self.buffer.clear();
        Ok(())
    }

    fn load(&self) -> Result<Recovered, StorageError> {
        read(&self.path)
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

/// Write `x` as JSON (shortest text that reads back exactly; `null` if not finite).
/// The Optuna state and value a finished trial is written with: COMPLETE and its value,
/// PRUNED and its last value (none if not finite, which Optuna would refuse), or FAIL.
pub(super) fn optuna_state(trial: &Trial) -> (u64, Option<f64>) {
    match (&trial.state, trial.completed_value()) {
        (_, Some(v)) => (state::COMPLETE, Some(v)),
        (TrialState::Pruned { value, .. }, _) => {
            (state::PRUNED, Some(*value).filter(|v| v.is_finite()))
        }
        _ => (state::FAIL, None),
    }
}

pub(super) fn number(buffer: &mut Vec<u8>, x: f64) {
    let _ = serde_json::to_writer(buffer, &x);
}

fn append_file(path: &Path) -> Result<File, StorageError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|source| StorageError::Io {
            path: path.to_owned(),
            action: "cannot open for appending",
            source,
        })
}

/// A worker id as Optuna makes them: a random UUID, a dash, a thread id.
pub(super) fn worker_id() -> String {
    let r: u128 = rand::random();
    let h = format!("{r:032x}");
    format!(
        "{}-{}-4{}-a{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32],
        std::process::id()
    )
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Each parameter's Optuna distribution, as the JSON text Optuna's `distribution_to_json`
/// writes.
pub(super) fn distributions(space: &Space) -> Vec<(String, String)> {
    space
        .params()
        .iter()
        .map(|p| {
            let dist = match &p.domain {
                Domain::Float { low, high, log } => json!({"name": "FloatDistribution",
                    "attributes": {"step": null, "low": low, "high": high, "log": log}}),
                Domain::Int { low, high, log } => json!({"name": "IntDistribution",
                    "attributes": {"log": log, "step": 1, "low": low, "high": high}}),
                Domain::Categorical { choices } => json!({"name": "CategoricalDistribution",
                    "attributes": {"choices": choices}}),
                // Optuna stores a list of numbers as a categorical of numbers.
                Domain::Numbers { values, int } => {
                    let choices: Vec<Json> = values
                        .iter()
                        .map(|x| if *int { json!(*x as i64) } else { json!(x) })
                        .collect();
                    json!({"name": "CategoricalDistribution", "attributes": {"choices": choices}})
                }
                Domain::Fixed(v) => {
                    let choice = match v {
                        Value::Float(x) => json!(x),
                        Value::Int(i) => json!(i),
                        Value::Cat(s) => json!(s),
                    };
                    json!({"name": "CategoricalDistribution", "attributes": {"choices": [choice]}})
                }
            };
            (p.name.clone(), dist.to_string())
        })
        .collect()
}

/// An Optuna distribution, as read.
#[derive(Clone, Debug, PartialEq)]
enum Dist {
    Float {
        low: f64,
        high: f64,
        log: bool,
        step: Option<f64>,
    },
    Int {
        low: i64,
        high: i64,
        log: bool,
        step: i64,
    },
    Categorical(Vec<Json>),
}

impl Dist {
    /// Parse Optuna's distribution JSON (a string holding `{"name", "attributes"}`), the
    /// current classes and the deprecated ones.
    fn parse(text: &Json) -> Result<Dist, String> {
        let parsed: Json = match text {
            Json::String(s) => serde_json::from_str(s).map_err(|e| e.to_string())?,
            other => other.clone(),
        };
        let name = parsed["name"]
            .as_str()
            .ok_or("a distribution without a name")?;
        let a = &parsed["attributes"];
        let float = |k: &str| {
            a[k].as_f64()
                .ok_or_else(|| format!("{name}: `{k}` is not a number"))
        };
        let int = |k: &str| {
            a[k].as_i64()
                .or_else(|| a[k].as_f64().map(|x| x as i64))
                .ok_or_else(|| format!("{name}: `{k}` is not an integer"))
        };
        let flag = |k: &str| a[k].as_bool().unwrap_or(false);
        Ok(match name {
            "FloatDistribution" => Dist::Float {
                low: float("low")?,
                high: float("high")?,
                log: flag("log"),
                step: a["step"].as_f64(),
            },
            "UniformDistribution" | "LogUniformDistribution" => Dist::Float {
                low: float("low")?,
                high: float("high")?,
                log: name == "LogUniformDistribution",
                step: None,
            },
            "DiscreteUniformDistribution" => Dist::Float {
                low: float("low")?,
                high: float("high")?,
                log: false,
                step: Some(float("q")?),
            },
            "IntDistribution" | "IntUniformDistribution" | "IntLogUniformDistribution" => {
                Dist::Int {
                    low: int("low")?,
                    high: int("high")?,
                    log: flag("log") || name == "IntLogUniformDistribution",
                    step: a["step"].as_i64().unwrap_or(1),
                }
            }
            "CategoricalDistribution" => Dist::Categorical(
                a["choices"]
                    .as_array()
                    .ok_or("CategoricalDistribution without choices")?
                    .clone(),
            ),
            other => return Err(format!("unknown distribution `{other}`")),
        })
    }

    /// Optuna's `check_distribution_compatibility`: same class, same scale, same choices.
    fn compatible(&self, other: &Dist) -> bool {
        match (self, other) {
            (Dist::Float { log: a, .. }, Dist::Float { log: b, .. })
            | (Dist::Int { log: a, .. }, Dist::Int { log: b, .. }) => a == b,
            (Dist::Categorical(a), Dist::Categorical(b)) => a == b,
            _ => false,
        }
    }
}

/// A study as replayed.
pub(super) struct OStudy {
    pub(super) name: String,
    directions: Vec<u64>,
    user_attrs: Map<String, Json>,
    pub(super) system_attrs: Map<String, Json>,
    pub(super) trial_ids: Vec<usize>,
}

/// A trial as replayed.
pub(super) struct OTrial {
    number: usize,
    pub(super) state: u64,
    values: Option<Vec<Option<f64>>>,
    params: BTreeMap<String, (f64, Dist)>,
    user_attrs: Map<String, Json>,
    pub(super) system_attrs: Map<String, Json>,
    /// The `worker_id` whose RUNNING update took the trial (Optuna's claiming rule: a WAITING
    /// trial goes RUNNING once; a second RUNNING update is ignored on replay).
    pub(super) claimed_by: Option<String>,
    intermediate: usize,
    /// The latest step reported and its value (Optuna keeps the largest step's).
    last_report: Option<(u64, f64)>,
    start: Option<f64>,
    complete: Option<f64>,
}

impl OTrial {
    fn updatable(&self) -> bool {
        self.state == state::RUNNING || self.state == state::WAITING
    }
}

/// Every study and trial of a journal, rebuilt by replaying its operations.
pub(super) struct Replay {
    /// By study id; `None` once deleted.
    pub(super) studies: Vec<Option<OStudy>>,
    /// By trial id.
    pub(super) trials: Vec<OTrial>,
    /// Bytes of the file up to the end of the last line read (a torn last line excluded).
    valid_len: u64,
}

/// A malformed-line error for `path`.
pub(super) fn malformed(path: &Path, line: usize, message: impl Into<String>) -> StorageError {
    StorageError::Malformed {
        path: path.to_owned(),
        line,
        message: message.into(),
    }
}

impl Replay {
    fn of_file(path: &Path) -> Result<Replay, StorageError> {
        let bytes = std::fs::read(path).map_err(|source| StorageError::Io {
            path: path.to_owned(),
            action: "cannot read",
            source,
        })?;
        Self::of_bytes(path, &bytes)
    }

    /// Replay `bytes`, the content of the journal at `path` (named in errors).
    /// Nothing replayed yet (a reader that feeds lines one at a time).
    pub(super) fn empty() -> Replay {
        Replay {
            studies: Vec::new(),
            trials: Vec::new(),
            valid_len: 0,
        }
    }

    fn of_bytes(path: &Path, bytes: &[u8]) -> Result<Replay, StorageError> {
        let mut replay = Replay::empty();
        let mut offset = 0usize;
        let mut pending: Option<(usize, String)> = None;
        for (index, chunk) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
            let line = index + 1;
            if let Some((at, message)) = pending.take() {
                return Err(malformed(path, at, message));
            }
            let Some(text) = chunk.strip_suffix(b"\n") else {
                // Cut short by a crash mid-append: ignored, as Optuna does.
                break;
            };
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.iter().all(u8::is_ascii_whitespace) {
                offset += chunk.len();
                replay.valid_len = offset as u64;
                continue;
            }
            match serde_json::from_slice::<Json>(text) {
                Ok(Json::Object(log)) => {
                    replay
                        .apply(&log)
                        .map_err(|message| malformed(path, line, message))?;
                    offset += chunk.len();
                    replay.valid_len = offset as u64;
                }
                // Only an error if another line follows (a torn last line is ignored).
                Ok(_) => pending = Some((line, "not a JSON object".into())),
                Err(e) => pending = Some((line, format!("not JSON: {e}"))),
            }
        }
        Ok(replay)
    }

    fn study_mut(&mut self, log: &Map<String, Json>) -> Result<Option<&mut OStudy>, String> {
        let id = uint(log, "study_id")? as usize;
        Ok(self.studies.get_mut(id).and_then(Option::as_mut))
    }

    fn trial_mut(&mut self, log: &Map<String, Json>) -> Result<Option<&mut OTrial>, String> {
        let id = uint(log, "trial_id")? as usize;
        Ok(self.trials.get_mut(id).filter(|t| t.updatable()))
    }

    /// Apply one operation as Optuna's `JournalStorageReplayResult` does; `Err` says which
    /// field is missing or wrong.
    pub(super) fn apply(&mut self, log: &Map<String, Json>) -> Result<(), String> {
        match uint(log, "op_code")? {
            op::CREATE_STUDY => {
                let name = log
                    .get("study_name")
                    .and_then(Json::as_str)
                    .ok_or("`study_name` is missing")?
                    .to_owned();
                let directions = log
                    .get("directions")
                    .and_then(Json::as_array)
                    .ok_or("`directions` is missing")?
                    .iter()
                    .map(|d| d.as_u64().ok_or("`directions` holds a non-integer"))
                    .collect::<Result<Vec<_>, _>>()?;
                if !self.studies.iter().flatten().any(|s| s.name == name) {
                    self.studies.push(Some(OStudy {
                        name,
                        directions,
                        user_attrs: Map::new(),
                        system_attrs: Map::new(),
                        trial_ids: Vec::new(),
                    }));
                }
            }
            op::DELETE_STUDY => {
                let id = uint(log, "study_id")? as usize;
                if let Some(slot) = self.studies.get_mut(id) {
                    *slot = None;
                }
            }
            op::SET_STUDY_USER_ATTR => {
                let attr = object(log, "user_attr")?;
                if let Some(s) = self.study_mut(log)? {
                    s.user_attrs.extend(attr);
                }
            }
            op::SET_STUDY_SYSTEM_ATTR => {
                let attr = object(log, "system_attr")?;
                if let Some(s) = self.study_mut(log)? {
                    s.system_attrs.extend(attr);
                }
            }
            op::CREATE_TRIAL => self.create_trial(log)?,
            op::SET_TRIAL_PARAM => self.set_param(log)?,
            op::SET_TRIAL_STATE_VALUES => {
                let new_state = uint(log, "state")?;
                if new_state > state::WAITING {
                    return Err(format!("trial state {new_state} is not one of Optuna's"));
                }
                let values = values_of(log.get("values"))?;
                let start = datetime(log, "datetime_start")?;
                let complete = datetime(log, "datetime_complete")?;
                if let Some(t) = self.trial_mut(log)? {
                    if new_state == state::RUNNING && t.state == state::RUNNING {
                        return Ok(());
                    }
                    if new_state == state::RUNNING {
                        t.start = start;
                        t.claimed_by = writer_of(log);
                    }
                    if new_state != state::RUNNING && new_state != state::WAITING {
                        t.complete = complete;
                    }
                    t.state = new_state;
                    if values.is_some() {
                        t.values = values;
                    }
                }
            }
            op::SET_TRIAL_INTERMEDIATE_VALUE => {
                let step = uint(log, "step")?;
                let value = log
                    .get("intermediate_value")
                    .and_then(Json::as_f64)
                    .unwrap_or(f64::NAN);
                if let Some(t) = self.trial_mut(log)? {
                    t.intermediate += 1;
                    if t.last_report.is_none_or(|(s, _)| s <= step) {
                        t.last_report = Some((step, value));
                    }
                }
            }
            op::SET_TRIAL_USER_ATTR => {
                let attr = object(log, "user_attr")?;
                if let Some(t) = self.trial_mut(log)? {
                    t.user_attrs.extend(attr);
                }
            }
            op::SET_TRIAL_SYSTEM_ATTR => {
                let attr = object(log, "system_attr")?;
                if let Some(t) = self.trial_mut(log)? {
                    t.system_attrs.extend(attr);
                }
            }
            op::DISCARD_TRIALS => {}
            other => return Err(format!("op_code {other} is not one of Optuna's")),
        }
        Ok(())
    }

    fn create_trial(&mut self, log: &Map<String, Json>) -> Result<(), String> {
        let study_id = uint(log, "study_id")? as usize;
        let Some(study) = self.studies.get_mut(study_id).and_then(Option::as_mut) else {
            return Ok(());
        };
        let mut dists = BTreeMap::new();
        if let Some(Json::Object(d)) = log.get("distributions") {
            for (name, text) in d {
                let dist = Dist::parse(text).map_err(|e| format!("parameter `{name}`: {e}"))?;
                dists.insert(name.clone(), dist);
            }
        }
        let mut params = BTreeMap::new();
        if let Some(Json::Object(p)) = log.get("params") {
            for (name, value) in p {
                let dist = dists
                    .get(name)
                    .ok_or_else(|| format!("parameter `{name}` has no distribution"))?;
                let x = value
                    .as_f64()
                    .ok_or_else(|| format!("parameter `{name}` is not a number"))?;
                params.insert(name.clone(), (x, dist.clone()));
            }
        }
        let state = match log.get("state") {
            None => state::RUNNING,
            Some(_) => uint(log, "state")?,
        };
        let values = match values_of(log.get("values"))? {
            Some(v) => Some(v),
            None => log
                .get("value")
                .and_then(Json::as_f64)
                .map(|v| vec![Some(v)]),
        };
        let attrs = |key: &str| match log.get(key) {
            Some(Json::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let intermediate = match log.get("intermediate_values") {
            Some(Json::Object(m)) => m.len(),
            _ => 0,
        };
        let trial_id = self.trials.len();
        self.trials.push(OTrial {
            number: study.trial_ids.len(),
            state,
            values,
            params,
            user_attrs: attrs("user_attrs"),
            system_attrs: attrs("system_attrs"),
            intermediate,
            last_report: None,
            claimed_by: writer_of(log).filter(|_| state == state::RUNNING),
            start: datetime(log, "datetime_start")?,
            complete: datetime(log, "datetime_complete")?,
        });
        study.trial_ids.push(trial_id);
        Ok(())
    }

    fn set_param(&mut self, log: &Map<String, Json>) -> Result<(), String> {
        let trial_id = uint(log, "trial_id")? as usize;
        let name = log
            .get("param_name")
            .and_then(Json::as_str)
            .ok_or("`param_name` is missing")?;
        let x = log
            .get("param_value_internal")
            .and_then(Json::as_f64)
            .ok_or("`param_value_internal` is not a number")?;
        let dist = Dist::parse(log.get("distribution").ok_or("`distribution` is missing")?)
            .map_err(|e| format!("parameter `{name}`: {e}"))?;
        if !self.trials.get(trial_id).is_some_and(OTrial::updatable) {
            return Ok(());
        }
        // Optuna ignores a parameter whose distribution conflicts with an earlier trial's.
        let study = self
            .studies
            .iter()
            .flatten()
            .find(|s| s.trial_ids.contains(&trial_id));
        if let Some(study) = study {
            let earlier = study
                .trial_ids
                .iter()
                .filter_map(|id| self.trials[*id].params.get(name))
                .next();
            if earlier.is_some_and(|(_, d)| !d.compatible(&dist)) {
                return Ok(());
            }
        }
        if let Some(t) = self.trials.get_mut(trial_id) {
            t.params.insert(name.to_owned(), (x, dist));
        }
        Ok(())
    }

    /// The id of the study named `name`, or of the only study.
    pub(super) fn pick(&self, path: &Path, name: Option<&str>) -> Result<usize, StorageError> {
        let live: Vec<(usize, &OStudy)> = self
            .studies
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
            .collect();
        let unsupported = |message: String| StorageError::Unsupported {
            path: path.to_owned(),
            message,
        };
        match (name, live.as_slice()) {
            (Some(n), _) => live
                .iter()
                .find(|(_, s)| s.name == n)
                .map(|(i, _)| *i)
                .ok_or_else(|| unsupported(format!("no study named `{n}`"))),
            (None, []) => Err(unsupported("the journal holds no study".into())),
            (None, [(i, _)]) => Ok(*i),
            (None, many) => Err(unsupported(format!(
                "the journal holds {} studies ({}); name one",
                many.len(),
                many.iter()
                    .map(|(_, s)| format!("`{}`", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The study with id `id` as Knobs represents it.
    pub(super) fn recovered(&self, path: &Path, id: usize) -> Result<Recovered, StorageError> {
        let Some(study) = self.studies.get(id).and_then(Option::as_ref) else {
            return Err(StorageError::Unsupported {
                path: path.to_owned(),
                message: format!("no study with id {id}"),
            });
        };
        if study.directions.len() != 1 {
            return Err(StorageError::Unsupported {
                path: path.to_owned(),
                message: format!(
                    "study `{}` has {} objectives; Knobs studies have one",
                    study.name,
                    study.directions.len()
                ),
            });
        }
        let last_run = study
            .system_attrs
            .get(LAST_RUN_ATTR)
            .and_then(Json::as_str)
            .map(str::to_owned);
        let trials: Vec<&OTrial> = study.trial_ids.iter().map(|i| &self.trials[*i]).collect();
        let mut recovered = match study.system_attrs.get(STUDY_ATTR) {
            Some(definition) => knobs_study(path, study, definition, &trials)?,
            None => optuna_study(path, study, &trials)?,
        };
        recovered.last_run = last_run;
        // A state that does not read back is dropped: the resume then replays, as before.
        recovered.study.strategy_state = study
            .system_attrs
            .get(STRATEGY_STATE_ATTR)
            .and_then(|j| serde_json::from_value(j.clone()).ok());
        if !study.user_attrs.is_empty() {
            recovered.notes.push(format!(
                "{} study user attribute(s) are not kept",
                study.user_attrs.len()
            ));
        }
        let intermediate = trials.iter().filter(|t| t.intermediate > 0).count();
        if intermediate > 0 {
            recovered.notes.push(format!(
                "intermediate values of {intermediate} trial(s) are not kept"
            ));
        }
        let user = trials.iter().filter(|t| !t.user_attrs.is_empty()).count();
        if user > 0 {
            recovered
                .notes
                .push(format!("user attributes of {user} trial(s) are not kept"));
        }
        Ok(recovered)
    }
}

/// The `worker_id` that wrote an operation.
fn writer_of(log: &Map<String, Json>) -> Option<String> {
    log.get("worker_id")
        .and_then(Json::as_str)
        .map(str::to_owned)
}

fn uint(log: &Map<String, Json>, key: &str) -> Result<u64, String> {
    log.get(key)
        .and_then(Json::as_u64)
        .ok_or_else(|| format!("`{key}` is missing or not a non-negative integer"))
}

fn object(log: &Map<String, Json>, key: &str) -> Result<Map<String, Json>, String> {
    match log.get(key) {
        Some(Json::Object(m)) => Ok(m.clone()),
        _ => Err(format!("`{key}` is missing or not an object")),
    }
}

fn values_of(v: Option<&Json>) -> Result<Option<Vec<Option<f64>>>, String> {
    match v {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Array(a)) => Ok(Some(a.iter().map(Json::as_f64).collect())),
        Some(_) => Err("`values` is not a list".into()),
    }
}

fn datetime(log: &Map<String, Json>, key: &str) -> Result<Option<f64>, String> {
    match log.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => time::from_iso(s)
            .map(Some)
            .ok_or_else(|| format!("`{key}` is not an ISO 8601 time: {s:?}")),
        Some(_) => Err(format!("`{key}` is not a string")),
    }
}

pub(super) fn knobs_number(t: &OTrial) -> Option<usize> {
    t.system_attrs
        .get(TRIAL_ATTR)
        .and_then(|a| a.get("number"))
        .and_then(Json::as_u64)
        .map(|n| n as usize)
}

/// The value of a Knobs parameter from Optuna's internal representation.
fn knobs_value(domain: &Domain, internal: f64) -> Option<Value> {
    match domain {
        Domain::Float { .. } => Some(Value::Float(internal)),
        Domain::Int { .. } => Some(Value::Int(internal.round() as i64)),
        Domain::Categorical { choices } => choices
            .get(internal.round().max(0.0) as usize)
            .map(|c| Value::Cat(c.clone())),
        Domain::Numbers { values, int } => {
            let i = internal.round().max(0.0) as usize;
            values.get(i).map(|x| {
                if *int {
                    Value::Int(*x as i64)
                } else {
                    Value::Float(*x)
                }
            })
        }
        Domain::Fixed(v) => Some(v.clone()),
    }
}

/// A study Knobs wrote: its definition, and each trial number's latest attempt.
fn knobs_study(
    path: &Path,
    study: &OStudy,
    definition: &Json,
    trials: &[&OTrial],
) -> Result<Recovered, StorageError> {
    let mut def: Study =
        serde_json::from_value(definition.clone()).map_err(|e| StorageError::Unsupported {
            path: path.to_owned(),
            message: format!("the `{STUDY_ATTR}` attribute is not a Knobs study: {e}"),
        })?;
    let mut by_number: BTreeMap<usize, Trial> = BTreeMap::new();
    let mut interrupted = Vec::new();
    let mut notes = Vec::new();
    let mut foreign = 0;
    for t in trials {
        let Some(attr) = t.system_attrs.get(TRIAL_ATTR) else {
            foreign += 1;
            continue;
        };
        let Some(number) = knobs_number(t) else {
            return Err(StorageError::Unsupported {
                path: path.to_owned(),
                message: format!("trial {}: `{TRIAL_ATTR}` has no number", t.number),
            });
        };
        if t.state == state::WAITING {
            continue;
        }
        let (trial, was_interrupted) = knobs_trial(&def.space, t, attr, number);
        let Some(trial) = fitted(&def, trial, &mut notes) else {
            continue;
        };
        if was_interrupted {
            if !interrupted.contains(&number) {
                interrupted.push(number);
            }
        } else {
            interrupted.retain(|n| *n != number);
        }
        by_number.insert(number, trial);
    }
    if foreign > 0 {
        notes.push(format!(
            "{foreign} trial(s) in study `{}` were not written by Knobs and are left out",
            study.name
        ));
    }
    def.trials = by_number.into_values().collect();
    interrupted.sort_unstable();
    Ok(Recovered {
        study: def,
        interrupted,
        knobs_definition: true,
        notes,
        last_run: None,
    })
}

/// `trial` as read from a damaged journal made to fit the study's space, or `None` (left out,
/// so a resume asks its number again): a gradient that does not fit is dropped, a point
/// that does not fit is recomputed from the trial's parameters, and a trial whose
/// parameters do not fit either is left out. Each repair is a note naming the trial.
fn fitted(def: &Study, mut trial: Trial, notes: &mut Vec<String>) -> Option<Trial> {
    let Err(first) = def.check_in_space(&trial) else {
        return Some(trial);
    };
    let number = trial.number;
    if matches!(first, crate::study::StudyError::BadGradient { .. }) {
        trial.gradient = None;
        notes.push(format!("trial {number}: {first}; the gradient is dropped"));
    }
    if let Err(
        e @ (crate::study::StudyError::PointLength { .. }
        | crate::study::StudyError::PointOutside { .. }),
    ) = def.check_in_space(&trial)
    {
        let point = def.space.to_unit(&trial.params);
        if point.len() == def.space.dim() {
            trial.point = point;
            notes.push(format!(
                "trial {number}: {e}; the point is recomputed from its parameters"
            ));
        }
    }
    match def.check_in_space(&trial) {
        Ok(()) => Some(trial),
        Err(e) => {
            notes.push(format!(
                "trial {number}: {e}; the trial is left out (a resume asks it again)"
            ));
            None
        }
    }
}

/// One attempt of a Knobs trial as read, and whether it was failed as interrupted.
pub(super) fn knobs_trial(space: &Space, t: &OTrial, attr: &Json, number: usize) -> (Trial, bool) {
    let params: Params = space
        .params()
        .iter()
        .filter_map(|p| {
            let internal = match &p.domain {
                Domain::Fixed(_) => 0.0,
                _ => t.params.get(&p.name)?.0,
            };
            Some((p.name.clone(), knobs_value(&p.domain, internal)?))
        })
        .collect();
    let result = t.system_attrs.get(RESULT_ATTR);
    let get_f64 = |key: &str| result.and_then(|r| r.get(key)).and_then(Json::as_f64);
    let failure = result
        .and_then(|r| r.get("failure"))
        .and_then(Json::as_str)
        .map(str::to_owned);
    let was_interrupted = result
        .and_then(|r| r.get("interrupted"))
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let value = t.values.as_ref().and_then(|v| v.first().copied().flatten());
    let state = match (t.state, value) {
        (state::RUNNING, _) => TrialState::Running,
        (state::COMPLETE, Some(_)) => TrialState::Complete,
        (state::COMPLETE, None) => TrialState::Failed("complete without a value".into()),
        (state::PRUNED, _) => pruned_state(
            // As an integer: a step past 2^53 read as a float would come back changed.
            result
                .and_then(|r| r.get("pruned_step"))
                .and_then(|s| s.as_u64().or_else(|| s.as_f64().map(|f| f as u64))),
            value,
            decode::<Vec<crate::study::Intermediate>>(result, "intermediate")
                .and_then(|v| v.last().map(|p| (p.step, p.value)))
                .or(t.last_report),
        ),
        _ => TrialState::Failed(failure.unwrap_or_else(|| "failed".into())),
    };
    let started_at = get_f64("started_at").or(t.start).unwrap_or(0.0);
    fn decode<T: serde::de::DeserializeOwned>(result: Option<&Json>, key: &str) -> Option<T> {
        serde_json::from_value(result?.get(key)?.clone()).ok()
    }
    let floats = |key: &str| -> Option<Vec<f64>> {
        result
            .and_then(|r| r.get(key))
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_f64).collect())
    };
    let trial = Trial {
        number,
        params,
        point: attr
            .get("point")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_f64).collect())
            .unwrap_or_default(),
        value: if state == TrialState::Complete {
            value
        } else {
            None
        },
        state,
        folds: floats("folds").unwrap_or_default(),
        gradient: floats("gradient"),
        label: attr.get("label").and_then(Json::as_str).map(str::to_owned),
        started_at,
        duration: get_f64("duration")
            .or_else(|| t.complete.zip(t.start).map(|(c, s)| c - s))
            .unwrap_or(0.0),
        fit_seconds: get_f64("fit_seconds"),
        intermediate: decode(result, "intermediate").unwrap_or_default(),
        attrs: decode(result, "attrs").unwrap_or_default(),
        resources: decode(result, "resources"),
    };
    (trial, was_interrupted)
}

/// A PRUNED trial read back: the step from Knobs' own record or the last report, the value
/// Optuna stored or else the last reported one.
fn pruned_state(step: Option<u64>, value: Option<f64>, last: Option<(u64, f64)>) -> TrialState {
    TrialState::Pruned {
        step: step.or(last.map(|l| l.0)).unwrap_or(0),
        value: value.or(last.map(|l| l.1)).unwrap_or(f64::NAN),
    }
}

/// A Knobs domain for an Optuna distribution, with a note when something is not kept.
fn domain_of(name: &str, dist: &Dist, notes: &mut Vec<String>) -> Domain {
    match dist {
        Dist::Float { low, high, .. } if low == high => Domain::Fixed(Value::Float(*low)),
        Dist::Float {
            low,
            high,
            log,
            step,
        } => {
            if let Some(step) = step {
                notes.push(format!(
                    "parameter `{name}`: the step {step} is not kept (searched as a continuous range)"
                ));
            }
            Domain::Float {
                low: *low,
                high: *high,
                log: *log,
            }
        }
        Dist::Int { low, high, .. } if low == high => Domain::Fixed(Value::Int(*low)),
        Dist::Int {
            low,
            high,
            log,
            step,
        } => {
            if *step != 1 {
                notes.push(format!(
                    "parameter `{name}`: the step {step} is not kept (every integer is searched)"
                ));
            }
            Domain::Int {
                low: *low,
                high: *high,
                log: *log,
            }
        }
        Dist::Categorical(choices) => {
            if choices.iter().any(|c| !c.is_string()) {
                notes.push(format!(
                    "parameter `{name}`: choices that are not strings are shown as text"
                ));
            }
            Domain::Categorical {
                choices: choices.iter().map(choice_text).collect(),
            }
        }
    }
}

fn choice_text(choice: &Json) -> String {
    match choice {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A study Optuna wrote: the space from the trials' distributions, the trials in order.
fn optuna_study(
    path: &Path,
    study: &OStudy,
    trials: &[&OTrial],
) -> Result<Recovered, StorageError> {
    let mut notes = vec![format!(
        "study `{}` has no Knobs definition (written by Optuna): its objective is unknown, \
         so its trials can be shown but not continued",
        study.name
    )];
    let mut dists: Vec<(String, Dist)> = Vec::new();
    for t in trials {
        for (name, (_, dist)) in &t.params {
            match dists.iter().find(|(n, _)| n == name) {
                Some((_, first)) if first != dist => {
                    let note = format!(
                        "parameter `{name}`: its distribution changes between trials; the first is kept"
                    );
                    if !notes.contains(&note) {
                        notes.push(note);
                    }
                }
                Some(_) => {}
                None => dists.push((name.clone(), dist.clone())),
            }
        }
    }
    let params: Vec<Param> = dists
        .iter()
        .map(|(name, dist)| Param::new(name.clone(), domain_of(name, dist, &mut notes)))
        .collect();
    let space = Space::new(params).map_err(|e| StorageError::Unsupported {
        path: path.to_owned(),
        message: format!("the study's parameters do not make a Knobs space: {e}"),
    })?;
    let mut out = Vec::new();
    let (mut waiting, mut partial) = (0, 0);
    for t in trials {
        if t.state == state::WAITING {
            waiting += 1;
            continue;
        }
        let (trial, missing) = optuna_trial(&space, t);
        partial += missing;
        out.push(trial);
    }
    if waiting > 0 {
        notes.push(format!("{waiting} waiting trial(s) are left out"));
    }
    if partial > 0 {
        notes.push(format!(
            "{partial} parameter value(s) are missing from trials (a conditional space); their points use the middle of the range"
        ));
    }
    let direction = if study.directions.first() == Some(&2) {
        Direction::Maximize
    } else {
        Direction::Minimize
    };
    let mut knobs = crate::study::default_study();
    knobs.name = study.name.clone();
    knobs.objective = crate::objective::ObjectiveSpec::Unknown {
        written_by: "Optuna".into(),
    };
    knobs.direction = direction;
    knobs.space = space;
    knobs.budget = out.len();
    knobs.trials = out;
    Ok(Recovered {
        study: knobs,
        interrupted: Vec::new(),
        knobs_definition: false,
        notes,
        last_run: None,
    })
}

/// A trial Optuna wrote, and how many of its free parameters it lacks.
fn optuna_trial(space: &Space, t: &OTrial) -> (Trial, usize) {
    let mut partial = 0;
    let mut values = Params::new();
    let mut point = Vec::new();
    for p in space.params() {
        let value = t.params.get(&p.name).and_then(|(x, dist)| match dist {
            Dist::Categorical(c) => c
                .get(x.round().max(0.0) as usize)
                .map(|c| Value::Cat(choice_text(c))),
            _ => knobs_value(&p.domain, *x),
        });
        if p.domain.is_free() {
            point.push(
                value
                    .as_ref()
                    .and_then(|v| p.domain.to_unit(v))
                    .unwrap_or(0.5),
            );
        }
        match value {
            Some(v) => values.push((p.name.clone(), v)),
            None => partial += usize::from(p.domain.is_free()),
        }
    }
    let value = t.values.as_ref().and_then(|v| v.first().copied().flatten());
    let fail_reason = t
        .system_attrs
        .get("fail_reason")
        .and_then(Json::as_str)
        .unwrap_or("failed in Optuna");
    let state = match (t.state, value) {
        (state::RUNNING, _) => TrialState::Running,
        (state::COMPLETE, Some(v)) if v.is_finite() => TrialState::Complete,
        (state::COMPLETE, _) => TrialState::Failed("complete without a finite value".into()),
        (state::PRUNED, _) => pruned_state(None, value, t.last_report),
        _ => TrialState::Failed(fail_reason.into()),
    };
    let started_at = t.start.unwrap_or(0.0);
    let trial = Trial {
        number: t.number,
        params: values,
        point,
        value: if state == TrialState::Complete {
            value
        } else {
            None
        },
        state,
        folds: Vec::new(),
        gradient: None,
        label: None,
        started_at,
        duration: t.complete.map(|c| (c - started_at).max(0.0)).unwrap_or(0.0),
        fit_seconds: None,
        intermediate: Vec::new(),
        attrs: Default::default(),
        resources: None,
    };
    (trial, partial)
}

/// A value as Optuna stores it in a journal: a category's or a number list's index, 0 for
/// a fixed value, the number itself otherwise; `None` when the value does not fit the domain.
pub(super) fn internal_value(domain: &Domain, value: &Value) -> Option<f64> {
    match (domain, value) {
        (Domain::Categorical { choices }, Value::Cat(c)) => {
            choices.iter().position(|x| x == c).map(|i| i as f64)
        }
        (Domain::Fixed(_), _) => Some(0.0),
        (Domain::Numbers { values, .. }, v) => v
            .as_f64()
            .and_then(|x| Domain::number_index(values, x))
            .map(|i| i as f64),
        (_, v) => v.as_f64(),
    }
}

/// One trial as an Optuna RDB storage holds it (the rows of `trials`, `trial_params`,
/// `trial_values`, `trial_intermediate_values` and the attribute tables), for the SQL
/// storages: they read rows, and this file's mapping turns them into a Knobs study, so the
/// journal and the databases read a study the same way.
pub(super) struct RowTrial {
    /// Optuna's `state`, as this file's `state` codes.
    pub state: u64,
    /// The objective values (`None` for an infinite or missing one is kept as its float).
    pub values: Option<Vec<Option<f64>>>,
    /// Name, internal value and distribution JSON of each parameter.
    pub params: Vec<(String, f64, String)>,
    /// User attributes (JSON values).
    pub(crate) user_attrs: Map<String, Json>,
    /// System attributes (JSON values).
    pub(crate) system_attrs: Map<String, Json>,
    /// Every reported (step, value).
    pub intermediate: Vec<(u64, f64)>,
    /// Seconds since the epoch of `datetime_start` and `datetime_complete`.
    pub start: Option<f64>,
    /// See `start`.
    pub complete: Option<f64>,
}

/// The study named `name` with its rows, read as Knobs reads a journal's study (`location`
/// names the storage in errors). `trials` are in Optuna number order.
pub(super) fn recovered_from_rows(
    location: &Path,
    name: String,
    directions: Vec<u64>,
    user_attrs: Map<String, Json>,
    system_attrs: Map<String, Json>,
    trials: Vec<RowTrial>,
) -> Result<Recovered, StorageError> {
    let mut replay = Replay {
        studies: Vec::new(),
        trials: Vec::with_capacity(trials.len()),
        valid_len: 0,
    };
    let mut trial_ids = Vec::with_capacity(trials.len());
    for (number, t) in trials.into_iter().enumerate() {
        let mut params = BTreeMap::new();
        for (param, x, text) in t.params {
            let dist = Dist::parse(&Json::String(text)).map_err(|e| StorageError::Unsupported {
                path: location.to_owned(),
                message: format!("trial {number}: parameter `{param}`: {e}"),
            })?;
            params.insert(param, (x, dist));
        }
        let last_report = t.intermediate.iter().max_by_key(|(s, _)| *s).copied();
        trial_ids.push(replay.trials.len());
        replay.trials.push(OTrial {
            number,
            state: t.state,
            values: t.values,
            params,
            user_attrs: t.user_attrs,
            system_attrs: t.system_attrs,
            intermediate: t.intermediate.len(),
            last_report,
            start: t.start,
            complete: t.complete,
            claimed_by: None,
        });
    }
    replay.studies.push(Some(OStudy {
        name,
        directions,
        user_attrs,
        system_attrs,
        trial_ids,
    }));
    replay.recovered(location, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::ObjectiveSpec;
    use crate::runner::{self, Event};
    use crate::strategy::StrategySpec;
    use std::sync::Arc;

    fn study(budget: usize) -> Study {
        let objective = ObjectiveSpec::from_name("branin").unwrap();
        let mut space = objective.build().unwrap().default_space();
        space
            .upsert(Param::new(
                "kind",
                Domain::Categorical {
                    choices: vec!["a".into(), "b".into()],
                },
            ))
            .unwrap();
        space
            .upsert(Param::new(
                "n",
                Domain::Int {
                    low: 1,
                    high: 100,
                    log: true,
                },
            ))
            .unwrap();
        space
            .upsert(Param::new("fixed", Domain::Fixed(Value::Float(0.25))))
            .unwrap();
        Study {
            name: "journal test".into(),
            description: String::new(),
            description_zh: String::new(),
            direction: Direction::Minimize,
            objective,
            space,
            strategy: StrategySpec::Random,
            seed: 7,
            budget,
            window: Some(2),
            trials: Vec::new(),
            pruner: Default::default(),
            resource_budget: None,
            strategy_state: None,
            adaptive: Default::default(),
            warm_start: None,
        }
    }

    /// Run `study` writing to a new journal at `path`; the events the listener saw.
    fn run_journaled(study: Study, path: &Path, storage: JournalStorage) -> (Study, Vec<Event>) {
        let _ = path;
        let objective = Arc::from(study.objective.build().unwrap());
        let handle =
            runner::start_with(study, objective, 2, None, Some(Box::new(storage))).unwrap();
        let events: Vec<Event> = handle.events.iter().collect();
        (handle.join().unwrap(), events)
    }

    /// A trial of `study` at `point`, pruned at step 3 after reporting 3 values.
    fn pruned_trial(study: &Study, number: usize, point: Vec<f64>) -> Trial {
        let mut t = Trial::complete(number, study.space.from_unit(&point), point, 0.0);
        t.value = None;
        t.started_at = 1.7e9 + number as f64;
        t.duration = 0.5;
        t.intermediate = (1..=3)
            .map(|step| crate::study::Intermediate {
                step,
                value: 10.0 / step as f64,
            })
            .collect();
        t.state = TrialState::Pruned {
            step: 3,
            value: 10.0 / 3.0,
        };
        t
    }

    #[test]
    fn a_pruned_trial_and_the_pruner_read_back_from_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.journal");
        let mut s = study(4);
        s.pruner = crate::pruner::PrunerSpec::from_name("asha").unwrap();
        s.resource_budget = Some(40);
        // One pruned trial stored before the journal, one written as a run writes it.
        s.trials.push(pruned_trial(&s, 0, vec![0.1, 0.2, 0.3, 0.4]));
        let mut storage = JournalStorage::create(&path, &s).unwrap();
        let live = pruned_trial(&s, 1, vec![0.5, 0.6, 0.7, 0.8]);
        let mut started = live.clone();
        started.state = TrialState::Running;
        started.intermediate.clear();
        storage.append(&Event::TrialStarted(started)).unwrap();
        for p in &live.intermediate {
            storage
                .append(&Event::TrialProgress {
                    number: 1,
                    step: p.step,
                    value: p.value,
                })
                .unwrap();
        }
        storage.append(&Event::TrialFinished(live.clone())).unwrap();
        storage.commit().unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("\"op_code\":7").count(), 3, "{text}");
        assert!(
            text.contains(&format!("\"state\":{}", state::PRUNED)),
            "{text}"
        );
        let back = read(&path).unwrap().study;
        assert_eq!(back.pruner, s.pruner);
        assert_eq!(back.resource_budget, Some(40));
        assert_eq!(back.trials.len(), 2);
        for (got, want) in back.trials.iter().zip([&s.trials[0], &live]) {
            assert_eq!(got.state, want.state);
            assert_eq!(got.intermediate, want.intermediate);
            assert_eq!(got.params, want.params);
            assert_eq!(got.told_value(), Some(10.0 / 3.0));
            assert_eq!(got.resource(), 3);
        }
    }

    #[test]
    fn a_run_reads_back_with_every_trial_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.journal");
        let s = study(12);
        let storage = JournalStorage::create(&path, &s).unwrap();
        let (done, events) = run_journaled(s, &path, storage);
        assert_eq!(done.trials.len(), 12);
        assert!(matches!(events.last(), Some(Event::StudyFinished { .. })));
        let back = read(&path).unwrap();
        assert!(back.knobs_definition);
        assert_eq!(back.last_run.as_deref(), Some("budget spent"));
        assert!(back.interrupted.is_empty());
        assert!(back.notes.is_empty(), "{:?}", back.notes);
        assert_eq!(back.study, done);
        assert!(back.is_finished());
    }

    #[test]
    fn a_session_s_trials_are_written_when_the_journal_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.journal");
        let first = study(5);
        let objective = Arc::from(first.objective.build().unwrap());
        let (done, _, _) = runner::run_to_end(first, objective, 1).unwrap();
        JournalStorage::create(&path, &done).unwrap();
        assert_eq!(read(&path).unwrap().study, done);
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_dropped_before_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.journal");
        let s = study(4);
        let storage = JournalStorage::create(&path, &s).unwrap();
        let (done, _) = run_journaled(s, &path, storage);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"op_code\":4,\"worker_id\":\"x\",\"stu");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read(&path).unwrap().study, done);
        // a complete but malformed last line is ignored too
        std::fs::write(&path, text.clone() + "\n").unwrap();
        assert_eq!(read(&path).unwrap().study, done);
        let (_, recovered) = JournalStorage::open(&path).unwrap();
        assert_eq!(recovered.study, done);
        assert!(std::fs::read_to_string(&path).unwrap().ends_with("}\n"));
    }

    #[test]
    fn a_malformed_line_inside_the_file_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.journal");
        JournalStorage::create(&path, &study(4)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}not json\n{text}")).unwrap();
        let msg = read(&path).unwrap_err().to_string();
        assert!(msg.contains("s.journal:3: not JSON"), "{msg}");
        std::fs::write(&path, format!("{text}{{\"op_code\":99}}\n")).unwrap();
        let msg = read(&path).unwrap_err().to_string();
        assert!(msg.contains("s.journal:3: op_code 99"), "{msg}");
        std::fs::write(&path, format!("{text}{{\"op_code\":4}}\n")).unwrap();
        let msg = read(&path).unwrap_err().to_string();
        assert!(msg.contains(":3: `study_id` is missing"), "{msg}");
    }

    #[test]
    fn a_second_writer_is_refused_with_the_holder_s_pid_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.journal");
        let s = study(3);
        let first = JournalStorage::create(&path, &s).unwrap();
        let lock = super::super::lock::lock_path(&path);
        assert_eq!(
            std::fs::read_to_string(&lock).unwrap().trim(),
            std::process::id().to_string()
        );
        for refused in [
            JournalStorage::open(&path).map(|_| ()),
            JournalStorage::create(&path, &s).map(|_| ()),
            recover(&path).map(|_| ()),
        ] {
            let err = refused.unwrap_err();
            assert!(
                matches!(err, StorageError::Locked { holder: Some(pid), .. } if pid == std::process::id()),
                "{err:?}"
            );
            let msg = err.to_string();
            assert!(
                msg.contains("s.journal") && msg.contains(&format!("pid {}", std::process::id())),
                "{msg}"
            );
        }
        // Readers are not writers.
        assert!(read(&path).is_ok());
        drop(first);
        assert!(!lock.exists(), "the lock file goes with its writer");
        let (again, _) = JournalStorage::open(&path).unwrap();
        drop(again);
    }

    #[test]
    fn open_fails_trials_left_running_and_a_resume_asks_their_points_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.journal");
        let s = study(6);
        let objective = Arc::from(s.objective.build().unwrap());
        let (reference, _, _) = runner::run_to_end(s.clone(), objective, 1).unwrap();
        // A journal cut as a kill leaves it: trials 0..3 finished, 3 started only.
        let mut partial = s.clone();
        partial.trials = reference.trials[..3].to_vec();
        let mut storage = JournalStorage::create(&path, &partial).unwrap();
        let mut running = reference.trials[3].clone();
        running.state = TrialState::Running;
        running.value = None;
        storage.append(&Event::TrialStarted(running)).unwrap();
        storage.commit().unwrap();
        drop(storage);
        let seen = read(&path).unwrap();
        assert_eq!(seen.study.trials[3].state, TrialState::Running);

        let (storage, recovered) = JournalStorage::open(&path).unwrap();
        assert_eq!(recovered.interrupted, vec![3]);
        assert_eq!(
            recovered.study.trials[3].state,
            TrialState::Failed(INTERRUPTED.into())
        );
        assert_eq!(read(&path).unwrap().interrupted, vec![3]);
        let resume = recovered.resumable();
        assert_eq!(resume.trials.len(), 3);
        let (done, _) = run_journaled(resume, &path, storage);
        let strip = |t: &Trial| (t.number, t.params.clone(), t.point.clone(), t.value);
        assert_eq!(
            done.trials.iter().map(strip).collect::<Vec<_>>(),
            reference.trials.iter().map(strip).collect::<Vec<_>>()
        );
        let back = read(&path).unwrap();
        assert!(back.interrupted.is_empty());
        assert_eq!(back.study, done);
    }

    #[test]
    fn an_optuna_only_study_reads_but_cannot_be_continued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("o.log");
        let lines = [
            r#"{"op_code":0,"worker_id":"w","study_name":"o","directions":[2]}"#,
            r#"{"op_code":4,"worker_id":"w","study_id":0,"datetime_start":"2026-01-01T00:00:00.000000+00:00"}"#,
            r#"{"op_code":5,"worker_id":"w","trial_id":0,"param_name":"x","param_value_internal":0.5,"distribution":"{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": 0.25, \"low\": 0.0, \"high\": 1.0, \"log\": false}}"}"#,
            r#"{"op_code":7,"worker_id":"w","trial_id":0,"step":0,"intermediate_value":1.0}"#,
            r#"{"op_code":6,"worker_id":"w","trial_id":0,"state":1,"values":[0.75],"datetime_complete":"2026-01-01T00:00:02.000000+00:00"}"#,
        ];
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let r = read(&path).unwrap();
        assert!(!r.knobs_definition);
        assert_eq!(r.study.direction, Direction::Maximize);
        assert_eq!(r.study.trials.len(), 1);
        assert_eq!(r.study.trials[0].value, Some(0.75));
        assert_eq!(r.study.trials[0].duration, 2.0);
        assert_eq!(r.study.trials[0].point, vec![0.5]);
        let notes = r.notes.join("\n");
        assert!(notes.contains("step 0.25"), "{notes}");
        assert!(notes.contains("intermediate values of 1"), "{notes}");
        let msg = JournalStorage::open(&path).err().unwrap().to_string();
        assert!(msg.contains("written by Optuna"), "{msg}");
        // Its objective is unknown, not a stand-in: building it says why it cannot run.
        let build = r.study.objective.build().err().unwrap().to_string();
        assert!(build.contains("written by Optuna"), "{build}");
    }

    #[test]
    fn looks_like_journal_tells_journals_from_ron() {
        assert!(looks_like_journal(b"  {\"op_code\":0}"));
        assert!(!looks_like_journal(b"(version: 1)"));
        assert!(!looks_like_journal(b""));
    }
}
