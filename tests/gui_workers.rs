//! The window as the coordinator of external `knobs worker` processes, and its Workers view.
//!
//! A study run from the window with "external workers" on an SQLite storage, its trials
//! evaluated by real worker processes (the built binary), gives exactly the trials of an
//! in-process run of the same study and seed (the runner's determinism contract), and the
//! Workers view lists those processes with done counts that sum to the trials. Waits pump
//! frames until a condition holds, within a generous bound; nothing is timed.
//!
//! The snapshot draws the Workers view from fixed worker rows, so it is deterministic;
//! regenerate with `UPDATE_SNAPSHOTS=1 cargo test --test gui_workers` and look at the PNG.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use knobs::gui::KnobsApp;
use knobs::gui::shared::{Role, SharedStudy};
use knobs::gui::state::{RunState, Tab, Workbench};
use knobs::gui::workers::WorkersRead;
use knobs::runner::FinishReason;
use knobs::storage::queue::{WorkerId, WorkerStatus};
use knobs::storage::url::StorageUrl;
use knobs::study::Study;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any wait may take before the test fails (the machine may be very busy).
const BOUND: Duration = Duration::from_secs(300);

/// GP-BO on Branin: instant trials, and a strategy whose points depend on every result.
fn study() -> Study {
    let mut study = Workbench::branin_study();
    study.name = "branin with workers".into();
    study.budget = 12;
    study
}

/// The same study run in this process on two threads, to the end.
fn in_process() -> Study {
    let mut bench = Workbench::new(study());
    bench.workers.jobs = 2;
    bench.run();
    bench.finish_blocking();
    assert_eq!(
        bench.run_state(),
        RunState::Finished(FinishReason::BudgetSpent)
    );
    bench.study().clone()
}

