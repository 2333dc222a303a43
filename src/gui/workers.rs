//! Runs with external workers, and the Workers view.
//!
//! With "external workers" chosen beside the jobs setting, Run makes this window the
//! coordinator of a study in a shared storage (SQLite by default, or any `--storage` URL):
//! the strategy runs here, and `knobs worker` processes on this host or others evaluate the
//! trials. The run is an ordinary [`Mode::Running`](super::mode::Mode) whose handle comes
//! from [`crate::runner::remote::start_remote`] instead of the in-process runner, so pause,
//! stop and every plot work unchanged. The storage is the study's durable record (every
//! trial is written there before the window hears of it), so such a run writes no recovery
//! journal of the window's own.
//!
//! The Workers view lists who works on [`Workbench::shared`] (coordinated here or watched):
//! read about once a second by a background job on a connection of its own, never on the
//! UI thread.

use super::i18n::{fill, tr};
use super::jobs::{Poll, Worker};
use super::shared::{Role, SharedStudy};
use super::state::Workbench;
use crate::runner::RunHandle;
use crate::runner::remote::{self, RemoteOptions};
use crate::storage::queue::{TrialQueue, WorkerId, WorkerStatus};
use crate::storage::shared::{self, SharedError};
use crate::storage::url::StorageUrl;
use crate::study::Study;
use crossbeam_channel::{Receiver, TryRecvError, bounded};
use eframe::egui;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// How often the Workers view reads the storage: often enough that "last heartbeat" moves,
/// rarely enough that a PostgreSQL server shared by many workers does not notice.
pub const REFRESH: Duration = Duration::from_secs(1);

/// What the Workers view read: every worker seen on the study, and when it was read (Unix
/// seconds), so "3 s ago" is measured against the read, not against a clock that moved on.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkersRead {
    /// The workers, in the order the storage first saw them.
    pub workers: Vec<WorkerStatus>,
    /// When they were read, in seconds since the Unix epoch.
    pub read_at: f64,
}

/// The question the Workers job answers: the workers of this study in this storage.
type Request = (StorageUrl, String);

/// The Workers job: a background thread that keeps its own connection to the storage.
type WorkersJob = Worker<u64, Request, Result<WorkersRead, String>>;

/// A coordinator being opened off the UI thread (connecting to a server may take seconds).
type Opening = Receiver<Result<(RunHandle, SharedStudy), String>>;

/// Who evaluates the next run's trials — `jobs` threads of this window, or external `knobs
/// worker` processes through a storage — the coordinator being opened, and the Workers
/// view's job.
pub struct RunWorkers {
    /// Worker threads of this window for the next run (and races, step mode's batch).
    pub jobs: usize,
    /// Run with external `knobs worker` processes instead of this window's threads.
    pub external: bool,
    /// The storage URL as typed; empty means [`default_url`].
    pub url: String,
    /// A coordinator fails (and enqueues again) an attempt whose worker sent nothing for
    /// this long; the Workers view shows older heartbeats in the warning colour.
    pub heartbeat_timeout: Duration,
    /// The latest read of the workers, or why it failed.
    pub read: Option<Result<WorkersRead, String>>,
    opening: Option<Opening>,
    job: Option<WorkersJob>,
    next_key: u64,
    last_request: Option<Instant>,
}

impl Default for RunWorkers {
    fn default() -> Self {
        RunWorkers {
            jobs: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            external: false,
            url: String::new(),
            heartbeat_timeout: RemoteOptions::default().heartbeat_timeout,
            read: None,
            opening: None,
            job: None,
            next_key: 0,
            last_request: None,
        }
    }
}

/// The setting as saved in the preferences: never a password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkersPrefs {
    /// Run with external workers.
    pub external: bool,
    /// The storage URL, its password removed.
    pub url: String,
}

impl RunWorkers {
    /// Whether a coordinator is being opened (the study is locked meanwhile).
    pub fn is_opening(&self) -> bool {
        self.opening.is_some()
    }

    /// The setting to save: a PostgreSQL password is dropped (the user types it again).
    pub fn prefs(&self) -> WorkersPrefs {
        let url = match StorageUrl::parse(&self.url) {
            Ok(url @ StorageUrl::Postgres(_)) => url.to_string(),
            _ => self.url.clone(),
        };
        WorkersPrefs {
            external: self.external,
            url,
        }
    }

    /// Take the saved setting.
    pub fn apply_prefs(&mut self, prefs: WorkersPrefs) {
        self.external = prefs.external;
        self.url = prefs.url;
    }
}

/// The storage a run with external workers uses when none is typed: an SQLite database
/// named after the study, beside the session file, else in the window's data folder.
pub fn default_url(bench: &Workbench) -> String {
    let dir = bench
        .files
        .path
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .or_else(|| bench.recovery.dir.clone())
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let stem: String = bench
        .study()
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = if stem.is_empty() {
        "study".into()
    } else {
        stem
    };
    format!("sqlite:{}", dir.join(format!("{stem}.db")).display())
}

