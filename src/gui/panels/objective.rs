//! The objective editor: a synthetic test function, a model tuned on a dataset (bundled or
//! a CSV file opened through a dialog) with its target, task, model, metric and folds, or an
//! external command with its trial timeout and direction.
//!
//! Every edit builds the objective before it replaces the study's, so a bad file, a model
//! that does not fit the task or a command that cannot run shows its error in place and the
//! study keeps what worked. The dataset preview loads on a background thread.

use crate::data::{BUNDLED, Dataset, LoadOptions, Target, Task};
use crate::gui::app::Action;
use crate::gui::i18n::{fill, tr};
use crate::gui::state::Workbench;
use crate::models::{KernelKind, Metric, ModelSpec};
use crate::objective::{
    CommandObjective, DatasetSource, FoldSpec, ModelTask, ObjectiveSpec, SyntheticFn,
};
use crate::study::Direction;
use crossbeam_channel::{Receiver, TryRecvError};
use eframe::egui;

/// Rows shown in the data preview.
const PREVIEW_ROWS: usize = 5;

/// What the panel shows about a dataset, loaded once per source, target and task (the
/// load happens when one of those changes, never on an ordinary frame).
#[derive(Clone, Debug)]
pub struct DatasetPreview {
    key: PreviewKey,
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
        self.key == key_of(task)
    }

    /// The number of feature columns, if this preview is of `task`'s data and loaded.
    pub fn features_for(&self, task: &ModelTask) -> Option<usize> {
        match &self.result {
            Ok(s) if self.is_for(task) => Some(s.columns.len().saturating_sub(1)),
            _ => None,
        }
    }
}

/// What a preview depends on: the source, the target column and the task.
type PreviewKey = (DatasetSource, Option<String>, Option<Task>);

fn key_of(task: &ModelTask) -> PreviewKey {
    (task.dataset.clone(), task.target.clone(), task.task)
}

/// A preview loading on a background thread; dropped (and its result with it) when the
/// source changes before it arrives.
#[derive(Debug)]
pub struct PreviewLoader {
    key: PreviewKey,
    result: Receiver<DatasetPreview>,
}

impl PreviewLoader {
    /// Start loading `task`'s data; `wake` is called when the preview is ready.
    pub fn start(task: &ModelTask, wake: impl Fn() + Send + 'static) -> Result<Self, String> {
        let (tx, result) = crossbeam_channel::bounded(1);
        let task = task.clone();
        let key = key_of(&task);
        std::thread::Builder::new()
            .name("knobs-preview".into())
            .spawn(move || {
                let preview = std::panic::catch_unwind(|| DatasetPreview::load(&task))
                    .unwrap_or_else(|_| DatasetPreview {
                        key: key_of(&task),
                        result: Err("loading the data panicked".into()),
                    });
                // The window may have moved on to another source: nobody listens then.
                if tx.send(preview).is_ok() {
                    wake();
                }
            })
            .map_err(|e| format!("cannot start loading the data: {e}"))?;
        Ok(PreviewLoader { key, result })
    }

    /// Whether this loader is loading `task`'s data.
    pub fn is_for(&self, task: &ModelTask) -> bool {
        self.key == key_of(task)
    }
}

/// Make the workbench's preview follow `task`: keep it if it is `task`'s, collect a finished
/// load, or start one (dropping a load for another source). Never loads on the caller's
/// thread.
pub fn refresh_preview(bench: &mut Workbench, task: &ModelTask, ctx: &egui::Context) {
    if bench
        .dataset_preview
        .as_ref()
        .is_some_and(|p| p.is_for(task))
    {
        bench.preview_loading = None;
        return;
    }
    if let Some(loader) = &bench.preview_loading
        && loader.is_for(task)
    {
        match loader.result.try_recv() {
            Ok(p) => {
                bench.dataset_preview = Some(p);
                bench.preview_loading = None;
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                bench.dataset_preview = Some(DatasetPreview {
                    key: key_of(task),
                    result: Err("the data loader stopped".into()),
                });
                bench.preview_loading = None;
            }
        }
        return;
    }
    let ctx = ctx.clone();
    match PreviewLoader::start(task, move || ctx.request_repaint()) {
        Ok(loader) => bench.preview_loading = Some(loader),
        Err(e) => {
            bench.dataset_preview = Some(DatasetPreview {
                key: key_of(task),
                result: Err(e),
            });
        }
    }
}

