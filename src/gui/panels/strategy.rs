//! The strategy picker and each strategy's own settings (population, step sizes, start-up
//! trials, acquisition and its κ/ξ…), drawn by the strategy's entry in
//! [`crate::gui::strategies`]. A setting the strategy rejects is shown in place, and Run
//! stays disabled until it is fixed.

use crate::gp::Acquisition;
use crate::gui::i18n::tr;
use crate::gui::state::Workbench;
use crate::gui::strategies;
use crate::strategy::STRATEGIES;
use eframe::egui::{self, DragValue};

/// Draw the strategy section. The settings are edited on a copy and handed to the study
/// editor when they change, so the study (and every view of it) learns of each change.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench) {
    let before = bench.study().strategy.clone();
    let mut spec = before.clone();
    let current = before.name();
    egui::ComboBox::from_label(tr("strategy"))
        .selected_text(current)
        .show_ui(ui, |ui| {
            for info in STRATEGIES {
                let selected = current == info.name;
                if ui
                    .selectable_label(selected, info.name)
                    .on_hover_text(tr(info.summary))
                    .clicked()
                    && !selected
                {
                    spec = (info.default)();
                }
            }
        });
    egui::Grid::new("strategy_settings")
        .num_columns(2)
        .show(ui, |ui| strategies::settings(ui, &mut spec));
    let mut window = bench.study().window.unwrap_or(0);
    ui.horizontal(|ui| {
        let l = ui.label(tr("window"));
        ui.add(DragValue::new(&mut window).range(0..=256).custom_formatter(|v, _| {
            if v == 0.0 { tr("strategy's default").into() } else { format!("{v}") }
        }))
        .on_hover_text(tr("trials outstanding at once; part of the study, so results do not depend on the number of jobs"))
        .labelled_by(l.id);
    });
    bench
        .editor
        .set_window(if window == 0 { None } else { Some(window) });
    if spec != before {
        bench.editor.set_strategy(spec);
    }
    if let Some(e) = bench.editor.strategy_error() {
        ui.colored_label(crate::gui::plots::FAILED, e);
    }
    super::pruner::show(ui, bench);
}

/// The acquisition function picker; switching gives the new function its default setting.
/// Shared by this panel and the Step tab, so both offer the same choices.
pub fn acquisition_combo(
    ui: &mut egui::Ui,
    id_salt: &str,
    acquisition: &mut Acquisition,
) -> egui::Response {
    let names = ["LogEI", "EI", "UCB", "PI"];
    let mut which = match acquisition {
        Acquisition::LogEi => 0,
        Acquisition::Ei { .. } => 1,
        Acquisition::Ucb { .. } => 2,
        Acquisition::Pi { .. } => 3,
    };
    let old = which;
    let response = egui::ComboBox::from_id_salt(id_salt)
        .selected_text(names[which])
        .show_ui(ui, |ui| {
            for (k, n) in names.iter().enumerate() {
                ui.selectable_value(&mut which, k, *n);
            }
        })
        .response;
    if which != old {
        *acquisition = match which {
            1 => Acquisition::Ei { xi: 0.01 },
            2 => Acquisition::Ucb { kappa: 2.0 },
            3 => Acquisition::Pi { xi: 0.01 },
            _ => Acquisition::LogEi,
        };
    }
    response
}
