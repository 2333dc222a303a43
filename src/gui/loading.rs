//! Files read off the UI thread: opening a session and recovering a journal (or a race's
//! folder) go through a [`crate::gui::jobs`] worker, and the window shows "opening …" until
//! the study arrives. A Run, a step or a race asked for before its objective is built waits
//! for the background build instead of building (and reading the dataset) in a frame; a run
//! or step mode then waits for its journal, created (and synced) on the journal thread
//! ([`crate::gui::recovery`]), and starts once it exists.

use super::app::KnobsApp;
use super::i18n::{fill, tr};
use super::jobs::{Poll, Waker, Worker};
use super::state::Workbench;
use super::step::state::StepThen;
use crate::objective::Objective;
use crate::session::{RaceSession, Session, SessionError};
use crate::study::Study;
use eframe::egui;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A file to read on the loader thread.
#[derive(Clone, Debug)]
pub enum Load {
    /// A session file (File ▸ Open).
    Session(PathBuf),
    /// A journal to recover (the start-up offer's "Recover").
    Recover(PathBuf),
    /// A race's folder to recover (see [`crate::gui::race::journal`]).
    RecoverRace(PathBuf),
}

/// What the loader read.
pub enum Loaded {
    /// A session file, or why it could not be read.
    Session(PathBuf, Box<Result<Session, SessionError>>),
    /// A recovered journal: the study and a note, or why it cannot be recovered.
    Recovered(PathBuf, Box<Result<(Study, String), String>>),
    /// A recovered race: its session part and a note, or why it cannot be recovered.
    RecoveredRace(PathBuf, Box<Result<(RaceSession, String), String>>),
}

/// A start that waits for its objective's background build (the Run button's has its own
/// flag, [`Loading::run_waiting`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Step mode, and what it was asked to do once on.
    Step(StepThen),
    /// A new race on the study's problem.
    StartRace,
    /// Continuing the race on its own problem.
    ContinueRace,
}

/// A start whose objective is built and whose journal is being created on the journal
/// thread: it goes on once the journal exists.
pub enum Starting {
    /// The Run button's run.
    Run(Arc<dyn Objective>),
    /// Step mode, and what it was asked to do once on.
    Step(Arc<dyn Objective>, StepThen),
}

/// The loader thread, what it is reading, and a Run waiting for the objective.
#[derive(Default)]
pub struct Loading {
    worker: Option<Worker<u64, Load, Loaded>>,
    /// The file being read, shown as "opening …".
    pub reading: Option<PathBuf>,
    /// How many loads were asked for (the key of the latest).
    asked: u64,
    /// Run was pressed while the study's objective was still being built off the UI
    /// thread: the run starts when the build is in.
    pub run_waiting: bool,
    /// Step mode or a race waiting for its objective's build.
    pub waiting: Option<Waiting>,
    /// A run or step mode waiting for its journal.
    pub starting: Option<Starting>,
}

impl Loading {
    /// Read `load` on the loader thread (started on first use); a newer load replaces an
    /// older one still being read.
    pub fn request(&mut self, load: Load, wake: Option<Waker>) -> Result<(), String> {
        if self.worker.is_none() {
            self.worker = Some(Worker::spawn(
                "knobs-loader",
                "reading the file",
                wake,
                read,
            )?);
        }
        self.asked += 1;
        self.reading = Some(match &load {
            Load::Session(p) | Load::Recover(p) | Load::RecoverRace(p) => p.clone(),
        });
        if let Some(w) = &mut self.worker
            && w.request(self.asked, load)
        {
            return Ok(());
        }
        self.worker = None;
        self.reading = None;
        Err("the file loader stopped".into())
    }

    /// Whether a file is being read.
    pub fn is_reading(&self) -> bool {
        self.reading.is_some()
    }
}

/// Read what `load` names (on the loader thread).
fn read(load: Load) -> Loaded {
    match load {
        Load::Session(path) => {
            let session = Session::load(&path);
            Loaded::Session(path, Box::new(session))
        }
        Load::Recover(path) => {
            let recovered = super::recovery::recover(&path);
            Loaded::Recovered(path, Box::new(recovered))
        }
        Load::RecoverRace(path) => {
            let recovered = super::race::journal::recover(&path);
            Loaded::RecoveredRace(path, Box::new(recovered))
        }
    }
}

/// Ask the loader for `load`, saying so in the status line.
pub fn start(bench: &mut Workbench, load: Load) {
    let wake = bench.waker();
    let what = match &load {
        Load::Session(p) | Load::Recover(p) | Load::RecoverRace(p) => p.display().to_string(),
    };
    match bench.loading.request(load, wake) {
        Ok(()) => bench.status = fill(tr("opening {}…"), &[&what]),
        Err(e) => bench.error = Some(e),
    }
}

