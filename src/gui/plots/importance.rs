//! Parameter importance: from the GP's length scales (a short length scale means the value
//! changes fast along that parameter), or before a GP can be fitted, from how much of the
//! values' variance the mean in ten bins along each parameter explains.

use super::free_axes;
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use eframe::egui;
use egui_plot::{Bar, BarChart, Plot};

/// Draw the importance bars, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &Workbench, height: f32) {
    let (axes, _) = free_axes(&bench.study().space);
    ui.strong(tr("Parameter importance"));
    let Some(result) = bench
        .background
        .view_result
        .as_ref()
        .filter(|r| r.importance.len() == axes.len() && !r.importance.is_empty())
    else {
        ui.label(tr("Importance appears once trials have completed."));
        return;
    };
    ui.label(fill(
        tr("estimated from {}, {} trials"),
        &[&tr(result.importance_kind), &result.trials],
    ));
    let bars: Vec<Bar> = result
        .importance
        .iter()
        .enumerate()
        .map(|(i, v)| Bar::new(i as f64, *v).name(&axes[i].name).width(0.6))
        .collect();
    let names: Vec<String> = axes.iter().map(|a| a.name.clone()).collect();
    Plot::new("importance")
        .height(height)
        .y_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() < 0.01 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_axis_label(tr("share of importance"))
        .include_x(0.0)
        .include_x(1.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new(tr("importance"), bars).horizontal());
        });
}
