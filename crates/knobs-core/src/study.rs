//! Trials and studies: the record of a tuning run, independent of how it was produced.
//!
//! A [`Study`] holds its definition (space, objective, strategy, seed, budget) and the
//! trials so far. The CLI, the GUI and saved sessions all read the same structure, so a
//! reopened session draws exactly what the live run drew.

use crate::objective::ObjectiveSpec;
use crate::space::{Params, Space};
use crate::strategy::StrategySpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod validate;
pub use validate::{MAX_WINDOW, StudyError};

/// Whether larger or smaller objective values are better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Direction {
    /// Smaller is better (losses, regret, synthetic test functions).
    #[default]
    Minimize,
    /// Larger is better (accuracy, R²).
    Maximize,
}

impl Direction {
    /// The value as a strategy sees it: strategies always minimise.
    pub fn to_loss(self, value: f64) -> f64 {
        match self {
            Direction::Minimize => value,
            Direction::Maximize => -value,
        }
    }

    /// Whether `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        self.to_loss(a) < self.to_loss(b)
    }

    /// The lower-case name used by the CLI and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "min" | "minimize" | "minimise" => Ok(Direction::Minimize),
            "max" | "maximize" | "maximise" => Ok(Direction::Maximize),
            other => Err(format!(
                "unknown direction `{other}` (use maximize or minimize)"
            )),
        }
    }
}

/// Where a trial stands. A failed trial keeps its reason so the table can show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TrialState {
    /// Handed to a worker, no result yet.
    Running,
    /// Evaluated; `Trial::value` holds the result.
    Complete,
    /// The objective errored, panicked, timed out or returned a non-finite value.
    Failed(String),
    /// The study's pruner stopped the trial after it reported `value` at `step`: not a
    /// failure, and not a result either. Strategies learn from it as from a trial that
    /// completed with `value` (see [`Trial::told_value`]).
    Pruned {
        /// The last step the trial reported.
        step: u64,
        /// The value it reported there.
        value: f64,
    },
}

/// One evaluated (or evaluating) point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based position in the study; also the order strategies are told results in.
    pub number: usize,
    /// The parameter values the objective received.
    pub params: Params,
    /// The unit-cube point the strategy asked for (before rounding ints and categoricals).
    pub point: Vec<f64>,
    /// Running, complete or failed.
    pub state: TrialState,
    /// The objective value, for a complete trial.
    pub value: Option<f64>,
    /// Per-fold scores, where the objective is a cross-validation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<f64>,
    /// The objective's gradient with respect to the free numeric parameters (raw scale),
    /// where the strategy asked for it and the objective has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gradient: Option<Vec<f64>>,
    /// Why the strategy chose this point when it is not an ordinary proposal (for example
    /// "finite-difference probe"), shown in the trial table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Seconds since the Unix epoch when the evaluation started.
    pub started_at: f64,
    /// Wall-clock seconds the evaluation took.
    pub duration: f64,
    /// Seconds spent fitting models, where the objective reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit_seconds: Option<f64>,
    /// Values the objective reported while it ran (a training script's learning curve),
    /// in the order reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intermediate: Vec<Intermediate>,
    /// Attributes the objective reported about itself (`epochs_run`), shown beside the trial.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, AttrValue>,
    /// What the evaluation cost the machine, where it was measured (external commands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// One intermediate value a running trial reported (`{"step": 3, "value": 0.91}`), so a
/// learning curve can be drawn and kept with the trial.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intermediate {
    /// The script's own step counter (an epoch, an iteration).
    pub step: u64,
    /// The value at that step, in the objective's units.
    pub value: f64,
}

/// A user attribute's value: scripts report numbers mostly, sometimes words or flags.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AttrValue {
    /// A number (`12`, `0.5`).
    Number(f64),
    /// Text (`"adam"`).
    Text(String),
    /// A flag (`true`).
    Flag(bool),
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrValue::Number(x) => write!(f, "{x}"),
            AttrValue::Text(s) => f.write_str(s),
            AttrValue::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// What one evaluation cost, so a table can show which settings are expensive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// Wall-clock seconds from start to exit.
    pub wall_seconds: f64,
    /// CPU seconds (user + system) of the process and the descendants it waited for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
    /// The largest resident memory seen, in bytes: the most of the whole process group
    /// sampled while it ran, or the main process's own peak, whichever is larger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
}