/// Apply what the loader read, if it has finished; start a waiting Run, step mode or race
/// once its objective is built, and a run or step mode once its journal exists. Cheap; once
/// a frame.
pub fn poll(app: &mut KnobsApp, ctx: &egui::Context) {
    if let Some(w) = &mut app.bench.loading.worker {
        let polled = w.poll();
        take(app, polled);
    }
    let bench = &mut app.bench;
    if bench.loading.run_waiting && !bench.loading.is_reading() && !objective_pending(bench) {
        bench.loading.run_waiting = false;
        bench.run();
    }
    if let Some(waiting) = app.bench.loading.waiting
        && !app.bench.loading.is_reading()
    {
        go_on(app, waiting, ctx);
    }
    if app.bench.loading.starting.is_some()
        && let Some(created) = app.bench.recovery.poll_storage()
    {
        app.bench.started(created);
    }
}

/// Go on with `waiting` if its objective is built.
fn go_on(app: &mut KnobsApp, waiting: Waiting, ctx: &egui::Context) {
    let spec = match waiting {
        Waiting::ContinueRace => match &app.race.problem {
            Some(problem) => problem.objective.clone(),
            None => {
                app.bench.loading.waiting = None;
                return;
            }
        },
        Waiting::Step(_) | Waiting::StartRace => app.bench.study().objective.clone(),
    };
    if super::panels::objective::pending_for(&app.bench, &spec) {
        return;
    }
    app.bench.loading.waiting = None;
    match waiting {
        Waiting::Step(then) => app.bench.step_then(then),
        Waiting::StartRace => super::race::view::start(&mut app.race, &mut app.bench, ctx),
        Waiting::ContinueRace => super::race::view::resume(&mut app.race, &mut app.bench, ctx),
    }
}

/// Block up to `timeout` until the file being read is applied (tests; the window only
/// polls). Returns whether nothing is being read.
pub fn wait(app: &mut KnobsApp, timeout: Duration) -> bool {
    if app.bench.loading.is_reading()
        && let Some(w) = &mut app.bench.loading.worker
    {
        let polled = w.wait(timeout);
        take(app, polled);
    }
    !app.bench.loading.is_reading()
}

fn take(app: &mut KnobsApp, polled: Poll<Loaded>) {
    let loaded = match polled {
        Poll::Nothing => return,
        Poll::Ready(loaded) => loaded,
        Poll::Failed(why) => {
            app.bench.loading.reading = None;
            app.bench.error = Some(why);
            return;
        }
        Poll::Gone => {
            app.bench.loading = Loading::default();
            app.bench.error = Some("the file loader stopped".into());
            return;
        }
    };
    app.bench.loading.reading = None;
    match loaded {
        Loaded::Session(path, session) => {
            if let Some(race) = app.bench.opened(&path, *session) {
                // The Race tab shows the session's race, or a fresh one.
                app.race =
                    race.map_or_else(super::race::Race::new, super::race::Race::from_session);
            }
        }
        Loaded::Recovered(path, recovered) => match *recovered {
            Ok((study, note)) => app.bench.recovered(&path, study, note),
            Err(e) => {
                app.bench.status = e.clone();
                app.bench.error = Some(fill(tr("Cannot recover the study.\n\n{}"), &[&e]));
            }
        },
        Loaded::RecoveredRace(path, recovered) => match *recovered {
            Ok((race, note)) if !app.race.is_running() => {
                // The race goes on writing its folder when continued.
                let mut reopened = super::race::Race::from_session(race);
                reopened.journals.dir = app.bench.recovery.dir.clone();
                reopened.journals.folder = Some(path);
                reopened.status = note.clone();
                app.race = reopened;
                app.bench.view.tab = super::state::Tab::Race;
                app.bench.status = note;
            }
            Ok(_) => app.bench.status = "stop the race before recovering another".into(),
            Err(e) => {
                app.bench.status = e.clone();
                app.bench.error = Some(fill(tr("Cannot recover the race.\n\n{}"), &[&e]));
            }
        },
    }
}

/// Whether the study's objective reads files and its background build is not in yet, so a
/// Run now would have to build it in the frame. Only with a frame loop (a waker): scripts
/// and tests without one build at once.
pub fn objective_pending(bench: &Workbench) -> bool {
    bench.has_waker()
        && matches!(
            bench.study().objective,
            crate::objective::ObjectiveSpec::Model { .. }
        )
        && !super::panels::objective::built_for_study(bench)
}
