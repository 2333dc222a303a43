//! External commands as objectives, with real scripts (sh and python3 only): containment of
//! the whole process group, the output protocol, caps on output, and every way a script
//! can fail. Process groups are counted in /proc with bounded polling, never by sleeping.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

use knobs::objective::{CommandObjective, GRACE_SECONDS, Objective, ObjectiveSpec};
use knobs::runner::{self, Command, Event, FinishReason};
use knobs::space::{Domain, Param, Space, Value};
use knobs::strategy::StrategySpec;
use knobs::study::{AttrValue, Direction, Intermediate, Study, TrialState};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Poll `done` every 10 ms until it holds or `limit` passes; whether it held.
fn within(limit: Duration, done: impl Fn() -> bool) -> bool {
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

/// The process-group ids the scripts wrote (one `$$` per line) into `file`.
fn groups_in(file: &Path) -> Vec<u32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// A group is gone once none of its processes is alive; allow the grace period and a margin.
fn all_gone(groups: &[u32]) -> bool {
    let limit = Duration::from_secs_f64(GRACE_SECONDS + 5.0);
    within(limit, || groups.iter().all(|g| live_in_group(*g) == 0))
}

fn x() -> Vec<(String, Value)> {
    vec![("x".to_string(), Value::Float(0.5))]
}

fn objective(command: &str, timeout: f64, dir: &Path) -> CommandObjective {
    CommandObjective::new(command, Some(timeout))
        .unwrap()
        .in_folder(Some(dir.to_owned()))
}

fn failure(command: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    objective(command, 60.0, dir.path())
        .evaluate(&x(), false)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_background_child_does_not_hold_the_trial_and_is_ended_with_it() {
    let dir = tempfile::tempdir().unwrap();
    // Were the trial to wait for the pipe the sleep holds, it would time out and fail.
    let o = objective(
        "sh -c 'echo $$ > pid; sleep 30 & echo 0.5'",
        20.0,
        dir.path(),
    );
    assert_eq!(o.evaluate(&x(), false).unwrap().value, 0.5);
    let groups = groups_in(&dir.path().join("pid"));
    assert_eq!(groups.len(), 1);
    assert!(all_gone(&groups), "the background sleep outlived its trial");
}

#[test]
fn a_command_that_never_exits_times_out_and_its_whole_group_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let o = objective(
        "sh -c 'echo $$ > pid; sleep 1000 & sleep 1000'",
        0.5,
        dir.path(),
    );
    let e = o.evaluate(&x(), false).unwrap_err().to_string();
    assert!(e.contains("timed out"), "{e}");
    let groups = groups_in(&dir.path().join("pid"));
    assert_eq!(groups.len(), 1);
    assert!(all_gone(&groups), "processes survived the timeout");
}

#[test]
fn processes_that_ignore_sigterm_are_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let o = objective(
        "sh -c 'trap \"\" TERM; echo $$ > pid; sleep 1000 & sleep 1000'",
        0.5,
        dir.path(),
    )
    .with_grace(Duration::from_millis(200));
    let e = o.evaluate(&x(), false).unwrap_err().to_string();
    assert!(e.contains("timed out"), "{e}");
    assert!(all_gone(&groups_in(&dir.path().join("pid"))));
}

/// A hundred parameters of a thousand characters each: over 64 KiB of JSON.
fn huge_params() -> Vec<(String, Value)> {
    (0..100)
        .map(|i| (format!("p{i}"), Value::Cat("v".repeat(1000))))
        .collect()
}

#[test]
fn a_script_that_ignores_stdin_with_huge_parameters_still_finishes() {
    let dir = tempfile::tempdir().unwrap();
    // Too large for the environment: left out there, so the script reads stdin instead.
    let o = objective(
        "sh -c 'test -z \"$KNOBS_PARAMS_JSON\" && echo 1.5' sh",
        30.0,
        dir.path(),
    );
    assert_eq!(o.evaluate(&huge_params(), false).unwrap().value, 1.5);
    let reads = objective(
        "python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'",
        30.0,
        dir.path(),
    );
    assert_eq!(reads.evaluate(&huge_params(), false).unwrap().value, 100.0);
}

