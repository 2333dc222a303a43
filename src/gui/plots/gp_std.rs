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
        _ => ui.label(
            result
                .as_ref()
                .map(|r| r.note.clone())
                .filter(|n| !n.is_empty())
                .map(|n| tr(&n).to_owned())
                .unwrap_or_else(|| tr("The GP views appear after three completed trials.").into()),
        ),
    };
    let texture = grid.as_ref().map(|(g, rev, _)| {
        let stamp = rev.wrapping_mul(1009) ^ ((params.x as u64) << 48) ^ ((params.y as u64) << 56);
        textures.heatmap(ui.ctx(), "gp_std", stamp, g, false)
    });
    let projected = Projected::of(
        bench.study(),
        bench.selection.selected,
        (xa, index[params.x]),
        (ya, index[params.y]),
    );
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
