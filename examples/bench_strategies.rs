//! Strategy benchmark beside the anchors (`../shared/anchors`): the same synthetic suite
//! (Branin, Hartmann6, Rosenbrock 4-D, Ackley 5-D; 60 evaluations; seeds 0..9; simple
//! regret against the known minimum), the same SVC suite (RBF SVC, C and gamma on log
//! ranges, 5-fold CV accuracy on the anchors' fold files; breast_cancer, wine, digits,
//! moons; 49 trials; seeds 0..4) and the GP's time per trial as the study grows.
//!
//! ```text
//! cargo run --release --example bench_strategies -- [--suite synthetic|svc|growth|all]
//!     [--strategies gp,tpe,...] [--seeds 10] [--anchors DIR] [--growth-trials 1000] [--verbose]
//! ```
//!
//! `KNOBS_BENCH_DATASETS=wine,moons` restricts the SVC suite to some datasets.
//!
//! Each run goes through the real runner (one worker), so objectives with gradients give
//! them to the gradient strategy, and "strategy ms/trial" is the runner's own measure of
//! time spent inside `ask` and `tell` (what `knobs run --json` reports as
//! `strategy_seconds`). Runs are spread over the machine's cores; quality figures do not
//! depend on timing.

use knobs::models::ModelSpec;
use knobs::objective::{DatasetSource, ModelTask, Objective, ObjectiveSpec, SyntheticFn};
use knobs::runner::run_to_end;
use knobs::strategy::{GridSettings, STRATEGIES, StrategySpec};
use knobs::study::Study;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const FUNCTIONS: [(SyntheticFn, &str); 4] = [
    (SyntheticFn::Branin, "branin"),
    (SyntheticFn::Hartmann6, "hartmann6"),
    (SyntheticFn::Rosenbrock, "rosenbrock4"),
    (SyntheticFn::Ackley, "ackley5"),
];

struct Args {
    suite: String,
    strategies: Vec<String>,
    seeds: u64,
    anchors: PathBuf,
    growth_trials: usize,
    verbose: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        suite: "all".into(),
        strategies: STRATEGIES
            .iter()
            .map(|s| s.name.to_string())
            .filter(|n| n != "grid")
            .collect(),
        seeds: 10,
        anchors: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/anchors"),
        growth_trials: 1000,
        verbose: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--verbose" {
            args.verbose = true;
            continue;
        }
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--suite" => args.suite = value,
            "--strategies" => args.strategies = value.split(',').map(str::to_owned).collect(),
            "--seeds" => args.seeds = value.parse().unwrap_or(10),
            "--anchors" => args.anchors = value.into(),
            "--growth-trials" => args.growth_trials = value.parse().unwrap_or(1000),
            other => {
                eprintln!("unknown flag {other}");
                std::process::exit(2);
            }
        }
    }
    args
}

/// One run's final regret and strategy time.
fn run_once(strategy: &StrategySpec, f: SyntheticFn, seed: u64, budget: usize) -> (f64, f64) {
    let spec = ObjectiveSpec::Synthetic {
        function: f,
        dims: None,
    };
    let objective: Arc<dyn Objective> = Arc::from(spec.build().expect("synthetic objective"));
    let (study, strategy_seconds) = run_study(spec, objective, strategy.clone(), seed, budget);
    let best = study
        .trials
        .iter()
        .filter_map(|t| t.completed_value())
        .fold(f64::INFINITY, f64::min);
    (best - f.minimum(), strategy_seconds)
}

/// Run a fresh study of `objective` over its default space to the end, on one worker;
/// returns it and the seconds spent inside the strategy.
fn run_study(
    spec: ObjectiveSpec,
    objective: Arc<dyn Objective>,
    strategy: StrategySpec,
    seed: u64,
    budget: usize,
) -> (Study, f64) {
    let study = Study {
        name: String::new(),
        description: String::new(),
        description_zh: String::new(),
        direction: objective.direction(),
        space: objective.default_space(),
        objective: spec,
        strategy,
        seed,
        budget,
        window: None,
        pruner: Default::default(),
        resource_budget: None,
        trials: vec![],
        strategy_state: None,
        adaptive: Default::default(),
        warm_start: None,
    };
    let (study, _, strategy_seconds) = run_to_end(study, objective, 1).expect("run");
    (study, strategy_seconds)
}

