//! TPE's reasons along the slice parameter: the good density l(x) and the bad one g(x),
//! their log ratio below on a linked axis, and the candidates drawn from l(x) with the chosen
//! one marked. Categorical parameters get bars per choice.

use super::{Frame, MODEL, PROPOSAL, WhyInput, short};
use crate::gp::acquisition::{norm_cdf, norm_pdf};
use crate::gui::i18n::{fill, tr};
use crate::gui::plots::{Axis, linked_slice_plot};
use crate::strategy::explain::{Candidates, Marginal, TpeWhy};
use eframe::egui::{self, Color32};
use egui_plot::{Bar, BarChart, Corner, Legend, Line, MarkerShape, Points, VLine};

/// Points along a numeric slice.
const STEPS: usize = 200;
/// Colour of the good density l(x).
const GOOD: Color32 = Color32::from_rgb(90, 200, 120);
/// Colour of the bad density g(x).
const BAD: Color32 = Color32::from_rgb(230, 110, 110);

/// The curves of one explanation along one coordinate, computed once per (sequence, slice)
/// rather than every frame (a mixture has a kernel per trial).
#[derive(Default)]
pub struct TpeCache {
    key: Option<(u64, usize)>,
    curves: Option<Curves>,
}

/// l, g and log l − log g along a coordinate.
struct Curves {
    u: Vec<f64>,
    good: Vec<f64>,
    bad: Vec<f64>,
    ratio: Vec<f64>,
    categorical: bool,
}

/// Density of a mixture of normals truncated to [0, 1], or a choice's probability.
pub fn density(m: &Marginal, u: f64) -> f64 {
    match m {
        Marginal::Numeric(ks) => ks
            .iter()
            .map(|&(w, mu, s)| {
                let mass = (norm_cdf((1.0 - mu) / s) - norm_cdf(-mu / s)).max(1e-300);
                w * norm_pdf((u - mu) / s) / (s * mass)
            })
            .sum(),
        Marginal::Categorical(p) => {
            let k = p.len().max(1);
            let i = ((u.clamp(0.0, 1.0) * k as f64) as usize).min(k - 1);
            p.get(i).copied().unwrap_or(0.0)
        }
    }
}

impl Curves {
    fn of(why: &TpeWhy, j: usize) -> Option<Self> {
        let (l, g) = (why.below.get(j)?, why.above.get(j)?);
        let (u, categorical): (Vec<f64>, bool) = match l {
            Marginal::Numeric(_) => (
                (0..=STEPS).map(|i| i as f64 / STEPS as f64).collect(),
                false,
            ),
            Marginal::Categorical(p) => (
                (0..p.len())
                    .map(|i| (i as f64 + 0.5) / p.len() as f64)
                    .collect(),
                true,
            ),
        };
        let good: Vec<f64> = u.iter().map(|&x| density(l, x)).collect();
        let bad: Vec<f64> = u.iter().map(|&x| density(g, x)).collect();
        let ratio = good
            .iter()
            .zip(&bad)
            .map(|(a, b)| a.max(1e-300).ln() - b.max(1e-300).ln())
            .collect();
        Some(Curves {
            u,
            good,
            bad,
            ratio,
            categorical,
        })
    }
}

impl TpeCache {
    /// Draw the densities, the ratio and the candidates along the slice parameter.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        input: &WhyInput<'_>,
        frame: &Frame,
        why: &TpeWhy,
        height: f32,
    ) {
        let j = frame.params.slice;
        let key = (input.sequence, j);
        if self.key != Some(key) {
            self.curves = Curves::of(why, j);
            self.key = Some(key);
        }
        let Some(curves) = &self.curves else {
            ui.label(tr("No densities for this parameter."));
            return;
        };
        let axis = frame.slice_axis();
        let picks = Picks {
            candidates: why.candidates.along(j),
            chosen: input.proposal.get(j).copied(),
            joint: matches!(why.candidates, Candidates::Joint(_)),
        };
        ui.label(summary(axis, why, &picks));
        let link = egui::Id::unique("why_tpe_x");
        let top = (height * 0.55).max(100.0);
        let bottom = (height - top - 8.0).max(70.0);
        densities_plot(ui, curves, axis, &picks, link, top);
        ratio_plot(ui, curves, axis, &picks, link, bottom);
    }
}

/// The candidates along the slice parameter and the one chosen.
struct Picks {
    /// Each candidate's unit coordinate along the slice and its score.
    candidates: Vec<(f64, f64)>,
    /// The proposal's unit coordinate along the slice.
    chosen: Option<f64>,
    /// Whether the scores are joint over all parameters rather than this one's.
    joint: bool,
}

impl Picks {
    /// The chosen candidate's score, when the proposal is one of the candidates.
    fn chosen_score(&self) -> Option<f64> {
        let c = self.chosen?;
        self.candidates.iter().find(|k| k.0 == c).map(|k| k.1)
    }
}

