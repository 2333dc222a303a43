//! The SQL storages against real databases: SQLite always, PostgreSQL through a server the
//! harness starts (`tests/support`). A run written to each loads back equal; a commit is all
//! or nothing; two claimants never get one trial; a silent worker's trial is failed and its
//! point enqueued again; bad URLs, passwords, hosts and schema versions say what is wrong;
//! a study Optuna wrote to PostgreSQL (a committed `pg_dump`) reads as its SQLite twin; a
//! resumed SQL study refuses flags that change what its trials measured.

#![allow(clippy::unwrap_used)]

mod support;

use knobs::runner::{self, Event};
use knobs::storage::Storage;
use knobs::storage::queue::{TrialQueue, WorkerId};
use knobs::storage::rdb::{self, RdbStorage};
use knobs::storage::url::StorageUrl;
use knobs::study::{Study, Trial, TrialState, default_study};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

fn study(name: &str, budget: usize) -> Study {
    let mut s = default_study();
    s.name = name.into();
    s.budget = budget;
    s.seed = 11;
    s
}

fn url(text: &str) -> StorageUrl {
    StorageUrl::parse(text).unwrap()
}

/// Run `study` into a new study in `storage`; the run's own study.
fn run_into(study: Study, target: &StorageUrl) -> Study {
    let storage = RdbStorage::create(rdb::connect(target, true).unwrap(), &study).unwrap();
    let objective = Arc::from(study.objective.build().unwrap());
    let handle = runner::start_with(study, objective, 2, None, Some(Box::new(storage))).unwrap();
    let _: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap()
}

fn a_run_loads_back_equal(target: &StorageUrl) {
    let ran = run_into(study("round trip", 30), target);
    assert_eq!(ran.trials.len(), 30);
    let back = rdb::read(target, Some("round trip")).unwrap();
    assert!(
        back.knobs_definition && back.is_finished(),
        "{:?}",
        back.last_run
    );
    assert!(back.interrupted.is_empty());
    assert_eq!(back.study.trials, ran.trials);
    assert_eq!(back.study.space, ran.space);
    assert_eq!(
        rdb::study_names(target).unwrap(),
        vec!["round trip".to_owned()]
    );
}

fn me(n: u32) -> WorkerId {
    WorkerId {
        host: "test".into(),
        pid: n,
        token: format!("t{n}"),
    }
}

/// A study in `target` with `n` waiting trials; the storage the coordinator writes with.
fn queued(target: &StorageUrl, n: usize) -> RdbStorage {
    let s = study("queue", n);
    let mut storage = RdbStorage::create(rdb::connect(target, true).unwrap(), &s).unwrap();
    storage.lock_coordinator(&me(0)).unwrap();
    for i in 0..n {
        let point = vec![(i as f64 + 0.5) / n as f64; s.space.dim()];
        let mut t = Trial::complete(i, s.space.from_unit(&point), point, 0.0);
        t.value = None;
        t.state = TrialState::Running;
        storage.enqueue(&t, i, false).unwrap();
    }
    storage
}

fn claims_never_give_one_trial_twice(target: &StorageUrl) {
    let mut coordinator = queued(target, 40);
    let workers: Vec<_> = (1..=2)
        .map(|w| {
            let target = target.clone();
            std::thread::spawn(move || {
                let (mut storage, _) =
                    RdbStorage::open(rdb::connect(&target, false).unwrap(), Some("queue"))
                        .unwrap()
                        .unwrap();
                let mut got = Vec::new();
                while let Some(c) = storage.claim(&me(w)).unwrap() {
                    assert_eq!(c.trial.state, TrialState::Running);
                    assert_eq!(c.told_before, c.trial.number);
                    got.push(c.trial.number);
                }
                got
            })
        })
        .collect();
    let got: Vec<Vec<usize>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    // One thread may claim everything before the other starts: count those that claimed.
    let claimants = got.iter().filter(|g| !g.is_empty()).count();
    let mut all: Vec<usize> = got.into_iter().flatten().collect();
    let unique: HashSet<usize> = all.iter().copied().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "a trial was claimed twice: {all:?}"
    );
    all.sort_unstable();
    assert_eq!(all, (0..40).collect::<Vec<_>>());
    // The Workers view names every claimant, each running one of the trials it claimed.
    let seen = coordinator.workers().unwrap();
    assert_eq!(seen.len(), claimants, "{seen:?}");
    assert!(
        seen.iter().all(|w| w.running.is_some_and(|n| n < 40)),
        "{seen:?}"
    );
}

