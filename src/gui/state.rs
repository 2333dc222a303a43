//! What the window shows and controls, without any drawing.
//!
//! The [`Workbench`] is a few parts, each small: the [`StudyEditor`] owns the study and the
//! widget drafts (the study changes only through its methods, which bump the revision every
//! cache keys on); the [`Mode`] says what is working on the study (a run, step mode, a
//! replay) and owns that work's handles and clocks; the selection, the files, the view
//! settings and the background work are kept apart. The study's trials come only from the
//! runner's and stepper's events, applied in [`super::live`], so a live run and a reopened
//! session are drawn by the same code. Everything a panel or menu can do is a method, so the
//! tests drive exactly what the buttons drive.

pub use super::editor::StudyEditor;
use super::i18n::{fill, tr};
use super::jobs::{Poll, Waker};
use super::live::{self, LiveEvent, RunEnd};
pub use super::mode::{Mode, Run};
use super::views::{Snapshot, ViewParams, ViewRequest, ViewResult, ViewWorker};
use crate::report;
use crate::runner::{self, Command, Event, FinishReason};
use crate::session::{RaceSession, Session};
use crate::space::{Domain, Param};
use crate::strategy::StrategySpec;
use crate::study::{Study, TrialState};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Apply a worker's events until its channel is empty or `budget` is spent, so a flood of
/// fast trials never stalls a frame. A disconnected channel (the worker vanished) is applied
/// once as `None`; `apply` returns whether to keep listening (false once the run is over).
/// Returns how many events were applied.
pub(crate) fn drain_channel<E>(
    events: &crossbeam_channel::Receiver<E>,
    budget: Duration,
    mut apply: impl FnMut(Option<E>) -> bool,
) -> usize {
    let deadline = Instant::now() + budget;
    let mut applied = 0;
    loop {
        let event = match events.try_recv() {
            Ok(event) => Some(event),
            Err(crossbeam_channel::TryRecvError::Empty) => break,
            Err(crossbeam_channel::TryRecvError::Disconnected) => None,
        };
        let vanished = event.is_none();
        let listening = apply(event);
        applied += 1;
        if vanished || !listening || Instant::now() >= deadline {
            break;
        }
    }
    applied
}

/// How many recent sessions the File menu lists.
pub const RECENT_MAX: usize = 8;

/// Shortest time between two view requests while trials stream in, so a fast run does not
/// keep the view worker (and the snapshot copies) busy all the time.
const VIEW_THROTTLE: Duration = Duration::from_millis(250);

/// Whether a run is going on, as the run bar shows it (derived from the [`Mode`] and the
/// last run).
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

/// A column of the trial table, which is also a sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Column {
    /// Trial number.
    Number,
    /// Running, complete or failed.
    State,
    /// Objective value.
    Value,
    /// Seconds the evaluation took.
    Duration,
    /// The i-th parameter of the space (fixed ones included).
    Param(usize),
}

/// How the trial table is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// The column.
    pub column: Column,
    /// Smallest first.
    pub ascending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            column: Column::Number,
            ascending: true,
        }
    }
}

/// The plot shown in the centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Tab {
    /// Convergence and surface side by side.
    #[default]
    Overview,
    /// Every trial's value and the best so far.
    Convergence,
    /// Every trial's intermediate values by step, live while trials run.
    Curves,
    /// Score surface over two parameters.
    Surface,
    /// One polyline per trial across the parameters.
    Parallel,
    /// Relative importance of each parameter.
    Importance,
    /// GP posterior and acquisition along one parameter.
    GpSlice,
    /// GP posterior standard deviation over two parameters.
    GpStd,
    /// Several strategies racing on the study's problem.
    Race,
    /// One trial at a time, with why each point was chosen.
    Step,
    /// A synthetic objective's true surface beside the GP's, and the regret.
    Truth,
    /// Click to observe a small function of its own and watch the GP update.
    Playground,
    /// The decision boundary of a trial's model on a two-feature dataset.
    Boundary,
    /// Questions to the GP: fANOVA importance, partial dependence, diagnostics, what-if.
    Surrogate,
    /// A robust study's per-dataset scores and each dataset's own best.
    Datasets,
    /// The worker processes of a study in a shared storage: host, pid, trial, heartbeat.
    Workers,
}

impl Tab {
    /// Every tab, in the order the tab bar shows them.
    pub const ALL: [Tab; 16] = [
        Tab::Overview,
        Tab::Convergence,
        Tab::Curves,
        Tab::Surface,
        Tab::Parallel,
        Tab::Importance,
        Tab::GpSlice,
        Tab::GpStd,
        Tab::Boundary,
        Tab::Datasets,
        Tab::Workers,
        Tab::Race,
        Tab::Step,
        Tab::Truth,
        Tab::Playground,
        Tab::Surrogate,
    ];

    /// The tab whose title is `name`, ignoring case, spaces, hyphens and underscores
    /// (`knobs gui --tab gp-slice`).
    pub fn from_name(name: &str) -> Option<Tab> {
        let key = |s: &str| -> String {
            s.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '_'))
                .flat_map(char::to_lowercase)
                .collect()
        };
        let wanted = key(name);
        Tab::ALL.into_iter().find(|t| key(t.title()) == wanted)
    }

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Convergence => "Convergence",
            Tab::Curves => "Learning curves",
            Tab::Surface => "Surface",
            Tab::Parallel => "Parallel coordinates",
            Tab::Importance => "Importance",
            Tab::GpSlice => "GP slice",
            Tab::GpStd => "GP σ",
            Tab::Race => "Race",
            Tab::Step => "Step mode",
            Tab::Truth => "Truth",
            Tab::Playground => "Playground",
            Tab::Boundary => "Boundary",
            Tab::Surrogate => "Surrogate",
            Tab::Datasets => "Datasets",
            Tab::Workers => "Workers",
        }
    }
}

