//! The runner: evaluates a study's trials on worker threads and streams what happens.
//!
//! One coordinator thread owns the strategy; `jobs` worker threads evaluate the objective.
//! Events go out on one channel ([`Event`]), commands come in on another ([`Command`]), so
//! the CLI's progress bar and the GUI listen to the same stream.
//!
//! **Determinism.** The strategy sees one fixed sequence of calls whatever `jobs` is: trial
//! `n` is asked as soon as every trial before `n − window + 1` has been told, and results are
//! told strictly in trial-number order (a result that arrives early waits); a generational
//! strategy may also hold asks back until its generation is told
//! ([`Strategy::ready`](crate::strategy::Strategy::ready)). Asked trials queue until a worker
//! is free. So the same seed and window give the same trials on one core or
//! sixteen; `jobs` only changes how fast.
//!
//! **Resuming.** A study with trials already in it is validated first ([`Study::validate`]),
//! then restores the strategy from the state the last run saved with the study and the stored
//! trials, which costs about one ask (see `restore`); a study without a fitting state (an
//! older session, changed settings, a trial stored as still running) replays its trials
//! through a fresh strategy on the same schedule (asks are made and their points replaced by
//! the stored ones), which rebuilds the strategy's state exactly when the strategy is
//! unchanged, and teaches a changed strategy the old results. A trial stored as still running
//! (saved mid-run) is a hole in the history: its number is asked again and evaluated, and the
//! finished trials stored after it are told once it is, in order, exactly as the
//! uninterrupted run told them.
//!
//! **Pruning.** A trial reports intermediate values through
//! [`TrialContext::report`](crate::objective::TrialContext::report); the worker running it
//! asks the study's pruner ([`crate::pruner`]) at once and answers with the verdict. The
//! pruner's decision for trial `k` at step `s` depends only on `k`'s own reports and the
//! trials *told* before `k` was asked (their curves, fixed by the schedule above), never on
//! what trials running beside it reported meanwhile. So with the same seed and window the
//! same trials are pruned at the same steps whatever `jobs` is. A strategy that ignores
//! results (random, grid, Sobol) has no window of its own and runs `2 × jobs` ahead without
//! a pruner; with one, it runs [`PRUNING_WINDOW`] ahead instead (a window set in the study
//! wins), so that how far ahead it runs, and hence what a pruner sees, does not depend on
//! `jobs`. A pruned trial is recorded as [`TrialState::Pruned`] and told to the strategy with
//! its last value ([`Trial::told_value`]). A command trial that is pruned has its process
//! group ended.
//!
//! **Resource.** Each trial's resource is the number of steps it reported
//! ([`Trial::resource`]); with [`Study::resource_budget`] no trial is asked once the trials
//! told so far have used that much (also decided on the schedule, so deterministic). The
//! trials already asked then finish, so a run may overshoot by up to a window of trials (a
//! strategy without a window of its own then runs [`PRUNING_WINDOW`] ahead, as with a
//! pruner, so the overshoot does not depend on `jobs` either).
//!
//! The schedule, the replay, evaluation under `catch_unwind` and recording results are shared
//! with [`crate::stepper`], which steps a study one trial per command on the same schedule.

use crate::objective::{Evaluation, Objective, ObjectiveError, TrialContext, Verdict};
use crate::pruner::{History, PrunerSpec};
use crate::space::Space;
use crate::storage::{Durable, Storage};
use crate::strategy::{Observation, Strategy, StrategyError, Suggestion};
use crate::study::{Direction, Study, Trial, TrialState};
use crossbeam_channel::{Receiver, Sender, select, unbounded};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often a run with a storage writes the strategy's state there (see
/// `Coordinator::checkpoint`): every this many seconds, and whenever the trials told have
/// grown by [`CHECKPOINT_TRIALS`] and doubled since the last one (25, 50, 100, …), so a resume
/// after a kill replays little work, and a fast study pays for few states (each costs a pass
/// over the trials told).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(2);

/// See [`CHECKPOINT_EVERY`].
pub(crate) const CHECKPOINT_TRIALS: usize = 25;

mod adaptive;
pub mod remote;
pub(crate) mod restore;

/// How far ahead a strategy without a window of its own (random, grid, Sobol) runs when the
/// study has a pruner or a resource budget: fixed, so pruning decisions and where the budget
/// stops do not depend on `jobs` (see the module docs). Eight keeps up to eight workers busy;
/// give the study a window for more.
pub const PRUNING_WINDOW: usize = 8;