fn a_silent_worker_has_its_trial_failed_and_enqueued_again(target: &StorageUrl) {
    let mut coordinator = queued(target, 2);
    let (mut worker, _) = RdbStorage::open(rdb::connect(target, false).unwrap(), Some("queue"))
        .unwrap()
        .unwrap();
    let first = worker.claim(&me(1)).unwrap().unwrap();
    let second = worker.claim(&me(1)).unwrap().unwrap();
    worker.heartbeat(&me(1), second.attempt).unwrap();
    // Only the first stopped beating, long ago (no timer: its last heartbeat is set so).
    rdb::connect(target, false)
        .unwrap()
        .batch(&format!(
            "UPDATE trial_heartbeats SET heartbeat = '2001-01-01 00:00:00' WHERE trial_id = {}",
            first.attempt
        ))
        .unwrap();
    let again = coordinator.fail_stale(Duration::from_secs(60)).unwrap();
    assert_eq!(again, vec![first.trial.number]);
    // The failed attempt names the worker that went silent.
    let reason = rdb::connect(target, false)
        .unwrap()
        .query(&format!(
            "SELECT value_json FROM trial_system_attributes WHERE trial_id = {} AND key = \
             'knobs:result'",
            first.attempt
        ))
        .unwrap()[0][0]
        .clone()
        .unwrap();
    assert!(
        reason.contains("its worker (test pid 1) sent no heartbeat for 60 s"),
        "{reason}"
    );
    // The worker's late result is dropped; the point waits again under the same number.
    let mut late = first.trial.clone();
    late.state = TrialState::Complete;
    late.value = Some(1.0);
    worker.finish(first.attempt, &late).unwrap();
    let retry = worker.claim(&me(2)).unwrap().unwrap();
    assert_eq!(retry.trial.number, first.trial.number);
    assert_eq!(retry.trial.params, first.trial.params);
    assert_ne!(retry.attempt, first.attempt);
    let back = rdb::read(target, Some("queue")).unwrap();
    let t = back
        .study
        .trials
        .iter()
        .find(|t| t.number == first.trial.number)
        .unwrap();
    assert_eq!(
        t.state,
        TrialState::Running,
        "the latest attempt is the retry"
    );
}

fn a_second_coordinator_is_refused(target: &StorageUrl) {
    let _first = queued(target, 1);
    let (mut second, _) = RdbStorage::open(rdb::connect(target, false).unwrap(), Some("queue"))
        .unwrap()
        .unwrap();
    let e = second.lock_coordinator(&me(9)).unwrap_err().to_string();
    // Named: who holds it (pid and host as the holder recorded them), which study, where.
    assert!(
        e.contains("another Knobs process (pid 0 on test) is coordinating study `queue` in "),
        "{e}"
    );
    assert!(e.contains(&target.to_string()), "{e}");
    assert!(!e.contains("journal"), "{e}");
}

