//! Running a study with worker processes: the runner with its worker threads replaced by a
//! shared storage ([`TrialQueue`]).
//!
//! [`start_remote`] is the coordinator. It owns the strategy and follows the in-process
//! runner's schedule exactly (asks on the same fixed schedule, results told strictly in
//! trial order): each asked trial is enqueued as a waiting trial with the number of trials
//! told when it was asked, results come from [`TrialQueue::poll`], and attempts whose
//! heartbeat went stale are failed and enqueued again under the same number. It sends the
//! same [`Event`] stream as [`super::start`], so the CLI's progress and the window follow a
//! run with workers unchanged.
//!
//! [`work`] is the worker (`knobs worker`): it claims waiting trials, evaluates them with the
//! study's own objective on `jobs` threads, judges pruning itself on the trials
//! `0..told_before` read from the storage (what the in-process pruner would have seen), writes
//! each intermediate value and the result, and beats a heartbeat from a thread of its own.
//!
//! So a study run by one process or by workers on several hosts has the same trials for the
//! same seed: the schedule and every pruning decision depend only on trials told, never on
//! which worker ran what, or when.

use super::{
    Command, Event, FinishReason, Job, Live, RunError, RunHandle, Schedule, apply, ask_ahead,
    build_strategy, drain_commands, evaluate, record_result, replay, restore, running_trial, tell,
};
use crate::objective::Objective;
use crate::pruner::History;
use crate::storage::queue::{Claimed, TrialQueue, Update, WorkerId};
use crate::storage::{Storage, StorageError};
use crate::strategy::Strategy;
use crate::study::{Study, Trial, TrialState};
use crossbeam_channel::{Receiver, Sender, select, unbounded};
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a coordinator runs.
#[derive(Clone, Copy, Debug)]
pub struct RemoteOptions {
    /// Trials waiting or running at once (at most; the study's window may hold fewer). It
    /// caps only strategies without a window of their own and no pruner, whose points do
    /// not depend on the cap, so it never changes the trials.
    pub jobs: usize,
    /// An attempt whose worker sent nothing for this long is failed and run again.
    pub heartbeat_timeout: Duration,
    /// How often the storage is read for results.
    pub poll_every: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            jobs: 64,
            heartbeat_timeout: Duration::from_secs(60),
            poll_every: Duration::from_millis(10),
        }
    }
}

