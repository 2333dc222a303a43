//! The objective editor: a synthetic test function, or a model tuned on a dataset (bundled or
//! a CSV file opened through a dialog) with its target, task, model, metric and folds.
//!
//! Every edit builds the objective before it replaces the study's, so a bad file or a model
//! that does not fit the task shows its error in place and the study keeps what worked.

use crate::data::{BUNDLED, Dataset, LoadOptions, Target, Task};
use crate::gui::app::Action;
use crate::gui::state::Workbench;
use crate::models::{KernelKind, Metric, ModelSpec};
use crate::objective::{DatasetSource, FoldSpec, ModelTask, ObjectiveSpec, SyntheticFn};
use eframe::egui;

/// Rows shown in the data preview.
const PREVIEW_ROWS: usize = 5;

/// What the panel shows about a dataset, loaded once per source, target and task (the
/// load happens when one of those changes, never on an ordinary frame).
#[derive(Clone, Debug)]
pub struct DatasetPreview {
    key: (DatasetSource, Option<String>, Option<Task>),
    /// The summary, or the loading error with its file, line and column.
    pub result: Result<DatasetSummary, String>,
}

/// A loaded dataset's shape and first rows.
#[derive(Clone, Debug)]
pub struct DatasetSummary {
    /// Feature columns, then the target.
    pub columns: Vec<String>,
    /// The first rows, formatted.
    pub rows: Vec<Vec<String>>,
    /// Number of rows.
    pub n_samples: usize,
    /// The inferred or chosen task.
    pub task: Task,
    /// Number of classes, for classification.
    pub classes: Option<usize>,
}

impl DatasetPreview {
    /// Load `task`'s dataset and summarise it.
    pub fn load(task: &ModelTask) -> Self {
        let key = (task.dataset.clone(), task.target.clone(), task.task);
        let options = LoadOptions {
            target: task.target.clone(),
            task: task.task,
        };
        let loaded = match &task.dataset {
            DatasetSource::Bundled(name) => Dataset::bundled(name),
            DatasetSource::File(path) => Dataset::from_path(path, &options),
        };
        let result = loaded.map(|d| summarise(&d)).map_err(|e| e.to_string());
        DatasetPreview { key, result }
    }

    fn is_for(&self, task: &ModelTask) -> bool {
        self.key == (task.dataset.clone(), task.target.clone(), task.task)
    }
}

fn summarise(d: &Dataset) -> DatasetSummary {
    let mut columns = d.feature_names().to_vec();
    columns.push("target".into());
    let x = d.x();
    let rows = (0..d.n_samples().min(PREVIEW_ROWS))
        .map(|i| {
            let mut row: Vec<String> = x.row(i).iter().map(|v| format!("{v:.4}")).collect();
            row.push(match d.target() {
                Target::Classes(c) => c.names()[c.labels()[i]].clone(),
                Target::Values(v) => format!("{:.4}", v[i]),
            });
            row
        })
        .collect();
    DatasetSummary {
        columns,
        rows,
        n_samples: d.n_samples(),
        task: d.task(),
        classes: match d.target() {
            Target::Classes(c) => Some(c.n_classes()),
            Target::Values(_) => None,
        },
    }
}

