//! The Race tab: pick strategies, start the race, watch the curves overlaid and read the
//! ranking. Drawing only; everything it changes goes through [`Race`]'s methods.

use super::state::{MAX_RACERS, MIN_RACERS, Race, RacerState};
use crate::gui::plots::FAILED;
use crate::gui::state::Workbench;
use crate::strategy::STRATEGIES;
use eframe::egui::{self, Color32};
use egui_plot::{Legend, Line, Plot};
use std::sync::Arc;

/// One colour per racer, in pick order; six, as a race has at most six racers.
pub const COLOURS: [Color32; MAX_RACERS] = [
    Color32::from_rgb(86, 180, 233),
    Color32::from_rgb(230, 159, 0),
    Color32::from_rgb(0, 158, 115),
    Color32::from_rgb(204, 121, 167),
    Color32::from_rgb(240, 228, 66),
    Color32::from_rgb(213, 94, 0),
];

/// Draw the Race tab in `height` points; the race runs on the current study of `bench`.
pub fn show(ui: &mut egui::Ui, race: &mut Race, bench: &Workbench, height: f32) {
    let running = race.is_running();
    ui.horizontal_wrapped(|ui| {
        ui.label("Strategies:");
        for (name, help) in STRATEGIES {
            let mut on = race.picked.iter().any(|p| p == name);
            let enabled = !running && (on || race.picked.len() < MAX_RACERS);
            if ui
                .add_enabled(enabled, egui::Checkbox::new(&mut on, *name))
                .on_hover_text(*help)
                .changed()
            {
                if on {
                    race.picked.push((*name).to_owned());
                } else {
                    race.picked.retain(|p| p != name);
                }
            }
        }
    });
    ui.horizontal(|ui| {
        let can_start = !running && (MIN_RACERS..=MAX_RACERS).contains(&race.picked.len());
        if ui
            .add_enabled(can_start, egui::Button::new("Start race"))
            .on_hover_text("same objective, space, budget and seed as the current study")
            .clicked()
        {
            let ctx = ui.ctx().clone();
            race.start(
                &bench.study,
                bench.jobs,
                Some(Arc::new(move || ctx.request_repaint())),
            );
        }
        if ui
            .add_enabled(running, egui::Button::new("Stop race"))
            .clicked()
        {
            race.stop();
        }
        ui.label(format!(
            "{} · budget {} · seed {}",
            race.status, bench.study.budget, bench.study.seed
        ));
    });
    if running {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(200));
    }

    let table_height = 28.0 + 22.0 * race.racers.len() as f32;
    let plot_height = (height - table_height - 60.0).max(120.0);
    let y_label = if race.known_minimum.is_some() {
        "log10 regret of the best so far"
    } else {
        "best value so far"
    };
    Plot::new("race")
        .height(plot_height)
        .x_axis_label("trial")
        .y_axis_label(y_label)
        .legend(Legend::default())
        .show(ui, |plot| {
            for (i, (name, points)) in race.curves().into_iter().enumerate() {
                plot.line(
                    Line::new(name, points)
                        .color(COLOURS[i % COLOURS.len()])
                        .width(2.0),
                );
            }
        });

    ui.strong("Ranking");
    ui.label(
        egui::RichText::new("trials needed: first trial within 1% of the race's best value").weak(),
    );
    egui::Grid::new("race_ranking")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in [
                "#",
                "strategy",
                "best",
                "trials needed",
                "strategy time",
                "state",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (i, row) in race.ranking().iter().enumerate() {
                ui.label(format!("{}", i + 1));
                let colour = race
                    .racers
                    .iter()
                    .position(|r| r.name == row.name)
                    .map_or(Color32::GRAY, |k| COLOURS[k % COLOURS.len()]);
                ui.colored_label(colour, &row.name);
                ui.label(row.best.map_or("—".into(), |v| format!("{v:.6}")));
                ui.label(row.trials_needed.map_or("—".into(), |n| n.to_string()));
                ui.label(
                    row.strategy_seconds
                        .map_or("—".into(), |s| format!("{:.3} s", s)),
                );
                match race
                    .racers
                    .iter()
                    .find(|r| r.name == row.name)
                    .map(|r| &r.state)
                {
                    Some(RacerState::Running) => {
                        ui.label(format!("running ({} trials)", row.trials));
                    }
                    Some(RacerState::Finished(_)) => {
                        ui.label(format!("done ({} trials)", row.trials));
                    }
                    Some(RacerState::Failed(why)) => {
                        ui.colored_label(FAILED, format!("failed: {why}"));
                    }
                    None => {
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
}
