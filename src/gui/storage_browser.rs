//! File ▸ Open storage…: type a storage URL (`journal:PATH`, `sqlite:PATH`,
//! `postgresql://user@host/db`; "Browse…" fills a file's), list its studies — name,
//! direction, trials by state, whether Knobs or Optuna wrote it — and open one to watch it
//! live (see [`super::watch`]).
//!
//! Listing and opening run on a [`super::jobs`] worker, never in a frame: a PostgreSQL
//! connect can take seconds. Their errors (a malformed URL, a refused password, an
//! unreachable host, another schema version) are shown in the window in the storage's own
//! words. Recent URLs are remembered without their passwords.

use super::app::{Action, KnobsApp};
use super::i18n::{fill, tr};
use super::jobs::{Poll, Worker};
use super::plots::FAILED;
use crate::storage::catalog::{self, Follower, StudySummary};
use crate::storage::url::StorageUrl;
use crate::storage::{Recovered, StorageError};
use crate::study::Direction;
use eframe::egui;
use std::path::Path;
use std::time::Duration;

/// How many storage URLs the window remembers.
pub const RECENT_MAX: usize = 8;

/// What the storage worker is asked to do.
#[derive(Clone, Debug)]
pub enum Job {
    /// List the studies of a storage.
    List(StorageUrl),
    /// Open a study of a storage to watch it.
    Open(StorageUrl, String),
}

/// A study opened to watch: the follower that read it, and the study as read.
type Opened = Result<(Follower, Recovered), StorageError>;

/// What the storage worker found.
pub enum Answer {
    /// A storage's studies, or why they cannot be listed.
    Listed(StorageUrl, Result<Vec<StudySummary>, StorageError>),
    /// A study opened, or why it cannot be.
    Opened(StorageUrl, String, Box<Opened>),
}

/// The Open storage window's state.
#[derive(Default)]
pub struct StorageBrowser {
    /// Whether the window is shown.
    pub shown: bool,
    /// The URL as typed.
    pub url: String,
    /// Recently listed storages, most recent first, without passwords.
    pub recent: Vec<String>,
    /// The storage last listed and its studies.
    pub listed: Option<(StorageUrl, Vec<StudySummary>)>,
    /// Why the last listing or opening failed.
    pub error: Option<String>,
    /// What the opened study held that the window cannot show or run, until dismissed.
    pub notes: Vec<String>,
    /// What the worker is doing, for the spinner ("listing …", "opening …").
    pub doing: Option<String>,
    worker: Option<Worker<u64, Job, Answer>>,
    asked: u64,
}

impl StorageBrowser {
    /// Remember `url` at the top of the recent list (its password is never kept).
    fn remember(&mut self, url: &StorageUrl) {
        let text = url.to_string();
        self.recent.retain(|u| *u != text);
        self.recent.insert(0, text);
        self.recent.truncate(RECENT_MAX);
    }
}

/// Do `job` on the storage worker (started on first use).
fn request(app: &mut KnobsApp, job: Job) {
    let browser = &mut app.storage;
    if browser.worker.is_none() {
        match Worker::spawn(
            "knobs-storage-ui",
            "reading the storage",
            app.bench.waker(),
            work,
        ) {
            Ok(w) => browser.worker = Some(w),
            Err(e) => {
                browser.error = Some(e);
                return;
            }
        }
    }
    browser.asked += 1;
    browser.doing = Some(match &job {
        Job::List(url) => fill(tr("listing the studies of {}…"), &[url]),
        Job::Open(url, study) => fill(tr("opening “{}” in {}…"), &[study, url]),
    });
    browser.error = None;
    if let Some(w) = &mut browser.worker
        && !w.request(browser.asked, job)
    {
        browser.worker = None;
        browser.doing = None;
        browser.error = Some(tr("the storage reader stopped").into());
    }
}

/// The worker's job (on its thread).
fn work(job: Job) -> Answer {
    match job {
        Job::List(url) => {
            let listed = catalog::catalog(&url);
            Answer::Listed(url, listed)
        }
        Job::Open(url, study) => {
            let opened = Follower::open(&url, &study);
            Answer::Opened(url, study, Box::new(opened))
        }
    }
}

