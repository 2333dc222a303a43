//! The window never loses a run: every run writes its trials to a journal (Optuna's
//! JournalStorage format, through the core's group-committing storage) the moment each ends,
//! and a window started after a crash offers to recover what the journal holds.
//!
//! Where a study's journal lives: beside its session file (`study.ron` → `study.journal`, as
//! `knobs run --save` does) when the study has one and that folder takes it, else in the
//! platform's data folder (`$XDG_DATA_HOME/knobs/recovery/<pid>-<millis>.journal`). A clean
//! Save, a "Don't save" and a clean close remove the journal (the session file then holds
//! everything, or the user chose to drop it); a journal still there when the app starts is a
//! study that was not saved cleanly, and is offered as "Recover" or "Discard". Discard moves
//! the file aside (`….journal.discarded-<secs>`): nothing is deleted without the user saying so.

use super::jobs::{Poll, Waker, Worker};
use crate::storage::journal::{self, JournalStorage};
use crate::study::Study;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The platform's folder for recovery journals, if it can be told: `$XDG_DATA_HOME` or
/// `~/.local/share` on Linux and BSD, `~/Library/Application Support` on macOS,
/// `%APPDATA%` on Windows; then `knobs/recovery`.
pub fn platform_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
    };
    base.map(|b| b.join("knobs").join("recovery"))
}

/// A journal found at start that holds a study not saved cleanly.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The journal.
    pub path: PathBuf,
    /// The study's name.
    pub name: String,
    /// Trials the journal holds (interrupted ones included).
    pub trials: usize,
    /// When the journal was last written, as `YYYY-MM-DD HH:MM UTC`.
    pub when: String,
    /// The session file the journal sits beside, if it has one.
    pub session: Option<PathBuf>,
    /// Whether it is a race's folder (one journal per run, see
    /// [`crate::gui::race::journal`]) rather than a study's journal.
    pub race: bool,
}

/// The journal of the open study, the folder for studies without a session, and what the
/// start-up scan found.
#[derive(Default)]
pub struct Recovery {
    /// Where journals of studies without a session file go; `None` writes none for them
    /// (a bare [`Workbench`](super::state::Workbench) in tests; the app sets the platform's).
    pub dir: Option<PathBuf>,
    /// The journal the open study's runs write, once it has run.
    pub journal: Option<PathBuf>,
    /// The study as last saved or opened: the window has unsaved work when the study differs.
    /// `None` for a recovered study, which was never saved.
    pub baseline: Option<Study>,
    /// Journals offered for recovery, the first one shown.
    pub offers: Vec<Found>,
    /// The close button was pressed and answered: let the window close.
    pub may_close: bool,
    /// What waits for the answer to "save your changes?", while it is asked.
    pub prompt: Option<super::unsaved::Pending>,
    scan: Option<Worker<u8, Scan, Vec<Found>>>,
    /// The thread that creates run journals (their first fsync), started on first use.
    creator: Option<Worker<u64, JournalRequest, Created>>,
    /// How many journals were asked for (the key of the latest).
    asked: u64,
}

/// A created journal and where it is, `None` when there is nowhere to write one, or why it
/// cannot be created.
type Created = Result<Option<(PathBuf, JournalStorage)>, String>;

/// Where a run's journal may go and what it starts with, handed to the journal thread.
#[derive(Clone, Debug)]
pub struct JournalRequest {
    /// The open study's journal, if it has one: rewritten in place.
    pub journal: Option<PathBuf>,
    /// The study's session file: its journal goes beside it when that folder takes it.
    pub session: Option<PathBuf>,
    /// The recovery folder, for a study without a session file.
    pub dir: Option<PathBuf>,
    /// The study: its definition and finished trials.
    pub study: Study,
}

