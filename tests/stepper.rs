//! The stepper's promises: two phases per trial (propose, then evaluate on `Step`), the same
//! trials as the runner with a window of one, retunes that re-propose at once, the budget and
//! a finished grid respected, failures recorded as failed trials, and a thread that ends
//! when its commands do.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::gp::Acquisition;
use knobs::objective::{Evaluation, Objective, ObjectiveError, ObjectiveSpec};
use knobs::runner::{self, FinishReason};
use knobs::space::{Params, Space, parse_param};
use knobs::stepper::{self, StepCommand, StepEvent, StepHandle};
use knobs::strategy::{GpSettings, GridSettings, StrategySpec, Suggestion};
use knobs::study::{Direction, Study, Trial, TrialState};
use std::sync::Arc;
use std::time::Duration;

/// Longest wait for one event: a safety net so a broken stepper fails the test instead of
/// hanging it, never a timing assumption (events normally arrive in milliseconds).
const PATIENCE: Duration = Duration::from_secs(120);

fn branin(strategy: StrategySpec, budget: usize) -> Study {
    let mut study = knobs::cli::default_study();
    study.strategy = strategy;
    study.budget = budget;
    study.seed = 7;
    study
}

fn objective_of(study: &Study) -> Arc<dyn Objective> {
    Arc::from(study.objective.build().expect("the objective builds"))
}

fn start(study: &Study) -> StepHandle {
    stepper::start(study.clone(), objective_of(study), None).expect("the stepper starts")
}

fn next(handle: &StepHandle) -> StepEvent {
    handle
        .events
        .recv_timeout(PATIENCE)
        .expect("an event from the stepper")
}

/// The next proposal, skipping trial events; panics if step mode ends instead.
fn proposal(handle: &StepHandle) -> (usize, Suggestion, StrategySpec) {
    loop {
        match next(handle) {
            StepEvent::Proposed {
                number,
                suggestion,
                spec,
                ..
            } => return (number, suggestion, spec),
            StepEvent::Finished(reason) => panic!("step mode ended: {reason:?}"),
            _ => {}
        }
    }
}

/// Send `Step` after every proposal until step mode ends; the reason and the study.
fn step_to_end(study: &Study) -> (FinishReason, Study) {
    let handle = start(study);
    let reason = loop {
        match next(&handle) {
            StepEvent::Proposed { .. } => handle.commands.send(StepCommand::Step).unwrap(),
            StepEvent::Finished(reason) => break reason,
            _ => {}
        }
    };
    (reason, handle.join().unwrap())
}

/// What a trial is, apart from when it ran.
fn essence(
    t: &Trial,
) -> (
    usize,
    Vec<f64>,
    Params,
    TrialState,
    Option<f64>,
    Option<String>,
) {
    (
        t.number,
        t.point.clone(),
        t.params.clone(),
        t.state.clone(),
        t.value,
        t.label.clone(),
    )
}

#[test]
fn each_trial_is_proposed_then_evaluated_on_step() {
    let study = branin(StrategySpec::Random, 3);
    let handle = start(&study);
    let StepEvent::Proposed {
        number: 0,
        suggestion,
        ..
    } = next(&handle)
    else {
        panic!("the first event is the first proposal");
    };
    // Proposed, then waiting: nothing is evaluated without a command.
    assert!(handle.events.try_recv().is_err());
    handle.commands.send(StepCommand::Step).unwrap();
    let StepEvent::TrialStarted(started) = next(&handle) else {
        panic!("a step starts the proposed trial");
    };
    assert_eq!(started.number, 0);
    assert_eq!(started.point, suggestion.point);
    assert_eq!(started.state, TrialState::Running);
    let StepEvent::TrialFinished(finished) = next(&handle) else {
        panic!("then finishes it");
    };
    assert_eq!(finished.number, 0);
    assert_eq!(finished.state, TrialState::Complete);
    assert!(finished.value.is_some());
    let (number, _, _) = proposal(&handle);
    assert_eq!(number, 1);
    assert!(handle.events.try_recv().is_err());
    for _ in 0..2 {
        handle.commands.send(StepCommand::Step).unwrap();
    }
    let mut finished = Vec::new();
    let reason = loop {
        match next(&handle) {
            StepEvent::TrialFinished(t) => finished.push(t.number),
            StepEvent::Finished(reason) => break reason,
            _ => {}
        }
    };
    assert_eq!(finished, [1, 2]);
    assert_eq!(reason, FinishReason::BudgetSpent);
    let done = handle.join().unwrap();
    assert_eq!(done.trials.len(), 3);
    assert_eq!(done.trials[0].point, suggestion.point);
}