/// The coordinator's lock is written and judged on the database's clock: a coordinator on
/// another host whose heartbeat is 30 s old there still holds the study; at 120 s (past the
/// 60 s staleness) a new coordinator takes it over. Every time here is the database's own.
fn a_coordinators_lock_is_judged_on_the_database_clock(target: &StorageUrl) {
    let elsewhere = WorkerId {
        host: "elsewhere".into(),
        pid: 7,
        token: "elsewhere-7".into(),
    };
    let _first = queued(target, 1);
    let mut conn = rdb::connect(target, false).unwrap();
    let epoch = if conn.dialect() == rdb::Dialect::Postgres {
        "extract(epoch from now())::double precision"
    } else {
        "(julianday('now') - 2440587.5) * 86400.0"
    };
    let mut age = |seconds: f64| {
        let now: f64 = conn.query(&format!("SELECT {epoch}")).unwrap()[0][0]
            .as_deref()
            .unwrap()
            .parse()
            .unwrap();
        let holder = serde_json::json!({"worker": elsewhere, "heartbeat": now - seconds});
        conn.batch(&format!(
            "UPDATE study_system_attributes SET value_json = '{holder}' WHERE key = \
             'knobs:coordinator'"
        ))
        .unwrap();
    };
    let (mut second, _) = RdbStorage::open(rdb::connect(target, false).unwrap(), Some("queue"))
        .unwrap()
        .unwrap();
    age(30.0);
    let e = second.lock_coordinator(&me(9)).unwrap_err().to_string();
    assert!(e.contains("pid 7 on elsewhere"), "{e}");
    age(120.0);
    second.lock_coordinator(&me(9)).unwrap();
}

fn another_schema_version_is_refused(target: &StorageUrl) {
    let mut conn = rdb::connect(target, true).unwrap();
    conn.batch("UPDATE version_info SET schema_version = 11, library_version = '3.6.1'")
        .unwrap();
    let e = rdb::connect(target, true).err().unwrap().to_string();
    assert!(
        e.contains("schema version 11") && e.contains("Optuna 3.6.1"),
        "{e}"
    );
}

/// Heartbeats are judged on the database's clock, in SQL, as Optuna judges them: a worker
/// whose host clock is far behind (its trial's start written hours ago by that clock) is not
/// failed while its heartbeat is fresh on the database's clock, and is once that heartbeat is
/// older than the timeout there. Every time here is the database's own, never this host's.
fn heartbeats_are_judged_on_the_database_clock(target: &StorageUrl) {
    let mut coordinator = queued(target, 1);
    let (mut worker, _) = RdbStorage::open(rdb::connect(target, false).unwrap(), Some("queue"))
        .unwrap()
        .unwrap();
    let claimed = worker.claim(&me(1)).unwrap().unwrap();
    let mut conn = rdb::connect(target, false).unwrap();
    let id = claimed.attempt;
    let postgres = conn.dialect() == rdb::Dialect::Postgres;
    // What a worker whose clock lags by years writes as its trial's start.
    conn.batch(&format!(
        "UPDATE trials SET datetime_start = '2001-01-01 00:00:00' WHERE trial_id = {id}"
    ))
    .unwrap();
    let age = |seconds: u32| {
        if postgres {
            format!(
                "UPDATE trial_heartbeats SET heartbeat = (now() AT TIME ZONE 'UTC') - \
                 interval '{seconds} seconds' WHERE trial_id = {id}"
            )
        } else {
            format!(
                "UPDATE trial_heartbeats SET heartbeat = strftime('%Y-%m-%d %H:%M:%f', 'now', \
                 '-{seconds} seconds') WHERE trial_id = {id}"
            )
        }
    };
    // The claim's own heartbeat, then one 30 s old on the database's clock: fresh for 60 s.
    assert_eq!(
        coordinator.fail_stale(Duration::from_secs(60)).unwrap(),
        Vec::<usize>::new()
    );
    conn.batch(&age(30)).unwrap();
    assert_eq!(
        coordinator.fail_stale(Duration::from_secs(60)).unwrap(),
        Vec::<usize>::new()
    );
    // A beat refreshes it on the database's clock.
    conn.batch(&age(3600)).unwrap();
    worker.heartbeat(&me(1), claimed.attempt).unwrap();
    assert_eq!(
        coordinator.fail_stale(Duration::from_secs(60)).unwrap(),
        Vec::<usize>::new()
    );
    conn.batch(&age(120)).unwrap();
    assert_eq!(
        coordinator.fail_stale(Duration::from_secs(60)).unwrap(),
        vec![claimed.trial.number]
    );
}

