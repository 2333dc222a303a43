//! The Knobs ↔ Optuna row mapping shared by both SQL backends: SQL literals, the rows a
//! trial event becomes, and a study read back from its rows through the journal's mapping
//! (the same system attributes, the same reading of an Optuna-written study).

use super::super::journal::{self, RESULT_ATTR, RowTrial, TRIAL_ATTR, state};
use super::{Cells, Conn, Dialect};
use crate::storage::{Recovered, StorageError, time};
use crate::study::{Direction, Trial};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

/// `s` as an SQL string literal.
pub(super) fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `x` as an SQL number (the shortest text that reads back exactly), `NULL` if not finite.
pub(super) fn float(x: f64) -> String {
    if x.is_finite() {
        format!("{x:?}")
    } else {
        "NULL".into()
    }
}

/// Seconds since the epoch as Optuna's naive-UTC `DateTime` literal.
pub(super) fn stamp(seconds: f64) -> String {
    let iso = time::to_iso(seconds);
    format!("'{}'", iso.get(..26).unwrap_or(&iso).replacen('T', " ", 1))
}

/// Optuna's `TrialValueType` of an objective value, and the value column.
pub(crate) fn value_cols(v: f64) -> (String, &'static str) {
    if v.is_finite() {
        (float(v), "FINITE")
    } else if v > 0.0 {
        ("NULL".into(), "INF_POS")
    } else {
        ("NULL".into(), "INF_NEG")
    }
}

/// Optuna's `TrialIntermediateValueType` and value column of a reported value.
pub(crate) fn intermediate_cols(v: f64) -> (String, &'static str) {
    if v.is_nan() {
        ("NULL".into(), "NAN")
    } else {
        value_cols(v)
    }
}

/// Optuna's `TrialState` name of a state code.
pub(crate) fn state_name(code: u64) -> &'static str {
    match code {
        state::RUNNING => "RUNNING",
        state::COMPLETE => "COMPLETE",
        state::PRUNED => "PRUNED",
        state::WAITING => "WAITING",
        _ => "FAIL",
    }
}

fn state_code(name: &str) -> Result<u64, String> {
    Ok(match name {
        "RUNNING" => state::RUNNING,
        "COMPLETE" => state::COMPLETE,
        "PRUNED" => state::PRUNED,
        "FAIL" => state::FAIL,
        "WAITING" => state::WAITING,
        other => return Err(format!("trial state `{other}` is not one of Optuna's")),
    })
}

/// Optuna's `StudyDirection` name.
pub(crate) fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Minimize => "MINIMIZE",
        Direction::Maximize => "MAXIMIZE",
    }
}

/// An upsert of a system attribute (`table` is `study` or `trial`).
pub(crate) fn set_attr(out: &mut String, table: &str, owner: i64, key: &str, value: &Json) {
    let _ = writeln!(
        out,
        "INSERT INTO {table}_system_attributes ({table}_id, key, value_json) VALUES \
         ({owner}, {}, {}) ON CONFLICT ({table}_id, key) DO UPDATE SET value_json = \
         excluded.value_json;",
        text(key),
        text(&value.to_string())
    );
}

/// The rows of a trial at its start (or whole, when `finished`): the trial, its parameters
/// and its Knobs attribute (`extra` merged into it: the queue's `told_before`).
pub(crate) struct TrialRows<'a> {
    /// The study's parameters: name, distribution JSON, domain.
    pub space: &'a crate::space::Space,
    /// Each parameter's distribution as Optuna's JSON text, in space order.
    pub(crate) distributions: &'a [(String, String)],
}

