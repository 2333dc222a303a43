//! Crash semantics of the journal, tested by killing the real `knobs run` process.
//!
//! Each chain runs a seeded study and kills it with SIGKILL at 10 seeded-random moments
//! (once the journal holds at least a randomly chosen number of lines: during a trial, an
//! append, a resume's recovery, the final save), resuming from the journal after each kill.
//! After every kill, every trial the journal holds as finished has exactly the value of the
//! uninterrupted run; a trial left running is failed as "interrupted" by the next resume and
//! its point is asked again; resuming to the budget gives exactly the uninterrupted run's
//! trials. Two chains (a synthetic objective under GP-BO, a sleeping command under TPE with
//! two trials in flight) make 20 kills.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::storage::journal;
use knobs::study::{Trial, TrialState};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const KILLS_PER_CHAIN: usize = 10;

fn knobs() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_knobs"));
    // Resuming a journal with a command needs the user's confirmation; it is remembered
    // here, not in the real configuration folder.
    c.env(
        "KNOBS_CONFIG_DIR",
        std::env::temp_dir().join(format!("knobs-journal-kill-{}", std::process::id())),
    );
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// A small seeded generator (xorshift), so the kill moments are the same on every run.
struct Moments(u64);

impl Moments {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below.max(1) as u64) as usize
    }
}

fn lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|c| **c == b'\n').count())
        .unwrap_or(0)
}

