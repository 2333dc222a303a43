//! Particle swarm's reasons over the x/y parameters: every particle with its velocity arrow
//! and personal best, the swarm's best, and the moving particle's step highlighted.

use super::{Frame, MODEL, PROPOSAL, WhyInput, pair_plot};
use crate::gui::i18n::{fill, tr};
use crate::gui::plots::BEST;
use crate::strategy::explain::SwarmWhy;
use eframe::egui::{self, Color32};
use egui_plot::{Arrows, MarkerShape, Points};

/// Draw the swarm.
pub fn show(ui: &mut egui::Ui, input: &WhyInput<'_>, frame: &Frame, why: &SwarmWhy, height: f32) {
    let (w, c1, c2) = why.weights;
    ui.label(match why.moving {
        Some(i) => fill(
            tr("Particle {} moves by its new velocity {}·v + {}·r·(own best − x) + {}·r'·(swarm best − x), with r, r' uniform in [0, 1]; arrows: each particle's velocity."),
            &[&(i + 1), &w, &c1, &c2],
        ),
        None => tr("Every particle is waiting for its result, so this point is a Gaussian probe around the swarm's best.").to_owned(),
    });
    let others: Vec<usize> = (0..why.particles.len())
        .filter(|&i| Some(i) != why.moving)
        .collect();
    let positions: Vec<[f64; 2]> = others
        .iter()
        .filter_map(|&i| frame.xy(&why.particles[i].position))
        .collect();
    let (origins, tips): (Vec<[f64; 2]>, Vec<[f64; 2]>) = others
        .iter()
        .filter_map(|&i| {
            let p = &why.particles[i];
            let tip: Vec<f64> = p
                .position
                .iter()
                .zip(&p.velocity)
                .map(|(x, v)| x + v)
                .collect();
            Some((frame.xy(&p.position)?, frame.xy(&tip)?))
        })
        .unzip();
    let bests: Vec<[f64; 2]> = why
        .particles
        .iter()
        .filter_map(|p| frame.xy(p.best.as_ref()?))
        .collect();
    let global = why.global_best.as_ref().and_then(|g| frame.xy(g));
    let step = why
        .previous
        .as_ref()
        .and_then(|p| Some((frame.xy(p)?, frame.xy(input.proposal)?)));
    if frame.pair().is_none() {
        super::line::swarm(ui, input, frame, why, height);
        return;
    }
    pair_plot(ui, "why_swarm", input, frame, height, |plot| {
        plot.arrows(
            Arrows::new(tr("velocities"), origins, tips)
                .color(MODEL)
                .tip_length(8.0),
        );
        plot.points(
            Points::new(tr("particles"), positions)
                .radius(4.0)
                .color(MODEL),
        );
        plot.points(
            Points::new(tr("personal bests"), bests)
                .shape(MarkerShape::Circle)
                .filled(false)
                .radius(5.0)
                .color(Color32::from_rgb(200, 200, 120)),
        );
        if let Some(g) = global {
            plot.points(
                Points::new(tr("swarm best"), vec![g])
                    .shape(MarkerShape::Diamond)
                    .radius(8.0)
                    .color(BEST),
            );
        }
        if let Some((from, to)) = step {
            plot.arrows(
                Arrows::new(tr("this move"), vec![from], vec![to])
                    .color(PROPOSAL)
                    .tip_length(12.0),
            );
            plot.points(
                Points::new(tr("this move"), vec![from])
                    .radius(4.0)
                    .color(PROPOSAL),
            );
        }
    });
}