impl TrialRows<'_> {
    /// Insert `trial` as storage trial `id`, Optuna number `number`, in `state` (RUNNING or
    /// WAITING; a finished trial goes through [`TrialRows::finish`] after).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert(
        &self,
        out: &mut String,
        study_id: i64,
        id: i64,
        number: i64,
        trial: &Trial,
        state_name: &str,
        extra: &[(&str, Json)],
    ) {
        let start = if state_name == "WAITING" {
            "NULL".into()
        } else {
            stamp(trial.started_at)
        };
        let _ = writeln!(
            out,
            "INSERT INTO trials (trial_id, number, study_id, state, datetime_start, \
             datetime_complete) VALUES ({id}, {number}, {study_id}, '{state_name}', {start}, NULL);"
        );
        let mut first = true;
        for (param, (name, dist)) in self.space.params().iter().zip(self.distributions) {
            let Some((_, value)) = trial.params.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let Some(x) = journal::internal_value(&param.domain, value) else {
                continue;
            };
            if first {
                out.push_str(
                    "INSERT INTO trial_params (trial_id, param_name, param_value, \
                     distribution_json) VALUES ",
                );
            } else {
                out.push(',');
            }
            first = false;
            let _ = write!(out, "({id}, {}, {}, {})", text(name), float(x), text(dist));
        }
        if !first {
            out.push_str(";\n");
        }
        let mut attr = journal::JournalStorage::trial_attr(trial);
        for (key, value) in extra {
            attr[*key] = value.clone();
        }
        set_attr(out, "trial", id, TRIAL_ATTR, &attr);
    }

    /// The end of storage trial `id`: its result attribute, value and final state.
    pub(super) fn finish(out: &mut String, id: i64, trial: &Trial) {
        set_attr(
            out,
            "trial",
            id,
            RESULT_ATTR,
            &journal::JournalStorage::result_attr(trial),
        );
        let (code, value) = journal::optuna_state(trial);
        if let Some(v) = value {
            let (v, kind) = value_cols(v);
            let _ = writeln!(
                out,
                "INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES \
                 ({id}, 0, {v}, '{kind}') ON CONFLICT (trial_id, objective) DO UPDATE SET \
                 value = excluded.value, value_type = excluded.value_type;"
            );
        }
        let _ = writeln!(
            out,
            "UPDATE trials SET state = '{}', datetime_complete = {} WHERE trial_id = {id};",
            state_name(code),
            stamp(trial.started_at + trial.duration)
        );
    }
}

/// An intermediate value of storage trial `id`.
pub(super) fn progress(out: &mut String, id: i64, step: u64, value: f64) {
    let (v, kind) = intermediate_cols(value);
    let _ = writeln!(
        out,
        "INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, \
         intermediate_value_type) VALUES ({id}, {step}, {v}, '{kind}') ON CONFLICT (trial_id, \
         step) DO UPDATE SET intermediate_value = excluded.intermediate_value, \
         intermediate_value_type = excluded.intermediate_value_type;"
    );
}

/// Column `c` read as text on `dialect` (PostgreSQL's enums and timestamps are cast).
pub(crate) fn as_text(dialect: Dialect, c: &str) -> String {
    match dialect {
        Dialect::Sqlite => c.to_owned(),
        Dialect::Postgres => format!("{c}::text"),
    }
}

fn cell(row: &[Option<String>], i: usize) -> Option<&str> {
    row.get(i).and_then(|c| c.as_deref())
}

fn int(row: &[Option<String>], i: usize) -> Result<i64, String> {
    let c = cell(row, i).ok_or("a missing integer")?;
    c.parse().map_err(|_| format!("`{c}` is not an integer"))
}

fn real(row: &[Option<String>], i: usize) -> Result<Option<f64>, String> {
    cell(row, i)
        .map(|c| {
            c.parse::<f64>()
                .map_err(|_| format!("`{c}` is not a number"))
        })
        .transpose()
}

fn when(row: &[Option<String>], i: usize) -> Result<Option<f64>, String> {
    cell(row, i)
        .map(|c| time::from_iso(c).ok_or_else(|| format!("`{c}` is not a date and time")))
        .transpose()
}

fn json_of(key: &str, text: Option<&str>) -> Result<Json, String> {
    serde_json::from_str(text.unwrap_or("null"))
        .map_err(|e| format!("attribute `{key}` is not JSON: {e}"))
}

