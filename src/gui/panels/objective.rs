//! The objective editor: a synthetic test function, a model tuned on a dataset (bundled or
//! a CSV file opened through a dialog) with its target, task, model, metric and folds, or an
//! external command with its trial timeout and direction.
//!
//! Every edit builds the objective before it replaces the study's, so a bad file, a model
//! that does not fit the task or a command that cannot run shows its error in place and the
//! study keeps what worked. Nothing here reads a file in a frame: the dataset preview loads,
//! and a model objective is built, on [`crate::gui::jobs`] workers; an edit is applied when
//! its build succeeds.

use crate::data::{BUNDLED, ColumnKind, Dataset, Impute, LoadProgress, Target, Task};
use crate::gui::app::Action;
use crate::gui::i18n::{fill, tr};
use crate::gui::jobs::{Poll, Waker, Worker};
use crate::gui::state::Workbench;
use crate::models::estimate::TrialCost;
use crate::models::{KernelKind, Metric, ModelSpec};
use crate::objective::{
    CommandObjective, DataShape, DatasetSource, FoldSpec, ModelTask, Objective, ObjectiveSpec,
    SyntheticFn,
};
use crate::study::Direction;
use eframe::egui;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// A loaded dataset's shape, columns and first rows.
#[derive(Clone, Debug)]
pub struct DatasetSummary {
    /// Feature columns, then the target.
    pub columns: Vec<String>,
    /// What each column of `columns` holds (the target last), then the ignored columns.
    pub info: Vec<ColumnInfo>,
    /// The first rows, formatted.
    pub rows: Vec<Vec<String>>,
    /// Number of rows.
    pub n_samples: usize,
    /// The inferred or chosen task.
    pub task: Task,
    /// Number of classes, for classification.
    pub classes: Option<usize>,
}

/// A column's role in the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Learned from.
    Feature,
    /// Predicted.
    Target,
    /// Left out.
    Ignored,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Feature => "feature",
            Role::Target => "target",
            Role::Ignored => "ignored",
        }
    }
}

/// One column as the preview shows it: kind, gaps, and its levels or range.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnInfo {
    /// The header's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// `numeric`, `categorical`, or `classes`/`values` for the target; empty when ignored.
    pub kind: String,
    /// Missing cells.
    pub missing: usize,
    /// The levels (the first few) or the range of values.
    pub detail: String,
}

/// How far the preview's file has been read, shared with its loading thread.
#[derive(Default)]
pub struct LoadMeter {
    bytes: AtomicU64,
    total: AtomicU64,
}

impl LoadMeter {
    fn set(&self, p: LoadProgress) {
        self.bytes.store(p.bytes, Ordering::Relaxed);
        self.total.store(p.total.unwrap_or(0), Ordering::Relaxed);
    }

    /// The fraction read, when the size is known.
    pub fn fraction(&self) -> Option<f32> {
        let total = self.total.load(Ordering::Relaxed);
        (total > 0)
            .then(|| (self.bytes.load(Ordering::Relaxed) as f64 / total as f64).min(1.0) as f32)
    }
}

impl DatasetPreview {
    /// Load `task`'s dataset and summarise it.
    pub fn load(task: &ModelTask) -> Self {
        DatasetPreview::load_metered(task, &LoadMeter::default())
    }