impl Trial {
    /// A completed trial known only by its point and value (no timing, folds or label): what
    /// a surrogate fitted for display, or a test, needs of a trial.
    pub fn complete(number: usize, params: Params, point: Vec<f64>, value: f64) -> Self {
        Trial {
            number,
            params,
            point,
            state: TrialState::Complete,
            value: Some(value),
            folds: Vec::new(),
            gradient: None,
            label: None,
            started_at: 0.0,
            duration: 0.0,
            fit_seconds: None,
            intermediate: Vec::new(),
            attrs: BTreeMap::new(),
            resources: None,
        }
    }

    /// The value, if the trial completed with a finite one. (A stored NaN or infinity is
    /// never a result: validation marks such a trial failed, and this never reports one.)
    pub fn completed_value(&self) -> Option<f64> {
        match self.state {
            TrialState::Complete => self.value.filter(|v| v.is_finite()),
            _ => None,
        }
    }

    /// The value a strategy is told: the result of a complete trial, or the last value of a
    /// pruned one. A pruned trial's last value is what it had reached when it stopped; for a
    /// learning curve that improves with steps it is pessimistic, which suits a trial judged
    /// not worth finishing, and it keeps the point in the model (a strategy told nothing
    /// would propose it again). Every strategy learns from pruned trials this way, as Optuna's
    /// samplers read a pruned trial's last intermediate value.
    pub fn told_value(&self) -> Option<f64> {
        match self.state {
            TrialState::Pruned { value, .. } if value.is_finite() => Some(value),
            _ => self.completed_value(),
        }
    }

    /// The step a pruned trial stopped at.
    pub fn pruned_at(&self) -> Option<u64> {
        match self.state {
            TrialState::Pruned { step, .. } => Some(step),
            _ => None,
        }
    }

    /// The resource the trial used: the number of steps it reported (epochs, boosting rounds,
    /// a script's progress lines), or 1 for a finished trial that reported none (a trial
    /// evaluated whole is one unit). What `--resource-budget` counts and the summary sums.
    pub fn resource(&self) -> u64 {
        match (self.intermediate.len(), &self.state) {
            (0, TrialState::Running) => 0,
            (0, _) => 1,
            (n, _) => n as u64,
        }
    }

    /// The failure reason, if the trial failed.
    pub fn failure(&self) -> Option<&str> {
        match &self.state {
            TrialState::Failed(reason) => Some(reason),
            _ => None,
        }
    }
}

/// A whole tuning problem and its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Study {
    /// A short title, shown in the window and the session list.
    #[serde(default)]
    pub name: String,
    /// Free text shown beside the study (lessons explain themselves here).
    #[serde(default)]
    pub description: String,
    /// The description in Simplified Chinese, shown instead when the window is in Chinese
    /// (the lessons carry both).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description_zh: String,
    /// Whether to maximise or minimise the objective.
    pub direction: Direction,
    /// What is evaluated.
    pub objective: ObjectiveSpec,
    /// What is searched.
    pub space: Space,
    /// How points are chosen.
    pub strategy: StrategySpec,
    /// Seeds every random choice, so a study can be replayed exactly.
    pub seed: u64,
    /// Total number of trials, counting the ones already run.
    pub budget: usize,
    /// How many trials may be outstanding at once. Part of the study, not of the machine,
    /// so the same seed gives the same trials whatever `--jobs` is; `None` lets the
    /// strategy choose (see [`crate::strategy::Strategy::default_window`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// Stops hopeless trials early from the values they report ([`crate::pruner`]); none in
    /// older sessions.
    #[serde(default, skip_serializing_if = "crate::pruner::PrunerSpec::is_none")]
    pub pruner: crate::pruner::PrunerSpec,
    /// The most resource the run spends ([`Trial::resource`] summed over told trials): no new
    /// trial is asked once it is reached; `None` (default) counts trials only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_budget: Option<u64>,
    /// Trials so far, in trial-number order.
    #[serde(default)]
    pub trials: Vec<Trial>,
    /// Where the strategy stood when the last run or step mode ended, so a resume costs
    /// about one ask instead of replaying every trial (see [`crate::strategy::state`]).
    /// Absent in older sessions, and ignored when it no longer fits the study: the resume
    /// then replays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_state: Option<Box<crate::strategy::SavedState>>,
    /// Adaptive ranges: the rule that widens a bound the best trials keep hitting, when it is
    /// on, and the widenings made so far ([`crate::advisor::adaptive`]). Off in older
    /// sessions.
    #[serde(
        default,
        skip_serializing_if = "crate::advisor::adaptive::Adaptive::is_off"
    )]
    pub adaptive: crate::advisor::adaptive::Adaptive,
    /// A finished study's trials this one was seeded with (`--warm-start`): its first
    /// trials are their best points and the GP takes them as down-weighted observations
    /// (see [`crate::strategy::warm`]). Kept so a resume is seeded as the first run was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_start: Option<Box<crate::strategy::warm::WarmStart>>,
}

