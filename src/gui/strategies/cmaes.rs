//! CMA-ES: step size, population and restarts; the sampling ellipses as its why-view.

use super::{StrategyUi, optional, setting};
use crate::gui::i18n::tr;
use crate::gui::step::why::{self, Frame, WhyInput, WhyView};
use crate::strategy::{Explanation, StrategySpec};
use eframe::egui::{self, DragValue};

/// CMA-ES in the window.
pub const UI: StrategyUi = StrategyUi {
    name: "cmaes",
    settings: Some(settings),
    why: Some(explain),
};

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    let StrategySpec::CmaEs(s) = spec else {
        return;
    };
    setting(ui, tr("σ₀ (step size)"), |ui| {
        ui.add(DragValue::new(&mut s.sigma0).range(1e-4..=1.0).speed(0.005))
    });
    setting(ui, tr("population λ"), |ui| {
        optional(ui, &mut s.popsize, 1000)
    });
    setting(ui, tr("IPOP restarts"), |ui| {
        ui.checkbox(&mut s.restarts, "")
    });
}

fn explain(
    _: &mut WhyView,
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
) -> bool {
    let Explanation::CmaEs(why) = input.explanation else {
        return false;
    };
    why::cmaes::show(ui, input, frame, why, height);
    true
}
