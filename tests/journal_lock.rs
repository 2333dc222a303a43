//! One writer per journal, tested with two real `knobs run` processes: while the first runs
//! a trial (a command blocked on a named pipe the test holds), a second `knobs run JOURNAL`
//! is refused at once with a message naming the journal and the first process's pid, a new
//! study given the same `--journal` hears that another process writes it (exit 2), and the
//! first finishes untouched. Unix only (named pipes, `mkfifo`).
#![cfg(unix)]
// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::storage::journal;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn knobs(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_knobs"));
    c.env("KNOBS_CONFIG_DIR", config);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A first `knobs run --journal` inside its one trial, holding the journal for as long as
/// the test needs: its process, the journal and the pipe that lets the trial end.
struct Holder {
    child: std::process::Child,
    journal: std::path::PathBuf,
    release: std::path::PathBuf,
}

/// Start the first run in `dir` and return once its trial has started. The trial says it
/// started (the test's read of `started` returns), then waits for the test to write to
/// `release`.
fn hold_journal(dir: &Path) -> Holder {
    let started = dir.join("started");
    let release = dir.join("release");
    mkfifo(&started);
    mkfifo(&release);
    let script = dir.join("objective.sh");
    std::fs::write(
        &script,
        format!(
            "cat > /dev/null\necho go > '{}'\ncat '{}' > /dev/null\necho 1.5\n",
            started.display(),
            release.display()
        ),
    )
    .unwrap();
    let journal = dir.join("study.journal");
    let command = format!("sh {}", script.display());
    let child = knobs(dir)
        .args(["run", "--command", &command, "--param", "x=0..1"])
        .args(["--budget", "1", "--quiet", "--journal"])
        .arg(&journal)
        .spawn()
        .unwrap();
    assert_eq!(std::fs::read_to_string(&started).unwrap().trim(), "go");
    Holder {
        child,
        journal,
        release,
    }
}

impl Holder {
    /// Let the trial end and check the first run finished its journal untouched.
    fn finish(self) {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.release)
            .unwrap()
            .write_all(b"done\n")
            .unwrap();
        let out = self.child.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        // The first run's trial is whole: the refused writer failed nothing as interrupted.
        let r = journal::read(&self.journal).unwrap();
        assert_eq!(r.study.trials.len(), 1);
        assert_eq!(r.study.trials[0].value, Some(1.5));
        assert!(r.interrupted.is_empty());
        assert!(r.is_finished());
        // The writer's lock went with it: the journal can be taken over now.
        assert!(!knobs::storage::lock::lock_path(&self.journal).exists());
        journal::recover(&self.journal).unwrap();
    }
}

#[test]
fn a_second_knobs_run_on_a_journal_being_written_is_refused_naming_the_file_and_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let first = hold_journal(dir.path());
    let path = first.journal.clone();

    let second = knobs(dir.path())
        .arg("run")
        .arg(&path)
        .args(["--budget", "3", "--allow-command", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "{second:?}");
    assert!(
        stderr.contains(&path.display().to_string()),
        "names the journal: {stderr}"
    );
    assert!(
        stderr.contains(&format!("pid {}", first.child.id())),
        "names the holder: {stderr}"
    );
    assert!(stderr.contains("is writing this journal"), "{stderr}");
    first.finish();
}

#[test]
fn a_new_study_given_a_journal_another_run_is_writing_hears_who_writes_it_not_to_resume_it() {
    let dir = tempfile::tempdir().unwrap();
    let first = hold_journal(dir.path());
    let path = first.journal.clone();

    let second = knobs(dir.path())
        .args(["run", "--objective", "branin", "--budget", "3", "--quiet"])
        .arg("--journal")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "a usage error: {second:?}");
    assert!(
        stderr.contains(&path.display().to_string()),
        "names the journal: {stderr}"
    );
    assert!(
        stderr.contains(&format!("pid {}", first.child.id())),
        "names the writer: {stderr}"
    );
    assert!(stderr.contains("is writing this journal"), "{stderr}");
    assert!(!stderr.contains("resume it"), "{stderr}");
    first.finish();
}
