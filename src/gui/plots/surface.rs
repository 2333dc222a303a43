//! Score surface over two chosen parameters: a heatmap of the GP posterior mean through the
//! best trial (or, before a GP can be fitted, an inverse-distance interpolation of the
//! trials), with the trials on top and the best one marked. Log parameters get log axes.

use super::{Projected, Textures, free_axes};
use crate::gui::state::Workbench;
use crate::study::Direction;
use eframe::egui;
use egui_plot::{HoverPosition, Plot};

/// Draw the surface plot, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, textures: &mut Textures, height: f32) {
    let (axes, index) = free_axes(&bench.study.space);
    ui.horizontal(|ui| {
        ui.strong("Score surface");
        if axes.len() >= 2 {
            let names: Vec<String> = axes.iter().map(|a| a.name.clone()).collect();
            super::param_picker(ui, "x", &names, &mut bench.view.params.x);
            super::param_picker(ui, "y", &names, &mut bench.view.params.y);
        }
    });
    if axes.len() < 2 {
        ui.label("The surface needs two free parameters.");
        return;
    }
    let params = bench.view.params.fitted(axes.len());
    let (xa, ya) = (&axes[params.x], &axes[params.y]);
    let result = bench.view_result.clone();
    let grid = result
        .as_ref()
        .filter(|r| r.params.x == params.x && r.params.y == params.y)
        .and_then(|r| r.surface.clone().map(|g| (g, r.surface_kind, r.revision)));
    let minimise = bench.study.direction == Direction::Minimize;
    let projected = Projected::of(
        &bench.study,
        bench.selected,
        (xa, index[params.x]),
        (ya, index[params.y]),
    );
    match &grid {
        Some((_, kind, _)) => ui.label(format!("{kind}, through the best trial; bright = better")),
        None if projected.points.is_empty() => {
            ui.label("Press Run: the surface fills in as trials arrive.")
        }
        None => ui.label("computing the surface…"),
    };
    let texture = grid.as_ref().map(|(g, _, rev)| {
        let stamp = rev.wrapping_mul(1009) ^ ((params.x as u64) << 48) ^ ((params.y as u64) << 56);
        textures.heatmap(ui.ctx(), "surface", stamp, g, minimise)
    });
    let (fx, fy) = (xa.formatter(), ya.formatter());
    let (hx, hy) = (xa.clone(), ya.clone());
    let hover_grid = grid.as_ref().map(|(g, _, _)| g.clone());
    ui.horizontal(|ui| {
        let width = (ui.available_width() - 70.0).max(100.0);
        let response = Plot::new("surface")
            .height(height)
            .width(width)
            .x_axis_label(xa.title())
            .y_axis_label(ya.title())
            .x_axis_formatter(fx)
            .y_axis_formatter(fy)
            .include_x(xa.lo)
            .include_x(xa.hi)
            .include_y(ya.lo)
            .include_y(ya.hi)
            .label_formatter(move |pos| {
                let p = match pos {
                    HoverPosition::NearDataPoint { position, .. } => *position,
                    HoverPosition::Elsewhere { position } => *position,
                };
                let mut s = format!(
                    "{} = {}\n{} = {}",
                    hx.name,
                    hx.label(p.x),
                    hy.name,
                    hy.label(p.y)
                );
                if let Some(v) = hover_grid
                    .as_ref()
                    .and_then(|g| super::grid_value(g, &hx, &hy, p))
                {
                    s += &format!("\nsurface {}", super::number(v));
                }
                Some(s)
            })
            .show(ui, |plot| {
                if let Some(t) = &texture {
                    plot.image(super::heatmap_image("surface", t, xa, ya));
                }
                projected.draw(plot);
            });
        if response.response.clicked()
            && let Some(pointer) = response.response.interact_pointer_pos()
        {
            let hit = projected.nearest(&response.transform, pointer);
            bench.select(hit);
        }
        if let Some((g, _, _)) = &grid {
            super::colour_bar(ui, g.min, g.max, minimise, height);
        }
    });
}
