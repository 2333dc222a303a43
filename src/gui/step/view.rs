//! The Step tab: Start / Step / Play–Pause with a speed slider / Stop, the proposed point's
//! values, GP-BO's acquisition and κ/ξ (a change re-proposes at once), and the "why this
//! point?" view with its axis pickers. Drawing only; everything it changes goes through the
//! workbench's step methods.

use super::state::{Proposal, RATES};
use super::why::WhyInput;
use crate::gp::Acquisition;
use crate::gui::i18n::{fill, tr};
use crate::gui::mode::Mode;
use crate::gui::plots::{self, FAILED};
use crate::gui::state::Workbench;
use crate::space::Value;
use crate::strategy::{GpSettings, StrategySpec};
use eframe::egui::{self, Button, Key, Modifiers, Slider};

/// Draw the Step tab.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench) {
    let can_step = !bench.is_running() && (bench.is_stepping() || bench.run_blocker().is_none());
    if can_step
        && !bench.step_playing()
        && !ui.ctx().egui_wants_keyboard_input()
        && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::N))
    {
        bench.step_once();
    }
    controls(ui, bench, can_step);
    ui.separator();
    proposal(ui, bench);
    if let Some(text) = last_pruned(bench.study()) {
        ui.label(egui::RichText::new(text).color(ui.visuals().warn_fg_color))
            .on_hover_text(tr(
                "the pruner's decision replayed against the trials finished before this one",
            ));
    }
    gp_settings(ui, bench);
    ui.separator();
    why(ui, bench);
}

fn controls(ui: &mut egui::Ui, bench: &mut Workbench, can_step: bool) {
    let active = bench.is_stepping();
    let playing = bench.step_playing();
    ui.horizontal(|ui| {
        ui.strong(tr("Step mode"));
        if !active
            && ui
                .add_enabled(can_step, Button::new(tr("Start")))
                .on_hover_text(tr(
                    "propose the next point and show why, without evaluating it",
                ))
                .clicked()
        {
            bench.step_start();
        }
        if ui
            .add_enabled(can_step && !playing, Button::new(tr("Step")))
            .on_hover_text(tr("evaluate the proposed point, then propose the next (N)"))
            .clicked()
        {
            bench.step_once();
        }
        if playing {
            if ui.button(tr("Pause")).clicked() {
                bench.step_pause();
            }
        } else if ui
            .add_enabled(can_step, Button::new(tr("Play")))
            .on_hover_text(tr("keep stepping at the chosen speed"))
            .clicked()
        {
            bench.step_play();
        }
        let mut rate = bench.step.rate;
        if ui
            .add(
                Slider::new(&mut rate, RATES)
                    .logarithmic(true)
                    .max_decimals(1)
                    .text(tr("trials/s")),
            )
            .changed()
        {
            bench.step_set_rate(rate);
        }
        if ui
            .add_enabled(active, Button::new(tr("Stop")))
            .on_hover_text(tr("end step mode; the trials stay in the study"))
            .clicked()
        {
            bench.step_stop();
        }
        ui.label(tr(&bench.step.status));
    });
    if bench.is_running() {
        ui.label(
            egui::RichText::new(tr(
                "A run is going on: step mode is available when it ends.",
            ))
            .weak(),
        );
    } else if let Some(why) = bench.run_blocker().filter(|_| !active) {
        ui.colored_label(FAILED, fill(tr("cannot step: {}"), &[&why]));
    }
    if let Some(failure) = &bench.step.failure {
        ui.colored_label(FAILED, fill(tr("Step mode failed: {}"), &[failure]));
    }
}

/// A parameter value as the step view shows it: numbers short, choices as they are.
/// The pruner's reason in words when the latest finished trial was pruned, so a step that
/// ends early says why ("trial 14 stopped at step 3: its best 0.71 is below the median …").
fn last_pruned(study: &crate::study::Study) -> Option<String> {
    let last = study
        .trials
        .iter()
        .filter(|t| t.state != crate::study::TrialState::Running)
        .max_by_key(|t| t.number)?;
    crate::pruner::explain(study, last.number)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Float(x) => plots::number(*x),
        other => other.to_string(),
    }
}