/// Key → JSON attributes from `(owner, key, value_json)` rows, grouped by owner.
fn attrs_by_owner(
    rows: Vec<Vec<Option<String>>>,
) -> Result<HashMap<i64, Map<String, Json>>, String> {
    let mut out: HashMap<i64, Map<String, Json>> = HashMap::new();
    for row in rows {
        let owner = int(&row, 0)?;
        let key = cell(&row, 1).unwrap_or_default().to_owned();
        let value = json_of(&key, cell(&row, 2))?;
        out.entry(owner).or_default().insert(key, value);
    }
    Ok(out)
}

/// Every study in the database: id and name, in creation order.
pub(super) fn studies(conn: &mut dyn Conn) -> Result<Vec<(i64, String)>, String> {
    conn.query("SELECT study_id, study_name FROM studies ORDER BY study_id")?
        .into_iter()
        .map(|r| Ok((int(&r, 0)?, cell(&r, 1).unwrap_or_default().to_owned())))
        .collect()
}

/// The statements [`parse_trials`] reads: the trials of study `study_id` whose id is in
/// `only` (all when `None`), their parameters, values, intermediate values and attributes.
pub(crate) fn trial_statements(d: Dialect, study_id: i64, only: Option<&[i64]>) -> Vec<String> {
    let filter = match only {
        Some(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!("t.trial_id IN ({})", list.join(","))
        }
        None => format!("t.study_id = {study_id}"),
    };
    let join = format!("JOIN trials t ON t.trial_id = x.trial_id WHERE {filter}");
    vec![
        format!(
            "SELECT t.trial_id, {}, {}, {} FROM trials t WHERE {filter} ORDER BY t.number, t.trial_id",
            as_text(d, "t.state"),
            as_text(d, "t.datetime_start"),
            as_text(d, "t.datetime_complete")
        ),
        format!(
            "SELECT x.trial_id, x.param_name, x.param_value, x.distribution_json FROM trial_params x \
             {join} ORDER BY x.param_id"
        ),
        format!(
            "SELECT x.trial_id, x.objective, x.value, {} FROM trial_values x {join} ORDER BY x.objective",
            as_text(d, "x.value_type")
        ),
        format!(
            "SELECT x.trial_id, x.step, x.intermediate_value, {} FROM trial_intermediate_values x {join}",
            as_text(d, "x.intermediate_value_type")
        ),
        format!("SELECT x.trial_id, x.key, x.value_json FROM trial_user_attributes x {join}"),
        format!("SELECT x.trial_id, x.key, x.value_json FROM trial_system_attributes x {join}"),
    ]
}

/// The trials of study `study_id` whose id is in `only` (all when `None`) as the journal's
/// mapping reads them, in Optuna number order, with their storage ids: one round trip.
pub(crate) fn read_trials(
    conn: &mut dyn Conn,
    study_id: i64,
    only: Option<&[i64]>,
) -> Result<Vec<(i64, RowTrial)>, String> {
    if only.is_some_and(<[i64]>::is_empty) {
        return Ok(Vec::new());
    }
    let results = conn.query_all(&trial_statements(conn.dialect(), study_id, only))?;
    parse_trials(results)
}

