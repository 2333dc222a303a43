//! Simulated annealing's reasons: the chain of trials over the x/y parameters with the
//! current state, its neighbourhood and the proposal; the temperature and the step scale over
//! the trials; and a sentence on the last move's fate under the Metropolis rule.

use super::{Frame, MODEL, PROPOSAL, WhyInput, objective_value, pair_plot, short};
use crate::gui::i18n::{fill, tr};
use crate::strategy::explain::AnnealWhy;
use eframe::egui::{self, Color32};
use egui_plot::{Legend, Line, LineStyle, MarkerShape, Plot, Points, VLine};

/// The sentence about the previous move.
pub fn last_move_sentence(why: &AnnealWhy) -> String {
    match &why.last_move {
        None => tr("No move has been judged yet.").to_owned(),
        Some(m) => {
            let delta = m.to_loss - m.from_loss;
            let fate = if m.accepted {
                tr("accepted")
            } else {
                tr("rejected")
            };
            if delta <= 0.0 {
                fill(
                    tr("Last move: Δ = {} (downhill), always {}."),
                    &[&short(delta), &fate],
                )
            } else if m.temperature > 0.0 {
                fill(
                    tr(
                        "Last move: Δ = {} uphill at T = {}: accepted with probability exp(−Δ/T) = {}, and {}.",
                    ),
                    &[
                        &short(delta),
                        &short(m.temperature),
                        &short(m.probability),
                        &fate,
                    ],
                )
            } else {
                fill(
                    tr("Last move: Δ = {} uphill before the temperature is known: {}."),
                    &[&short(delta), &fate],
                )
            }
        }
    }
}

/// Draw the chain and the schedule.
pub fn show(ui: &mut egui::Ui, input: &WhyInput<'_>, frame: &Frame, why: &AnnealWhy, height: f32) {
    ui.label(summary(input, why));
    let path: Vec<[f64; 2]> = input
        .study
        .trials
        .iter()
        .filter_map(|t| frame.xy(&t.point))
        .collect();
    let current = why.current.as_ref().and_then(|(x, _)| frame.xy(x));
    let rings = neighbourhood_rings(frame, why);
    let main = (height * 0.68).max(160.0);
    if frame.pair().is_none() {
        super::line::anneal(ui, input, frame, why, main);
        schedule_plots(ui, why, (height - main - 10.0).max(90.0));
        return;
    }
    pair_plot(ui, "why_anneal", input, frame, main, |plot| {
        plot.line(
            Line::new(tr("chain of trials"), path)
                .color(Color32::from_gray(150))
                .width(1.0),
        );
        for (k, ring) in rings.into_iter().enumerate() {
            plot.line(
                Line::new(tr("neighbourhood 1σ, 2σ"), ring)
                    .color(MODEL)
                    .style(if k == 0 {
                        LineStyle::Solid
                    } else {
                        LineStyle::dashed_loose()
                    }),
            );
        }
        if let Some(c) = current {
            plot.points(
                Points::new(tr("current state"), vec![c])
                    .shape(MarkerShape::Square)
                    .radius(6.0)
                    .color(MODEL),
            );
        }
    });
    schedule_plots(ui, why, (height - main - 10.0).max(90.0));
}

/// The sentence above the plots: how proposals are drawn, the last move's fate and the
/// current state's value.
fn summary(input: &WhyInput<'_>, why: &AnnealWhy) -> String {
    fill(
        tr("The proposal is the current state plus N(0, {}²) per parameter (unit scale). {}{}"),
        &[
            &short(why.scale),
            &last_move_sentence(why),
            &why.current
                .as_ref()
                .map(|(_, l)| {
                    fill(
                        tr(" Current state's value: {}."),
                        &[&short(objective_value(input.study.direction, *l))],
                    )
                })
                .unwrap_or_default(),
        ],
    )
}