/// The URL text the next run uses: the typed one, or the default.
pub fn url_text(bench: &Workbench) -> String {
    let typed = bench.workers.url.trim();
    if typed.is_empty() {
        default_url(bench)
    } else {
        typed.to_owned()
    }
}

/// `text` as one shell word.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The command a worker host runs to help with `study` in the storage `url`; a command
/// objective needs `--allow-command` (a worker runs a stored command only when told to).
pub fn worker_command(url: &str, study: &Study) -> String {
    let mut command = format!(
        "knobs worker --storage {} --study {}",
        shell_word(url),
        shell_word(&study.name)
    );
    if crate::objective::consent::CommandApproval::of(&study.objective).is_some() {
        command += " --allow-command";
    }
    command
}

/// Start the study as the coordinator of external workers: the storage is opened (or the
/// study created in it) on a thread of its own, and the run begins once it is (see
/// [`poll_opening`]). The window's own recovery journal is not written: the storage is the
/// study's durable record.
pub fn start(bench: &mut Workbench) {
    let text = url_text(bench);
    let url = match StorageUrl::parse(&text) {
        Ok(url) => url,
        Err(e) => return refuse(bench, &e.to_string()),
    };
    let mut study = bench.study().clone();
    if study.name.is_empty() {
        study.name = "knobs study".into();
    }
    let options = RemoteOptions {
        heartbeat_timeout: bench.workers.heartbeat_timeout,
        ..RemoteOptions::default()
    };
    let wake = bench.waker();
    let (tx, rx) = bounded(1);
    let spawned = std::thread::Builder::new()
        .name("knobs-coordinator-open".into())
        .spawn(move || {
            let wake_ui = wake.clone();
            let _ = tx.send(open(&url, study, options, wake));
            if let Some(w) = wake_ui {
                w();
            }
        });
    match spawned {
        Ok(_) => {
            bench.workers.opening = Some(rx);
            bench.status = fill(tr("opening the storage {}…"), &[&text]);
        }
        Err(e) => refuse(bench, &e.to_string()),
    }
}

/// Open the storage as `study`'s coordinator and start the run (off the UI thread).
fn open(
    url: &StorageUrl,
    study: Study,
    options: RemoteOptions,
    wake: Option<super::jobs::Waker>,
) -> Result<(RunHandle, SharedStudy), String> {
    let said = |e: SharedError| e.to_string();
    shared::check_continues(url, &study).map_err(said)?;
    let me = WorkerId::this_process();
    let (queue, storage) = shared::open_coordinator(url, &study, &me, false).map_err(said)?;
    let name = study.name.clone();
    let wake = wake.map(|w| Box::new(move || w()) as Box<dyn Fn() + Send>);
    let handle = remote::start_remote(study, queue, Some(storage), &me, options, wake).map_err(
        |e| match e {
            remote::RemoteError::Storage(e) => said(SharedError::Locked(e)),
            remote::RemoteError::Run(e) => e.to_string(),
        },
    )?;
    Ok((
        handle,
        SharedStudy {
            url: url.clone(),
            study: name,
            role: Role::Coordinating,
        },
    ))
}

/// The storage refused: nothing starts, and the window says why.
fn refuse(bench: &mut Workbench, why: &str) {
    bench.status = fill(tr("cannot run: {}"), &[&why]);
    bench.error = Some(fill(tr("The study's storage cannot be used: {}"), &[&why]));
}

/// Start the run once its coordinator is open (called every frame; cheap otherwise).
pub fn poll_opening(bench: &mut Workbench) {
    let Some(rx) = &bench.workers.opening else {
        return;
    };
    let opened = match rx.try_recv() {
        Ok(opened) => opened,
        Err(TryRecvError::Empty) => return,
        Err(TryRecvError::Disconnected) => Err("the storage could not be opened".into()),
    };
    bench.workers.opening = None;
    match opened {
        Ok((handle, shared)) => {
            bench.shared = Some(shared);
            bench.workers.read = None;
            bench.begin_run(handle);
            bench.status =
                tr("coordinating: start workers with the command in the Workers tab").into();
        }
        Err(why) => refuse(bench, &why),
    }
}

/// Block up to `timeout` until a coordinator being opened has started (scripts and tests;
/// the window only polls).
pub fn wait_opening(bench: &mut Workbench, timeout: Duration) {
    let Some(rx) = &bench.workers.opening else {
        return;
    };
    if let Ok(opened) = rx.recv_timeout(timeout) {
        let (tx, again) = bounded(1);
        let _ = tx.send(opened);
        bench.workers.opening = Some(again);
        poll_opening(bench);
    }
}