/// Why a coordinator could not start.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The study cannot run (see [`RunError`]).
    #[error(transparent)]
    Run(#[from] RunError),
    /// The storage refused: another coordinator holds the study, or it cannot be written.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Start coordinating `study` over `queue`: become its one coordinator (refused while another
/// lives), then run it as [`super::start_with`] does, with workers in other processes doing
/// the evaluations. `storage` receives the study-level writes (checkpoints of the strategy's
/// state and the run's end); the trials reach the storage through the queue.
pub fn start_remote(
    study: Study,
    mut queue: Box<dyn TrialQueue>,
    storage: Option<Box<dyn Storage>>,
    me: &WorkerId,
    options: RemoteOptions,
    wake: Option<Box<dyn Fn() + Send>>,
) -> Result<RunHandle, RemoteError> {
    study.validate().map_err(RunError::from)?;
    let strategy = build_strategy(&study.strategy, &study)?;
    queue.lock_coordinator(me)?;
    let (events_tx, events) = unbounded();
    let (commands, command_rx) = unbounded();
    let storage_error = Arc::new(Mutex::new(None));
    let error_slot = Arc::clone(&storage_error);
    let thread = std::thread::Builder::new()
        .name("knobs-coordinator".into())
        .spawn(move || {
            let mut c = Remote {
                study,
                strategy,
                queue,
                storage,
                events: events_tx,
                wake,
                strategy_seconds: 0.0,
                options,
                error: error_slot,
            };
            c.run(&command_rx);
            c.study
        })
        .map_err(|e| RunError::Strategy {
            name: "coordinator",
            source: crate::strategy::StrategyError::Unsupported(e.to_string()),
        })?;
    Ok(RunHandle {
        events,
        commands,
        thread,
        storage_error,
    })
}

/// The coordinator's state while a run lasts.
struct Remote {
    study: Study,
    strategy: Box<dyn Strategy>,
    queue: Box<dyn TrialQueue>,
    storage: Option<Box<dyn Storage>>,
    events: Sender<Event>,
    wake: Option<Box<dyn Fn() + Send>>,
    strategy_seconds: f64,
    options: RemoteOptions,
    error: Arc<Mutex<Option<String>>>,
}

impl Remote {
    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
        if let Some(wake) = &self.wake {
            wake();
        }
    }

    /// Note that the storage failed; the run stops.
    fn failed(&self, e: &StorageError) {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert_with(|| e.to_string());
        }
    }

    fn storage_failed(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// The runner's window rule, with `jobs` the trials enqueued at once.
    fn window(&self) -> usize {
        super::window_for(
            &self.study,
            self.strategy.default_window(),
            self.options.jobs,
        )
    }

    fn nominal_window(&self) -> usize {
        super::nominal_window(&self.study, self.strategy.default_window())
    }

    fn run(&mut self, commands: &Receiver<Command>) {
        let mut s = Schedule::for_study(self.window(), &self.study);
        let nominal = self.nominal_window();
        if let Err(e) = replay(self.strategy.as_mut(), &self.study, &mut s, nominal) {
            self.finish(&s, nominal, FinishReason::StrategyFailed(e.to_string()));
            return;
        }
        let jobs = s.window.max(1);
        let mut in_flight: HashSet<usize> = HashSet::new();
        let mut results: BTreeSet<usize> = BTreeSet::new();
        let mut paused = false;
        let mut stop: Option<FinishReason> = None;
        let mut last_checkpoint = (Instant::now(), s.told);
        let mut last_stale = Instant::now();
        let reason = loop {
            if let Some(why) = self.storage_failed()
                && stop.is_none()
            {
                stop = Some(FinishReason::StrategyFailed(format!(
                    "the study's storage failed: {why}"
                )));
                s.queue.clear();
            }
            ask_ahead(
                self.strategy.as_mut(),
                &mut s,
                Some(&mut self.strategy_seconds),
            );
            self.checkpoint(&s, nominal, &mut last_checkpoint);
            if let Some(FinishReason::StrategyFailed(_)) = &s.stop_asking {
                stop = s.stop_asking.take();
                s.queue.clear();
            }
            // Every trial the window has room for goes out in one write.
            let mut batch = Vec::new();
            while !paused && stop.is_none() && in_flight.len() + batch.len() < jobs {
                let Some((number, sug)) = s.queue.pop_front() else {
                    break;
                };
                let told = s.told_at_ask.remove(&number).unwrap_or(s.told);
                let (trial, job) = running_trial(&self.study.space, number, sug);
                batch.push((trial, told, job.want_gradient));
            }
            match self.queue.enqueue_many(&batch) {
                Ok(()) => {
                    for (trial, _, _) in batch {
                        in_flight.insert(trial.number);
                        self.study.record(trial);
                    }
                }
                Err(e) => self.failed(&e),
            }
            // A stop ends the run at once: what is still waiting or running stays in the
            // storage, and the next coordinator fails it and asks it again.
            if let Some(reason) = stop.take() {
                break reason;
            }
            if in_flight.is_empty() && s.queue.is_empty() && s.told == s.asked {
                if s.told >= s.budget || s.resource_spent() {
                    break FinishReason::BudgetSpent;
                }
                if let Some(reason) = s.stop_asking.take() {
                    break reason;
                }
            }
            select! {
                recv(commands) -> msg => apply(msg.ok(), &mut paused, &mut stop, &mut s),
                default(self.options.poll_every) => {}
            }
            drain_commands(commands, &mut paused, &mut stop, &mut s);
            if last_stale.elapsed() >= self.options.heartbeat_timeout / 4 {
                last_stale = Instant::now();
                if let Err(e) = self.queue.fail_stale(self.options.heartbeat_timeout) {
                    self.failed(&e);
                }
            }
            match self.queue.poll() {
                Ok(updates) => {
                    for u in updates {
                        self.update(u, &mut in_flight, &mut results);
                    }
                }
                Err(e) => self.failed(&e),
            }
            self.tell_in_order(&mut s, &mut results);
        };
        // Trials enqueued and not finished were not evaluated by this run: the study keeps
        // only what it knows (a later coordinator asks them again).
        self.study
            .trials
            .retain(|t| !(t.state == TrialState::Running && in_flight.contains(&t.number)));
        self.finish(&s, nominal, reason);
    }

    /// Record the end of the run in the storage and announce it.
    fn finish(&mut self, s: &Schedule, nominal: usize, reason: FinishReason) {
        self.study.strategy_state = restore::saved_state(s, &self.study, nominal);
        let event = Event::StudyFinished {
            reason,
            strategy_seconds: self.strategy_seconds,
            strategy_state: self.study.strategy_state.clone(),
        };
        if let Some(storage) = self.storage.as_mut()
            && self.error.lock().is_ok_and(|e| e.is_none())
            && let Err(e) = storage.append(&event).and_then(|()| storage.commit())
        {
            self.failed(&e);
        }
        self.emit(event);
    }

    /// One change read from the storage: a claim, a value reported, a result.
    fn update(&mut self, u: Update, in_flight: &mut HashSet<usize>, results: &mut BTreeSet<usize>) {
        match u {
            Update::Claimed { trial, .. } if in_flight.contains(&trial.number) => {
                self.study.record(trial.clone());
                self.emit(Event::TrialStarted(trial));
            }
            Update::Progress {
                number,
                step,
                value,
            } if in_flight.contains(&number) => {
                if let Some(t) = self
                    .study
                    .trials
                    .iter_mut()
                    .rev()
                    .find(|t| t.number == number)
                {
                    t.intermediate
                        .push(crate::study::Intermediate { step, value });
                }
                self.emit(Event::TrialProgress {
                    number,
                    step,
                    value,
                });
            }
            Update::Finished(trial) if in_flight.remove(&trial.number) => {
                results.insert(trial.number);
                self.study.record(trial.clone());
                self.emit(Event::TrialFinished(trial));
            }
            _ => {}
        }
    }

    /// Tell every result whose turn has come, in trial order, asking after each exactly as
    /// far as the schedule allows (the in-process runner's rule).
    fn tell_in_order(&mut self, s: &mut Schedule, results: &mut BTreeSet<usize>) {
        while results.remove(&s.told) || s.untold.remove(&s.told) {
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
            ask_ahead(self.strategy.as_mut(), s, Some(&mut self.strategy_seconds));
        }
    }

    /// The runner's checkpoint rule (see `Coordinator::checkpoint`), written at once.
    fn checkpoint(&mut self, s: &Schedule, window: usize, last: &mut (Instant, usize)) {
        if self.storage.is_none() {
            return;
        }
        let (at, told) = *last;
        let grown = s.told.saturating_sub(told);
        let due = grown >= super::CHECKPOINT_TRIALS.max(told)
            || (grown > 0 && at.elapsed() >= super::CHECKPOINT_EVERY);
        if !due {
            return;
        }
        *last = (Instant::now(), s.told);
        let Some(state) = restore::saved_state_upto(s, &self.study, window, s.told) else {
            return;
        };
        let written = match self.storage.as_mut() {
            Some(storage) => storage.checkpoint(&state).and_then(|()| storage.commit()),
            None => Ok(()),
        };
        if let Err(e) = written {
            self.failed(&e);
        }
    }
}

