//! How the window shows each strategy, one file per strategy: the rows of its settings in
//! the strategy panel and its "why this point?" view in step mode.
//!
//! [`STRATEGY_UI`] is the window's registry beside the core's
//! [`STRATEGIES`](crate::strategy::STRATEGIES): one line per strategy, found by name. The
//! strategy panel draws [`StrategyUi::settings`]; step mode offers each explanation to every
//! [`StrategyUi::why`] and draws the fixed-order view for those none claims (grid, Sobol and
//! random points, and every model's start-up points).

mod anneal;
mod cmaes;
mod gp;
mod gradient;
mod grid;
mod pso;
mod tpe;

use crate::gui::i18n::tr;
use crate::gui::step::why::{Frame, WhyInput, WhyView};
use crate::strategy::StrategySpec;
use eframe::egui::{self, DragValue};

/// Draws a strategy's settings rows into the panel's two-column grid (a spec of another
/// strategy is left alone).
pub type SettingsEditor = fn(&mut egui::Ui, &mut StrategySpec);

/// Draws the why-view of an explanation when it is the strategy's own kind, and says
/// whether it did.
pub type WhyDrawer = fn(&mut WhyView, &mut egui::Ui, &WhyInput<'_>, &Frame, f32) -> bool;

/// How the window shows one strategy.
pub struct StrategyUi {
    /// The strategy's name, as in [`crate::strategy::STRATEGIES`].
    pub name: &'static str,
    /// Its settings editor; `None` when it has nothing to set.
    pub settings: Option<SettingsEditor>,
    /// Its own why-view; `None` when its points are drawn by the fixed-order view.
    pub why: Option<WhyDrawer>,
}

/// Every strategy the window can show, one line each.
pub const STRATEGY_UI: &[StrategyUi] = &[
    grid::UI,
    StrategyUi {
        name: "random",
        settings: None,
        why: None,
    },
    StrategyUi {
        name: "sobol",
        settings: None,
        why: None,
    },
    gp::UI,
    cmaes::UI,
    tpe::UI,
    pso::UI,
    anneal::UI,
    gradient::UI,
];

/// The window's entry for a strategy name.
pub fn ui_for(name: &str) -> Option<&'static StrategyUi> {
    STRATEGY_UI.iter().find(|s| s.name == name)
}

/// The settings rows of `spec`'s strategy, or a note that it has none.
pub fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    match ui_for(spec.name()).and_then(|s| s.settings) {
        Some(edit) => edit(ui, spec),
        None => {
            ui.label(egui::RichText::new(tr("no settings")).weak());
            ui.end_row();
        }
    }
}

/// Draw `input`'s explanation with the view of the strategy that claims it; false when
/// none does.
pub fn why(
    view: &mut WhyView,
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    height: f32,
) -> bool {
    STRATEGY_UI
        .iter()
        .filter_map(|s| s.why)
        .any(|draw| draw(view, ui, input, frame, height))
}

/// An optional count edited as a number where 0 means "automatic".
fn optional(ui: &mut egui::Ui, value: &mut Option<usize>, max: usize) -> egui::Response {
    let mut v = value.unwrap_or(0);
    let r = ui.add(
        DragValue::new(&mut v)
            .range(0..=max)
            .custom_formatter(|v, _| {
                if v == 0.0 {
                    tr("auto").into()
                } else {
                    format!("{v}")
                }
            }),
    );
    *value = if v == 0 { None } else { Some(v) };
    r
}

/// One labelled row of the settings grid; the label names the widget for screen readers.
fn setting(ui: &mut egui::Ui, label: &str, add: impl FnOnce(&mut egui::Ui) -> egui::Response) {
    let l = ui.label(label);
    add(ui).labelled_by(l.id);
    ui.end_row();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::STRATEGIES;

    #[test]
    fn the_window_knows_every_strategy_and_only_those() {
        let core: Vec<&str> = STRATEGIES.iter().map(|s| s.name).collect();
        let window: Vec<&str> = STRATEGY_UI.iter().map(|s| s.name).collect();
        assert_eq!(window, core);
    }
}
