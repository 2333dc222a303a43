//! Every race run's trials on disk the moment each ends, so a crash loses no race.
//!
//! **One journal per run** (a lane: one strategy on one seed), in one folder per race:
//! `<recovery folder>/<pid>-<millis>.race/` holds `race.ron` (the race's setup as a session
//! with its race part and no trials) and `run-00.journal`, `run-01.journal`, … in the order
//! of the race's runs. Not one journal with a study per run, although Optuna's format allows
//! it: the runs go at once on their own runner threads, and a journal has one writer (its
//! lock) that group-commits one study's events; one file per run keeps each run's commits
//! independent of the others' fsyncs, needs no writer shared between runners, and each file
//! opens in Optuna (`optuna.load_study(storage=…)`) as a plain one-study journal.
//!
//! The folder is created, and every run's journal with it, on a [`crate::gui::jobs`] worker
//! (no frame waits for an fsync); the race's runs start once their journals exist. Saving the
//! session with the race, or a new race, removes the folder; a folder left by a window that
//! died is offered at the next start ([`crate::gui::recovery`]) and Recover reopens the race
//! with every finished trial, its unfinished runs ready to continue.

use crate::gui::jobs::{Poll, Waker, Worker};
use crate::session::{RaceOutcome, RaceSession, Session};
use crate::storage::Storage;
use crate::storage::journal::{self, JournalStorage};
use crate::study::Study;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The setup file in a race's folder.
pub const SETUP: &str = "race.ron";

/// The journal of run `index` in a race's folder.
pub fn run_journal(folder: &Path, index: usize) -> PathBuf {
    folder.join(format!("run-{index:02}.journal"))
}

/// What the journal thread creates for a race: its folder (a new one in `dir` unless the
/// race has one), its setup, and the journals of the runs about to start.
pub struct Request {
    /// The race's folder, when continuing a race that has one.
    folder: Option<PathBuf>,
    /// The recovery folder a new race folder goes in.
    dir: PathBuf,
    /// The race's setup (its session part), written as `race.ron`.
    setup: RaceSession,
    /// Each run's study, for the runs about to start (`None`: leave its journal alone).
    runs: Vec<Option<Study>>,
}

/// The race's folder and each starting run's storage, or why they cannot be written.
type Created = Result<(PathBuf, Vec<Option<JournalStorage>>), String>;