/// How far ahead a run asks: the study's window, else the strategy's own
/// (`strategy_window`). Strategies that ignore results report an unbounded window; any cap
/// gives the same points, so the queue is kept short (`2 × jobs`). A pruner sees what was
/// told before each ask, and a resource budget counts it, so then the cap must not depend on
/// `jobs` ([`PRUNING_WINDOW`]; see the module docs). Shared by the in-process runner and
/// the coordinator of worker processes (`jobs`: trials enqueued at once).
pub(crate) fn window_for(study: &Study, strategy_window: usize, jobs: usize) -> usize {
    let w = study.window.unwrap_or(strategy_window);
    let fixed = study.pruner.is_active() || study.resource_budget.is_some();
    let w = match (w, fixed) {
        (usize::MAX, false) => 2 * jobs.max(1),
        (usize::MAX, true) => PRUNING_WINDOW,
        (w, _) => w,
    };
    w.max(1)
}

/// The study's window as the strategy's state records it: before the cap of
/// [`window_for`], so a state saved with one `jobs` fits a resume with another.
pub(crate) fn nominal_window(study: &Study, strategy_window: usize) -> usize {
    study.window.unwrap_or(strategy_window).max(1)
}

/// What a listener can ask of a running study.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Start no new trial until `Resume`; running trials finish.
    Pause,
    /// Start trials again after `Pause`.
    Resume,
    /// Start no new trial, end running ones that can be ended (external commands; their
    /// trials are dropped and asked again on resume), let the others finish, then end the run.
    Stop,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum FinishReason {
    /// Every trial of the budget has run.
    BudgetSpent,
    /// A `Stop` command arrived.
    Stopped,
    /// The strategy had nothing more to propose (a finished grid).
    Exhausted(String),
    /// The strategy failed; the message says why.
    StrategyFailed(String),
}

/// What happens during a run, in the order it happens.
#[derive(Clone, Debug)]
pub enum Event {
    /// A worker took trial `number`; the trial is in the study as `Running`.
    TrialStarted(Trial),
    /// A running trial reported an intermediate value (a training script's learning curve).
    TrialProgress {
        /// The trial.
        number: usize,
        /// The script's step.
        step: u64,
        /// The value at that step.
        value: f64,
    },
    /// A trial completed or failed.
    TrialFinished(Trial),
    /// The adaptive rule widened a range ([`crate::advisor::adaptive`]): trials from
    /// `change.trial` on are asked on the new space. A listener keeping its own copy of the
    /// study takes the definition's space and adaptive record (and recomputes its trials'
    /// points).
    RangeWidened {
        /// What was widened, and where in the run.
        change: crate::advisor::adaptive::RangeChange,
        /// The study's definition after the change (no trials, no strategy state).
        definition: Box<Study>,
    },
    /// The run is over; no event follows.
    StudyFinished {
        /// Why it ended.
        reason: FinishReason,
        /// Seconds spent inside the strategy's `ask` and `tell` during this run (replaying
        /// earlier trials excluded).
        strategy_seconds: f64,
        /// The strategy's state for the study's trials, as the joined study carries it:
        /// a listener keeping its own copy of the study stores it there for a cheap resume.
        strategy_state: Option<Box<crate::strategy::SavedState>>,
    },
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The strategy cannot be built for this space.
    #[error("strategy `{name}`: {source}")]
    Strategy {
        /// The strategy's name (`gp`, `tpe`, …), or the part that could not start (`runner`,
        /// `stepper`, `coordinator`).
        name: &'static str,
        /// What went wrong.
        source: StrategyError,
    },
    /// The study has nothing to search.
    #[error("the search space is empty")]
    EmptySpace,
    /// The study's stored trials do not fit its definition.
    #[error("the study cannot run: {0}")]
    Invalid(#[from] crate::study::StudyError),
}

/// A running study: listen on `events`, steer with `commands`, collect the study with `join`.
pub struct RunHandle {
    /// Every event of the run; disconnected once the run is over (or if it died).
    pub events: Receiver<Event>,
    /// Pause, resume and stop.
    pub commands: Sender<Command>,
    thread: JoinHandle<Study>,
    storage_error: Arc<Mutex<Option<String>>>,
}

impl RunHandle {
    /// Wait for the run to end and return the study with all its trials. A coordinator that
    /// panicked (a bug) is reported as an error rather than propagated.
    pub fn join(self) -> Result<Study, String> {
        self.thread
            .join()
            .map_err(|p| format!("the runner died: {}", panic_message(&p)))
    }