/// Run `work` on every job over the machine's cores and gather the pairs it returns by key.
fn in_parallel<J: Send, K: Ord + Send>(
    jobs: Vec<J>,
    work: impl Fn(J) -> (K, (f64, f64)) + Sync,
) -> BTreeMap<K, Vec<(f64, f64)>> {
    let results = Mutex::new(BTreeMap::<K, Vec<(f64, f64)>>::new());
    let queue = Mutex::new(jobs.into_iter());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let job = queue.lock().expect("queue").next();
                    let Some(job) = job else { break };
                    let (key, r) = work(job);
                    results
                        .lock()
                        .expect("results")
                        .entry(key)
                        .or_default()
                        .push(r);
                }
            });
        }
    });
    results.into_inner().expect("results")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Three significant digits (whole numbers from 100 up).
fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// The tools the anchors ran on both suites (the SVC suite also has a grid).
const ANCHOR_TOOLS: [&str; 6] = [
    "random",
    "optuna_tpe",
    "optuna_cmaes",
    "optuna_qmc",
    "bayes_opt",
    "hyperopt_tpe",
];

/// (strategy, function) → (final regret, strategy seconds) per seed.
type Results = BTreeMap<(String, &'static str), Vec<(f64, f64)>>;

fn synthetic_suite(args: &Args, anchors: Option<&Json>) {
    let budget = 60;
    let mut jobs = vec![];
    for name in &args.strategies {
        let Ok(spec) = StrategySpec::from_name(name) else {
            eprintln!("unknown strategy {name}");
            continue;
        };
        for (f, _) in FUNCTIONS {
            for seed in 0..args.seeds {
                jobs.push((name.clone(), spec.clone(), f, seed));
            }
        }
    }
    let started = Instant::now();
    let results: Results = in_parallel(jobs, |(name, spec, f, seed)| {
        let r = run_once(&spec, f, seed, budget);
        let fname = FUNCTIONS.iter().find(|x| x.0 == f).map_or("?", |x| x.1);
        if args.verbose {
            eprintln!("{name} {fname} seed {seed}: regret {:.4e}", r.0);
        }
        ((name, fname), r)
    });
    println!(
        "\n## Final simple regret after {budget} evaluations: mean / median over seeds 0..{} \
         ({:.0} s)\n",
        args.seeds - 1,
        started.elapsed().as_secs_f64()
    );
    println!("| strategy | branin | hartmann6 | rosenbrock4 | ackley5 | strategy ms/trial |");
    println!("|---|---|---|---|---|---|");
    for name in &args.strategies {
        let mut row = format!("| knobs {name} |");
        let mut ms = vec![];
        for (_, fname) in FUNCTIONS {
            let Some(r) = results.get(&(name.clone(), fname)) else {
                row += " – |";
                continue;
            };
            let regrets: Vec<f64> = r.iter().map(|x| x.0).collect();
            let (mean, _) = mean_sd(&regrets);
            row += &format!(" {} / **{}** |", sig3(mean), sig3(median(regrets)));
            ms.extend(r.iter().map(|x| 1000.0 * x.1 / budget as f64));
        }
        row += &format!(" {:.2} |", median(ms));
        println!("{row}");
    }
    if let Some(a) = anchors {
        for tool in ANCHOR_TOOLS {
            let mut row = format!("| {tool} (anchor) |");
            let mut ms = vec![];
            for (_, fname) in FUNCTIONS {
                let s = &a["functions"][fname]["strategies"][tool];
                row += &format!(
                    " {} / **{}** |",
                    s["final_regret_mean"].as_f64().map_or("–".into(), sig3),
                    s["final_regret_median"].as_f64().map_or("–".into(), sig3)
                );
                if let Some(v) = s["overhead_ms_per_trial_median_of_runs"].as_f64() {
                    ms.push(v);
                }
            }
            row += &format!(" {:.2} (overhead) |", median(ms));
            println!("{row}");
        }
    }
}

/// (strategy, dataset index) → (best CV accuracy, strategy ms per trial) per seed.
type SvcResults = BTreeMap<(String, usize), Vec<(f64, f64)>>;

/// One SVC run: the dataset's index, the strategy's name and spec, the seed, and the
/// objective (spec and built) to run it on.
type SvcJob = (
    usize,
    String,
    StrategySpec,
    u64,
    ObjectiveSpec,
    Arc<dyn Objective>,
);

/// Best CV accuracy per (strategy, dataset) over seeds 0..4, beside the anchors.
fn svc_suite(args: &Args) {
    let anchors: Option<Json> = std::fs::read_to_string(args.anchors.join("results/svc.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok());
    let datasets = svc_datasets();
    let budget = 49;
    let seeds = args.seeds.min(5);
    let jobs = svc_jobs(args, &datasets, seeds);
    let started = Instant::now();
    let results: SvcResults = in_parallel(jobs, |(k, name, strategy, seed, spec, objective)| {
        let (study, secs) = run_study(spec, objective, strategy, seed, budget);
        let best = study
            .best_trial()
            .and_then(|t| t.completed_value())
            .unwrap_or(f64::NAN);
        if args.verbose {
            eprintln!("{name} {} seed {seed}: best {best:.4}", datasets[k]);
        }
        ((name, k), (best, 1000.0 * secs / budget as f64))
    });
    println!(
        "\n## SVC: best 5-fold CV accuracy, mean ± std over seeds 0..{} ({budget} trials, {:.0} s)\n",
        seeds - 1,
        started.elapsed().as_secs_f64()
    );
    println!(
        "| strategy | {} | strategy ms/trial |",
        datasets.join(" | ")
    );
    println!("|---|{}---|", "---|".repeat(datasets.len()));
    print_svc_rows(args, &datasets, &results);
    if let Some(a) = anchors {
        print_svc_anchors(&a, &datasets);
    }
}

/// The suite's datasets, or those of them `KNOBS_BENCH_DATASETS` names.
fn svc_datasets() -> Vec<&'static str> {
    let all = ["breast_cancer", "wine", "digits", "moons"];
    match std::env::var("KNOBS_BENCH_DATASETS") {
        Ok(list) => all
            .into_iter()
            .filter(|d| list.split(',').any(|x| x == *d))
            .collect(),
        Err(_) => all.to_vec(),
    }
}

/// Every run of the suite: each known strategy on every seed, and the 7×7 grid once, per
/// dataset.
fn svc_jobs(args: &Args, datasets: &[&str], seeds: u64) -> Vec<SvcJob> {
    let mut jobs = vec![];
    for (k, name) in datasets.iter().enumerate() {
        let task = ModelTask::new(
            DatasetSource::Bundled((*name).into()),
            ModelSpec::from_name("svc", None).expect("svc"),
        );
        let spec = ObjectiveSpec::from_model_task(task);
        let objective: Arc<dyn Objective> = Arc::from(spec.build().expect("bundled dataset"));
        let mut strategies: Vec<(String, StrategySpec, u64)> = vec![];
        for s in &args.strategies {
            let Ok(strategy) = StrategySpec::from_name(s) else {
                continue;
            };
            strategies.extend((0..seeds).map(|seed| (s.clone(), strategy.clone(), seed)));
        }
        strategies.push((
            "grid".into(),
            StrategySpec::Grid(GridSettings { points: 7 }),
            0,
        ));
        for (s, strategy, seed) in strategies {
            jobs.push((k, s, strategy, seed, spec.clone(), objective.clone()));
        }
    }
    jobs
}

/// Knobs' rows of the SVC table: the grid first, then each strategy's mean ± sd per dataset
/// and its median strategy time.
fn print_svc_rows(args: &Args, datasets: &[&str], results: &SvcResults) {
    let mut names: Vec<String> = vec!["grid".into()];
    names.extend(args.strategies.iter().filter(|s| *s != "grid").cloned());
    for name in &names {
        let mut row = format!("| knobs {name} |");
        let mut ms = vec![];
        for k in 0..datasets.len() {
            match results.get(&(name.clone(), k)) {
                Some(r) => {
                    let v: Vec<f64> = r.iter().map(|x| x.0).collect();
                    let (mean, sd) = mean_sd(&v);
                    row += &format!(" {mean:.4} ± {sd:.4} |");
                    ms.extend(r.iter().map(|x| x.1));
                }
                None => row += " – |",
            }
        }
        row += &format!(" {:.2} |", median(ms));
        println!("{row}");
    }
}

/// The mean and the sample standard deviation (0 for a single value).
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    } else {
        0.0
    };
    (mean, sd)
}

