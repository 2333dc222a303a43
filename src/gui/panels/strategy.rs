//! The strategy picker and each strategy's own settings (population, step sizes, start-up
//! trials, acquisition and its κ/ξ…). A setting the strategy rejects is shown in place, and
//! Run stays disabled until it is fixed.

use crate::gp::{Acquisition, KernelKind};
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::strategy::{STRATEGIES, StrategySpec};
use eframe::egui::{self, DragValue};

/// Draw the strategy section. The settings are edited on a copy and handed to the study
/// editor when they change, so the study (and every view of it) learns of each change.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench) {
    let before = bench.study().strategy.clone();
    let mut spec = before.clone();
    let current = before.name();
    egui::ComboBox::from_label(tr("strategy"))
        .selected_text(current)
        .show_ui(ui, |ui| {
            for (name, about) in STRATEGIES {
                let selected = current == *name;
                if ui
                    .selectable_label(selected, *name)
                    .on_hover_text(tr(about))
                    .clicked()
                    && !selected
                    && let Ok(picked) = StrategySpec::from_name(name)
                {
                    spec = picked;
                }
            }
        });
    egui::Grid::new("strategy_settings")
        .num_columns(2)
        .show(ui, |ui| settings(ui, &mut spec));
    let mut window = bench.study().window.unwrap_or(0);
    ui.horizontal(|ui| {
        let l = ui.label(tr("window"));
        ui.add(DragValue::new(&mut window).range(0..=256).custom_formatter(|v, _| {
            if v == 0.0 { tr("strategy's default").into() } else { format!("{v}") }
        }))
        .on_hover_text(tr("trials outstanding at once; part of the study, so results do not depend on the number of jobs"))
        .labelled_by(l.id);
    });
    bench
        .editor
        .set_window(if window == 0 { None } else { Some(window) });
    if spec != before {
        bench.editor.set_strategy(spec);
    }
    if let Some(e) = bench.editor.strategy_error() {
        ui.colored_label(crate::gui::plots::FAILED, e);
    }
}

/// The acquisition function picker; switching gives the new function its default setting.
/// Shared by this panel and the Step tab, so both offer the same choices.
pub fn acquisition_combo(
    ui: &mut egui::Ui,
    id_salt: &str,
    acquisition: &mut Acquisition,
) -> egui::Response {
    let names = ["LogEI", "EI", "UCB", "PI"];
    let mut which = match acquisition {
        Acquisition::LogEi => 0,
        Acquisition::Ei { .. } => 1,
        Acquisition::Ucb { .. } => 2,
        Acquisition::Pi { .. } => 3,
    };
    let old = which;
    let response = egui::ComboBox::from_id_salt(id_salt)
        .selected_text(names[which])
        .show_ui(ui, |ui| {
            for (k, n) in names.iter().enumerate() {
                ui.selectable_value(&mut which, k, *n);
            }
        })
        .response;
    if which != old {
        *acquisition = match which {
            1 => Acquisition::Ei { xi: 0.01 },
            2 => Acquisition::Ucb { kappa: 2.0 },
            3 => Acquisition::Pi { xi: 0.01 },
            _ => Acquisition::LogEi,
        };
    }
    response
}

/// An optional count edited as a number where 0 means "automatic".
fn optional(ui: &mut egui::Ui, value: &mut Option<usize>, max: usize) -> egui::Response {
    let mut v = value.unwrap_or(0);
    let r = ui.add(
        DragValue::new(&mut v)
            .range(0..=max)
            .custom_formatter(|v, _| {
                if v == 0.0 {
                    tr("auto").into()
                } else {
                    format!("{v}")
                }
            }),
    );
    *value = if v == 0 { None } else { Some(v) };
    r
}

/// One labelled row of the settings grid; the label names the widget for screen readers.
fn setting(ui: &mut egui::Ui, label: &str, add: impl FnOnce(&mut egui::Ui) -> egui::Response) {
    let l = ui.label(label);
    add(ui).labelled_by(l.id);
    ui.end_row();
}

