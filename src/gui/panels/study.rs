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

/// The objective picker: the synthetic functions, with a dimension for the n-D ones. Model
/// and command objectives come from a session or the command line for now; the picker shows
/// their label and still offers the synthetic functions.
fn objective(ui: &mut egui::Ui, bench: &mut Workbench) {
    let editable = bench.space_editable();
    let current = match &bench.study.objective {
        ObjectiveSpec::Synthetic { function, dims } => Some((*function, *dims)),
        _ => None,
    };
    let mut chosen = current;
    ui.add_enabled_ui(editable, |ui| {
        let selected = match current {
            Some((f, _)) => f.name().to_owned(),
            None => bench.study.objective.label(),
        };
        egui::ComboBox::from_label("objective")
            .selected_text(selected)
            .show_ui(ui, |ui| {
                for f in SyntheticFn::ALL {
                    let on = current.map(|c| c.0) == Some(f);
                    if ui
                        .selectable_label(on, f.name())
                        .on_hover_text(f.summary())
                        .clicked()
                        && !on
                    {
                        chosen = Some((f, None));
                    }
                }
            });
        if let Some((function, dims)) = chosen
            && function.fixed_dims().is_none()
        {
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
            chosen = Some((function, if d == 0 { None } else { Some(d) }));
        }
    });
    if current.is_none() {
        ui.label(
            egui::RichText::new(
                "model and command objectives are set in the session or on the command line",
            )
            .weak(),
        );
    }
    let Some((function, dims)) = chosen else {
        return;
    };
    if chosen != current {
        let spec = ObjectiveSpec::Synthetic {
            function,
            dims: if function.fixed_dims().is_some() {
                None
            } else {
                dims
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