    /// Why the run's storage stopped accepting events, if it did: the run then stops, and
    /// trials whose results could not be made durable are not reported.
    pub fn storage_error(&self) -> Option<String> {
        self.storage_error.lock().ok().and_then(|e| e.clone())
    }
}

/// Start running `study` (resuming any trials it has) on `jobs` worker threads. `wake` is
/// called after each event is sent, so a GUI can request a repaint.
pub fn start(
    study: Study,
    objective: Arc<dyn Objective>,
    jobs: usize,
    wake: Option<Box<dyn Fn() + Send>>,
) -> Result<RunHandle, RunError> {
    start_with(study, objective, jobs, wake, None)
}

/// [`start`], writing every trial event to `storage` first: an event is sent (and `wake`
/// called) only once the storage has committed it, in groups when trials end faster than
/// the storage commits (see [`crate::storage`]). The storage must already hold the study's
/// definition and stored trials. If it fails, the run stops as after `Stop` and
/// [`RunHandle::storage_error`] says why.
pub fn start_with(
    study: Study,
    objective: Arc<dyn Objective>,
    jobs: usize,
    wake: Option<Box<dyn Fn() + Send>>,
    storage: Option<Box<dyn Storage>>,
) -> Result<RunHandle, RunError> {
    study.validate()?;
    let strategy = build_strategy(&study.strategy, &study)?;
    let (event_tx, events) = unbounded();
    let (commands, command_rx) = unbounded();
    let storage_error = Arc::new(Mutex::new(None));
    let (durable, wake) = match storage {
        Some(storage) => (
            Some(Durable::start(
                storage,
                event_tx.clone(),
                wake,
                Arc::clone(&storage_error),
            )),
            None,
        ),
        None => (None, wake),
    };
    let thread = std::thread::Builder::new()
        .name("knobs-runner".into())
        .spawn(move || {
            let mut coordinator = Coordinator {
                study,
                strategy,
                events: event_tx,
                wake,
                strategy_seconds: 0.0,
                durable,
            };
            coordinator.run(objective.as_ref(), jobs.max(1), command_rx);
            // Every event committed and sent before the study is handed back.
            if let Some(durable) = coordinator.durable.take() {
                durable.finish();
            }
            coordinator.study
        })
        .expect("spawning the runner thread");
    Ok(RunHandle {
        events,
        commands,
        thread,
        storage_error,
    })
}

/// Run a study to the end on this thread's behalf and return it, ignoring events: the
/// simplest way to use the runner from tests and benchmarks.
pub fn run_to_end(
    study: Study,
    objective: Arc<dyn Objective>,
    jobs: usize,
) -> Result<(Study, FinishReason, f64), RunError> {
    let handle = start(study, objective, jobs, None)?;
    let mut finish = (FinishReason::Stopped, 0.0);
    for event in handle.events.iter() {
        if let Event::StudyFinished {
            reason,
            strategy_seconds,
            ..
        } = event
        {
            finish = (reason, strategy_seconds);
        }
    }
    let study = handle.join().map_err(|e| RunError::Strategy {
        name: "runner",
        source: StrategyError::Unsupported(e),
    })?;
    Ok((study, finish.0, finish.1))
}

/// Build `spec` for the study's space and seed, refusing an empty space: the runner and the
/// stepper start (and the stepper retunes) through the same checks.
pub(crate) fn build_strategy(
    spec: &crate::strategy::StrategySpec,
    study: &Study,
) -> Result<Box<dyn Strategy>, RunError> {
    if study.space.params().is_empty() {
        return Err(RunError::EmptySpace);
    }
    let strategy = spec
        .build(&study.space, study.seed)
        .map_err(|source| RunError::Strategy {
            name: spec.name(),
            source,
        })?;
    Ok(match &study.warm_start {
        Some(warm) => Box::new(crate::strategy::warm::WarmStarted::new(
            strategy,
            warm,
            study.space.dim(),
        )) as Box<dyn Strategy>,
        None => strategy,
    })
}

/// A trial handed to an evaluator.
pub(crate) struct Job {
    pub(crate) number: usize,
    pub(crate) params: crate::space::Params,
    pub(crate) want_gradient: bool,
    /// What the pruner may compare the trial with; `None` never prunes.
    pub(crate) history: Option<Arc<History>>,
}

/// An evaluated job.
pub(crate) struct Done {
    pub(crate) number: usize,
    pub(crate) result: Result<Evaluation, String>,
    pub(crate) started_at: f64,
    pub(crate) duration: f64,
    /// The run was stopped while the trial ran: it has no result and is not recorded.
    pub(crate) cancelled: bool,
    /// Where the trial was pruned, if it was.
    pub(crate) pruned: Option<crate::study::Intermediate>,
    /// Every value the trial reported through its context, in order.
    pub(crate) reported: Vec<crate::study::Intermediate>,
    /// What a failed evaluation reported and cost before it failed (a result carries its
    /// own in the evaluation).
    pub(crate) partial: Option<Box<crate::objective::Partial>>,
}

/// What the workers share about the run: the study's name, a Stop flag, where progress goes.
#[derive(Clone)]
pub(crate) struct Live {
    pub(crate) study: String,
    pub(crate) cancel: Arc<AtomicBool>,
    pub(crate) progress: Option<Sender<(usize, u64, f64)>>,
    /// The study's pruner, when it has an active one.
    pub(crate) pruner: Option<Arc<PrunerSpec>>,
}

impl Live {
    /// A run nobody stops midway and nobody follows step by step (the stepper's).
    pub(crate) fn quiet(study: &str) -> Self {
        Live {
            study: study.to_owned(),
            cancel: Arc::new(AtomicBool::new(false)),
            progress: None,
            pruner: None,
        }
    }