/// How a worker runs.
#[derive(Clone, Copy, Debug)]
pub struct WorkerOptions {
    /// Trials evaluated at once (threads).
    pub jobs: usize,
    /// How often each running attempt's heartbeat is written; well under the coordinator's
    /// heartbeat timeout.
    pub heartbeat_every: Duration,
    /// How long to wait before claiming again when nothing waits.
    pub idle_wait: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            jobs: 1,
            heartbeat_every: Duration::from_secs(5),
            idle_wait: Duration::from_millis(20),
        }
    }
}

/// What a worker did, for its log.
#[derive(Clone, Debug)]
pub enum WorkerEvent {
    /// It claimed a trial and starts evaluating it.
    Claimed(Trial),
    /// It finished a trial (complete, pruned or failed) and wrote the result.
    Finished(Trial),
}

/// What a worker did over its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerSummary {
    /// Trials it completed or pruned.
    pub done: usize,
    /// Trials that failed.
    pub failed: usize,
}

/// Be a worker on the study in `queue` until its coordinator has finished and nothing
/// waits (or `stop` is set): claim, evaluate with `objective` (built from `study`, the
/// definition read from the storage), write progress and results, beat heartbeats.
pub fn work(
    queue: Box<dyn TrialQueue>,
    me: &WorkerId,
    study: &Study,
    objective: Arc<dyn Objective>,
    options: WorkerOptions,
    stop: &AtomicBool,
    on_event: &(dyn Fn(&WorkerEvent) + Sync),
) -> Result<WorkerSummary, StorageError> {
    let shell = Study {
        trials: Vec::new(),
        strategy_state: None,
        ..study.clone()
    };
    let queue = Mutex::new(queue);
    let running: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());
    let summary = Mutex::new(WorkerSummary::default());
    let error: Mutex<Option<StorageError>> = Mutex::new(None);
    let (end_tx, end_rx) = unbounded::<()>();
    let shared = Shared {
        queue: &queue,
        running: &running,
        me,
        shell: &shell,
        objective: objective.as_ref(),
        stop,
        on_event,
        idle_wait: options.idle_wait,
    };
    std::thread::scope(|scope| {
        let beats =
            scope.spawn(|| heartbeats(&queue, &running, me, options.heartbeat_every, &end_rx));
        let threads: Vec<_> = (0..options.jobs.max(1))
            .map(|_| scope.spawn(|| shared.claim_loop()))
            .collect();
        for t in threads {
            match t.join() {
                Ok(Ok(s)) => {
                    if let Ok(mut total) = summary.lock() {
                        total.done += s.done;
                        total.failed += s.failed;
                    }
                }
                Ok(Err(e)) => {
                    stop.store(true, Ordering::SeqCst);
                    if let Ok(mut slot) = error.lock() {
                        slot.get_or_insert(e);
                    }
                }
                Err(_) => stop.store(true, Ordering::SeqCst),
            }
        }
        drop(end_tx);
        let _ = beats.join();
    });
    if let Some(e) = error.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(summary.into_inner().unwrap_or_default())
}