    /// [`DatasetPreview::load`], reporting the bytes read to `meter` (the progress bar).
    pub fn load_metered(task: &ModelTask, meter: &LoadMeter) -> Self {
        meter.set(LoadProgress {
            bytes: 0,
            total: None,
        });
        let key = key_of(task);
        let loaded = match &task.dataset {
            DatasetSource::Bundled(name) => Dataset::bundled(name),
            DatasetSource::File(path) => {
                Dataset::from_path_with_progress(path, &task.load_options(), &mut |p| meter.set(p))
            }
        };
        let result = loaded
            .map(|d| summarise(&d, &task.data.ignore))
            .map_err(|e| e.to_string());
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

/// What a preview depends on: the source, the target column, the task, and the ignored
/// and categorical columns.
type PreviewKey = (
    DatasetSource,
    Option<String>,
    Option<Task>,
    Vec<String>,
    Vec<String>,
);

fn key_of(task: &ModelTask) -> PreviewKey {
    (
        task.dataset.clone(),
        task.target.clone(),
        task.task,
        task.data.ignore.clone(),
        task.data.categorical.clone(),
    )
}

/// An objective built off the UI thread, not yet evaluated, with what the run-cost
/// estimate needs of its data.
pub struct Built {
    /// The objective.
    pub objective: Arc<dyn Objective>,
    /// The data's shape and splits, for a model objective.
    pub shape: Option<DataShape>,
}

/// Build `spec` and, for a model, measure its data: everything that reads a file.
fn build(spec: &ObjectiveSpec) -> Result<Built, String> {
    let objective = spec.build().map_err(|e| e.to_string())?;
    let shape = spec.model_task().and_then(|t| t.data_shape().ok());
    Ok(Built {
        objective: Arc::from(objective),
        shape,
    })
}

/// Whether building `spec` reads files (a dataset, a fold file), so it is done on the
/// builder thread. Synthetic functions and commands build at once.
fn reads_files(spec: &ObjectiveSpec) -> bool {
    matches!(spec, ObjectiveSpec::Model { .. })
}

/// The objective panel's background work, on [`crate::gui::jobs`] workers: the dataset
/// preview, and objective builds. An edit to a model objective is applied when its build
/// succeeds; the study's own objective is built ahead, so Run neither loads the data for
/// its cost estimate nor builds the objective in a frame.
#[derive(Default)]
pub struct ObjectiveJobs {
    preview: Option<Worker<PreviewKey, ModelTask, DatasetPreview>>,
    /// How far the preview's load has read its file.
    meter: Arc<LoadMeter>,
    builder: Option<Worker<ObjectiveSpec, ObjectiveSpec, Result<Built, String>>>,
    /// The edit whose build is awaited.
    edit: Option<ObjectiveSpec>,
    /// The latest finished build of the study's objective (or of the objective a start waits for),
    /// or why it failed.
    built: Option<(ObjectiveSpec, Result<Built, String>)>,
    /// An objective other than the study's that a start waits for (a race reopened from a
    /// session continues on its own problem): built before the study's is built again.
    wanted: Option<ObjectiveSpec>,
}

impl ObjectiveJobs {
    /// Whether the preview of `task`'s data is loading.
    pub fn preview_loading(&self, task: &ModelTask) -> bool {
        self.preview
            .as_ref()
            .is_some_and(|w| w.is_computing(&key_of(task)))
    }

    /// The edit being built, if one is: the study keeps its objective until it is done.
    pub fn editing(&self) -> Option<&ObjectiveSpec> {
        self.edit.as_ref()
    }

    /// Ask the builder thread (started on first use) for `spec`.
    fn request_build(&mut self, spec: ObjectiveSpec, wake: Option<Waker>) -> Result<(), String> {
        if self.builder.is_none() {
            self.builder = Some(Worker::spawn(
                "knobs-objective",
                "building the objective",
                wake,
                |spec: ObjectiveSpec| build(&spec),
            )?);
        }
        if let Some(w) = &mut self.builder
            && w.request(spec.clone(), spec)
        {
            return Ok(());
        }
        self.builder = None;
        Err("the objective builder stopped".into())
    }

    /// Drop the awaited edit (another edit replaced it at once).
    fn forget_edit(&mut self) {
        if let Some(spec) = self.edit.take()
            && let Some(w) = &mut self.builder
            && w.requested() == Some(&spec)
        {
            w.forget();
        }
    }
}

/// Make the workbench's preview follow `task`: keep it if it is `task`'s, collect a finished
/// load, or ask for one (a load for another source is dropped). Never loads on the
/// caller's thread.
pub fn refresh_preview(bench: &mut Workbench, task: &ModelTask, ctx: &egui::Context) {
    if bench
        .background
        .dataset_preview
        .as_ref()
        .is_some_and(|p| p.is_for(task))
    {
        return;
    }
    let key = key_of(task);
    if let Some(w) = &mut bench.background.objective_jobs.preview
        && w.is_computing(&key)
    {
        let polled = w.poll();
        take_preview(bench, task, polled);
        return;
    }
    if bench.background.objective_jobs.preview.is_none() {
        let ctx = ctx.clone();
        let wake: Waker = Arc::new(move || ctx.request_repaint());
        let meter = bench.background.objective_jobs.meter.clone();
        let spawned = Worker::spawn(
            "knobs-preview",
            "loading the data",
            Some(wake),
            move |task| DatasetPreview::load_metered(&task, &meter),
        );
        match spawned {
            Ok(w) => bench.background.objective_jobs.preview = Some(w),
            Err(e) => {
                bench.background.dataset_preview = Some(DatasetPreview {
                    key,
                    result: Err(e),
                });
                return;
            }
        }
    }
    if let Some(w) = &mut bench.background.objective_jobs.preview
        && !w.request(key.clone(), task.clone())
    {
        take_preview(bench, task, Poll::Gone);
    }
}

/// Keep what polling the preview of `task` found.
fn take_preview(bench: &mut Workbench, task: &ModelTask, polled: Poll<DatasetPreview>) {
    let failed = |why: String| DatasetPreview {
        key: key_of(task),
        result: Err(why),
    };
    match polled {
        Poll::Nothing => {}
        Poll::Ready(p) => bench.background.dataset_preview = Some(p),
        Poll::Failed(why) => bench.background.dataset_preview = Some(failed(why)),
        Poll::Gone => {
            bench.background.objective_jobs.preview = None;
            bench.background.dataset_preview = Some(failed("the data loader stopped".into()));
        }
    }
}

/// Block up to `timeout` until the preview of `task` has arrived (tests and screenshots;
/// the window itself never waits). Returns whether it has.
pub fn wait_preview(bench: &mut Workbench, task: &ModelTask, timeout: std::time::Duration) -> bool {
    let loaded = |b: &Workbench| {
        b.background
            .dataset_preview
            .as_ref()
            .is_some_and(|p| p.is_for(task))
    };
    if !loaded(bench)
        && let Some(w) = &mut bench.background.objective_jobs.preview
        && w.is_computing(&key_of(task))
    {
        let polled = w.wait(timeout);
        take_preview(bench, task, polled);
    }
    loaded(bench)
}

/// Collect a finished build: apply an edit whose build succeeded (or show why it failed
/// in place), keep the study's objective ready for Run, and start building the study's
/// objective when it reads files, nothing is built or building, and no run is going on.
/// Cheap; called once per frame.
pub fn poll_builds(bench: &mut Workbench) {
    if let Some(w) = &mut bench.background.objective_jobs.builder {
        let key = w.requested().cloned();
        let polled = w.poll();
        take_build(bench, key, polled);
    }
    let jobs = &bench.background.objective_jobs;
    let spec = &bench.study().objective;
    // Not while a run or step mode works: the next one is built when it is over.
    let idle = jobs.edit.is_none()
        && jobs.wanted.is_none()
        && !jobs.builder.as_ref().is_some_and(Worker::is_busy)
        && !bench.is_busy();
    if idle && reads_files(spec) && jobs.built.as_ref().is_none_or(|(s, _)| s != spec) {
        let (spec, wake) = (spec.clone(), bench.waker());
        if let Err(e) = bench
            .background
            .objective_jobs
            .request_build(spec.clone(), wake)
        {
            bench.background.objective_jobs.built = Some((spec, Err(e)));
        }
    }
}

/// Block up to `timeout` until the objective edit being built, if any, is applied or
/// refused (tests; the window never waits). Returns whether none is pending.
pub fn wait_objective(bench: &mut Workbench, timeout: std::time::Duration) -> bool {
    if bench.background.objective_jobs.edit.is_some()
        && let Some(w) = &mut bench.background.objective_jobs.builder
    {
        let key = w.requested().cloned();
        let polled = w.wait(timeout);
        take_build(bench, key, polled);
    }
    bench.background.objective_jobs.edit.is_none()
}

/// Keep what polling the builder found for the request with `key`.
fn take_build(
    bench: &mut Workbench,
    key: Option<ObjectiveSpec>,
    polled: Poll<Result<Built, String>>,
) {
    let result = match polled {
        Poll::Nothing => return,
        Poll::Ready(result) => result,
        Poll::Failed(why) => Err(why),
        Poll::Gone => {
            bench.background.objective_jobs.builder = None;
            Err("the objective builder stopped".into())
        }
    };
    let Some(spec) = key else {
        return;
    };
    if bench.background.objective_jobs.edit.as_ref() == Some(&spec) {
        bench.background.objective_jobs.edit = None;
        match result {
            Ok(built) => applied(bench, spec, built),
            Err(e) => bench.editor.refuse_objective(e),
        }
    } else if spec == bench.study().objective
        || bench.background.objective_jobs.wanted.as_ref() == Some(&spec)
    {
        let jobs = &mut bench.background.objective_jobs;
        jobs.wanted.take_if(|w| *w == spec);
        jobs.built = Some((spec, result));
    }
}

/// Ask the builder for `spec`, an objective a start waits for that is not the study's; the
/// study's own is built again once it is in. Nothing is asked when it is built already.
pub fn want(bench: &mut Workbench, spec: &ObjectiveSpec) {
    if built_for(bench, spec) || bench.background.objective_jobs.wanted.as_ref() == Some(spec) {
        return;
    }
    let wake = bench.waker();
    let jobs = &mut bench.background.objective_jobs;
    jobs.wanted = Some(spec.clone());
    if let Err(e) = jobs.request_build(spec.clone(), wake) {
        jobs.wanted = None;
        jobs.built = Some((spec.clone(), Err(e)));
    }
}

/// The study's objective for a run, step mode or a race: the one built ahead off the UI
/// thread when it is ready (taken, so every run starts on a fresh objective as before),
/// else built now.
pub fn objective_for_run(bench: &mut Workbench) -> Result<Arc<dyn Objective>, String> {
    let spec = bench.study().objective.clone();
    objective_for(bench, &spec)
}

/// `spec` built: taken from the workbench when it is the study's objective built ahead,
/// else built now (a race loaded with a session may be on another objective).
pub fn objective_for(
    bench: &mut Workbench,
    spec: &ObjectiveSpec,
) -> Result<Arc<dyn Objective>, String> {
    match bench
        .background
        .objective_jobs
        .built
        .take_if(|(s, _)| s == spec)
    {
        Some((_, Ok(built))) => Ok(built.objective),
        // The background build already said why it fails: not built again in the frame.
        Some((_, Err(why))) => Err(why),
        None => spec.build().map(Arc::from).map_err(|e| e.to_string()),
    }
}

/// Whether the study's objective has been built off the UI thread (or its build failed):
/// a Run pressed before waits for it rather than building in the frame.
pub fn built_for_study(bench: &Workbench) -> bool {
    built_for(bench, &bench.study().objective)
}

/// Whether `spec` has been built off the UI thread (or its build failed).
pub fn built_for(bench: &Workbench, spec: &ObjectiveSpec) -> bool {
    bench
        .background
        .objective_jobs
        .built
        .as_ref()
        .is_some_and(|(s, _)| s == spec)
}

/// Whether building `spec` reads files and its background build is not in yet, so a start
/// now would build it in the frame. Only with a frame loop (a waker): scripts and tests
/// without one build at once.
pub fn pending_for(bench: &Workbench, spec: &ObjectiveSpec) -> bool {
    bench.has_waker() && reads_files(spec) && !built_for(bench, spec)
}

/// What a trial of the study's model objective `task` is projected to need with the
/// workbench's worker threads: from the data measured off the UI thread when the study's
/// objective was built. A failed build says why (the data is not read again in the frame);
/// only without a frame loop (scripts, tests) is the data measured now.
pub fn trial_cost(bench: &Workbench, task: &ModelTask) -> Result<TrialCost, String> {
    match &bench.background.objective_jobs.built {
        Some((spec, Ok(built))) if *spec == bench.study().objective => built
            .shape
            .map(|shape| shape.trial_cost(&task.model, bench.workers.jobs))
            .ok_or_else(|| "the data's shape is unknown".into()),
        Some((spec, Err(why))) if *spec == bench.study().objective => Err(why.clone()),
        _ if bench.has_waker() => Err("the objective is still being built".into()),
        _ => task
            .trial_cost(bench.workers.jobs)
            .map_err(|e| e.to_string()),
    }
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

/// A cell as the preview shows it: a level's name, a number, or blank for a gap.
fn cell_text(v: f64, kind: &ColumnKind) -> String {
    match kind {
        _ if v.is_nan() => String::new(),
        ColumnKind::Categorical { levels } => levels.get(v as usize).cloned().unwrap_or_default(),
        ColumnKind::Numeric => format!("{v:.4}"),
    }
}

/// The first few of `names`, and how many more there are.
fn some_of(names: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" … ({} levels)", names.len()));
    }
    s
}