/// Create what `req` asks for (on the journal thread).
fn create(req: Request) -> Created {
    let folder = req.folder.unwrap_or_else(|| {
        req.dir
            .join(format!("{}.race", crate::gui::recovery::unique_stem()))
    });
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let setup = Session::with_race(req.setup.problem.clone(), Some(req.setup));
    setup.save(&folder.join(SETUP)).map_err(|e| e.to_string())?;
    let storages = req
        .runs
        .iter()
        .enumerate()
        .map(|(i, study)| {
            study
                .as_ref()
                .map(|s| JournalStorage::create(&run_journal(&folder, i), s))
                .transpose()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((folder, storages))
}

/// A race's journals: where they go, the storages waiting for their runs to start, and the
/// thread that creates them.
#[derive(Default)]
pub struct RaceJournals {
    /// The recovery folder race folders go in; `None` journals nothing (a bare race in tests
    /// and scripts; the window sets the platform's).
    pub dir: Option<PathBuf>,
    /// This race's folder, once created (or recovered).
    pub folder: Option<PathBuf>,
    /// Each run's storage, created and not yet handed to its runner.
    storages: Vec<Option<Box<dyn Storage>>>,
    worker: Option<Worker<u64, Request, Created>>,
    asked: u64,
}

impl RaceJournals {
    /// Start creating the journals of the runs about to start (`runs[i]` is run `i`'s study,
    /// `None` for runs that do not start), with `setup` as the race's setup. Returns false
    /// (nothing to wait for) when no folder is set; an error when the thread cannot start.
    pub fn begin(
        &mut self,
        setup: RaceSession,
        runs: Vec<Option<Study>>,
        wake: Option<Waker>,
    ) -> Result<bool, String> {
        let Some(dir) = self.dir.clone() else {
            return Ok(false);
        };
        self.storages.clear();
        if self.worker.is_none() {
            self.worker = Some(Worker::spawn(
                "knobs-race-journal",
                "creating the race's journals",
                wake,
                create,
            )?);
        }
        self.asked += 1;
        let req = Request {
            folder: self.folder.clone(),
            dir,
            setup,
            runs,
        };
        if let Some(w) = &mut self.worker
            && w.request(self.asked, req)
        {
            return Ok(true);
        }
        self.worker = None;
        Err("the race's journal thread stopped".into())
    }

    /// A new race replaces the one these journals belong to: its folder goes (the race it
    /// held is replaced in the window), and the next one gets a new folder.
    pub fn replace(&mut self) {
        self.drop_folder();
        self.storages.clear();
    }

    /// Remove the race's folder (its race is saved in a session, or given up) and forget it.
    pub fn drop_folder(&mut self) {
        if let Some(folder) = self.folder.take() {
            let _ = std::fs::remove_dir_all(folder);
        }
    }

    /// Whether the runs wait for their journals.
    pub fn is_pending(&self) -> bool {
        self.worker.as_ref().is_some_and(Worker::is_busy)
    }

    /// Run `index`'s storage, if one was created for it (taken: its runner owns it).
    pub fn take(&mut self, index: usize) -> Option<Box<dyn Storage>> {
        self.storages.get_mut(index).and_then(Option::take)
    }

    /// Collect the created journals when they are in; `Some(why)` if they cannot be
    /// written. Cheap; once a frame.
    pub fn poll(&mut self) -> Option<String> {
        let polled = self.worker.as_mut()?.poll();
        self.take_created(polled)
    }

    /// Block up to `timeout` for the journals (tests and scripts; the window only polls).
    pub fn wait(&mut self, timeout: Duration) -> Option<String> {
        let polled = self.worker.as_mut()?.wait(timeout);
        self.take_created(polled)
    }

    fn take_created(&mut self, polled: Poll<Created>) -> Option<String> {
        match polled {
            Poll::Nothing => None,
            Poll::Ready(Ok((folder, storages))) => {
                self.folder = Some(folder);
                self.storages = storages
                    .into_iter()
                    .map(|s| s.map(|s| Box::new(s) as Box<dyn Storage>))
                    .collect();
                None
            }
            Poll::Ready(Err(why)) | Poll::Failed(why) => Some(why),
            Poll::Gone => {
                self.worker = None;
                Some("the race's journal thread stopped".into())
            }
        }
    }
}

/// How many runs and finished trials the race folder at `folder` holds, and its problem's
/// name; `None` if it is not a race folder Knobs wrote.
pub fn describe(folder: &Path) -> Option<(String, usize, usize)> {
    let setup = Session::load(&folder.join(SETUP)).ok()?;
    let race = setup.race?;
    let trials = (0..race.runs.len())
        .filter_map(|i| journal::read(&run_journal(folder, i)).ok())
        .map(|r| r.study.trials.len())
        .sum();
    Some((race.problem.name.clone(), race.runs.len(), trials))
}

/// Read the race in `folder` back as its session part: every run's finished trials from its
/// journal (trials its dead runner left running are failed as interrupted, durably, and
/// asked again when the run continues). A run that spent its budget and recorded its end
/// comes back finished; every other run comes back unfinished, to continue. Returns the race
/// and a note saying what was recovered.
pub fn recover(folder: &Path) -> Result<(RaceSession, String), String> {
    let setup = Session::load(&folder.join(SETUP)).map_err(|e| e.to_string())?;
    let Some(mut race) = setup.race else {
        return Err(format!("{}: holds no race", folder.join(SETUP).display()));
    };
    let mut trials = 0;
    for (i, run) in race.runs.iter_mut().enumerate() {
        let path = run_journal(folder, i);
        if !path.exists() {
            // The run never started: it stays as set up, to run when the race continues.
            continue;
        }
        let recovered = journal::recover(&path).map_err(|e| e.to_string())?;
        let study = recovered.resumable();
        study
            .validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        run.outcome = if recovered.is_finished() && study.trials.len() >= study.budget {
            RaceOutcome::BudgetSpent
        } else {
            RaceOutcome::Unfinished
        };
        run.strategy_state = study.strategy_state;
        trials += study.trials.len();
        run.trials = study.trials;
    }
    let note = format!(
        "recovered a race of {} runs with {trials} trials from {}",
        race.runs.len(),
        folder.display()
    );
    Ok((race, note))
}
