//! The race's state: one runner per strategy on clones of the current study, with no drawing.
//!
//! **Ranking rule.** Racers are ordered by their best value (under the study's direction);
//! ties go to the racer that needed fewer trials. "Trials needed" is the 1-based number of the
//! first trial whose value is within 1% of the race's best value (tolerance `0.01·|best|`,
//! and at least `1e-12` so a best of exactly zero still has a target) — one rule for every
//! objective, so synthetic and model objectives read the same way.

use crate::objective::Objective;
use crate::runner::{self, Event, FinishReason, RunHandle};
use crate::strategy::StrategySpec;
use crate::study::{Direction, Study, Trial};
use crossbeam_channel::TryRecvError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The fewest strategies a race makes sense with.
pub const MIN_RACERS: usize = 2;
/// The most strategies a race shows (more curves than this cannot be told apart).
pub const MAX_RACERS: usize = 6;

/// How a racer's run stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RacerState {
    /// Its runner is still sending events.
    Running,
    /// Its runner said the run is over, and why.
    Finished(FinishReason),
    /// Its runner could not start, or vanished without saying it finished.
    Failed(String),
}

/// One strategy in the race: its own copy of the study and its own runner.
pub struct Racer {
    /// The strategy's name, as in [`crate::strategy::STRATEGIES`].
    pub name: String,
    /// The racer's study: the current study with this strategy and no trials.
    pub study: Study,
    /// Where the run stands.
    pub state: RacerState,
    /// Seconds spent inside the strategy, once the run has finished.
    pub strategy_seconds: Option<f64>,
    handle: Option<RunHandle>,
}

impl Racer {
    /// Apply one event; `None` means the channel closed.
    fn apply(&mut self, event: Option<Event>) {
        match event {
            Some(Event::TrialStarted(trial)) => self.study.trials.push(trial),
            Some(Event::TrialFinished(trial)) => self.study.record(trial),
            Some(Event::StudyFinished {
                reason,
                strategy_seconds,
            }) => {
                self.strategy_seconds = Some(strategy_seconds);
                self.state = RacerState::Finished(reason);
                self.handle = None;
            }
            None => {
                // A dead runner: show it, never wait on it.
                self.handle = None;
                if self.state == RacerState::Running {
                    self.state = RacerState::Failed("the runner stopped without finishing".into());
                }
            }
        }
    }

    /// The values of the complete trials, in trial order, with their 1-based trial numbers.
    fn values(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.study
            .trials
            .iter()
            .filter_map(|t: &Trial| t.completed_value().map(|v| (t.number + 1, v)))
    }
}

/// One row of the final ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct RankRow {
    /// The strategy's name.
    pub name: String,
    /// Its best value, if any trial completed.
    pub best: Option<f64>,
    /// Trials it needed to get within 1% of the race's best (see the module docs).
    pub trials_needed: Option<usize>,
    /// Seconds spent inside the strategy, once finished.
    pub strategy_seconds: Option<f64>,
    /// Trials run.
    pub trials: usize,
}

/// Several strategies racing on one problem. Owns their runners; never blocks the UI
/// (except [`Race::finish_blocking`], for tests and scripts).
#[derive(Default)]
pub struct Race {
    /// Which strategies of [`crate::strategy::STRATEGIES`] are picked, by name.
    pub picked: Vec<String>,
    /// The racers of the current (or last) race.
    pub racers: Vec<Racer>,
    /// The objective's known minimum, when there is one and the study minimises: curves then
    /// show regret on a log axis.
    pub known_minimum: Option<f64>,
    /// The direction of the raced study.
    pub direction: Direction,
    /// One line saying what happened last.
    pub status: String,
    /// The racer the next drain starts at.
    next: usize,
}

impl Race {
    /// A race with the classic teaching trio picked: random, Sobol and GP-BO.
    pub fn new() -> Self {
        Race {
            picked: vec!["random".into(), "sobol".into(), "gp".into()],
            ..Default::default()
        }
    }

    /// Whether any racer is still running.
    pub fn is_running(&self) -> bool {
        self.racers.iter().any(|r| r.state == RacerState::Running)
    }

