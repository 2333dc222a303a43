//! How many trials a warm start saves on the SVC suite: an RBF SVC tuned on one bundled
//! dataset seeds a study of the same SVC on another, against a cold start of the same
//! strategy and seed.
//!
//! For every seed, each dataset is tuned cold (`--trials` trials; the cold runs double as
//! the finished studies warm starts come from), then every pair `source → target` is run
//! warm-started from the source's cold study of the same seed. The measure is the number of
//! trials a run needs before its best is within `--within` (default 0.005) of the cold
//! run's final best on the target; a run that never gets there counts as `--trials + 1`.
//!
//! ```text
//! cargo run --release -p knobs-core --example bench_warm_start -- \
//!     [--seeds 10] [--trials 25] [--within 0.005] [--strategy gp] [--threads 2]
//! ```

use knobs_core::models::{KernelKind, ModelSpec};
use knobs_core::objective::{DatasetSource, ModelTask, Objective, ObjectiveSpec};
use knobs_core::runner::run_to_end;
use knobs_core::strategy::StrategySpec;
use knobs_core::strategy::warm::{DEFAULT_FIRST, WarmStart};
use knobs_core::study::{Study, default_study};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The pairs measured: tuned on the first, warm-starting the second.
const PAIRS: &[(&str, &str)] = &[
    ("wine", "breast_cancer"),
    ("breast_cancer", "wine"),
    ("breast_cancer", "digits"),
    ("digits", "breast_cancer"),
];

struct Options {
    seeds: u64,
    trials: usize,
    within: f64,
    strategy: String,
    threads: usize,
}

fn options() -> Result<Options, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let parse = |flag: &str, default: f64| -> Result<f64, String> {
        value(flag).map_or(Ok(default), |s| {
            s.parse::<f64>().map_err(|e| format!("{flag} {s}: {e}"))
        })
    };
    Ok(Options {
        seeds: parse("--seeds", 10.0)? as u64,
        trials: parse("--trials", 25.0)? as usize,
        within: parse("--within", 0.005)?,
        strategy: value("--strategy").unwrap_or_else(|| "gp".into()),
        threads: parse("--threads", 2.0)?.max(1.0) as usize,
    })
}

/// The SVC study on `dataset`, cold.
fn study(dataset: &str, opts: &Options, seed: u64) -> Result<(Study, Arc<dyn Objective>), String> {
    let task = ModelTask::new(
        DatasetSource::Bundled(dataset.into()),
        ModelSpec::Svc {
            kernel: KernelKind::Rbf,
        },
    );
    let spec = ObjectiveSpec::from_model_task(task);
    let objective: Arc<dyn Objective> = Arc::from(spec.build().map_err(|e| e.to_string())?);
    let mut s = default_study();
    s.objective = spec;
    s.space = objective.default_space();
    s.direction = objective.direction();
    s.strategy = StrategySpec::from_name(&opts.strategy).map_err(|e| e.to_string())?;
    s.seed = seed;
    s.budget = opts.trials;
    Ok((s, objective))
}

fn run(study: Study, objective: Arc<dyn Objective>) -> Result<Study, String> {
    run_to_end(study, objective, 1)
        .map(|(s, _, _)| s)
        .map_err(|e| e.to_string())
}

/// Trials until the best so far is within `within` of `target` (maximised), or
/// `trials + 1` if never.
fn trials_to_reach(study: &Study, target: f64, within: f64) -> usize {
    study
        .best_so_far()
        .iter()
        .position(|b| b.is_some_and(|b| b >= target - within))
        .map_or(study.budget + 1, |i| i + 1)
}

/// Trials to the goal per `(source, target)` pair: `(cold, warm)`.
type PairCounts = BTreeMap<(String, String), (usize, usize)>;

/// One seed: every cold run, then every warm pair; `(source, target) → (cold, warm)`.
fn one_seed(opts: &Options, seed: u64) -> Result<PairCounts, String> {
    let mut cold = BTreeMap::new();
    for (source, target) in PAIRS {
        for d in [source, target] {
            if !cold.contains_key(*d) {
                let (s, o) = study(d, opts, seed)?;
                cold.insert(d.to_string(), run(s, o)?);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (source, target) in PAIRS {
        let old = &cold[*source];
        let base = &cold[*target];
        let (mut s, o) = study(target, opts, seed)?;
        let warm = WarmStart::from_study(old, &s.space, source, DEFAULT_FIRST)
            .map_err(|e| e.to_string())?;
        s.warm_start = Some(Box::new(warm));
        let warm_run = run(s, o)?;
        let goal = base
            .best_trial()
            .and_then(|t| t.completed_value())
            .ok_or("a cold run without a result")?;
        out.insert(
            (source.to_string(), target.to_string()),
            (
                trials_to_reach(base, goal, opts.within),
                trials_to_reach(&warm_run, goal, opts.within),
            ),
        );
    }
    Ok(out)
}

fn median(v: &mut [usize]) -> f64 {
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    }
}

fn main() -> Result<(), String> {
    let opts = options()?;
    let results = Mutex::new(Vec::new());
    let next = Mutex::new(0u64);
    std::thread::scope(|scope| {
        for _ in 0..opts.threads {
            scope.spawn(|| {
                loop {
                    let seed = {
                        let Ok(mut n) = next.lock() else { return };
                        let s = *n;
                        *n += 1;
                        s
                    };
                    if seed >= opts.seeds {
                        return;
                    }
                    let r = one_seed(&opts, seed);
                    if let Ok(mut all) = results.lock() {
                        all.push((seed, r));
                    }
                }
            });
        }
    });
    let mut all = results.into_inner().map_err(|e| e.to_string())?;
    all.sort_by_key(|(seed, _)| *seed);
    let mut by_pair: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
    for (seed, r) in all {
        for (pair, counts) in r.map_err(|e| format!("seed {seed}: {e}"))? {
            by_pair.entry(pair).or_default().push(counts);
        }
    }
    println!(
        "SVC (rbf), strategy {}, {} trials, seeds 0..{}; trials to within {} of the cold run's final best ({} = never)",
        opts.strategy,
        opts.trials,
        opts.seeds,
        opts.within,
        opts.trials + 1
    );
    println!(
        "| tuned on → new dataset | cold median | warm median | cold mean | warm mean | seeds warm faster / tied / slower |"
    );
    println!("|---|---|---|---|---|---|");
    for (source, target) in PAIRS {
        let key = (source.to_string(), target.to_string());
        let runs = by_pair.get(&key).cloned().unwrap_or_default();
        let mut c: Vec<usize> = runs.iter().map(|r| r.0).collect();
        let mut w: Vec<usize> = runs.iter().map(|r| r.1).collect();
        let n = runs.len().max(1) as f64;
        let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / n;
        let faster = runs.iter().filter(|r| r.1 < r.0).count();
        let tied = runs.iter().filter(|r| r.1 == r.0).count();
        println!(
            "| {source} → {target} | {:.1} | {:.1} | {:.1} | {:.1} | {faster} / {tied} / {} |",
            median(&mut c),
            median(&mut w),
            mean(&c),
            mean(&w),
            runs.len() - faster - tied
        );
    }
    Ok(())
}