/// How the plots look: kept across sessions (eframe persistence).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewSettings {
    /// The centre tab.
    pub tab: Tab,
    /// Convergence plot on a log scale.
    pub log_y: bool,
    /// Convergence plot against cumulative resource (epochs, steps) instead of trials, to
    /// compare studies with and without a pruner by what they spent.
    #[serde(default)]
    pub by_resource: bool,
    /// Parameters the surface, σ and slice views look at.
    pub params: ViewParams,
    /// Height of the trial table, in points.
    pub table_height: f32,
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            tab: Tab::Overview,
            log_y: false,
            by_resource: false,
            params: ViewParams {
                x: 0,
                y: 1,
                slice: 0,
            },
            table_height: 220.0,
        }
    }
}

/// What persists between launches of the app.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Prefs {
    /// Most recent first.
    pub recent: Vec<PathBuf>,
    /// Plot settings.
    pub view: ViewSettings,
    /// Worker threads.
    pub jobs: Option<usize>,
    /// Interface language; `None` until chosen (the system's language is used then).
    #[serde(default)]
    pub lang: Option<crate::gui::i18n::Lang>,
    /// Storage URLs opened with File ▸ Open storage…, most recent first, without passwords.
    #[serde(default)]
    pub storages: Vec<String>,
    /// Where runs evaluate their trials (this window, or external workers and their storage).
    #[serde(default)]
    pub workers: super::workers::WorkersPrefs,
}

pub use super::editor::Draft;

/// The last run that ended: why, and how long it took (the run bar keeps showing both).
#[derive(Clone, Debug, PartialEq)]
pub struct LastRun {
    /// Why it ended.
    pub reason: FinishReason,
    /// Seconds from its start to its end.
    pub seconds: f64,
}

/// External commands and the user's say on them: nothing runs unconfirmed.
#[derive(Clone, Debug, Default)]
pub struct Consent {
    /// A command waiting for the user's confirmation before its first trial (it may come
    /// from a session someone sent): shown in full in a dialog.
    pub pending: Option<crate::objective::consent::CommandApproval>,
    /// What the pending command was asked for, to go on with once it is confirmed.
    pub then: AfterConsent,
    /// A confirmed start the workbench cannot make itself (a race, which the app owns):
    /// taken by its owner on the frame the user confirmed.
    pub ready: Option<AfterConsent>,
    /// Commands confirmed in this window, in case the confirmation could not be saved.
    pub confirmed: Vec<crate::objective::consent::CommandApproval>,
}

/// What a command objective was about to do when the user was asked to confirm it: every
/// way of starting trials goes behind the same dialog, and goes on once it is answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AfterConsent {
    /// The Run button's run.
    #[default]
    Run,
    /// Step mode.
    Step,
    /// A new race on the study's problem.
    StartRace,
    /// Continuing the race on its own problem (which may come from a session's race part).
    ContinueRace,
}

/// The session file the study belongs to, and the ones opened before.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Files {
    /// The session file the study was opened from or last saved to.
    pub path: Option<PathBuf>,
    /// Recently opened or saved sessions, most recent first.
    pub recent: Vec<PathBuf>,
}

impl Files {
    /// Remember a session file at the top of the recent list, as the study's file.
    fn remember(&mut self, path: &Path) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_owned());
        self.recent.truncate(RECENT_MAX);
        self.path = Some(path.to_owned());
    }
}

/// Which trial is highlighted and how the table is ordered; the order is cached on the
/// study's revision and the sort.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// The selected trial (by number), highlighted in every plot.
    pub selected: Option<usize>,
    /// Table order.
    pub sort: Sort,
    order: Vec<usize>,
    order_key: Option<(u64, Sort)>,
}

/// Work the window hands to background threads and polls each frame: the view worker (the
/// surface, GP and boundary grids) and the dataset preview, with what wakes the UI.
#[derive(Default)]
pub struct Background {
    waker: Option<Waker>,
    views: Option<ViewWorker>,
    views_requested: Option<(u64, ViewParams)>,
    boundary_requested: Option<super::views::BoundaryRequest>,
    views_last_request: Option<Instant>,
    /// The range advisor's worker and its newest advice (see [`super::advice`]).
    pub advice: super::advice::AdviceJobs,
    /// The latest grids from the view worker.
    pub view_result: Option<Arc<ViewResult>>,
    /// The study's dataset as the objective editor shows it (reloaded when the source changes).
    pub dataset_preview: Option<crate::gui::panels::objective::DatasetPreview>,
    /// The objective panel's background work: the preview loading, an objective edit and
    /// the study's objective being built off the UI thread.
    pub objective_jobs: crate::gui::panels::objective::ObjectiveJobs,
}

/// What a trial is projected to need, checked when Run is pressed: a run that would exhaust
/// memory or take minutes per trial asks first instead of starting.
#[derive(Default)]
pub struct CostCheck {
    /// Above what a trial's projected cost asks first.
    pub limits: crate::models::estimate::CostLimits,
    /// The projection, shown in a window with "Run anyway" / "Cancel" until answered.
    pub warning: Option<String>,
}