/// The range of a column's present values.
fn range_of<'a>(values: impl Iterator<Item = &'a f64>) -> String {
    let (lo, hi) = values
        .filter(|v| !v.is_nan())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if lo <= hi {
        format!("{} – {}", short(lo), short(hi))
    } else {
        String::new()
    }
}

/// A number in at most about six significant characters.
fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn summarise(d: &Dataset, ignored: &[String]) -> DatasetSummary {
    let mut columns = d.feature_names().to_vec();
    columns.push("target".into());
    let x = d.x();
    let missing = d.missing_counts();
    let mut info: Vec<ColumnInfo> = d
        .feature_names()
        .iter()
        .zip(d.kinds())
        .enumerate()
        .map(|(j, (name, kind))| ColumnInfo {
            name: name.clone(),
            role: Role::Feature,
            kind: kind.name().to_owned(),
            missing: missing[j],
            detail: match kind {
                ColumnKind::Categorical { levels } => some_of(levels),
                ColumnKind::Numeric => range_of(x.column(j).iter()),
            },
        })
        .collect();
    info.push(match d.target() {
        Target::Classes(c) => ColumnInfo {
            name: String::new(),
            role: Role::Target,
            kind: "classes".into(),
            missing: 0,
            detail: some_of(c.names()),
        },
        Target::Values(v) => ColumnInfo {
            name: String::new(),
            role: Role::Target,
            kind: "values".into(),
            missing: 0,
            detail: range_of(v.iter()),
        },
    });
    info.extend(ignored.iter().map(|name| ColumnInfo {
        name: name.clone(),
        role: Role::Ignored,
        kind: String::new(),
        missing: 0,
        detail: String::new(),
    }));
    let rows = (0..d.n_samples().min(PREVIEW_ROWS))
        .map(|i| {
            let mut row: Vec<String> = x
                .row(i)
                .iter()
                .zip(d.kinds())
                .map(|(&v, kind)| cell_text(v, kind))
                .collect();
            row.push(match d.target() {
                Target::Classes(c) => c.names()[c.labels()[i]].clone(),
                Target::Values(v) => format!("{:.4}", v[i]),
            });
            row
        })
        .collect();
    DatasetSummary {
        columns,
        info,
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
    // While an edit is being built the editor waits for it, so the next edit starts from it.
    let editable = bench.space_editable() && bench.background.objective_jobs.editing().is_none();
    ui.add_enabled_ui(editable, |ui| {
        let is_command = matches!(bench.study().objective, ObjectiveSpec::Command { .. });
        if is_command && bench.editor.command_draft().is_none() {
            let draft = CommandDraft::of(&bench.study().objective, bench.study().direction);
            bench.editor.set_command_draft(Some(draft));
        }
        let drafting = bench.editor.command_draft().is_some();
        let is_model = !drafting && matches!(bench.study().objective, ObjectiveSpec::Model { .. });
        let is_synthetic =
            !drafting && matches!(bench.study().objective, ObjectiveSpec::Synthetic { .. });
        ui.horizontal(|ui| {
            if ui
                .selectable_label(is_synthetic, tr("test function"))
                .clicked()
                && !is_synthetic
            {
                bench.editor.set_command_draft(None);
                apply(bench, ObjectiveSpec::default());
            }
            if ui.selectable_label(is_model, tr("model on data")).clicked() && !is_model {
                bench.editor.set_command_draft(None);
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
                let draft = CommandDraft::of(&bench.study().objective, bench.study().direction);
                bench.editor.set_command_draft(Some(draft));
            }
        });
        if bench.editor.command_draft().is_some() {
            command(ui, bench);
        } else {
            match bench.study().objective.clone() {
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
    if bench.background.objective_jobs.editing().is_some() {
        loading(ui, None);
    }
    if let Some(e) = bench.editor.objective_error() {
        ui.colored_label(ui.visuals().error_fg_color, crate::gui::i18n::tr_message(e));
    }
}

/// Make `spec` the study's objective with its default space once it is built, or keep the
/// old one and show why not. A model objective is built on the builder thread (it reads
/// files) and applied when [`poll_builds`] collects it; other objectives build at once.
pub fn apply(bench: &mut Workbench, spec: ObjectiveSpec) {
    bench.background.objective_jobs.forget_edit();
    if !reads_files(&spec) {
        match build(&spec) {
            Ok(built) => applied(bench, spec, built),
            Err(e) => bench.editor.refuse_objective(e),
        }
        return;
    }
    let wake = bench.waker();
    match bench
        .background
        .objective_jobs
        .request_build(spec.clone(), wake)
    {
        Ok(()) => bench.background.objective_jobs.edit = Some(spec),
        Err(e) => bench.editor.refuse_objective(e),
    }
}

/// Make the built `spec` the study's objective, with its default space and direction.
fn applied(bench: &mut Workbench, spec: ObjectiveSpec, built: Built) {
    let (space, direction) = (built.objective.default_space(), built.objective.direction());
    bench.editor.set_objective(spec.clone(), space, direction);
    bench.background.objective_jobs.built = Some((spec, Ok(built)));
}

/// How a command objective is run, shown under its editor (see `objective::command`).
pub const COMMAND_HINT: &str = "Each trial runs the command with the parameters appended as \
`--name value` and as one JSON object on stdin. Its value is the last line of stdout: a \
number, or JSON with a numeric `value`. A non-zero exit or a timeout fails the trial. No \
shell runs: quotes group words; no pipes or variables.";

fn command(ui: &mut egui::Ui, bench: &mut Workbench) {
    let Some(mut draft) = bench.editor.command_draft().cloned() else {
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
                if spec != bench.study().objective || draft.direction != bench.study().direction {
                    // Typed here by the user: it runs without a second confirmation.
                    if let Some(a) = crate::objective::consent::CommandApproval::of(&spec) {
                        bench.consent.confirmed.push(a);
                    }
                }
                // A command has no parameters of its own: the study's are passed to it.
                bench.editor.set_command_objective(spec, draft.direction);
            }
            Err(e) => draft.error = Some(e),
        }
    }
    if let Some(e) = &draft.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    ui.label(egui::RichText::new(COMMAND_HINT).weak().small());
    bench.editor.set_command_draft(Some(draft));
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
    dataset_choice(ui, &task, &mut next, actions);
    let current = bench
        .background
        .dataset_preview
        .as_ref()
        .filter(|p| p.is_for(&task));
    let summary = current.and_then(|p| p.result.as_ref().ok()).cloned();
    let is_file = matches!(task.dataset, DatasetSource::File(_));
    if is_file {
        csv_options(ui, &task, &mut next, summary.as_ref());
    }
    match current.map(|p| &p.result) {
        Some(Ok(s)) => {
            preview(ui, s);
            if is_file {
                column_roles(ui, s, &task, &mut next);
            }
        }
        Some(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, crate::gui::i18n::tr_message(e));
            // The roles of the columns named so far can still be undone.
            if is_file
                && !task.data.ignore.is_empty()
                && ui.button(tr("use every column")).clicked()
            {
                next.data.ignore.clear();
            }
        }
        None => loading(ui, bench.background.objective_jobs.meter.fraction()),
    }
    let data_task = summary.as_ref().map(|s| s.task);
    egui::Grid::new("model_options")
        .num_columns(2)
        .show(ui, |ui| {
            model_choice(ui, &task, &mut next);
            metric_choice(ui, &task, &mut next, data_task);
            ui.label(tr("folds"));
            ui.horizontal(|ui| folds_choice(ui, &task, &mut next));
            ui.end_row();
            robust_choice(ui, &task, &mut next);
        });
    if next != task {
        apply(bench, ObjectiveSpec::from_model_task(next));
    }
}

/// Robust tuning: further bundled datasets to score the same configuration on, and what
/// the study optimises of the scores (two grid rows).
fn robust_choice(ui: &mut egui::Ui, task: &ModelTask, next: &mut ModelTask) {
    use crate::objective::robust::{Aggregate, Robust};
    let also: Vec<DatasetSource> = task.robust.as_ref().map_or(vec![], |r| r.also.clone());
    ui.label(tr("also score on"));
    // Two a row in a vertical layout: its height is known in the frame it is drawn, so the
    // grid row below never overlaps it (a wrapped row's height is only known a frame later).
    let others: Vec<&str> = BUNDLED
        .iter()
        .copied()
        .filter(|name| DatasetSource::Bundled((*name).into()) != task.dataset)
        .collect();
    ui.vertical(|ui| {
        for pair in others.chunks(2) {
            ui.horizontal(|ui| {
                for name in pair {
                    let source = DatasetSource::Bundled((*name).into());
                    let mut on = also.contains(&source);
                    if ui.checkbox(&mut on, *name).changed() {
                        let mut r = next.robust.take().unwrap_or(Robust {
                            also: vec![],
                            aggregate: Aggregate::Mean,
                            repeats: 1,
                        });
                        r.also.retain(|d| *d != source);
                        if on {
                            r.also.push(source);
                        }
                        next.robust = (!r.also.is_empty() || r.repeats > 1).then_some(r);
                    }
                }
            });
        }
    })
    .response
    .on_hover_text(tr(
        "tune one configuration for several datasets: each trial keeps every dataset's score",
    ));
    ui.end_row();
    if let Some(r) = &task.robust {
        let label = ui.label(tr("optimise"));
        let choices = [
            (Aggregate::Mean, tr("the mean")),
            (Aggregate::Worst, tr("the worst case")),
            (Aggregate::MeanSd { k: 1.0 }, tr("mean − 1 sd")),
        ];
        egui::ComboBox::from_id_salt("robust_aggregate")
            .selected_text(r.aggregate.name())
            .show_ui(ui, |ui| {
                for (a, label) in choices {
                    if ui.selectable_label(r.aggregate == a, label).clicked()
                        && let Some(n) = next.robust.as_mut()
                    {
                        n.aggregate = a;
                    }
                }
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
    }
}

/// A spinner saying the data is loading (for the preview, or an edit's build), with a
/// progress bar once a file's reading has got going.
fn loading(ui: &mut egui::Ui, fraction: Option<f32>) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(egui::RichText::new(tr("loading the data…")).weak());
    });
    if let Some(f) = fraction.filter(|f| *f > 0.0) {
        ui.add(egui::ProgressBar::new(f).show_percentage());
    }
}

/// The bundled datasets and the button that opens a CSV file.
fn dataset_choice(
    ui: &mut egui::Ui,
    task: &ModelTask,
    next: &mut ModelTask,
    actions: &mut Vec<Action>,
) {
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
                "a header row, numeric or text columns, the target last (or chosen below); or drop the file on the window",
            ))
            .clicked()
        {
            actions.push(Action::OpenCsv(None));
        }
    });
    // Offered with a file's data, or once the file dialog could not open.
    if matches!(task.dataset, DatasetSource::File(_))
        || crate::gui::drop::path_field_wanted(ui.ctx())
    {
        path_field(ui, actions);
    }
}

