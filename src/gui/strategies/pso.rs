//! Particle swarm: size, inertia, pulls and velocity clamp; the particles and their
//! velocities as its why-view.

use super::{StrategyUi, optional, setting};
use crate::gui::i18n::tr;
use crate::gui::step::why::{self, Frame, WhyInput, WhyView};
use crate::strategy::{Explanation, StrategySpec};
use eframe::egui::{self, DragValue};

/// The swarm in the window.
pub const UI: StrategyUi = StrategyUi {
    name: "pso",
    settings: Some(settings),
    why: Some(explain),
};

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    let StrategySpec::Pso(s) = spec else {
        return;
    };
    setting(ui, tr("swarm size"), |ui| optional(ui, &mut s.swarm, 1000));
    setting(ui, tr("inertia"), |ui| {
        ui.add(DragValue::new(&mut s.inertia).range(0.0..=1.5).speed(0.005))
    });
    setting(ui, tr("cognitive"), |ui| {
        ui.add(
            DragValue::new(&mut s.cognitive)
                .range(0.0..=4.0)
                .speed(0.01),
        )
    });
    setting(ui, tr("social"), |ui| {
        ui.add(DragValue::new(&mut s.social).range(0.0..=4.0).speed(0.01))
    });
    setting(ui, tr("max velocity"), |ui| {
        ui.add(DragValue::new(&mut s.v_max).range(0.001..=1.0).speed(0.005))
    });
}

fn explain(
    _: &mut WhyView,
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
) -> bool {
    let Explanation::Swarm(why) = input.explanation else {
        return false;
    };
    why::swarm::show(ui, input, frame, why, height);
    true
}