/// The trials in the answers to [`trial_statements`], in Optuna number order.
pub(crate) fn parse_trials(results: Vec<Vec<Cells>>) -> Result<Vec<(i64, RowTrial)>, String> {
    let [rows, params, values, intermediate, user, system]: [Vec<Cells>; 6] = results
        .try_into()
        .map_err(|r: Vec<Vec<Cells>>| format!("{} answers to the 6 trial queries", r.len()))?;
    let mut index = HashMap::with_capacity(rows.len());
    let mut trials = Vec::with_capacity(rows.len());
    for row in rows {
        let id = int(&row, 0)?;
        index.insert(id, trials.len());
        trials.push((
            id,
            RowTrial {
                state: state_code(cell(&row, 1).unwrap_or_default())?,
                values: None,
                params: Vec::new(),
                user_attrs: Map::new(),
                system_attrs: Map::new(),
                intermediate: Vec::new(),
                start: when(&row, 2)?,
                complete: when(&row, 3)?,
            },
        ));
    }
    for row in params {
        let Some(&i) = index.get(&int(&row, 0)?) else {
            continue;
        };
        trials[i].1.params.push((
            cell(&row, 1).unwrap_or_default().to_owned(),
            real(&row, 2)?.unwrap_or(f64::NAN),
            cell(&row, 3).unwrap_or_default().to_owned(),
        ));
    }
    for row in values {
        let Some(&i) = index.get(&int(&row, 0)?) else {
            continue;
        };
        let v = match cell(&row, 3) {
            Some("INF_POS") => Some(f64::INFINITY),
            Some("INF_NEG") => Some(f64::NEG_INFINITY),
            _ => real(&row, 2)?,
        };
        trials[i].1.values.get_or_insert_with(Vec::new).push(v);
    }
    for row in intermediate {
        let Some(&i) = index.get(&int(&row, 0)?) else {
            continue;
        };
        let v = match cell(&row, 3) {
            Some("INF_POS") => f64::INFINITY,
            Some("INF_NEG") => f64::NEG_INFINITY,
            Some("NAN") => f64::NAN,
            _ => real(&row, 2)?.unwrap_or(f64::NAN),
        };
        trials[i]
            .1
            .intermediate
            .push((int(&row, 1)?.max(0) as u64, v));
    }
    for (rows, system) in [(user, false), (system, true)] {
        for (owner, attrs) in attrs_by_owner(rows)? {
            let Some(&i) = index.get(&owner) else {
                continue;
            };
            if system {
                trials[i].1.system_attrs = attrs;
            } else {
                trials[i].1.user_attrs = attrs;
            }
        }
    }
    Ok(trials)
}

/// The study with id `study_id` as Knobs reads it, and each storage trial id by Optuna number.
pub(super) fn read_study(
    conn: &mut dyn Conn,
    location: &str,
    study_id: i64,
) -> Result<(Recovered, Vec<(i64, RowTrialInfo)>), StorageError> {
    let fail = |message: String| super::db_error(location, message);
    let d = conn.dialect();
    let name = conn
        .query(&format!(
            "SELECT study_name FROM studies WHERE study_id = {study_id}"
        ))
        .map_err(fail)?
        .into_iter()
        .next()
        .and_then(|r| cell(&r, 0).map(str::to_owned))
        .ok_or_else(|| fail(format!("no study with id {study_id}")))?;
    let directions = conn
        .query(&format!(
            "SELECT {} FROM study_directions WHERE study_id = {study_id} ORDER BY objective",
            as_text(d, "direction")
        ))
        .map_err(fail)?
        .into_iter()
        .map(|r| match cell(&r, 0) {
            Some("MINIMIZE") => 1,
            Some("MAXIMIZE") => 2,
            _ => 0,
        })
        .collect();
    let mut attrs = Vec::new();
    for table in ["study_user_attributes", "study_system_attributes"] {
        let rows = conn
            .query(&format!(
                "SELECT study_id, key, value_json FROM {table} WHERE study_id = {study_id}"
            ))
            .map_err(fail)?;
        attrs.push(
            attrs_by_owner(rows)
                .map_err(fail)?
                .remove(&study_id)
                .unwrap_or_default(),
        );
    }
    let system = attrs.pop().unwrap_or_default();
    let user = attrs.pop().unwrap_or_default();
    let trials = read_trials(conn, study_id, None).map_err(fail)?;
    let info = trials
        .iter()
        .map(|(id, t)| {
            let number = t
                .system_attrs
                .get(TRIAL_ATTR)
                .and_then(|a| a.get("number"))
                .and_then(Json::as_u64)
                .map(|n| n as usize);
            (
                *id,
                RowTrialInfo {
                    number,
                    state: t.state,
                },
            )
        })
        .collect();
    let recovered = journal::recovered_from_rows(
        Path::new(location),
        name,
        directions,
        user,
        system,
        trials.into_iter().map(|(_, t)| t).collect(),
    )?;
    Ok((recovered, info))
}

/// What the writer needs of each stored trial: its Knobs number and Optuna state.
pub(crate) struct RowTrialInfo {
    /// The Knobs trial number (none for a trial Optuna wrote).
    pub number: Option<usize>,
    /// Optuna's state code.
    pub state: u64,
}

