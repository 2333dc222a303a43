//! Drawing the workbench: run bar, study panel, convergence plot and trial table.

use super::state::{RunState, Workbench};
use crate::objective::{ObjectiveSpec, SyntheticFn};
use crate::runner::Command;
use crate::strategy::{STRATEGIES, StrategySpec};
use eframe::egui;
use egui_plot::{Line, Plot, Points};
use std::path::PathBuf;
use std::time::Duration;

/// Time per frame the UI may spend applying runner events, so a flood of fast trials never
/// stalls drawing.
const EVENT_BUDGET: Duration = Duration::from_millis(4);

/// The eframe application.
pub struct KnobsApp {
    /// Everything the window shows and controls.
    pub bench: Workbench,
}

impl KnobsApp {
    /// The app on a session file, or on the default study.
    pub fn new(cc: &eframe::CreationContext<'_>, session: Option<PathBuf>, autorun: bool) -> Self {
        let mut bench = Workbench::new(Workbench::default_study());
        if let Some(path) = session {
            bench.open(&path);
        }
        if autorun {
            let ctx = cc.egui_ctx.clone();
            bench.run(Some(Box::new(move || ctx.request_repaint())));
        }
        KnobsApp { bench }
    }

    /// Draw one frame into `ui` (also used by the UI tests).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.bench.drain_events(EVENT_BUDGET);
        let ctx = ui.ctx().clone();
        egui::Panel::top("run_bar").show(ui, |ui| self.run_bar(ui, &ctx));
        egui::Panel::left("study")
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.study_panel(ui));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            convergence_plot(ui, &self.bench);
            ui.separator();
            trial_table(ui, &self.bench);
        });
    }

    fn run_bar(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) {
        ui.horizontal(|ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open session…").clicked()
                    && let Some(path) = rfd::FileDialog::new()
                        .add_filter("Knobs session", &["ron"])
                        .pick_file()
                {
                    self.bench.open(&path);
                }
                if ui.button("Save session as…").clicked()
                    && let Some(path) = rfd::FileDialog::new()
                        .add_filter("Knobs session", &["ron"])
                        .set_file_name("study.ron")
                        .save_file()
                {
                    self.bench.save(&path);
                }
            });
            ui.separator();
            let running = self.bench.is_running();
            if ui.add_enabled(!running, egui::Button::new("Run")).clicked() {
                let ctx = ctx.clone();
                self.bench
                    .run(Some(Box::new(move || ctx.request_repaint())));
            }
            match self.bench.state {
                RunState::Paused => {
                    if ui.button("Resume").clicked() {
                        self.bench.command(Command::Resume);
                    }
                }
                _ => {
                    if ui
                        .add_enabled(running, egui::Button::new("Pause"))
                        .clicked()
                    {
                        self.bench.command(Command::Pause);
                    }
                }
            }
            if ui.add_enabled(running, egui::Button::new("Stop")).clicked() {
                self.bench.command(Command::Stop);
            }
            ui.separator();
            let done = self.bench.finished_trials();
            ui.add(
                egui::ProgressBar::new(done as f32 / self.bench.study.budget.max(1) as f32)
                    .desired_width(160.0)
                    .text(format!("{done} / {}", self.bench.study.budget)),
            );
            if let Some(best) = self.bench.study.best_trial().and_then(|t| t.value) {
                ui.label(format!("best {best:.6}"));
            }
            if let Some(s) = self.bench.elapsed() {
                ui.label(format!("{s:.1} s"));
            }
            ui.label(&self.bench.status);
        });
    }

    fn study_panel(&mut self, ui: &mut egui::Ui) {
        let editable = !self.bench.is_running();
        ui.add_enabled_ui(editable, |ui| {
            ui.heading("Study");
            let study = &mut self.bench.study;
            // Model and command objectives come from the command line or a session for now;
            // the combo box shows their label and offers the synthetic functions.
            let function = match &study.objective {
                ObjectiveSpec::Synthetic { function, .. } => Some(*function),
                _ => None,
            };
            let selected = match function {
                Some(f) => f.name().to_owned(),
                None => study.objective.label(),
            };
            egui::ComboBox::from_label("objective")
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    for f in SyntheticFn::ALL {
                        let current = Some(f) == function;
                        if ui.selectable_label(current, f.name()).clicked() && !current {
                            study.objective = ObjectiveSpec::Synthetic {
                                function: f,
                                dims: None,
                            };
                            if let Ok(o) = study.objective.build() {
                                study.space = o.default_space();
                                study.direction = o.direction();
                            }
                            study.trials.clear();
                        }
                    }
                });
            egui::ComboBox::from_label("strategy")
                .selected_text(study.strategy.name())
                .show_ui(ui, |ui| {
                    for (name, about) in STRATEGIES {
                        let selected = study.strategy.name() == *name;
                        if ui
                            .selectable_label(selected, *name)
                            .on_hover_text(*about)
                            .clicked()
                            && !selected
                            && let Ok(spec) = StrategySpec::from_name(name)
                        {
                            study.strategy = spec;
                        }
                    }
                });
            if let StrategySpec::Grid { points } = &mut study.strategy {
                ui.add(egui::Slider::new(points, 1..=50).text("grid points"));
            }
            ui.add(
                egui::Slider::new(&mut study.budget, 1..=5000)
                    .logarithmic(true)
                    .text("budget"),
            );
            ui.add(egui::DragValue::new(&mut study.seed).prefix("seed "));
            ui.add(egui::Slider::new(&mut self.bench.jobs, 1..=16).text("jobs"));
            ui.separator();
            ui.heading("Parameters");
            egui::Grid::new("params").striped(true).show(ui, |ui| {
                for p in self.bench.study.space.params() {
                    ui.label(&p.name);
                    ui.label(p.domain.describe());
                    ui.end_row();
                }
            });
        });
    }
}