#[test]
fn stepping_gives_the_runners_trials_with_window_one() {
    for name in [
        "random", "sobol", "gp", "tpe", "cmaes", "anneal", "pso", "gradient",
    ] {
        let mut study = branin(StrategySpec::from_name(name).unwrap(), 14);
        study.window = Some(1);
        let (reason, stepped) = step_to_end(&study);
        assert_eq!(reason, FinishReason::BudgetSpent, "{name}");
        let (ran, run_reason, _) = runner::run_to_end(study.clone(), objective_of(&study), 1)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(run_reason, FinishReason::BudgetSpent, "{name}");
        assert_eq!(stepped.trials.len(), 14, "{name}");
        let a: Vec<_> = stepped.trials.iter().map(essence).collect();
        let b: Vec<_> = ran.trials.iter().map(essence).collect();
        assert_eq!(a, b, "{name}: the stepper and the runner disagree");
    }
}

fn ucb(kappa: f64) -> StrategySpec {
    StrategySpec::Gp(GpSettings {
        n_startup: Some(5),
        acquisition: Acquisition::Ucb { kappa },
        kernel: Default::default(),
    })
}

#[test]
fn a_retune_re_proposes_the_pending_point_at_once() {
    let study = branin(ucb(0.0), 30);
    let handle = start(&study);
    for _ in 0..8 {
        proposal(&handle);
        handle.commands.send(StepCommand::Step).unwrap();
    }
    let (number, greedy, spec) = proposal(&handle);
    assert_eq!((number, spec), (8, ucb(0.0)));

    handle.commands.send(StepCommand::Retune(ucb(5.0))).unwrap();
    let (number, exploring, spec) = proposal(&handle);
    assert_eq!((number, spec), (8, ucb(5.0)));
    assert_ne!(
        greedy.point, exploring.point,
        "κ = 5 should explore elsewhere than κ = 0"
    );

    // Back to κ = 0: the replay rebuilds the strategy exactly, so the same point.
    handle.commands.send(StepCommand::Retune(ucb(0.0))).unwrap();
    let (number, again, _) = proposal(&handle);
    assert_eq!(number, 8);
    assert_eq!(again.point, greedy.point);

    // Settings the strategy rejects are refused and change nothing.
    handle
        .commands
        .send(StepCommand::Retune(StrategySpec::Grid(GridSettings {
            points: 0,
        })))
        .unwrap();
    assert!(matches!(next(&handle), StepEvent::RetuneRefused(_)));
    assert!(handle.events.try_recv().is_err());

    // A burst of retunes (a dragged slider) ends on the last one, and a step after it counts.
    for kappa in [1.0, 2.0, 3.0] {
        handle
            .commands
            .send(StepCommand::Retune(ucb(kappa)))
            .unwrap();
    }
    handle.commands.send(StepCommand::Step).unwrap();
    let mut last_spec = None;
    let mut evaluated = Vec::new();
    while evaluated.is_empty() || last_spec.is_none() {
        match next(&handle) {
            StepEvent::Proposed {
                number: 9, spec, ..
            } => last_spec = Some(spec),
            StepEvent::TrialFinished(t) => evaluated.push(t.number),
            StepEvent::Finished(r) => panic!("ended: {r:?}"),
            _ => {}
        }
    }
    assert_eq!(evaluated, [8]);
    assert_eq!(last_spec, Some(ucb(3.0)));
    handle.commands.send(StepCommand::Stop).unwrap();
    let reason = loop {
        if let StepEvent::Finished(r) = next(&handle) {
            break r;
        }
    };
    assert_eq!(reason, FinishReason::Stopped);
    let done = handle.join().unwrap();
    assert_eq!(done.trials.len(), 9);
    assert_eq!(done.strategy, ucb(3.0));
}

#[test]
fn the_budget_counts_the_trials_already_in_the_study() {
    let study = branin(StrategySpec::Sobol, 3);
    let (first, _, _) = runner::run_to_end(study.clone(), objective_of(&study), 1).unwrap();
    assert_eq!(first.trials.len(), 3);
    // A full study has nothing to propose.
    let handle = start(&first);
    assert!(matches!(
        next(&handle),
        StepEvent::Finished(FinishReason::BudgetSpent)
    ));
    assert_eq!(handle.join().unwrap().trials.len(), 3);
    // Two more trials of budget: two steps, continuing the numbering and the sequence.
    let mut more = first.clone();
    more.budget = 5;
    let (reason, done) = step_to_end(&more);
    assert_eq!(reason, FinishReason::BudgetSpent);
    assert_eq!(done.trials.len(), 5);
    assert_eq!(done.trials[..3], first.trials[..]);
    let mut whole = study.clone();
    whole.budget = 5;
    let (all, _, _) = runner::run_to_end(whole, objective_of(&study), 1).unwrap();
    assert_eq!(
        done.trials.iter().map(essence).collect::<Vec<_>>(),
        all.trials.iter().map(essence).collect::<Vec<_>>()
    );
}

/// x² + y², panicking where x > 0.8 and failing where y > 0.8.
struct Touchy;