/// Draw the objective editor.
pub fn show(ui: &mut egui::Ui, bench: &mut Workbench, actions: &mut Vec<Action>) {
    let editable = bench.space_editable();
    ui.add_enabled_ui(editable, |ui| {
        let is_model = matches!(bench.study.objective, ObjectiveSpec::Model { .. });
        let is_synthetic = matches!(bench.study.objective, ObjectiveSpec::Synthetic { .. });
        ui.horizontal(|ui| {
            if ui.selectable_label(is_synthetic, "test function").clicked() && !is_synthetic {
                apply(bench, ObjectiveSpec::default());
            }
            if ui.selectable_label(is_model, "model on data").clicked() && !is_model {
                let task = ModelTask::new(
                    DatasetSource::Bundled("moons".into()),
                    ModelSpec::Svc {
                        kernel: KernelKind::Rbf,
                    },
                );
                apply(bench, ObjectiveSpec::from_model_task(task));
            }
        });
        match bench.study.objective.clone() {
            ObjectiveSpec::Synthetic { function, dims } => synthetic(ui, bench, function, dims),
            spec @ ObjectiveSpec::Model { .. } => {
                if let Some(task) = spec.model_task() {
                    model(ui, bench, task, actions);
                }
            }
            other => {
                ui.label(other.label());
                ui.label(egui::RichText::new("an external command, set in the session").weak());
            }
        }
    });
    if let Some(e) = &bench.objective_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

/// Build `spec` and make it the study's objective with its default space; or keep the old
/// one and show why not.
pub fn apply(bench: &mut Workbench, spec: ObjectiveSpec) {
    match spec.build() {
        Ok(o) => {
            bench.study.objective = spec;
            bench.study.space = o.default_space();
            bench.study.direction = o.direction();
            bench.objective_error = None;
            bench.reset_edits();
            bench.validate_strategy();
            bench.touch();
        }
        Err(e) => bench.objective_error = Some(e.to_string()),
    }
}

fn synthetic(ui: &mut egui::Ui, bench: &mut Workbench, function: SyntheticFn, dims: Option<usize>) {
    let mut chosen = (function, dims);
    egui::ComboBox::from_label("function")
        .selected_text(function.name())
        .show_ui(ui, |ui| {
            for f in SyntheticFn::ALL {
                if ui
                    .selectable_label(f == function, f.name())
                    .on_hover_text(f.summary())
                    .clicked()
                {
                    chosen = (f, None);
                }
            }
        });
    if chosen.0.fixed_dims().is_none() {
        let mut d = chosen.1.unwrap_or(0);
        ui.horizontal(|ui| {
            let l = ui.label("dimensions");
            ui.add(
                egui::DragValue::new(&mut d)
                    .range(0..=20)
                    .custom_formatter(|v, _| {
                        if v == 0.0 {
                            "default".into()
                        } else {
                            format!("{v}")
                        }
                    }),
            )
            .labelled_by(l.id);
        });
        chosen.1 = (d > 0).then_some(d);
    } else {
        chosen.1 = None;
    }
    if chosen != (function, dims) {
        apply(
            bench,
            ObjectiveSpec::Synthetic {
                function: chosen.0,
                dims: chosen.1,
            },
        );
    }
}

fn model(ui: &mut egui::Ui, bench: &mut Workbench, task: ModelTask, actions: &mut Vec<Action>) {
    if bench
        .dataset_preview
        .as_ref()
        .is_none_or(|p| !p.is_for(&task))
    {
        bench.dataset_preview = Some(DatasetPreview::load(&task));
    }
    let mut next = task.clone();
    ui.horizontal(|ui| {
        let selected = task.dataset.label();
        egui::ComboBox::from_label("dataset")
            .selected_text(selected)
            .show_ui(ui, |ui| {
                for name in BUNDLED {
                    let on = task.dataset == DatasetSource::Bundled((*name).into());
                    if ui.selectable_label(on, *name).clicked() && !on {
                        next.dataset = DatasetSource::Bundled((*name).into());
                        next.target = None;
                        next.task = None;
                        next.folds = FoldSpec::default_for(&next.dataset);
                    }
                }
            });
        if ui
            .button("Open CSV…")
            .on_hover_text("a header row, numeric features, the target last (or chosen below)")
            .clicked()
        {
            actions.push(Action::OpenCsv(None));
        }
    });
    let summary = bench
        .dataset_preview
        .as_ref()
        .and_then(|p| p.result.as_ref().ok())
        .cloned();
    if let DatasetSource::File(_) = task.dataset {
        egui::Grid::new("csv_options")
            .num_columns(2)
            .show(ui, |ui| {
                let current = task.target.clone().unwrap_or_else(|| "last column".into());
                egui::ComboBox::from_label("target")
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        if ui
                            .selectable_label(task.target.is_none(), "last column")
                            .clicked()
                        {
                            next.target = None;
                        }
                        let names = summary
                            .as_ref()
                            .map(|s| s.columns.clone())
                            .unwrap_or_default();
                        for c in names.iter().take(names.len().saturating_sub(1)) {
                            if ui
                                .selectable_label(task.target.as_deref() == Some(c), c)
                                .clicked()
                            {
                                next.target = Some(c.clone());
                            }
                        }
                    });
                ui.end_row();
                let label = |t: Option<Task>| t.map_or("inferred".to_string(), |t| t.to_string());
                egui::ComboBox::from_label("task")
                    .selected_text(label(task.task))
                    .show_ui(ui, |ui| {
                        for t in [None, Some(Task::Classification), Some(Task::Regression)] {
                            if ui.selectable_label(task.task == t, label(t)).clicked() {
                                next.task = t;
                            }
                        }
                    });
                ui.end_row();
            });
    }
    match bench.dataset_preview.as_ref().map(|p| &p.result) {
        Some(Ok(s)) => preview(ui, s),
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        None => {}
    }
    let data_task = summary.as_ref().map(|s| s.task);
    egui::Grid::new("model_options")
        .num_columns(2)
        .show(ui, |ui| {
            egui::ComboBox::from_label("model")
                .selected_text(task.model.name())
                .show_ui(ui, |ui| {
                    for (name, summary) in ModelSpec::NAMES {
                        if ui
                            .selectable_label(task.model.name() == *name, *name)
                            .on_hover_text(*summary)
                            .clicked()
                            && let Ok(m) = ModelSpec::from_name(name, None)
                        {
                            next.model = m;
                            next.metric = None;
                        }
                    }
                });
            ui.end_row();
            if let ModelSpec::Svc { kernel } | ModelSpec::Svr { kernel } = task.model {
                egui::ComboBox::from_label("kernel")
                    .selected_text(kernel.name())
                    .show_ui(ui, |ui| {
                        for k in [KernelKind::Rbf, KernelKind::Poly, KernelKind::Linear] {
                            if ui.selectable_label(k == kernel, k.name()).clicked()
                                && let Ok(m) = ModelSpec::from_name(task.model.name(), Some(k))
                            {
                                next.model = m;
                            }
                        }
                    });
                ui.end_row();
            }
            let current = task
                .metric
                .or(data_task.map(Metric::default_for))
                .map_or("default", |m| m.name());
            egui::ComboBox::from_label("metric")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for m in Metric::ALL {
                        if data_task.is_some_and(|t| t != m.task()) {
                            continue;
                        }
                        if ui
                            .selectable_label(task.metric == Some(m), m.name())
                            .on_hover_text(m.summary())
                            .clicked()
                        {
                            next.metric = Some(m);
                        }
                    }
                });
            ui.end_row();
            ui.label("folds");
            ui.horizontal(|ui| {
                if let DatasetSource::Bundled(name) = &task.dataset {
                    let on = matches!(task.folds, FoldSpec::Bundled(_));
                    if ui
                        .selectable_label(on, "reference")
                        .on_hover_text("the anchors' fold file: the same splits as scikit-learn")
                        .clicked()
                    {
                        next.folds = FoldSpec::Bundled(name.clone());
                    }
                }
                let (mut k, seed) = match task.folds {
                    FoldSpec::KFold { k, seed } => (k, seed),
                    _ => (5, 0),
                };
                let on = matches!(task.folds, FoldSpec::KFold { .. });
                if ui.selectable_label(on, "k-fold").clicked() && !on {
                    next.folds = FoldSpec::KFold { k, seed };
                }
                if on && ui.add(egui::DragValue::new(&mut k).range(2..=20)).changed() {
                    next.folds = FoldSpec::KFold { k, seed };
                }
                if let FoldSpec::File(path) = &task.folds {
                    ui.label(path.display().to_string());
                }
            });
            ui.end_row();
        });
    if next != task {
        apply(bench, ObjectiveSpec::from_model_task(next));
    }
}

