//! Leave-one-out diagnostics: each trial's observed value against the GP's prediction from
//! the other trials, with its 95% interval, and the share of trials inside, so a user sees
//! when the surrogate's other views should not be trusted.

use super::worker::Explained;
use crate::explain::diagnostics::{LooPoint, Z95};
use crate::gui::i18n::{fill, tr};
use crate::gui::plots::FAILED;
use eframe::egui::{self, Color32};
use egui_plot::{Legend, Line, Plot, Points};

/// Below this share inside the 95% intervals the view warns that the GP is overconfident.
pub const WARN_BELOW: f64 = 0.8;

/// Draw the predicted-against-observed plot.
pub fn show(ui: &mut egui::Ui, e: &Explained, height: f32) {
    let d = &e.diagnostics;
    let n = d.points.len();
    let inside = d.points.iter().filter(|p| p.inside()).count();
    ui.label(fill(
        tr("leave-one-out: {} of {} trials ({}) inside their 95% interval; RMSE {}; correlation {}"),
        &[
            &inside,
            &n,
            &format!("{:.0}%", 100.0 * d.inside),
            &crate::gui::plots::number(d.rmse),
            &format!("{:.2}", d.correlation),
        ],
    ));
    if d.inside < WARN_BELOW {
        ui.colored_label(
            FAILED,
            tr("Fewer than 80% inside: the GP is overconfident here; read its surface, slices and importances as rough."),
        );
    }
    let (lo, hi) = d
        .points
        .iter()
        .flat_map(|p| [p.observed, p.mean - Z95 * p.sd, p.mean + Z95 * p.sd])
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let in_colour = Color32::from_rgb(100, 150, 255);
    Plot::new("surrogate_loo")
        .height(height - 24.0)
        .data_aspect(1.0)
        .legend(Legend::default())
        .x_axis_label(tr("observed"))
        .y_axis_label(tr("predicted (leave-one-out)"))
        .show(ui, |plot| {
            if lo.is_finite() && hi.is_finite() {
                plot.line(
                    Line::new(tr("predicted = observed"), vec![[lo, lo], [hi, hi]])
                        .color(Color32::GRAY),
                );
            }
            for p in &d.points {
                let colour = if p.inside() { in_colour } else { FAILED };
                plot.line(
                    Line::new(
                        tr("95% interval"),
                        vec![
                            [p.observed, p.mean - Z95 * p.sd],
                            [p.observed, p.mean + Z95 * p.sd],
                        ],
                    )
                    .color(colour.gamma_multiply(0.6)),
                );
            }
            let (ins, outs): (Vec<&LooPoint>, Vec<&LooPoint>) =
                d.points.iter().partition(|p| p.inside());
            plot.points(
                Points::new(
                    tr("inside"),
                    ins.iter().map(|p| [p.observed, p.mean]).collect::<Vec<_>>(),
                )
                .radius(3.5)
                .color(in_colour),
            );
            plot.points(
                Points::new(
                    tr("outside"),
                    outs.iter()
                        .map(|p| [p.observed, p.mean])
                        .collect::<Vec<_>>(),
                )
                .radius(3.5)
                .color(FAILED),
            );
        });
}
