//! Parallel coordinates: one vertical axis per free parameter and one for the value, one
//! polyline per complete trial, coloured by value (bright = better). Log parameters are
//! spaced logarithmically. With many trials only the best [`MAX_LINES`] are drawn, so the
//! picture stays readable and a frame stays cheap; the selected trial is drawn on top.

use super::{SELECTED, colormap, free_axes, number};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::study::Trial;
use eframe::egui::{self, Align2, FontId, Pos2, Sense, Shape, Stroke};

/// Most polylines drawn.
pub const MAX_LINES: usize = 1000;

/// Draw the parallel-coordinates plot, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &Workbench, height: f32) {
    let study = bench.study();
    let (axes, index) = free_axes(&study.space);
    ui.strong(tr("Parallel coordinates"));
    let mut done: Vec<&Trial> = study
        .trials
        .iter()
        .filter(|t| t.completed_value().is_some())
        .collect();
    if axes.is_empty() || done.is_empty() {
        ui.label(tr("One line per completed trial appears here."));
        return;
    }
    let dir = study.direction;
    let loss = |t: &Trial| dir.to_loss(t.completed_value().unwrap_or(f64::NAN));
    let total = done.len();
    if done.len() > MAX_LINES {
        done.select_nth_unstable_by(MAX_LINES, |a, b| loss(a).total_cmp(&loss(b)));
        done.truncate(MAX_LINES);
    }
    // Worst first, so the best lines are drawn on top.
    done.sort_by(|a, b| loss(b).total_cmp(&loss(a)));
    ui.label(if total > MAX_LINES {
        fill(
            tr("the best {} of {} trials, coloured by rank; bright = better"),
            &[&MAX_LINES, &total],
        )
    } else {
        fill(
            tr("{} trials, coloured by rank; bright = better"),
            &[&total],
        )
    });
    let (vmin, vmax) = done
        .iter()
        .filter_map(|t| t.completed_value())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let (response, painter) =
        ui.allocate_painter(egui::vec2(ui.available_width(), height), Sense::hover());
    let rect = response.rect.shrink2(egui::vec2(40.0, 22.0));
    let n_axes = axes.len() + 1;
    let xs: Vec<f32> = (0..n_axes)
        .map(|i| rect.left() + rect.width() * i as f32 / (n_axes - 1).max(1) as f32)
        .collect();
    let y_of = |t: f64| rect.bottom() - rect.height() * t.clamp(0.0, 1.0) as f32;
    let text = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();
    let font = FontId::proportional(12.0);
    let unit = |t: &Trial, k: usize| -> Option<f64> {
        if k < axes.len() {
            let v = &t.params.get(index[k])?.1;
            let p = axes[k].of_value(v)?;
            Some((p - axes[k].lo) / (axes[k].hi - axes[k].lo))
        } else {
            let v = t.completed_value()?;
            Some(if vmax > vmin {
                (v - vmin) / (vmax - vmin)
            } else {
                0.5
            })
        }
    };
    let line = |t: &Trial| -> Vec<Pos2> {
        (0..n_axes)
            .filter_map(|k| unit(t, k).map(|u| Pos2::new(xs[k], y_of(u))))
            .collect()
    };
    let mut shapes = Vec::with_capacity(done.len() + 2 * n_axes);
    // Colour by rank, not by value: one outlier would otherwise wash every other line out.
    // `done` runs worst to best.
    let ranked = done.len().max(2) - 1;
    for (rank, t) in done.iter().enumerate() {
        let c = colormap(rank as f64 / ranked as f64).gamma_multiply(0.85);
        shapes.push(Shape::line(line(t), Stroke::new(1.0, c)));
    }
    if let Some(t) = bench
        .selection
        .selected
        .and_then(|n| study.trials.iter().find(|t| t.number == n))
    {
        shapes.push(Shape::line(line(t), Stroke::new(3.0, SELECTED)));
    }
    for x in &xs {
        shapes.push(Shape::line_segment(
            [Pos2::new(*x, rect.top()), Pos2::new(*x, rect.bottom())],
            Stroke::new(1.0, weak),
        ));
    }
    painter.extend(shapes);
    for (k, x) in xs.iter().enumerate() {
        let (title, lo, hi) = if k < axes.len() {
            let a = &axes[k];
            let (lo, hi) = if a.choices.is_empty() {
                (a.label(a.lo), a.label(a.hi))
            } else {
                (
                    a.choices.first().cloned().unwrap_or_default(),
                    a.choices.last().cloned().unwrap_or_default(),
                )
            };
            (a.title(), lo, hi)
        } else {
            (tr("value").to_owned(), number(vmin), number(vmax))
        };
        painter.text(
            Pos2::new(*x, rect.top() - 4.0),
            Align2::CENTER_BOTTOM,
            title,
            font.clone(),
            text,
        );
        painter.text(
            Pos2::new(*x + 3.0, rect.top()),
            Align2::LEFT_TOP,
            hi,
            FontId::proportional(10.0),
            weak,
        );
        painter.text(
            Pos2::new(*x + 3.0, rect.bottom()),
            Align2::LEFT_BOTTOM,
            lo,
            FontId::proportional(10.0),
            weak,
        );
    }
}
