//! What the write-ahead journal costs a fast study: a 5,000-trial random search on Branin
//! through the real runner, without a storage and with a journal on disk (every trial's start
//! and result appended and fsynced, in groups, before it is reported), for 1 and 2 workers.
//!
//! ```text
//! cargo run --release -p knobs-core --example bench_journal -- [--trials 5000] [--repeats 7] [--dir DIR]
//! ```
//!
//! `--dir` is where the journals go (default: a temporary folder under the current one, so
//! the disk is the one a study would use rather than a RAM-backed /tmp). Each row is the
//! median wall time of `--repeats` runs, from `start` until the study is handed back (which
//! waits for the last commit). The goal is a ratio of at most 1.2. It lives in the core's
//! examples so a release build of it needs no GUI crate.

use knobs_core::objective::ObjectiveSpec;
use knobs_core::runner::{self, Event};
use knobs_core::storage::journal::{self, JournalStorage};
use knobs_core::strategy::StrategySpec;
use knobs_core::study::Study;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn study(trials: usize) -> Study {
    let mut s = knobs_core::study::default_study();
    s.objective = ObjectiveSpec::from_name("branin").expect("branin is built in");
    s.strategy = StrategySpec::Random;
    s.budget = trials;
    s.seed = 1;
    s.name = "bench journal".into();
    s
}

/// One run; its wall seconds and the number of trials the listener saw finish.
fn run_once(trials: usize, jobs: usize, journal: Option<&Path>) -> (f64, usize) {
    let s = study(trials);
    let objective = Arc::from(s.objective.build().expect("branin builds"));
    let t0 = Instant::now();
    let storage = journal.map(|p| {
        Box::new(JournalStorage::create(p, &s).expect("the journal folder is writable"))
            as Box<dyn knobs_core::storage::Storage>
    });
    let handle = runner::start_with(s, objective, jobs, None, storage).expect("the run starts");
    let finished = handle
        .events
        .iter()
        .filter(|e| matches!(e, Event::TrialFinished(_)))
        .count();
    let done = handle.join().expect("the runner finishes");
    let seconds = t0.elapsed().as_secs_f64();
    assert_eq!(done.trials.len(), trials);
    if let Some(p) = journal {
        let back = journal::read(p).expect("the journal reads back");
        assert_eq!(
            back.study.trials, done.trials,
            "the journal holds every trial"
        );
    }
    (seconds, finished)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut trials = 5000;
    let mut repeats = 7;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--trials" => trials = value().parse().expect("--trials takes a number"),
            "--repeats" => repeats = value().parse().expect("--repeats takes a number"),
            "--dir" => dir = Some(PathBuf::from(value())),
            other => panic!("unknown argument {other}"),
        }
    }
    let tmp = match &dir {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir_in("."),
    }
    .expect("a folder for the journals");
    println!("random search on Branin, {trials} trials, median of {repeats} runs");
    println!(
        "{:<6} {:>14} {:>14} {:>9} {:>13} {:>12}",
        "jobs", "no journal s", "journal s", "ratio", "journal MB", "trials/s"
    );
    for jobs in [1, 2] {
        let mut plain = Vec::new();
        let mut journaled = Vec::new();
        let path = tmp.path().join(format!("bench-{jobs}.journal"));
        for _ in 0..repeats {
            let (s, n) = run_once(trials, jobs, None);
            assert_eq!(n, trials);
            plain.push(s);
            let (s, n) = run_once(trials, jobs, Some(&path));
            assert_eq!(n, trials);
            journaled.push(s);
        }
        let (p, j) = (median(plain), median(journaled));
        let mb = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        println!(
            "{jobs:<6} {p:>14.4} {j:>14.4} {:>8.2}x {mb:>13.2} {:>12.0}",
            j / p,
            trials as f64 / j
        );
    }
}