#[test]
fn parameters_arrive_as_arguments_environment_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import json, os, sys\n\
                  a = float(sys.argv[sys.argv.index('--x') + 1])\n\
                  e = json.loads(os.environ['KNOBS_PARAMS_JSON'])['x']\n\
                  s = json.load(sys.stdin)['x']\n\
                  print(a + e + s)";
    std::fs::write(dir.path().join("p.py"), script).unwrap();
    let o = objective("python3 p.py", 30.0, dir.path());
    assert_eq!(o.evaluate(&x(), false).unwrap().value, 1.5);
}

#[test]
fn huge_output_is_capped_and_the_value_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let o = objective(
        "python3 -c 'print((\"x\" * 99 + \"\\n\") * 200000, end=\"\"); print(0.25)'",
        60.0,
        dir.path(),
    );
    assert_eq!(o.evaluate(&x(), false).unwrap().value, 0.25);
    let e = failure(
        "python3 -c 'import sys; sys.stderr.write(\"e\" * 5000000); print(\"y\" * 5000000); sys.exit(1)'",
    );
    assert!(e.contains("code 1"), "{}", &e[..e.len().min(300)]);
    assert!(e.chars().count() < 1000, "a {} character reason", e.len());
}

#[test]
fn garbage_output_fails_with_a_short_quote() {
    let e = failure("sh -c 'echo hello world'");
    assert!(
        e.contains("neither a number") && e.contains("hello world"),
        "{e}"
    );
    let e = failure("python3 -c 'print(\"z\" * 1000000)'");
    assert!(e.chars().count() < 600, "a {} character reason", e.len());
    let e = failure("true");
    assert!(e.contains("no value"), "{e}");
}

#[test]
fn nan_and_infinite_values_fail_the_trial() {
    // (`sh -c` leaves the appended `--x 0.5` out of what is echoed.)
    assert!(failure("sh -c 'echo nan'").contains("reported NaN"));
    assert!(failure("sh -c 'echo -inf'").contains("reported -inf"));
    let e = failure("sh -c 'echo {\"value\": \"NaN\"}'");
    assert!(e.contains("neither"), "{e}");
}

#[test]
fn a_non_zero_exit_fails_quoting_the_last_lines_of_stderr() {
    let e = failure("sh -c 'for i in 1 2 3 4 5 6 7 8 9; do echo problem $i >&2; done; exit 3'");
    assert!(e.contains("code 3") && e.contains("problem 9"), "{e}");
    assert!(!e.contains("problem 5"), "quotes too many lines: {e}");
}

#[test]
fn a_script_killed_by_a_signal_says_which() {
    let e = failure("sh -c 'kill -KILL $$'");
    assert!(e.contains("SIGKILL"), "{e}");
    let e = failure("sh -c 'kill -SEGV $$'");
    assert!(e.contains("SIGSEGV"), "{e}");
}

#[test]
fn a_missing_program_or_folder_says_so() {
    let e = failure("no-such-program-knobs");
    assert!(e.contains("cannot start `no-such-program-knobs`"), "{e}");
    let o = CommandObjective::new("true", None)
        .unwrap()
        .in_folder(Some("/no/such/folder".into()));
    let e = o.evaluate(&x(), false).unwrap_err().to_string();
    assert!(e.contains("/no/such/folder"), "{e}");
}

fn command_study(command: &str, dir: &Path, budget: usize) -> Study {
    Study {
        name: "curves".into(),
        description: String::new(),
        description_zh: String::new(),
        direction: Direction::Minimize,
        objective: ObjectiveSpec::Command {
            command: command.into(),
            trial_timeout: Some(60.0),
            workdir: Some(dir.to_owned()),
        },
        space: Space::new(vec![Param {
            name: "x".into(),
            domain: Domain::Float {
                low: 0.0,
                high: 1.0,
                log: false,
            },
        }])
        .unwrap(),
        strategy: StrategySpec::Random,
        seed: 1,
        budget,
        window: None,
        trials: Vec::new(),
        pruner: Default::default(),
        resource_budget: None,
        strategy_state: None,
        adaptive: Default::default(),
        warm_start: None,
    }
}

