//! Grid search: values per parameter; its points are drawn by the fixed-order view.

use super::{StrategyUi, setting};
use crate::gui::i18n::tr;
use crate::strategy::StrategySpec;
use eframe::egui::{self, DragValue};

/// The grid in the window.
pub const UI: StrategyUi = StrategyUi {
    name: "grid",
    settings: Some(settings),
    why: None,
};

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    let StrategySpec::Grid(grid) = spec else {
        return;
    };
    setting(ui, tr("points per parameter"), |ui| {
        ui.add(DragValue::new(&mut grid.points).range(1..=100))
    });
}