/// The id of the path field's text, kept in egui's memory between frames.
fn path_id() -> egui::Id {
    egui::Id::unique("knobs_open_path")
}

/// A field to type or paste a path into: a CSV file opens as the data, a session or
/// journal as the study. The way in when the desktop has no file dialog.
pub fn path_field(ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    let id = path_id();
    let mut text: String = ui.data_mut(|d| d.get_temp(id).unwrap_or_default());
    let mut open = false;
    ui.horizontal(|ui| {
        let label = ui.label(tr("path"));
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut text)
                    .id_salt("open_path")
                    .hint_text(tr("or type a path: data.csv, study.ron"))
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        open |= edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        open |= ui
            .add_enabled(!text.trim().is_empty(), egui::Button::new(tr("Open")))
            .clicked();
    });
    let path = text.trim().trim_matches(['"', '\'']).to_owned();
    if open && !path.is_empty() {
        actions.push(crate::gui::drop::action_for(std::path::PathBuf::from(path)));
        text.clear();
    }
    ui.data_mut(|d| d.insert_temp(id, text));
}

/// A CSV file's target column (from the loaded preview's columns) and task.
fn csv_options(
    ui: &mut egui::Ui,
    task: &ModelTask,
    next: &mut ModelTask,
    summary: Option<&DatasetSummary>,
) {
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
                    let names = summary.map(|s| s.columns.clone()).unwrap_or_default();
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
            egui::ComboBox::from_label(tr("fill gaps with"))
                .selected_text(task.data.impute.name())
                .show_ui(ui, |ui| {
                    for how in Impute::ALL {
                        if ui
                            .selectable_label(task.data.impute == how, how.name())
                            .clicked()
                        {
                            next.data.impute = how;
                        }
                    }
                })
                .response
                .on_hover_text(tr(
                    "each split fills a numeric gap from its own training rows; categories take their most frequent level",
                ));
            ui.checkbox(&mut next.data.missing_indicator, tr("missing indicator"))
                .on_hover_text(tr("a 0/1 column saying where a value was missing"));
            ui.end_row();
            subsample_choice(ui, task, next);
            ui.end_row();
        });
}

