//! The study panel on the left: name and description, objective, parameters, strategy and
//! its settings, budget, seed and worker threads. Editing is disabled while a run is going.

use super::{params, strategy};
use crate::gui::app::Action;
use crate::gui::state::Workbench;
use crate::objective::{ObjectiveSpec, SyntheticFn};
use eframe::egui;

/// Draw the study panel.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, actions: &mut Vec<Action>) {
    let editable = !bench.is_running();
    ui.add_enabled_ui(editable, |ui| {
        ui.heading("Study");
        if !bench.study.description.is_empty() {
            ui.label(egui::RichText::new(&bench.study.description).italics());
        }
        objective(ui, bench);
        ui.separator();
        ui.heading("Parameters");
        params::show(ui, bench, actions);
        ui.separator();
        ui.heading("Strategy");
        strategy::show(ui, bench);
        ui.separator();
        egui::Grid::new("run_settings")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label("budget");
                ui.add(
                    egui::DragValue::new(&mut bench.study.budget)
                        .range(1..=1_000_000)
                        .speed(1.0),
                )
                .on_hover_text("total trials, counting those already run")
                .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("seed");
                let before = bench.study.seed;
                ui.add(egui::DragValue::new(&mut bench.study.seed))
                    .labelled_by(l.id);
                if before != bench.study.seed {
                    bench.validate_strategy();
                }
                ui.end_row();
                let l = ui.label("parallel jobs");
                ui.add(egui::Slider::new(&mut bench.jobs, 1..=32))
                    .on_hover_text("worker threads; results do not depend on it")
                    .labelled_by(l.id);
                ui.end_row();
            });
    });
}

/// The objective picker. Synthetic functions for now; other objectives (models on datasets)
/// are shown by label until their editors exist.
fn objective(ui: &mut egui::Ui, bench: &mut Workbench) {
    let editable = bench.space_editable();
    #[allow(irrefutable_let_patterns)]
    let ObjectiveSpec::Synthetic { function, dims } = bench.study.objective.clone() else {
        ui.label(format!("objective: {}", bench.study.objective.label()));
        return;
    };
    let mut chosen = (function, dims);
    ui.add_enabled_ui(editable, |ui| {
        egui::ComboBox::from_label("objective")
            .selected_text(function.name())
            .show_ui(ui, |ui| {
                for f in SyntheticFn::ALL {
                    ui.selectable_value(&mut chosen.0, f, f.name())
                        .on_hover_text(f.summary());
                }
            });
        if function.fixed_dims().is_none() {
            let mut d = dims.unwrap_or(0);
            ui.horizontal(|ui| {
                let l = ui.label("dimensions");
                ui.add(
                    egui::DragValue::new(&mut d)
                        .range(0..=20)
                        .custom_formatter(|v, _| {
                            if v == 0.0 {
                                "default".into()
                            } else {
                                format!("{v}")
                            }
                        }),
                )
                .labelled_by(l.id);
            });
            chosen.1 = if d == 0 { None } else { Some(d) };
        }
    });
    if chosen != (function, dims) {
        let spec = ObjectiveSpec::Synthetic {
            function: chosen.0,
            dims: if chosen.0.fixed_dims().is_some() {
                None
            } else {
                chosen.1
            },
        };
        match spec.build() {
            Ok(o) => {
                bench.study.objective = spec;
                bench.study.space = o.default_space();
                bench.study.direction = o.direction();
                bench.reset_edits();
                bench.validate_strategy();
                bench.touch();
            }
            Err(e) => bench.status = e.to_string(),
        }
    }
}
