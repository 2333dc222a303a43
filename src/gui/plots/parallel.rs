//! Parallel coordinates: one vertical axis per free parameter and one for the value, one
//! polyline per complete trial, coloured by value (bright = better). Log parameters are
//! spaced logarithmically. With many trials only the best [`MAX_LINES`] are drawn, so the
//! picture stays readable and a frame stays cheap; the selected trial is drawn on top.

use super::{Axis, SELECTED, colormap, free_axes, number};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::study::{Study, Trial};
use eframe::egui::{self, Align2, Color32, FontId, Pos2, Sense, Shape, Stroke};

/// Most polylines drawn.
pub const MAX_LINES: usize = 1000;

/// Draw the parallel-coordinates plot, `height` points tall.
pub fn show(ui: &mut egui::Ui, bench: &Workbench, height: f32) {
    let study = bench.study();
    let (axes, index) = free_axes(&study.space);
    ui.strong(tr("Parallel coordinates"));
    let (done, total) = drawn_trials(study);
    if axes.is_empty() || done.is_empty() {
        ui.label(tr("One line per completed trial appears here."));
        return;
    }
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
    let (response, painter) =
        ui.allocate_painter(egui::vec2(ui.available_width(), height), Sense::hover());
    let layout = Layout::new(response.rect, &axes, &index, value_range(&done));
    let weak = ui.visuals().weak_text_color();
    let mut shapes = Vec::with_capacity(done.len() + 2 * layout.xs.len());
    // Colour by rank, not by value: one outlier would otherwise wash every other line out.
    // `done` runs worst to best.
    let ranked = done.len().max(2) - 1;
    for (rank, t) in done.iter().enumerate() {
        let c = colormap(rank as f64 / ranked as f64).gamma_multiply(0.85);
        shapes.push(Shape::line(layout.line(t), Stroke::new(1.0, c)));
    }
    if let Some(t) = bench
        .selection
        .selected
        .and_then(|n| study.trials.iter().find(|t| t.number == n))
    {
        shapes.push(Shape::line(layout.line(t), Stroke::new(3.0, SELECTED)));
    }
    for x in &layout.xs {
        shapes.push(Shape::line_segment(
            [
                Pos2::new(*x, layout.rect.top()),
                Pos2::new(*x, layout.rect.bottom()),
            ],
            Stroke::new(1.0, weak),
        ));
    }
    painter.extend(shapes);
    layout.label_axes(&painter, ui.visuals().text_color(), weak);
}

/// The completed trials to draw, worst first so the best lines end up on top (only the best
/// [`MAX_LINES`] when there are more), and how many completed trials there are in all.
fn drawn_trials(study: &Study) -> (Vec<&Trial>, usize) {
    let mut done: Vec<&Trial> = study
        .trials
        .iter()
        .filter(|t| t.completed_value().is_some())
        .collect();
    let dir = study.direction;
    let loss = |t: &Trial| dir.to_loss(t.completed_value().unwrap_or(f64::NAN));
    let total = done.len();
    if done.len() > MAX_LINES {
        done.select_nth_unstable_by(MAX_LINES, |a, b| loss(a).total_cmp(&loss(b)));
        done.truncate(MAX_LINES);
    }
    // Worst first, so the best lines are drawn on top.
    done.sort_by(|a, b| loss(b).total_cmp(&loss(a)));
    (done, total)
}

/// The smallest and largest value among the drawn trials (the value axis' ends).
fn value_range(done: &[&Trial]) -> (f64, f64) {
    done.iter()
        .filter_map(|t| t.completed_value())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// Where the axes stand on the screen: one per free parameter, then the value's, evenly
/// spread over `rect`.
struct Layout<'a> {
    rect: egui::Rect,
    xs: Vec<f32>,
    axes: &'a [Axis],
    index: &'a [usize],
    vmin: f64,
    vmax: f64,
}

impl<'a> Layout<'a> {
    /// The layout inside `painted` (the painter's whole rectangle, less room for the labels).
    fn new(
        painted: egui::Rect,
        axes: &'a [Axis],
        index: &'a [usize],
        (vmin, vmax): (f64, f64),
    ) -> Self {
        let rect = painted.shrink2(egui::vec2(40.0, 22.0));
        let n_axes = axes.len() + 1;
        let xs = (0..n_axes)
            .map(|i| rect.left() + rect.width() * i as f32 / (n_axes - 1).max(1) as f32)
            .collect();
        Layout {
            rect,
            xs,
            axes,
            index,
            vmin,
            vmax,
        }
    }

