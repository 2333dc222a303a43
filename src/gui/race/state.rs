//! The race's state: runs of several lanes on clones of one study, with no drawing.
//!
//! **Lanes.** A lane is a (strategy, pruner) pair ([`Lane`]), named "tpe" without a pruner
//! and "tpe + asha" with one, so the same search can race with and without pruning. Below,
//! "strategy" in the curves and ranking means a lane.
//!
//! **Resource.** Each trial's resource is [`Trial::resource`](crate::study::Trial::resource)
//! (epochs or reported steps; 1 for a trial that reports none). Curves can be drawn against
//! trials or against a run's cumulative resource ([`Race::by_resource`]); with
//! [`Race::resource_budget`] every lane stops asking once its told trials used that much, so
//! lanes are compared at the same cost (a run may overshoot by the trials already asked, at
//! most the runner's window).
//!
//! **Runs.** Each picked lane runs `repeats` times, on seeds `seed`, `seed + 1`, …, each
//! run with its own runner of one worker. At most `jobs` runs go at once (the rest wait
//! their turn, started round-robin over the strategies so every curve grows together), so a
//! ten-repeat race of six strategies never floods the machine.
//!
//! **Curves.** A run's curve is its best value after each finished trial, as log10 regret when
//! the minimum is known (see [`Race::known_minimum`]), else the value itself. A strategy's
//! curve is, at each trial number, the mean of its runs' curves there (so with a known
//! minimum the mean of log10 regret) over the runs that have reached that trial, with the
//! runs' minimum and maximum as its band ([`band`]).
//!
//! **Ranking rule.** Strategies are ordered by the mean of their runs' best values (under the
//! study's direction); ties go to the fewer trials needed. A run's "trials needed" is the
//! 1-based number of its first trial whose value is within x% of the race's best value over
//! every run (tolerance `x/100·|best|`, at least `1e-12` so a best of exactly zero still has a
//! target; x is [`Race::within_percent`], 1 by default) — one rule for every objective, so
//! synthetic and model objectives read the same way. A strategy's trials needed is the mean
//! over the runs that got there, shown with how many did.

use crate::gui::i18n::{fill, tr};
use crate::gui::live::{self, RunEnd};
use crate::objective::{Objective, ObjectiveSpec};
use crate::pruner::PrunerSpec;
use crate::runner::{self, Event, FinishReason, RunHandle};
use crate::session::{RaceOutcome, RaceRun, RaceSession};
use crate::strategy::StrategySpec;
use crate::study::{Direction, Study, TrialState};
use crossbeam_channel::TryRecvError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The fewest strategies a race makes sense with.
pub const MIN_RACERS: usize = 2;
/// The most strategies a race shows (more curves than this cannot be told apart).
pub const MAX_RACERS: usize = 6;
/// The most runs per strategy: enough for a mean and a spread, few enough to finish.
pub const MAX_REPEATS: usize = 10;
/// The ranking's default "within x% of the best".
pub const DEFAULT_WITHIN_PERCENT: f64 = 1.0;

/// One lane of a race: a strategy and the pruner its trials run under, so the same search
/// can race with and without pruning.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lane {
    /// The strategy's name, as in [`crate::strategy::STRATEGIES`].
    pub strategy: String,
    /// The pruner, with its settings (`None` for a lane that never prunes).
    pub pruner: PrunerSpec,
}

impl Lane {
    /// A lane of `strategy` without a pruner.
    pub fn new(strategy: &str) -> Self {
        Lane {
            strategy: strategy.to_owned(),
            pruner: PrunerSpec::None,
        }
    }

    /// A lane of `strategy` under `pruner`.
    pub fn pruned(strategy: &str, pruner: PrunerSpec) -> Self {
        Lane {
            strategy: strategy.to_owned(),
            pruner,
        }
    }

    /// The lane's name: the strategy's, then " + " and the pruner's when it has one
    /// ("tpe + asha"). Curves, the ranking and a saved race name lanes by it.
    pub fn name(&self) -> String {
        if self.pruner.is_active() {
            format!("{} + {}", self.strategy, self.pruner.name())
        } else {
            self.strategy.clone()
        }
    }

    /// The lane a name stands for, the pruner with its default settings: how an older
    /// saved race's strategy names, and names without a run to take settings from, read.
    pub fn parse(name: &str) -> Self {
        match name.split_once(" + ") {
            Some((strategy, pruner)) => match PrunerSpec::from_name(pruner.trim()) {
                Ok(spec) => Lane::pruned(strategy.trim(), spec),
                Err(_) => Lane::new(name),
            },
            None => Lane::new(name),
        }
    }
}

impl From<&str> for Lane {
    fn from(name: &str) -> Self {
        Lane::parse(name)
    }
}

/// A lane equals its name, so tests and scripts can compare picked lanes with names.
impl PartialEq<&str> for Lane {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// Called after each runner event, so the GUI repaints.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// How a run stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RacerState {
    /// Waiting for a free slot (see the module docs).
    Queued,
    /// Its runner is still sending events.
    Running,
    /// Its runner said the run is over, and why.
    Finished(FinishReason),
    /// Its runner could not start, or vanished without saying it finished.
    Failed(String),
}

/// One run of the race: one lane on one seed, with its own copy of the study and runner.
pub struct Racer {
    /// The lane's name ([`Lane::name`]): the strategy's, with " + pruner" when it has one.
    pub name: String,
    /// Which repeat this is (0-based); its seed is the race's seed plus this.
    pub repeat: usize,
    /// The run's study: the raced problem with this strategy and seed, and its trials.
    pub study: Study,
    /// Where the run stands.
    pub state: RacerState,
    /// Seconds spent inside the strategy, once the run has finished (summed over continues).
    pub strategy_seconds: Option<f64>,
    handle: Option<RunHandle>,
}

impl Racer {
    /// A run waiting to start, or failed at once if the strategy name is unknown or the
    /// pruner's settings are out of range.
    fn queued(lane: &Lane, repeat: usize, problem: &Study) -> Racer {
        let mut study = problem.clone();
        study.seed = problem.seed.wrapping_add(repeat as u64);
        study.pruner = lane.pruner.clone();
        let mut racer = Racer {
            name: lane.name(),
            repeat,
            study,
            state: RacerState::Queued,
            strategy_seconds: None,
            handle: None,
        };
        match StrategySpec::from_name(&lane.strategy) {
            Ok(spec) => racer.study.strategy = spec,
            Err(e) => racer.state = RacerState::Failed(e.to_string()),
        }
        if let Err(e) = lane.pruner.check() {
            racer.state = RacerState::Failed(e.to_string());
        }
        racer
    }

