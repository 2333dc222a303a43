//! The top bar: File and Help menus, Run / Pause / Resume / Stop, and the run's progress
//! (trials done of the budget, elapsed time, time left, best so far, status).

use crate::gui::app::Action;
use crate::gui::state::{RunState, Workbench};
use eframe::egui;

/// Draw the top bar.
pub fn show(ui: &mut egui::Ui, bench: &Workbench, actions: &mut Vec<Action>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            let idle = !bench.is_running();
            if ui.add_enabled(idle, egui::Button::new("New")).clicked() {
                actions.push(Action::New);
            }
            if ui
                .add_enabled(
                    idle,
                    egui::Button::new("Open session…").shortcut_text("Ctrl+O"),
                )
                .clicked()
            {
                actions.push(Action::Open(None));
            }
            ui.add_enabled_ui(idle && !bench.recent.is_empty(), |ui| {
                ui.menu_button("Open recent", |ui| {
                    for p in &bench.recent {
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
            ui.separator();
            if ui
                .add(egui::Button::new("Save").shortcut_text("Ctrl+S"))
                .clicked()
            {
                actions.push(Action::Save);
            }
            if ui.button("Save as…").clicked() {
                actions.push(Action::SaveAs(None));
            }
            ui.separator();
            if ui.button("Export trials CSV…").clicked() {
                actions.push(Action::ExportCsv(None));
            }
            if ui.button("Export summary JSON…").clicked() {
                actions.push(Action::ExportJson(None));
            }
            if ui.button("Export window PNG…").clicked() {
                actions.push(Action::ExportPng(None));
            }
        });
        ui.menu_button("Help", |ui| {
            if ui.button("Keyboard shortcuts").clicked() {
                actions.push(Action::Shortcuts);
            }
            if ui.button("About Knobs").clicked() {
                actions.push(Action::About);
            }
        });
        ui.separator();
        let running = bench.is_running();
        let blocker = bench.run_blocker();
        let run = ui
            .add_enabled(!running && blocker.is_none(), egui::Button::new("Run"))
            .on_hover_text("Run the study up to its budget (Space)");
        if let Some(why) = &blocker {
            run.on_disabled_hover_text(why);
        } else if run.clicked() {
            actions.push(Action::Run);
        }
        if bench.state == RunState::Paused {
            if ui.button("Resume").clicked() {
                actions.push(Action::Resume);
            }
        } else if ui
            .add_enabled(running, egui::Button::new("Pause"))
            .clicked()
        {
            actions.push(Action::Pause);
        }
        if ui.add_enabled(running, egui::Button::new("Stop")).clicked() {
            actions.push(Action::Stop);
        }
        let can_replay = !running && !bench.is_replaying() && !bench.study.trials.is_empty();
        if ui
            .add_enabled(can_replay, egui::Button::new("Replay"))
            .on_hover_text("step through the trials: every view shows the study after trial k")
            .clicked()
        {
            actions.push(Action::Replay);
        }
        ui.separator();
        let done = bench.finished_trials();
        let budget = bench.study.budget.max(1);
        ui.add(
            egui::ProgressBar::new((done as f32 / budget as f32).min(1.0))
                .desired_width(150.0)
                .text(format!("{done} / {} trials", bench.study.budget)),
        );
        if let Some(s) = bench.elapsed() {
            ui.label(duration(s));
        }
        if let Some(eta) = bench.eta() {
            ui.label(format!("{} left", duration(eta)));
        }
        if let Some(best) = bench.study.best_trial().and_then(|t| t.value) {
            ui.label(format!("best {best:.6}"));
        }
        if bench.study.failed() > 0 {
            ui.colored_label(
                crate::gui::plots::FAILED,
                format!("{} failed", bench.study.failed()),
            );
        }
        ui.label(&bench.status);
    });
}

/// Seconds as `12.3 s`, `4 min 05 s` or `1 h 02 min`.
pub fn duration(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{} min {:02} s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!(
            "{} h {:02} min",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    }
}