fn settings(ui: &mut egui::Ui, spec: &mut StrategySpec) {
    match spec {
        StrategySpec::Grid { points } => {
            setting(ui, tr("points per parameter"), |ui| {
                ui.add(DragValue::new(points).range(1..=100))
            });
        }
        StrategySpec::Random | StrategySpec::Sobol => {
            ui.label(egui::RichText::new(tr("no settings")).weak());
            ui.end_row();
        }
        StrategySpec::CmaEs {
            sigma0,
            popsize,
            restarts,
        } => {
            setting(ui, tr("σ₀ (step size)"), |ui| {
                ui.add(DragValue::new(sigma0).range(1e-4..=1.0).speed(0.005))
            });
            setting(ui, tr("population λ"), |ui| optional(ui, popsize, 1000));
            setting(ui, tr("IPOP restarts"), |ui| ui.checkbox(restarts, ""));
        }
        StrategySpec::Gp {
            n_startup,
            acquisition,
            kernel,
        } => {
            setting(ui, tr("start-up trials"), |ui| {
                optional(ui, n_startup, 1000)
            });
            let acq_label = ui.label(tr("acquisition"));
            acquisition_combo(ui, "acquisition", acquisition).labelled_by(acq_label.id);
            ui.end_row();
            match acquisition {
                Acquisition::Ei { xi } | Acquisition::Pi { xi } => {
                    setting(ui, tr("ξ (margin)"), |ui| {
                        ui.add(DragValue::new(xi).range(0.0..=10.0).speed(0.001))
                    });
                }
                Acquisition::Ucb { kappa } => {
                    setting(ui, tr("κ (exploration)"), |ui| {
                        ui.add(DragValue::new(kappa).range(0.0..=20.0).speed(0.01))
                    });
                }
                Acquisition::LogEi => {}
            }
            let kernel_label = ui.label(tr("kernel"));
            egui::ComboBox::from_id_salt("kernel")
                .selected_text(match kernel {
                    KernelKind::Matern52 => "Matérn 5/2",
                    KernelKind::Rbf => "RBF",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(kernel, KernelKind::Matern52, tr("Matérn 5/2"));
                    ui.selectable_value(kernel, KernelKind::Rbf, tr("RBF"));
                })
                .response
                .labelled_by(kernel_label.id);
            ui.end_row();
        }
        StrategySpec::Gradient(g) => {
            ui.label(tr("method"));
            ui.label(fill(
                tr("{}, {} gradients"),
                &[&format!("{:?}", g.optimizer), &format!("{:?}", g.estimator)],
            ));
            ui.end_row();
            ui.label(tr("learning rate"));
            ui.add(
                DragValue::new(&mut g.learning_rate)
                    .range(1e-6..=10.0)
                    .speed(0.001),
            );
            ui.end_row();
            setting(ui, tr("difference step"), |ui| {
                ui.add(DragValue::new(&mut g.step).range(1e-8..=0.1).speed(1e-4))
            });
        }
        StrategySpec::Tpe {
            n_startup,
            n_candidates,
            prior_weight,
            multivariate,
        } => {
            setting(ui, tr("start-up trials"), |ui| {
                ui.add(DragValue::new(n_startup).range(0..=1000))
            });
            setting(ui, tr("candidates"), |ui| {
                ui.add(DragValue::new(n_candidates).range(1..=1000))
            });
            setting(ui, tr("prior weight"), |ui| {
                ui.add(DragValue::new(prior_weight).range(0.0..=10.0).speed(0.01))
            });
            setting(ui, tr("multivariate"), |ui| ui.checkbox(multivariate, ""));
        }
        StrategySpec::Pso {
            swarm,
            inertia,
            cognitive,
            social,
            v_max,
        } => {
            setting(ui, tr("swarm size"), |ui| optional(ui, swarm, 1000));
            setting(ui, tr("inertia"), |ui| {
                ui.add(DragValue::new(inertia).range(0.0..=1.5).speed(0.005))
            });
            setting(ui, tr("cognitive"), |ui| {
                ui.add(DragValue::new(cognitive).range(0.0..=4.0).speed(0.01))
            });
            setting(ui, tr("social"), |ui| {
                ui.add(DragValue::new(social).range(0.0..=4.0).speed(0.01))
            });
            setting(ui, tr("max velocity"), |ui| {
                ui.add(DragValue::new(v_max).range(0.001..=1.0).speed(0.005))
            });
        }
        StrategySpec::Anneal {
            budget,
            scale0,
            scale_end,
            t0,
            t_end,
        } => {
            setting(ui, tr("schedule (trials)"), |ui| {
                ui.add(DragValue::new(budget).range(1..=1_000_000))
            });
            setting(ui, tr("initial step"), |ui| {
                ui.add(DragValue::new(scale0).range(1e-4..=1.0).speed(0.005))
            });
            setting(ui, tr("final step"), |ui| {
                ui.add(DragValue::new(scale_end).range(1e-6..=1.0).speed(0.001))
            });
            setting(ui, tr("initial temperature"), |ui| {
                ui.add(DragValue::new(t0).range(1e-6..=100.0).speed(0.01))
            });
            setting(ui, tr("final temperature"), |ui| {
                ui.add(DragValue::new(t_end).range(1e-9..=10.0).speed(0.0001))
            });
        }
    }
}
