//! A study shared by processes: `knobs run --storage URL --workers` (the coordinator) and
//! `knobs worker --storage URL` processes, real processes all of them.
//!
//! Each case is written once over a storage URL ([`storages`]: journal, SQLite, and
//! PostgreSQL started by `tests/support`'s harness): a coordinator and 4 workers
//! give exactly the trials of one process (same seed: params, values, pruned steps); a
//! worker killed with SIGKILL mid-trial has its trial failed by heartbeat and run again by
//! another; a coordinator killed and restarted resumes to the same study; a second
//! coordinator on a study is refused. Nothing waits on a timer: the tests wait for files,
//! pipes and process exits, with generous bounds.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use knobs::session::Session;
use knobs::study::{Study, TrialState};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The storages every case runs against, each a name and the URL of a new study in a
/// folder; PostgreSQL (a server of the case's own, stopped when the list is dropped) only
/// when its binaries are installed, else skipped with the reason printed.
struct Storages {
    pg: Option<support::PgServer>,
    databases: std::cell::Cell<usize>,
}

impl Storages {
    fn new() -> Storages {
        Storages {
            pg: support::PgServer::start(),
            databases: std::cell::Cell::new(0),
        }
    }

    fn names(&self) -> Vec<&'static str> {
        let mut names = vec!["journal", "sqlite"];
        if self.pg.is_some() {
            names.push("postgresql");
        }
        names
    }

    /// The URL of a new, empty study of storage `name` in `dir`.
    fn url(&self, name: &str, dir: &Path) -> String {
        match (name, &self.pg) {
            ("journal", _) => format!("journal:{}", dir.join("study.journal").display()),
            ("sqlite", _) => format!("sqlite:{}", dir.join("study.db").display()),
            (_, Some(pg)) => {
                let n = self.databases.get();
                self.databases.set(n + 1);
                pg.database(&format!("workers{n}"))
            }
            (other, None) => panic!("no storage {other}"),
        }
    }
}

/// How long any wait may take before the test fails (the machine may be very busy).
const BOUND: Duration = Duration::from_secs(300);

fn knobs(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_knobs"));
    c.env("KNOBS_CONFIG_DIR", config);
    c
}

fn curve_command() -> String {
    let curve = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/curve.sh");
    format!("sh {}", curve.display())
}