/// Read the workers of the shared study about once a second while the Workers tab shows
/// them, and take the latest read in. Returns when the window should look again.
pub fn update(bench: &mut Workbench) -> Option<Duration> {
    poll_opening(bench);
    if bench.view.tab != super::state::Tab::Workers {
        return None;
    }
    let shared = bench.shared.clone()?;
    let waker = bench.waker();
    let w = &mut bench.workers;
    if let Some(job) = &mut w.job {
        match job.poll() {
            Poll::Ready(read) => w.read = Some(read),
            Poll::Failed(why) => w.read = Some(Err(why)),
            Poll::Gone => w.job = None,
            Poll::Nothing => {}
        }
    }
    if w.job.is_none() {
        match Worker::spawn(
            "knobs-workers-view",
            "reading the workers",
            waker,
            read_job(),
        ) {
            Ok(job) => w.job = Some(job),
            Err(why) => {
                w.read = Some(Err(why));
                return None;
            }
        }
    }
    let due = w.last_request.is_none_or(|at| at.elapsed() >= REFRESH);
    if let Some(job) = &mut w.job
        && due
        && !job.is_busy()
    {
        w.next_key += 1;
        job.request(w.next_key, (shared.url, shared.study));
        w.last_request = Some(Instant::now());
    }
    Some(REFRESH)
}

/// Block up to `timeout` for the Workers job's answer to the latest request (tests).
pub fn wait_read(bench: &mut Workbench, timeout: Duration) -> bool {
    let Some(job) = &mut bench.workers.job else {
        return false;
    };
    match job.wait(timeout) {
        Poll::Ready(read) => {
            bench.workers.read = Some(read);
            true
        }
        Poll::Failed(why) => {
            bench.workers.read = Some(Err(why));
            true
        }
        Poll::Nothing | Poll::Gone => false,
    }
}

/// The job: read the workers of the requested study, keeping the connection between
/// requests (a new one only when the study asked for changes, or after an error).
fn read_job() -> impl FnMut(Request) -> Result<WorkersRead, String> + Send + 'static {
    let mut open: Option<(Request, Box<dyn TrialQueue>)> = None;
    move |req: Request| {
        if open.as_ref().is_none_or(|(at, _)| *at != req) {
            open = None;
            let queue = shared::open_reader(&req.0, Some(&req.1))
                .map_err(|e| e.to_string())?
                .ok_or_else(|| fill(tr("{} holds no study named {} yet"), &[&req.0, &req.1]))?;
            open = Some((req.clone(), queue));
        }
        let Some((_, queue)) = open.as_mut() else {
            return Err(tr("the storage is not open").into());
        };
        match queue.workers() {
            Ok(workers) => Ok(WorkersRead {
                workers,
                read_at: unix_now(),
            }),
            Err(e) => {
                open = None;
                Err(e.to_string())
            }
        }
    }
}

/// Seconds since the Unix epoch.
fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The workers setting in the study panel's run settings: where trials run, and the
/// storage when they run in external workers.
pub fn setting(ui: &mut egui::Ui, bench: &mut Workbench) {
    let l = ui.label(tr("workers"));
    let external = bench.workers.external;
    egui::ComboBox::from_id_salt("workers_where")
        .selected_text(if external {
            tr("external workers")
        } else {
            tr("in this window")
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut bench.workers.external, false, tr("in this window"));
            ui.selectable_value(&mut bench.workers.external, true, tr("external workers"));
        })
        .response
        .on_hover_text(tr(
            "external workers: this window runs the strategy and knobs worker processes on any host evaluate the trials, through a shared storage",
        ))
        .labelled_by(l.id);
    ui.end_row();
    if !bench.workers.external {
        return;
    }
    let l = ui.label(tr("storage"));
    let hint = default_url(bench);
    ui.add(
        egui::TextEdit::singleline(&mut bench.workers.url)
            .hint_text(hint)
            .desired_width(200.0),
    )
    .on_hover_text(tr(
        "sqlite:PATH, journal:PATH or postgresql://USER@HOST/DB; empty for the default (a password is not saved with the preferences)",
    ))
    .labelled_by(l.id);
    ui.end_row();
}

/// Whether the Workers tab is offered: the study lives in a shared storage, runs are set to
/// use external workers, or the tab is already on show (`knobs gui --tab workers`); other
/// studies have no workers to list.
pub fn available(bench: &Workbench) -> bool {
    bench.shared.is_some() || bench.workers.external || bench.view.tab == super::state::Tab::Workers
}