impl Study {
    /// How many trials the strategy runs at once by itself (its default window; `None` when
    /// it cannot be built): what the CLI and the window compare with the jobs asked for, to
    /// say why more jobs would sit idle.
    pub fn strategy_window(&self) -> Option<usize> {
        self.strategy
            .build(&self.space, self.seed)
            .ok()
            .map(|s| s.default_window())
    }

    /// Where trial `number` sits in [`Study::trials`], in O(log n) at worst: the runner,
    /// the stepper and the journal look a trial up on every event, and a scan made a long
    /// study's coordinator quadratic. Trials are kept in number order (every writer keeps it,
    /// [`Study::repair`] sorts a stored file) and a run numbers them `0..n`, so the trial is
    /// nearly always at its own number; otherwise a binary search finds it.
    pub(crate) fn trial_index(&self, number: usize) -> Option<usize> {
        if self.trials.get(number).is_some_and(|t| t.number == number) {
            return Some(number);
        }
        self.trials.binary_search_by_key(&number, |t| t.number).ok()
    }

    /// Trial `number`, found as [`Study::trial_index`] does.
    pub(crate) fn trial(&self, number: usize) -> Option<&Trial> {
        self.trial_index(number).map(|i| &self.trials[i])
    }

    /// Trial `number` to change in place, found as [`Study::trial_index`] does.
    pub(crate) fn trial_mut(&mut self, number: usize) -> Option<&mut Trial> {
        self.trial_index(number).map(|i| &mut self.trials[i])
    }

    /// Put a trial's latest state in place: replace the trial with its number, or insert it
    /// in number order (the runner's events carry whole trials, started and then finished;
    /// a resumed hole is started after later trials already stored).
    pub fn record(&mut self, trial: Trial) {
        if let Some(slot) = self.trial_mut(trial.number) {
            *slot = trial;
            return;
        }
        let at = self.trials.partition_point(|t| t.number < trial.number);
        self.trials.insert(at, trial);
    }

    /// The best complete trial under the study's direction; ties go to the earlier trial.
    pub fn best_trial(&self) -> Option<&Trial> {
        let mut best: Option<&Trial> = None;
        for t in &self.trials {
            if let Some(v) = t.completed_value()
                && best
                    .and_then(Trial::completed_value)
                    .is_none_or(|b| self.direction.better(v, b))
            {
                best = Some(t);
            }
        }
        best
    }

    /// The best value found after each trial (`None` until the first success).
    pub fn best_so_far(&self) -> Vec<Option<f64>> {
        let mut best: Option<f64> = None;
        self.trials
            .iter()
            .map(|t| {
                if let Some(v) = t.completed_value()
                    && best.is_none_or(|b| self.direction.better(v, b))
                {
                    best = Some(v);
                }
                best
            })
            .collect()
    }

    /// Number of pruned trials.
    pub fn pruned(&self) -> usize {
        self.trials
            .iter()
            .filter(|t| t.pruned_at().is_some())
            .count()
    }