/// Block up to `timeout` until the preview of `task` has arrived (tests and screenshots;
/// the window itself never waits). Returns whether it has.
pub fn wait_preview(bench: &mut Workbench, task: &ModelTask, timeout: std::time::Duration) -> bool {
    let loaded = |b: &Workbench| b.dataset_preview.as_ref().is_some_and(|p| p.is_for(task));
    if !loaded(bench)
        && let Some(loader) = bench.preview_loading.take_if(|l| l.is_for(task))
    {
        match loader.result.recv_timeout(timeout) {
            Ok(p) => bench.dataset_preview = Some(p),
            Err(_) => bench.preview_loading = Some(loader),
        }
    }
    loaded(bench)
}

/// The command being edited: kept as typed, so an invalid command or timeout stays on
/// screen with its error while the study keeps its last valid objective.
#[derive(Clone, Debug, PartialEq)]
pub struct CommandDraft {
    /// The command line as typed.
    pub command: String,
    /// The trial timeout in seconds as typed (empty: none).
    pub timeout: String,
    /// Whether the command's value is minimised or maximised.
    pub direction: Direction,
    /// Why the draft is not the study's objective, if it is not.
    pub error: Option<String>,
}

impl CommandDraft {
    /// A draft of the study's command objective, or an empty one.
    fn of(spec: &ObjectiveSpec, direction: Direction) -> Self {
        match spec {
            ObjectiveSpec::Command {
                command,
                trial_timeout,
                ..
            } => CommandDraft {
                command: command.clone(),
                timeout: trial_timeout.map(|t| t.to_string()).unwrap_or_default(),
                direction,
                error: None,
            },
            _ => CommandDraft {
                command: String::new(),
                timeout: String::new(),
                direction: Direction::Minimize,
                error: Some("type the command to run for each trial".into()),
            },
        }
    }

    /// The objective this draft describes, or why it cannot run.
    pub fn spec(&self) -> Result<ObjectiveSpec, String> {
        let timeout = match self.timeout.trim() {
            "" => None,
            t => Some(t.parse::<f64>().map_err(|_| {
                fill(
                    tr("the trial timeout `{}` is not a number of seconds"),
                    &[&t],
                )
            })?),
        };
        CommandObjective::new(&self.command, timeout).map_err(|e| e.to_string())?;
        let words = crate::objective::split_words(&self.command)?;
        if let Some(program) = words.first()
            && !program_exists(program)
        {
            return Err(fill(
                tr("`{}` is not a file or a program on PATH"),
                &[program],
            ));
        }
        Ok(ObjectiveSpec::Command {
            command: self.command.trim().to_owned(),
            trial_timeout: timeout,
            workdir: None,
        })
    }
}

/// Whether `program` names an existing file (a path) or a file in a `PATH` directory.
fn program_exists(program: &str) -> bool {
    let path = std::path::Path::new(program);
    if path.components().count() > 1 || path.is_absolute() {
        return path.is_file();
    }
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .any(|dir| dir.join(program).is_file() || dir.join(format!("{program}.exe")).is_file())
    })
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
        let is_command = matches!(bench.study.objective, ObjectiveSpec::Command { .. });
        if is_command && bench.command_draft.is_none() {
            bench.command_draft = Some(CommandDraft::of(
                &bench.study.objective,
                bench.study.direction,
            ));
        }
        let drafting = bench.command_draft.is_some();
        let is_model = !drafting && matches!(bench.study.objective, ObjectiveSpec::Model { .. });
        let is_synthetic =
            !drafting && matches!(bench.study.objective, ObjectiveSpec::Synthetic { .. });
        ui.horizontal(|ui| {
            if ui
                .selectable_label(is_synthetic, tr("test function"))
                .clicked()
                && !is_synthetic
            {
                bench.command_draft = None;
                apply(bench, ObjectiveSpec::default());
            }
            if ui.selectable_label(is_model, tr("model on data")).clicked() && !is_model {
                bench.command_draft = None;
                let task = ModelTask::new(
                    DatasetSource::Bundled("moons".into()),
                    ModelSpec::Svc {
                        kernel: KernelKind::Rbf,
                    },
                );
                apply(bench, ObjectiveSpec::from_model_task(task));
            }
            if ui
                .selectable_label(drafting, tr("command"))
                .on_hover_text(tr("an external program that trains and prints a score"))
                .clicked()
                && !drafting
            {
                bench.command_draft = Some(CommandDraft::of(
                    &bench.study.objective,
                    bench.study.direction,
                ));
            }
        });
        if bench.command_draft.is_some() {
            command(ui, bench);
        } else {
            match bench.study.objective.clone() {
                ObjectiveSpec::Synthetic { function, dims } => synthetic(ui, bench, function, dims),
                spec @ ObjectiveSpec::Model { .. } => {
                    if let Some(task) = spec.model_task() {
                        model(ui, bench, task, actions);
                    }
                }
                other => {
                    ui.label(other.label());
                }
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
            bench.command_draft = None;
            bench.reset_edits();
            bench.validate_strategy();
            bench.touch();
        }
        Err(e) => bench.objective_error = Some(e.to_string()),
    }
}