    /// The context trial `number` runs in: its reports are kept in `reported`, forwarded to
    /// the progress channel, and judged by the pruner against `history` on this thread, so
    /// the verdict depends on nothing another thread does.
    fn context(
        &self,
        number: usize,
        history: Option<Arc<History>>,
        reported: Arc<Mutex<Vec<crate::study::Intermediate>>>,
    ) -> TrialContext {
        let tx = self.progress.clone();
        let judge = self.pruner.clone().zip(history);
        let progress = Arc::new(move |step: u64, value: f64| {
            let Ok(mut own) = reported.lock() else {
                return Verdict::Continue;
            };
            own.push(crate::study::Intermediate { step, value });
            if let Some(tx) = &tx {
                let _ = tx.send((number, step, value));
            }
            match &judge {
                Some((pruner, history)) if pruner.decide(history, number, &own).prunes() => {
                    Verdict::Prune
                }
                _ => Verdict::Continue,
            }
        }) as crate::objective::ProgressFn;
        TrialContext {
            number,
            study: self.study.clone(),
            cancel: self.cancel.clone(),
            progress: Some(progress),
        }
    }
}

/// The schedule's bookkeeping: how far asks and tells have got. Shared with the stepper,
/// which follows the same schedule with a window of one.
pub(crate) struct Schedule {
    pub(crate) window: usize,
    pub(crate) budget: usize,
    /// Trial numbers below this were stored before this run: replayed, not evaluated,
    /// unless they are holes.
    pub(crate) replayed: usize,
    /// Stored numbers without a result (saved while running): asked again and evaluated.
    pub(crate) holes: BTreeSet<usize>,
    /// Stored finished trials not told yet: they wait for a hole before them.
    pub(crate) untold: BTreeSet<usize>,
    pub(crate) asked: usize,
    pub(crate) told: usize,
    /// Asked, not yet handed to a worker.
    pub(crate) queue: VecDeque<(usize, Suggestion)>,
    /// Why no more asks will be made, once the strategy says so.
    pub(crate) stop_asking: Option<FinishReason>,
    /// Strategy states kept for saving with the study (see [`restore`]).
    pub(crate) snapshots: Vec<restore::Snapshot>,
    /// For each asked trial not started yet: how many trials were told when it was asked
    /// (what its pruner may see).
    pub(crate) told_at_ask: BTreeMap<usize, usize>,
    /// The study's resource budget, if any.
    pub(crate) resource_budget: Option<u64>,
    /// Resource used by the trials told so far.
    pub(crate) resource_told: u64,
}

impl Schedule {
    /// A schedule for a study holding `replayed` stored trials.
    pub(crate) fn new(window: usize, budget: usize, replayed: usize) -> Self {
        Schedule {
            window,
            budget: budget.max(replayed),
            replayed,
            holes: BTreeSet::new(),
            untold: BTreeSet::new(),
            asked: 0,
            told: 0,
            queue: VecDeque::new(),
            stop_asking: None,
            snapshots: Vec::new(),
            told_at_ask: BTreeMap::new(),
            resource_budget: None,
            resource_told: 0,
        }
    }

    /// Whether the told trials have used the resource budget up: nothing more is asked.
    pub(crate) fn resource_spent(&self) -> bool {
        self.resource_budget
            .is_some_and(|budget| self.resource_told >= budget)
    }

    /// Note that trial `number` of `study` was told, counting its resource.
    pub(crate) fn count_told(&mut self, study: &Study, number: usize) {
        self.told += 1;
        if let Some(t) = study.trial(number) {
            self.resource_told += t.resource();
        }
    }

    /// A schedule for resuming `study` (validated: trials numbered `0..n`): every stored
    /// trial is replayed, the ones still marked running are asked again.
    pub(crate) fn for_study(window: usize, study: &Study) -> Self {
        let mut s = Schedule::new(window, study.budget, study.trials.len());
        s.resource_budget = study.resource_budget;
        s.holes = study
            .trials
            .iter()
            .filter(|t| t.state == TrialState::Running)
            .map(|t| t.number)
            .collect();
        s
    }

