//! What the write-ahead journal costs a fast study: a 5,000-trial random search on Branin
//! through the real runner, without a storage and with a journal on disk (every trial's start
//! and result appended and fsynced, in groups, before it is reported), for 1 and 2 workers.
//!
//! ```text
//! cargo run --release -p knobs-core --example bench_journal -- [--trials 5000] [--repeats 7] [--dir DIR]
//!     [--jobs 1,2] [--only none|journal]
//! ```
//!
//! `--dir` is where the journals go (default: a temporary folder under the current one, so
//! the disk is the one a study would use rather than a RAM-backed /tmp). Each repeat runs
//! the study without and then with a journal, back to back; a row gives the median wall time
//! of each kind, from `start` until the study is handed back (which waits for the last
//! commit), and the median, least and greatest ratio of the repeats' pairs. The goal is a
//! ratio of at most 1.2 with 2 jobs. `--only` makes one kind of run (for callgrind, whose
//! instruction counts repeat where wall times do not; the read-back check is skipped then, so
//! the count is the run's alone). It lives in the core's examples so a
//! release build of it needs no GUI crate.

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

/// One run; its wall seconds and the number of trials the listener saw finish. With
/// `check`, the journal is read back afterwards (untimed) and must hold every trial.
fn run_once(trials: usize, jobs: usize, journal: Option<&Path>, check: bool) -> (f64, usize) {
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
    if let Some(p) = journal.filter(|_| check) {
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

/// Which runs each repeat makes: both (alternating, back to back), or one kind only (for
/// callgrind, which counts one kind per process).
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Both,
    Plain,
    Journal,
}

struct Options {
    trials: usize,
    repeats: usize,
    dir: Option<PathBuf>,
    jobs: Vec<usize>,
    mode: Mode,
}

fn options() -> Options {
    let mut o = Options {
        trials: 5000,
        repeats: 7,
        dir: None,
        jobs: vec![1, 2],
        mode: Mode::Both,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--trials" => o.trials = value().parse().expect("--trials takes a number"),
            "--repeats" => o.repeats = value().parse().expect("--repeats takes a number"),
            "--dir" => o.dir = Some(PathBuf::from(value())),
            "--jobs" => {
                o.jobs = value()
                    .split(',')
                    .map(|j| j.parse().expect("--jobs takes numbers, comma-separated"))
                    .collect();
            }
            "--only" => {
                o.mode = match value().as_str() {
                    "none" => Mode::Plain,
                    "journal" => Mode::Journal,
                    other => panic!("--only takes none or journal, not {other}"),
                }
            }
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

fn main() {
    let o = options();
    let tmp = match &o.dir {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir_in("."),
    }
    .expect("a folder for the journals");
    let trials = o.trials;
    println!(
        "random search on Branin, {trials} trials, {} runs of each kind, alternating",
        o.repeats
    );
    println!(
        "{:<6} {:>12} {:>12} {:>8} {:>8} {:>8} {:>11} {:>10}",
        "jobs", "none s", "journal s", "ratio", "min", "max", "journal MB", "trials/s"
    );
    for &jobs in &o.jobs {
        let mut plain = Vec::new();
        let mut journaled = Vec::new();
        let path = tmp.path().join(format!("bench-{jobs}.journal"));
        for _ in 0..o.repeats {
            if o.mode != Mode::Journal {
                let (s, n) = run_once(trials, jobs, None, o.mode == Mode::Both);
                assert_eq!(n, trials);
                plain.push(s);
            }
            if o.mode != Mode::Plain {
                let (s, n) = run_once(trials, jobs, Some(&path), o.mode == Mode::Both);
                assert_eq!(n, trials);
                journaled.push(s);
            }
        }
        // Each repeat's ratio, of the two runs made back to back: the machine's load drifts
        // less within a pair than across the whole series.
        let ratios: Vec<f64> = journaled.iter().zip(&plain).map(|(j, p)| j / p).collect();
        let (lo, hi) = ratios.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), r| {
            (lo.min(*r), hi.max(*r))
        });
        let p = if plain.is_empty() {
            f64::NAN
        } else {
            median(plain)
        };
        let j = if journaled.is_empty() {
            f64::NAN
        } else {
            median(journaled)
        };
        let r = if ratios.is_empty() {
            f64::NAN
        } else {
            median(ratios)
        };
        let mb = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        let rate = trials as f64 / if j.is_nan() { p } else { j };
        println!(
            "{jobs:<6} {p:>12.4} {j:>12.4} {r:>7.3}x {lo:>7.3}x {hi:>7.3}x {mb:>11.2} {rate:>10.0}"
        );
    }
}