/// The Workers tab.
pub fn show(ui: &mut egui::Ui, bench: &Workbench) {
    let Some(shared) = &bench.shared else {
        ui.label(tr(
            "No shared storage: choose external workers beside the jobs setting and press Run, or open a study from a storage.",
        ));
        if bench.workers.external {
            command_row(ui, &url_text(bench), bench.study());
        }
        return;
    };
    let role = match shared.role {
        Role::Coordinating => tr("this window coordinates it"),
        Role::Watching => tr("this window watches it"),
    };
    ui.label(fill(
        tr("Study {} in {}: {}"),
        &[&format!("`{}`", shared.study), &shared.url, &role],
    ));
    if shared.role == Role::Coordinating {
        let text = match StorageUrl::parse(bench.workers.url.trim()) {
            // The URL as typed (with its password, which a worker needs), when it names
            // the storage the run uses.
            Ok(typed) if typed == shared.url => bench.workers.url.trim().to_owned(),
            _ => shared.url.to_string(),
        };
        command_row(ui, &text, bench.study());
    }
    ui.separator();
    match &bench.workers.read {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr("reading the workers…"));
            });
        }
        Some(Err(why)) => {
            ui.colored_label(super::plots::FAILED, why);
        }
        Some(Ok(read)) if read.workers.is_empty() => {
            ui.label(tr("No worker has claimed a trial yet."));
        }
        Some(Ok(read)) => table(ui, read, bench.workers.heartbeat_timeout),
    }
}

/// The command a worker host needs, with a button that copies it.
fn command_row(ui: &mut egui::Ui, url: &str, study: &Study) {
    let command = worker_command(url, study);
    ui.horizontal_wrapped(|ui| {
        ui.label(tr("on each worker host:"));
        ui.add(egui::Label::new(egui::RichText::new(&command).monospace()).selectable(true));
        if ui.small_button(tr("Copy")).clicked() {
            ui.ctx().copy_text(command.clone());
        }
    });
    if command.ends_with("--allow-command") {
        ui.label(
            egui::RichText::new(tr(
                "the study runs a command: a worker runs it only with --allow-command, after printing it",
            ))
            .weak(),
        );
    }
}

/// One row per worker: host, pid, current trial, last heartbeat, trials done, failures.
fn table(ui: &mut egui::Ui, read: &WorkersRead, timeout: Duration) {
    egui::Grid::new("workers_table")
        .num_columns(6)
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            for head in ["host", "pid", "trial", "last heartbeat", "done", "failed"] {
                ui.strong(tr(head));
            }
            ui.end_row();
            for w in &read.workers {
                ui.label(&w.worker.host);
                ui.monospace(w.worker.pid.to_string());
                ui.label(w.running.map_or_else(|| "–".to_owned(), |n| format!("#{n}")));
                let age = (read.read_at - w.last_heartbeat).max(0.0);
                let text = fill(tr("{} ago"), &[&super::panels::run_bar::duration(age)]);
                if w.running.is_some() && age > timeout.as_secs_f64() {
                    ui.colored_label(ui.visuals().warn_fg_color, text)
                        .on_hover_text(tr("older than the heartbeat timeout: the coordinator fails its trial and runs it again"));
                } else {
                    ui.label(text);
                }
                ui.monospace(w.done.to_string());
                if w.failed > 0 {
                    ui.colored_label(super::plots::FAILED, w.failed.to_string());
                } else {
                    ui.monospace("0");
                }
                ui.end_row();
            }
        });
    let done: usize = read.workers.iter().map(|w| w.done).sum();
    ui.label(fill(
        tr("{} worker(s), {} trial(s) done"),
        &[&read.workers.len(), &done],
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_command_quotes_what_the_shell_would_split() {
        let mut study = crate::study::default_study();
        study.name = "SVC on moons, it's GP".into();
        let command = worker_command("sqlite:/tmp/a b.db", &study);
        assert_eq!(
            command,
            r"knobs worker --storage 'sqlite:/tmp/a b.db' --study 'SVC on moons, it'\''s GP'"
        );
    }

    #[test]
    fn no_password_is_kept_in_the_preferences() {
        let mut w = RunWorkers {
            external: true,
            url: "postgresql://knobs:secret@db.example/studies".into(),
            ..RunWorkers::default()
        };
        let prefs = w.prefs();
        assert!(prefs.external);
        assert!(!prefs.url.contains("secret"), "{}", prefs.url);
        assert!(prefs.url.contains("db.example"), "{}", prefs.url);
        w.url = "sqlite:/tmp/x.db".into();
        assert_eq!(w.prefs().url, "sqlite:/tmp/x.db");
    }

    #[test]
    fn the_default_storage_is_an_sqlite_file_named_after_the_study() {
        let mut bench = Workbench::new(Workbench::branin_study());
        bench.recovery.dir = Some("/data/knobs".into());
        assert_eq!(default_url(&bench), "sqlite:/data/knobs/GP-BO_on_Branin.db");
        bench.files.path = Some("/home/me/runs/a.ron".into());
        assert_eq!(
            default_url(&bench),
            "sqlite:/home/me/runs/GP-BO_on_Branin.db"
        );
    }
}