    /// Whether an ask for `number` is a trial to evaluate (new, or a hole), not a replay.
    fn evaluates(&self, number: usize) -> bool {
        number >= self.replayed || self.holes.contains(&number)
    }
}

/// Ask as far as the schedule allows, queueing what is asked. Asks for numbers below
/// `s.replayed` belong to stored trials: their points are dropped in favour of the stored
/// ones. Time spent asking is added to `clock`, if given.
pub(crate) fn ask_ahead(
    strategy: &mut dyn Strategy,
    s: &mut Schedule,
    mut clock: Option<&mut f64>,
) {
    while s.stop_asking.is_none()
        && s.asked < s.budget
        && !s.resource_spent()
        && s.asked < s.told.saturating_add(s.window)
        && (s.asked == s.told || strategy.ready())
    {
        restore::keep_state(strategy, s);
        let t0 = Instant::now();
        let suggestion = strategy.ask(s.asked);
        if let Some(c) = clock.as_deref_mut() {
            *c += t0.elapsed().as_secs_f64();
        }
        match suggestion {
            Ok(sug) if s.evaluates(s.asked) => {
                s.told_at_ask.insert(s.asked, s.told);
                s.queue.push_back((s.asked, sug));
            }
            Ok(_) => {}
            // A changed strategy may not be able to propose the old trials' numbers
            // (a shorter grid); their stored results still teach it.
            Err(_) if !s.evaluates(s.asked) => {}
            Err(StrategyError::Exhausted(why)) => {
                s.stop_asking = Some(FinishReason::Exhausted(why));
                break;
            }
            Err(e) => {
                s.stop_asking = Some(FinishReason::StrategyFailed(e.to_string()));
                break;
            }
        }
        s.asked += 1;
    }
    // Only the budget holds the next ask back: a longer run would ask here, so this is
    // where a resume with a larger budget must start from.
    if s.stop_asking.is_none()
        && (s.asked >= s.budget || s.resource_spent())
        && s.asked < s.told + s.window
        && (s.asked == s.told || strategy.ready())
    {
        restore::keep_state(strategy, s);
    }
}

/// Teach a fresh strategy the study's stored trials (numbers below `s.replayed`, holes
/// aside) on the same schedule a live run follows, untimed: from the state saved with the
/// study where it fits and the history has no hole (`window` is the study's, before any
/// cap), else by replaying (asks are made and their points replaced by the stored ones),
/// which rebuilds an unchanged strategy's state exactly. Telling stops at the first hole;
/// the stored trials after it wait in `s.untold`. Returns whether the saved state was used.
pub(crate) fn replay(
    strategy: &mut dyn Strategy,
    study: &Study,
    s: &mut Schedule,
    window: usize,
) -> Result<bool, StrategyError> {
    s.untold = study
        .trials
        .iter()
        .filter(|t| t.state != TrialState::Running)
        .map(|t| t.number)
        .collect();
    let restored = s.holes.is_empty() && restore::restore(strategy, study, s, window);
    if restored {
        let told = s.told;
        s.untold.retain(|&n| n >= told);
        s.resource_told = study
            .trials
            .iter()
            .filter(|t| t.number < told)
            .map(Trial::resource)
            .sum();
    }
    tell_stored(strategy, study, s)?;
    Ok(restored)
}

/// Tell every stored trial whose turn has come (consecutive from `s.told`), asking ahead
/// before each as a live run does.
pub(crate) fn tell_stored(
    strategy: &mut dyn Strategy,
    study: &Study,
    s: &mut Schedule,
) -> Result<(), StrategyError> {
    while s.untold.remove(&s.told) {
        ask_ahead(strategy, s, None);
        tell(strategy, study, s.told, None)?;
        s.count_told(study, s.told);
    }
    Ok(())
}

/// Tell the strategy the result of trial `number` as a loss; time spent is added to `clock`.
/// The observation is checked against the space first: one that does not fit (a stored
/// point of the wrong length) is an error for the run to report, never a strategy's panic.
pub(crate) fn tell(
    strategy: &mut dyn Strategy,
    study: &Study,
    number: usize,
    clock: Option<&mut f64>,
) -> Result<(), StrategyError> {
    let Some(trial) = study.trial(number) else {
        return Ok(());
    };
    let direction = study.direction;
    let loss = trial.told_value().map(|v| direction.to_loss(v));
    let gradient = trial.gradient.as_ref().map(|g| loss_gradient(g, direction));
    let observation = Observation {
        number,
        point: &trial.point,
        loss,
        gradient: gradient.as_deref(),
    };
    observation.check(study.space.dim())?;
    let t0 = Instant::now();
    strategy.tell(observation);
    if let Some(c) = clock {
        *c += t0.elapsed().as_secs_f64();
    }
    Ok(())
}

/// The `Running` trial for a suggestion, and the job that evaluates it.
pub(crate) fn running_trial(space: &Space, number: usize, suggestion: Suggestion) -> (Trial, Job) {
    let params = space.from_unit(&suggestion.point);
    let trial = Trial {
        number,
        params: params.clone(),
        point: suggestion.point,
        state: TrialState::Running,
        value: None,
        folds: Vec::new(),
        gradient: None,
        label: suggestion.label,
        started_at: now(),
        duration: 0.0,
        fit_seconds: None,
        intermediate: Vec::new(),
        attrs: Default::default(),
        resources: None,
    };
    let job = Job {
        number,
        params,
        want_gradient: suggestion.want_gradient,
        history: None,
    };
    (trial, job)
}

/// Evaluate one trial at a point the user chose (the window's "Evaluate this point"), outside
/// any strategy: numbered after the study's trials, labelled `label`, evaluated and recorded
/// exactly as a run's trial is (failures and pruning included, with the study's pruner off:
/// nothing to compare with mid-run). Deterministic for a deterministic objective; the next
/// run replays it to its strategy like any stored trial.
pub fn evaluate_point(
    study: &Study,
    objective: &dyn Objective,
    point: Vec<f64>,
    label: &str,
) -> Trial {
    let number = study.trials.iter().map(|t| t.number + 1).max().unwrap_or(0);
    let mut suggestion = Suggestion::at(point);
    suggestion.label = Some(label.to_owned());
    let (trial, job) = running_trial(&study.space, number, suggestion);
    let mut alone = Study {
        trials: vec![trial.clone()],
        ..study.clone()
    };
    let done = evaluate(objective, &job, &Live::quiet(&study.name));
    record_result(&mut alone, &done).unwrap_or(trial)
}

/// Put an evaluation's result into its trial in the study (complete or failed) and return
/// the finished trial.
pub(crate) fn record_result(study: &mut Study, done: &Done) -> Option<Trial> {
    let index = study.trial_index(done.number)?;
    let space = &study.space;
    let trial = &mut study.trials[index];
    trial.started_at = done.started_at;
    trial.duration = done.duration;
    // A script's own record of its curve wins; a model that reported through its context
    // left the curve in `reported`.
    trial.intermediate = done.reported.clone();
    if let Some(p) = done.pruned {
        trial.state = TrialState::Pruned {
            step: p.step,
            value: p.value,
        };
        return Some(trial.clone());
    }
    match &done.result {
        Ok(eval) => {
            trial.state = TrialState::Complete;
            trial.value = Some(eval.value);
            trial.folds = eval.folds.clone();
            trial.fit_seconds = eval.fit_seconds;
            if !eval.intermediate.is_empty() {
                trial.intermediate = eval.intermediate.clone();
            }
            trial.attrs = eval.attrs.clone();
            trial.resources = eval.resources;
            trial.gradient = eval
                .gradient
                .as_ref()
                .map(|g| unit_gradient(space, &trial.params, g));
        }
        Err(reason) => {
            trial.state = TrialState::Failed(reason.clone());
            if let Some(p) = &done.partial {
                // Whole, even when some progress messages were not heard before the end.
                trial.intermediate = p.intermediate.clone();
                trial.attrs = p.attrs.clone();
                trial.resources = p.resources;
            }
        }
    }
    Some(trial.clone())
}

/// Evaluate a job, turning an error, a non-finite value or a panic into a failure reason.
pub(crate) fn evaluate(objective: &dyn Objective, job: &Job, live: &Live) -> Done {
    let started_at = now();
    let t0 = Instant::now();
    let reported = Arc::new(Mutex::new(Vec::new()));
    let context = live.context(job.number, job.history.clone(), Arc::clone(&reported));
    let result = catch_unwind(AssertUnwindSafe(|| {
        objective.evaluate_in(&job.params, job.want_gradient, &context)
    }));
    drop(context);
    let reported = reported.lock().map(|r| r.clone()).unwrap_or_default();
    let cancelled = matches!(result, Ok(Err(ObjectiveError::Cancelled)));
    let pruned = match &result {
        Ok(Err(ObjectiveError::Pruned { step, value })) => Some(crate::study::Intermediate {
            step: *step,
            value: *value,
        }),
        _ => None,
    };
    let partial = match &result {
        Ok(Err(ObjectiveError::FailedAfter { partial, .. })) => Some(partial.clone()),
        _ => None,
    };
    let result = match result {
        Ok(Ok(eval)) if eval.value.is_finite() => Ok(eval),
        Ok(Ok(eval)) => Err(format!("the objective returned {}", eval.value)),
        Ok(Err(ObjectiveError::Failed(msg))) => Err(msg),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("the objective panicked: {}", panic_message(&panic))),
    };
    Done {
        number: job.number,
        result,
        started_at,
        duration: t0.elapsed().as_secs_f64(),
        cancelled,
        pruned,
        reported,
        partial,
    }
}