/// The neighbourhood's 1σ and 2σ circles around the current state in unit coordinates,
/// mapped to the x/y axes (none before there is a current state).
fn neighbourhood_rings(frame: &Frame, why: &AnnealWhy) -> Vec<Vec<[f64; 2]>> {
    let Some((x, _)) = &why.current else {
        return Vec::new();
    };
    [1.0, 2.0]
        .iter()
        .map(|k| {
            (0..=64)
                .filter_map(|i| {
                    let t = std::f64::consts::TAU * i as f64 / 64.0;
                    let mut u = x.clone();
                    u[frame.params.x] += k * why.scale * t.cos();
                    if frame.params.y < u.len() {
                        u[frame.params.y] += k * why.scale * t.sin();
                    }
                    frame.xy(&u)
                })
                .collect()
        })
        .collect()
}

/// The temperature and the step scale over the trials, side by side, each with a line at now.
fn schedule_plots(ui: &mut egui::Ui, why: &AnnealWhy, height: f32) {
    let now = why.schedule.len().saturating_sub(1) as f64;
    let over_trials = |pick: fn(&(f64, f64)) -> f64| -> Vec<[f64; 2]> {
        why.schedule
            .iter()
            .enumerate()
            .map(|(i, s)| [i as f64, pick(s)])
            .collect()
    };
    ui.columns(2, |cols| {
        let temperature = Line::new(tr("temperature"), over_trials(|s| s.0)).color(PROPOSAL);
        schedule_plot(
            &mut cols[0],
            "why_anneal_temperature",
            tr("temperature"),
            temperature,
            now,
            height,
        );
        let scale = Line::new(tr("step scale"), over_trials(|s| s.1)).color(MODEL);
        schedule_plot(
            &mut cols[1],
            "why_anneal_scale",
            tr("scale"),
            scale,
            now,
            height,
        );
    });
}

/// One quantity of the schedule over the trials (from 0 up), with a line at now.
fn schedule_plot(
    ui: &mut egui::Ui,
    id: &str,
    y_label: &str,
    line: Line<'_>,
    now: f64,
    height: f32,
) {
    Plot::new(id)
        .height(height)
        .x_axis_label(tr("trial"))
        .y_axis_label(y_label)
        .include_y(0.0)
        .legend(Legend::default())
        .show(ui, |plot| {
            plot.line(line);
            plot.vline(VLine::new(tr("now"), now).color(Color32::from_gray(140)));
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::plots::Axis;
    use crate::gui::views::ViewParams;
    use crate::space::{Domain, Param};

    fn frame() -> Frame {
        let unit = |name: &str| {
            Axis::of(&Param::new(
                name,
                Domain::Float {
                    low: 0.0,
                    high: 1.0,
                    log: false,
                },
            ))
        };
        Frame {
            axes: vec![unit("x"), unit("y")],
            index: vec![0, 1],
            params: ViewParams {
                x: 0,
                y: 1,
                slice: 0,
            },
        }
    }

    fn why(current: Option<(Vec<f64>, f64)>) -> AnnealWhy {
        AnnealWhy {
            current,
            schedule: vec![],
            temperature: 1.0,
            scale: 0.1,
            last_move: None,
        }
    }

    #[test]
    fn the_rings_circle_the_current_state_at_one_and_two_scales() {
        let rings = neighbourhood_rings(&frame(), &why(Some((vec![0.5, 0.5], 3.0))));
        assert_eq!(rings.len(), 2);
        for (k, ring) in rings.iter().enumerate() {
            assert_eq!(ring.len(), 65);
            let radius = 0.1 * (k + 1) as f64;
            assert!((ring[0][0] - (0.5 + radius)).abs() < 1e-12);
            for p in ring {
                let r = ((p[0] - 0.5).powi(2) + (p[1] - 0.5).powi(2)).sqrt();
                assert!((r - radius).abs() < 1e-12);
            }
        }
        assert!(neighbourhood_rings(&frame(), &why(None)).is_empty());
    }
}