/// The anchors' rows of the SVC table: each tool's mean ± std and overhead, then the best
/// accuracy on the anchors' 40×40 oracle grid.
fn print_svc_anchors(a: &Json, datasets: &[&str]) {
    for tool in std::iter::once("grid").chain(ANCHOR_TOOLS) {
        let mut row = format!("| {tool} (anchor) |");
        let mut ms = vec![];
        for name in datasets {
            let s = &a["datasets"][name]["strategies"][tool];
            row += &format!(
                " {} ± {} |",
                s["best_mean"]
                    .as_f64()
                    .map_or("–".into(), |v| format!("{v:.4}")),
                s["best_std"]
                    .as_f64()
                    .map_or("–".into(), |v| format!("{v:.4}"))
            );
            if let Some(v) = s["overhead_ms_per_trial_mean"].as_f64() {
                ms.push(v);
            }
        }
        row += &format!(" {:.2} (overhead) |", median(ms));
        println!("{row}");
    }
    let mut row = "| oracle 40×40 (anchor) |".to_string();
    for name in datasets {
        let grid = &a["datasets"][name]["oracle"]["accuracy"];
        let best = grid
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_array())
            .flatten()
            .filter_map(|v| v.as_f64())
            .fold(f64::NEG_INFINITY, f64::max);
        row += &format!(" {best:.4} |");
    }
    println!("{row} |");
}