    /// The resource used by all trials so far ([`Trial::resource`]).
    pub fn resource_used(&self) -> u64 {
        self.trials.iter().map(Trial::resource).sum()
    }

    /// Number of finished trials (complete, pruned or failed).
    pub fn finished(&self) -> usize {
        self.trials
            .iter()
            .filter(|t| t.state != TrialState::Running)
            .count()
    }

    /// Number of failed trials.
    pub fn failed(&self) -> usize {
        self.trials.iter().filter(|t| t.failure().is_some()).count()
    }

    /// Trials still to run before the budget is spent.
    pub fn remaining(&self) -> usize {
        self.budget.saturating_sub(self.finished())
    }

    /// Drop the trials left `Running` by an interrupted run, keeping every finished trial
    /// (also those after a running one). For views that show finished trials only: a study
    /// to resume should keep its running trials instead, which the runner asks again in
    /// their place ([`crate::runner`]).
    pub fn discard_unfinished(&mut self) {
        self.trials.retain(|t| t.state != TrialState::Running);
    }

    /// How many trials from number 0 are an unbroken run of finished ones: the count stops
    /// at the first trial that is running, missing (its number out of place) or
    /// `interrupted`. Strategies are told results in trial order, so only such a prefix can
    /// be replayed by a resumed run; each storage says what it knows as interrupted.
    pub fn finished_prefix(&self, interrupted: impl Fn(&Trial) -> bool) -> usize {
        self.trials
            .iter()
            .enumerate()
            .position(|(i, t)| t.number != i || t.state == TrialState::Running || interrupted(t))
            .unwrap_or(self.trials.len())
    }
}

/// The study `knobs run` starts from without a session, and the window's File ▸ New: 60
/// trials of random search on Branin over its standard box.
pub fn default_study() -> Study {
    let objective = crate::objective::ObjectiveSpec::default();
    let space = objective
        .build()
        .map(|o| o.default_space())
        .unwrap_or_default();
    Study {
        name: String::new(),
        description: String::new(),
        description_zh: String::new(),
        direction: Direction::Minimize,
        objective,
        space,
        strategy: crate::strategy::StrategySpec::Random,
        seed: 0,
        budget: 60,
        window: None,
        pruner: crate::pruner::PrunerSpec::None,
        resource_budget: None,
        trials: Vec::new(),
        strategy_state: None,
        adaptive: Default::default(),
        warm_start: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ran(budget: usize) -> Study {
        let mut study = default_study();
        study.budget = budget;
        let objective = Arc::from(study.objective.build().unwrap());
        crate::runner::run_to_end(study, objective, 1).unwrap().0
    }

    #[test]
    fn trials_are_found_by_number_at_their_own_index_and_across_a_gap() {
        let mut study = ran(6);
        assert_eq!(study.trial_index(4), Some(4));
        assert_eq!(study.trial_index(6), None);
        let second = study.trials.remove(2);
        // After the gap every trial sits one place before its number.
        assert_eq!(study.trial_index(2), None);
        assert_eq!(study.trial_index(5), Some(4));
        assert_eq!(study.trial(3).map(|t| t.number), Some(3));
        assert_eq!(study.trial_index(0), Some(0));
        // Recording the missing trial puts it back in its place, in number order.
        study.record(second.clone());
        assert_eq!(study.trial_index(2), Some(2));
        assert_eq!(study.trials[2], second);
        let numbers: Vec<usize> = study.trials.iter().map(|t| t.number).collect();
        assert_eq!(numbers, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn recording_a_known_trial_replaces_it_in_place() {
        let mut study = ran(4);
        let mut changed = study.trials[3].clone();
        changed.value = Some(-1.0);
        study.record(changed.clone());
        assert_eq!(study.trials.len(), 4);
        assert_eq!(study.trials[3], changed);
        let mut first = study.trials[0].clone();
        first.label = Some("again".into());
        study.record(first.clone());
        assert_eq!(study.trials.len(), 4);
        assert_eq!(study.trials[0], first);
    }
}
