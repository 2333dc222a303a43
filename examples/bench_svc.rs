//! How fast and how exact Knobs' SVC objective is, beside scikit-learn.
//!
//! `cargo run --release --example bench_svc [-- --sklearn SKLEARN.json]`
//!
//! Prints (1) the time of one 5-fold evaluation at a few (C, gamma) on breast_cancer and
//! digits, single-threaded and with the folds on 2 threads, after the per-split inner
//! products are cached (the first evaluation's extra cost is printed separately); (2) a
//! 49-trial 7×7 grid run on digits through the runner, objective construction included;
//! (3) the largest deviation from scikit-learn's accuracies on the anchors' 7×7 grid on all
//! four datasets. With `--sklearn` (the JSON `examples/bench_svc_sklearn.py` writes, run in
//! the same session) it prints the time ratios Knobs / scikit-learn.

use knobs::models::{KernelKind, ModelSpec};
use knobs::objective::{DatasetSource, ModelObjective, ModelTask, Objective, ObjectiveSpec};
use knobs::space::{Domain, Param, Space, Value};
use knobs::strategy::StrategySpec;
use knobs::study::{Direction, Study};
use std::sync::Arc;
use std::time::Instant;

const POINTS: [(f64, f64); 4] = [(1.0, 0.01), (10.0, 0.001), (100.0, 0.1), (1000.0, 0.0001)];
const REPEATS: usize = 5;

fn task(name: &str) -> ModelTask {
    ModelTask::new(
        DatasetSource::Bundled(name.into()),
        ModelSpec::Svc {
            kernel: KernelKind::Rbf,
        },
    )
}

fn objective(name: &str, threads: usize) -> ModelObjective {
    match task(name).build() {
        Ok(o) => o.with_fold_threads(threads),
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::exit(1);
        }
    }
}

fn params(c: f64, gamma: f64) -> Vec<(String, Value)> {
    vec![
        ("C".to_string(), Value::Float(c)),
        ("gamma".to_string(), Value::Float(gamma)),
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time_eval(o: &ModelObjective, c: f64, gamma: f64) -> (f64, f64) {
    let mut times = Vec::new();
    let mut value = 0.0;
    for _ in 0..REPEATS {
        let t0 = Instant::now();
        value = o
            .evaluate(&params(c, gamma), false)
            .map(|e| e.value)
            .unwrap_or(f64::NAN);
        times.push(t0.elapsed().as_secs_f64());
    }
    (value, median(times))
}

fn grid_run(name: &str, jobs: usize, fold_threads: usize) -> (f64, f64) {
    let t0 = Instant::now();
    let o: Arc<dyn Objective> = Arc::new(objective(name, fold_threads));
    let log = |low, high| Domain::Float {
        low,
        high,
        log: true,
    };
    let study = Study {
        name: "bench".into(),
        description: String::new(),
        description_zh: String::new(),
        direction: Direction::Maximize,
        objective: ObjectiveSpec::from_model_task(task(name)),
        space: Space::new(vec![
            Param::new("C", log(1e-2, 1e3)),
            Param::new("gamma", log(1e-4, 1e1)),
        ])
        .unwrap_or_default(),
        strategy: StrategySpec::Grid(knobs::strategy::GridSettings { points: 7 }),
        seed: 0,
        budget: 49,
        window: None,
        trials: Vec::new(),
        pruner: Default::default(),
        resource_budget: None,
        strategy_state: None,
        adaptive: Default::default(),
        warm_start: None,
    };
    let best = match knobs::runner::run_to_end(study, o, jobs) {
        Ok((study, _, _)) => study.best_trial().and_then(|t| t.value).unwrap_or(f64::NAN),
        Err(e) => {
            eprintln!("grid run: {e}");
            f64::NAN
        }
    };
    (t0.elapsed().as_secs_f64(), best)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sklearn: Option<serde_json::Value> = args
        .iter()
        .position(|a| a == "--sklearn")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| serde_json::from_str(&s).ok());
    let sk_eval = |name: &str, c: f64, g: f64| -> Option<f64> {
        sklearn.as_ref()?["per_eval"][name]
            .as_array()?
            .iter()
            .find(|r| r["C"].as_f64() == Some(c) && r["gamma"].as_f64() == Some(g))?["seconds"]
            .as_f64()
    };
    let ratio = |ours: f64, theirs: Option<f64>| match theirs {
        Some(t) if t > 0.0 => format!("{:>6.2}x", ours / t),
        _ => "      -".into(),
    };

    println!("## One 5-fold evaluation (median of {REPEATS}), per-split inner products cached\n");
    println!(
        "| dataset | C | gamma | accuracy | knobs 1 thread ms | knobs 2 threads ms | sklearn ms | ratio 1t | ratio 2t |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for name in ["breast_cancer", "digits"] {
        let t0 = Instant::now();
        let one = objective(name, 1);
        let build = t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let _ = one.evaluate(&params(1.0, 0.01), false);
        let first = t0.elapsed().as_secs_f64();
        let two = objective(name, 2);
        let _ = two.evaluate(&params(1.0, 0.01), false);
        for (c, g) in POINTS {
            let (v1, t1) = time_eval(&one, c, g);
            let (v2, t2) = time_eval(&two, c, g);
            assert_eq!(v1, v2, "fold threads change nothing");
            let sk = sk_eval(name, c, g);
            println!(
                "| {name} | {c} | {g} | {v1:.6} | {:.1} | {:.1} | {} | {} | {} |",
                t1 * 1e3,
                t2 * 1e3,
                sk.map_or("-".into(), |s| format!("{:.1}", s * 1e3)),
                ratio(t1, sk),
                ratio(t2, sk)
            );
        }
        println!(
            "\n{name}: loading + standardising {:.1} ms; first evaluation (computes the inner products) {:.1} ms\n",
            build * 1e3,
            first * 1e3
        );
    }

    println!("## 49-trial 7x7 grid on digits through the runner (objective built inside)\n");
    let sk_grid = sklearn
        .as_ref()
        .and_then(|s| s["grid"]["digits"]["seconds"].as_f64());
    println!("| jobs | fold threads | wall s | best | sklearn s (1 process) | ratio |");
    println!("|---|---|---|---|---|---|");
    for (jobs, threads) in [(1, 1), (1, 2), (2, 1)] {
        let (wall, best) = grid_run("digits", jobs, threads);
        println!(
            "| {jobs} | {threads} | {wall:.2} | {best:.6} | {} | {} |",
            sk_grid.map_or("-".into(), |s| format!("{s:.2}")),
            ratio(wall, sk_grid)
        );
    }

    println!("\n## Deviation from scikit-learn on the anchors' 7x7 grid\n");
    let fixture: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/svc_sklearn_grid.json"
    )))
    .unwrap_or_default();
    println!("| dataset | identical | max abs deviation |");
    println!("|---|---|---|");
    for name in ["breast_cancer", "wine", "digits", "moons"] {
        let o = objective(name, 2);
        let rows = fixture["datasets"][name]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let (mut same, mut worst) = (0, 0.0f64);
        for r in &rows {
            let (c, g, want) = (
                r[0].as_f64().unwrap_or(f64::NAN),
                r[1].as_f64().unwrap_or(f64::NAN),
                r[2].as_f64().unwrap_or(f64::NAN),
            );
            let got = o
                .evaluate(&params(c, g), false)
                .map_or(f64::NAN, |e| e.value);
            let d = (got - want).abs();
            if d < 1e-12 {
                same += 1;
            }
            worst = worst.max(d);
        }
        println!("| {name} | {same}/{} | {worst:.2e} |", rows.len());
    }
}
