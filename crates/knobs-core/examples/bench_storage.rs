//! Storage throughput: trials a second through the journal, SQLite and PostgreSQL on a
//! near-instant objective (random search on Branin through the real runner, in-process, one
//! job: every trial's start and result made durable before it is reported, in group commits),
//! and the time to open a 10,000-trial study from each. `examples/bench_storage_optuna.py`
//! measures Optuna 5.0's RDB storage on the same databases and study size.
//!
//! ```text
//! cargo run --release -p knobs-core --example bench_storage -- [--trials 2000] [--big 10000] \
//!     [--dir DIR] [--pg postgresql://knobs@/db?host=/socket/dir&port=N]
//! ```
//!
//! Without `--pg` the PostgreSQL rows are skipped. The database given is written to (one new
//! study per row, named with the process id).

use knobs_core::objective::ObjectiveSpec;
use knobs_core::runner::{self, Event};
use knobs_core::storage::journal::{self, JournalStorage};
use knobs_core::storage::rdb::{self, RdbStorage};
use knobs_core::storage::url::StorageUrl;
use knobs_core::storage::{Storage, StorageError};
use knobs_core::strategy::StrategySpec;
use knobs_core::study::Study;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn study(name: &str, trials: usize) -> Study {
    let mut s = knobs_core::study::default_study();
    s.objective = ObjectiveSpec::from_name("branin").expect("branin is built in");
    s.strategy = StrategySpec::Random;
    s.budget = trials;
    s.seed = 1;
    s.name = format!("{name} {}", std::process::id());
    s
}

/// A new storage for `s` at `url`.
fn create(url: &StorageUrl, s: &Study) -> Result<Box<dyn Storage>, StorageError> {
    Ok(match url {
        StorageUrl::Journal(p) => Box::new(JournalStorage::create(p, s)?),
        _ => Box::new(RdbStorage::create(rdb::connect(url, true)?, s)?),
    })
}

/// Trials a second of one run of `trials` through a new study at `url`.
fn throughput(url: &StorageUrl, trials: usize) -> f64 {
    let s = study("throughput", trials);
    let objective = Arc::from(s.objective.build().expect("branin builds"));
    let storage = create(url, &s).expect("the storage opens");
    let t0 = Instant::now();
    let handle = runner::start_with(s, objective, 1, None, Some(storage)).expect("the run starts");
    let finished = handle
        .events
        .iter()
        .filter(|e| matches!(e, Event::TrialFinished(_)))
        .count();
    let done = handle.join().expect("the runner finishes");
    assert_eq!((done.trials.len(), finished), (trials, trials));
    trials as f64 / t0.elapsed().as_secs_f64()
}

/// Seconds to open (read whole) a `big`-trial study at `url`, written first by a run.
fn opening(url: &StorageUrl, big: usize) -> f64 {
    let s = study("open", big);
    let name = s.name.clone();
    let objective = Arc::from(s.objective.build().expect("branin builds"));
    let storage = create(url, &s).expect("the storage opens");
    let handle = runner::start_with(s, objective, 2, None, Some(storage)).expect("the run starts");
    let _: Vec<Event> = handle.events.iter().collect();
    let done = handle.join().expect("the runner finishes");
    let t0 = Instant::now();
    let back = match url {
        StorageUrl::Journal(p) => journal::read_study(p, Some(&name)),
        _ => rdb::read(url, Some(&name)),
    }
    .expect("the study reads back");
    let seconds = t0.elapsed().as_secs_f64();
    assert_eq!(back.study.trials, done.trials);
    seconds
}

fn main() {
    let mut trials = 2000;
    let mut big = 10_000;
    let mut dir: Option<PathBuf> = None;
    let mut pg: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().expect("every flag takes a value");
        match a.as_str() {
            "--trials" => trials = value.parse().expect("--trials N"),
            "--big" => big = value.parse().expect("--big N"),
            "--dir" => dir = Some(value.into()),
            "--pg" => pg = Some(value),
            other => panic!("unknown flag {other}"),
        }
    }
    let tmp = tempfile::Builder::new()
        .prefix("bench-storage")
        .tempdir_in(dir.unwrap_or_else(|| ".".into()))
        .expect("the folder is writable");
    let mut rows: Vec<(&str, StorageUrl, StorageUrl)> = vec![
        (
            "journal",
            StorageUrl::Journal(tmp.path().join("t.journal")),
            StorageUrl::Journal(tmp.path().join("big.journal")),
        ),
        (
            "sqlite",
            StorageUrl::Sqlite(tmp.path().join("bench.db")),
            StorageUrl::Sqlite(tmp.path().join("bench.db")),
        ),
    ];
    if let Some(pg) = pg {
        let url = StorageUrl::parse(&pg).expect("--pg is a PostgreSQL URL");
        rows.push(("postgresql", url.clone(), url));
    }
    println!("storage     trials/s ({trials} trials, 1 job)   open {big} trials (s)");
    for (name, small, large) in rows {
        let rate = throughput(&small, trials);
        let open = opening(&large, big);
        println!("{name:<11} {rate:>10.0}                       {open:>8.3}");
    }
}