/// The window's state without drawing: the study editor, the mode (idle, running, stepping,
/// replaying), and what the plots, table and menus need.
pub struct Workbench {
    /// The study and its editing drafts; the study changes only through its methods.
    pub editor: StudyEditor,
    /// What is working on the study now (see [`Mode`]).
    pub(crate) mode: Mode,
    /// How the last run ended, until the trials are cleared or another study is opened.
    last_run: Option<LastRun>,
    /// Step mode's speed, status and why-views (its stepper lives in [`Mode::Stepping`]).
    pub step: crate::gui::step::StepMode,
    /// The session file and the recent list.
    pub files: Files,
    /// Commands waiting for, or given, the user's confirmation.
    pub consent: Consent,
    /// Plot settings.
    pub view: ViewSettings,
    /// The selected trial and the table's order.
    pub selection: Selection,
    /// The view worker and the dataset preview.
    pub background: Background,
    /// A message for the status line (errors included).
    pub status: String,
    /// An error to show in a window until dismissed (unreadable session, failed export).
    pub error: Option<String>,
    /// The check of what a trial is projected to need before a run starts.
    pub cost: CostCheck,
    /// The open study's journal, what was last saved, and journals offered for recovery.
    pub recovery: super::recovery::Recovery,
    /// Files read off the UI thread, and a Run waiting for the objective's build.
    pub loading: super::loading::Loading,
    /// The shared storage the study lives in, when other processes write it too (a run
    /// with external workers, or a study watched live); `None` for the window's own study.
    pub shared: Option<super::shared::SharedStudy>,
    /// Run with external workers (the setting, the coordinator being opened) and the
    /// Workers view's reads.
    pub workers: super::workers::RunWorkers,
}

impl Workbench {
    /// A workbench on `study`.
    pub fn new(study: Study) -> Self {
        let recovery = super::recovery::Recovery::on(&study);
        Workbench {
            recovery,
            loading: Default::default(),
            editor: StudyEditor::new(study),
            mode: Mode::Idle,
            last_run: None,
            step: Default::default(),
            files: Files::default(),
            view: ViewSettings::default(),
            selection: Selection::default(),
            background: Background::default(),
            status: String::new(),
            error: None,
            consent: Consent::default(),
            cost: CostCheck::default(),
            shared: None,
            workers: Default::default(),
        }
    }

    /// The study as the window shows it (during a replay, the earlier state on show).
    pub fn study(&self) -> &Study {
        self.editor.study()
    }

    /// Changes with every change of the study: what the views and the table key on.
    pub fn revision(&self) -> u64 {
        self.editor.revision()
    }

    /// What is working on the study now.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The study the app opens on: Bayesian optimisation (GP) of an RBF SVC's `C` and `gamma`
    /// (log ranges) on the bundled moons dataset, 5-fold accuracy on the reference folds, so
    /// pressing Run tunes a real model at once and the GP views fill in. Nothing is built
    /// here (this runs in a frame at New): the window builds the objective off the UI thread.
    /// Falls back to [`Workbench::branin_study`] if the definition does not parse.
    pub fn default_study() -> Study {
        let spec = ron::from_str::<crate::objective::ObjectiveSpec>(
            r#"Model(dataset: Bundled("moons"), model: Svc(kernel: Rbf), folds: Bundled("moons"))"#,
        );
        let space = crate::space::Space::new(vec![
            Param::new(
                "C",
                Domain::Float {
                    low: 0.01,
                    high: 1000.0,
                    log: true,
                },
            ),
            Param::new(
                "gamma",
                Domain::Float {
                    low: 1e-4,
                    high: 10.0,
                    log: true,
                },
            ),
        ]);
        match (spec, space) {
            (Ok(objective), Ok(space)) => Study {
                name: "SVC on moons, GP-BO".into(),
                description: "An RBF support-vector classifier on the moons dataset: C and gamma on log ranges, 5-fold cross-validated accuracy, tuned by Bayesian optimisation.".into(),
                description_zh: "在 moons 数据集上的 RBF 支持向量分类器：C 和 gamma 取对数范围，5 折交叉验证准确率，用贝叶斯优化调参。".into(),
                direction: crate::study::Direction::Maximize,
                objective,
                space,
                strategy: StrategySpec::from_name("gp").unwrap_or(StrategySpec::Sobol),
                seed: 0,
                budget: 40,
                window: None,
                trials: Vec::new(),
                pruner: Default::default(),
                resource_budget: None,
                strategy_state: None,
                adaptive: Default::default(),
                warm_start: None,
            },
            _ => Self::branin_study(),
        }
    }

    /// GP-BO on the Branin test function: instant trials, for tests and demonstrations.
    pub fn branin_study() -> Study {
        let mut study = crate::study::default_study();
        study.name = "GP-BO on Branin".into();
        study.strategy = StrategySpec::from_name("gp").unwrap_or(StrategySpec::Sobol);
        study.budget = 40;
        study
    }

    /// Apply saved preferences.
    pub fn apply_prefs(&mut self, prefs: Prefs) {
        self.files.recent = prefs.recent;
        self.files.recent.truncate(RECENT_MAX);
        self.view = prefs.view;
        if let Some(j) = prefs.jobs {
            self.workers.jobs = j.clamp(1, 64);
        }
        self.workers.apply_prefs(prefs.workers);
    }

    /// The preferences to save (the app adds the language, which it owns).
    pub fn prefs(&self) -> Prefs {
        Prefs {
            recent: self.files.recent.clone(),
            view: self.view,
            jobs: Some(self.workers.jobs),
            lang: None,
            storages: Vec::new(),
            workers: self.workers.prefs(),
        }
    }

    /// Set what wakes the UI when the runner or the view worker has news.
    pub fn set_waker(&mut self, waker: Waker) {
        self.background.waker = Some(waker);
    }

    /// Whether a waker has been set.
    pub fn has_waker(&self) -> bool {
        self.background.waker.is_some()
    }

    /// What wakes the UI, for other background threads (step mode) to share.
    pub fn waker(&self) -> Option<Waker> {
        self.background.waker.clone()
    }

    /// Idle, running, paused or finished: the run bar's view of the mode.
    pub fn run_state(&self) -> RunState {
        match (&self.mode, &self.last_run) {
            (Mode::Running(run), _) if run.paused => RunState::Paused,
            (Mode::Running(_), _) => RunState::Running,
            (_, Some(last)) => RunState::Finished(last.reason.clone()),
            (_, None) => RunState::Idle,
        }
    }