    /// Start one runner per picked strategy on `base` (trials cleared, strategy replaced).
    /// Returns `false`, with the reason in `status`, if the race cannot start; a strategy
    /// that cannot run on this space joins as a failed racer so the others still race.
    pub fn start(
        &mut self,
        base: &Study,
        jobs: usize,
        wake: Option<Arc<dyn Fn() + Send + Sync>>,
    ) -> bool {
        if self.is_running() {
            self.status = "a race is already running".into();
            return false;
        }
        if !(MIN_RACERS..=MAX_RACERS).contains(&self.picked.len()) {
            self.status = format!("pick {MIN_RACERS} to {MAX_RACERS} strategies");
            return false;
        }
        let objective: Arc<dyn Objective> = match base.objective.build() {
            Ok(o) => Arc::from(o),
            Err(e) => {
                self.status = format!("cannot race: {e}");
                return false;
            }
        };
        self.direction = base.direction;
        self.known_minimum = objective
            .known_minimum()
            .filter(|_| base.direction == Direction::Minimize);
        // Split the cores between the racers; each gets at least one worker.
        let jobs = (jobs / self.picked.len()).max(1);
        self.racers = self
            .picked
            .iter()
            .map(|name| {
                let mut study = base.clone();
                study.trials.clear();
                let mut racer = Racer {
                    name: name.clone(),
                    study,
                    state: RacerState::Running,
                    strategy_seconds: None,
                    handle: None,
                };
                match StrategySpec::from_name(name) {
                    Ok(spec) => racer.study.strategy = spec,
                    Err(e) => {
                        racer.state = RacerState::Failed(e.to_string());
                        return racer;
                    }
                }
                let wake: Option<Box<dyn Fn() + Send>> = wake.clone().map(|w| {
                    let b: Box<dyn Fn() + Send> = Box::new(move || w());
                    b
                });
                match runner::start(racer.study.clone(), objective.clone(), jobs, wake) {
                    Ok(handle) => racer.handle = Some(handle),
                    Err(e) => racer.state = RacerState::Failed(e.to_string()),
                }
                racer
            })
            .collect();
        self.status = format!("racing {} strategies", self.racers.len());
        true
    }

    /// Stop every running racer after its running trials.
    pub fn stop(&mut self) {
        for r in &self.racers {
            if let Some(h) = &r.handle {
                // A runner that is gone will show as failed when drained.
                let _ = h.commands.send(runner::Command::Stop);
            }
        }
    }

    /// Apply the runners' events, spending at most `budget`; returns how many were applied.
    pub fn drain(&mut self, budget: Duration) -> usize {
        let deadline = Instant::now() + budget;
        let mut applied = 0;
        let n = self.racers.len();
        // Start each frame at a different racer, so a fast one cannot starve the others.
        self.next = if n == 0 { 0 } else { (self.next + 1) % n };
        'outer: for k in 0..n {
            let racer = &mut self.racers[(self.next + k) % n];
            while let Some(handle) = &racer.handle {
                let event = match handle.events.try_recv() {
                    Ok(e) => Some(e),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => None,
                };
                racer.apply(event);
                applied += 1;
                if Instant::now() >= deadline {
                    break 'outer;
                }
            }
        }
        if applied > 0 && !self.is_running() && !self.racers.is_empty() {
            self.status = "race finished".into();
        }
        applied
    }

    /// Apply events until every racer has finished, blocking: for tests and scripts.
    pub fn finish_blocking(&mut self) {
        for racer in &mut self.racers {
            while let Some(handle) = &racer.handle {
                let event = handle.events.recv().ok();
                racer.apply(event);
            }
        }
        if !self.racers.is_empty() {
            self.status = "race finished".into();
        }
    }

    /// What the curves plot for a value: regret when the minimum is known, else the value.
    fn curve_value(&self, v: f64) -> f64 {
        match self.known_minimum {
            Some(m) => (v - m).max(1e-12).log10(),
            None => v,
        }
    }

    /// Each racer's best-so-far curve as (trial number, y), y being log10 regret when the
    /// minimum is known (see [`Race::known_minimum`]), else the best value so far.
    pub fn curves(&self) -> Vec<(String, Vec<[f64; 2]>)> {
        self.racers
            .iter()
            .map(|r| {
                let mut best: Option<f64> = None;
                let points = r
                    .values()
                    .filter_map(|(n, v)| {
                        if best.is_none_or(|b| self.direction.better(v, b)) {
                            best = Some(v);
                        }
                        best.map(|b| [n as f64, self.curve_value(b)])
                    })
                    .collect();
                (r.name.clone(), points)
            })
            .collect()
    }

    /// The ranking, best first (see the module docs for the rule).
    pub fn ranking(&self) -> Vec<RankRow> {
        let runs: Vec<RunRecord> = self
            .racers
            .iter()
            .map(|r| RunRecord {
                name: r.name.clone(),
                values: r.values().collect(),
                strategy_seconds: r.strategy_seconds,
                trials: r.study.trials.len(),
            })
            .collect();
        rank(&runs, self.direction)
    }
}

