//! Throughput with worker processes: trials a second of a study run by a coordinator
//! (`knobs run --storage URL --workers`) and 1, 4 or 16 `knobs worker` processes on a
//! near-instant objective (random search on Branin), through the journal, SQLite and
//! PostgreSQL. `examples/bench_storage_optuna.py --workers 1,4,16` is Optuna 5.0's side (N
//! processes running `study.optimize` on one RDB storage).
//!
//! ```text
//! cargo build --release --no-default-features
//! cargo run --release -p knobs-core --example bench_workers -- --knobs target/release/knobs \
//!     [--trials 1000] [--workers 1,4,16] [--dir DIR] [--pg postgresql://knobs@/db?host=/socket&port=N]
//! ```
//!
//! The time is the coordinator's whole life (it creates the study, the workers are started
//! beside it and exit once it has recorded the end), so process starts are counted too; use
//! enough trials that they do not matter. Without `--pg` the PostgreSQL rows are skipped; the
//! database given gets one new study per row, named with the process id and worker count.
//!
//! Measured 2026-11-30 (2 shared cores, PostgreSQL 15 with fsync on, 600 trials, each run
//! of the two sides back to back, Optuna 5.0 through `bench_storage_optuna.py --workers
//! 1,4,16`). The final code (batches of at most 32), load average 4 to 10 during the run:
//!
//! ```text
//! storage      Knobs 1 / 4 / 16 workers   Optuna 1 / 4 / 16       ratio
//! sqlite        951 / 1455 / 1379         68.0 / 17.5 / 15.8      14x / 83x / 87x
//! postgresql    919 / 1289 / 1032         30.3 / 41.7 / 17.2      30x / 31x / 60x
//! ```
//!
//! An earlier run (batches of at most 8) on a quieter machine, load average 2:
//!
//! ```text
//! sqlite       2063 / 2365 / 2069         95.5 / 84.2 / 48.5      22x / 28x / 43x
//! postgresql   1916 / 1938 / 1281         81.5 / 101.2 / 40.7     24x / 19x / 31x
//! ```
//!
//! Round trips to PostgreSQL per trial over a whole 600-trial run (process starts included):
//! 29.6 before the queue's statements were merged (1 worker), 0.55 / 0.57 / 1.55 after. On
//! this machine a durable commit costs 3-20 ms depending on the other processes' disk use,
//! so runs vary: the 1-worker case is bound by commits and moves with it most.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// A storage's URL for the study of a worker count.
type UrlOf<'a> = Box<dyn Fn(usize) -> String + 'a>;

/// Run one study of `trials` trials at `url` with `workers` worker processes; trials a second.
fn throughput(knobs: &Path, url: &str, name: &str, trials: usize, workers: usize) -> f64 {
    let t0 = Instant::now();
    let mut coordinator = Command::new(knobs)
        .args(["run", "--storage", url, "--workers", "--study", name])
        .args([
            "--objective",
            "branin",
            "--strategy",
            "random",
            "--seed",
            "1",
        ])
        .args(["--budget", &trials.to_string(), "--quiet"])
        .stdout(Stdio::null())
        .spawn()
        .expect("the coordinator starts");
    let mut children: Vec<Child> = (0..workers)
        .map(|_| {
            Command::new(knobs)
                .args(["worker", "--storage", url, "--study", name, "--quiet"])
                .stdout(Stdio::null())
                .spawn()
                .expect("a worker starts")
        })
        .collect();
    let status = coordinator.wait().expect("the coordinator ends");
    assert!(status.success(), "the coordinator failed on {url}");
    let seconds = t0.elapsed().as_secs_f64();
    for w in &mut children {
        let status = w.wait().expect("a worker ends");
        assert!(status.success(), "a worker failed on {url}");
    }
    trials as f64 / seconds
}

fn main() {
    let mut trials = 1000;
    let mut counts = vec![1, 4, 16];
    let mut dir: Option<PathBuf> = None;
    let mut pg: Option<String> = None;
    let mut knobs = PathBuf::from("target/release/knobs");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().expect("every flag takes a value");
        match a.as_str() {
            "--trials" => trials = value.parse().expect("--trials N"),
            "--workers" => {
                counts = value
                    .split(',')
                    .map(|n| n.trim().parse().expect("--workers 1,4,16"))
                    .collect();
            }
            "--dir" => dir = Some(value.into()),
            "--pg" => pg = Some(value),
            "--knobs" => knobs = value.into(),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(knobs.exists(), "{}: build it first", knobs.display());
    let tmp = tempfile::Builder::new()
        .prefix("bench-workers")
        .tempdir_in(dir.unwrap_or_else(|| ".".into()))
        .expect("the folder is writable");
    let mut storages: Vec<(&str, UrlOf)> = vec![
        (
            "journal",
            Box::new(|n| {
                format!(
                    "journal:{}",
                    tmp.path().join(format!("w{n}.journal")).display()
                )
            }),
        ),
        (
            "sqlite",
            Box::new(|n| format!("sqlite:{}", tmp.path().join(format!("w{n}.db")).display())),
        ),
    ];
    if let Some(pg) = pg {
        storages.push(("postgresql", Box::new(move |_| pg.clone())));
    }
    let header: Vec<String> = counts.iter().map(|n| format!("{n:>4} workers")).collect();
    println!("knobs workers, {trials} trials of random search on Branin: trials/s");
    println!("storage     {}", header.join("  "));
    for (storage, url_of) in &storages {
        let rates: Vec<String> = counts
            .iter()
            .map(|&n| {
                let name = format!("workers {n} {}", std::process::id());
                let rate = throughput(&knobs, &url_of(n), &name, trials, n);
                format!("{rate:>12.0}")
            })
            .collect();
        println!("{storage:<11} {}", rates.join(" "));
    }
}
