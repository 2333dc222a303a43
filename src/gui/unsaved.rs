//! Nothing is dropped without asking: New, Open, Recover and closing the window ask
//! "Save / Don't save / Cancel" when the study differs from what was last saved or opened,
//! and a start after a crash offers each unsaved study's journal as "Recover / Discard".

use super::app::{Action, KnobsApp};
use super::i18n::{fill, tr};
use super::loading::{self, Load};
use eframe::egui;
use std::path::PathBuf;

/// What waits for the answer to "save your changes?".
#[derive(Clone, Debug, PartialEq)]
pub enum Pending {
    /// File ▸ New.
    New,
    /// New study from advice (the range advisor's button beside the sliders).
    NewFromAdvice,
    /// File ▸ Open (a file dialog asks when `None`).
    Open(Option<PathBuf>),
    /// The journal offered at start, to recover.
    Recover(PathBuf),
    /// The race folder offered at start, to recover (the study is kept: no question).
    RecoverRace(PathBuf),
    /// A study of a shared storage, to watch (File ▸ Open storage…).
    Storage(crate::storage::url::StorageUrl, String),
    /// The window's close button.
    Close,
}

/// Whether `pending` may go ahead now: yes when nothing is unsaved (or a run holds the
/// study, which refuses New and Open itself); else the question is put and the answer
/// decides.
pub fn may_proceed(app: &mut KnobsApp, pending: Pending) -> bool {
    let bench = &app.bench;
    let keeps_study = matches!(pending, Pending::RecoverRace(_));
    if keeps_study || !bench.has_unsaved_work() || (bench.is_busy() && pending != Pending::Close) {
        return true;
    }
    app.bench.recovery.prompt = Some(pending);
    false
}

/// Carry out what waited for the answer (or needed none).
pub fn proceed(app: &mut KnobsApp, pending: Pending, ctx: &egui::Context) {
    match pending {
        Pending::New => app.bench.new_study(),
        Pending::NewFromAdvice => app.bench.new_study_from_advice(),
        Pending::Open(path) => {
            let picked = path.or_else(|| {
                let dialog = rfd::FileDialog::new().add_filter("Knobs session", &["ron"]);
                super::drop::pick_file(dialog, &mut app.bench.status, ctx)
            });
            if let Some(p) = picked {
                loading::start(&mut app.bench, Load::Session(p));
            }
        }
        Pending::Recover(path) => loading::start(&mut app.bench, Load::Recover(path)),
        Pending::Storage(url, study) => super::storage_browser::open(app, url, study),
        Pending::RecoverRace(path) => loading::start(&mut app.bench, Load::RecoverRace(path)),
        Pending::Close => {
            app.bench.recovery.may_close = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}

/// Once a frame: hold a close with unsaved work until answered (a clean close drops the
/// study's journal), and draw the question and the recovery offer.
pub fn show(app: &mut KnobsApp, ctx: &egui::Context) {
    if ctx.input(|i| i.viewport().close_requested()) && !app.bench.recovery.may_close {
        if app.bench.has_unsaved_work() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            app.bench.recovery.prompt = Some(Pending::Close);
        } else {
            app.bench.recovery.drop_journal();
        }
    }
    question(app, ctx);
    offer(app, ctx);
}

/// The answer to "save your changes?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Save,
    DontSave,
    Cancel,
}

fn question(app: &mut KnobsApp, ctx: &egui::Context) {
    let Some(pending) = app.bench.recovery.prompt.clone() else {
        return;
    };
    let mut answer = None;
    egui::Window::new(tr("Unsaved changes"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(fill(
                tr("The study “{}” has changes that are not saved."),
                &[&app.bench.study().name],
            ));
            ui.horizontal(|ui| {
                if ui.button(tr("Save")).clicked() {
                    answer = Some(Answer::Save);
                }
                if ui.button(tr("Don't save")).clicked() {
                    answer = Some(Answer::DontSave);
                }
                if ui.button(tr("Cancel")).clicked() {
                    answer = Some(Answer::Cancel);
                }
            });
        });
    if let Some(answer) = answer {
        answer_with(app, pending, answer, ctx);
    }
}

fn answer_with(app: &mut KnobsApp, pending: Pending, answer: Answer, ctx: &egui::Context) {
    app.bench.recovery.prompt = None;
    match answer {
        Answer::Cancel => app.bench.status = tr("cancelled: the study is kept").into(),
        Answer::DontSave => {
            app.bench.recovery.drop_journal();
            if !app.race.is_running() {
                app.race.journals.drop_folder();
            }
            // The changes are given up: what follows must not ask again.
            app.bench.recovery.baseline = Some(app.bench.study().clone());
            proceed(app, pending, ctx);
        }
        Answer::Save => {
            app.handle(Action::Save, ctx);
            if app.bench.has_unsaved_work() {
                // Not saved (the dialog was cancelled, or the write failed): ask again.
                app.bench.recovery.prompt = Some(pending);
            } else {
                proceed(app, pending, ctx);
            }
        }
    }
}

/// The offer of the first journal found at start: Recover (asking first if the open study
/// has unsaved work) or Discard (moved aside).
fn offer(app: &mut KnobsApp, ctx: &egui::Context) {
    if app.bench.recovery.prompt.is_some() {
        return;
    }
    let Some(found) = app.bench.recovery.offers.first().cloned() else {
        return;
    };
    let mut recover = false;
    let mut discard = false;
    egui::Window::new(tr("Recover an unsaved study?"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            let template = if found.race {
                tr("An unsaved race from {} with {} trials: “{}”.")
            } else {
                tr("An unsaved study from {} with {} trials: “{}”.")
            };
            ui.label(fill(template, &[&found.when, &found.trials, &found.name]));
            ui.label(tr("Knobs was closed before it was saved."));
            ui.monospace(found.path.display().to_string());
            ui.horizontal(|ui| {
                recover = ui.button(tr("Recover")).clicked();
                discard = ui.button(tr("Discard")).clicked();
            });
        });
    if recover {
        app.bench.recovery.offers.remove(0);
        let pending = if found.race {
            Pending::RecoverRace(found.path)
        } else {
            Pending::Recover(found.path)
        };
        if may_proceed(app, pending.clone()) {
            proceed(app, pending, ctx);
        }
    } else if discard && let Some(msg) = app.bench.recovery.discard_offer() {
        app.bench.status = msg;
    }
}
