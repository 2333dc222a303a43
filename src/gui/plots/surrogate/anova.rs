//! Importance with interactions: the functional ANOVA of the GP's posterior mean (each
//! parameter's main effect and each pair's interaction, as shares of the mean's variance over
//! the search space), beside the length-scale importance of the Importance tab.

use super::worker::Explained;
use crate::gui::i18n::{fill, tr};
use crate::gui::plots::free_axes;
use crate::gui::state::Workbench;
use eframe::egui::{self, Color32};
use egui_plot::{Bar, BarChart, Legend, Plot};

/// Pairs shown at most (the largest interactions).
const MAX_PAIRS: usize = 8;

/// The bars: one per parameter's main effect, then the largest pairwise interactions.
pub fn rows(names: &[String], e: &Explained) -> Vec<(String, f64, bool)> {
    let mut rows: Vec<(String, f64, bool)> = e
        .anova
        .main
        .iter()
        .enumerate()
        .map(|(i, v)| (names.get(i).cloned().unwrap_or_default(), *v, false))
        .collect();
    let mut pairs = e.anova.pairs.clone();
    pairs.sort_by(|a, b| b.2.total_cmp(&a.2));
    rows.extend(pairs.iter().take(MAX_PAIRS).map(|&(i, j, v)| {
        let name = |k: usize| names.get(k).cloned().unwrap_or_default();
        (format!("{} × {}", name(i), name(j)), v, true)
    }));
    rows
}

/// Draw the length-scale importance and the fANOVA shares side by side.
pub fn show(ui: &mut egui::Ui, bench: &Workbench, e: &Explained, height: f32) {
    let (axes, _) = free_axes(&bench.study().space);
    let names: Vec<String> = axes.iter().map(|a| a.name.clone()).collect();
    ui.columns(2, |cols| {
        crate::gui::plots::importance::show(&mut cols[0], bench, height - 20.0);
        let ui = &mut cols[1];
        ui.strong(tr("Functional ANOVA of the GP mean"));
        ui.label(fill(
            tr("share of the mean's variance; higher-order interactions {}"),
            &[&format!("{:.1}%", 100.0 * e.anova.higher_order())],
        ));
        let rows = rows(&names, e);
        let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let n = rows.len();
        let bar = |k: usize, v: f64| Bar::new((n - 1 - k) as f64, v).width(0.6);
        let main: Vec<Bar> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.2)
            .map(|(k, r)| bar(k, r.1).name(&r.0))
            .collect();
        let pairs: Vec<Bar> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.2)
            .map(|(k, r)| bar(k, r.1).name(&r.0))
            .collect();
        Plot::new("surrogate_anova")
            .height(height - 40.0)
            .legend(Legend::default())
            .y_axis_formatter(move |mark, _| {
                let i = mark.value.round();
                if (mark.value - i).abs() < 0.01 && i >= 0.0 && (i as usize) < n {
                    labels[n - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_axis_label(tr("share of variance"))
            .include_x(0.0)
            .include_x(1.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.bar_chart(
                    BarChart::new(tr("main effect"), main)
                        .horizontal()
                        .color(Color32::from_rgb(100, 150, 255)),
                );
                plot.bar_chart(
                    BarChart::new(tr("interaction"), pairs)
                        .horizontal()
                        .color(Color32::from_rgb(255, 160, 60)),
                );
            });
    });
}
