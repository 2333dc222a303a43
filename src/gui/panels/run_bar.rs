//! The top bar: File and Help menus, Run / Pause / Resume / Stop, and the run's progress
//! (trials done of the budget, elapsed time, time left, best so far, status).

use crate::gui::app::Action;
use crate::gui::i18n::{self, Lang, fill, tr};
use crate::gui::state::{RunState, Workbench};
use eframe::egui;

/// Draw the top bar.
pub fn show(ui: &mut egui::Ui, bench: &Workbench, actions: &mut Vec<Action>) {
    egui::MenuBar::new().ui(ui, |ui| {
        file_menu(ui, bench, actions);
        other_menus(ui, actions);
        ui.separator();
        run_buttons(ui, bench, actions);
        ui.separator();
        watching(ui, bench, actions);
        progress(ui, bench);
    });
}

/// New, Open, Open recent, Save, Save as and the exports.
fn file_menu(ui: &mut egui::Ui, bench: &Workbench, actions: &mut Vec<Action>) {
    ui.menu_button(tr("File"), |ui| {
        let idle = !bench.is_busy();
        if ui.add_enabled(idle, egui::Button::new(tr("New"))).clicked() {
            actions.push(Action::New);
        }
        if ui
            .add_enabled(
                idle,
                egui::Button::new(tr("Open session…")).shortcut_text("Ctrl+O"),
            )
            .clicked()
        {
            actions.push(Action::Open(None));
        }
        ui.add_enabled_ui(idle && !bench.files.recent.is_empty(), |ui| {
            ui.menu_button(tr("Open recent"), |ui| {
                for p in &bench.files.recent {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| p.display().to_string());
                    if ui
                        .button(name)
                        .on_hover_text(p.display().to_string())
                        .clicked()
                    {
                        actions.push(Action::Open(Some(p.clone())));
                    }
                }
            });
        });
        if ui
            .add_enabled(idle, egui::Button::new(tr("Open storage…")))
            .on_hover_text(tr(
                "list the studies of a journal, SQLite or PostgreSQL storage and watch one live",
            ))
            .clicked()
        {
            actions.push(Action::OpenStorage);
        }
        ui.separator();
        if ui
            .add(egui::Button::new(tr("Save")).shortcut_text("Ctrl+S"))
            .clicked()
        {
            actions.push(Action::Save);
        }
        if ui.button(tr("Save as…")).clicked() {
            actions.push(Action::SaveAs(None));
        }
        ui.separator();
        if ui.button(tr("Export trials CSV…")).clicked() {
            actions.push(Action::ExportCsv(None));
        }
        if ui.button(tr("Export summary JSON…")).clicked() {
            actions.push(Action::ExportJson(None));
        }
        if ui.button(tr("Export window PNG…")).clicked() {
            actions.push(Action::ExportPng(None));
        }
    });
}

/// Help and Language.
fn other_menus(ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    ui.menu_button(tr("Help"), |ui| {
        if ui.button(tr("Keyboard shortcuts")).clicked() {
            actions.push(Action::Shortcuts);
        }
        if ui.button(tr("About Knobs")).clicked() {
            actions.push(Action::About);
        }
    });
    ui.menu_button(tr("Language / 语言"), |ui| {
        for lang in Lang::ALL {
            if ui
                .selectable_label(lang == i18n::lang(), lang.native_name())
                .clicked()
            {
                actions.push(Action::SetLang(lang));
                ui.close();
            }
        }
    });
}