/// The study flags of the pruned case: a learning-curve script under TPE and ASHA.
fn study_flags(command: &str) -> Vec<String> {
    [
        "--command",
        command,
        "--param",
        "x=0..1",
        "--direction",
        "maximize",
        "--strategy",
        "tpe",
        "--pruner",
        "asha",
        "--budget",
        "16",
        "--seed",
        "5",
        "--quiet",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Run one process to the end and return the saved study.
fn single_process(dir: &Path, flags: &[String]) -> Study {
    let out = dir.join("single.ron");
    let status = knobs(dir)
        .arg("run")
        .args(flags)
        .args(["--jobs", "2", "--save"])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    Session::load(&out).unwrap().study
}

fn coordinator(dir: &Path, url: &str, flags: &[String], save: &Path) -> Child {
    knobs(dir)
        .arg("run")
        .args(flags)
        .args([
            "--storage",
            url,
            "--workers",
            "--heartbeat-timeout",
            "3",
            "--save",
        ])
        .arg(save)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn worker(dir: &Path, url: &str) -> Child {
    knobs(dir)
        .args([
            "worker",
            "--storage",
            url,
            "--allow-command",
            "--heartbeat-every",
            "0.2",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Wait for a child to exit, within [`BOUND`].
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < BOUND, "a process did not end in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until `ready` holds, within [`BOUND`].
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < BOUND, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What must be equal between two runs of one seed: everything but times.
fn assert_same_trials(a: &Study, b: &Study) {
    assert_eq!(a.trials.len(), b.trials.len());
    for (x, y) in a.trials.iter().zip(&b.trials) {
        assert_eq!(x.number, y.number);
        assert_eq!(x.params, y.params, "trial {}", x.number);
        assert_eq!(x.point, y.point, "trial {}", x.number);
        assert_eq!(x.state, y.state, "trial {}", x.number);
        assert_eq!(x.value, y.value, "trial {}", x.number);
        assert_eq!(x.intermediate, y.intermediate, "trial {}", x.number);
    }
}

fn first_stderr_line(child: &mut Child) -> String {
    let mut line = String::new();
    let stderr = child.stderr.as_mut().unwrap();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    line
}

fn a_coordinator_and_four_workers_give_the_single_process_trials_on(url: &str, dir: &Path) {
    let flags = study_flags(&curve_command());
    let single = single_process(dir, &flags);
    assert!(
        single
            .trials
            .iter()
            .any(|t| matches!(t.state, TrialState::Pruned { .. })),
        "the case must prune some trials"
    );
    let save = dir.join("shared.ron");
    let mut c = coordinator(dir, url, &flags, &save);
    let mut workers: Vec<Child> = (0..4).map(|_| worker(dir, url)).collect();
    assert!(wait(&mut c).success());
    for w in &mut workers {
        assert!(
            wait(w).success(),
            "a worker exits once the study is finished"
        );
    }
    assert_same_trials(&single, &Session::load(&save).unwrap().study);
}

#[test]
fn a_coordinator_and_four_workers_give_exactly_the_single_process_trials() {
    let storages = Storages::new();
    for name in storages.names() {
        let dir = tempfile::tempdir().unwrap();
        eprintln!("storage {name}");
        a_coordinator_and_four_workers_give_the_single_process_trials_on(
            &storages.url(name, dir.path()),
            dir.path(),
        );
    }
}

/// A command that blocks on a FIFO the first time any trial runs (and says which worker ran
/// it), then computes a value from `--x`.
fn blocking_script(dir: &Path) -> (String, PathBuf, PathBuf) {
    let fifo = dir.join("fifo");
    let marker = dir.join("blocked");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let script = dir.join("block.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nx=$2\nif mkdir '{m}' 2>/dev/null; then echo $PPID > '{m}/pid'; cat '{f}' > /dev/null; fi\n\
             awk -v x=\"$x\" 'BEGIN {{ printf \"%.6f\\n\", (x - 0.3)^2 }}'\n",
            m = marker.display(),
            f = fifo.display()
        ),
    )
    .unwrap();
    (format!("sh {}", script.display()), fifo, marker)
}

fn plain_flags(command: &str) -> Vec<String> {
    [
        "--command",
        command,
        "--param",
        "x=0..1",
        "--strategy",
        "tpe",
        "--budget",
        "10",
        "--seed",
        "3",
        "--quiet",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn a_killed_worker_s_trial_is_run_again_by_another_on(url: &str, dir: &Path) {
    let (command, fifo, marker) = blocking_script(dir);
    let flags = plain_flags(&command);
    // The reference run must not block: the marker exists already, then goes.
    std::fs::create_dir(&marker).unwrap();
    let single = single_process(dir, &flags);
    std::fs::remove_dir_all(&marker).unwrap();

    let save = dir.join("shared.ron");
    let mut c = coordinator(dir, url, &flags, &save);
    let mut workers: Vec<Child> = (0..2).map(|_| worker(dir, url)).collect();
    let pid_file = marker.join("pid");
    wait_until("a trial to block", || {
        std::fs::read_to_string(&pid_file).is_ok_and(|s| s.ends_with('\n'))
    });
    let blocked: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let victim = workers.iter().position(|w| w.id() == blocked).unwrap();
    let killed_pid = blocked;
    let mut killed = workers.remove(victim);
    killed.kill().unwrap();
    let _ = killed.wait();
    assert!(wait(&mut c).success());
    for w in &mut workers {
        assert!(wait(w).success());
    }
    // Release the orphaned command of the killed worker.
    drop(std::fs::OpenOptions::new().write(true).open(&fifo));
    // The killed worker's attempt was failed by heartbeat, naming it, in every storage.
    let silent = format!("pid {killed_pid}) sent no heartbeat");
    if let Some(path) = url.strip_prefix("journal:") {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.contains(&silent),
            "the attempt was failed by heartbeat"
        );
    } else {
        let reasons = failed_attempt_reasons(url);
        assert!(
            reasons.iter().any(|r| r.contains(&silent)),
            "the attempt was failed by heartbeat: {reasons:?}"
        );
    }
    assert_same_trials(&single, &Session::load(&save).unwrap().study);
}

/// The result attribute of every failed attempt in the SQL storage `url`, read through the
/// core's own connection (a superseded attempt is not in the study as read: its retry is).
fn failed_attempt_reasons(url: &str) -> Vec<String> {
    use knobs::storage::rdb::{self, Conn};
    let target = knobs::storage::url::StorageUrl::parse(url).unwrap();
    let mut conn: Box<dyn Conn> = rdb::connect(&target, false).unwrap();
    conn.query(
        "SELECT a.value_json FROM trial_system_attributes a JOIN trials t ON \
         t.trial_id = a.trial_id WHERE a.key = 'knobs:result' AND t.state = 'FAIL'",
    )
    .unwrap()
    .into_iter()
    .filter_map(|row| row.into_iter().next().flatten())
    .collect()
}

#[test]
fn a_worker_killed_mid_trial_has_its_trial_failed_by_heartbeat_and_run_again() {
    let storages = Storages::new();
    for name in storages.names() {
        let dir = tempfile::tempdir().unwrap();
        eprintln!("storage {name}");
        a_killed_worker_s_trial_is_run_again_by_another_on(
            &storages.url(name, dir.path()),
            dir.path(),
        );
    }
}

fn a_restarted_coordinator_resumes_on(url: &str, dir: &Path) {
    let (command, fifo, marker) = blocking_script(dir);
    let flags = plain_flags(&command);
    std::fs::create_dir(&marker).unwrap();
    let single = single_process(dir, &flags);
    std::fs::remove_dir_all(&marker).unwrap();

    let first = dir.join("first.ron");
    let mut c = coordinator(dir, url, &flags, &first);
    let mut workers: Vec<Child> = (0..2).map(|_| worker(dir, url)).collect();
    // A trial blocks, so the study cannot be over when its coordinator is killed.
    wait_until("a trial to block", || {
        std::fs::read_to_string(marker.join("pid")).is_ok_and(|s| s.ends_with('\n'))
    });
    assert!(
        c.try_wait().unwrap().is_none(),
        "the coordinator was still running"
    );
    c.kill().unwrap();
    let _ = c.wait();
    // Restarted with the storage alone: the study is read from it.
    let save = dir.join("resumed.ron");
    let mut again = knobs(dir)
        .args([
            "run",
            "--storage",
            url,
            "--workers",
            "--heartbeat-timeout",
            "3",
            "--quiet",
        ])
        .arg("--save")
        .arg(&save)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(std::fs::OpenOptions::new().write(true).open(&fifo));
    assert!(wait(&mut again).success());
    for w in &mut workers {
        assert!(wait(w).success());
    }
    assert_same_trials(&single, &Session::load(&save).unwrap().study);
}

#[test]
fn a_coordinator_killed_and_restarted_resumes_to_the_same_study() {
    let storages = Storages::new();
    for name in storages.names() {
        let dir = tempfile::tempdir().unwrap();
        eprintln!("storage {name}");
        a_restarted_coordinator_resumes_on(&storages.url(name, dir.path()), dir.path());
    }
}

fn a_second_coordinator_is_refused_on(url: &str, dir: &Path) {
    let flags: Vec<String> = plain_flags(&curve_command())
        .into_iter()
        .filter(|f| f != "--quiet")
        .collect();
    let mut first = coordinator(dir, url, &flags, &dir.join("first.ron"));
    let said = first_stderr_line(&mut first);
    assert!(said.contains("coordinating"), "{said}");
    let second = knobs(dir)
        .arg("run")
        .args(&flags)
        .args(["--storage", url, "--workers"])
        .output()
        .unwrap();
    let _ = first.kill();
    let _ = first.wait();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(err.contains("another Knobs process (pid "), "{err}");
    if url.starts_with("journal:") {
        assert!(err.contains("is writing this journal"), "{err}");
    } else {
        // An SQL storage holds many studies: the message names the one that is taken.
        assert!(
            err.contains("is coordinating study `tpe on ") && err.contains(&format!("` in {url};")),
            "{err}"
        );
    }
}

#[test]
fn two_coordinators_on_one_study_are_refused() {
    let storages = Storages::new();
    for name in storages.names() {
        let dir = tempfile::tempdir().unwrap();
        eprintln!("storage {name}");
        a_second_coordinator_is_refused_on(&storages.url(name, dir.path()), dir.path());
    }
}
