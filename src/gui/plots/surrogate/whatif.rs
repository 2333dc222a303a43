//! What-if: a slider per parameter (starting at the best trial) and the GP's predicted score
//! there ±2σ, answered by the surrogate worker as the sliders move; "Evaluate this point"
//! runs the point as a trial.

use super::SurrogatePanel;
use crate::gui::i18n::{fill, tr};
use crate::gui::plots::{free_axes, number};
use crate::gui::state::Workbench;
use eframe::egui;

/// Draw the sliders, the prediction and the evaluation button.
pub fn show(ui: &mut egui::Ui, panel: &mut SurrogatePanel, bench: &mut Workbench, _height: f32) {
    let (axes, _) = free_axes(&bench.study().space);
    let free: Vec<crate::space::Param> = bench.study().space.free().cloned().collect();
    let best = panel.explained().map(|e| e.best.clone());
    let Some(mut point) = panel.point.clone().filter(|p| p.len() == axes.len()) else {
        ui.label(tr("fitting the GP…"));
        return;
    };
    ui.label(tr(
        "Move a parameter to ask the GP what it predicts there; other parameters stay put.",
    ));
    let mut changed = false;
    egui::Grid::new("whatif_sliders")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for (i, p) in free.iter().enumerate() {
                let name = ui.label(axes[i].name.as_str());
                changed |= ui
                    .add(
                        // No step: a step would snap the best trial's point off itself.
                        egui::Slider::new(&mut point[i], 0.0..=1.0).show_value(false),
                    )
                    .labelled_by(name.id)
                    .changed();
                let value = p.domain.from_unit(point[i]);
                let shown = match (&p.domain, value.as_f64()) {
                    (crate::space::Domain::Float { .. }, Some(x)) => number(x),
                    _ => value.to_string(),
                };
                ui.monospace(shown);
                ui.end_row();
            }
        });
    if changed {
        panel.point = Some(point.clone());
    }
    ui.add_space(8.0);
    let prediction = panel
        .answer
        .as_ref()
        .and_then(|a| a.prediction.as_ref())
        .filter(|(p, _, _)| *p == point);
    match prediction.or(panel.answer.as_ref().and_then(|a| a.prediction.as_ref())) {
        Some((p, mean, sd)) => {
            let text = fill(
                tr("predicted value {} ± {} (2σ)"),
                &[&number(*mean), &number(2.0 * sd)],
            );
            let label = egui::RichText::new(text).size(20.0).strong();
            if *p == point {
                ui.label(label);
            } else {
                ui.label(label.weak());
            }
        }
        None => {
            ui.label(tr("asking the GP…"));
        }
    }
    if let Some(b) = bench.study().best_trial().and_then(|t| t.completed_value()) {
        ui.label(fill(tr("best trial so far: {}"), &[&number(b)]));
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                best.is_some(),
                egui::Button::new(tr("Back to the best trial")),
            )
            .clicked()
        {
            panel.point = best.clone();
        }
        let busy = panel.evaluating() || bench.is_busy();
        if ui
            .add_enabled(!busy, egui::Button::new(tr("Evaluate this point")))
            .on_hover_text(tr(
                "run the objective at these values and add the trial to the study",
            ))
            .clicked()
        {
            panel.evaluate(bench);
        }
        if panel.evaluating() {
            ui.spinner();
        }
    });
    match &panel.evaluated {
        Some(Ok(t)) => {
            let v = t
                .completed_value()
                .map_or_else(|| t.failure().unwrap_or("").to_owned(), number);
            ui.label(fill(tr("trial {} evaluated: {}"), &[&t.number, &v]));
        }
        Some(Err(why)) => {
            ui.colored_label(crate::gui::plots::FAILED, why.as_str());
        }
        None => {}
    }
}