impl Objective for Touchy {
    fn evaluate(&self, p: &Params, _: bool) -> Result<Evaluation, ObjectiveError> {
        let x = knobs::objective::numeric(p, "x")?;
        let y = knobs::objective::numeric(p, "y")?;
        if x > 0.8 {
            panic!("x too large: {x}");
        }
        if y > 0.8 {
            return Err(ObjectiveError::Failed("y too large".into()));
        }
        Ok(Evaluation::value(x * x + y * y))
    }
    fn default_space(&self) -> Space {
        Space::new(vec![
            parse_param("x=0..1").unwrap(),
            parse_param("y=0..1").unwrap(),
        ])
        .unwrap()
    }
    fn direction(&self) -> Direction {
        Direction::Minimize
    }
}

#[test]
fn a_failing_objective_is_a_failed_trial_and_stepping_goes_on() {
    for strategy in [StrategySpec::Random, StrategySpec::from_name("gp").unwrap()] {
        let study = Study {
            name: "touchy".into(),
            description: String::new(),
            description_zh: String::new(),
            direction: Direction::Minimize,
            objective: ObjectiveSpec::default(),
            space: Touchy.default_space(),
            strategy,
            seed: 5,
            budget: 25,
            window: None,
            trials: Vec::new(),
            pruner: Default::default(),
            resource_budget: None,
            strategy_state: None,
            adaptive: Default::default(),
            warm_start: None,
        };
        let handle = stepper::start(study, Arc::new(Touchy), None).unwrap();
        let reason = loop {
            match next(&handle) {
                StepEvent::Proposed { .. } => handle.commands.send(StepCommand::Step).unwrap(),
                StepEvent::Finished(reason) => break reason,
                _ => {}
            }
        };
        assert_eq!(reason, FinishReason::BudgetSpent);
        let done = handle.join().unwrap();
        assert_eq!(done.trials.len(), 25);
        let failures: Vec<&str> = done.trials.iter().filter_map(|t| t.failure()).collect();
        assert!(failures.iter().any(|r| r.contains("panicked: x too large")));
        assert!(failures.iter().any(|r| r.contains("y too large")));
        assert!(done.trials.iter().any(|t| t.completed_value().is_some()));
    }
}

#[test]
fn a_finished_grid_ends_step_mode_cleanly() {
    let study = branin(StrategySpec::Grid(GridSettings { points: 2 }), 10);
    let (reason, done) = step_to_end(&study);
    assert!(matches!(reason, FinishReason::Exhausted(_)), "{reason:?}");
    assert_eq!(done.trials.len(), 4);
    assert!(done.trials.iter().all(|t| t.state == TrialState::Complete));
}

#[test]
fn play_steps_until_paused_and_stop_acts_at_once() {
    let study = branin(StrategySpec::Sobol, 50);
    let handle = start(&study);
    proposal(&handle);
    // Playing steps at once, then waits an hour for the next trial: a wait on the command
    // channel, so Pause, Step and Stop are handled without waiting it out.
    handle
        .commands
        .send(StepCommand::Play {
            interval: Duration::from_secs(3600),
        })
        .unwrap();
    let (number, _, _) = proposal(&handle);
    assert_eq!(number, 1);
    handle.commands.send(StepCommand::Pause).unwrap();
    // The pause is acknowledged at once (not after the hour), with no trial before it.
    assert!(matches!(next(&handle), StepEvent::Paused));
    handle.commands.send(StepCommand::Step).unwrap();
    let (number, _, _) = proposal(&handle);
    assert_eq!(number, 2);
    handle.commands.send(StepCommand::Stop).unwrap();
    let reason = loop {
        if let StepEvent::Finished(r) = next(&handle) {
            break r;
        }
    };
    assert_eq!(reason, FinishReason::Stopped);
    assert_eq!(handle.join().unwrap().trials.len(), 2);

    // Playing without a pause runs to the budget.
    let mut quick = study.clone();
    quick.budget = 8;
    let handle = start(&quick);
    handle
        .commands
        .send(StepCommand::Play {
            interval: Duration::ZERO,
        })
        .unwrap();
    let reason = loop {
        if let StepEvent::Finished(r) = next(&handle) {
            break r;
        }
    };
    assert_eq!(reason, FinishReason::BudgetSpent);
    assert_eq!(handle.join().unwrap().trials.len(), 8);
}

#[test]
fn dropping_the_commands_ends_the_thread() {
    let study = branin(StrategySpec::Random, 10);
    let mut handle = start(&study);
    proposal(&handle);
    handle.commands.send(StepCommand::Step).unwrap();
    proposal(&handle);
    // Replace the only sender by one whose channel is already closed.
    drop(std::mem::replace(
        &mut handle.commands,
        crossbeam_channel::unbounded().0,
    ));
    let reason = loop {
        if let StepEvent::Finished(r) = next(&handle) {
            break r;
        }
    };
    assert_eq!(reason, FinishReason::Stopped);
    assert_eq!(handle.join().unwrap().trials.len(), 1);
}