/// The sentence above the plots: where l and g come from, how many candidates there were and
/// by which score the proposal won.
fn summary(axis: &Axis, why: &TpeWhy, picks: &Picks) -> String {
    fill(
        tr(
            "Along {}: l(x) from the {} best trials, g(x) from the other {}. {} candidates were drawn from l(x); the proposal has the highest {}.{}",
        ),
        &[
            &axis.name,
            &why.n_below,
            &why.n_above,
            &picks.candidates.len(),
            &if picks.joint {
                tr("joint log l − log g over all parameters")
            } else {
                tr("log l − log g on this parameter")
            },
            &picks
                .chosen_score()
                .map(|s| fill(tr(" Its score: {}."), &[&short(s)]))
                .unwrap_or_default(),
        ],
    )
}

/// The upper plot: l(x) and g(x) (bars for a categorical), the candidates as ticks on the
/// axis and the proposal as a vertical line.
fn densities_plot(
    ui: &mut egui::Ui,
    curves: &Curves,
    axis: &Axis,
    picks: &Picks,
    link: egui::Id,
    height: f32,
) {
    let at = |u: f64| axis.at(u);
    linked_slice_plot("why_tpe_densities", axis, link, height)
        .y_axis_label(if curves.categorical {
            "probability"
        } else {
            "density"
        })
        .include_x(axis.lo)
        .include_x(axis.hi)
        .include_y(0.0)
        .legend(Legend::default())
        .show(ui, |plot| {
            if curves.categorical {
                plot.bar_chart(bars("l(x) good", curves, &curves.good, axis, -0.2, GOOD));
                plot.bar_chart(bars("g(x) bad", curves, &curves.bad, axis, 0.2, BAD));
            } else {
                plot.line(
                    Line::new(tr("l(x) good"), series(curves, &curves.good, at))
                        .width(2.0)
                        .color(GOOD),
                );
                plot.line(
                    Line::new(tr("g(x) bad"), series(curves, &curves.bad, at))
                        .width(2.0)
                        .color(BAD),
                );
            }
            let ticks: Vec<[f64; 2]> = picks.candidates.iter().map(|c| [at(c.0), 0.0]).collect();
            plot.points(
                Points::new(tr("candidates"), ticks)
                    .shape(MarkerShape::Up)
                    .radius(5.0)
                    .color(MODEL),
            );
            if let Some(c) = picks.chosen {
                plot.vline(VLine::new(tr("proposal"), at(c)).color(PROPOSAL).width(1.5));
            }
        });
}

/// The lower plot: log l − log g along the slice, the candidates at their scores and the
/// chosen one ringed.
fn ratio_plot(
    ui: &mut egui::Ui,
    curves: &Curves,
    axis: &Axis,
    picks: &Picks,
    link: egui::Id,
    height: f32,
) {
    let at = |u: f64| axis.at(u);
    linked_slice_plot("why_tpe_ratio", axis, link, height)
        .x_axis_label(axis.title())
        .y_axis_label(tr("log l − log g"))
        .include_x(axis.lo)
        .include_x(axis.hi)
        .legend(Legend::default().position(Corner::LeftTop))
        .show(ui, |plot| {
            if curves.categorical {
                plot.bar_chart(bars(
                    tr("log l/g on this parameter"),
                    curves,
                    &curves.ratio,
                    axis,
                    0.0,
                    MODEL,
                ));
            } else {
                plot.line(
                    Line::new(
                        tr("log l/g on this parameter"),
                        series(curves, &curves.ratio, at),
                    )
                    .width(2.0)
                    .color(MODEL),
                );
            }
            let scored: Vec<[f64; 2]> = picks.candidates.iter().map(|c| [at(c.0), c.1]).collect();
            plot.points(
                Points::new(
                    if picks.joint {
                        tr("candidates (joint score)")
                    } else {
                        tr("candidates")
                    },
                    scored,
                )
                .radius(3.5)
                .color(Color32::WHITE),
            );
            if let Some(c) = picks.chosen
                && let Some(best) = picks.chosen_score()
            {
                plot.points(
                    Points::new(tr("chosen"), vec![[at(c), best]])
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(8.0)
                        .color(PROPOSAL),
                );
            }
        });
}

fn series(curves: &Curves, values: &[f64], at: impl Fn(f64) -> f64) -> Vec<[f64; 2]> {
    curves
        .u
        .iter()
        .zip(values)
        .filter(|(_, v)| v.is_finite())
        .map(|(u, v)| [at(*u), *v])
        .collect()
}

/// One bar per choice, shifted by `offset` so two charts sit side by side.
fn bars(
    name: &str,
    curves: &Curves,
    values: &[f64],
    axis: &Axis,
    offset: f64,
    colour: Color32,
) -> BarChart {
    let width = if offset == 0.0 { 0.6 } else { 0.38 };
    BarChart::new(
        name,
        curves
            .u
            .iter()
            .zip(values)
            .map(|(u, v)| Bar::new(axis.at(*u) + offset, *v).width(width))
            .collect(),
    )
    .color(colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chosen_score_is_the_proposal_candidates_own() {
        let mut picks = Picks {
            candidates: vec![(0.2, 1.0), (0.7, 3.0)],
            chosen: Some(0.7),
            joint: false,
        };
        assert_eq!(picks.chosen_score(), Some(3.0));
        picks.chosen = Some(0.5);
        assert_eq!(picks.chosen_score(), None);
        picks.chosen = None;
        assert_eq!(picks.chosen_score(), None);
    }
}
