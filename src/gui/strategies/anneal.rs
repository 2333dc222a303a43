//! Simulated annealing: the schedule's length, steps and temperatures; the chain and the
//! last move's fate as its why-view.

use super::{StrategyUi, setting};
use crate::gui::i18n::tr;
use crate::gui::step::why::{self, Frame, WhyInput, WhyView};
use crate::strategy::{Explanation, StrategySpec};
use eframe::egui::{self, DragValue};

/// Annealing in the window.
pub const UI: StrategyUi = StrategyUi {
    name: "anneal",
    settings: Some(settings),
    why: Some(explain),
};

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    let StrategySpec::Anneal(s) = spec else {
        return;
    };
    setting(ui, tr("schedule (trials)"), |ui| {
        ui.add(DragValue::new(&mut s.budget).range(1..=1_000_000))
    });
    setting(ui, tr("initial step"), |ui| {
        ui.add(DragValue::new(&mut s.scale0).range(1e-4..=1.0).speed(0.005))
    });
    setting(ui, tr("final step"), |ui| {
        ui.add(
            DragValue::new(&mut s.scale_end)
                .range(1e-6..=1.0)
                .speed(0.001),
        )
    });
    setting(ui, tr("initial temperature"), |ui| {
        ui.add(DragValue::new(&mut s.t0).range(1e-6..=100.0).speed(0.01))
    });
    setting(ui, tr("final temperature"), |ui| {
        ui.add(
            DragValue::new(&mut s.t_end)
                .range(1e-9..=10.0)
                .speed(0.0001),
        )
    });
}

fn explain(
    _: &mut WhyView,
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
) -> bool {
    let Explanation::Anneal(why) = input.explanation else {
        return false;
    };
    why::anneal::show(ui, input, frame, why, height);
    true
}