/// Owns the strategy and the study while a run lasts.
struct Coordinator {
    study: Study,
    strategy: Box<dyn Strategy>,
    events: Sender<Event>,
    wake: Option<Box<dyn Fn() + Send>>,
    strategy_seconds: f64,
    /// The storage thread every event passes through first, when the run has a storage.
    durable: Option<Durable>,
}

impl Coordinator {
    fn emit(&self, event: Event) {
        if let Some(durable) = &self.durable {
            durable.send(event);
            return;
        }
        // A listener that went away is not an error: the run goes on and its result is joined.
        let _ = self.events.send(event);
        if let Some(wake) = &self.wake {
            wake();
        }
    }

    fn window(&self, jobs: usize) -> usize {
        window_for(&self.study, self.strategy.default_window(), jobs)
    }

    fn nominal_window(&self) -> usize {
        nominal_window(&self.study, self.strategy.default_window())
    }

    fn ask_ahead(&mut self, s: &mut Schedule) {
        ask_ahead(self.strategy.as_mut(), s, Some(&mut self.strategy_seconds));
    }

    /// Tell every result whose turn has come, in trial order, asking after each tell exactly
    /// as far as the schedule allows, so the interleaving never depends on timing. Stored
    /// trials after a re-asked hole take their turn here too.
    fn tell_in_order(&mut self, s: &mut Schedule, results: &mut BTreeMap<usize, Done>) {
        while results.remove(&s.told).is_some() || s.untold.remove(&s.told) {
            if let Err(e) = tell(
                self.strategy.as_mut(),
                &self.study,
                s.told,
                Some(&mut self.strategy_seconds),
            ) {
                s.stop_asking = Some(FinishReason::StrategyFailed(e.to_string()));
                break;
            }
            s.count_told(&self.study, s.told);
            if let Err(why) = self.adapt(s) {
                s.stop_asking = Some(FinishReason::StrategyFailed(why));
                break;
            }
            self.ask_ahead(s);
        }
    }