    /// Whether a run is in progress (running or paused).
    pub fn is_running(&self) -> bool {
        matches!(self.mode, Mode::Running(_))
    }

    /// Whether a run or step mode is working on the study (or starting, its journal being
    /// created), so its definition is locked.
    pub fn is_busy(&self) -> bool {
        match self.mode {
            Mode::Running(_) | Mode::Stepping(_) | Mode::Watching(_) => true,
            Mode::Idle | Mode::Replaying(_) => {
                self.loading.starting.is_some() || self.workers.is_opening()
            }
        }
    }

    /// Whether the space may be edited: no run, and no trials whose points would stop
    /// matching it.
    pub fn space_editable(&self) -> bool {
        matches!(self.mode, Mode::Idle) && self.study().trials.is_empty()
    }

    /// Why Run would fail now, if it would: shown beside the button before the user presses it.
    pub fn run_blocker(&self) -> Option<String> {
        if let crate::objective::ObjectiveSpec::Unknown { .. } = self.study().objective {
            return Some(
                tr("the study was written by Optuna: its objective is unknown, so it can be shown but not run")
                    .to_owned(),
            );
        }
        match self.mode {
            Mode::Watching(_) => {
                return Some(
                    tr("watching a shared study: stop watching to run it in this window").into(),
                );
            }
            Mode::Stepping(_) => return Some("step mode is on: stop it first".into()),
            Mode::Replaying(_) => {
                return Some("replaying an earlier state: leave the replay to run".into());
            }
            Mode::Idle | Mode::Running(_) => {}
        }
        if self.loading.starting.is_some() {
            return Some(tr("starting: the study's journal is being created").into());
        }
        if self.workers.is_opening() {
            return Some(tr("starting: the study's storage is being opened").into());
        }
        if let Some(d) = self.editor.drafts().values().next() {
            return Some(d.error.clone());
        }
        if let Some(e) = self.editor.strategy_error() {
            return Some(e.to_owned());
        }
        if self.study().space.dim() == 0 {
            return Some("every parameter is fixed: nothing to search".into());
        }
        None
    }

    /// Start (or continue) the study on the worker threads; the waker is called on every
    /// event. A model objective whose trials are projected to need too much memory or time
    /// (see [`crate::models::estimate`]) sets [`CostCheck::warning`] instead; the user
    /// then confirms with [`Workbench::run_anyway`].
    pub fn run(&mut self) {
        if !self.is_running()
            && self.run_blocker().is_none()
            && super::loading::objective_pending(self)
        {
            self.loading.run_waiting = true;
            self.status = tr("loading the objective… the run starts when it is ready").into();
            return;
        }
        if self.is_running() || self.run_blocker().is_some() {
            // Nothing to warn about: `run_anyway` ignores the press or says what blocks it.
            self.run_anyway();
            return;
        }
        if let Some(task) = self.study().objective.model_task()
            && let Ok(cost) = crate::gui::panels::objective::trial_cost(self, &task)
            && let Some(why) = cost.warning(task.model.name(), &self.cost.limits)
        {
            self.status = "a trial may need too much: confirm or cancel".into();
            self.cost.warning = Some(why);
            return;
        }
        self.run_anyway();
    }

    /// Start the run without checking its projected cost (the warning's "Run anyway").
    pub fn run_anyway(&mut self) {
        self.cost.warning = None;
        if self.is_running() {
            return;
        }
        if let Some(why) = self.run_blocker() {
            self.status = fill(tr("cannot run: {}"), &[&why]);
            return;
        }
        if self.workers.external {
            // The objective is checked here (it must build), but evaluated by the workers,
            // which run a command only when started with --allow-command.
            if let Err(e) = crate::gui::panels::objective::objective_for_run(self) {
                self.status = fill(tr("cannot run: {}"), &[&e]);
                return;
            }
            super::workers::start(self);
            return;
        }
        let spec = self.study().objective.clone();
        if !self.consent_to(&spec, AfterConsent::Run) {
            return;
        }
        let objective = match crate::gui::panels::objective::objective_for_run(self) {
            Ok(o) => o,
            Err(e) => {
                self.status = fill(tr("cannot run: {}"), &[&e]);
                return;
            }
        };
        // Every trial is on disk (the study's journal) before the window shows it. With a
        // frame loop the journal is created (and synced) on the journal thread, and the run
        // starts once it exists; scripts and tests without one create it at once.
        if self.has_waker() && self.recovery.writes_journal(self.files.path.as_deref()) {
            self.journal_then(super::loading::Starting::Run(objective));
            return;
        }
        let session = self.files.path.clone();
        match self
            .recovery
            .storage_for(self.editor.study(), session.as_deref())
        {
            Ok(storage) => self.start_run(objective, storage),
            Err(e) => self.journal_failed(&e),
        }
    }

    /// Have the study's journal created on the journal thread, `then` to go on once it
    /// exists (see [`Workbench::started`]).
    pub(crate) fn journal_then(&mut self, then: super::loading::Starting) {
        let session = self.files.path.clone();
        let wake = self.waker();
        match self
            .recovery
            .request_storage(self.editor.study(), session.as_deref(), wake)
        {
            Ok(()) => {
                self.loading.starting = Some(then);
                self.status = tr("opening the study's journal…").into();
            }
            Err(e) => self.journal_failed(&e),
        }
    }

    /// The study's journal cannot be written: nothing starts, and the window says why.
    fn journal_failed(&mut self, e: &str) {
        self.status = fill(tr("cannot run: {}"), &[&e]);
        self.error = Some(fill(tr("The study's journal cannot be written: {}"), &[&e]));
    }