#[cfg(test)]
mod tests {
    //! Property tests of the row writer and reader: generated studies written to SQLite (in
    //! memory) and read back through the same code a run and a reader use.

    use super::super::{Conn, RdbStorage, ensure_schema, sqlite::Sqlite};
    use crate::space::{Domain, MAX_INT, Param, Space, Value};
    use crate::storage::Storage;
    use crate::study::{Intermediate, Study, Trial, TrialState, default_study};
    use proptest::prelude::*;
    use proptest::test_runner::Config;

    /// Cases per property: `PROPTEST_CASES` if set, else 200 (each opens a database).
    fn config() -> Config {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(200);
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        }
    }

    /// Finite floats, the extremes drawn often: the largest, the smallest normal and
    /// subnormal, both zeros, and anything between.
    fn finite() -> impl Strategy<Value = f64> {
        prop_oneof![
            3 => any::<f64>().prop_filter("finite", |x| x.is_finite()),
            1 => prop::sample::select(vec![
                f64::MAX,
                f64::MIN,
                f64::MIN_POSITIVE,
                -f64::MIN_POSITIVE,
                5e-324,
                -5e-324,
                0.0,
                -0.0,
                1.0 / 3.0,
                0.1,
            ]),
        ]
    }

    /// A float interval `low < high` whose width is finite.
    fn float_bounds(log: bool) -> impl Strategy<Value = (f64, f64)> {
        (finite(), finite())
            .prop_map(|(a, b)| if a <= b { (a, b) } else { (b, a) })
            .prop_filter("a non-empty interval of finite width", move |(a, b)| {
                a < b && (b - a).is_finite() && (!log || *a > 0.0)
            })
    }

    /// An integer interval within Knobs' bounds (±2^53, where a float holds every integer:
    /// Optuna's `trial_params` stores every value as a float).
    fn int_bounds() -> impl Strategy<Value = (i64, i64)> {
        let edge = prop_oneof![
            1 => prop::sample::select(vec![-MAX_INT, -MAX_INT + 1, -1, 0, 1, MAX_INT - 1, MAX_INT]),
            3 => -MAX_INT..=MAX_INT,
        ];
        (edge.clone(), edge)
            .prop_map(|(a, b)| if a <= b { (a, b) } else { (b, a) })
            .prop_filter("a non-empty interval", |(a, b)| a < b)
    }

    /// Categorical choices: distinct, the empty string and non-ASCII text among them.
    fn choices() -> impl Strategy<Value = Vec<String>> {
        (
            prop::collection::btree_set("\\PC{0,8}", 1..5),
            any::<bool>(),
        )
            .prop_map(|(set, empty)| {
                let mut out: Vec<String> = set.into_iter().collect();
                if empty && !out.iter().any(String::is_empty) {
                    out.push(String::new());
                }
                out
            })
    }

    fn space() -> impl Strategy<Value = Space> {
        (
            float_bounds(false),
            float_bounds(true),
            int_bounds(),
            choices(),
        )
            .prop_map(|((xl, xh), (ll, lh), (nl, nh), choices)| {
                Space::new(vec![
                    Param::new(
                        "x",
                        Domain::Float {
                            low: xl,
                            high: xh,
                            log: false,
                        },
                    ),
                    Param::new(
                        "lr",
                        Domain::Float {
                            low: ll,
                            high: lh,
                            log: true,
                        },
                    ),
                    Param::new(
                        "n",
                        Domain::Int {
                            low: nl,
                            high: nh,
                            log: false,
                        },
                    ),
                    Param::new("kind ✓ 'q'", Domain::Categorical { choices }),
                ])
                .unwrap()
            })
    }

    /// A value of `domain` from `u` in [0, 1], its ends hit exactly at 0 and 1.
    fn value_in(domain: &Domain, u: f64) -> Value {
        match domain {
            Domain::Float {
                low,
                high,
                log: false,
            } => Value::Float((low + u * (high - low)).clamp(*low, *high)),
            Domain::Float {
                low,
                high,
                log: true,
            } => {
                let x = (low.ln() + u * (high.ln() - low.ln())).exp();
                Value::Float(match u {
                    0.0 => *low,
                    1.0 => *high,
                    _ => x.clamp(*low, *high),
                })
            }
            Domain::Int { low, high, .. } => {
                let span = (*high - *low) as f64;
                Value::Int((*low + (u * span).round() as i64).clamp(*low, *high))
            }
            Domain::Categorical { choices } => {
                let i = ((u * choices.len() as f64) as usize).min(choices.len() - 1);
                Value::Cat(choices[i].clone())
            }
            other => unreachable!("no such domain generated: {other:?}"),
        }
    }

    fn unit() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0]
    }

    /// How a generated trial ended.
    #[derive(Clone, Debug)]
    enum End {
        Complete(f64),
        Failed(String),
        Pruned(u64, f64),
    }

    fn end() -> impl Strategy<Value = End> {
        prop_oneof![
            finite().prop_map(End::Complete),
            "\\PC{0,20}".prop_map(End::Failed),
            (any::<u64>(), finite()).prop_map(|(s, v)| End::Pruned(s, v)),
        ]
    }

    /// A trial of `space`: its parameters from `us`, a unicode label maybe, reports.
    fn trial(
        space: &Space,
        number: usize,
        us: &[f64],
        end: End,
        label: Option<String>,
        reports: Vec<(u64, f64)>,
        started: f64,
    ) -> Trial {
        let params = space
            .params()
            .iter()
            .zip(us)
            .map(|(p, u)| (p.name.clone(), value_in(&p.domain, *u)))
            .collect();
        let point = space.to_unit(&params);
        let mut t = Trial::complete(number, params, point, 0.0);
        t.label = label;
        t.started_at = started;
        t.duration = started.fract();
        t.intermediate = reports
            .into_iter()
            .map(|(step, value)| Intermediate { step, value })
            .collect();
        match end {
            End::Complete(v) => t.value = Some(v),
            End::Failed(why) => {
                t.value = None;
                t.state = TrialState::Failed(why);
            }
            End::Pruned(step, value) => {
                t.value = None;
                t.state = TrialState::Pruned { step, value };
            }
        }
        t
    }

    fn study() -> impl Strategy<Value = Study> {
        let one = (
            prop::collection::vec(unit(), 4),
            end(),
            prop::option::of("\\PC{0,10}"),
            prop::collection::vec((any::<u64>(), finite()), 0..4),
            1.0e9..2.0e9,
        );
        (space(), prop::collection::vec(one, 1..6)).prop_map(|(space, trials)| {
            let mut s = default_study();
            s.name = "property ✓ 'study'".into();
            s.trials = trials
                .into_iter()
                .enumerate()
                .map(|(i, (us, end, label, reports, started))| {
                    trial(&space, i, &us, end, label, reports, started)
                })
                .collect();
            s.space = space;
            s
        })
    }

    fn write_and_read(study: &Study) -> crate::storage::Recovered {
        let mut conn: Box<dyn Conn> =
            Box::new(Sqlite::open(std::path::Path::new(":memory:"), true).unwrap());
        ensure_schema(conn.as_mut(), true).unwrap();
        let storage = RdbStorage::create(conn, study).unwrap();
        storage.load().unwrap()
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn generated_trials_written_to_sqlite_read_back_equal(study in study()) {
            let back = write_and_read(&study);
            prop_assert!(back.notes.is_empty(), "{:?}", back.notes);
            prop_assert!(back.interrupted.is_empty());
            prop_assert_eq!(&back.study.space, &study.space);
            prop_assert_eq!(&back.study.name, &study.name);
            prop_assert_eq!(&back.study.trials, &study.trials);
        }
    }

    #[test]
    fn text_literals_survive_quotes_and_unicode() {
        let mut conn = Sqlite::open(std::path::Path::new(":memory:"), true).unwrap();
        for s in ["", "'", "''", "a'b", "λ ✓ 'x'", "--", "; DROP TABLE x;"] {
            let rows = conn.query(&format!("SELECT {}", super::text(s))).unwrap();
            assert_eq!(rows[0][0].as_deref(), Some(s));
        }
    }
}
