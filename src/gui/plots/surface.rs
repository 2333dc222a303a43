//! Score surface over two chosen parameters: a heatmap of the GP posterior mean through the
//! best trial (or, before a GP can be fitted, an inverse-distance interpolation of the
//! trials), with the trials on top and the best one marked. Log parameters get log axes.

use super::{Projected, Textures};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::study::Direction;
use eframe::egui;

/// Draw the surface plot, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, textures: &mut Textures, height: f32) {
    let Some((axes, index, params)) = super::pair_header(
        ui,
        bench,
        "Score surface",
        "The surface needs two free parameters.",
    ) else {
        return;
    };
    let (xa, ya) = (&axes[params.x], &axes[params.y]);
    let result = bench.background.view_result.clone();
    let grid = result
        .as_ref()
        .filter(|r| r.params.x == params.x && r.params.y == params.y)
        .and_then(|r| r.surface.clone().map(|g| (g, r.surface_kind, r.revision)));
    let minimise = bench.study().direction == Direction::Minimize;
    let projected = Projected::of_pair(bench, &axes, &index, params);
    match &grid {
        Some((_, kind, _)) => ui.label(fill(
            tr("{}, through the best trial; bright = better"),
            &[&tr(kind)],
        )),
        None if projected.points.is_empty() => {
            ui.label(tr("Press Run: the surface fills in as trials arrive."))
        }
        None => ui.label(tr("computing the surface…")),
    };
    let texture = grid.as_ref().map(|(g, _, rev)| {
        textures.heatmap(
            ui.ctx(),
            "surface",
            super::pair_stamp(*rev, &params),
            g,
            minimise,
        )
    });
    super::heatmap_plot(
        ui,
        bench,
        "surface",
        "surface",
        (xa, ya),
        grid.as_ref().map(|g| &g.0),
        texture.as_ref(),
        &projected,
        minimise,
        height,
    );
}