    /// Apply one event; `None` means the channel closed.
    fn apply(&mut self, event: Option<Event>) {
        let (live, end) = live::from_runner(event);
        live::apply(&mut self.study, live);
        match end {
            None => {}
            Some(RunEnd::Finished {
                reason,
                strategy_seconds,
                ..
            }) => {
                // A continued run replays its earlier trials untimed: add this stretch's time.
                self.strategy_seconds =
                    Some(self.strategy_seconds.unwrap_or(0.0) + strategy_seconds);
                self.state = RacerState::Finished(reason);
                self.handle = None;
            }
            Some(RunEnd::Vanished) => {
                // A dead runner: show it, never wait on it.
                self.handle = None;
                if self.state == RacerState::Running {
                    self.state = RacerState::Failed("the runner stopped without finishing".into());
                }
            }
        }
    }

    /// Whether the run is still to finish (running or waiting its turn).
    pub fn is_live(&self) -> bool {
        matches!(self.state, RacerState::Queued | RacerState::Running)
    }

    /// The trials that have finished, in order, up to the first one still running.
    fn finished_trials(&self) -> impl Iterator<Item = &crate::study::Trial> + '_ {
        self.study
            .trials
            .iter()
            .take_while(|t| t.state != TrialState::Running)
    }

    /// The values of the complete finished trials, in trial order, with 1-based trial numbers.
    fn values(&self) -> Vec<(usize, f64)> {
        self.finished_trials()
            .filter_map(|t| t.completed_value().map(|v| (t.number + 1, v)))
            .collect()
    }

    /// The run's cumulative resource after each finished trial, in trial order.
    pub fn spent(&self) -> Vec<u64> {
        let mut spent = 0;
        self.finished_trials()
            .map(|t| {
                spent += t.resource();
                spent
            })
            .collect()
    }

    /// The cumulative resource at each of [`Racer::values`]' trials.
    fn values_spent(&self) -> Vec<u64> {
        self.finished_trials()
            .zip(self.spent())
            .filter(|(t, _)| t.completed_value().is_some())
            .map(|(_, s)| s)
            .collect()
    }

    /// How many of its finished trials were pruned.
    pub fn pruned(&self) -> usize {
        self.finished_trials()
            .filter(|t| t.pruned_at().is_some())
            .count()
    }

    /// The best value after each finished trial (`None` before the first success).
    fn best_so_far(&self, direction: Direction) -> Vec<Option<f64>> {
        let mut best: Option<f64> = None;
        self.finished_trials()
            .map(|t| {
                if let Some(v) = t.completed_value().filter(|v| v.is_finite())
                    && best.is_none_or(|b| direction.better(v, b))
                {
                    best = Some(v);
                }
                best
            })
            .collect()
    }
}

/// A mean and the sample standard deviation (n − 1; zero for one value) of some values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanSd {
    /// The mean.
    pub mean: f64,
    /// The sample standard deviation.
    pub sd: f64,
    /// How many values.
    pub n: usize,
}

impl MeanSd {
    /// The mean and sd of `values`, or `None` if there are none.
    pub fn of(values: &[f64]) -> Option<MeanSd> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
            (ss / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(MeanSd { mean, sd, n })
    }
}

/// A strategy's curve at one trial number: the mean over its runs and their range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandPoint {
    /// Where it sits: the 1-based trial number, or against resource the cumulative
    /// resource spent ([`Race::by_resource`]).
    pub trial: usize,
    /// The mean of the runs' values here.
    pub mean: f64,
    /// The lowest run's value here (the band's bottom).
    pub min: f64,
    /// The highest run's value here (the band's top).
    pub max: f64,
    /// How many runs have a value here.
    pub runs: usize,
}

/// The mean curve and min–max band of several runs' curves; `runs[r][k]` is run `r`'s value
/// after trial `k + 1` (`None` before its first success). Each trial number averages the runs
/// that have a value there; trial numbers where none has are left out.
pub fn band(runs: &[Vec<Option<f64>>]) -> Vec<BandPoint> {
    let len = runs.iter().map(Vec::len).max().unwrap_or(0);
    (0..len)
        .filter_map(|k| {
            let here: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.get(k).copied().flatten())
                .collect();
            let stats = MeanSd::of(&here)?;
            Some(BandPoint {
                trial: k + 1,
                mean: stats.mean,
                min: here.iter().copied().fold(f64::INFINITY, f64::min),
                max: here.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                runs: stats.n,
            })
        })
        .collect()
}

/// One strategy's curve in the race plot.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The strategy's name.
    pub name: String,
    /// Its mean curve and band, by trial number.
    pub band: Vec<BandPoint>,
}

/// One row of the final ranking: one strategy over its runs.
#[derive(Clone, Debug, PartialEq)]
pub struct RankRow {
    /// The strategy's name.
    pub name: String,
    /// How many runs it has.
    pub runs: usize,
    /// Mean ± sd of its runs' best values, over the runs with a complete trial.
    pub best: Option<MeanSd>,
    /// Mean ± sd of the trials its runs needed to get within x% of the race's best, over the
    /// runs that got there (`n` says how many).
    pub trials_needed: Option<MeanSd>,
    /// Mean seconds spent inside the strategy, over its finished runs.
    pub strategy_seconds: Option<f64>,
    /// Trials run, over all its runs.
    pub trials: usize,
    /// Mean ± sd of the cumulative resource its runs had spent at the trial that got them
    /// within x% of the race's best, over the runs that got there.
    pub resource_needed: Option<MeanSd>,
    /// Resource used (epochs or steps), over all its runs.
    pub resource: u64,
    /// Trials pruned, over all its runs.
    pub pruned: usize,
}

/// What the ranking needs of one run, apart from its runner so the rule is tested on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// The strategy's name; runs with the same name are one strategy's repeats.
    pub name: String,
    /// (1-based trial number, value) of the complete trials, in trial order.
    pub values: Vec<(usize, f64)>,
    /// Seconds spent inside the strategy, once finished.
    pub strategy_seconds: Option<f64>,
    /// Trials run.
    pub trials: usize,
    /// The cumulative resource spent at each of `values`' trials (empty when unknown).
    pub spent: Vec<u64>,
    /// Resource used by all its finished trials.
    pub resource: u64,
    /// Trials pruned.
    pub pruned: usize,
}