fn sqlite(dir: &tempfile::TempDir, name: &str) -> StorageUrl {
    StorageUrl::Sqlite(dir.path().join(name))
}

#[test]
fn a_run_written_to_sqlite_loads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    a_run_loads_back_equal(&sqlite(&dir, "a.db"));
}

#[test]
fn sqlite_claims_by_two_threads_never_give_one_trial_twice() {
    let dir = tempfile::tempdir().unwrap();
    claims_never_give_one_trial_twice(&sqlite(&dir, "q.db"));
}

#[test]
fn sqlite_heartbeats_fail_stale_attempts() {
    let dir = tempfile::tempdir().unwrap();
    a_silent_worker_has_its_trial_failed_and_enqueued_again(&sqlite(&dir, "h.db"));
}

#[test]
fn sqlite_judges_heartbeats_on_the_database_clock() {
    let dir = tempfile::tempdir().unwrap();
    heartbeats_are_judged_on_the_database_clock(&sqlite(&dir, "clock.db"));
}

#[test]
fn sqlite_refuses_a_second_coordinator() {
    let dir = tempfile::tempdir().unwrap();
    a_second_coordinator_is_refused(&sqlite(&dir, "c.db"));
}

#[test]
fn sqlite_judges_the_coordinators_lock_on_the_database_clock() {
    let dir = tempfile::tempdir().unwrap();
    a_coordinators_lock_is_judged_on_the_database_clock(&sqlite(&dir, "lock.db"));
}

#[test]
fn sqlite_refuses_another_optuna_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    another_schema_version_is_refused(&sqlite(&dir, "v.db"));
}

#[test]
fn a_commit_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = sqlite(&dir, "k.db");
    let s = study("kill", 4);
    let mut storage = RdbStorage::create(rdb::connect(&target, true).unwrap(), &s).unwrap();
    let trial = |n: usize| {
        let point = vec![0.25 + 0.1 * n as f64; s.space.dim()];
        let mut t = Trial::complete(n, s.space.from_unit(&point), point, n as f64);
        t.started_at = 1.8e9;
        t
    };
    storage.append(&Event::TrialStarted(trial(0))).unwrap();
    storage.append(&Event::TrialFinished(trial(0))).unwrap();
    storage.commit().unwrap();
    // Appended, never committed: the process dies here.
    storage.append(&Event::TrialStarted(trial(1))).unwrap();
    storage.append(&Event::TrialFinished(trial(1))).unwrap();
    drop(storage);
    let back = rdb::read(&target, Some("kill")).unwrap();
    assert_eq!(back.study.trials, vec![trial(0)]);
    // A commit that fails half way (a duplicate id forced) leaves nothing of itself.
    let (mut again, _) = RdbStorage::open(rdb::connect(&target, false).unwrap(), Some("kill"))
        .unwrap()
        .unwrap();
    let mut conn = rdb::connect(&target, false).unwrap();
    conn.batch(
        "CREATE TRIGGER boom BEFORE UPDATE ON trials WHEN NEW.state = 'COMPLETE' \
                BEGIN SELECT RAISE(ABORT, 'disk gone'); END;",
    )
    .unwrap();
    again.append(&Event::TrialStarted(trial(2))).unwrap();
    again.append(&Event::TrialFinished(trial(2))).unwrap();
    let e = again.commit().unwrap_err().to_string();
    assert!(e.contains("disk gone"), "{e}");
    let back = rdb::read(&target, Some("kill")).unwrap();
    assert_eq!(back.study.trials, vec![trial(0)]);
}