/// How a command objective is run, shown under its editor (see `objective::command`).
pub const COMMAND_HINT: &str = "Each trial runs the command with the parameters appended as \
`--name value` and as one JSON object on stdin. Its value is the last line of stdout: a \
number, or JSON with a numeric `value`. A non-zero exit or a timeout fails the trial. No \
shell runs: quotes group words; no pipes or variables.";

fn command(ui: &mut egui::Ui, bench: &mut Workbench) {
    let Some(mut draft) = bench.command_draft.clone() else {
        return;
    };
    let mut changed = false;
    egui::Grid::new("command_options")
        .num_columns(2)
        .show(ui, |ui| {
            let l = ui.label(tr("program and arguments"));
            changed |= ui
                .add(
                    egui::TextEdit::singleline(&mut draft.command)
                        .hint_text("python train.py --epochs 5")
                        .desired_width(220.0),
                )
                .labelled_by(l.id)
                .changed();
            ui.end_row();
            let l = ui.label(tr("trial timeout (s)"));
            changed |= ui
                .add(
                    egui::TextEdit::singleline(&mut draft.timeout)
                        .hint_text("none")
                        .desired_width(80.0),
                )
                .labelled_by(l.id)
                .changed();
            ui.end_row();
            ui.label(tr("direction"));
            ui.horizontal(|ui| {
                for (d, name) in [
                    (Direction::Minimize, "minimise"),
                    (Direction::Maximize, "maximise"),
                ] {
                    if ui.selectable_label(draft.direction == d, name).clicked()
                        && draft.direction != d
                    {
                        draft.direction = d;
                        changed = true;
                    }
                }
            });
            ui.end_row();
        });
    if changed {
        match draft.spec() {
            Ok(spec) => {
                draft.error = None;
                if spec != bench.study.objective || draft.direction != bench.study.direction {
                    // Typed here by the user: it runs without a second confirmation.
                    if let Some(a) = crate::objective::consent::CommandApproval::of(&spec) {
                        bench.confirmed_commands.push(a);
                    }
                    // A command has no parameters of its own: the study's are passed to it.
                    bench.study.objective = spec;
                    bench.study.direction = draft.direction;
                    bench.objective_error = None;
                    bench.validate_strategy();
                    bench.touch();
                }
            }
            Err(e) => draft.error = Some(e),
        }
    }
    if let Some(e) = &draft.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    ui.label(egui::RichText::new(COMMAND_HINT).weak().small());
    bench.command_draft = Some(draft);
}