/// Create the journal `req` describes: the open study's own if it has one, else beside its
/// session file when that folder takes it, else a new one in the recovery folder. Returns
/// its path and storage, or `None` when there is nowhere to write one. Reads, writes and
/// syncs files: run it on the journal thread (or without a frame loop).
pub fn create_journal(req: JournalRequest) -> Created {
    let study = &req.study;
    if let Some(path) = req.journal {
        return JournalStorage::create(&path, study)
            .map(|s| Some((path, s)))
            .map_err(|e| e.to_string());
    }
    if let Some(beside) = req.session.map(|s| s.with_extension("journal"))
        && may_replace(&beside)
        && let Ok(storage) = JournalStorage::create(&beside, study)
    {
        return Ok(Some((beside, storage)));
    }
    let Some(dir) = &req.dir else {
        return Ok(None);
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{}.journal", unique_stem()));
    let storage = JournalStorage::create(&path, study).map_err(|e| e.to_string())?;
    Ok(Some((path, storage)))
}

/// `<pid>-<millis>`: a name no other window's journal has (the pid says whose it is, so a
/// running window's journals are not offered to another).
pub fn unique_stem() -> String {
    let millis = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{}-{millis}", std::process::id())
}

/// What the start-up scan looks at.
#[derive(Clone, Debug)]
pub struct Scan {
    /// The recovery folder.
    pub dir: Option<PathBuf>,
    /// Recent session files, whose sibling journals are looked at.
    pub recent: Vec<PathBuf>,
}

impl Recovery {
    /// The recovery state of a window opened on `study` (nothing unsaved yet, no journal).
    pub fn on(study: &Study) -> Self {
        Recovery {
            baseline: Some(study.clone()),
            ..Default::default()
        }
    }

    /// Whether `study` differs from what was last saved or opened.
    pub fn unsaved(&self, study: &Study) -> bool {
        self.baseline.as_ref() != Some(study)
    }

    /// The storage the next run of `study` writes: its journal (created now, holding the
    /// study's definition and finished trials, replacing an older journal of the same
    /// study). `None` when the study has no session file and no recovery folder is set.
    /// Blocks on the journal's fsync: the window asks [`Recovery::request_storage`] instead.
    pub fn storage_for(
        &mut self,
        study: &Study,
        session: Option<&Path>,
    ) -> Result<Option<JournalStorage>, String> {
        let created = create_journal(self.journal_request(study, session))?;
        Ok(created.map(|(path, storage)| {
            self.journal = Some(path);
            storage
        }))
    }

    /// Whether the next run of a study with session file `session` writes a journal (so
    /// its creation is file work, done off the UI thread).
    pub fn writes_journal(&self, session: Option<&Path>) -> bool {
        self.journal.is_some() || session.is_some() || self.dir.is_some()
    }

    /// What creating the next run's journal needs, to hand to another thread.
    fn journal_request(&self, study: &Study, session: Option<&Path>) -> JournalRequest {
        JournalRequest {
            journal: self.journal.clone(),
            session: session.map(Path::to_owned),
            dir: self.dir.clone(),
            study: study.clone(),
        }
    }

    /// Create the next run's journal (see [`Recovery::storage_for`]) on the journal thread,
    /// so no frame waits for its fsync; [`Recovery::poll_storage`] hands it over.
    pub fn request_storage(
        &mut self,
        study: &Study,
        session: Option<&Path>,
        wake: Option<Waker>,
    ) -> Result<(), String> {
        if self.creator.is_none() {
            self.creator = Some(Worker::spawn(
                "knobs-journal",
                "creating the journal",
                wake,
                create_journal,
            )?);
        }
        self.asked += 1;
        let req = self.journal_request(study, session);
        if let Some(w) = &mut self.creator
            && w.request(self.asked, req)
        {
            return Ok(());
        }
        self.creator = None;
        Err("the journal thread stopped".into())
    }

    /// Whether a journal is being created on the journal thread.
    pub fn is_creating(&self) -> bool {
        self.creator.as_ref().is_some_and(Worker::is_busy)
    }

    /// The journal asked for with [`Recovery::request_storage`], once created (`Ok(None)`:
    /// there is nowhere to write one), or why it cannot be; `None` while it is not in.
    pub fn poll_storage(&mut self) -> Option<Result<Option<JournalStorage>, String>> {
        let polled = self.creator.as_mut()?.poll();
        self.take_storage(polled)
    }

    /// Block up to `timeout` for the journal being created (tests and scripts; the window
    /// only polls).
    pub fn wait_storage(
        &mut self,
        timeout: std::time::Duration,
    ) -> Option<Result<Option<JournalStorage>, String>> {
        let polled = self.creator.as_mut()?.wait(timeout);
        self.take_storage(polled)
    }

    fn take_storage(
        &mut self,
        polled: Poll<Created>,
    ) -> Option<Result<Option<JournalStorage>, String>> {
        match polled {
            Poll::Nothing => None,
            Poll::Ready(Ok(created)) => Some(Ok(created.map(|(path, storage)| {
                self.journal = Some(path);
                storage
            }))),
            Poll::Ready(Err(e)) | Poll::Failed(e) => Some(Err(e)),
            Poll::Gone => {
                self.creator = None;
                Some(Err("the journal thread stopped".into()))
            }
        }
    }

    /// The study was saved (or opened) as `study`: it is the new baseline, and its journal,
    /// now redundant, is removed unless a run is still writing it.
    pub fn saved(&mut self, study: &Study, running: bool) {
        self.baseline = Some(study.clone());
        if !running {
            self.drop_journal();
        }
    }

    /// Remove the open study's journal (its work is saved, or the user chose not to save
    /// it) and forget it.
    pub fn drop_journal(&mut self) {
        if let Some(path) = self.journal.take() {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Another study (`new`) replaces the open one: the old one's journal stays on disk if
    /// it held unsaved work (offered at the next start), else it is removed.
    pub fn replaced(&mut self, unsaved: bool, new: &Study) {
        if unsaved {
            self.journal = None;
        } else {
            self.drop_journal();
        }
        self.baseline = Some(new.clone());
    }

    /// Start looking for journals to recover, off the UI thread.
    pub fn start_scan(&mut self, scan: Scan, wake: Option<Waker>) {
        let worker = Worker::spawn("knobs-recovery", "looking for unsaved studies", wake, |s| {
            find(&s)
        });
        if let Ok(mut w) = worker
            && w.request(0, scan)
        {
            self.scan = Some(w);
        }
    }

    /// Collect the scan's findings when they have come (cheap; once a frame).
    pub fn poll_scan(&mut self) {
        if let Some(w) = &mut self.scan {
            let polled = w.poll();
            self.take_scan(polled);
        }
    }

    /// Block up to `timeout` for the scan (tests; the window only polls). Returns whether
    /// it is over.
    pub fn wait_scan(&mut self, timeout: std::time::Duration) -> bool {
        if let Some(w) = &mut self.scan {
            let polled = w.wait(timeout);
            self.take_scan(polled);
        }
        self.scan.is_none()
    }

    fn take_scan(&mut self, polled: Poll<Vec<Found>>) {
        match polled {
            Poll::Nothing => {}
            Poll::Ready(found) => {
                for f in found {
                    if self.journal.as_ref() != Some(&f.path) && !self.offers.contains(&f) {
                        self.offers.push(f);
                    }
                }
                self.scan = None;
            }
            Poll::Failed(_) | Poll::Gone => self.scan = None,
        }
    }

    /// Move the first offer's journal aside (Discard): renamed, not deleted. Returns what
    /// to show in the status line.
    pub fn discard_offer(&mut self) -> Option<String> {
        if self.offers.is_empty() {
            return None;
        }
        let found = self.offers.remove(0);
        Some(match set_aside(&found.path) {
            Ok(to) => format!("moved {} to {}", found.path.display(), to.display()),
            Err(e) => format!("cannot move {} aside: {e}", found.path.display()),
        })
    }
}

/// Whether a new journal may be written at `path`: nothing there, or a journal whose runs
/// all ended (a finished `knobs run --save`), never an unfinished study or another file.
fn may_replace(path: &Path) -> bool {
    if !path.exists() {
        return true;
    }
    journal::read(path).is_ok_and(|r| r.is_finished())
}

/// Rename `path` to `path.discarded-<secs>`.
pub fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".discarded-{secs}"));
    let to = PathBuf::from(name);
    std::fs::rename(path, &to)?;
    Ok(to)
}

