//! What a resume costs: adding one trial to a long study, by replaying every stored trial
//! through the strategy (how sessions without a saved strategy state resume) and by
//! restoring the strategy from the state the run saved with the study.
//!
//! ```text
//! cargo run --release -p knobs-core --example bench_resume -- \
//!     [--gp-trials 400] [--tpe-trials 2000] [--repeats 3]
//! ```
//!
//! Each study is Branin (the default study) run to its length through the real runner on
//! one worker, then saved as a session and loaded back; each resume adds one trial. The
//! table gives wall seconds of the whole resumed run (start to joined study, the one new
//! trial included), the best of `--repeats`, and checks that both resumes propose the same
//! new trial.
//!
//! It lives with the core, not beside the GUI-using examples of the `knobs` package, so a
//! release build of it needs no GUI or test-harness dependency.

use knobs_core::runner::run_to_end;
use knobs_core::session::Session;
use knobs_core::strategy::StrategySpec;
use knobs_core::study::{Study, default_study};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), String> {
    let mut gp_trials = 400;
    let mut tpe_trials = 2000;
    let mut repeats = 3;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let n: usize = value.parse().map_err(|e| format!("{flag} {value}: {e}"))?;
        match flag.as_str() {
            "--gp-trials" => gp_trials = n,
            "--tpe-trials" => tpe_trials = n,
            "--repeats" => repeats = n.max(1),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    println!(
        "| study | run to N (s) | replay resume (s) | restore resume (s) | replay / restore |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, n) in [("gp", gp_trials), ("tpe", tpe_trials)] {
        let mut study = default_study();
        study.strategy = StrategySpec::from_name(name).map_err(|e| e.to_string())?;
        study.budget = n;
        let t0 = Instant::now();
        let done = run(study)?;
        let run_seconds = t0.elapsed().as_secs_f64();
        let text = Session::new(done).to_ron().map_err(|e| e.to_string())?;
        let mut stored = Session::parse(&text, Path::new("bench.ron"))
            .map_err(|e| e.to_string())?
            .study;
        stored.budget = n + 1;
        if stored.strategy_state.is_none() {
            return Err(format!("the {name} run saved no strategy state"));
        }
        let mut without = stored.clone();
        without.strategy_state = None;
        let (replay_seconds, replayed) = best_of(repeats, &without)?;
        let (restore_seconds, restored) = best_of(repeats, &stored)?;
        let (a, b) = (replayed.trials.last(), restored.trials.last());
        if a.map(|t| (&t.point, t.value)) != b.map(|t| (&t.point, t.value)) {
            return Err(format!("{name}: the two resumes proposed different trials"));
        }
        println!(
            "| {name}, {n} → {} | {run_seconds:.2} | {replay_seconds:.3} | {restore_seconds:.4} | {:.0}× |",
            n + 1,
            replay_seconds / restore_seconds
        );
    }
    Ok(())
}

fn run(study: Study) -> Result<Study, String> {
    let objective = study.objective.build().map_err(|e| e.to_string())?;
    run_to_end(study, Arc::from(objective), 1)
        .map(|(s, _, _)| s)
        .map_err(|e| e.to_string())
}

/// The fastest of `repeats` resumes of `study`, and the study it gave.
fn best_of(repeats: usize, study: &Study) -> Result<(f64, Study), String> {
    let mut best: Option<(f64, Study)> = None;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let done = run(study.clone())?;
        let seconds = t0.elapsed().as_secs_f64();
        if best.as_ref().is_none_or(|(b, _)| seconds < *b) {
            best = Some((seconds, done));
        }
    }
    best.ok_or_else(|| "no repeat ran".into())
}