    /// The journal asked for by [`Workbench::journal_then`] is created (or why not): start
    /// what waited for it.
    pub fn started(
        &mut self,
        created: Result<Option<crate::storage::journal::JournalStorage>, String>,
    ) {
        let Some(starting) = self.loading.starting.take() else {
            return;
        };
        let storage = match created {
            Ok(storage) => storage,
            Err(e) => {
                self.journal_failed(&e);
                if let super::loading::Starting::Step(..) = starting {
                    self.step.status = fill(tr("cannot step: {}"), &[&e]);
                }
                return;
            }
        };
        match starting {
            super::loading::Starting::Run(objective) => self.start_run(objective, storage),
            super::loading::Starting::Step(objective, then) => {
                if self.step_begin(objective, storage) {
                    self.step_then(then);
                }
            }
        }
    }

    /// Start the run on `objective`, writing `storage` (the study's journal) first.
    fn start_run(
        &mut self,
        objective: Arc<dyn crate::objective::Objective>,
        storage: Option<crate::storage::journal::JournalStorage>,
    ) {
        let wake: Option<Box<dyn Fn() + Send>> = self.waker().map(|w| {
            let b: Box<dyn Fn() + Send> = Box::new(move || w());
            b
        });
        let storage = storage.map(|s| Box::new(s) as Box<dyn crate::storage::Storage>);
        match runner::start_with(
            self.study().clone(),
            objective,
            self.workers.jobs,
            wake,
            storage,
        ) {
            Ok(handle) => self.begin_run(handle),
            Err(e) => self.status = fill(tr("cannot run: {}"), &[&e]),
        }
    }

    /// The run on `handle` (this window's threads or external workers) is the study's mode.
    pub(crate) fn begin_run(&mut self, handle: runner::RunHandle) {
        self.editor.apply(LiveEvent::Ended);
        self.mode = Mode::Running(Run::new(handle, self.study().finished()));
        self.last_run = None;
        self.status = "running".into();
    }

    /// Whether trials of `spec` may start now: yes unless it is a command the user has not
    /// confirmed, which is then shown in the confirmation dialog, to go on with `then` once
    /// confirmed.
    pub fn consent_to(
        &mut self,
        spec: &crate::objective::ObjectiveSpec,
        then: AfterConsent,
    ) -> bool {
        let Some(approval) = crate::objective::consent::CommandApproval::of(spec) else {
            return true;
        };
        if approval.is_remembered() || self.consent.confirmed.contains(&approval) {
            return true;
        }
        self.status = tr("confirm the command before it runs").into();
        self.consent.pending = Some(approval);
        self.consent.then = then;
        false
    }

    /// The user confirmed the command shown: remember it (per command and folder) and go on
    /// with what it was asked for (a race is left in [`Consent::ready`] for the app).
    pub fn confirm_command(&mut self) {
        let Some(approval) = self.consent.pending.take() else {
            return;
        };
        if let Err(e) = approval.remember() {
            self.error = Some(format!("the confirmation could not be saved: {e}"));
        }
        self.consent.confirmed.push(approval);
        match std::mem::take(&mut self.consent.then) {
            AfterConsent::Run => self.run_anyway(),
            AfterConsent::Step => {
                self.step_start();
            }
            race => self.consent.ready = Some(race),
        }
    }

    /// Send a command to the running study, if any.
    pub fn command(&mut self, command: Command) {
        let Mode::Running(run) = &mut self.mode else {
            return;
        };
        if run.handle.commands.send(command).is_err() {
            self.status = "the runner is not listening".into();
            return;
        }
        match command {
            Command::Pause => {
                run.paused = true;
                self.status = "paused: running trials finish".into();
            }
            Command::Resume => {
                run.paused = false;
                self.status = "running".into();
            }
            Command::Stop => self.status = "stopping after the running trials…".into(),
        }
    }

    /// Apply the runner's events, spending at most `budget` time; returns how many were
    /// applied. A runner that vanished without saying it finished is shown as a failure.
    pub fn drain_events(&mut self, budget: Duration) -> usize {
        let Mode::Running(run) = &self.mode else {
            return 0;
        };
        let events = run.handle.events.clone();
        drain_channel(&events, budget, |event| {
            self.apply(event);
            self.is_running()
        })
    }

    /// Apply events until the run ends, blocking: for scripts and tests that have no frame
    /// loop to drain in.
    pub fn finish_blocking(&mut self) {
        self.wait_started(Duration::from_secs(600));
        while let Mode::Running(run) = &self.mode {
            let event = run.handle.events.recv().ok();
            self.apply(event);
        }
    }

    /// Block up to `timeout` until a run or step mode waiting for its journal has started
    /// (tests and scripts; the window only polls).
    pub fn wait_started(&mut self, timeout: Duration) {
        super::workers::wait_opening(self, timeout);
        if self.loading.starting.is_some()
            && let Some(created) = self.recovery.wait_storage(timeout)
        {
            self.started(created);
        }
    }

    /// Apply one runner event; `None` means the channel closed.
    fn apply(&mut self, event: Option<Event>) {
        let (live, end) = live::from_runner(event);
        self.editor.apply(live);
        let reason = match end {
            None => return,
            Some(RunEnd::Finished { reason, .. }) => reason,
            Some(RunEnd::Vanished) => {
                FinishReason::StrategyFailed("the worker stopped unexpectedly".into())
            }
        };
        if let Mode::Running(run) = std::mem::replace(&mut self.mode, Mode::Idle) {
            self.last_run = Some(LastRun {
                reason: reason.clone(),
                seconds: run.started.elapsed().as_secs_f64(),
            });
        }
        self.status = match &reason {
            FinishReason::BudgetSpent => "done".into(),
            FinishReason::Stopped => "stopped".into(),
            FinishReason::Exhausted(why) => why.clone(),
            FinishReason::StrategyFailed(why) => fill(tr("failed: {}"), &[why]),
        };
        if let FinishReason::StrategyFailed(why) = &reason {
            self.error = Some(fill(tr("The run failed: {}"), &[why]));
        }
    }

