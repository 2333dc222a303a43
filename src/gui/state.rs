//! What the window shows and controls, without any drawing.
//!
//! The workbench keeps its own copy of the study, built only from the runner's events, so a
//! live run and a reopened session are drawn by the same code.

use crate::objective::Objective;
use crate::runner::{self, Command, Event, FinishReason, RunHandle};
use crate::session::Session;
use crate::strategy::StrategySpec;
use crate::study::{Study, TrialState};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether a run is going on.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// No run; the study can be edited.
    Idle,
    /// Trials are being evaluated.
    Running,
    /// Running trials finish, no new ones start.
    Paused,
    /// The last run ended; the reason is shown.
    Finished(FinishReason),
}

/// The study being edited or run, and the run's handle.
pub struct Workbench {
    /// The study as the window shows it.
    pub study: Study,
    /// Idle, running, paused or finished.
    pub state: RunState,
    /// A message for the status line (errors included).
    pub status: String,
    /// Worker threads for the next run.
    pub jobs: usize,
    handle: Option<RunHandle>,
    started: Option<Instant>,
}

impl Workbench {
    /// A workbench on `study`.
    pub fn new(study: Study) -> Self {
        Workbench {
            study,
            state: RunState::Idle,
            status: String::new(),
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            handle: None,
            started: None,
        }
    }

    /// The study the app opens on: Sobol search on Branin, ready to run.
    pub fn default_study() -> Study {
        let mut study = crate::cli::default_study();
        study.strategy = StrategySpec::Sobol;
        study
    }

    /// Whether a run is in progress (running or paused).
    pub fn is_running(&self) -> bool {
        self.handle.is_some()
    }

    /// Start (or continue) the study on the worker threads; `wake` is called on every event.
    pub fn run(&mut self, wake: Option<Box<dyn Fn() + Send>>) {
        if self.handle.is_some() {
            return;
        }
        let objective: Arc<dyn Objective> = match self.study.objective.build() {
            Ok(o) => Arc::from(o),
            Err(e) => {
                self.status = format!("cannot run: {e}");
                return;
            }
        };
        match runner::start(self.study.clone(), objective, self.jobs, wake) {
            Ok(handle) => {
                self.study.discard_unfinished();
                self.handle = Some(handle);
                self.state = RunState::Running;
                self.started = Some(Instant::now());
                self.status = "running".into();
            }
            Err(e) => self.status = format!("cannot run: {e}"),
        }
    }

    /// Send a command to the running study, if any.
    pub fn command(&mut self, command: Command) {
        if let Some(handle) = &self.handle {
            let _ = handle.commands.send(command);
            match command {
                Command::Pause => self.state = RunState::Paused,
                Command::Resume => self.state = RunState::Running,
                Command::Stop => self.status = "stopping after the running trials…".into(),
            }
        }
    }

    /// Apply the runner's events, spending at most `budget` time; returns how many were
    /// applied. A runner that vanished without saying it finished is shown as a failure.
    pub fn drain_events(&mut self, budget: Duration) -> usize {
        let deadline = Instant::now() + budget;
        let mut applied = 0;
        while let Some(handle) = &self.handle {
            let event = match handle.events.try_recv() {
                Ok(event) => Some(event),
                Err(crossbeam_channel::TryRecvError::Empty) => break,
                Err(crossbeam_channel::TryRecvError::Disconnected) => None,
            };
            self.apply(event);
            applied += 1;
            if Instant::now() >= deadline {
                break;
            }
        }
        applied
    }

    /// Apply events until the run ends, blocking: for scripts and tests that have no frame
    /// loop to drain in.
    pub fn finish_blocking(&mut self) {
        while let Some(handle) = &self.handle {
            let event = handle.events.recv().ok();
            self.apply(event);
        }
    }

    /// Apply one event; `None` means the channel closed.
    fn apply(&mut self, event: Option<Event>) {
        let reason = match event {
            Some(Event::TrialStarted(trial)) => {
                self.study.trials.push(trial);
                return;
            }
            Some(Event::TrialFinished(trial)) => {
                if let Some(slot) = self
                    .study
                    .trials
                    .iter_mut()
                    .find(|t| t.number == trial.number)
                {
                    *slot = trial;
                }
                return;
            }
            Some(Event::StudyFinished { reason, .. }) => reason,
            None => FinishReason::StrategyFailed("the worker stopped unexpectedly".into()),
        };
        self.handle = None;
        self.study.discard_unfinished();
        self.status = match &reason {
            FinishReason::BudgetSpent => "done".into(),
            FinishReason::Stopped => "stopped".into(),
            FinishReason::Exhausted(why) => why.clone(),
            FinishReason::StrategyFailed(why) => format!("failed: {why}"),
        };
        self.state = RunState::Finished(reason);
    }

    /// Seconds since the current run started.
    pub fn elapsed(&self) -> Option<f64> {
        self.started.map(|s| s.elapsed().as_secs_f64())
    }

    /// Trials finished so far.
    pub fn finished_trials(&self) -> usize {
        self.study
            .trials
            .iter()
            .filter(|t| t.state != TrialState::Running)
            .count()
    }

    /// Save the study to a session file.
    pub fn save(&mut self, path: &Path) {
        self.status = match Session::new(self.study.clone()).save(path) {
            Ok(()) => format!("saved {}", path.display()),
            Err(e) => e.to_string(),
        };
    }

    /// Open a session; the current study is kept if the file cannot be read.
    pub fn open(&mut self, path: &Path) {
        if self.is_running() {
            self.status = "stop the run before opening another session".into();
            return;
        }
        match Session::load(path) {
            Ok(session) => {
                self.study = session.study;
                self.state = RunState::Idle;
                self.status = format!("opened {}", path.display());
            }
            Err(e) => self.status = e.to_string(),
        }
    }
}