fn worker(dir: &Path, url: &str, name: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_knobs"))
        .env("KNOBS_CONFIG_DIR", dir)
        .args([
            "worker",
            "--storage",
            url,
            "--study",
            name,
            "--heartbeat-every",
            "0.2",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Pump frames until `done` holds, within [`BOUND`] (the workers are other processes: the
/// window has nothing to do between their writes, so each frame yields a moment).
fn frames_until(
    harness: &mut Harness<'static, KnobsApp>,
    what: &str,
    done: impl Fn(&KnobsApp) -> bool,
) {
    let started = Instant::now();
    while !done(harness.state()) {
        assert!(
            started.elapsed() < BOUND,
            "waited too long for {what}: {}",
            harness.state().bench.status
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Everything two runs of one seed must share: all but times.
fn assert_same_trials(a: &Study, b: &Study) {
    assert_eq!(a.trials.len(), b.trials.len());
    for (x, y) in a.trials.iter().zip(&b.trials) {
        assert_eq!(x.number, y.number);
        assert_eq!(x.params, y.params, "trial {}", x.number);
        assert_eq!(x.point, y.point, "trial {}", x.number);
        assert_eq!(x.state, y.state, "trial {}", x.number);
        assert_eq!(x.value, y.value, "trial {}", x.number);
    }
}

#[test]
fn a_window_coordinating_worker_processes_gives_the_in_process_trials_and_lists_the_workers() {
    let single = in_process();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("shared.db").display());
    let mut bench = Workbench::new(study());
    bench.workers.external = true;
    bench.workers.url = url.clone();
    bench.view.tab = Tab::Workers;
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(
            |ui, app: &mut KnobsApp| app.show(ui),
            KnobsApp::from_bench(bench),
        );
    harness.run_steps(1);
    // The command a worker host needs is shown before the run starts.
    harness.get_by_label_contains("knobs worker --storage");
    harness.state_mut().bench.run();
    frames_until(&mut harness, "the coordinator to start", |app| {
        app.bench.is_running()
    });
    let shared = harness.state().bench.shared.clone().unwrap();
    assert_eq!(shared.role, Role::Coordinating);
    assert_eq!(shared.study, "branin with workers");

    let mut workers: Vec<Child> = (0..2)
        .map(|_| worker(dir.path(), &url, "branin with workers"))
        .collect();
    frames_until(&mut harness, "the run to end", |app| {
        !app.bench.is_running()
    });
    assert_eq!(
        harness.state().bench.run_state(),
        RunState::Finished(FinishReason::BudgetSpent),
        "{}",
        harness.state().bench.status
    );
    let shown = harness.state().bench.study().clone();
    assert_same_trials(&shown, &single);

    // Each worker exits once the study is finished and nothing waits.
    let started = Instant::now();
    for w in &mut workers {
        while w.try_wait().unwrap().is_none() {
            assert!(started.elapsed() < BOUND, "a worker did not exit");
            harness.step();
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let pids: Vec<u32> = workers.iter().map(Child::id).collect();
    let trials = shown.trials.len();
    frames_until(
        &mut harness,
        "the Workers view to count every trial",
        |app| {
            matches!(&app.bench.workers.read, Some(Ok(read))
            if read.workers.iter().map(|w| w.done).sum::<usize>() == trials)
        },
    );
    let Some(Ok(read)) = harness.state().bench.workers.read.clone() else {
        unreachable!("checked above");
    };
    // Every row is one of the processes started here (one may have claimed nothing).
    assert!(!read.workers.is_empty());
    for w in &read.workers {
        assert!(
            pids.contains(&w.worker.pid),
            "{:?} not in {pids:?}",
            w.worker
        );
        assert_eq!(w.running, None);
        assert_eq!(w.failed, 0);
    }
    harness.run_steps(2);
    for w in &read.workers {
        harness.get_by_label(&w.worker.pid.to_string());
    }
    harness.get_by_label_contains("trial(s) done");
}

#[test]
fn a_storage_that_cannot_be_opened_is_said_in_the_window_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where the database file should be: SQLite cannot open it.
    let url = format!("sqlite:{}", dir.path().display());
    let mut bench = Workbench::new(study());
    bench.workers.external = true;
    bench.workers.url = url;
    bench.run();
    bench.wait_started(BOUND);
    assert!(!bench.is_running());
    let error = bench.error.clone().unwrap();
    assert!(error.contains("storage cannot be used"), "{error}");

    bench.error = None;
    bench.workers.url = "mysql://nobody@nowhere/db".into();
    bench.run();
    assert!(!bench.is_running());
    let error = bench.error.clone().unwrap();
    assert!(error.contains("not a storage Knobs knows"), "{error}");
}

#[test]
fn a_second_coordinator_is_refused_with_the_holder_s_pid_and_pause_and_stop_reach_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("shared.db").display());
    let mut first = Workbench::new(study());
    first.workers.external = true;
    first.workers.url = url.clone();
    first.run();
    first.wait_started(BOUND);
    assert!(first.is_running(), "{}", first.status);

    let mut second = Workbench::new(study());
    second.workers.external = true;
    second.workers.url = url;
    second.run();
    second.wait_started(BOUND);
    assert!(!second.is_running());
    let error = second.error.clone().unwrap();
    assert!(
        error.contains(&format!("pid {}", std::process::id())),
        "{error}"
    );

    // No worker is running: the coordinator waits, and hears Pause and Stop.
    first.command(knobs::runner::Command::Pause);
    assert_eq!(first.run_state(), RunState::Paused);
    first.command(knobs::runner::Command::Stop);
    first.finish_blocking();
    assert_eq!(first.run_state(), RunState::Finished(FinishReason::Stopped));
    assert!(first.study().trials.is_empty());
}

/// A worker row with fixed values.
fn row(
    host: &str,
    pid: u32,
    running: Option<usize>,
    ago: f64,
    done: usize,
    failed: usize,
) -> WorkerStatus {
    WorkerStatus {
        worker: WorkerId {
            host: host.into(),
            pid,
            token: format!("{host}-{pid}"),
        },
        running,
        last_heartbeat: 1_800_000_000.0 - ago,
        done,
        failed,
    }
}

#[test]
fn workers_view_snapshot() {
    let mut bench = Workbench::new(study());
    bench.shared = Some(SharedStudy {
        url: StorageUrl::Sqlite("/data/knobs/branin.db".into()),
        study: "branin with workers".into(),
        role: Role::Coordinating,
    });
    bench.workers.url = "sqlite:/data/knobs/branin.db".into();
    bench.workers.read = Some(Ok(WorkersRead {
        workers: vec![
            row("gpu-1", 4242, Some(17), 2.0, 12, 0),
            // Older than the heartbeat timeout: drawn in the warning colour.
            row("gpu-2", 977, Some(18), 95.0, 9, 1),
            row("laptop", 31337, None, 4.5, 3, 0),
        ],
        read_at: 1_800_000_000.0,
    }));
    let mut harness = Harness::builder()
        .with_size([900.0, 300.0])
        .wgpu()
        .build_ui_state(
            |ui, bench: &mut Workbench| knobs::gui::workers::show(ui, bench),
            bench,
        );
    harness.run_steps(2);
    harness.get_by_label("977");
    let options = SnapshotOptions::new().max_failed_pixels(500);
    harness.snapshot_options("workers", &options);
}