/// Wait until the journal holds `target` lines, then SIGKILL the child; whether it was
/// killed (false: it finished first).
fn kill_at(child: &mut Child, journal: &Path, target: usize) -> bool {
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if lines(journal) >= target {
            child.kill().unwrap(); // SIGKILL on Unix
            child.wait().unwrap();
            return true;
        }
        // Poll the condition (the file's length); the kill never depends on timing alone.
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// What must match between runs: number, parameters, unit point, value.
fn essence(t: &Trial) -> (usize, String, Vec<f64>, Option<f64>) {
    (
        t.number,
        format!("{:?}", t.params),
        t.point.clone(),
        t.value,
    )
}

fn reference(dir: &Path, args: &[String]) -> Vec<Trial> {
    let path = dir.join("reference.journal");
    let out = knobs()
        .args(args)
        .arg("--journal")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let r = journal::read(&path).unwrap();
    // SIGTERM ends the running commands' process groups: only the trials running then (at
    // most --jobs) are unfinished, to be asked again on resume.
    let unfinished = r
        .study
        .trials
        .iter()
        .filter(|t| t.state != TrialState::Complete)
        .count();
    assert!(unfinished <= 2, "{unfinished} unfinished trials");
    r.study.trials
}

/// Run `args` killed at seeded moments, resuming after each kill, then to the end.
fn kill_chain(args: &[String], seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let expected = reference(dir.path(), args);
    let journal_path = dir.path().join("run.journal");
    let save = dir.path().join("run.ron");
    let total_lines = lines(&dir.path().join("reference.journal"));
    let mut moments = Moments(seed);
    let mut reasked: HashMap<usize, Vec<f64>> = HashMap::new();
    let mut kills = 0;
    for round in 0..KILLS_PER_CHAIN {
        let mut command = knobs();
        if round == 0 {
            command.args(args).arg("--journal").arg(&journal_path);
        } else {
            command
                .arg("run")
                .arg(&journal_path)
                .arg("--quiet")
                .arg("--allow-command");
        }
        let mut child = command.arg("--save").arg(&save).spawn().unwrap();
        let now = lines(&journal_path);
        let target = now + 1 + moments.next(total_lines / (KILLS_PER_CHAIN + 2));
        if !kill_at(&mut child, &journal_path, target) {
            break;
        }
        kills += 1;

        // What a reader finds after the kill: every finished trial exactly as uninterrupted.
        let seen = journal::read(&journal_path).unwrap();
        let mut running = Vec::new();
        for t in &seen.study.trials {
            let want = &expected[t.number];
            match &t.state {
                TrialState::Complete => assert_eq!(essence(t), essence(want), "round {round}"),
                TrialState::Running => {
                    assert_eq!(t.point, want.point, "round {round}");
                    running.push(t.number);
                    reasked.insert(t.number, t.point.clone());
                }
                TrialState::Failed(why) => assert_eq!(why, journal::INTERRUPTED),
                TrialState::Pruned { .. } => panic!("nothing is pruned without a pruner"),
            }
        }
        // Recovery fails the trials left running, durably.
        let recovered = journal::recover(&journal_path).unwrap();
        for n in &running {
            assert!(recovered.interrupted.contains(n), "round {round}: {n}");
            assert_eq!(
                recovered.study.trials[*n].state,
                TrialState::Failed(journal::INTERRUPTED.into())
            );
        }
        assert_eq!(journal::read(&journal_path).unwrap(), recovered);
        // A save cut by the kill leaves the old session or none, never a torn one.
        if save.exists() {
            knobs::session::Session::load(&save).unwrap();
        }
    }
    assert_eq!(
        kills, KILLS_PER_CHAIN,
        "every kill landed before the run ended"
    );

    let out = knobs()
        .arg("run")
        .arg(&journal_path)
        .arg("--quiet")
        .arg("--save")
        .arg(&save)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let done = journal::read(&journal_path).unwrap();
    assert!(done.interrupted.is_empty());
    assert!(done.is_finished());
    assert_eq!(
        done.study.trials.iter().map(essence).collect::<Vec<_>>(),
        expected.iter().map(essence).collect::<Vec<_>>()
    );
    // Interrupted trials were asked again at exactly their points.
    assert!(!reasked.is_empty(), "some kill landed during a trial");
    for (n, point) in &reasked {
        assert_eq!(&done.study.trials[*n].point, point);
    }
    let saved = knobs::session::Session::load(&save).unwrap().study;
    assert_eq!(
        saved.trials.iter().map(essence).collect::<Vec<_>>(),
        expected.iter().map(essence).collect::<Vec<_>>()
    );
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// A command objective that sleeps a little, then prints a quadratic of its two parameters.
fn sleeping_command(dir: &Path) -> PathBuf {
    let script = dir.join("objective.sh");
    std::fs::write(
        &script,
        "cat > /dev/null\nsleep 0.02\n\
         awk -v x=\"$2\" -v y=\"$4\" 'BEGIN { printf \"%.17g\\n\", (x - 1) * (x - 1) + (y + 0.5) * (y + 0.5) }'\n",
    )
    .unwrap();
    script
}

#[test]
fn kill_9_during_a_gp_study_loses_no_finished_trial_and_the_resume_equals_the_uninterrupted_run() {
    let args = strings(&[
        "run",
        "--objective",
        "branin",
        "--strategy",
        "gp",
        "--budget",
        "40",
        "--seed",
        "11",
        "--jobs",
        "2",
        "--quiet",
    ]);
    kill_chain(&args, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn kill_9_during_a_command_study_with_two_trials_in_flight_loses_nothing() {
    let scripts = tempfile::tempdir().unwrap();
    let script = sleeping_command(scripts.path());
    let args = strings(&[
        "run",
        "--command",
        &format!("sh {}", script.display()),
        "--param",
        "x=-2..2",
        "--param",
        "y=-2..2",
        "--strategy",
        "tpe",
        "--budget",
        "40",
        "--seed",
        "5",
        "--window",
        "2",
        "--jobs",
        "2",
        "--quiet",
    ]);
    kill_chain(&args, 0x2545_f491_4f6c_dd1d);
}

#[test]
fn sigterm_ends_the_running_trials_saves_prints_the_summary_and_exits_143() {
    let dir = tempfile::tempdir().unwrap();
    let script = sleeping_command(dir.path());
    let save = dir.path().join("t.ron");
    let child = knobs()
        .args(strings(&[
            "run",
            "--command",
            &format!("sh {}", script.display()),
            "--param",
            "x=-2..2",
            "--param",
            "y=-2..2",
            "--budget",
            "500",
            "--jobs",
            "2",
            "--quiet",
        ]))
        .arg("--save")
        .arg(&save)
        .spawn()
        .unwrap();
    let default_journal = save.with_extension("journal");
    while lines(&default_journal) < 12 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("trials (0 failed, 0 pruned)"), "{stdout}");
    let saved = knobs::session::Session::load(&save).unwrap().study;
    assert!(saved.trials.len() < 500);
    let r = journal::read(&default_journal).unwrap();
    assert_eq!(r.last_run.as_deref(), Some("stopped"));
    // SIGTERM ends the running commands' process groups: only the trials running then (at
    // most --jobs) are unfinished, to be asked again on resume.
    let unfinished = r
        .study
        .trials
        .iter()
        .filter(|t| t.state != TrialState::Complete)
        .count();
    assert!(unfinished <= 2, "{unfinished} unfinished trials");
    // Finished trials read back exactly; a running one's start is kept to the microsecond
    // (Optuna's datetime_start), so those are compared by number and point.
    assert_eq!(r.study.trials.len(), saved.trials.len());
    for (j, s) in r.study.trials.iter().zip(&saved.trials) {
        if s.state == TrialState::Running {
            assert_eq!(
                (j.number, &j.point, &j.state),
                (s.number, &s.point, &s.state)
            );
        } else {
            assert_eq!(j, s);
        }
    }
}
