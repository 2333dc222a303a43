//! TPE: start-up, candidates, prior weight and the multivariate switch; the good and bad
//! densities as its why-view.

use super::{StrategyUi, setting};
use crate::gui::i18n::tr;
use crate::gui::step::why::{Frame, WhyInput, WhyView};
use crate::strategy::{Explanation, StrategySpec};
use eframe::egui::{self, DragValue};

/// TPE in the window.
pub const UI: StrategyUi = StrategyUi {
    name: "tpe",
    settings: Some(settings),
    why: Some(explain),
};

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    let StrategySpec::Tpe(s) = spec else {
        return;
    };
    setting(ui, tr("start-up trials"), |ui| {
        ui.add(DragValue::new(&mut s.n_startup).range(0..=1000))
    });
    setting(ui, tr("candidates"), |ui| {
        ui.add(DragValue::new(&mut s.n_candidates).range(1..=1000))
    });
    setting(ui, tr("prior weight"), |ui| {
        ui.add(
            DragValue::new(&mut s.prior_weight)
                .range(0.0..=10.0)
                .speed(0.01),
        )
    });
    setting(ui, tr("multivariate"), |ui| {
        ui.checkbox(&mut s.multivariate, "")
    });
}

fn explain(
    view: &mut WhyView,
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
) -> bool {
    let Explanation::Tpe(why) = input.explanation else {
        return false;
    };
    view.tpe.show(ui, input, frame, why, height);
    true
}