impl eframe::App for KnobsApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

fn convergence_plot(ui: &mut egui::Ui, bench: &Workbench) {
    let study = &bench.study;
    let values: Vec<[f64; 2]> = study
        .trials
        .iter()
        .filter_map(|t| t.completed_value().map(|v| [t.number as f64 + 1.0, v]))
        .collect();
    let best: Vec<[f64; 2]> = study
        .best_so_far()
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.map(|b| [i as f64 + 1.0, b]))
        .collect();
    ui.label("Convergence: every trial's value and the best so far");
    Plot::new("convergence")
        .height(ui.available_height() * 0.55)
        .x_axis_label("trial")
        .y_axis_label("value")
        .legend(egui_plot::Legend::default())
        .show(ui, |plot| {
            plot.points(Points::new("trials", values).radius(2.5));
            plot.line(Line::new("best so far", best).width(2.0));
        });
}

fn trial_table(ui: &mut egui::Ui, bench: &Workbench) {
    let study = &bench.study;
    let names: Vec<&str> = study
        .space
        .params()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::vertical().show_rows(ui, row_height, study.trials.len() + 1, |ui, rows| {
        egui::Grid::new("trials").striped(true).show(ui, |ui| {
            for row in rows {
                if row == 0 {
                    for h in ["#", "state", "value", "seconds"] {
                        ui.strong(h);
                    }
                    for n in &names {
                        ui.strong(*n);
                    }
                    ui.end_row();
                    continue;
                }
                let t = &study.trials[row - 1];
                ui.label(t.number.to_string());
                match t.failure() {
                    Some(reason) => {
                        ui.colored_label(egui::Color32::RED, "failed")
                            .on_hover_text(reason);
                    }
                    None if t.value.is_none() => {
                        ui.label("running");
                    }
                    None => {
                        ui.label("complete");
                    }
                }
                ui.label(t.value.map(|v| format!("{v:.6}")).unwrap_or_default());
                ui.label(format!("{:.3}", t.duration));
                for (_, v) in &t.params {
                    ui.label(match v.as_f64() {
                        Some(x) => format!("{x:.4}"),
                        None => v.to_string(),
                    });
                }
                ui.end_row();
            }
        });
    });
}
