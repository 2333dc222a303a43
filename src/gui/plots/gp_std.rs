//! GP posterior standard deviation over two chosen parameters (through the best trial): where
//! the model is unsure, which is where an exploring acquisition will look.

use super::{Projected, Textures};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use eframe::egui;

/// Draw the σ heatmap, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, textures: &mut Textures, height: f32) {
    let Some((axes, index, params)) = super::pair_header(
        ui,
        bench,
        "GP posterior σ",
        "This view needs two free parameters.",
    ) else {
        return;
    };
    let (xa, ya) = (&axes[params.x], &axes[params.y]);
    let result = bench.background.view_result.clone();
    let grid = result
        .as_ref()
        .filter(|r| r.params.x == params.x && r.params.y == params.y)
        .and_then(|r| r.std.clone().map(|g| (g, r.revision, r.gp_trials)));
    match &grid {
        Some((_, _, Some(n))) => ui.label(fill(
            tr("standard deviation of the GP fitted on {} trials, through the best trial; bright = uncertain"),
            &[n],
        )),
        _ => ui.label(super::gp_waiting_note(result.as_deref())),
    };
    let texture = grid.as_ref().map(|(g, rev, _)| {
        textures.heatmap(
            ui.ctx(),
            "gp_std",
            super::pair_stamp(*rev, &params),
            g,
            false,
        )
    });
    let projected = Projected::of_pair(bench, &axes, &index, params);
    super::heatmap_plot(
        ui,
        bench,
        "gp_std",
        "σ",
        (xa, ya),
        grid.as_ref().map(|g| &g.0),
        texture.as_ref(),
        &projected,
        false,
        height,
    );
}