/// Tune on a stratified share of the rows (a large file): 100 % is every row.
fn subsample_choice(ui: &mut egui::Ui, task: &ModelTask, next: &mut ModelTask) {
    let mut percent = task.data.subsample.map_or(100.0, |s| s.fraction * 100.0);
    ui.label(tr("rows used"));
    let changed = ui
        .add(
            egui::DragValue::new(&mut percent)
                .range(1.0..=100.0)
                .speed(1.0)
                .suffix(" %"),
        )
        .on_hover_text(tr(
            "tune on a stratified share of the rows, drawn with seed 0 and stored with the study; confirm the best on all rows",
        ))
        .changed();
    if changed {
        next.data.subsample = (percent < 100.0).then_some(crate::data::Subsample {
            fraction: percent / 100.0,
            seed: 0,
        });
        if next.data.subsample.is_some() && !matches!(next.folds, FoldSpec::KFold { .. }) {
            next.folds = FoldSpec::KFold { k: 5, seed: 0 };
        }
    }
}

/// One row per column: its role (feature, target, ignored) and kind (numeric or
/// categorical), with its gaps and levels or range, each changeable.
fn column_roles(ui: &mut egui::Ui, s: &DatasetSummary, task: &ModelTask, next: &mut ModelTask) {
    egui::CollapsingHeader::new(tr("columns"))
        .id_salt("column_roles")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("column_roles_grid")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for h in ["column", "role", "kind", "missing", "levels or range"] {
                        ui.label(egui::RichText::new(tr(h)).strong().small());
                    }
                    ui.end_row();
                    for (i, c) in s.info.iter().enumerate() {
                        column_row(ui, i, c, task, next);
                    }
                });
        });
}