    /// Seconds the current run has taken so far, or the last run took.
    pub fn elapsed(&self) -> Option<f64> {
        match (&self.mode, &self.last_run) {
            (Mode::Running(run), _) => Some(run.started.elapsed().as_secs_f64()),
            (_, last) => last.as_ref().map(|l| l.seconds),
        }
    }

    /// Seconds the running study still needs, from the pace of this run so far.
    pub fn eta(&self) -> Option<f64> {
        let Mode::Running(run) = &self.mode else {
            return None;
        };
        let done = self
            .study()
            .finished()
            .saturating_sub(run.finished_at_start);
        if done == 0 {
            return None;
        }
        let per = self.elapsed()? / done as f64;
        Some(per * self.study().remaining() as f64)
    }

    /// Trials finished so far.
    pub fn finished_trials(&self) -> usize {
        self.study().finished()
    }

    /// Save the study to a session file.
    pub fn save(&mut self, path: &Path) {
        self.save_with_race(path, None);
    }

    /// Save the study, and the race run on its problem if there is one, to a session file.
    /// While replaying, the full study is saved, not the prefix on show.
    pub fn save_with_race(&mut self, path: &Path, race: Option<RaceSession>) {
        let study = self.replay().map_or(self.study(), |r| r.full());
        let session = Session::with_race(study.clone(), race);
        match session.save(path) {
            Ok(()) => {
                self.status = fill(tr("saved {}"), &[&path.display()]);
                self.files.remember(path);
                let running = self.is_running();
                self.recovery.saved(&session.study, running);
            }
            Err(e) => {
                self.status = e.to_string();
                self.error = Some(e.to_string());
            }
        }
    }

    /// Open a session; the current study is kept if the file cannot be read. Returns `None`
    /// if nothing was opened, else the race the session holds (if any) for the Race tab.
    pub fn open(&mut self, path: &Path) -> Option<Option<RaceSession>> {
        if self.is_busy() {
            self.status = "stop the run before opening another session".into();
            return None;
        }
        self.opened(path, Session::load(path))
    }

    /// Show a session read from `path` (off the UI thread, see [`super::loading`]), as
    /// [`Workbench::open`] does.
    pub fn opened(
        &mut self,
        path: &Path,
        session: Result<Session, crate::session::SessionError>,
    ) -> Option<Option<RaceSession>> {
        if self.is_busy() {
            self.status = "stop the run before opening another session".into();
            return None;
        }
        match session {
            Ok(session) => {
                self.replace_study(session.study);
                self.status = fill(tr("opened {}"), &[&path.display()]);
                self.files.remember(path);
                Some(session.race)
            }
            Err(e) => {
                self.status = e.to_string();
                self.error = Some(fill(tr("Cannot open the session.\n\n{}"), &[&e]));
                None
            }
        }
    }

    /// Start over on the default study (File ▸ New).
    pub fn new_study(&mut self) {
        if self.is_busy() {
            self.status = "stop the run before starting a new study".into();
            return;
        }
        self.replace_study(Self::default_study());
        self.files.path = None;
        self.status = "new study".into();
    }

    /// Drop the trials but keep the definition, so the space can be edited again.
    pub fn clear_trials(&mut self) {
        if !matches!(self.mode, Mode::Idle) {
            return;
        }
        self.editor.clear_trials();
        self.last_run = None;
        self.selection.selected = None;
    }

    /// Show a study recovered from the journal at `path` (see [`super::recovery`]): its
    /// runs go on writing that journal, and it counts as unsaved until saved.
    pub fn recovered(&mut self, path: &Path, study: Study, note: String) {
        if self.is_busy() {
            self.status = "stop the run before opening another session".into();
            return;
        }
        self.replace_study(study);
        self.recovery.baseline = None;
        self.recovery.journal = Some(path.to_owned());
        let session = path.with_extension("ron");
        self.files.path = session.exists().then_some(session);
        self.status = note;
    }

    /// Whether the study differs from what was last saved or opened (the full study while
    /// a replay shows an earlier state).
    pub fn has_unsaved_work(&self) -> bool {
        if self.is_watching() {
            // The storage holds every trial the window shows.
            return false;
        }
        self.recovery
            .unsaved(self.replay().map_or(self.study(), |r| r.full()))
    }

    /// Show another study (opened, new): a replay ends, the drafts of the old study go.
    pub(super) fn replace_study(&mut self, study: Study) {
        let unsaved = self.has_unsaved_work();
        self.recovery.replaced(unsaved, &study);
        self.editor.replace(study);
        self.mode = Mode::Idle;
        self.shared = None;
        self.last_run = None;
        self.selection.selected = None;
        self.background.view_result = None;
        self.cost.warning = None;
    }