/// Whether the process `pid` (another window that may be writing its journal) is alive.
/// Known on Linux only; elsewhere a journal is offered whoever wrote it.
fn alive(pid: u32) -> bool {
    pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists()
}

/// The journals that hold a study not saved cleanly: every journal in the recovery folder
/// (but those of a running window), and a recent session's sibling journal whose run did not
/// end or that holds more trials than the session.
pub fn find(scan: &Scan) -> Vec<Found> {
    let mut found = Vec::new();
    if let Some(dir) = &scan.dir
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "journal" || x == "race"))
            .collect();
        paths.sort();
        for path in paths {
            let pid = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.split('-').next())
                .and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(alive) {
                continue;
            }
            if path.extension().is_some_and(|x| x == "race") {
                found.extend(describe_race(&path));
            } else if let Some(f) = describe(&path, None) {
                found.push(f);
            }
        }
    }
    for session in &scan.recent {
        let path = session.with_extension("journal");
        let Some(f) = describe(&path, Some(session.clone())) else {
            continue;
        };
        let Ok(recovered) = journal::read(&path) else {
            continue;
        };
        let stored = crate::session::Session::load(session).map_or(0, |s| s.study.trials.len());
        if !recovered.is_finished() || recovered.study.trials.len() > stored {
            found.push(f);
        }
    }
    found
}