/// One column's row of [`column_roles`].
fn column_row(ui: &mut egui::Ui, i: usize, c: &ColumnInfo, task: &ModelTask, next: &mut ModelTask) {
    let name = match c.role {
        Role::Target => task
            .target
            .clone()
            .unwrap_or_else(|| tr("last column").to_owned()),
        _ => c.name.clone(),
    };
    ui.label(egui::RichText::new(&name).small().monospace());
    let mut role = c.role;
    egui::ComboBox::from_id_salt(("role", i))
        .selected_text(tr(role.name()))
        .show_ui(ui, |ui| {
            for r in [Role::Feature, Role::Target, Role::Ignored] {
                ui.selectable_value(&mut role, r, tr(r.name()));
            }
        });
    if role != c.role && c.role != Role::Target {
        next.data.ignore.retain(|n| n != &c.name);
        next.data
            .categorical
            .retain(|n| n != &c.name || role == Role::Feature);
        match role {
            Role::Ignored => next.data.ignore.push(c.name.clone()),
            Role::Target => next.target = Some(c.name.clone()),
            Role::Feature => {}
        }
    }
    let forced = task.data.categorical.contains(&c.name);
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(tr(&c.kind)).small());
        if c.role == Role::Feature && (c.kind == "numeric" || forced) {
            let mut categorical = forced;
            if ui
                .checkbox(&mut categorical, tr("as categories"))
                .on_hover_text(tr(
                    "read these numbers as categories (a class number, a code)",
                ))
                .changed()
            {
                if categorical {
                    next.data.categorical.push(c.name.clone());
                } else {
                    next.data.categorical.retain(|n| n != &c.name);
                }
            }
        }
    });
    let gaps = if c.missing > 0 {
        egui::RichText::new(c.missing.to_string())
            .small()
            .color(ui.visuals().warn_fg_color)
    } else {
        egui::RichText::new(if c.role == Role::Ignored { "" } else { "0" }).small()
    };
    ui.label(gaps);
    ui.label(egui::RichText::new(&c.detail).small().weak());
    ui.end_row();
}

