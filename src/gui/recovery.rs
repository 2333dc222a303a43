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
    pub fn storage_for(
        &mut self,
        study: &Study,
        session: Option<&Path>,
    ) -> Result<Option<JournalStorage>, String> {
        if let Some(path) = self.journal.clone() {
            return JournalStorage::create(&path, study)
                .map(Some)
                .map_err(|e| e.to_string());
        }
        if let Some(beside) = session.map(|s| s.with_extension("journal"))
            && may_replace(&beside)
            && let Ok(storage) = JournalStorage::create(&beside, study)
        {
            self.journal = Some(beside);
            return Ok(Some(storage));
        }
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let millis = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let path = dir.join(format!("{}-{millis}.journal", std::process::id()));
        let storage = JournalStorage::create(&path, study).map_err(|e| e.to_string())?;
        self.journal = Some(path);
        Ok(Some(storage))
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
            .filter(|p| p.extension().is_some_and(|x| x == "journal"))
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
            if let Some(f) = describe(&path, None) {
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
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let secs = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let iso = crate::storage::time::to_iso(secs);
    let when = format!("{} {} UTC", iso.get(..10)?, iso.get(11..16)?);
    Some(Found {
        path: path.to_owned(),
        name: recovered.study.name,
        trials: recovered.study.trials.len(),
        when,
        session: session.filter(|s| s.exists()),
    })
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
