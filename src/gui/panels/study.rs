//! The study panel on the left: name and description, objective, parameters, strategy and
//! its settings, budget, seed and worker threads. Editing is disabled while a run is going
//! or a replay shows an earlier state.

use super::{params, strategy};
use crate::gui::app::Action;
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use eframe::egui;

/// Draw the study panel.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, actions: &mut Vec<Action>) {
    let editable = !bench.is_busy() && !bench.is_replaying();
    ui.add_enabled_ui(editable, |ui| {
        ui.heading(tr("Study"));
        let study = bench.study();
        let description = match crate::gui::i18n::lang() {
            crate::gui::i18n::Lang::Chinese if !study.description_zh.is_empty() => {
                &study.description_zh
            }
            _ => &study.description,
        };
        if !description.is_empty() {
            ui.label(egui::RichText::new(description).italics());
        }
        super::objective::show(ui, bench, actions);
        ui.separator();
        ui.heading(tr("Parameters"));
        params::show(ui, bench, actions);
        ui.separator();
        ui.heading(tr("Strategy"));
        strategy::show(ui, bench);
        ui.separator();
        egui::Grid::new("run_settings")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label(tr("budget"));
                let mut budget = bench.study().budget;
                ui.add(
                    egui::DragValue::new(&mut budget)
                        .range(1..=1_000_000)
                        .speed(1.0),
                )
                .on_hover_text(tr("total trials, counting those already run"))
                .labelled_by(l.id);
                bench.editor.set_budget(budget);
                ui.end_row();
                let l = ui.label(tr("seed"));
                let mut seed = bench.study().seed;
                ui.add(egui::DragValue::new(&mut seed)).labelled_by(l.id);
                bench.editor.set_seed(seed);
                ui.end_row();
                let l = ui.label(tr("parallel jobs"));
                let mut hover = tr("worker threads; results do not depend on it").to_owned();
                if let Some(own) = narrower_window(ui, bench) {
                    hover = format!(
                        "{hover}\n{}",
                        fill(
                            tr("{} waits for results and runs {} trial(s) at a time by itself: set its window in the strategy panel to use more jobs (the trials then differ)"),
                            &[&bench.study().strategy.name(), &own],
                        )
                    );
                }
                ui.add(egui::Slider::new(&mut bench.workers.jobs, 1..=32))
                    .on_hover_text(hover)
                    .labelled_by(l.id);
                ui.end_row();
                crate::gui::workers::setting(ui, bench);
                ui.label("");
                params::adaptive_toggle(ui, bench);
                ui.end_row();
            });
        warm_start(ui, bench, actions);
    });
}

/// The warm-start row: which finished study seeds this one, and the buttons to pick or drop
/// it.
fn warm_start(ui: &mut egui::Ui, bench: &Workbench, actions: &mut Vec<Action>) {
    ui.horizontal_wrapped(|ui| {
        match &bench.study().warm_start {
            Some(warm) => {
                ui.label(fill(
                    tr("warm start: {} trials from {}"),
                    &[&warm.trials.len(), &warm.source],
                ))
                .on_hover_text(warm.describe());
                if ui.small_button(tr("drop")).clicked() {
                    actions.push(Action::NoWarmStart);
                }
            }
            None => {
                if ui
                    .button(tr("Warm start from…"))
                    .on_hover_text(tr(
                        "seed this study with a finished study's trials (same parameter names): its best points go first and the GP learns from all of them",
                    ))
                    .clicked()
                {
                    actions.push(Action::WarmStart(None));
                }
            }
        }
    });
}

/// Seed the study with the finished trials of the session at `path` that fall inside the
/// study's ranges; the status line says what happened.
pub fn warm_start_from(bench: &mut Workbench, path: &std::path::Path) {
    let old = match crate::session::Session::load(path) {
        Ok(s) => s.study,
        Err(e) => {
            bench.status = e.to_string();
            return;
        }
    };
    let source = path.display().to_string();
    match crate::strategy::warm::WarmStart::from_study(
        &old,
        &bench.study().space,
        &source,
        crate::strategy::warm::DEFAULT_FIRST,
    ) {
        Ok(warm) => {
            bench.status = warm.describe();
            bench.editor.set_warm_start(Some(Box::new(warm)));
        }
        Err(e) => bench.status = e.to_string(),
    }
}

/// The strategy's own window when it is narrower than the jobs asked for and the study sets
/// none: more jobs would then sit idle, and the window is part of the study (same seed, same
/// trials), so it is not widened behind the user's back. Built once per study revision.
fn narrower_window(ui: &egui::Ui, bench: &Workbench) -> Option<usize> {
    let study = bench.study();
    if bench.workers.jobs <= 1 || study.window.is_some() {
        return None;
    }
    let id = egui::Id::unique("strategy_own_window");
    let revision = bench.revision();
    let cached = ui.data(|d| d.get_temp::<(u64, usize)>(id));
    let own = match cached {
        Some((r, own)) if r == revision => own,
        _ => {
            let own = study.strategy_window().unwrap_or(usize::MAX);
            ui.data_mut(|d| d.insert_temp(id, (revision, own)));
            own
        }
    };
    (own < bench.workers.jobs).then_some(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run `f` with a `Ui`, as a frame would.
    fn with_ui<R>(f: impl FnOnce(&mut egui::Ui) -> R) -> R {
        let ctx = egui::Context::default();
        let mut out = None;
        let mut f = Some(f);
        let mut frame = ctx.run_ui(egui::RawInput::default(), |ui| {
            if let Some(f) = f.take() {
                out = Some(f(ui));
            }
        });
        frame.textures_delta.clear();
        out.expect("the frame ran the panel")
    }

    #[test]
    fn more_jobs_than_a_waiting_strategy_runs_are_explained_and_a_set_window_is_not() {
        let mut bench = Workbench::new(Workbench::default_study());
        bench.workers.jobs = 4;
        // GP-BO waits for each result: one trial at a time by itself.
        assert_eq!(with_ui(|ui| narrower_window(ui, &bench)), Some(1));
        let mut study = bench.study().clone();
        study.window = Some(4);
        let bench = Workbench::new(study);
        assert_eq!(with_ui(|ui| narrower_window(ui, &bench)), None);
    }
}