    /// Write the trials as CSV (the CLI's `--trials-csv` format).
    pub fn export_csv(&mut self, path: &Path) {
        match report::write_trials_csv(self.study(), path) {
            Ok(()) => self.status = fill(tr("wrote {}"), &[&path.display()]),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Write the JSON summary the CLI's `--json` prints.
    pub fn export_json(&mut self, path: &Path) {
        let json = report::Summary::of(self.study(), self.elapsed().unwrap_or(0.0), 0.0).to_json();
        match crate::session::write_atomic(path, json.as_bytes()) {
            Ok(()) => self.status = fill(tr("wrote {}"), &[&path.display()]),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Replace parameter `index` with an edited version (see [`StudyEditor::edit_param`]);
    /// ignored while a replay shows an earlier state.
    pub fn edit_param(&mut self, index: usize, param: Param) {
        if self.is_replaying() {
            return;
        }
        if self.editor.edit_param(index, param) {
            self.view.params = self.view.params.fitted(self.study().space.dim());
        }
    }

    /// Fix a parameter at a value (taken out of the search) or include it again with the
    /// range it had.
    pub fn set_included(&mut self, index: usize, include: bool) {
        if self.is_replaying() {
            return;
        }
        if self.editor.set_included(index, include) {
            self.view.params = self.view.params.fitted(self.study().space.dim());
        }
    }

    /// Row indices of the trial table in display order; recomputed only when the study or
    /// the sort changes.
    pub fn table_order(&mut self) -> &[usize] {
        let key = (self.revision(), self.selection.sort);
        let sel = &mut self.selection;
        if sel.order_key != Some(key) || sel.order.len() != self.editor.study().trials.len() {
            let trials = &self.editor.study().trials;
            let mut order: Vec<usize> = (0..trials.len()).collect();
            let sort = sel.sort;
            let num = |i: usize| -> Option<f64> {
                let t = &trials[i];
                match sort.column {
                    Column::Number => Some(t.number as f64),
                    Column::Value => t.completed_value(),
                    Column::Duration => Some(t.duration),
                    Column::State => Some(match t.state {
                        TrialState::Complete => 0.0,
                        TrialState::Running => 1.0,
                        TrialState::Failed(_) => 2.0,
                        TrialState::Pruned { .. } => 1.5,
                    }),
                    Column::Param(j) => t.params.get(j).and_then(|(_, v)| v.as_f64()),
                }
            };
            let text = |i: usize| -> String {
                match sort.column {
                    Column::Param(j) => trials[i]
                        .params
                        .get(j)
                        .map(|(_, v)| v.to_string())
                        .unwrap_or_default(),
                    _ => String::new(),
                }
            };
            // Keys computed once (not per comparison): a 10,000-row re-sort stays well under
            // a millisecond, which matters when trials stream in every frame.
            let keys: Vec<Option<f64>> = (0..trials.len()).map(num).collect();
            let texts: Vec<String> = match sort.column {
                Column::Param(_) if keys.iter().any(Option::is_none) => {
                    (0..trials.len()).map(text).collect()
                }
                _ => Vec::new(),
            };
            order.sort_unstable_by(|&a, &b| {
                let ord = match (keys[a], keys[b]) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    // Missing values (failed, running, categorical) go last either way.
                    (Some(_), None) => return std::cmp::Ordering::Less,
                    (None, Some(_)) => return std::cmp::Ordering::Greater,
                    (None, None) => match (texts.get(a), texts.get(b)) {
                        (Some(x), Some(y)) => x.cmp(y),
                        _ => std::cmp::Ordering::Equal,
                    },
                };
                let ord = if sort.ascending { ord } else { ord.reverse() };
                ord.then(a.cmp(&b))
            });
            sel.order = order;
            sel.order_key = Some(key);
        }
        &sel.order
    }

    /// Sort the table by `column`; the same column again flips the direction.
    pub fn sort_by(&mut self, column: Column) {
        let sort = &mut self.selection.sort;
        if sort.column == column {
            sort.ascending = !sort.ascending;
        } else {
            *sort = Sort {
                column,
                ascending: true,
            };
        }
    }

    /// Select a trial by number (or clear the selection).
    pub fn select(&mut self, number: Option<usize>) {
        self.selection.selected = number;
    }

    /// Poll the view worker and, when the study or the chosen parameters changed, ask it for
    /// new grids (at most every [`VIEW_THROTTLE`] while a run streams trials). Cheap; called
    /// once per frame.
    pub fn update_views(&mut self) {
        self.view.params = self.view.params.fitted(self.study().space.dim());
        let bg = &mut self.background;
        if let Some(worker) = &mut bg.views {
            match worker.poll() {
                Poll::Nothing => {}
                Poll::Ready(r) => bg.view_result = Some(Arc::new(r)),
                Poll::Failed(why) => {
                    if let Some(r) = failed_view(bg.views_requested, &why) {
                        bg.view_result = Some(r);
                    }
                }
                Poll::Gone => {
                    bg.views = None;
                    self.error = Some(tr("The plot worker stopped; the surface and GP views will not update. Save your session and restart.").into());
                    bg.views_requested = Some((u64::MAX, self.view.params));
                }
            }
        }
        let want = (self.revision(), self.view.params);
        let boundary = self.boundary_request();
        let bg = &mut self.background;
        if (bg.views_requested == Some(want) && bg.boundary_requested == boundary)
            || bg.views_requested.map(|r| r.0) == Some(u64::MAX)
        {
            return;
        }
        if bg.views.is_none() {
            match super::views::spawn_worker(bg.waker.clone()) {
                Ok(w) => bg.views = Some(w),
                Err(e) => {
                    self.error = Some(e);
                    bg.views_requested = Some((u64::MAX, self.view.params));
                    return;
                }
            }
        }
        let running = matches!(self.mode, Mode::Running(_));
        let Some(worker) = &mut bg.views else {
            return;
        };
        let throttled = running
            && bg
                .views_last_request
                .is_some_and(|t| t.elapsed() < VIEW_THROTTLE);
        if worker.is_busy() || throttled {
            if throttled && let Some(w) = &bg.waker {
                // Come back when the throttle has passed.
                w();
            }
            return;
        }
        let req = ViewRequest {
            revision: self.editor.revision(),
            params: self.view.params,
            snapshot: Arc::new(Snapshot::of(self.editor.study())),
            boundary: boundary.clone(),
        };
        worker.request(want, req);
        bg.views_requested = Some(want);
        bg.boundary_requested = boundary;
        bg.views_last_request = Some(Instant::now());
    }

    /// The boundary the Boundary tab wants: the selected trial's model (else the best
    /// trial's) for a model objective, while that tab is shown.
    pub fn boundary_request(&self) -> Option<super::views::BoundaryRequest> {
        if self.view.tab != Tab::Boundary {
            return None;
        }
        let task = self.study().objective.model_task()?;
        let selected = self
            .selection
            .selected
            .and_then(|n| self.study().trials.iter().find(|t| t.number == n))
            .filter(|t| !t.params.is_empty() && t.state != TrialState::Running);
        let trial = selected.or_else(|| self.study().best_trial())?;
        Some(super::views::BoundaryRequest {
            task,
            trial: trial.number,
            params: trial.params.clone(),
        })
    }

    /// Whether the Boundary tab applies: a model objective on data with two features (as
    /// the loaded preview says).
    pub fn boundary_available(&self) -> bool {
        self.study().objective.model_task().is_some_and(|task| {
            self.background
                .dataset_preview
                .as_ref()
                .and_then(|p| p.features_for(&task))
                == Some(2)
        })
    }

    /// Block until the views (and the range advisor's findings) match the current study
    /// (tests, benchmarks, screenshots);
    /// returns whether they do.
    pub fn wait_views(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        // The range advisor's findings are drawn beside the sliders: wait for them too.
        if !self.wait_advice(timeout) {
            return false;
        }
        let boundary = self.boundary_request();
        loop {
            self.update_views();
            if self.background.view_result.as_ref().is_some_and(|r| {
                r.revision == self.revision()
                    && r.params == self.view.params
                    && r.boundary.as_ref().map(|b| &b.request) == boundary.as_ref()
            }) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let bg = &mut self.background;
            if let Some(worker) = &mut bg.views {
                match worker.wait(deadline - now) {
                    Poll::Ready(r) => bg.view_result = Some(Arc::new(r)),
                    Poll::Failed(why) => {
                        if let Some(r) = failed_view(bg.views_requested, &why) {
                            bg.view_result = Some(r);
                        }
                    }
                    Poll::Nothing | Poll::Gone => {}
                }
            } else {
                return false;
            }
        }
    }
}

/// The views' answer when computing the request `requested` failed: the reason, shown in
/// place of the views (none if nothing was requested).
fn failed_view(requested: Option<(u64, ViewParams)>, why: &str) -> Option<Arc<ViewResult>> {
    requested.map(|(revision, params)| Arc::new(ViewResult::failed(revision, params, why)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_are_found_by_their_titles() {
        assert_eq!(Tab::from_name("gp-slice"), Some(Tab::GpSlice));
        assert_eq!(Tab::from_name("Race"), Some(Tab::Race));
        assert_eq!(Tab::from_name("parallel_coordinates"), Some(Tab::Parallel));
        assert_eq!(Tab::from_name("nowhere"), None);
        for tab in Tab::ALL {
            assert_eq!(Tab::from_name(tab.title()), Some(tab));
        }
    }

    #[test]
    fn preferences_survive_a_round_trip() {
        let mut bench = Workbench::new(Workbench::default_study());
        bench.files.recent = vec![PathBuf::from("a.ron"), PathBuf::from("b.ron")];
        bench.view.tab = Tab::GpSlice;
        bench.view.log_y = false;
        bench.workers.jobs = 3;
        let text = ron::to_string(&bench.prefs()).unwrap();
        let mut other = Workbench::new(Workbench::default_study());
        other.apply_prefs(ron::from_str(&text).unwrap());
        assert_eq!(other.files.recent, bench.files.recent);
        assert_eq!(other.view, bench.view);
        assert_eq!(other.workers.jobs, 3);
    }

    #[test]
    fn the_run_state_follows_the_mode_and_the_last_run() {
        let mut study = Workbench::branin_study();
        study.strategy = StrategySpec::Sobol;
        study.budget = 4;
        let mut bench = Workbench::new(study);
        bench.workers.jobs = 1;
        assert_eq!(bench.run_state(), RunState::Idle);
        assert_eq!(bench.elapsed(), None);
        bench.run();
        assert!(matches!(bench.mode(), Mode::Running(_)));
        bench.command(Command::Pause);
        assert_eq!(bench.run_state(), RunState::Paused);
        bench.command(Command::Resume);
        bench.finish_blocking();
        assert!(matches!(bench.mode(), Mode::Idle));
        assert_eq!(
            bench.run_state(),
            RunState::Finished(FinishReason::BudgetSpent)
        );
        let took = bench.elapsed().unwrap();
        assert_eq!(bench.elapsed(), Some(took), "a finished run's clock stops");
        // A replay keeps the last run's outcome on show; clearing the trials forgets it.
        assert!(bench.start_replay());
        assert_eq!(
            bench.run_state(),
            RunState::Finished(FinishReason::BudgetSpent)
        );
        bench.clear_trials();
        assert_eq!(bench.study().trials.len(), 4, "refused while replaying");
        bench.stop_replay();
        bench.clear_trials();
        assert!(bench.study().trials.is_empty());
        assert_eq!(bench.run_state(), RunState::Idle);
        assert_eq!(bench.elapsed(), None);
    }

    #[test]
    fn failed_trials_sort_last_both_ways() {
        let mut study = Workbench::branin_study();
        study.strategy = StrategySpec::Random;
        study.budget = 6;
        let mut bench = Workbench::new(study);
        bench.workers.jobs = 1;
        bench.run();
        bench.finish_blocking();
        let mut failed = bench.study().trials[2].clone();
        failed.state = TrialState::Failed("boom".into());
        bench.editor.apply(LiveEvent::TrialFinished(failed));
        bench.sort_by(Column::Value);
        assert_eq!(*bench.table_order().last().unwrap(), 2);
        bench.sort_by(Column::Value);
        assert!(!bench.selection.sort.ascending);
        assert_eq!(*bench.table_order().last().unwrap(), 2);
        // the recent list is capped and most recent first
        for i in 0..(RECENT_MAX + 3) {
            bench.files.remember(Path::new(&format!("{i}.ron")));
        }
        assert_eq!(bench.files.recent.len(), RECENT_MAX);
        assert_eq!(
            bench.files.recent[0],
            PathBuf::from(format!("{}.ron", RECENT_MAX + 2))
        );
    }
}