fn synthetic(ui: &mut egui::Ui, bench: &mut Workbench, function: SyntheticFn, dims: Option<usize>) {
    let mut chosen = (function, dims);
    egui::ComboBox::from_label(tr("function"))
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
            let l = ui.label(tr("dimensions"));
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
    refresh_preview(bench, &task, ui.ctx());
    let mut next = task.clone();
    ui.horizontal(|ui| {
        let selected = task.dataset.label();
        egui::ComboBox::from_label(tr("dataset"))
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
            .button(tr("Open CSV…"))
            .on_hover_text(tr(
                "a header row, numeric features, the target last (or chosen below)",
            ))
            .clicked()
        {
            actions.push(Action::OpenCsv(None));
        }
    });
    let current = bench.dataset_preview.as_ref().filter(|p| p.is_for(&task));
    let summary = current.and_then(|p| p.result.as_ref().ok()).cloned();
    if let DatasetSource::File(_) = task.dataset {
        egui::Grid::new("csv_options")
            .num_columns(2)
            .show(ui, |ui| {
                let current = task.target.clone().unwrap_or_else(|| "last column".into());
                egui::ComboBox::from_label(tr("target"))
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        if ui
                            .selectable_label(task.target.is_none(), tr("last column"))
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
                egui::ComboBox::from_label(tr("task"))
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
    match bench
        .dataset_preview
        .as_ref()
        .filter(|p| p.is_for(&task))
        .map(|p| &p.result)
    {
        Some(Ok(s)) => preview(ui, s),
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(egui::RichText::new(tr("loading the data…")).weak());
            });
        }
    }
    let data_task = summary.as_ref().map(|s| s.task);
    egui::Grid::new("model_options")
        .num_columns(2)
        .show(ui, |ui| {
            egui::ComboBox::from_label(tr("model"))
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
                egui::ComboBox::from_label(tr("kernel"))
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
            egui::ComboBox::from_label(tr("metric"))
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
            ui.label(tr("folds"));
            ui.horizontal(|ui| {
                if let DatasetSource::Bundled(name) = &task.dataset {
                    let on = matches!(task.folds, FoldSpec::Bundled(_));
                    if ui
                        .selectable_label(on, tr("reference"))
                        .on_hover_text(tr(
                            "the anchors' fold file: the same splits as scikit-learn",
                        ))
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
                if ui.selectable_label(on, tr("k-fold")).clicked() && !on {
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
        Some(k) => fill(
            tr("{} rows, {} features, {} classes"),
            &[&s.n_samples, &(s.columns.len() - 1), &k],
        ),
        None => fill(
            tr("{} rows, {} features, regression"),
            &[&s.n_samples, &(s.columns.len() - 1)],
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_preview_loads_off_the_caller_and_a_stale_load_is_dropped() {
        let ctx = egui::Context::default();
        let mut bench = Workbench::new(Workbench::default_study());
        let moons = bench.study.objective.model_task().unwrap();
        let iris = ModelTask::new(DatasetSource::Bundled("iris".into()), ModelSpec::Knn);
        // The first refresh only starts a load.
        refresh_preview(&mut bench, &moons, &ctx);
        assert!(bench.dataset_preview.is_none());
        assert!(
            bench
                .preview_loading
                .as_ref()
                .is_some_and(|l| l.is_for(&moons))
        );
        // The source changes before it arrives: the moons load is dropped.
        refresh_preview(&mut bench, &iris, &ctx);
        assert!(
            bench
                .preview_loading
                .as_ref()
                .is_some_and(|l| l.is_for(&iris))
        );
        assert!(!wait_preview(&mut bench, &moons, Duration::from_millis(1)));
        assert!(wait_preview(&mut bench, &iris, Duration::from_secs(60)));
        let preview = bench.dataset_preview.clone().unwrap();
        assert_eq!(preview.features_for(&iris), Some(4));
        assert_eq!(preview.features_for(&moons), None);
        // Once loaded, refreshing the same source keeps it and starts nothing.
        refresh_preview(&mut bench, &iris, &ctx);
        assert!(bench.preview_loading.is_none());
        assert_eq!(bench.dataset_preview.unwrap().features_for(&iris), Some(4));
    }

    #[test]
    fn a_command_draft_is_valid_only_with_a_runnable_program_and_a_positive_timeout() {
        let mut d = CommandDraft::of(&ObjectiveSpec::default(), Direction::Minimize);
        assert!(d.error.is_some() && d.spec().is_err());
        d.command = "sh -c 'echo 1'".into();
        assert_eq!(
            d.spec().unwrap(),
            ObjectiveSpec::Command {
                command: "sh -c 'echo 1'".into(),
                trial_timeout: None,
                workdir: None
            }
        );
        d.timeout = "0".into();
        assert!(d.spec().is_err());
        d.timeout = " 3 ".into();
        assert!(d.spec().is_ok());
        d.command = "/no/such/dir/train".into();
        assert!(d.spec().unwrap_err().contains("/no/such/dir/train"));
    }
}
