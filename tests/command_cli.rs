//! `knobs run` with external commands, driven as a user would: nothing from a session file
//! runs unconfirmed, sessions find their files from their own folder, a signal to Knobs
//! ends every command's process group, and `--jobs` widens the window or says why not.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

use knobs::objective::{DatasetSource, FoldSpec, ObjectiveSpec};
use knobs::session::{RaceOutcome, RaceRun, RaceSession, Session};
use knobs::strategy::StrategySpec;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// `knobs` run in `cwd` with its own configuration folder (remembered confirmations).
fn knobs_in(cwd: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_knobs"))
        .args(args)
        .current_dir(cwd)
        .env("KNOBS_CONFIG_DIR", config)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

#[test]
fn a_session_with_a_command_is_refused_until_confirmed_and_then_remembered() {
    let root = tempfile::tempdir().unwrap();
    let (folder, elsewhere, config) = (
        root.path().join("work"),
        root.path().join("elsewhere"),
        root.path().join("config"),
    );
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(folder.join("value.txt"), "0.75\n").unwrap();
    let command = "sh -c 'echo ran >> ran.log; cat value.txt'";
    // Typed on the command line, it runs at once; saved, it is a session anyone could send.
    let made = knobs_in(
        &folder,
        &config,
        &[
            "run",
            "--command",
            command,
            "--param",
            "x=0..1",
            "--budget",
            "2",
            "--quiet",
            "--save",
            "s.ron",
        ],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    assert_eq!(lines(&folder.join("ran.log")), 2);
    let session = folder.join("s.ron");
    let session = session.to_str().unwrap();

    // Opened from elsewhere without confirmation: refused, the command shown, nothing run.
    let refused = knobs_in(&elsewhere, &config, &["run", session, "--budget", "4"]);
    assert_eq!(refused.status.code(), Some(2));
    let why = stderr(&refused);
    assert!(
        why.contains("program: sh") && why.contains("--allow-command"),
        "{why}"
    );
    assert!(why.contains(folder.to_str().unwrap()), "{why}");
    assert_eq!(lines(&folder.join("ran.log")), 2);

    // Confirmed: runs in the session's folder (value.txt is there, not here).
    let allowed = knobs_in(
        &elsewhere,
        &config,
        &["run", session, "--budget", "4", "--allow-command", "--json"],
    );
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert_eq!(lines(&folder.join("ran.log")), 4);
    assert!(String::from_utf8_lossy(&allowed.stdout).contains("0.75"));

    // Remembered for this command in this folder (the file still holds 2 trials: 3 more).
    let again = knobs_in(&elsewhere, &config, &["run", session, "--budget", "5"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(lines(&folder.join("ran.log")), 7);

    // …but a changed command asks again.
    let text = std::fs::read_to_string(folder.join("s.ron")).unwrap();
    std::fs::write(
        folder.join("s.ron"),
        text.replace("cat value.txt", "cat ./value.txt"),
    )
    .unwrap();
    let changed = knobs_in(&elsewhere, &config, &["run", session, "--budget", "6"]);
    assert_eq!(changed.status.code(), Some(2), "{}", stderr(&changed));
    assert_eq!(lines(&folder.join("ran.log")), 7);
}

#[test]
fn knobs_run_save_leaves_out_a_hidden_race_command() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let study = knobs::study::default_study();
    let mut problem = study.clone();
    problem.objective = ObjectiveSpec::Command {
        command: "sh -c 'touch pwned; echo 1'".into(),
        trial_timeout: None,
        workdir: None,
    };
    let race = RaceSession {
        problem,
        picked: vec!["random".into()],
        repeats: 1,
        within_percent: 1.0,
        known_minimum: None,
        runs: vec![RaceRun {
            strategy: StrategySpec::Random,
            pruner: knobs::pruner::PrunerSpec::None,
            seed: 0,
            outcome: RaceOutcome::Unfinished,
            strategy_seconds: None,
            trials: Vec::new(),
            strategy_state: None,
        }],
    };
    Session::with_race(study, Some(race))
        .save(&dir.path().join("in.ron"))
        .unwrap();
    let out = knobs_in(
        dir.path(),
        &config,
        &[
            "run", "in.ron", "--budget", "3", "--quiet", "--save", "out.ron",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("left out"), "{}", stderr(&out));
    let saved = Session::load(&dir.path().join("out.ron")).unwrap();
    assert_eq!(saved.race, None);
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn relative_dataset_and_fold_paths_in_a_session_resolve_against_its_folder() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("project");
    std::fs::create_dir_all(folder.join("data")).unwrap();
    let mut csv = String::from("a,b,label\n");
    let mut folds = String::from("index,fold\n");
    for i in 0..40 {
        let (a, b) = ((i % 7) as f64, (i % 5) as f64);
        csv.push_str(&format!("{a},{b},{}\n", i % 2));
        folds.push_str(&format!("{i},{}\n", i % 2));
    }
    std::fs::write(folder.join("data/train.csv"), csv).unwrap();
    std::fs::write(folder.join("data/folds.csv"), folds).unwrap();
    let mut study = knobs::study::default_study();
    study.objective = ObjectiveSpec::Model {
        dataset: DatasetSource::File("data/train.csv".into()),
        target: None,
        task: None,
        model: knobs::models::ModelSpec::from_name("logistic", None).unwrap(),
        metric: None,
        folds: FoldSpec::File("data/folds.csv".into()),
        data: Default::default(),
        robust: None,
    };
    study.space = study
        .objective
        .rebased(&folder)
        .build()
        .unwrap()
        .default_space();
    study.direction = knobs::study::Direction::Maximize;
    Session::new(study).save(&folder.join("s.ron")).unwrap();
    let out = knobs_in(
        root.path(),
        &root.path().join("config"),
        &["run", "project/s.ron", "--budget", "2", "--quiet"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn jobs_beyond_the_strategys_window_say_why_fewer_trials_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let out = knobs_in(
        dir.path(),
        &config,
        &[
            "run",
            "--strategy",
            "gp",
            "--budget",
            "3",
            "--jobs",
            "2",
            "--save",
            "w.ron",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("give --window 2"), "{}", stderr(&out));
    // The window stays the study's: same seed, same trials whatever --jobs is.
    let saved = Session::load(&dir.path().join("w.ron")).unwrap();
    assert_eq!(saved.study.window, None);
    let widened = knobs_in(
        dir.path(),
        &config,
        &[
            "run",
            "--strategy",
            "gp",
            "--budget",
            "3",
            "--jobs",
            "2",
            "--window",
            "2",
        ],
    );
    assert!(widened.status.success(), "{}", stderr(&widened));
    assert!(
        !stderr(&widened).contains("--window"),
        "{}",
        stderr(&widened)
    );
}

/// Live (not zombie) processes whose process group is `pgid`, from /proc.
fn live_in_group(pgid: u32) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            let Some(close) = stat.rfind(')') else {
                return false;
            };
            let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
            fields.first() != Some(&"Z") && fields.get(2) == Some(&pgid.to_string().as_str())
        })
        .count()
}

fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigterm_to_knobs_ends_every_running_command_group_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let mut knobs = Command::new(env!("CARGO_BIN_EXE_knobs"))
        .args([
            "run",
            "--command",
            "sh -c 'echo $$ >> pids; sleep 1000 & sleep 1000'",
            "--param",
            "x=0..1",
            "--budget",
            "4",
            "--jobs",
            "2",
            "--quiet",
        ])
        .current_dir(dir.path())
        .env("KNOBS_CONFIG_DIR", dir.path().join("config"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pids = dir.path().join("pids");
    let groups = || -> Vec<u32> {
        std::fs::read_to_string(&pids)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    };
    assert!(within(Duration::from_secs(20), || groups().len() == 2));
    let term = Command::new("kill")
        .args(["-TERM", &knobs.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(within(Duration::from_secs(20), || matches!(
        knobs.try_wait(),
        Ok(Some(_))
    )));
    let status = knobs.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    let limit = Duration::from_secs_f64(knobs::objective::GRACE_SECONDS + 5.0);
    assert!(
        within(limit, || groups().iter().all(|g| live_in_group(*g) == 0)),
        "processes survived SIGTERM to knobs"
    );
    assert_eq!(groups().len(), 2, "no trial started after the signal");
}