/// The longest an idle worker waits on the storage's signal before it looks again itself
/// (the coordinator signals every write of waiting trials and the end of its run).
const IDLE_LISTEN: Duration = Duration::from_millis(500);

/// The most trials a worker thread claims at once.
const MAX_BATCH: usize = 32;

/// How many trials a worker thread claims at once: one, unless its last trial ran shorter
/// than its last write of results and claims took; then as many as run in one write's time
/// (at most [`MAX_BATCH`]). A near-instant objective then does not wait on the database once
/// per trial, and a long one never holds a trial another worker could be running.
fn batch_size(write: Duration, eval: Duration) -> usize {
    let ratio = write.as_secs_f64() / eval.as_secs_f64().max(1e-6);
    (ratio as usize).clamp(1, MAX_BATCH)
}

/// What an idle worker thread does next.
enum Idle {
    /// It claimed these trials.
    Claimed(Vec<Claimed>),
    /// The study is finished: it stops.
    Finished,
    /// It waited for the storage's signal: it claims again at once.
    Woken,
    /// The storage cannot signal (or a trial runs): it sleeps its idle wait.
    Sleep,
}

/// What a worker's threads share.
struct Shared<'a> {
    queue: &'a Mutex<Box<dyn TrialQueue>>,
    running: &'a Mutex<BTreeSet<u64>>,
    me: &'a WorkerId,
    shell: &'a Study,
    objective: &'a dyn Objective,
    stop: &'a AtomicBool,
    on_event: &'a (dyn Fn(&WorkerEvent) + Sync),
    idle_wait: Duration,
}