/// Rank strategies over their runs, best first, with `within_percent` as x (see the module
/// docs for the rule). Strategies keep their first run's order until sorted.
pub fn rank(runs: &[RunRecord], direction: Direction, within_percent: f64) -> Vec<RankRow> {
    let better = |b: Option<f64>, v: f64| {
        if v.is_finite() && b.is_none_or(|b| direction.better(v, b)) {
            Some(v)
        } else {
            b
        }
    };
    let best_of = |values: &[(usize, f64)]| values.iter().fold(None, |b, &(_, v)| better(b, v));
    let race_best = runs
        .iter()
        .filter_map(|r| best_of(&r.values))
        .fold(None, better);
    // The index in `values` of a run's first value within x% of the race's best.
    let got_there = |r: &RunRecord| {
        let target = race_best?;
        let tol = (within_percent.max(0.0) / 100.0 * target.abs()).max(1e-12);
        r.values
            .iter()
            .position(|&(_, v)| direction.to_loss(v) <= direction.to_loss(target) + tol)
    };
    let needed = |r: &RunRecord| got_there(r).map(|k| r.values[k].0 as f64);
    let spent_needed = |r: &RunRecord| got_there(r).and_then(|k| r.spent.get(k).map(|&s| s as f64));
    let mut names: Vec<&str> = Vec::new();
    for r in runs {
        if !names.contains(&r.name.as_str()) {
            names.push(&r.name);
        }
    }
    let mut rows: Vec<RankRow> = names
        .into_iter()
        .map(|name| {
            let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.name == name).collect();
            let bests: Vec<f64> = mine.iter().filter_map(|r| best_of(&r.values)).collect();
            let needs: Vec<f64> = mine.iter().filter_map(|r| needed(r)).collect();
            let spends: Vec<f64> = mine.iter().filter_map(|r| spent_needed(r)).collect();
            let seconds: Vec<f64> = mine.iter().filter_map(|r| r.strategy_seconds).collect();
            RankRow {
                name: name.to_owned(),
                runs: mine.len(),
                best: MeanSd::of(&bests),
                trials_needed: MeanSd::of(&needs),
                strategy_seconds: MeanSd::of(&seconds).map(|s| s.mean),
                trials: mine.iter().map(|r| r.trials).sum(),
                resource_needed: MeanSd::of(&spends),
                resource: mine.iter().map(|r| r.resource).sum(),
                pruned: mine.iter().map(|r| r.pruned).sum(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &RankRow| r.best.map(|s| direction.to_loss(s.mean));
        let need = |r: &RankRow| r.trials_needed.map_or(f64::INFINITY, |s| s.mean);
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y).then(need(a).total_cmp(&need(b))),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    rows
}

/// Several strategies racing on one problem. Owns their runners; never blocks the UI
/// (except [`Race::finish_blocking`], for tests and scripts).
pub struct Race {
    /// The lanes picked, each a strategy of [`crate::strategy::STRATEGIES`] and a pruner,
    /// in pick order (their names differ).
    pub picked: Vec<Lane>,
    /// The most resource each run may spend (see the module docs), or `None` to count trials
    /// only. A race with one lifts the trial budget to it, so resource is what stops every
    /// lane.
    pub resource_budget: Option<u64>,
    /// Whether the curves are drawn against cumulative resource instead of trials.
    pub by_resource: bool,
    /// Runs per strategy for the next race (1 to [`MAX_REPEATS`]).
    pub repeats: usize,
    /// The ranking's x: a run has got there once a value is within x% of the race's best.
    pub within_percent: f64,
    /// The runs of the current (or last) race, grouped by strategy, repeats in seed order.
    pub racers: Vec<Racer>,
    /// The raced problem (the study the race started from, without trials).
    pub problem: Option<Study>,
    /// The objective's known minimum, when there is one and the study minimises: curves then
    /// show regret on a log axis.
    pub known_minimum: Option<f64>,
    /// The direction of the raced study.
    pub direction: Direction,
    /// One line saying what happened last.
    pub status: String,
    /// Each run's journal (see [`super::journal`]): runs start once theirs exist.
    pub journals: super::journal::RaceJournals,
    objective: Option<Arc<dyn Objective>>,
    wake: Option<Wake>,
    /// How many runs may go at once.
    slots: usize,
    /// The run the next drain starts at.
    next: usize,
}

impl Default for Race {
    fn default() -> Self {
        Race::new()
    }
}

impl Race {
    /// A race with the classic teaching trio picked (random, Sobol and GP-BO), one run each.
    pub fn new() -> Self {
        Race {
            picked: vec![Lane::new("random"), Lane::new("sobol"), Lane::new("gp")],
            resource_budget: None,
            by_resource: false,
            repeats: 1,
            within_percent: DEFAULT_WITHIN_PERCENT,
            racers: Vec::new(),
            problem: None,
            known_minimum: None,
            direction: Direction::default(),
            status: String::new(),
            journals: Default::default(),
            objective: None,
            wake: None,
            slots: 1,
            next: 0,
        }
    }

    /// Whether any run is still running or waiting its turn.
    pub fn is_running(&self) -> bool {
        self.racers.iter().any(Racer::is_live)
    }

    /// How many runs per strategy the current race has (its largest repeat plus one).
    pub fn runs_per_strategy(&self) -> usize {
        self.racers.iter().map(|r| r.repeat + 1).max().unwrap_or(0)
    }

    /// Start `repeats` runs per picked strategy on `base` (trials cleared, strategy and seed
    /// replaced), at most `jobs` at once. Returns `false`, with the reason in `status`, if the
    /// race cannot start; a strategy that cannot run on this space joins as a failed run so the
    /// others still race.
    pub fn start(&mut self, base: &Study, jobs: usize, wake: Option<Wake>) -> bool {
        self.start_with(base, jobs, wake, build_now)
    }

    /// [`Race::start`], getting the objective from `objective` (the window passes the one
    /// it built off the UI thread).
    pub fn start_with(
        &mut self,
        base: &Study,
        jobs: usize,
        wake: Option<Wake>,
        objective: impl FnOnce(&ObjectiveSpec) -> Result<Arc<dyn Objective>, String>,
    ) -> bool {
        if self.is_running() {
            self.status = "a race is already running".into();
            return false;
        }
        if !(MIN_RACERS..=MAX_RACERS).contains(&self.picked.len()) {
            self.status = fill(tr("pick {} to {} strategies"), &[&MIN_RACERS, &MAX_RACERS]);
            return false;
        }
        if let Some(twice) = self.repeated_lane() {
            self.status = fill(tr("the lane {} is picked twice"), &[&twice]);
            return false;
        }
        let objective = match objective(&base.objective) {
            Ok(o) => o,
            Err(e) => {
                self.status = fill(tr("cannot race: {}"), &[&e]);
                return false;
            }
        };
        self.repeats = self.repeats.clamp(1, MAX_REPEATS);
        self.direction = base.direction;
        self.known_minimum = objective
            .known_minimum()
            .filter(|_| base.direction == Direction::Minimize);
        let mut problem = base.clone();
        problem.trials.clear();
        self.set_resource_budget(&mut problem);
        self.racers = self
            .picked
            .iter()
            .flat_map(|name| (0..self.repeats).map(move |r| (name, r)))
            .map(|(lane, r)| Racer::queued(lane, r, &problem))
            .collect();
        self.problem = Some(problem);
        self.objective = Some(objective);
        self.wake = wake;
        self.slots = jobs.max(1);
        self.journals.replace();
        let runs = self.racers.iter().map(|r| Some(r.study.clone())).collect();
        self.journal_runs(runs);
        self.launch();
        let template = if self.repeats == 1 {
            tr("racing {} strategies × {} run")
        } else {
            tr("racing {} strategies × {} runs")
        };
        self.status = fill(template, &[&self.picked.len(), &self.repeats]);
        true
    }

    /// The name of a lane picked twice, if any: curves and the ranking group runs by name.
    pub fn repeated_lane(&self) -> Option<String> {
        let names: Vec<String> = self.picked.iter().map(Lane::name).collect();
        names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
            .map(|(_, n)| n.clone())
    }

    /// Give the raced problem the race's resource budget; with one, the trial budget is
    /// lifted to it (every trial costs at least one unit), so resource is what stops each
    /// lane and every lane stops at the same cost.
    fn set_resource_budget(&self, problem: &mut Study) {
        problem.resource_budget = self.resource_budget;
        if let Some(resource) = self.resource_budget {
            problem.budget = usize::try_from(resource).unwrap_or(usize::MAX);
        }
    }

    /// Whether [`Race::resume`] has something to do with `budget` trials per run: a stopped
    /// run, or a run that spent a smaller budget.
    pub fn can_continue(&self, budget: usize) -> bool {
        !self.is_running()
            && self.problem.is_some()
            && self
                .racers
                .iter()
                .any(|r| Self::continuable(r, budget, self.resource_budget))
    }

    /// Whether run `r` can go on: stopped, or it spent a smaller budget than `budget` trials
    /// (or, with a race resource budget, less resource than `resource`).
    fn continuable(r: &Racer, budget: usize, resource: Option<u64>) -> bool {
        match &r.state {
            RacerState::Finished(FinishReason::Stopped) => true,
            RacerState::Finished(FinishReason::BudgetSpent) => match resource {
                Some(resource) => r.study.resource_used() < resource,
                None => r.study.trials.len() < budget,
            },
            _ => false,
        }
    }

    /// Continue the race: stopped runs go on, and every run that spent its budget is extended
    /// to `budget` trials, each resuming from its own trials (the runner replays them, so a
    /// continued run is the run it would have been with the larger budget). Failed and
    /// exhausted runs stay as they are. Returns `false`, with the reason in `status`, if
    /// there is nothing to continue.
    pub fn resume(&mut self, budget: usize, jobs: usize, wake: Option<Wake>) -> bool {
        self.resume_with(budget, jobs, wake, build_now)
    }

    /// [`Race::resume`], getting the objective, if the race has none yet, from `objective`.
    pub fn resume_with(
        &mut self,
        budget: usize,
        jobs: usize,
        wake: Option<Wake>,
        objective: impl FnOnce(&ObjectiveSpec) -> Result<Arc<dyn Objective>, String>,
    ) -> bool {
        if !self.can_continue(budget) {
            self.status = if self.is_running() {
                "a race is already running".into()
            } else {
                "nothing to continue: raise the study's budget first".into()
            };
            return false;
        }
        let Some(problem) = &mut self.problem else {
            return false;
        };
        if self.objective.is_none() {
            match objective(&problem.objective) {
                Ok(o) => self.objective = Some(o),
                Err(e) => {
                    self.status = fill(tr("cannot continue: {}"), &[&e]);
                    return false;
                }
            }
        }
        problem.budget = problem.budget.max(budget);
        let resource = self.resource_budget;
        if let Some(resource) = resource {
            problem.budget = problem
                .budget
                .max(usize::try_from(resource).unwrap_or(usize::MAX));
        }
        problem.resource_budget = resource;
        let budget = problem.budget;
        let mut runs = Vec::with_capacity(self.racers.len());
        for r in &mut self.racers {
            let go_on = Self::continuable(r, budget, resource);
            if go_on {
                r.study.budget = budget;
                r.study.resource_budget = resource;
                r.state = RacerState::Queued;
            }
            runs.push(go_on.then(|| r.study.clone()));
        }
        self.wake = wake;
        self.slots = jobs.max(1);
        self.journal_runs(runs);
        self.launch();
        self.status = fill(tr("continuing the race to {} trials"), &[&budget]);
        true
    }

    /// Have the journals of the runs about to start (`runs[i]`: run `i`'s study) created off
    /// the UI thread; the runs wait for them. A race with no journal folder starts at once.
    fn journal_runs(&mut self, runs: Vec<Option<Study>>) {
        let Some(setup) = self.to_session() else {
            return;
        };
        if let Err(why) = self.journals.begin(setup, runs, self.wake.clone()) {
            self.journals_failed(&why);
        }
    }

    /// The runs' journals cannot be written: the runs waiting for them fail, saying why.
    fn journals_failed(&mut self, why: &str) {
        for r in &mut self.racers {
            if r.state == RacerState::Queued {
                r.state =
                    RacerState::Failed(fill(tr("its journal cannot be written: {}"), &[&why]));
            }
        }
    }

    /// Start waiting runs while fewer than `slots` are running: the lowest repeat first, and
    /// the strategies in turn within a repeat. Runs wait while their journals are created.
    fn launch(&mut self) {
        if self.journals.is_pending() {
            return;
        }
        let mut running = self
            .racers
            .iter()
            .filter(|r| r.state == RacerState::Running)
            .count();
        if running >= self.slots {
            return;
        }
        let Some(objective) = self.objective.clone() else {
            return;
        };
        let mut order: Vec<usize> = (0..self.racers.len())
            .filter(|&i| self.racers[i].state == RacerState::Queued)
            .collect();
        order.sort_by_key(|&i| self.racers[i].repeat);
        for i in order {
            if running >= self.slots {
                break;
            }
            let racer = &mut self.racers[i];
            let wake: Option<Box<dyn Fn() + Send>> = self.wake.clone().map(|w| {
                let b: Box<dyn Fn() + Send> = Box::new(move || w());
                b
            });
            let storage = self.journals.take(i);
            match runner::start_with(racer.study.clone(), objective.clone(), 1, wake, storage) {
                Ok(handle) => {
                    // The runner drops trials left running by an interrupted run; so do we.
                    racer.study.discard_unfinished();
                    racer.handle = Some(handle);
                    racer.state = RacerState::Running;
                    running += 1;
                }
                Err(e) => racer.state = RacerState::Failed(e.to_string()),
            }
        }
    }

    /// Stop the race: running runs stop after their running trial, waiting ones never start.
    pub fn stop(&mut self) {
        for r in &mut self.racers {
            if r.state == RacerState::Queued {
                r.state = RacerState::Finished(FinishReason::Stopped);
            }
            if let Some(h) = &r.handle {
                // A runner that is gone will show as failed when drained.
                let _ = h.commands.send(runner::Command::Stop);
            }
        }
    }

    /// Apply the runners' events, spending at most `budget`, and start waiting runs in the
    /// slots that freed up; returns how many events were applied.
    pub fn drain(&mut self, budget: Duration) -> usize {
        if let Some(why) = self.journals.poll() {
            self.journals_failed(&why);
        }
        let deadline = Instant::now() + budget;
        let mut applied = 0;
        let n = self.racers.len();
        // Start each frame at a different run, so a fast one cannot starve the others.
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
        self.launch();
        if applied > 0 && !self.is_running() && !self.racers.is_empty() {
            self.status = "race finished".into();
        }
        applied
    }

    /// Apply events until every run has finished, blocking: for tests and scripts.
    pub fn finish_blocking(&mut self) {
        if let Some(why) = self.journals.wait(Duration::from_secs(600)) {
            self.journals_failed(&why);
        }
        loop {
            self.launch();
            let Some(racer) = self.racers.iter_mut().find(|r| r.handle.is_some()) else {
                break;
            };
            while let Some(handle) = &racer.handle {
                let event = handle.events.recv().ok();
                racer.apply(event);
            }
        }
        if !self.racers.is_empty() {
            self.status = "race finished".into();
        }
    }

    /// What the curves plot for a value: log10 regret when the minimum is known, else the value.
    fn curve_value(&self, v: f64) -> f64 {
        match self.known_minimum {
            Some(m) => (v - m).max(1e-12).log10(),
            None => v,
        }
    }

    /// One run's curve: what the plot shows after each of its finished trials.
    pub fn run_curve(&self, racer: &Racer) -> Vec<Option<f64>> {
        racer
            .best_so_far(self.direction)
            .into_iter()
            .map(|b| b.map(|v| self.curve_value(v)))
            .collect()
    }

    /// One run's curve against resource: entry `k` is what the plot shows once the run had
    /// spent `k + 1` units (its best after the last trial finished by then), up to the
    /// resource it spent.
    pub fn run_curve_by_resource(&self, racer: &Racer) -> Vec<Option<f64>> {
        by_resource(&self.run_curve(racer), &racer.spent())
    }

    /// Each run's pruned trials, as plot points in its lane's curve: (lane name, x, y), x the
    /// trial number or, by resource, the cumulative resource when the trial stopped, and y
    /// the run's curve there (pruned trials before the run's first success are left out).
    pub fn pruned_marks(&self) -> Vec<(&str, f64, f64)> {
        let mut marks = Vec::new();
        for racer in &self.racers {
            let curve = self.run_curve(racer);
            let spent = racer.spent();
            for (k, t) in racer.finished_trials().enumerate() {
                if t.pruned_at().is_none() {
                    continue;
                }
                let Some(y) = curve.get(k).copied().flatten() else {
                    continue;
                };
                let x = if self.by_resource {
                    spent.get(k).map_or(0.0, |&s| s as f64)
                } else {
                    (k + 1) as f64
                };
                marks.push((racer.name.as_str(), x, y));
            }
        }
        marks
    }

    /// The strategies in the order of their first run.
    pub fn strategies(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for r in &self.racers {
            if !names.contains(&r.name.as_str()) {
                names.push(&r.name);
            }
        }
        names
    }

    /// Each strategy's mean curve and min–max band over its runs (see the module docs).
    pub fn curves(&self) -> Vec<Curve> {
        self.strategies()
            .into_iter()
            .map(|name| {
                let runs: Vec<Vec<Option<f64>>> = self
                    .racers
                    .iter()
                    .filter(|r| r.name == name)
                    .map(|r| {
                        if self.by_resource {
                            self.run_curve_by_resource(r)
                        } else {
                            self.run_curve(r)
                        }
                    })
                    .collect();
                let band = band(&runs);
                Curve {
                    name: name.to_owned(),
                    band: if self.by_resource { thin(band) } else { band },
                }
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
                values: r.values(),
                strategy_seconds: r.strategy_seconds,
                trials: r.finished_trials().count(),
                spent: r.values_spent(),
                resource: r.spent().last().copied().unwrap_or(0),
                pruned: r.pruned(),
            })
            .collect();
        rank(&runs, self.direction, self.within_percent)
    }

    /// The race as a session saves it, or `None` if no race has run. Runs still going are
    /// saved with their finished trials, as unfinished, so the reopened race can continue.
    pub fn to_session(&self) -> Option<RaceSession> {
        let problem = self.problem.clone()?;
        let runs = self
            .racers
            .iter()
            .map(|r| RaceRun {
                strategy: r.study.strategy.clone(),
                pruner: r.study.pruner.clone(),
                seed: r.study.seed,
                outcome: match &r.state {
                    RacerState::Queued | RacerState::Running => RaceOutcome::Unfinished,
                    RacerState::Finished(FinishReason::BudgetSpent) => RaceOutcome::BudgetSpent,
                    RacerState::Finished(FinishReason::Stopped) => RaceOutcome::Stopped,
                    RacerState::Finished(FinishReason::Exhausted(why)) => {
                        RaceOutcome::Exhausted(why.clone())
                    }
                    RacerState::Finished(FinishReason::StrategyFailed(why)) => {
                        RaceOutcome::StrategyFailed(why.clone())
                    }
                    RacerState::Failed(why) => RaceOutcome::Failed(why.clone()),
                },
                strategy_seconds: r.strategy_seconds,
                trials: r.finished_trials().cloned().collect(),
                strategy_state: r.study.strategy_state.clone(),
            })
            .collect();
        Some(RaceSession {
            problem,
            picked: self.picked.iter().map(Lane::name).collect(),
            repeats: self.runs_per_strategy().max(1),
            within_percent: self.within_percent,
            known_minimum: self.known_minimum,
            runs,
        })
    }

    /// The race a session saved, with every run as it was; runs saved unfinished come back
    /// stopped, so [`Race::resume`] continues them.
    pub fn from_session(saved: RaceSession) -> Race {
        let problem = saved.problem;
        let mut racers: Vec<Racer> = Vec::with_capacity(saved.runs.len());
        for run in saved.runs {
            let name = Lane::pruned(run.strategy.name(), run.pruner.clone()).name();
            let repeat = racers.iter().filter(|r| r.name == name).count();
            let mut study = problem.clone();
            study.strategy = run.strategy;
            study.pruner = run.pruner;
            study.seed = run.seed;
            study.trials = run.trials;
            study.strategy_state = run.strategy_state;
            study.budget = study.budget.max(study.trials.len());
            let state = match run.outcome {
                RaceOutcome::Unfinished | RaceOutcome::Stopped => {
                    RacerState::Finished(FinishReason::Stopped)
                }
                RaceOutcome::BudgetSpent => RacerState::Finished(FinishReason::BudgetSpent),
                RaceOutcome::Exhausted(why) => RacerState::Finished(FinishReason::Exhausted(why)),
                RaceOutcome::StrategyFailed(why) => {
                    RacerState::Finished(FinishReason::StrategyFailed(why))
                }
                RaceOutcome::Failed(why) => RacerState::Failed(why),
            };
            racers.push(Racer {
                name,
                repeat,
                study,
                state,
                strategy_seconds: run.strategy_seconds,
                handle: None,
            });
        }
        let runs = racers.len();
        // A lane takes its pruner's settings from its first run (its name gives defaults).
        let picked = saved
            .picked
            .iter()
            .map(|name| {
                racers.iter().find(|r| r.name == *name).map_or_else(
                    || Lane::parse(name),
                    |r| Lane::pruned(r.study.strategy.name(), r.study.pruner.clone()),
                )
            })
            .collect();
        Race {
            picked,
            resource_budget: problem.resource_budget,
            repeats: saved.repeats.clamp(1, MAX_REPEATS),
            within_percent: saved.within_percent,
            racers,
            direction: problem.direction,
            problem: Some(problem),
            known_minimum: saved.known_minimum,
            status: format!("reopened a race of {runs} runs"),
            ..Race::new()
        }
    }
}

/// A run's curve by trial (`by_trial[k]` after trial `k + 1`) against resource, given the
/// cumulative resource after each trial: entry `u` holds the value once `u + 1` units were
/// spent, i.e. after the last trial finished by then (`None` before the first one).
pub fn by_resource(by_trial: &[Option<f64>], spent: &[u64]) -> Vec<Option<f64>> {
    let total = spent.last().copied().unwrap_or(0);
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut k = 0;
    let mut current = None;
    for unit in 1..=total {
        while k < spent.len() && spent[k] <= unit {
            current = by_trial.get(k).copied().flatten();
            k += 1;
        }
        out.push(current);
    }
    out
}

/// A band against resource without the points inside a flat stretch (same mean, range and
/// runs as both neighbours), which draw the same line: a run of a thousand epochs has a few
/// dozen steps, not a thousand points.
fn thin(band: Vec<BandPoint>) -> Vec<BandPoint> {
    let same = |a: &BandPoint, b: &BandPoint| {
        a.mean == b.mean && a.min == b.min && a.max == b.max && a.runs == b.runs
    };
    let n = band.len();
    band.iter()
        .enumerate()
        .filter(|&(i, p)| i == 0 || i + 1 == n || !(same(&band[i - 1], p) && same(p, &band[i + 1])))
        .map(|(_, p)| *p)
        .collect()
}

/// Build `spec` on the caller's thread (tests and scripts; the window builds off it).
fn build_now(spec: &ObjectiveSpec) -> Result<Arc<dyn Objective>, String> {
    spec.build().map(Arc::from).map_err(|e| e.to_string())
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
            spent: (1..=values.len() as u64).map(|k| 10 * k).collect(),
            resource: 10 * values.len() as u64,
            pruned: 0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn ranking_orders_by_best_then_trials_needed() {
        let runs = vec![
            run("slow", &[5.0, 4.0, 3.0, 1.0]),
            run("fast", &[1.005, 2.0, 1.0, 3.0]),
            run("bad", &[9.0, 8.0]),
            run("none", &[]),
        ];
        let rows = rank(&runs, Direction::Minimize, 1.0);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["fast", "slow", "bad", "none"]);
        // 1.005 is within 1% of the race's best (1.0): trial 1
        let needed = |i: usize| rows[i].trials_needed.map(|s| s.mean);
        assert_eq!(needed(0), Some(1.0));
        assert_eq!(needed(1), Some(4.0));
        assert_eq!(needed(2), None);
        assert_eq!(rows[3].best, None);
        assert_eq!(rows[0].best.map(|s| s.mean), Some(1.0));
        assert_eq!(rows[0].runs, 1);
        // a wider x lets the slow one get there sooner: 4.0 is within 300% of 1.0
        let rows = rank(&runs, Direction::Minimize, 300.0);
        let slow = rows.iter().find(|r| r.name == "slow").unwrap();
        assert_eq!(slow.trials_needed.map(|s| s.mean), Some(2.0));
    }

    #[test]
    fn ranking_respects_maximisation() {
        let runs = vec![run("a", &[0.5, 0.8]), run("b", &[0.9, 0.1])];
        let rows = rank(&runs, Direction::Maximize, 1.0);
        assert_eq!(rows[0].name, "b");
        assert_eq!(rows[0].trials_needed.map(|s| s.mean), Some(1.0));
        // 0.8 is not within 1% of 0.9
        assert_eq!(rows[1].trials_needed, None);
    }

    #[test]
    fn mean_and_sample_sd() {
        let s = MeanSd::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert!(close(s.mean, 5.0));
        // sum of squares 32 over n − 1 = 7
        assert!(close(s.sd, (32.0f64 / 7.0).sqrt()));
        assert_eq!(s.n, 8);
        assert_eq!(MeanSd::of(&[3.0]).map(|s| (s.mean, s.sd)), Some((3.0, 0.0)));
        assert_eq!(MeanSd::of(&[]), None);
    }

    #[test]
    fn repeats_rank_by_the_mean_best_with_its_sd() {
        // "a": bests 1, 2, 3 → 2 ± 1; "b": bests 1.5, 1.5, 1.5 → 1.5 ± 0
        let runs = vec![
            run("a", &[4.0, 1.0]),
            run("a", &[2.0, 5.0]),
            run("a", &[3.0, 3.0]),
            run("b", &[1.5, 9.0]),
            run("b", &[9.0, 1.5]),
            run("b", &[1.5, 1.5]),
        ];
        let rows = rank(&runs, Direction::Minimize, 60.0);
        assert_eq!(rows[0].name, "b");
        let b = rows[0].best.unwrap();
        assert!(close(b.mean, 1.5) && close(b.sd, 0.0) && b.n == 3);
        let a = rows[1].best.unwrap();
        assert!(close(a.mean, 2.0) && close(a.sd, 1.0));
        assert_eq!(rows[1].runs, 3);
        assert_eq!(rows[1].trials, 6);
        assert!(close(rows[1].strategy_seconds.unwrap(), 0.5));
        // race best 1.0, x = 60%: target 1.6. "a" gets there at trials 2 and never (2.0,
        // 3.0 > 1.6); "b" at 1, 2 and 1 → 4/3 ± sd
        let need_a = rows[1].trials_needed.unwrap();
        assert_eq!((need_a.mean, need_a.n), (2.0, 1));
        let need_b = rows[0].trials_needed.unwrap();
        assert!(close(need_b.mean, 4.0 / 3.0));
        assert!(close(need_b.sd, (1.0f64 / 3.0).sqrt()));
    }

    #[test]
    fn band_is_the_mean_and_range_of_the_runs_there() {
        let runs = vec![
            vec![None, Some(3.0), Some(1.0)],
            vec![Some(4.0), Some(2.0), Some(2.0)],
            vec![Some(6.0), Some(1.0)],
        ];
        let b = band(&runs);
        assert_eq!(b.len(), 3);
        // trial 1: only the runs with a success count
        assert_eq!(
            b[0],
            BandPoint {
                trial: 1,
                mean: 5.0,
                min: 4.0,
                max: 6.0,
                runs: 2
            }
        );
        assert_eq!(
            (b[1].trial, b[1].mean, b[1].min, b[1].max),
            (2, 2.0, 1.0, 3.0)
        );
        // trial 3: the third run has not got there
        assert_eq!(
            (b[2].mean, b[2].min, b[2].max, b[2].runs),
            (1.5, 1.0, 2.0, 2)
        );
        assert!(band(&[vec![None], vec![]]).is_empty());
    }

    fn finished_racer(name: &str, repeat: usize, values: &[f64]) -> Racer {
        let mut study = crate::gui::state::Workbench::branin_study();
        study.seed += repeat as u64;
        study.strategy = StrategySpec::from_name(name).unwrap();
        study.trials = values
            .iter()
            .enumerate()
            .map(|(i, &v)| crate::study::Trial::complete(i, Default::default(), Vec::new(), v))
            .collect();
        Racer {
            name: name.into(),
            repeat,
            study,
            state: RacerState::Finished(FinishReason::BudgetSpent),
            strategy_seconds: Some(0.25 + repeat as f64),
            handle: None,
        }
    }

    #[test]
    fn curves_average_log_regret_over_repeats() {
        let race = Race {
            racers: vec![
                finished_racer("random", 0, &[10.0, 1.0]),
                finished_racer("random", 1, &[1000.0, 100.0]),
                finished_racer("gp", 0, &[0.1, 5.0]),
            ],
            known_minimum: Some(0.0),
            ..Race::new()
        };
        let curves = race.curves();
        assert_eq!(curves.len(), 2);
        assert_eq!(curves[0].name, "random");
        // log10 regrets: run 0: 1, 0; run 1: 3, 2 → means 2 and 1, bands [1, 3] and [0, 2]
        let b = &curves[0].band;
        assert_eq!((b[0].mean, b[0].min, b[0].max), (2.0, 1.0, 3.0));
        assert_eq!((b[1].mean, b[1].min, b[1].max), (1.0, 0.0, 2.0));
        // gp's best so far stays at 0.1 → −1
        assert_eq!(curves[1].band[1].mean, -1.0);
        assert_eq!(race.runs_per_strategy(), 2);
    }

    #[test]
    fn a_race_round_trips_through_its_session_part() {
        let mut race = Race {
            racers: vec![
                finished_racer("random", 0, &[3.0, 1.0]),
                finished_racer("random", 1, &[2.0, 0.5]),
                finished_racer("gp", 0, &[0.7, 0.6]),
                finished_racer("gp", 1, &[0.9, 0.4]),
            ],
            picked: vec!["random".into(), "gp".into()],
            problem: Some(crate::gui::state::Workbench::branin_study()),
            known_minimum: Some(0.397887),
            within_percent: 5.0,
            ..Race::new()
        };
        race.racers[3].state = RacerState::Running;
        let saved = race.to_session().unwrap();
        assert_eq!(saved.repeats, 2);
        assert_eq!(saved.runs[3].outcome, RaceOutcome::Unfinished);
        let back = Race::from_session(saved.clone());
        assert_eq!(back.curves(), race.curves());
        assert_eq!(back.ranking(), race.ranking());
        assert_eq!(back.within_percent, 5.0);
        assert_eq!(back.racers[1].repeat, 1);
        assert_eq!(back.racers[1].study.seed, race.racers[1].study.seed);
        // the unfinished run comes back stopped, so the race can continue
        assert_eq!(
            back.racers[3].state,
            RacerState::Finished(FinishReason::Stopped)
        );
        assert!(back.can_continue(2));
        assert_eq!(back.to_session().unwrap().runs[0], saved.runs[0]);
        assert!(Race::new().to_session().is_none());
    }

    #[test]
    fn a_lane_is_named_by_its_strategy_and_pruner_and_its_name_reads_back() {
        let plain = Lane::new("tpe");
        assert_eq!(plain.name(), "tpe");
        let asha = Lane::pruned("tpe", PrunerSpec::from_name("asha").unwrap());
        assert_eq!(asha.name(), "tpe + asha");
        assert_eq!(Lane::parse("tpe + asha"), asha);
        assert_eq!(Lane::parse("tpe"), plain);
        assert!(asha == "tpe + asha");
        let race = Race {
            picked: vec![plain.clone(), asha, plain],
            ..Race::new()
        };
        assert_eq!(race.repeated_lane().as_deref(), Some("tpe"));
    }

    #[test]
    fn a_curve_by_resource_holds_each_best_until_the_next_trial_ends() {
        // trials ending after 3, 4 and 8 units: nothing for units 1–2, then each best
        let curve = by_resource(&[Some(5.0), Some(4.0), Some(1.0)], &[3, 4, 8]);
        assert_eq!(
            curve,
            [
                None,
                None,
                Some(5.0),
                Some(4.0),
                Some(4.0),
                Some(4.0),
                Some(4.0),
                Some(1.0)
            ]
        );
        let thinned = thin(band(&[curve]));
        let xs: Vec<usize> = thinned.iter().map(|p| p.trial).collect();
        // the flat stretch 4.0 keeps its ends only
        assert_eq!(xs, [3, 4, 7, 8]);
    }

    /// A run of `values` where the trials listed in `pruned` stopped after 1 of 4 steps.
    fn pruned_racer(name: &str, pruner: &str, values: &[f64], pruned: &[usize]) -> Racer {
        let mut racer = finished_racer(name, 0, values);
        racer.study.pruner = PrunerSpec::from_name(pruner).unwrap();
        racer.name = Lane::pruned(name, racer.study.pruner.clone()).name();
        for t in &mut racer.study.trials {
            let steps = if pruned.contains(&t.number) { 1 } else { 4 };
            t.intermediate = (1..=steps)
                .map(|step| crate::study::Intermediate { step, value: 0.0 })
                .collect();
            if pruned.contains(&t.number) {
                t.state = TrialState::Pruned {
                    step: 1,
                    value: t.value.unwrap_or(0.0),
                };
                t.value = None;
            }
        }
        racer
    }

    #[test]
    fn lanes_share_a_strategy_and_are_ranked_with_their_resource_and_pruned_trials() {
        let mut race = Race {
            racers: vec![
                pruned_racer("tpe", "none", &[3.0, 1.0, 2.0], &[]),
                pruned_racer("tpe", "asha", &[3.0, 2.0, 1.0, 5.0], &[1, 3]),
            ],
            picked: vec!["tpe".into(), "tpe + asha".into()],
            problem: Some(crate::gui::state::Workbench::branin_study()),
            ..Race::new()
        };
        let ranking = race.ranking();
        let row = |name: &str| ranking.iter().find(|r| r.name == name).unwrap().clone();
        let (full, asha) = (row("tpe"), row("tpe + asha"));
        assert_eq!((full.resource, full.pruned, full.trials), (12, 0, 3));
        assert_eq!((asha.resource, asha.pruned, asha.trials), (10, 2, 4));
        // both reach 1.0: the full lane after 8 units (trial 2), the pruned one after 9
        assert_eq!(full.resource_needed.map(|s| s.mean), Some(8.0));
        assert_eq!(asha.resource_needed.map(|s| s.mean), Some(9.0));
        assert_eq!(asha.trials_needed.map(|s| s.mean), Some(3.0));
        // pruned trials are marked on the lane's curve, by trial and by resource
        assert_eq!(
            race.pruned_marks(),
            [("tpe + asha", 2.0, 3.0), ("tpe + asha", 4.0, 1.0)]
        );
        race.by_resource = true;
        assert_eq!(
            race.pruned_marks(),
            [("tpe + asha", 5.0, 3.0), ("tpe + asha", 10.0, 1.0)]
        );
        let curves = race.curves();
        assert_eq!(
            curves[1].band.last().map(|p| (p.trial, p.mean)),
            Some((10, 1.0))
        );
        // the lanes and their pruners come back from the saved race
        let back = Race::from_session(race.to_session().unwrap());
        assert_eq!(back.picked, race.picked);
        assert_eq!(back.racers[1].study.pruner, race.racers[1].study.pruner);
        assert_eq!(back.ranking(), race.ranking());
    }

    #[test]
    fn a_resource_budget_lifts_the_trial_budget_and_lets_a_spent_race_continue_when_raised() {
        let mut race = Race {
            racers: vec![pruned_racer("random", "none", &[3.0, 1.0], &[])],
            problem: Some(crate::gui::state::Workbench::branin_study()),
            resource_budget: Some(8),
            ..Race::new()
        };
        let mut problem = crate::gui::state::Workbench::branin_study();
        race.set_resource_budget(&mut problem);
        assert_eq!((problem.budget, problem.resource_budget), (8, Some(8)));
        // 8 units spent: nothing to continue until the resource budget is raised
        assert!(!race.can_continue(100));
        race.resource_budget = Some(12);
        assert!(race.can_continue(2));
    }

    #[test]
    fn a_runner_that_vanishes_is_a_failure() {
        let mut racer = finished_racer("random", 0, &[]);
        racer.state = RacerState::Running;
        racer.apply(None);
        assert!(matches!(racer.state, RacerState::Failed(_)));
        let race = Race {
            racers: vec![racer],
            ..Race::new()
        };
        assert!(!race.is_running());
    }
}