/// A worker waiting for a study takes one without Knobs' definition for Optuna's and exits:
/// so the study row is written with its definition, in one transaction, or not at all.
#[test]
fn a_new_study_is_never_stored_without_its_definition() {
    let dir = tempfile::tempdir().unwrap();
    let target = sqlite(&dir, "d.db");
    let mut conn = rdb::connect(&target, true).unwrap();
    conn.batch(
        "CREATE TRIGGER boom BEFORE INSERT ON study_system_attributes \
         BEGIN SELECT RAISE(ABORT, 'disk gone'); END;",
    )
    .unwrap();
    let e = RdbStorage::create(rdb::connect(&target, false).unwrap(), &study("half", 3))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("disk gone"), "{e}");
    assert!(rdb::study_names(&target).unwrap().is_empty());
}

#[test]
fn a_study_left_running_is_failed_as_interrupted_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let target = sqlite(&dir, "r.db");
    let s = study("resume", 4);
    let mut storage = RdbStorage::create(rdb::connect(&target, true).unwrap(), &s).unwrap();
    let point = vec![0.5; s.space.dim()];
    let mut t = Trial::complete(0, s.space.from_unit(&point), point, 1.0);
    t.value = None;
    t.state = TrialState::Running;
    storage.append(&Event::TrialStarted(t)).unwrap();
    storage.commit().unwrap();
    drop(storage);
    let (_, recovered) = RdbStorage::open(rdb::connect(&target, false).unwrap(), None)
        .unwrap()
        .unwrap();
    assert_eq!(recovered.interrupted, vec![0]);
    assert!(recovered.resumable().trials.is_empty());
    let back = rdb::read(&target, None).unwrap();
    assert_eq!(back.interrupted, vec![0]);
}