    /// A trial's position on axis `k`, from 0 (bottom) to 1 (top), if it has a value there.
    fn unit(&self, t: &Trial, k: usize) -> Option<f64> {
        let (axes, vmin, vmax) = (self.axes, self.vmin, self.vmax);
        if k < axes.len() {
            let v = &t.params.get(self.index[k])?.1;
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
    }

    /// A trial's polyline across the axes.
    fn line(&self, t: &Trial) -> Vec<Pos2> {
        let y_of = |t: f64| self.rect.bottom() - self.rect.height() * t.clamp(0.0, 1.0) as f32;
        (0..self.xs.len())
            .filter_map(|k| self.unit(t, k).map(|u| Pos2::new(self.xs[k], y_of(u))))
            .collect()
    }

    /// Axis `k`'s title and the labels of its bottom and top ends.
    fn ends(&self, k: usize) -> (String, String, String) {
        if k < self.axes.len() {
            let a = &self.axes[k];
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
            (tr("value").to_owned(), number(self.vmin), number(self.vmax))
        }
    }

    /// Every axis' title above it and its ends' labels beside them.
    fn label_axes(&self, painter: &egui::Painter, text: Color32, weak: Color32) {
        let font = FontId::proportional(12.0);
        for (k, x) in self.xs.iter().enumerate() {
            let (title, lo, hi) = self.ends(k);
            painter.text(
                Pos2::new(*x, self.rect.top() - 4.0),
                Align2::CENTER_BOTTOM,
                title,
                font.clone(),
                text,
            );
            let ends = [
                (self.rect.top(), Align2::LEFT_TOP, hi),
                (self.rect.bottom(), Align2::LEFT_BOTTOM, lo),
            ];
            for (y, align, label) in ends {
                painter.text(
                    Pos2::new(*x + 3.0, y),
                    align,
                    label,
                    FontId::proportional(10.0),
                    weak,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Domain, Param, Value};
    use crate::study::Direction;

    fn study(direction: Direction, values: impl Iterator<Item = f64>) -> Study {
        let mut study = Workbench::default_study();
        study.direction = direction;
        study.trials = values
            .enumerate()
            .map(|(i, v)| Trial::complete(i, vec![], vec![], v))
            .collect();
        study
    }

    #[test]
    fn only_the_best_lines_are_drawn_worst_first() {
        let many = study(Direction::Minimize, (0..MAX_LINES + 5).map(|v| v as f64));
        let (done, total) = drawn_trials(&many);
        assert_eq!((done.len(), total), (MAX_LINES, MAX_LINES + 5));
        assert_eq!(done[0].value, Some((MAX_LINES - 1) as f64));
        assert_eq!(done[MAX_LINES - 1].value, Some(0.0));
        let few = study(Direction::Maximize, [2.0, 5.0, 1.0].into_iter());
        let (done, total) = drawn_trials(&few);
        let values: Vec<Option<f64>> = done.iter().map(|t| t.value).collect();
        assert_eq!(values, [Some(1.0), Some(2.0), Some(5.0)]);
        assert_eq!(total, 3);
    }

    #[test]
    fn a_trial_stands_on_each_axis_at_its_share_of_the_range() {
        let axes = [Axis::of(&Param::new(
            "x",
            Domain::Float {
                low: 0.0,
                high: 10.0,
                log: false,
            },
        ))];
        let rect = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(280.0, 144.0));
        let layout = Layout::new(rect, &axes, &[0], (1.0, 5.0));
        assert_eq!(layout.xs, [40.0, 240.0]);
        let t = Trial::complete(0, vec![("x".into(), Value::Float(2.5))], vec![0.25], 2.0);
        assert_eq!(layout.unit(&t, 0), Some(0.25));
        assert_eq!(layout.unit(&t, 1), Some(0.25));
        assert_eq!(
            layout.line(&t),
            [Pos2::new(40.0, 97.0), Pos2::new(240.0, 97.0)]
        );
        assert_eq!(layout.ends(0), ("x".into(), "0".into(), "10".into()));
        assert_eq!(layout.ends(1), ("value".into(), "1".into(), "5".into()));
    }
}