/// Run, Pause or Resume, Stop and Replay, each enabled only when it can act.
fn run_buttons(ui: &mut egui::Ui, bench: &Workbench, actions: &mut Vec<Action>) {
    let running = bench.is_running();
    let blocker = bench.run_blocker();
    let run = ui
        .add_enabled(!running && blocker.is_none(), egui::Button::new(tr("Run")))
        .on_hover_text(tr("Run the study up to its budget (Space)"));
    if let Some(why) = &blocker {
        run.on_disabled_hover_text(tr(why));
    } else if run.clicked() {
        actions.push(Action::Run);
    }
    if bench.run_state() == RunState::Paused {
        if ui.button(tr("Resume")).clicked() {
            actions.push(Action::Resume);
        }
    } else if ui
        .add_enabled(running, egui::Button::new(tr("Pause")))
        .clicked()
    {
        actions.push(Action::Pause);
    }
    if ui
        .add_enabled(running, egui::Button::new(tr("Stop")))
        .clicked()
    {
        actions.push(Action::Stop);
    }
    let can_replay = !bench.is_busy() && !bench.is_replaying() && !bench.study().trials.is_empty();
    if ui
        .add_enabled(can_replay, egui::Button::new(tr("Replay")))
        .on_hover_text(tr(
            "step through the trials: every view shows the study after trial k",
        ))
        .clicked()
    {
        actions.push(Action::Replay);
    }
}

/// While a shared study is watched: which, where, how long since the last change, and Stop
/// watching; a read that failed is shown until one succeeds (the watch retries).
fn watching(ui: &mut egui::Ui, bench: &Workbench, actions: &mut Vec<Action>) {
    let Some(line) = bench.watch_line() else {
        return;
    };
    let ago = if line.seconds < 60.0 {
        fill(tr("{} s"), &[&(line.seconds as u64)])
    } else {
        duration(line.seconds)
    };
    ui.label(fill(
        tr("watching “{}” in {} · last update {} ago"),
        &[&line.study, &line.place, &ago],
    ))
    .on_hover_text(&line.storage);
    if let Some(e) = &line.error {
        ui.colored_label(
            crate::gui::plots::FAILED,
            fill(tr("cannot read the storage (retrying): {}"), &[e]),
        );
    }
    if ui.button(tr("Stop watching")).clicked() {
        actions.push(Action::StopWatching);
    }
    ui.separator();
}

/// Trials done of the budget, elapsed time, time left, best so far, failures and status.
fn progress(ui: &mut egui::Ui, bench: &Workbench) {
    let done = bench.finished_trials();
    let budget = bench.study().budget.max(1);
    ui.add(
        egui::ProgressBar::new((done as f32 / budget as f32).min(1.0))
            .desired_width(150.0)
            .text(fill(tr("{} / {} trials"), &[&done, &bench.study().budget])),
    );
    if let Some(s) = bench.elapsed() {
        ui.label(duration(s));
    }
    if let Some(eta) = bench.eta() {
        ui.label(fill(tr("{} left"), &[&duration(eta)]));
    }
    if let Some(best) = bench.study().best_trial().and_then(|t| t.value) {
        ui.label(fill(tr("best {}"), &[&format!("{best:.6}")]));
    }
    if bench.study().failed() > 0 {
        ui.colored_label(
            crate::gui::plots::FAILED,
            fill(tr("{} failed"), &[&bench.study().failed()]),
        );
    }
    if bench.loading.is_reading()
        || bench.loading.run_waiting
        || bench.loading.waiting.is_some()
        || bench.loading.starting.is_some()
    {
        // A session being read, or a start waiting for its objective's build or journal.
        ui.spinner();
    }
    ui.label(tr(&bench.status));
}

/// Seconds as `12.3 s`, `4 min 05 s` or `1 h 02 min`.
pub fn duration(s: f64) -> String {
    if s < 60.0 {
        fill(tr("{} s"), &[&format!("{s:.1}")])
    } else if s < 3600.0 {
        fill(
            tr("{} min {} s"),
            &[&((s / 60.0) as u64), &format!("{:02}", (s % 60.0) as u64)],
        )
    } else {
        fill(
            tr("{} h {} min"),
            &[
                &((s / 3600.0) as u64),
                &format!("{:02}", ((s % 3600.0) / 60.0) as u64),
            ],
        )
    }
}
