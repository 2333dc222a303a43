//! Pruning in the runner: a synthetic objective that trains in steps and reports a learning
//! curve whose final value is known, run with and without pruners; the same trials are
//! pruned at the same steps whatever the number of threads; the resource budget stops a run.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs_core::objective::{
    Evaluation, Objective, ObjectiveError, ObjectiveSpec, TrialContext, Verdict,
};
use knobs_core::pruner::PrunerSpec;
use knobs_core::runner;
use knobs_core::space::{Params, Space, parse_param};
use knobs_core::strategy::StrategySpec;
use knobs_core::study::{Direction, Study, TrialState};
use std::sync::Arc;

/// Steps every curve runs for when nobody stops it.
const STEPS: u64 = 12;

/// An accuracy-like curve: at step k of 1..=12, `q · (1 − e^(−k/3))` with quality
/// `q = 1 − (x − 0.3)²`. Every curve has the same shape, so the ranking at any step is the
/// ranking of the final values, and the final value of each point is known.
struct Curves;

impl Curves {
    fn value(x: f64, step: u64) -> f64 {
        let q = 1.0 - (x - 0.3) * (x - 0.3);
        q * (1.0 - (-(step as f64) / 3.0).exp())
    }
}

impl Objective for Curves {
    fn evaluate(&self, p: &Params, g: bool) -> Result<Evaluation, ObjectiveError> {
        self.evaluate_in(p, g, &TrialContext::detached())
    }

    fn evaluate_in(
        &self,
        p: &Params,
        _: bool,
        context: &TrialContext,
    ) -> Result<Evaluation, ObjectiveError> {
        let x = knobs_core::objective::numeric(p, "x")?;
        for step in 1..=STEPS {
            let value = Self::value(x, step);
            if context.report(step, value) == Verdict::Prune {
                return Err(ObjectiveError::Pruned { step, value });
            }
        }
        Ok(Evaluation::value(Self::value(x, STEPS)))
    }

    fn default_space(&self) -> Space {
        Space::new(vec![parse_param("x=0..1").unwrap()]).unwrap()
    }

    fn direction(&self) -> Direction {
        Direction::Maximize
    }
}

fn study(strategy: StrategySpec, pruner: &str, budget: usize) -> Study {
    let mut study = knobs_core::study::default_study();
    study.name = "curves".into();
    study.objective = ObjectiveSpec::default();
    study.space = Curves.default_space();
    study.direction = Direction::Maximize;
    study.strategy = strategy;
    study.pruner = PrunerSpec::from_name(pruner).unwrap();
    study.seed = 5;
    study.budget = budget;
    study
}

fn run(study: Study, jobs: usize) -> Study {
    runner::run_to_end(study, Arc::new(Curves), jobs).unwrap().0
}

/// What must not change between runs: each trial's point, state and curve.
fn outcome(study: &Study) -> Vec<(usize, Vec<u64>, TrialState, Vec<u64>)> {
    study
        .trials
        .iter()
        .map(|t| {
            (
                t.number,
                t.point.iter().map(|u| u.to_bits()).collect(),
                t.state.clone(),
                t.intermediate.iter().map(|p| p.value.to_bits()).collect(),
            )
        })
        .collect()
}