/// What the offer says about the journal at `path`, if it holds a Knobs study.
fn describe(path: &Path, session: Option<PathBuf>) -> Option<Found> {
    let recovered = journal::read(path).ok()?;
    if !recovered.knobs_definition {
        return None;
    }
    Some(Found {
        path: path.to_owned(),
        name: recovered.study.name,
        trials: recovered.study.trials.len(),
        when: modified(path)?,
        session: session.filter(|s| s.exists()),
        race: false,
    })
}

/// What the offer says about the race folder at `path`, if it holds a race Knobs wrote.
fn describe_race(path: &Path) -> Option<Found> {
    let (name, _runs, trials) = crate::gui::race::journal::describe(path)?;
    Some(Found {
        path: path.to_owned(),
        name,
        trials,
        when: modified(path)?,
        session: None,
        race: true,
    })
}

/// When `path` was last written, as `YYYY-MM-DD HH:MM UTC`.
fn modified(path: &Path) -> Option<String> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let secs = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let iso = crate::storage::time::to_iso(secs);
    Some(format!("{} {} UTC", iso.get(..10)?, iso.get(11..16)?))
}

/// Read a journal for recovery as `knobs run JOURNAL` resumes it: the trials its dead
/// writer left running are failed as interrupted (durably), the study must carry Knobs'
/// definition, and its unbroken run of finished trials is validated like any stored study.
/// Returns the study and a note on what was left out.
pub fn recover(path: &Path) -> Result<(Study, String), String> {
    let recovered = journal::recover(path).map_err(|e| e.to_string())?;
    if !recovered.knobs_definition {
        return Err(format!(
            "{}: study `{}` was written by Optuna, not Knobs: its objective is unknown",
            path.display(),
            recovered.study.name
        ));
    }
    let study = recovered.resumable();
    study
        .validate()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let left = recovered
        .study
        .trials
        .len()
        .saturating_sub(study.trials.len());
    let note = if left == 0 {
        format!(
            "recovered {} trials from {}",
            study.trials.len(),
            path.display()
        )
    } else {
        format!(
            "recovered {} trials from {} ({left} interrupted or later ones are asked again)",
            study.trials.len(),
            path.display()
        )
    };
    Ok((study, note))
}
