//! Gradient descent's reasons over the x/y parameters: the trajectory of step points, the
//! difference probes, and at x the −gradient direction and the step actually taken.

use super::{Frame, MODEL, PROPOSAL, WhyInput, pair_plot, short};
use crate::gui::i18n::{fill, tr};
use crate::strategy::explain::GradientWhy;
use eframe::egui::{self, Color32};
use egui_plot::{Arrows, Line, MarkerShape, Points};

/// Length of the drawn −gradient arrow, in unit-cube units (its direction is what matters;
/// the step arrow shows the actual length).
const ARROW: f64 = 0.15;

/// Draw the trajectory and the step.
pub fn show(
    ui: &mut egui::Ui,
    input: &WhyInput<'_>,
    frame: &Frame,
    why: &GradientWhy,
    height: f32,
) {
    let norm = why
        .gradient
        .as_ref()
        .map(|g| g.iter().map(|v| v * v).sum::<f64>().sqrt());
    ui.label(match (&why.gradient, &why.step, norm) {
        (Some(_), Some(step), Some(n)) => fill(
            tr("The step from x follows the −gradient (norm {}) with learning rate {}: it moves {} in the unit cube."),
            &[
                &short(n),
                &short(why.learning_rate),
                &short(step.iter().map(|v| v * v).sum::<f64>().sqrt()),
            ],
        ),
        _ if !why.probes.is_empty() => fill(
            tr("{} probes around x estimate the gradient by differences before the next step."),
            &[&why.probes.len()],
        ),
        _ => tr("No gradient yet at this point.").to_owned(),
    });
    // Step points (not probes or scouts) in trial order.
    let trajectory: Vec<[f64; 2]> = input
        .study
        .trials
        .iter()
        .filter(|t| t.label.as_deref().is_some_and(|l| l.starts_with("step")))
        .filter(|t| !t.label.as_deref().is_some_and(|l| l.contains("probe")))
        .filter_map(|t| frame.xy(&t.point))
        .collect();
    let probes: Vec<[f64; 2]> = why.probes.iter().filter_map(|p| frame.xy(p)).collect();
    let x = frame.xy(&why.x);
    let down = why.gradient.as_ref().zip(norm).and_then(|(g, n)| {
        if n <= 0.0 {
            return None;
        }
        let tip: Vec<f64> = why
            .x
            .iter()
            .zip(g)
            .map(|(x, gi)| x - ARROW * gi / n)
            .collect();
        Some((x?, frame.xy(&tip)?))
    });
    let step = why.step.as_ref().and_then(|s| {
        let tip: Vec<f64> = why.x.iter().zip(s).map(|(x, d)| x + d).collect();
        Some((x?, frame.xy(&tip)?))
    });
    if frame.pair().is_none() {
        super::line::gradient(ui, input, frame, why, height);
        return;
    }
    pair_plot(ui, "why_gradient", input, frame, height, |plot| {
        plot.line(
            Line::new(tr("trajectory"), trajectory)
                .color(Color32::from_gray(160))
                .width(1.5),
        );
        plot.points(
            Points::new(tr("probes"), probes)
                .shape(MarkerShape::Plus)
                .radius(5.0)
                .color(Color32::from_rgb(200, 200, 120)),
        );
        if let Some(p) = x {
            plot.points(
                Points::new(tr("x"), vec![p])
                    .shape(MarkerShape::Square)
                    .radius(6.0)
                    .color(MODEL),
            );
        }
        if let Some((from, to)) = down {
            plot.arrows(
                Arrows::new(tr("−gradient (direction)"), vec![from], vec![to])
                    .color(MODEL)
                    .tip_length(10.0),
            );
        }
        if let Some((from, to)) = step {
            plot.arrows(
                Arrows::new(tr("step"), vec![from], vec![to])
                    .color(PROPOSAL)
                    .tip_length(10.0),
            );
        }
    });
}
