//! The runner's promises: failures are recorded and the study goes on, results do not depend
//! on the number of worker threads, stop and pause take effect, resuming replays exactly.

// Helpers outside `#[test]` functions unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use knobs::objective::{Evaluation, Objective, ObjectiveError, ObjectiveSpec};
use knobs::runner::{self, Command, Event, FinishReason};
use knobs::space::{Params, Space, parse_param};
use knobs::strategy::StrategySpec;
use knobs::study::{Direction, Study, TrialState};
use std::sync::Arc;

/// x² + y², panicking where x > 0.9, NaN where y > 0.9, an error where x < 0.05.
struct Touchy;

impl Objective for Touchy {
    fn evaluate(&self, p: &Params, _: bool) -> Result<Evaluation, ObjectiveError> {
        let x = knobs::objective::numeric(p, "x")?;
        let y = knobs::objective::numeric(p, "y")?;
        if x > 0.9 {
            panic!("x too large: {x}");
        }
        if x < 0.05 {
            return Err(ObjectiveError::Failed("x too small".into()));
        }
        Ok(Evaluation::value(if y > 0.9 {
            f64::NAN
        } else {
            x * x + y * y
        }))
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

fn study(strategy: StrategySpec, budget: usize) -> Study {
    Study {
        name: "test".into(),
        description: String::new(),
        description_zh: String::new(),
        direction: Direction::Minimize,
        objective: ObjectiveSpec::default(),
        space: Touchy.default_space(),
        strategy,
        seed: 11,
        budget,
        window: None,
        trials: Vec::new(),
        pruner: Default::default(),
        resource_budget: None,
        strategy_state: None,
        adaptive: Default::default(),
        warm_start: None,
    }
}

#[test]
fn failures_are_recorded_and_the_study_goes_on() {
    let (done, reason, _) =
        runner::run_to_end(study(StrategySpec::Random, 80), Arc::new(Touchy), 2).unwrap();
    assert_eq!(reason, FinishReason::BudgetSpent);
    assert_eq!(done.trials.len(), 80);
    let reasons: Vec<&str> = done.trials.iter().filter_map(|t| t.failure()).collect();
    assert!(reasons.iter().any(|r| r.contains("panicked: x too large")));
    assert!(reasons.iter().any(|r| r.contains("NaN")));
    assert!(reasons.iter().any(|r| r.contains("x too small")));
    assert!(done.trials.iter().any(|t| t.state == TrialState::Complete));
    for (i, t) in done.trials.iter().enumerate() {
        assert_eq!(t.number, i);
    }
}

#[test]
fn windowed_runs_match_across_jobs_and_resume() {
    for window in [1, 3] {
        let mut s = study(StrategySpec::Sobol, 40);
        s.window = Some(window);
        let one = runner::run_to_end(s.clone(), Arc::new(Touchy), 1)
            .unwrap()
            .0;
        let four = runner::run_to_end(s.clone(), Arc::new(Touchy), 4)
            .unwrap()
            .0;
        let strip = |st: &Study| -> Vec<_> {
            st.trials
                .iter()
                .map(|t| (t.params.clone(), t.value, t.state.clone()))
                .collect()
        };
        assert_eq!(strip(&one), strip(&four));
        let mut part = s.clone();
        part.budget = 15;
        let mut part = runner::run_to_end(part, Arc::new(Touchy), 2).unwrap().0;
        part.budget = 40;
        let resumed = runner::run_to_end(part, Arc::new(Touchy), 3).unwrap().0;
        assert_eq!(strip(&resumed), strip(&one));
    }
}

/// Blocks every evaluation until the test lets it go, so stop and pause can be observed
/// without timing.
struct Gate(crossbeam_channel::Receiver<()>);

impl Objective for Gate {
    fn evaluate(&self, _: &Params, _: bool) -> Result<Evaluation, ObjectiveError> {
        self.0
            .recv()
            .map_err(|_| ObjectiveError::Failed("gate closed".into()))?;
        Ok(Evaluation::value(1.0))
    }
    fn default_space(&self) -> Space {
        Touchy.default_space()
    }
    fn direction(&self) -> Direction {
        Direction::Minimize
    }
}

#[test]
fn stop_lets_running_trials_finish_and_starts_no_more() {
    let (open, gate) = crossbeam_channel::unbounded();
    let handle = runner::start(
        study(StrategySpec::Random, 100),
        Arc::new(Gate(gate)),
        2,
        None,
    )
    .unwrap();
    // Wait until both workers hold a trial, then stop and release them.
    let mut started = 0;
    while started < 2 {
        if let Event::TrialStarted(_) = handle.events.recv().unwrap() {
            started += 1;
        }
    }
    handle.commands.send(Command::Stop).unwrap();
    open.send(()).unwrap();
    open.send(()).unwrap();
    let mut reason = None;
    for event in handle.events.iter() {
        match event {
            Event::TrialStarted(t) => panic!("trial {} started after Stop", t.number),
            Event::StudyFinished { reason: r, .. } => reason = Some(r),
            Event::TrialFinished(_) | Event::TrialProgress { .. } | Event::RangeWidened { .. } => {}
        }
    }
    assert_eq!(reason, Some(FinishReason::Stopped));
    let done = handle.join().unwrap();
    assert_eq!(done.trials.len(), 2);
    assert!(done.trials.iter().all(|t| t.state == TrialState::Complete));
}

#[test]
fn pause_holds_new_trials_until_resume() {
    let (open, gate) = crossbeam_channel::unbounded();
    let handle = runner::start(
        study(StrategySpec::Random, 3),
        Arc::new(Gate(gate)),
        1,
        None,
    )
    .unwrap();
    assert!(matches!(
        handle.events.recv().unwrap(),
        Event::TrialStarted(_)
    ));
    handle.commands.send(Command::Pause).unwrap();
    open.send(()).unwrap();
    // The running trial finishes; nothing new starts while paused.
    assert!(matches!(
        handle.events.recv().unwrap(),
        Event::TrialFinished(_)
    ));
    assert!(handle.events.try_recv().is_err());
    handle.commands.send(Command::Resume).unwrap();
    open.send(()).unwrap();
    open.send(()).unwrap();
    let finished = handle
        .events
        .iter()
        .filter(|e| matches!(e, Event::TrialFinished(_)))
        .count();
    assert_eq!(finished, 2);
    assert_eq!(handle.join().unwrap().trials.len(), 3);
}