fn preview(ui: &mut egui::Ui, s: &DatasetSummary) {
    let what = match s.classes {
        Some(k) => format!(
            "{} rows, {} features, {k} classes",
            s.n_samples,
            s.columns.len() - 1
        ),
        None => format!(
            "{} rows, {} features, regression",
            s.n_samples,
            s.columns.len() - 1
        ),
    };
    ui.label(egui::RichText::new(what).weak());
    egui::ScrollArea::horizontal()
        .id_salt("preview")
        .max_height(120.0)
        .show(ui, |ui| {
            egui::Grid::new("preview_grid")
                .striped(true)
                .show(ui, |ui| {
                    for c in &s.columns {
                        ui.label(egui::RichText::new(c).strong().small());
                    }
                    ui.end_row();
                    for row in &s.rows {
                        for v in row {
                            ui.label(egui::RichText::new(v).small().monospace());
                        }
                        ui.end_row();
                    }
                });
        });
}

/// The objective after the user opened a CSV file: the current model, metric aside, on the
/// new data (an SVC when the objective was not a model), target and task inferred.
pub fn with_csv(current: &ObjectiveSpec, path: std::path::PathBuf) -> ObjectiveSpec {
    let model = current
        .model_task()
        .map(|t| t.model)
        .unwrap_or(ModelSpec::Svc {
            kernel: KernelKind::Rbf,
        });
    ObjectiveSpec::from_model_task(ModelTask::new(DatasetSource::File(path), model))
}
