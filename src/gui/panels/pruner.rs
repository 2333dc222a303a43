//! The pruner picker and its settings, under the strategy: which rule stops hopeless trials
//! early, and its typed settings. Edited on a copy and handed to
//! [`StudyEditor::set_pruner`](crate::gui::editor::StudyEditor::set_pruner), which keeps a
//! setting out of range out of the study and says why.

use crate::gui::i18n::tr;
use crate::gui::state::Workbench;
use crate::pruner::{PRUNERS, PrunerSpec};
use eframe::egui::{self, DragValue};

/// Draw the pruner section: a picker of the rules `--pruner` knows, then the chosen rule's
/// settings in a grid. Shown only for objectives that report steps (a command, the MLP) or a
/// study that already has a pruner (so it can be turned off): a test function or an SVC has
/// nothing a pruner could look at.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench) {
    let study = bench.study();
    if !crate::gui::plots::curves::reports_steps(&study.objective) && !study.pruner.is_active() {
        return;
    }
    let before = study.pruner.clone();
    let mut spec = before.clone();
    let current = before.name();
    egui::ComboBox::from_label(tr("pruner"))
        .selected_text(current)
        .show_ui(ui, |ui| {
            for (name, summary) in PRUNERS {
                let selected = current == name;
                if ui
                    .selectable_label(selected, name)
                    .on_hover_text(summary)
                    .clicked()
                    && !selected
                    && let Ok(picked) = PrunerSpec::from_name(name)
                {
                    spec = picked;
                }
            }
        })
        .response
        .on_hover_text(tr(
            "stops a trial early when the values it reports while training look hopeless",
        ));
    if spec.is_active() {
        egui::Grid::new("pruner_settings")
            .num_columns(2)
            .show(ui, |ui| settings(ui, &mut spec));
    }
    if spec != before {
        bench.editor.set_pruner(spec);
    }
    if let Some(e) = bench.editor.pruner_error() {
        ui.colored_label(crate::gui::plots::FAILED, e);
    }
}

/// One row per setting of the rule (nothing for `none`); the race's lanes reuse it for their
/// pruners' settings.
pub fn settings(ui: &mut egui::Ui, spec: &mut PrunerSpec) {
    match spec {
        PrunerSpec::None => {}
        PrunerSpec::Median(m) => {
            count(ui, "n_startup_trials", &mut m.n_startup_trials);
            step(ui, "n_warmup_steps", &mut m.n_warmup_steps, 0);
            step(ui, "interval_steps", &mut m.interval_steps, 1);
            count(ui, "n_min_trials", &mut m.n_min_trials);
        }
        PrunerSpec::Percentile(p) => {
            row(ui, "percentile", |ui| {
                ui.add(
                    DragValue::new(&mut p.percentile)
                        .range(0.0..=100.0)
                        .speed(1.0),
                )
            });
            count(ui, "n_startup_trials", &mut p.n_startup_trials);
            step(ui, "n_warmup_steps", &mut p.n_warmup_steps, 0);
            step(ui, "interval_steps", &mut p.interval_steps, 1);
            count(ui, "n_min_trials", &mut p.n_min_trials);
        }
        PrunerSpec::Asha(a) => {
            step(ui, "min_resource", &mut a.min_resource, 1);
            step(ui, "reduction_factor", &mut a.reduction_factor, 2);
            row(ui, "min_early_stopping_rate", |ui| {
                ui.add(DragValue::new(&mut a.min_early_stopping_rate).range(0..=16))
            });
            count(ui, "bootstrap_count", &mut a.bootstrap_count);
        }
        PrunerSpec::Hyperband(h) => {
            step(ui, "min_resource", &mut h.min_resource, 1);
            optional(
                ui,
                "max_resource",
                &mut h.max_resource,
                h.min_resource.max(1),
            );
            step(ui, "reduction_factor", &mut h.reduction_factor, 2);
            count(ui, "bootstrap_count", &mut h.bootstrap_count);
        }
        PrunerSpec::Patience(p) => {
            row(ui, "patience", |ui| {
                let mut on = p.patience.is_some();
                let mut n = p.patience.unwrap_or(3);
                let r = ui.checkbox(&mut on, "")
                    | ui.add_enabled(on, DragValue::new(&mut n).range(0..=10_000));
                p.patience = on.then_some(n);
                r
            });
            row(ui, "min_delta", |ui| {
                ui.add(
                    DragValue::new(&mut p.min_delta)
                        .range(0.0..=f64::MAX)
                        .speed(0.001),
                )
            });
            optional_value(ui, "lower", &mut p.lower);
            optional_value(ui, "upper", &mut p.upper);
            step(ui, "n_warmup_steps", &mut p.n_warmup_steps, 0);
        }
    }
}

/// A labelled row of the settings grid; the label names the setting as `--pruner-opt` does.
fn row(ui: &mut egui::Ui, name: &str, add: impl FnOnce(&mut egui::Ui) -> egui::Response) {
    let label = ui.label(name);
    ui.horizontal(|ui| add(ui).labelled_by(label.id));
    ui.end_row();
}

fn count(ui: &mut egui::Ui, name: &str, value: &mut usize) {
    row(ui, name, |ui| {
        ui.add(DragValue::new(value).range(0..=100_000))
    });
}

fn step(ui: &mut egui::Ui, name: &str, value: &mut u64, low: u64) {
    row(ui, name, |ui| {
        ui.add(DragValue::new(value).range(low..=1_000_000))
    });
}

/// A step setting that may be left automatic (unchecked: `None`).
fn optional(ui: &mut egui::Ui, name: &str, value: &mut Option<u64>, default: u64) {
    row(ui, name, |ui| {
        let mut on = value.is_some();
        let mut v = value.unwrap_or(default);
        let r = ui
            .checkbox(&mut on, "")
            .on_hover_text(tr("unchecked: automatic"))
            | ui.add_enabled(on, DragValue::new(&mut v).range(1..=1_000_000));
        *value = on.then_some(v);
        r
    });
}

/// A threshold that may be off (unchecked: `None`).
fn optional_value(ui: &mut egui::Ui, name: &str, value: &mut Option<f64>) {
    row(ui, name, |ui| {
        let mut on = value.is_some();
        let mut v = value.unwrap_or(0.0);
        let r = ui.checkbox(&mut on, "") | ui.add_enabled(on, DragValue::new(&mut v).speed(0.01));
        *value = on.then_some(v);
        r
    });
}
