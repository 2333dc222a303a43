//! GP-BO: start-up points, the acquisition and its κ or ξ, the kernel; the posterior slice,
//! the acquisition and its 2-D map as its why-view.

use super::{StrategyUi, optional, setting};
use crate::gp::{Acquisition, KernelKind};
use crate::gui::i18n::tr;
use crate::gui::panels::strategy::acquisition_combo;
use crate::gui::step::why::{Frame, WhyInput, WhyView};
use crate::strategy::{Explanation, StrategySpec};
use eframe::egui::{self, DragValue};

/// GP-BO in the window.
pub const UI: StrategyUi = StrategyUi {
    name: "gp",
    settings: Some(settings),
    why: Some(explain),
};

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    let StrategySpec::Gp(s) = spec else {
        return;
    };
    setting(ui, tr("start-up trials"), |ui| {
        optional(ui, &mut s.n_startup, 1000)
    });
    let acq_label = ui.label(tr("acquisition"));
    acquisition_combo(ui, "acquisition", &mut s.acquisition).labelled_by(acq_label.id);
    ui.end_row();
    match &mut s.acquisition {
        Acquisition::Ei { xi } | Acquisition::Pi { xi } => {
            setting(ui, tr("ξ (margin)"), |ui| {
                ui.add(DragValue::new(xi).range(0.0..=10.0).speed(0.001))
            });
        }
        Acquisition::Ucb { kappa } => {
            setting(ui, tr("κ (exploration)"), |ui| {
                ui.add(DragValue::new(kappa).range(0.0..=20.0).speed(0.01))
            });
        }
        Acquisition::LogEi => {}
    }
    let kernel_label = ui.label(tr("kernel"));
    egui::ComboBox::from_id_salt("kernel")
        .selected_text(match s.kernel {
            KernelKind::Matern52 => "Matérn 5/2",
            KernelKind::Rbf => "RBF",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut s.kernel, KernelKind::Matern52, tr("Matérn 5/2"));
            ui.selectable_value(&mut s.kernel, KernelKind::Rbf, tr("RBF"));
        })
        .response
        .labelled_by(kernel_label.id);
    ui.end_row();
}

fn explain(
    view: &mut WhyView,
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
) -> bool {
    let Explanation::Gp(why) = input.explanation else {
        return false;
    };
    view.gp.show(ui, input, frame, why, height);
    true
}
