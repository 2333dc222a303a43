//! Robust tuning's per-dataset view: every trial's score on each dataset beside the
//! aggregate the study optimises, and a table of where the robust optimum differs from each
//! dataset's own best (see [`crate::objective::robust`]).

use super::{BEST, SELECTED};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::objective::robust::{Summary, unit_scores};
use eframe::egui;
use egui_plot::{Corner, Legend, Line, MarkerShape, Plot, Points, VLine};

/// Whether the study's trials carry per-dataset scores (the tab is shown only then).
pub fn available(study: &crate::study::Study) -> bool {
    study
        .trials
        .iter()
        .any(|t| !unit_scores(&t.attrs).is_empty())
}

/// Colours for the datasets' series, in attribute order.
const PALETTE: [egui::Color32; 6] = [
    egui::Color32::from_rgb(80, 160, 255),
    egui::Color32::from_rgb(120, 210, 120),
    egui::Color32::from_rgb(255, 150, 60),
    egui::Color32::from_rgb(190, 120, 255),
    egui::Color32::from_rgb(90, 210, 210),
    egui::Color32::from_rgb(230, 230, 110),
];

/// Draw the per-dataset view, `height` points tall in all.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, height: f32) {
    ui.horizontal(|ui| {
        ui.strong(tr("Per-dataset scores"));
        ui.label(tr(
            "each trial's score on every dataset; the study optimises their aggregate",
        ));
    });
    let study = bench.study();
    let Some(summary) = Summary::of(study) else {
        ui.label(tr(
            "Per-dataset scores appear once a trial of a robust objective (several datasets) has completed.",
        ));
        return;
    };
    let names: Vec<String> = summary.rows.iter().map(|r| r.name.clone()).collect();
    let mut series: Vec<Vec<[f64; 2]>> = vec![Vec::new(); names.len()];
    let mut aggregate = Vec::new();
    let mut numbers = Vec::new();
    for t in &study.trials {
        let Some(v) = t.completed_value() else {
            continue;
        };
        aggregate.push([t.number as f64, v]);
        numbers.push(t.number);
        for (name, score) in unit_scores(&t.attrs) {
            if let Some(i) = names.iter().position(|n| *n == name) {
                series[i].push([t.number as f64, score]);
            }
        }
    }
    let selected = bench.selection.selected;
    let table_rows = summary.rows.len() as f32 + 2.0;
    let plot_height = (height - 22.0 * table_rows - 30.0).max(120.0);
    let response = Plot::new("robust_datasets")
        .height(plot_height)
        // Bottom left: the good trials, the robust optimum among them, sit high and late.
        .legend(Legend::default().position(Corner::LeftBottom))
        .x_axis_label(tr("trial"))
        .y_axis_label(tr("score"))
        .allow_drag(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            for (i, (name, points)) in names.iter().zip(&series).enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                plot.points(
                    Points::new(name.clone(), points.clone())
                        .color(colour)
                        .radius(2.5),
                );
                // Each dataset's own best trial, ringed in its colour; unnamed, so the legend
                // keeps one entry per dataset (the table below names each own best).
                let row = &summary.rows[i];
                plot.points(
                    Points::new("", vec![[row.own_best_trial as f64, row.own_best]])
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(7.0)
                        .color(colour),
                );
            }
            plot.line(
                Line::new(tr("aggregate"), aggregate.clone())
                    .color(egui::Color32::from_gray(200))
                    .width(1.5),
            );
            plot.vline(
                VLine::new(tr("robust optimum"), summary.robust_trial as f64)
                    .color(BEST)
                    .width(1.5),
            );
            if let Some(n) = selected {
                plot.vline(VLine::new(tr("selected"), n as f64).color(SELECTED));
            }
        });
    if response.response.clicked()
        && let Some(pointer) = response.response.interact_pointer_pos()
    {
        let hit = super::nearest_trial(&aggregate, &numbers, &response.transform, pointer);
        bench.select(hit);
    }
    table(ui, &summary);
}

/// The table under the plot: per dataset, its own best against the robust optimum.
fn table(ui: &mut egui::Ui, summary: &Summary) {
    ui.label(fill(
        tr("robust optimum: trial {} (aggregate {})"),
        &[
            &summary.robust_trial,
            &format!("{:.4}", summary.robust_value),
        ],
    ));
    egui::Grid::new("robust_table")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            ui.strong(tr("dataset"));
            ui.strong(tr("own best trial"));
            ui.strong(tr("own best"));
            ui.strong(tr("at the robust optimum"));
            ui.strong(tr("given up"));
            ui.end_row();
            for row in &summary.rows {
                ui.label(&row.name);
                ui.label(row.own_best_trial.to_string());
                ui.label(format!("{:.4}", row.own_best));
                ui.label(format!("{:.4}", row.at_robust));
                if row.own_best_trial == summary.robust_trial {
                    ui.label(tr("same trial"));
                } else {
                    ui.label(format!("{:+.4}", row.at_robust - row.own_best));
                }
                ui.end_row();
            }
        });
}