/// The model, and the kernel of a support-vector model: two rows of the options grid.
fn model_choice(ui: &mut egui::Ui, task: &ModelTask, next: &mut ModelTask) {
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
}

/// The metric, among those for the data's task once the preview knows it: a row of the
/// options grid.
fn metric_choice(
    ui: &mut egui::Ui,
    task: &ModelTask,
    next: &mut ModelTask,
    data_task: Option<Task>,
) {
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
}

/// The splits: a bundled dataset's reference folds, or k folds.
fn folds_choice(ui: &mut egui::Ui, task: &ModelTask, next: &mut ModelTask) {
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
        let moons = bench.study().objective.model_task().unwrap();
        let iris = ModelTask::new(DatasetSource::Bundled("iris".into()), ModelSpec::Knn);
        // The first refresh only starts a load.
        refresh_preview(&mut bench, &moons, &ctx);
        assert!(bench.background.dataset_preview.is_none());
        assert!(bench.background.objective_jobs.preview_loading(&moons));
        // The source changes before it arrives: the moons load is dropped.
        refresh_preview(&mut bench, &iris, &ctx);
        assert!(bench.background.objective_jobs.preview_loading(&iris));
        assert!(!bench.background.objective_jobs.preview_loading(&moons));
        assert!(!wait_preview(&mut bench, &moons, Duration::from_millis(1)));
        assert!(wait_preview(&mut bench, &iris, Duration::from_secs(60)));
        let preview = bench.background.dataset_preview.clone().unwrap();
        assert_eq!(preview.features_for(&iris), Some(4));
        assert_eq!(preview.features_for(&moons), None);
        // Once loaded, refreshing the same source keeps it and starts nothing.
        refresh_preview(&mut bench, &iris, &ctx);
        assert!(!bench.background.objective_jobs.preview_loading(&iris));
        assert_eq!(
            bench
                .background
                .dataset_preview
                .unwrap()
                .features_for(&iris),
            Some(4)
        );
    }

    #[test]
    fn a_model_edit_applies_when_its_build_succeeds_and_a_bad_csv_keeps_the_study() {
        let mut bench = Workbench::new(Workbench::branin_study());
        let branin = bench.study().objective.clone();
        let iris = ObjectiveSpec::from_model_task(ModelTask::new(
            DatasetSource::Bundled("iris".into()),
            ModelSpec::Knn,
        ));
        // The edit is only asked for: the study keeps Branin until the build is in.
        apply(&mut bench, iris.clone());
        assert_eq!(bench.background.objective_jobs.editing(), Some(&iris));
        assert_eq!(bench.study().objective, branin);
        assert!(wait_objective(&mut bench, Duration::from_secs(60)));
        assert_eq!(bench.study().objective, iris);
        assert_eq!(bench.study().space, iris.build().unwrap().default_space());
        assert!(bench.editor.objective_error().is_none());

        // A malformed CSV: the error names the file, and the study keeps iris.
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "a,b,label\n1,2,x\n3,oops,y\n").unwrap();
        let spec = with_csv(&bench.study().objective, bad);
        apply(&mut bench, spec);
        assert!(wait_objective(&mut bench, Duration::from_secs(60)));
        assert!(bench.editor.objective_error().unwrap().contains("bad.csv"));
        assert_eq!(bench.study().objective, iris);

        // An edit replaced at once by one that builds in place is dropped.
        let spec = with_csv(&bench.study().objective, dir.path().join("x.csv"));
        apply(&mut bench, spec);
        apply(&mut bench, ObjectiveSpec::default());
        assert!(bench.background.objective_jobs.editing().is_none());
        assert_eq!(bench.study().objective, ObjectiveSpec::default());
    }

    #[test]
    fn the_study_objective_is_built_ahead_for_run_and_its_cost_estimate() {
        let mut bench = Workbench::new(Workbench::default_study());
        bench.workers.jobs = 3;
        let task = bench.study().objective.model_task().unwrap();
        // A frame asks for the build; nothing is built on the caller's thread.
        poll_builds(&mut bench);
        assert!(bench.background.objective_jobs.built.is_none());
        let objective = bench.study().objective.clone();
        let builder = bench.background.objective_jobs.builder.as_mut().unwrap();
        let key = builder.requested().cloned();
        assert_eq!(key.as_ref(), Some(&objective));
        let polled = builder.wait(Duration::from_secs(60));
        take_build(&mut bench, key, polled);
        // The cost comes from the data measured off the caller's thread, and matches.
        assert_eq!(
            trial_cost(&bench, &task).unwrap(),
            task.trial_cost(3).unwrap()
        );
        // A run takes the built objective, so the next one is built afresh.
        let objective = objective_for_run(&mut bench).unwrap();
        assert_eq!(objective.default_space().dim(), 2);
        assert!(bench.background.objective_jobs.built.is_none());
        poll_builds(&mut bench);
        assert!(
            bench
                .background
                .objective_jobs
                .builder
                .as_ref()
                .unwrap()
                .is_busy()
        );
    }

    #[test]
    fn after_a_failed_build_the_cost_estimate_says_why_instead_of_reading_the_data() {
        let mut bench = Workbench::new(Workbench::default_study());
        bench.set_waker(Arc::new(|| {}));
        let task = bench.study().objective.model_task().unwrap();
        let spec = bench.study().objective.clone();
        // The bundled moons would load fine: an Ok here would mean the frame read them.
        bench.background.objective_jobs.built = Some((spec, Err("moons: unreadable".into())));
        assert_eq!(trial_cost(&bench, &task).unwrap_err(), "moons: unreadable");
        bench.background.objective_jobs.built = None;
        let why = trial_cost(&bench, &task).unwrap_err();
        assert!(why.contains("still being built"), "{why}");
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