fn proposal(ui: &mut egui::Ui, bench: &Workbench) {
    let stepper = bench.stepper();
    let Some(p) = stepper.and_then(|s| s.proposal()) else {
        let text = match (stepper.and_then(|s| s.evaluating()), stepper.is_some()) {
            (Some(n), _) => fill(tr("Evaluating trial {}…"), &[&n]),
            (None, true) => tr("Proposing…").to_owned(),
            (None, false) => tr("Start proposes the study's next point and shows why it was chosen; Step (or N) evaluates it and proposes the next. The trials join the study.").to_owned(),
        };
        ui.label(text);
        return;
    };
    ui.horizontal(|ui| {
        ui.strong(fill(
            tr("Next: trial {} of {}"),
            &[&p.number, &bench.study().budget],
        ));
        ui.label(fill(tr("proposed by {}"), &[&p.spec.name()]));
        if let Some(label) = &p.suggestion.label {
            ui.label(egui::RichText::new(crate::gui::i18n::tr_trial_label(label)).italics());
        }
        if !stepper.is_some_and(|s| s.proposal_is_current()) {
            ui.label(egui::RichText::new(tr("re-proposing with the new settings…")).weak());
        }
    });
    params_grid(ui, p);
}

fn params_grid(ui: &mut egui::Ui, p: &Proposal) {
    egui::Grid::new("step_proposal")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (name, value) in &p.params {
                ui.label(name);
                ui.monospace(value_text(value));
                ui.end_row();
            }
        });
}

/// GP-BO's acquisition and its κ or ξ, editing the study's strategy; a change re-proposes
/// the pending point at once.
fn gp_settings(ui: &mut egui::Ui, bench: &mut Workbench) {
    let editable = !bench.is_running();
    let before = bench.study().strategy.clone();
    let mut spec = before.clone();
    let StrategySpec::Gp(GpSettings { acquisition, .. }) = &mut spec else {
        return;
    };
    ui.add_enabled_ui(editable, |ui| {
        ui.horizontal(|ui| {
            let l = ui.label(tr("acquisition"));
            crate::gui::panels::strategy::acquisition_combo(ui, "step_acquisition", acquisition)
                .labelled_by(l.id);
            match acquisition {
                Acquisition::Ucb { kappa } => {
                    ui.add(Slider::new(kappa, 0.0..=10.0).text(tr("κ")))
                        .on_hover_text(tr(
                            "exploration weight: larger trusts the uncertainty more",
                        ));
                }
                Acquisition::Ei { xi } | Acquisition::Pi { xi } => {
                    ui.add(
                        Slider::new(xi, 0.0..=1.0)
                            .logarithmic(true)
                            .smallest_positive(1e-4)
                            .text(tr("ξ")),
                    )
                    .on_hover_text(tr("improvement margin: larger explores more"));
                }
                Acquisition::LogEi => {
                    ui.label(egui::RichText::new(tr("no setting")).weak());
                }
            }
        });
    });
    if spec != before {
        bench.step_set_strategy(spec);
    }
}

fn why(ui: &mut egui::Ui, bench: &mut Workbench) {
    let (axes, _) = plots::free_axes(&bench.study().space);
    let names: Vec<String> = axes.iter().map(|a| a.name.clone()).collect();
    ui.horizontal(|ui| {
        ui.strong(tr("Why this point?"));
        if names.len() >= 2 {
            plots::param_picker(ui, tr("x"), &names, &mut bench.view.params.x);
            plots::param_picker(ui, tr("y"), &names, &mut bench.view.params.y);
        }
        if !names.is_empty() {
            plots::param_picker(ui, tr("1-D"), &names, &mut bench.view.params.slice);
        }
    });
    let axes = bench.view.params.fitted(names.len());
    // Fields, not methods: the proposal is read while the why-view's cache is written.
    let proposal = match &bench.mode {
        Mode::Stepping(stepper) => stepper.proposal(),
        _ => None,
    };
    let Some(p) = proposal else {
        return;
    };
    match &p.explanation {
        Some(explanation) => {
            let input = WhyInput {
                space: &bench.editor.study().space,
                study: bench.editor.study(),
                proposal: &p.suggestion.point,
                explanation,
                axes,
                sequence: bench.step.sequence,
            };
            bench.step.why.show(ui, &input);
        }
        None => {
            ui.label(
                egui::RichText::new(fill(
                    tr("No explanation: {} does not say why it chose this point."),
                    &[&p.spec.name()],
                ))
                .weak(),
            );
        }
    }
}
