//! Fixed sequences (grid, random, Sobol) and start-up points: the points so far numbered in
//! the order they were asked, with the next one highlighted. Nothing about the results
//! decided them; their order is the whole story.

use super::{Frame, PROPOSAL, WhyInput, pair_plot};
use crate::gui::i18n::tr;
use crate::strategy::Explanation;
use eframe::egui::{self, Align2, Color32};
use egui_plot::{Line, PlotPoint, Text};

/// Numbers are drawn beside at most this many points (a dense study stays readable).
const LABELLED: usize = 150;

/// Draw the points in order.
pub fn show(ui: &mut egui::Ui, input: &WhyInput<'_>, frame: &Frame, height: f32) {
    ui.label(match input.explanation {
        Explanation::Startup(_) => {
            tr(
                "Start-up points spread over the space so the model has something to learn from; they do not depend on the results.",
            )
        }
        _ => {
            tr(
                "The sequence was fixed before any result came in: numbers show the order (the first point is 1).",
            )
        }
    });
    let points: Vec<(usize, [f64; 2])> = input
        .study
        .trials
        .iter()
        .filter_map(|t| Some((t.number, frame.xy(&t.point)?)))
        .collect();
    let next = frame.xy(input.proposal);
    let next_number = input
        .study
        .trials
        .iter()
        .map(|t| t.number + 1)
        .max()
        .unwrap_or(0);
    let path: Vec<[f64; 2]> = points.iter().map(|p| p.1).chain(next).collect();
    let text = ui.visuals().text_color();
    if frame.pair().is_none() {
        super::line::order(ui, input, frame, height);
        return;
    }
    pair_plot(ui, "why_order", input, frame, height, |plot| {
        plot.line(
            Line::new(tr("order"), path)
                .color(Color32::from_gray(110))
                .width(1.0),
        );
        let skip = points.len().saturating_sub(LABELLED);
        for (n, p) in points.into_iter().skip(skip) {
            plot.text(
                Text::new(
                    "numbers",
                    PlotPoint::new(p[0], p[1]),
                    egui::RichText::new(format!(" {}", n + 1)).size(14.0),
                )
                .anchor(Align2::LEFT_BOTTOM)
                .color(text),
            );
        }
        if let Some(p) = next {
            plot.text(
                Text::new(
                    tr("next"),
                    PlotPoint::new(p[0], p[1]),
                    egui::RichText::new(format!("  {}", next_number + 1))
                        .size(16.0)
                        .strong(),
                )
                .anchor(Align2::LEFT_BOTTOM)
                .color(PROPOSAL),
            );
        }
    });
}