    fn run(&mut self, objective: &dyn Objective, jobs: usize, commands: Receiver<Command>) {
        let mut s = Schedule::for_study(self.window(jobs), &self.study);
        let nominal = self.nominal_window();
        if let Err(e) = replay(self.strategy.as_mut(), &self.study, &mut s, nominal) {
            self.emit(Event::StudyFinished {
                reason: FinishReason::StrategyFailed(e.to_string()),
                strategy_seconds: 0.0,
                strategy_state: None,
            });
            return;
        }

        let (job_tx, job_rx) = unbounded::<Job>();
        let (done_tx, done_rx) = unbounded::<Done>();
        let (progress_tx, progress_rx) = unbounded::<(usize, u64, f64)>();
        let live = Live {
            progress: Some(progress_tx),
            pruner: Some(Arc::new(self.study.pruner.clone())).filter(|p| p.is_active()),
            ..Live::quiet(&self.study.name)
        };
        std::thread::scope(|scope| {
            spawn_workers(scope, objective, jobs, (&job_rx, done_tx), &live);

            let mut in_flight = 0usize;
            let mut paused = false;
            let mut stop: Option<FinishReason> = None;
            let mut results: BTreeMap<usize, Done> = BTreeMap::new();
            let mut last_checkpoint = (Instant::now(), s.told);
            let reason = loop {
                if let Some(why) = self.durable.as_ref().and_then(Durable::failed)
                    && stop.is_none()
                {
                    stop = Some(FinishReason::StrategyFailed(format!(
                        "the study's storage failed: {why}"
                    )));
                    s.queue.clear();
                }
                self.ask_ahead(&mut s);
                self.checkpoint(&s, nominal, &mut last_checkpoint);
                if let Some(FinishReason::StrategyFailed(_)) = &s.stop_asking {
                    stop = s.stop_asking.take();
                    s.queue.clear();
                }
                while !paused && stop.is_none() && in_flight < jobs {
                    let Some((number, sug)) = s.queue.pop_front() else {
                        break;
                    };
                    let told = s.told_at_ask.remove(&number).unwrap_or(s.told);
                    let job = self.start_trial(number, sug, told);
                    let _ = job_tx.send(job);
                    in_flight += 1;
                }
                if in_flight == 0 {
                    if let Some(reason) = stop.take() {
                        break reason;
                    }
                    if s.queue.is_empty() && s.told == s.asked {
                        if s.told >= s.budget || s.resource_spent() {
                            break FinishReason::BudgetSpent;
                        }
                        if let Some(reason) = s.stop_asking.take() {
                            break reason;
                        }
                    }
                }
                select! {
                    recv(done_rx) -> msg => {
                        let Ok(done) = msg else {
                            break FinishReason::StrategyFailed("the worker threads died".into());
                        };
                        in_flight -= 1;
                        if !self.finish_trial(&done) {
                            continue;
                        }
                        results.insert(done.number, done);
                        self.tell_in_order(&mut s, &mut results);
                    }
                    recv(progress_rx) -> msg => {
                        if let Ok((number, step, value)) = msg {
                            self.progress(number, step, value);
                        }
                    }
                    recv(commands) -> msg => apply(msg.ok(), &mut paused, &mut stop, &mut s),
                }
                // Commands take precedence over dispatching: one sent before a result arrives
                // is applied before the next trial starts.
                drain_commands(&commands, &mut paused, &mut stop, &mut s);
                // Stop ends running commands too (their trials are dropped, asked again later).
                live.cancel
                    .fetch_or(stop == Some(FinishReason::Stopped), Ordering::SeqCst);
            };
            drop(job_tx);
            // Nothing is in flight now; a trial still marked running is a stored hole the run
            // never reached, kept so a later resume asks it (dropping it would open a gap).
            self.study.strategy_state = restore::saved_state(&s, &self.study, nominal);
            self.emit(Event::StudyFinished {
                reason,
                strategy_seconds: self.strategy_seconds,
                strategy_state: self.study.strategy_state.clone(),
            });
        });
    }