#[test]
fn intermediate_values_and_attributes_are_streamed_and_stored_on_the_trial() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import json, os\n\
                  n = int(os.environ['KNOBS_TRIAL_NUMBER'])\n\
                  assert os.environ['KNOBS_STUDY'] == 'curves'\n\
                  print('loading data')\n\
                  print(json.dumps({'step': 1, 'value': 0.9}), flush=True)\n\
                  print('knobs: step 2 value 0.7', flush=True)\n\
                  print(json.dumps({'attr': 'epochs_run', 'value': 2}))\n\
                  print(json.dumps({'attr': 'optimizer', 'value': 'adam'}))\n\
                  print(json.dumps({'value': n + 0.5}))";
    std::fs::write(dir.path().join("train.py"), script).unwrap();
    let study = command_study("python3 train.py", dir.path(), 3);
    let objective: Arc<dyn Objective> = Arc::from(study.objective.build().unwrap());
    let handle = runner::start(study, objective, 2, None).unwrap();
    let mut streamed = Vec::new();
    for event in handle.events.iter() {
        if let Event::TrialProgress {
            number,
            step,
            value,
        } = event
        {
            streamed.push((number, step, value));
        }
    }
    let study = handle.join().unwrap();
    let curve = vec![
        Intermediate {
            step: 1,
            value: 0.9,
        },
        Intermediate {
            step: 2,
            value: 0.7,
        },
    ];
    assert_eq!(study.trials.len(), 3);
    for (n, t) in study.trials.iter().enumerate() {
        assert_eq!(t.state, TrialState::Complete, "{:?}", t.failure());
        assert_eq!(t.value, Some(n as f64 + 0.5));
        assert_eq!(t.intermediate, curve);
        assert_eq!(t.attrs["epochs_run"], AttrValue::Number(2.0));
        assert_eq!(t.attrs["optimizer"], AttrValue::Text("adam".into()));
        let r = t.resources.unwrap();
        assert!(r.wall_seconds > 0.0 && r.peak_rss_bytes.is_some_and(|b| b > 0));
        for step in [1, 2] {
            assert!(streamed.iter().any(|&(num, s, _)| num == n && s == step));
        }
    }
}

#[test]
fn stop_ends_a_running_trial_and_its_group_and_drops_the_trial() {
    let dir = tempfile::tempdir().unwrap();
    let study = command_study(
        "sh -c 'echo $$ >> pids; sleep 1000 & sleep 1000'",
        dir.path(),
        5,
    );
    let objective: Arc<dyn Objective> = Arc::from(study.objective.build().unwrap());
    let handle = runner::start(study, objective, 2, None).unwrap();
    let pids = dir.path().join("pids");
    assert!(within(Duration::from_secs(20), || groups_in(&pids).len() == 2));
    handle.commands.send(Command::Stop).unwrap();
    let mut reason = None;
    for event in handle.events.iter() {
        match event {
            Event::TrialFinished(t) => panic!("trial {} finished: {:?}", t.number, t.state),
            Event::StudyFinished { reason: r, .. } => reason = Some(r),
            _ => {}
        }
    }
    assert_eq!(reason, Some(FinishReason::Stopped));
    let study = handle.join().unwrap();
    // Nothing was recorded as finished: the stopped trials stay in the study as running,
    // the holes a resume asks again.
    assert!(
        study.trials.iter().all(|t| t.state == TrialState::Running),
        "stopped trials are asked again on resume"
    );
    assert!(all_gone(&groups_in(&pids)), "processes survived Stop");
}

#[test]
fn a_failed_trial_keeps_its_curve_and_what_it_cost() {
    let dir = tempfile::tempdir().unwrap();
    let study = command_study(
        "sh -c 'echo knobs: step 1 value 0.8; echo out of patience >&2; exit 4'",
        dir.path(),
        1,
    );
    let objective: Arc<dyn Objective> = Arc::from(study.objective.build().unwrap());
    let handle = runner::start(study, objective, 1, None).unwrap();
    for _ in handle.events.iter() {}
    let study = handle.join().unwrap();
    let t = &study.trials[0];
    let reason = t.failure().unwrap();
    assert!(reason.contains("exited with code 4"), "{reason}");
    assert!(reason.contains("out of patience"), "{reason}");
    assert_eq!(
        t.intermediate,
        [Intermediate {
            step: 1,
            value: 0.8
        }]
    );
    let r = t.resources.expect("a failed command's cost is recorded");
    assert!(r.wall_seconds > 0.0, "{r:?}");
}
