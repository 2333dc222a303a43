//! The study panel on the left: name and description, objective, parameters, strategy and
//! its settings, budget, seed and worker threads. Editing is disabled while a run is going
//! or a replay shows an earlier state.

use super::{params, strategy};
use crate::gui::app::Action;
use crate::gui::i18n::tr;
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
                ui.add(egui::Slider::new(&mut bench.jobs, 1..=32))
                    .on_hover_text(tr("worker threads; results do not depend on it"))
                    .labelled_by(l.id);
                ui.end_row();
            });
    });
}