/// List the studies of the storage whose URL is typed (a malformed URL is said at once).
pub fn list(app: &mut KnobsApp) {
    match StorageUrl::parse(app.storage.url.trim()) {
        Ok(url) => request(app, Job::List(url)),
        Err(e) => {
            app.storage.listed = None;
            app.storage.error = Some(e.to_string());
        }
    }
}

/// Open study `study` of the storage `url` and watch it (after the unsaved-changes question).
pub fn open(app: &mut KnobsApp, url: StorageUrl, study: String) {
    request(app, Job::Open(url, study));
}

/// Apply what the worker found, if it has. Cheap; once a frame.
pub fn poll(app: &mut KnobsApp) {
    if let Some(w) = &mut app.storage.worker {
        let polled = w.poll();
        take(app, polled);
    }
}

/// Block up to `timeout` until the listing or opening asked for is applied (tests; the
/// window only polls). Returns whether nothing is pending.
pub fn wait(app: &mut KnobsApp, timeout: Duration) -> bool {
    if let Some(w) = &mut app.storage.worker {
        let polled = w.wait(timeout);
        take(app, polled);
    }
    app.storage.doing.is_none()
}

fn take(app: &mut KnobsApp, polled: Poll<Answer>) {
    let answer = match polled {
        Poll::Nothing => return,
        Poll::Ready(answer) => answer,
        Poll::Failed(why) => {
            app.storage.doing = None;
            app.storage.error = Some(why);
            return;
        }
        Poll::Gone => {
            app.storage.worker = None;
            app.storage.doing = None;
            app.storage.error = Some(tr("the storage reader stopped").into());
            return;
        }
    };
    let browser = &mut app.storage;
    browser.doing = None;
    match answer {
        Answer::Listed(url, Ok(studies)) => {
            browser.remember(&url);
            browser.listed = Some((url, studies));
        }
        Answer::Listed(_, Err(e)) => browser.error = Some(e.to_string()),
        Answer::Opened(url, _, opened) => match *opened {
            Err(e) => browser.error = Some(e.to_string()),
            Ok((follower, recovered)) => {
                let notes = recovered.notes.clone();
                app.bench.watch(url.clone(), follower, recovered);
                if app.bench.is_watching() {
                    let browser = &mut app.storage;
                    browser.remember(&url);
                    browser.notes = notes;
                    browser.shown = false;
                } else {
                    app.storage.error = Some(app.bench.status.clone());
                }
            }
        },
    }
}

/// The URL a picked file is opened with: `sqlite:` for an SQLite database (by its header),
/// else `journal:`.
pub fn url_for_file(path: &Path) -> String {
    use std::io::Read;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let scheme = if head[..n].starts_with(b"SQLite format 3") {
        "sqlite"
    } else {
        "journal"
    };
    format!("{scheme}:{}", path.display())
}

/// Draw the Open storage window and the opened study's notes; returns what was asked for.
pub fn show(app: &mut KnobsApp, ctx: &egui::Context) -> Vec<Action> {
    let mut actions = Vec::new();
    notes(app, ctx);
    if !app.storage.shown {
        return actions;
    }
    let mut shown = true;
    let mut go_list = false;
    let busy = app.bench.is_busy();
    egui::Window::new(tr("Open storage"))
        .open(&mut shown)
        .collapsible(false)
        .default_pos([320.0, 90.0])
        .show(ctx, |ui| {
            go_list = url_row(ui, app, ctx);
            if let Some(doing) = &app.storage.doing {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(doing.as_str());
                });
            }
            if let Some(e) = &app.storage.error {
                ui.colored_label(FAILED, e.as_str());
            }
            if let Some((url, studies)) = &app.storage.listed {
                ui.separator();
                table(ui, url, studies, busy, &mut actions);
            }
        });
    app.storage.shown = shown;
    if go_list {
        list(app);
    }
    actions
}