    /// Every [`CHECKPOINT_EVERY`], hand the storage the strategy's state as of the trials
    /// told so far, so a resume after a kill restores the strategy instead of replaying
    /// every stored trial through it. Written by the storage thread, after those trials.
    fn checkpoint(&self, s: &Schedule, window: usize, last: &mut (Instant, usize)) {
        let Some(durable) = &self.durable else {
            return;
        };
        let (at, told) = *last;
        let grown = s.told.saturating_sub(told);
        let due =
            grown >= CHECKPOINT_TRIALS.max(told) || (grown > 0 && at.elapsed() >= CHECKPOINT_EVERY);
        if !due {
            return;
        }
        *last = (Instant::now(), s.told);
        if let Some(state) = restore::saved_state_upto(s, &self.study, window, s.told) {
            durable.checkpoint(state);
        }
    }

    /// Record trial `number` as running and make its job; `told` is how many trials were told
    /// when it was asked: the history its pruner may see.
    fn start_trial(&mut self, number: usize, suggestion: Suggestion, told: usize) -> Job {
        let (trial, mut job) = running_trial(&self.study.space, number, suggestion);
        if self.study.pruner.is_active() {
            job.history = Some(Arc::new(History::of(&self.study, told)));
        }
        self.study.record(trial.clone());
        self.emit(Event::TrialStarted(trial));
        job
    }

    /// Note a running trial's intermediate value in the study and pass it on (a value that
    /// arrives after its trial finished is already in the trial's result).
    fn progress(&mut self, number: usize, step: u64, value: f64) {
        let Some(trial) = self.study.trial_mut(number) else {
            return;
        };
        if trial.state != TrialState::Running {
            return;
        }
        trial
            .intermediate
            .push(crate::study::Intermediate { step, value });
        self.emit(Event::TrialProgress {
            number,
            step,
            value,
        });
    }

    /// Record a finished trial and announce it; false for a trial stopped midway, which has
    /// no result: nothing is told, and it stays unfinished until the run drops it.
    fn finish_trial(&mut self, done: &Done) -> bool {
        if done.cancelled {
            return false;
        }
        if let Some(trial) = record_result(&mut self.study, done) {
            self.emit(Event::TrialFinished(trial));
        }
        true
    }
}

/// Apply one command; `None` means every commander hung up, which stops the run cleanly.
fn apply(
    command: Option<Command>,
    paused: &mut bool,
    stop: &mut Option<FinishReason>,
    s: &mut Schedule,
) {
    match command {
        Some(Command::Pause) => *paused = true,
        Some(Command::Resume) => *paused = false,
        Some(Command::Stop) | None => {
            stop.get_or_insert(FinishReason::Stopped);
            s.queue.clear();
        }
    }
}

fn loss_gradient(value_gradient: &[f64], direction: Direction) -> Vec<f64> {
    value_gradient
        .iter()
        .map(|g| direction.to_loss(*g))
        .collect()
}

/// Carry a gradient on raw parameter scales into the unit cube (chain rule), one entry per
/// free parameter; parameters the objective gave no derivative for get 0.
fn unit_gradient(
    space: &Space,
    params: &crate::space::Params,
    gradient: &[(String, f64)],
) -> Vec<f64> {
    space
        .free()
        .map(|p| {
            let value = params.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v);
            let g = gradient.iter().find(|(n, _)| *n == p.name).map(|(_, g)| *g);
            match (value.and_then(|v| p.domain.dvalue_du(v)), g) {
                (Some(dv), Some(g)) => g * dv,
                _ => 0.0,
            }
        })
        .collect()
}

/// Start `jobs` worker threads in `scope`, evaluating from `channels.0` into `channels.1`.
fn spawn_workers<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    objective: &'scope dyn Objective,
    jobs: usize,
    channels: (&Receiver<Job>, Sender<Done>),
    live: &Live,
) {
    for w in 0..jobs {
        let (job_rx, done_tx, live) = (channels.0.clone(), channels.1.clone(), live.clone());
        std::thread::Builder::new()
            .name(format!("knobs-worker-{w}"))
            .spawn_scoped(scope, move || worker(objective, job_rx, done_tx, &live))
            .expect("spawning a worker thread");
    }
}

fn worker(objective: &dyn Objective, jobs: Receiver<Job>, done: Sender<Done>, live: &Live) {
    for job in jobs.iter() {
        if done.send(evaluate(objective, &job, live)).is_err() {
            break;
        }
    }
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Apply every command already sent (a closed channel counts as one, as `None`).
fn drain_commands(
    commands: &Receiver<Command>,
    paused: &mut bool,
    stop: &mut Option<FinishReason>,
    s: &mut Schedule,
) {
    loop {
        match commands.try_recv() {
            Ok(c) => apply(Some(c), paused, stop, s),
            Err(crossbeam_channel::TryRecvError::Empty) => break,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                apply(None, paused, stop, s);
                break;
            }
        }
    }
}