#[test]
fn an_sqlite_database_written_by_optuna_opens_with_every_trial() {
    let (_dir, target) = sqlite_fixture();
    let r = rdb::read(&target, Some("optuna fixture")).unwrap();
    assert!(!r.knobs_definition);
    assert_eq!(r.study.trials.len(), 12);
    let t0 = &r.study.trials[0];
    assert_eq!(t0.state, TrialState::Complete);
    assert_eq!(t0.value, Some(2.26388306031756));
    let x = t0.params.iter().find(|(n, _)| n == "x").unwrap().1.clone();
    assert_eq!(x, knobs::space::Value::Float(3.261968538618632));
    assert!(r.study.trials.iter().any(|t| t.failure().is_some()));
    assert!(
        r.study
            .trials
            .iter()
            .any(|t| matches!(t.state, TrialState::Pruned { .. }))
    );
    assert!(
        r.notes.iter().any(|n| n.contains("intermediate")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.study.space.dim(), 4);
}

fn sqlite_fixture() -> (tempfile::TempDir, StorageUrl) {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/optuna_rdb.db");
    let dir = tempfile::tempdir().unwrap();
    // A copy, so no test can change the committed file.
    let copy = dir.path().join("optuna.db");
    std::fs::copy(fixture, &copy).unwrap();
    (dir, StorageUrl::Sqlite(copy))
}

#[test]
fn listing_and_reading_an_optuna_database_leaves_its_file_unchanged() {
    // WAL mode is a setting stored in the file: only a run that writes may switch it on.
    let (dir, url) = sqlite_fixture();
    let StorageUrl::Sqlite(path) = &url else {
        unreachable!()
    };
    let before = std::fs::read(path).unwrap();
    assert_eq!(rdb::study_names(&url).unwrap(), vec!["optuna fixture"]);
    assert_eq!(rdb::read(&url, None).unwrap().study.trials.len(), 12);
    let summaries = knobs::storage::catalog::catalog(&url).unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(std::fs::read(path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "optuna.db")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn knobs(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_knobs"))
        .env("KNOBS_CONFIG_DIR", config)
        .args(args)
        .output()
        .unwrap()
}

/// `tests/fixtures/optuna_rdb_pg.sql` is the study of `optuna_rdb.db` (the same seeded TPE,
/// twelve trials, one failed, one pruned) written by Optuna 5.0 to PostgreSQL 15 and dumped
/// with `pg_dump` (`tests/fixtures/optuna_rdb_pg.py` makes it again): loaded into the
/// harness's server, Knobs reads it exactly as it reads the SQLite one, and lists it.
#[test]
fn a_study_optuna_wrote_to_postgres_reads_exactly_as_the_sqlite_fixture() {
    let Some(pg) = support::PgServer::start() else {
        return;
    };
    let target = pg.database("optunapg");
    pg.load_dump(
        "optunapg",
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/optuna_rdb_pg.sql"
        )),
    );
    let from_pg = rdb::read(&url(&target), Some("optuna fixture")).unwrap();
    let (_dir, sqlite) = sqlite_fixture();
    let from_sqlite = rdb::read(&sqlite, Some("optuna fixture")).unwrap();
    assert!(!from_pg.knobs_definition);
    assert_eq!(from_pg.study.trials.len(), 12);
    assert_eq!(from_pg.study.name, from_sqlite.study.name);
    assert_eq!(from_pg.study.direction, from_sqlite.study.direction);
    assert_eq!(from_pg.study.space, from_sqlite.study.space);
    assert_eq!(from_pg.notes, from_sqlite.notes);
    assert_eq!(from_pg.interrupted, from_sqlite.interrupted);
    for (p, s) in from_pg.study.trials.iter().zip(&from_sqlite.study.trials) {
        assert_eq!(p.number, s.number);
        assert_eq!(p.state, s.state, "trial {}", p.number);
        assert_eq!(p.value, s.value, "trial {}", p.number);
        assert_eq!(p.params, s.params, "trial {}", p.number);
        assert_eq!(p.point, s.point, "trial {}", p.number);
        assert_eq!(p.intermediate, s.intermediate, "trial {}", p.number);
    }
    let states: Vec<&TrialState> = from_pg.study.trials.iter().map(|t| &t.state).collect();
    assert!(states.iter().any(|s| matches!(s, TrialState::Failed(_))));
    assert!(
        states
            .iter()
            .any(|s| matches!(s, TrialState::Pruned { .. }))
    );
    // The command line lists it, with its trials.
    let config = tempfile::tempdir().unwrap();
    let out = knobs(config.path(), &["list", "--storage", &target]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "optuna fixture\t12 trials", "{stdout}");
}

/// A study resumed from an SQL storage gets the check a session or journal resume gets:
/// flags that change its objective, space or direction are refused (exit 2, saying what
/// changed and how to start a new study instead), and the same flags as its first run, or
/// none, resume it.
#[test]
fn a_study_resumed_from_sqlite_refuses_flags_that_change_what_its_trials_measured() {
    let dir = tempfile::tempdir().unwrap();
    let storage = format!("sqlite:{}", dir.path().join("resume.db").display());
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--storage", &storage, "--study", "s", "--quiet"];
        args.extend_from_slice(extra);
        knobs(dir.path(), &args)
    };
    let first = run(&["--objective", "branin", "--budget", "3", "--seed", "1"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for (flags, said) in [
        (vec!["--objective", "rosenbrock"], "the objective (branin"),
        (vec!["--param", "x=0..1"], "the space (x added"),
        (
            vec!["--direction", "maximize"],
            "the direction (minimize → maximize)",
        ),
    ] {
        let mut flags = flags;
        flags.extend(["--budget", "5"]);
        let out = run(&flags);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(said), "{flags:?}: {err}");
        assert!(
            err.contains("study `s` with 3 stored trials") && err.contains("--study NAME"),
            "{err}"
        );
    }
    // Nothing refused was written.
    let target = url(&storage);
    assert_eq!(rdb::read(&target, Some("s")).unwrap().study.trials.len(), 3);
    // The first run's own flags, then none: both resume.
    let again = run(&["--objective", "branin", "--budget", "4"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again = run(&["--budget", "5"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(rdb::read(&target, Some("s")).unwrap().study.trials.len(), 5);
    // Under another name the changed study is a new one, beside the first.
    let other = knobs(
        dir.path(),
        &[
            "run",
            "--storage",
            &storage,
            "--study",
            "t",
            "--objective",
            "rosenbrock",
            "--budget",
            "2",
            "--quiet",
        ],
    );
    assert!(other.status.success());
    assert_eq!(rdb::study_names(&target).unwrap(), vec!["s", "t"]);
}

#[test]
fn malformed_urls_and_missing_databases_give_clear_errors() {
    let e = StorageUrl::parse("mongodb://x/y").unwrap_err().to_string();
    assert!(e.contains("not a storage Knobs knows"), "{e}");
    let e = StorageUrl::parse("postgresql://knobs@host:notaport/db")
        .unwrap_err()
        .to_string();
    assert!(e.contains("port `notaport`"), "{e}");
    let e = rdb::study_names(&url("sqlite:/nonexistent/dir/x.db"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("sqlite:/nonexistent/dir/x.db") && e.contains("no such file"),
        "{e}"
    );
}

#[test]
fn an_unreachable_postgres_host_is_named() {
    // Port 1 on the loopback: nothing listens there.
    let e = rdb::connect(&url("postgresql://knobs:pw@127.0.0.1:1/knobs"), false)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("cannot reach the server at 127.0.0.1:1"), "{e}");
    assert!(!e.contains("pw@"), "{e}");
}

#[test]
fn postgres_storage_round_trip_claims_heartbeats_and_errors() {
    let Some(pg) = support::PgServer::start() else {
        return;
    };
    a_run_loads_back_equal(&url(&pg.database("roundtrip")));
    claims_never_give_one_trial_twice(&url(&pg.database("claims")));
    a_silent_worker_has_its_trial_failed_and_enqueued_again(&url(&pg.database("beats")));
    heartbeats_are_judged_on_the_database_clock(&url(&pg.database("clock")));
    a_second_coordinator_is_refused(&url(&pg.database("coord")));
    a_coordinators_lock_is_judged_on_the_database_clock(&url(&pg.database("lock")));
    another_schema_version_is_refused(&url(&pg.database("version")));
    // Over TCP a password is needed: the wrong one is named as such.
    let e = rdb::connect(
        &url(&format!(
            "postgresql://knobs:wrong@127.0.0.1:{}/roundtrip",
            pg.port
        )),
        false,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("wrong password for user `knobs`"), "{e}");
    let ok = format!(
        "postgresql://knobs:{}@127.0.0.1:{}/roundtrip",
        support::PASSWORD,
        pg.port
    );
    assert_eq!(rdb::study_names(&url(&ok)).unwrap(), vec!["round trip"]);
}

/// Optuna 5.0 loads a Knobs study from SQLite and PostgreSQL (`examples/optuna_load_knobs.py`),
/// when `KNOBS_OPTUNA_PYTHON` names a Python with Optuna 5.0 and psycopg.
#[test]
fn optuna_loads_a_knobs_study_from_sqlite_and_postgres() {
    let Ok(python) = std::env::var("KNOBS_OPTUNA_PYTHON") else {
        eprintln!("skipped: set KNOBS_OPTUNA_PYTHON to a Python with optuna 5.0");
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/optuna_load_knobs.py");
    let check = |optuna_url: &str, ran: &Study| {
        let out = std::process::Command::new(&python)
            .args([script, optuna_url, "round trip"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        print!("{stdout}");
        let best = ran.best_trial().unwrap().value.unwrap();
        let line = stdout.lines().find(|l| l.starts_with("trials ")).unwrap();
        assert!(line.starts_with("trials 30 complete 30 best "), "{stdout}");
        let optuna_best: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert_eq!(optuna_best, best);
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("knobs.db");
    let ran = run_into(study("round trip", 30), &StorageUrl::Sqlite(path.clone()));
    check(&format!("sqlite:///{}", path.display()), &ran);
    if let Some(pg) = support::PgServer::start() {
        let target = pg.database("interop");
        let ran = run_into(study("round trip", 30), &url(&target));
        check(&target, &ran);
    }
}