/// What the ranking needs of one run, apart from its runner so the rule is tested on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// The strategy's name.
    pub name: String,
    /// (1-based trial number, value) of the complete trials, in trial order.
    pub values: Vec<(usize, f64)>,
    /// Seconds spent inside the strategy, once finished.
    pub strategy_seconds: Option<f64>,
    /// Trials run.
    pub trials: usize,
}

/// Rank runs, best first (see the module docs for the rule).
pub fn rank(runs: &[RunRecord], direction: Direction) -> Vec<RankRow> {
    let best_of = |values: &[(usize, f64)]| {
        values
            .iter()
            .map(|&(_, v)| v)
            .fold(None, |b: Option<f64>, v| {
                if v.is_finite() && b.is_none_or(|b| direction.better(v, b)) {
                    Some(v)
                } else {
                    b
                }
            })
    };
    let race_best =
        runs.iter()
            .filter_map(|r| best_of(&r.values))
            .fold(None, |b: Option<f64>, v| {
                if b.is_none_or(|b| direction.better(v, b)) {
                    Some(v)
                } else {
                    b
                }
            });
    let mut rows: Vec<RankRow> = runs
        .iter()
        .map(|r| {
            let trials_needed = race_best.and_then(|target| {
                let tol = (0.01 * target.abs()).max(1e-12);
                r.values
                    .iter()
                    .find(|&&(_, v)| direction.to_loss(v) <= direction.to_loss(target) + tol)
                    .map(|&(n, _)| n)
            });
            RankRow {
                name: r.name.clone(),
                best: best_of(&r.values),
                trials_needed,
                strategy_seconds: r.strategy_seconds,
                trials: r.trials,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &RankRow| r.best.map(|v| direction.to_loss(v));
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y).then(a.trials_needed.cmp(&b.trials_needed)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, values: &[f64]) -> RunRecord {
        RunRecord {
            name: name.into(),
            values: values
                .iter()
                .enumerate()
                .map(|(i, &v)| (i + 1, v))
                .collect(),
            strategy_seconds: Some(0.5),
            trials: values.len(),
        }
    }

    #[test]
    fn ranking_orders_by_best_then_trials_needed() {
        let runs = vec![
            run("slow", &[5.0, 4.0, 3.0, 1.0]),
            run("fast", &[1.005, 2.0, 1.0, 3.0]),
            run("bad", &[9.0, 8.0]),
            run("none", &[]),
        ];
        let rows = rank(&runs, Direction::Minimize);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["fast", "slow", "bad", "none"]);
        // 1.005 is within 1% of the race's best (1.0): trial 1
        assert_eq!(rows[0].trials_needed, Some(1));
        assert_eq!(rows[1].trials_needed, Some(4));
        assert_eq!(rows[2].trials_needed, None);
        assert_eq!(rows[3].best, None);
        assert_eq!(rows[0].best, Some(1.0));
    }

    #[test]
    fn a_runner_that_vanishes_is_a_failure() {
        let mut racer = Racer {
            name: "random".into(),
            study: crate::gui::state::Workbench::branin_study(),
            state: RacerState::Running,
            strategy_seconds: None,
            handle: None,
        };
        racer.apply(None);
        assert!(matches!(racer.state, RacerState::Failed(_)));
        let race = Race {
            racers: vec![racer],
            ..Race::new()
        };
        assert!(!race.is_running());
    }

    #[test]
    fn ranking_respects_maximisation() {
        let runs = vec![run("a", &[0.5, 0.8]), run("b", &[0.9, 0.1])];
        let rows = rank(&runs, Direction::Maximize);
        assert_eq!(rows[0].name, "b");
        assert_eq!(rows[0].trials_needed, Some(1));
        // 0.8 is not within 1% of 0.9
        assert_eq!(rows[1].trials_needed, None);
    }
}