/// The GP's time per trial as the study grows, on Branin, seed 0.
fn growth(args: &Args, anchors: Option<&Json>) {
    use knobs::strategy::Observation;
    let f = SyntheticFn::Branin;
    let spec = ObjectiveSpec::Synthetic {
        function: f,
        dims: None,
    };
    let objective = spec.build().expect("branin");
    let space = objective.default_space();
    let strategy = StrategySpec::from_name("gp").expect("gp");
    let mut s = strategy.build(&space, 0).expect("gp strategy");
    let n = args.growth_trials;
    let mut ms = Vec::with_capacity(n);
    let mut best = f64::INFINITY;
    for k in 0..n {
        let t0 = Instant::now();
        let sug = s.ask(k).expect("ask");
        let mut elapsed = t0.elapsed();
        let params = space.from_unit(&sug.point);
        let loss = objective.evaluate(&params, false).map(|e| e.value).ok();
        best = best.min(loss.unwrap_or(f64::INFINITY));
        let t1 = Instant::now();
        s.tell(Observation {
            number: k,
            point: &sug.point,
            loss,
            gradient: None,
        });
        elapsed += t1.elapsed();
        ms.push(elapsed.as_secs_f64() * 1000.0);
    }
    println!(
        "\n## GP time per trial on Branin (seed 0): ask + tell, ms; median of trials k−9..k\n"
    );
    println!("| trial k | knobs gp | bayes_opt (anchor) | optuna_tpe (anchor) |");
    println!("|---|---|---|---|");
    for k in [50usize, 100, 200, 500, 1000, 2000] {
        if k > n {
            break;
        }
        let window = median(ms[k - 10..k].to_vec());
        let anchor = |tool: &str| {
            anchors
                .and_then(|a| {
                    a["growth"]["strategies"][tool]["at"][k.to_string()]["window_median_ms"]
                        .as_f64()
                })
                .map_or("–".to_string(), |v| format!("{v:.1}"))
        };
        println!(
            "| {k} | {window:.2} | {} | {} |",
            anchor("bayes_opt"),
            anchor("optuna_tpe")
        );
    }
    println!("\nbest after {n} trials: regret {:.2e}", best - f.minimum());
}

fn main() {
    let args = parse_args();
    let anchors: Option<Json> =
        std::fs::read_to_string(args.anchors.join("results/synthetic.json"))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok());
    if anchors.is_none() {
        eprintln!(
            "(anchors not found under {}: printing Knobs' figures only)",
            args.anchors.display()
        );
    }
    if matches!(args.suite.as_str(), "synthetic" | "all") {
        synthetic_suite(&args, anchors.as_ref());
    }
    if matches!(args.suite.as_str(), "svc" | "all") {
        svc_suite(&args);
    }
    if matches!(args.suite.as_str(), "growth" | "all") {
        growth(&args, anchors.as_ref());
    }
}