impl Shared<'_> {
    fn with_queue<T>(
        &self,
        f: impl FnOnce(&mut dyn TrialQueue) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut q = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(q.as_mut())
    }

    /// One worker thread: claim and evaluate until the study is finished. The results of a
    /// batch and the next claims go to the storage together
    /// ([`TrialQueue::finish_and_claim`]); a batch is one trial unless trials run shorter
    /// than that write takes ([`batch_size`]).
    fn claim_loop(&self) -> Result<WorkerSummary, StorageError> {
        let mut summary = WorkerSummary::default();
        let mut batch: VecDeque<Claimed> = VecDeque::new();
        let mut done: Vec<(u64, Trial)> = Vec::new();
        let (mut write, mut eval) = (Duration::ZERO, Duration::MAX);
        // Whether the last write claimed nothing (the next look skips a second claim).
        let mut drained = false;
        loop {
            let Some(claimed) = batch.pop_front() else {
                let more = !self.stop.load(Ordering::SeqCst);
                if !done.is_empty() {
                    let want = if more { batch_size(write, eval) } else { 0 };
                    let at = Instant::now();
                    let next = self.with_queue(|q| {
                        let next = q.finish_and_claim(&done, self.me, want)?;
                        // Under the queue's lock, so an idle thread never waits on the
                        // connection while this one still needs it for a trial it claimed.
                        if let Ok(mut r) = self.running.lock() {
                            for (attempt, _) in &done {
                                r.remove(attempt);
                            }
                            r.extend(next.iter().map(|c| c.attempt));
                        }
                        Ok(next)
                    })?;
                    write = at.elapsed();
                    drained = next.is_empty();
                    for (_, trial) in done.drain(..) {
                        match trial.state {
                            TrialState::Failed(_) => summary.failed += 1,
                            _ => summary.done += 1,
                        }
                        (self.on_event)(&WorkerEvent::Finished(trial));
                    }
                    batch.extend(next);
                    continue;
                }
                if !more {
                    break;
                }
                match self.claim_or_wait(batch_size(write, eval), !drained)? {
                    Idle::Claimed(next) => batch.extend(next),
                    Idle::Finished => break,
                    Idle::Woken => {}
                    Idle::Sleep => std::thread::sleep(self.idle_wait),
                }
                drained = false;
                continue;
            };
            (self.on_event)(&WorkerEvent::Claimed(claimed.trial.clone()));
            let at = Instant::now();
            let trial = self.evaluate(&claimed)?;
            eval = at.elapsed();
            done.push((claimed.attempt, trial));
        }
        Ok(summary)
    }

    /// Claim up to `want` waiting trials (unless `claim` is false: the last write just found
    /// none); when none waits and the study goes on, wait for the coordinator's next write
    /// where the storage can signal it. The wait holds the connection, so it is taken only
    /// while no trial of this worker runs (a running one must report and finish at once).
    fn claim_or_wait(&self, want: usize, claim: bool) -> Result<Idle, StorageError> {
        self.with_queue(|q| {
            if claim {
                let next = q.finish_and_claim(&[], self.me, want)?;
                if !next.is_empty() {
                    if let Ok(mut r) = self.running.lock() {
                        r.extend(next.iter().map(|c| c.attempt));
                    }
                    return Ok(Idle::Claimed(next));
                }
            }
            if q.is_finished()? {
                return Ok(Idle::Finished);
            }
            let busy = self.running.lock().map_or(true, |r| !r.is_empty());
            if !busy && q.wait_for_work(IDLE_LISTEN)? {
                return Ok(Idle::Woken);
            }
            Ok(Idle::Sleep)
        })
    }

    /// Evaluate a claimed trial as the in-process runner would: the same job, the pruner
    /// judging against the trials told before it was asked, each report written as it comes.
    fn evaluate(&self, claimed: &Claimed) -> Result<Trial, StorageError> {
        let pruner = Some(Arc::new(self.shell.pruner.clone())).filter(|p| p.is_active());
        let history = match &pruner {
            Some(_) => {
                let stored = self.with_queue(|q| q.read_study())?;
                Some(Arc::new(History::of(&stored.study, claimed.told_before)))
            }
            None => None,
        };
        let job = Job {
            number: claimed.trial.number,
            params: claimed.trial.params.clone(),
            want_gradient: claimed.want_gradient,
            history,
        };
        let (progress_tx, progress_rx) = unbounded::<(usize, u64, f64)>();
        let live = Live {
            progress: Some(progress_tx),
            pruner,
            ..Live::quiet(&self.shell.name)
        };
        let done = std::thread::scope(|scope| {
            let forward = scope.spawn(|| {
                for (_, step, value) in progress_rx.iter() {
                    let _ = self.with_queue(|q| q.report(claimed.attempt, step, value));
                }
            });
            let done = evaluate(self.objective, &job, &live);
            drop(live);
            let _ = forward.join();
            done
        });
        let mut one = self.shell.clone();
        one.trials.push(claimed.trial.clone());
        let trial = record_result(&mut one, &done).unwrap_or_else(|| claimed.trial.clone());
        Ok(trial)
    }
}

/// Write a heartbeat for every running attempt each `every`, until `end` is dropped.
fn heartbeats(
    queue: &Mutex<Box<dyn TrialQueue>>,
    running: &Mutex<BTreeSet<u64>>,
    me: &WorkerId,
    every: Duration,
    end: &Receiver<()>,
) {
    while let Err(crossbeam_channel::RecvTimeoutError::Timeout) = end.recv_timeout(every) {
        let attempts: Vec<u64> = running
            .lock()
            .map(|r| r.iter().copied().collect())
            .unwrap_or_default();
        for attempt in attempts {
            let mut q = queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // A failed heartbeat is not fatal: the next one may pass, and a worker that
            // cannot write at all fails on its result.
            let _ = q.heartbeat(me, attempt);
        }
    }
}