/// The URL field, Browse…, the recent URLs and List studies; returns whether to list.
fn url_row(ui: &mut egui::Ui, app: &mut KnobsApp, ctx: &egui::Context) -> bool {
    let mut go = false;
    ui.label(tr(
        "Storage URL: journal:PATH, sqlite:PATH or postgresql://USER@HOST/DB",
    ));
    ui.horizontal(|ui| {
        let field = ui.add(
            egui::TextEdit::singleline(&mut app.storage.url)
                .desired_width(420.0)
                .hint_text("sqlite:runs/study.db"),
        );
        if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            go = true;
        }
        if ui.button(tr("Browse…")).clicked() {
            let dialog = rfd::FileDialog::new();
            if let Some(path) = super::drop::pick_file(dialog, &mut app.bench.status, ctx) {
                app.storage.url = url_for_file(&path);
                go = true;
            }
        }
        if !app.storage.recent.is_empty() {
            ui.menu_button(tr("Recent"), |ui| {
                for u in app.storage.recent.clone() {
                    if ui.button(&u).clicked() {
                        app.storage.url = u;
                        ui.close();
                    }
                }
            })
            .response
            .on_hover_text(tr("passwords are not remembered: add yours to the URL"));
        }
        let listing = app.storage.doing.is_some();
        if ui
            .add_enabled(!listing, egui::Button::new(tr("List studies")))
            .clicked()
        {
            go = true;
        }
    });
    go
}

/// The listed studies, each with an Open button.
fn table(
    ui: &mut egui::Ui,
    url: &StorageUrl,
    studies: &[StudySummary],
    busy: bool,
    actions: &mut Vec<Action>,
) {
    if studies.is_empty() {
        ui.label(fill(tr("{} holds no study."), &[url]));
        return;
    }
    let count = if studies.len() == 1 {
        fill(tr("1 study in {}"), &[url])
    } else {
        fill(tr("{} studies in {}"), &[&studies.len(), url])
    };
    ui.label(count);
    egui::ScrollArea::vertical()
        .max_height(360.0)
        .show(ui, |ui| {
            egui::Grid::new("storage_studies")
                .num_columns(8)
                .striped(true)
                .show(ui, |ui| {
                    for head in [
                        "Study",
                        "Direction",
                        "Complete",
                        "Pruned",
                        "Failed",
                        "Running",
                        "Written by",
                    ] {
                        ui.strong(tr(head));
                    }
                    ui.label("");
                    ui.end_row();
                    for s in studies {
                        row(ui, url, s, busy, actions);
                        ui.end_row();
                    }
                });
        });
}

fn row(
    ui: &mut egui::Ui,
    url: &StorageUrl,
    s: &StudySummary,
    busy: bool,
    actions: &mut Vec<Action>,
) {
    ui.label(&s.name);
    if let Some(problem) = &s.problem {
        ui.colored_label(FAILED, tr("unreadable"))
            .on_hover_text(problem.as_str());
        for _ in 0..5 {
            ui.label("");
        }
        ui.label("");
        return;
    }
    ui.label(match s.direction {
        Some(Direction::Maximize) => tr("maximize"),
        _ => tr("minimize"),
    });
    for n in [s.complete, s.pruned, s.failed, s.running] {
        ui.label(n.to_string());
    }
    ui.label(if s.knobs { "Knobs" } else { "Optuna" })
        .on_hover_text(if s.knobs {
            tr("written by Knobs: opens with its objective and strategy")
        } else {
            tr("no Knobs definition: its trials can be shown, not run")
        });
    let open = ui
        .add_enabled(!busy, egui::Button::new(tr("Open")))
        .on_hover_text(tr("show the study and watch it live as trials land"))
        .on_disabled_hover_text(tr("stop the run or the watch first"));
    if open.clicked() {
        actions.push(Action::OpenStoredStudy(url.clone(), s.name.clone()));
    }
}

/// The opened study's notes (what the window cannot show or run), until dismissed.
fn notes(app: &mut KnobsApp, ctx: &egui::Context) {
    if app.storage.notes.is_empty() {
        return;
    }
    let mut dismiss = false;
    egui::Window::new(tr("About the opened study"))
        .default_pos([320.0, 90.0])
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            for note in &app.storage.notes {
                ui.label(format!("• {note}"));
            }
            if ui.button(tr("OK")).clicked() {
                dismiss = true;
            }
        });
    if dismiss {
        app.storage.notes.clear();
    }
}
