//! Gradient search: method, learning rate and difference step; the gradient and the step
//! as its why-view.

use super::{StrategyUi, setting};
use crate::gui::i18n::{fill, tr};
use crate::gui::step::why::{self, Frame, WhyInput, WhyView};
use crate::strategy::{Explanation, StrategySpec};
use eframe::egui::{self, DragValue};

/// Gradient search in the window.
pub const UI: StrategyUi = StrategyUi {
    name: "gradient",
    settings: Some(settings),
    why: Some(explain),
};

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    let StrategySpec::Gradient(g) = spec else {
        return;
    };
    ui.label(tr("method"));
    ui.label(fill(
        tr("{}, {} gradients"),
        &[&format!("{:?}", g.optimizer), &format!("{:?}", g.estimator)],
    ));
    ui.end_row();
    ui.label(tr("learning rate"));
    ui.add(
        DragValue::new(&mut g.learning_rate)
            .range(1e-6..=10.0)
            .speed(0.001),
    );
    ui.end_row();
    setting(ui, tr("difference step"), |ui| {
        ui.add(DragValue::new(&mut g.step).range(1e-8..=0.1).speed(1e-4))
    });
}

fn explain(
    _: &mut WhyView,
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
) -> bool {
    let Explanation::Gradient(why) = input.explanation else {
        return false;
    };
    why::gradient::show(ui, input, frame, why, height);
    true
}