#[test]
fn median_and_asha_prune_the_bad_curves_keep_the_best_and_save_resource() {
    // Random search proposes the same points with or without a pruner, so the runs compare
    // trial for trial.
    let plain = run(study(StrategySpec::Random, "none", 40), 2);
    assert_eq!(plain.pruned(), 0);
    assert_eq!(plain.resource_used(), 40 * STEPS);
    let best = plain.best_trial().unwrap().clone();
    // Median keeps half at every step once 5 trials completed; ASHA keeps a quarter per rung.
    for (name, most) in [("median", 0.8), ("asha", 0.5)] {
        let pruned = run(study(StrategySpec::Random, name, 40), 2);
        assert_eq!(pruned.trials.len(), 40, "{name}");
        assert!(pruned.pruned() >= 10, "{name}: {} pruned", pruned.pruned());
        eprintln!(
            "{name}: {} pruned, resource {} of {}",
            pruned.pruned(),
            pruned.resource_used(),
            plain.resource_used()
        );
        assert!(
            (pruned.resource_used() as f64) < most * plain.resource_used() as f64,
            "{name}: {} of {}",
            pruned.resource_used(),
            plain.resource_used()
        );
        // The best trial is never pruned, and is still the best.
        let kept = pruned.best_trial().unwrap();
        assert_eq!(
            (kept.number, kept.value),
            (best.number, best.value),
            "{name}"
        );
        for (t, full) in pruned.trials.iter().zip(&plain.trials) {
            assert_eq!(t.point, full.point);
            if let TrialState::Pruned { step, value } = t.state {
                // Pruned where it said, with the curve up to there, and it was worse.
                assert_eq!(
                    t.intermediate.last().map(|p| (p.step, p.value)),
                    Some((step, value))
                );
                assert_eq!(t.resource(), step);
                assert!(
                    full.value.unwrap() < best.value.unwrap(),
                    "{name}: {}",
                    t.number
                );
            }
        }
    }
}

#[test]
fn the_same_trials_are_pruned_at_the_same_steps_with_one_or_several_threads() {
    for (strategy, pruner) in [
        (StrategySpec::Random, "median"),
        (StrategySpec::from_name("tpe").unwrap(), "asha"),
        (StrategySpec::Random, "hyperband"),
        (StrategySpec::from_name("tpe").unwrap(), "percentile"),
    ] {
        let one = run(study(strategy.clone(), pruner, 30), 1);
        assert!(one.pruned() > 0, "{pruner}: nothing pruned");
        for jobs in [2, 4] {
            let many = run(study(strategy.clone(), pruner, 30), jobs);
            assert_eq!(outcome(&many), outcome(&one), "{pruner}, {jobs} jobs");
        }
    }
}

#[test]
fn strategies_are_told_a_pruned_trial_s_last_value() {
    let done = run(
        study(StrategySpec::from_name("tpe").unwrap(), "median", 25),
        1,
    );
    let t = done
        .trials
        .iter()
        .find(|t| t.pruned_at().is_some())
        .unwrap();
    let TrialState::Pruned { value, .. } = t.state else {
        unreachable!()
    };
    assert_eq!(t.told_value(), Some(value));
    assert_eq!(t.completed_value(), None);
}

#[test]
fn a_resource_budget_stops_asking_once_the_told_trials_used_it() {
    let mut s = study(StrategySpec::Random, "none", 1_000);
    s.resource_budget = Some(5 * STEPS);
    let one = run(s.clone(), 1);
    let two = run(s, 2);
    assert_eq!(outcome(&one), outcome(&two));
    assert!(one.resource_used() >= 5 * STEPS);
    // Random runs the fixed pruning window ahead, so up to that many asked trials finish
    // beyond the budget.
    assert!(
        one.trials.len() <= 5 + runner::PRUNING_WINDOW,
        "{} trials",
        one.trials.len()
    );
}

#[test]
fn a_pruned_study_saves_and_reads_back_with_its_pruner_and_pruned_trials() {
    let mut s = study(StrategySpec::Random, "asha", 20);
    s.pruner.set_option("reduction_factor=3").unwrap();
    let done = run(s, 2);
    let text = knobs_core::session::Session::new(done.clone())
        .to_ron()
        .unwrap();
    let back = knobs_core::session::Session::parse(&text, std::path::Path::new("s.ron")).unwrap();
    assert_eq!(back.study.pruner, done.pruner);
    assert_eq!(back.study.trials, done.trials);
    // An older session without a pruner reads as none.
    let mut old = done.clone();
    old.pruner = PrunerSpec::None;
    let text = knobs_core::session::Session::new(old).to_ron().unwrap();
    assert!(!text.contains("pruner"));
}
