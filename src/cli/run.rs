//! `knobs run`: assemble a study from a session and flags, run it, report.

use super::{CliError, RunArgs};
use crate::data::{Impute, Subsample, Task};
use crate::models::{KernelKind, Metric, ModelSpec};
use crate::objective::consent::CommandApproval;
use crate::objective::robust::{Aggregate, Robust};
use crate::objective::{DatasetSource, FoldSpec, ModelTask, ObjectiveSpec};
use crate::report;
use crate::runner::{self, Event, FinishReason};
use crate::session::{RaceSession, Session};
use crate::space::parse_param;
use crate::storage::journal::{self, JournalStorage};
use crate::storage::rdb::{self, RdbStorage};
use crate::storage::url::StorageUrl;
use crate::strategy::StrategySpec;
use crate::strategy::warm::{self, WarmStart};
use crate::study::{Direction, Study};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The `--storage` URL, parsed (a malformed one is bad input, exit 2).
fn storage_url(args: &RunArgs) -> Result<Option<StorageUrl>, CliError> {
    args.storage
        .as_deref()
        .map(StorageUrl::parse)
        .transpose()
        .map_err(|e| CliError::Input(e.to_string()))
}

/// The study to resume from an SQL `--storage`: its unbroken run of finished trials, or
/// `None` when the storage has no such study yet (this run creates it).
fn sql_study(args: &RunArgs) -> Result<Option<Study>, CliError> {
    let Some(url) = storage_url(args)?.filter(|u| !matches!(u, StorageUrl::Journal(_))) else {
        return Ok(None);
    };
    if args.session.is_some() {
        return Ok(None);
    }
    let input = |e: crate::storage::StorageError| CliError::Input(e.to_string());
    let names = rdb::study_names(&url).or_else(|e| match &url {
        // A database not made yet holds no study.
        StorageUrl::Sqlite(path) if !path.exists() => Ok(Vec::new()),
        // Nor does a database without Optuna's tables (this run creates them).
        _ => match e {
            crate::storage::StorageError::Database { message, .. }
                if message.contains("holds no Optuna study tables") =>
            {
                Ok(Vec::new())
            }
            e => Err(input(e)),
        },
    })?;
    let wanted = match (&args.study, names.as_slice()) {
        (Some(n), _) if names.contains(n) => n.clone(),
        (None, [only]) => only.clone(),
        _ => return Ok(None),
    };
    let recovered = rdb::read(&url, Some(&wanted)).map_err(input)?;
    if !recovered.knobs_definition {
        return Err(CliError::Input(format!(
            "{url}: study `{wanted}` was written by Optuna, not Knobs: its objective is unknown, \
             so Knobs can read its {} trials but cannot continue it",
            recovered.study.trials.len()
        )));
    }
    let mut study = recovered.resumable();
    study.name = wanted;
    Ok(Some(study))
}

/// `knobs list --storage URL`: the studies in a storage, one a line with its trial count.
pub(super) fn list_storage(text: &str) -> Result<i32, CliError> {
    let url = StorageUrl::parse(text).map_err(|e| CliError::Input(e.to_string()))?;
    let studies =
        crate::storage::catalog::catalog(&url).map_err(|e| CliError::Input(e.to_string()))?;
    for s in studies {
        let trials = match &s.problem {
            Some(problem) => format!("unreadable: {problem}"),
            None => format!("{} trials", s.trials()),
        };
        println!("{}\t{trials}", s.name);
    }
    Ok(0)
}

/// The SQL storage this run writes (`--storage sqlite:…|postgresql:…`): the study of its
/// name resumed (interrupted trials failed first), else created.
fn open_sql(url: &StorageUrl, study: &Study) -> Result<RdbStorage, CliError> {
    let input = |e: crate::storage::StorageError| CliError::Input(e.to_string());
    let conn = rdb::connect(url, true).map_err(input)?;
    if let Some((mut storage, _)) = RdbStorage::open(conn, Some(&study.name)).map_err(input)? {
        storage.set_definition(study).map_err(input)?;
        return Ok(storage);
    }
    RdbStorage::create(rdb::connect(url, true).map_err(input)?, study).map_err(input)
}

/// Whether the file at `path` is a journal (by its content, whatever its name).
fn is_journal(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 256];
    std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .is_ok_and(|n| journal::looks_like_journal(&head[..n]))
}

/// The study a session argument holds, a RON session or a journal (its unbroken run of
/// finished trials: interrupted ones are asked again).
fn load_session(path: &Path) -> Result<Study, CliError> {
    if !is_journal(path) {
        let session = Session::load(path).map_err(|e| CliError::Input(e.to_string()))?;
        for note in &session.notes {
            eprintln!("knobs: note: {}: {note}", path.display());
        }
        return Ok(session.study);
    }
    let recovered = journal::read(path).map_err(|e| CliError::Input(e.to_string()))?;
    if !recovered.knobs_definition {
        return Err(CliError::Input(format!(
            "{}: study `{}` was written by Optuna, not Knobs: its objective is unknown, so \
             Knobs can read its {} trials but cannot continue it",
            path.display(),
            recovered.study.name,
            recovered.study.trials.len()
        )));
    }
    Ok(recovered.resumable())
}

/// Check before the first trial that a result file can be written where asked: its folder
/// exists and takes a new file.
fn check_writable(flag: &str, path: &Path) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(CliError::Input(format!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let probe = dir.join(format!(".knobs-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| {
            CliError::Input(format!(
                "{flag} {}: cannot write in {}: {e}",
                path.display(),
                dir.display()
            ))
        })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The journal this run writes: `--journal`, else the journal being resumed, else beside
/// `--save`; none without any of them. A resumed journal is appended to (after its
/// interrupted trials are failed); a new one replaces only a finished journal, never an
/// unfinished study or a file that is not a journal.
fn open_journal(args: &RunArgs, study: &Study) -> Result<Option<JournalStorage>, CliError> {
    let resumed = args.session.as_ref().filter(|p| is_journal(p));
    let from_url = match storage_url(args)? {
        Some(StorageUrl::Journal(path)) => Some(path),
        _ => None,
    };
    let Some(target) = args
        .journal
        .clone()
        .or(from_url)
        .or_else(|| resumed.cloned())
        .or_else(|| args.save.as_ref().map(|s| s.with_extension("journal")))
    else {
        return Ok(None);
    };
    let run_error = |e: crate::storage::StorageError| CliError::Run(e.to_string());
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if resumed.is_some_and(|r| same(r, &target)) {
        let (mut storage, _) = JournalStorage::open(&target).map_err(run_error)?;
        storage.set_definition(study).map_err(run_error)?;
        return Ok(Some(storage));
    }
    check_writable("--journal", &target)?;
    // A journal a live process is writing looks unfinished: say who is writing it instead.
    crate::storage::lock::ensure_no_writer(&target).map_err(|e| CliError::Input(e.to_string()))?;
    let existing = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
    if existing > 0 {
        let refuse = |why: String| {
            CliError::Input(format!(
                "{}: {why}; remove it or give --journal another path",
                target.display()
            ))
        };
        if !is_journal(&target) {
            return Err(refuse("exists and is not a journal".into()));
        }
        match journal::read(&target) {
            Ok(r) if r.is_finished() => {}
            Ok(r) => {
                return Err(refuse(format!(
                    "holds the unfinished study `{}` ({} trials): resume it with `knobs run {}`",
                    r.study.name,
                    r.study.trials.len(),
                    target.display()
                )));
            }
            Err(e) => return Err(refuse(e.to_string())),
        }
    }
    JournalStorage::create(&target, study)
        .map(Some)
        .map_err(run_error)
}

/// Apply `--command`, `--trial-timeout` and `--workdir`; whether the objective became a new
/// command.
fn apply_command_args(objective: &mut ObjectiveSpec, args: &RunArgs) -> Result<bool, CliError> {
    if let Some(command) = &args.command {
        *objective = ObjectiveSpec::Command {
            command: command.clone(),
            trial_timeout: args.trial_timeout,
            workdir: args.workdir.clone(),
        };
        return Ok(true);
    }
    if args.trial_timeout.is_none() && args.workdir.is_none() {
        return Ok(false);
    }
    match objective {
        ObjectiveSpec::Command {
            trial_timeout,
            workdir,
            ..
        } => {
            if let Some(t) = args.trial_timeout {
                *trial_timeout = Some(t);
            }
            if let Some(w) = &args.workdir {
                *workdir = Some(w.clone());
            }
            Ok(false)
        }
        _ => Err(CliError::Input(
            "--trial-timeout and --workdir apply to --command objectives".into(),
        )),
    }
}

/// Build the study the arguments describe (the session's, with every flag applied on
/// top) and its objective, built once on the way so a large data file is read once.
fn assemble(args: &RunArgs) -> Result<(Study, Box<dyn crate::objective::Objective>), CliError> {
    let input = |e: &dyn std::fmt::Display| CliError::Input(e.to_string());
    super::resume::check_limits(args)?;
    let from_storage = sql_study(args)?;
    let resuming_storage = from_storage.is_some();
    let mut study = match (&args.session, from_storage) {
        (Some(path), _) => load_session(path)?,
        (None, Some(stored)) => stored,
        (None, None) => crate::study::default_study(),
    };
    let stored = study.clone();
    if let Some(name) = &args.objective {
        study.objective = ObjectiveSpec::from_name(name).map_err(|e| input(&e))?;
    }
    let objective_changed = apply_model_args(&mut study.objective, args)?;
    let objective_changed = apply_command_args(&mut study.objective, args)? || objective_changed;
    if let Some(d) = args.dims {
        match &mut study.objective {
            ObjectiveSpec::Synthetic { dims, .. } => *dims = Some(d),
            _ => {
                return Err(CliError::Input(
                    "--dims applies to synthetic objectives".into(),
                ));
            }
        }
    }
    let objective = build_objective(&study.objective, args.quiet)?;
    if args.objective.is_some()
        || args.dims.is_some()
        || objective_changed
        || (args.session.is_none() && !resuming_storage)
    {
        study.space = objective.default_space();
        study.direction = objective.direction();
    }
    for spec in &args.params {
        let param = parse_param(spec).map_err(|e| input(&e))?;
        study.space.upsert(param).map_err(|e| input(&e))?;
    }
    if study.space.params().is_empty() {
        return Err(CliError::Input(format!(
            "{} has no parameters to tune; give some with --param",
            study.objective.label()
        )));
    }
    if let Some(d) = &args.direction {
        study.direction = d.parse::<Direction>().map_err(|e| input(&e))?;
    }
    if let Some(name) = &args.strategy {
        study.strategy = StrategySpec::from_name(name).map_err(|e| input(&e))?;
    }
    if let Some(n) = args.grid_points {
        match &mut study.strategy {
            StrategySpec::Grid(grid) => grid.points = n,
            other => {
                return Err(CliError::Input(format!(
                    "--grid-points applies to the grid strategy, not `{}`",
                    other.name()
                )));
            }
        }
    }
    apply_pruner_args(&mut study, args)?;
    if args.adaptive && study.adaptive.rule.is_none() {
        study.adaptive.rule = Some(crate::advisor::adaptive::AdaptiveRule::default());
    }
    if let Some(b) = args.budget {
        study.budget = b;
    }
    if let Some(s) = args.seed {
        study.seed = s;
    }
    if let Some(w) = args.window {
        study.window = Some(w);
    }
    if let (Some(name), false) = (&args.study, resuming_storage) {
        study.name = name.clone();
    }
    if study.name.is_empty() {
        study.name = format!("{} on {}", study.strategy.name(), study.objective.label());
    }
    if let Some(path) = &args.warm_start {
        let old = load_session(path)?;
        let source = path.display().to_string();
        let warm = WarmStart::from_study(&old, &study.space, &source, warm::DEFAULT_FIRST)
            .map_err(|e| input(&e))?;
        if !args.quiet {
            eprintln!("knobs: {}", warm.describe());
        }
        study.warm_start = Some(Box::new(warm));
    }
    if let Some(path) = &args.session {
        super::resume::check_resume(path, &stored, &mut study, args.new_study)?;
    } else if resuming_storage {
        check_storage_resume(args, &stored, &study)?;
    }
    Ok((study, objective))
}

/// Refuse to continue a study from an SQL `--storage` when the flags change what its stored
/// trials measured (the objective, the space, the direction): the same check as a session's
/// or a journal's resume. A storage keeps each study under its name, so the way to a new
/// study with these changes is another name (`--new-study` is for a session file).
fn check_storage_resume(args: &RunArgs, stored: &Study, study: &Study) -> Result<(), CliError> {
    if stored.trials.is_empty() {
        return Ok(());
    }
    let url = storage_url(args)?
        .map(|u| u.to_string())
        .unwrap_or_default();
    let changes = super::resume::resume_changes(stored, study);
    if changes.is_empty() {
        return Ok(());
    }
    Err(CliError::Input(format!(
        "{url}: the flags change {} of study `{}` with {} stored trials, which were measured \
         without that change and cannot be mixed into it. To start a new study with these \
         changes, give it another name with --study NAME (the storage keeps both); to resume \
         it, leave the objective, space and direction as stored",
        changes.join(", "),
        stored.name,
        stored.trials.len()
    )))
}

/// The most trials a `--resource-budget` run without `--budget` may ask: the resource budget
/// stops it long before, since every trial uses at least one unit.
const UNLIMITED_TRIALS: usize = 1_000_000;

/// Apply `--pruner`, `--pruner-opt` and `--resource-budget` to the study.
fn apply_pruner_args(study: &mut Study, args: &RunArgs) -> Result<(), CliError> {
    let input = |e: &dyn std::fmt::Display| CliError::Input(e.to_string());
    if let Some(name) = &args.pruner {
        study.pruner = crate::pruner::PrunerSpec::from_name(name).map_err(|e| input(&e))?;
    }
    for option in &args.pruner_opts {
        study.pruner.set_option(option).map_err(|e| input(&e))?;
    }
    if let Some(r) = args.resource_budget {
        if r == 0 {
            return Err(CliError::Input(
                "--resource-budget must be at least 1".into(),
            ));
        }
        study.resource_budget = Some(r);
        if args.budget.is_none() {
            study.budget = UNLIMITED_TRIALS.max(study.trials.len());
        }
    }
    Ok(())
}

/// Whether any option of a model objective was given.
fn any_model_arg(args: &RunArgs) -> bool {
    args.dataset.is_some()
        || args.model.is_some()
        || args.target.is_some()
        || args.task.is_some()
        || args.metric.is_some()
        || args.folds.is_some()
        || args.kernel.is_some()
        || !args.ignore.is_empty()
        || !args.categorical.is_empty()
        || args.impute.is_some()
        || args.missing_indicator
        || args.subsample.is_some()
        || args.robust.is_some()
        || args.repeats.is_some()
}

/// Apply `--dataset`, `--model` and their companions to the objective; true if any was
/// given. A new model objective needs both `--dataset` and `--model`; a session's model
/// objective takes any of them alone.
fn apply_model_args(objective: &mut ObjectiveSpec, args: &RunArgs) -> Result<bool, CliError> {
    let any = any_model_arg(args);
    if !any {
        return Ok(false);
    }
    let kernel = match &args.kernel {
        Some(k) => Some(KernelKind::from_name(k).ok_or_else(|| {
            CliError::Input(format!(
                "unknown kernel `{k}` (known: {})",
                KernelKind::ALL.map(|k| k.name()).join(", ")
            ))
        })?),
        None => None,
    };
    let model = match &args.model {
        Some(name) => {
            Some(ModelSpec::from_name(name, kernel).map_err(|e| CliError::Input(e.to_string()))?)
        }
        None => None,
    };
    let (first, also) = split_datasets(args)?;
    let mut task = match (objective.model_task(), &first, model) {
        (_, Some(dataset), Some(model)) => ModelTask::new(DatasetSource::from_arg(dataset), model),
        (Some(mut task), dataset, model) => {
            if let Some(d) = dataset {
                task.dataset = DatasetSource::from_arg(d);
                task.folds = FoldSpec::default_for(&task.dataset);
                task.robust = None;
            }
            if let Some(m) = model {
                task.model = m;
            }
            task
        }
        (None, None, _) => {
            return Err(CliError::Input(
                "--model and its options need --dataset FILE.csv|NAME".into(),
            ));
        }
        (None, Some(_), None) => {
            return Err(CliError::Input(format!(
                "--dataset needs --model (known: {})",
                ModelSpec::NAMES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    if args.model.is_none()
        && let Some(k) = kernel
    {
        match &mut task.model {
            ModelSpec::Svc { kernel } | ModelSpec::Svr { kernel } => *kernel = k,
            other => {
                return Err(CliError::Input(format!(
                    "--kernel applies to svc and svr, not `{}`",
                    other.name()
                )));
            }
        }
    }
    if let Some(t) = &args.target {
        task.target = Some(t.clone());
    }
    if let Some(t) = &args.task {
        task.task = Some(match t.to_ascii_lowercase().as_str() {
            "classification" | "classify" => Task::Classification,
            "regression" => Task::Regression,
            other => {
                return Err(CliError::Input(format!(
                    "unknown task `{other}` (use classification or regression)"
                )));
            }
        });
    }
    if let Some(m) = &args.metric {
        task.metric = Some(Metric::from_name(m).ok_or_else(|| {
            CliError::Input(format!(
                "unknown metric `{m}` (known: {})",
                Metric::ALL.map(|m| m.name()).join(", ")
            ))
        })?);
    }
    if let Some(f) = &args.folds {
        task.folds = FoldSpec::from_arg(f);
    }
    apply_data_args(&mut task, args)?;
    apply_robust_args(&mut task, also, args)?;
    *objective = ObjectiveSpec::from_model_task(task);
    Ok(true)
}

/// Apply the column roles, gap filling and subsampling flags to a model task.
fn apply_data_args(task: &mut ModelTask, args: &RunArgs) -> Result<(), CliError> {
    if !args.ignore.is_empty() {
        task.data.ignore.clone_from(&args.ignore);
    }
    if !args.categorical.is_empty() {
        task.data.categorical.clone_from(&args.categorical);
    }
    if let Some(how) = &args.impute {
        task.data.impute = Impute::from_name(how).ok_or_else(|| {
            CliError::Input(format!(
                "unknown --impute `{how}` (known: {})",
                Impute::ALL.map(Impute::name).join(", ")
            ))
        })?;
    }
    if args.missing_indicator {
        task.data.missing_indicator = true;
    }
    if let Some(fraction) = args.subsample {
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(CliError::Input(format!(
                "--subsample {fraction}: give a fraction in (0, 1], e.g. 0.1"
            )));
        }
        task.data.subsample = (fraction < 1.0).then_some(Subsample {
            fraction,
            seed: args.seed.unwrap_or(0),
        });
    }
    Ok(())
}

/// `--dataset a,b,c` as its first dataset (the task's own) and the others (scored too, for
/// robust tuning); `(None, None)` without `--dataset`.
fn split_datasets(
    args: &RunArgs,
) -> Result<(Option<String>, Option<Vec<DatasetSource>>), CliError> {
    let Some(list) = &args.dataset else {
        return Ok((None, None));
    };
    let mut names = list.split(',').map(str::trim).filter(|n| !n.is_empty());
    let first = names.next().ok_or_else(|| {
        CliError::Input("--dataset: name a dataset (or several, comma-separated)".into())
    })?;
    Ok((
        Some(first.to_owned()),
        Some(names.map(DatasetSource::from_arg).collect()),
    ))
}

/// Apply the datasets after the first of `--dataset a,b,c` (`also`), `--robust` and
/// `--repeats`: a robust task when there is more than one dataset or split to score.
fn apply_robust_args(
    task: &mut ModelTask,
    also: Option<Vec<DatasetSource>>,
    args: &RunArgs,
) -> Result<(), CliError> {
    let aggregate = match &args.robust {
        Some(a) => Some(Aggregate::from_arg(a).map_err(CliError::Input)?),
        None => None,
    };
    if args.repeats == Some(0) {
        return Err(CliError::Input(
            "--repeats 0: give at least 1 split per dataset".into(),
        ));
    }
    let mut robust = task.robust.take().unwrap_or(Robust {
        also: Vec::new(),
        aggregate: Aggregate::Mean,
        repeats: 1,
    });
    if let Some(also) = also {
        robust.also = also;
    }
    if let Some(a) = aggregate {
        robust.aggregate = a;
    }
    if let Some(n) = args.repeats {
        robust.repeats = n;
    }
    if robust.also.is_empty() && robust.repeats <= 1 {
        if aggregate.is_some() {
            return Err(CliError::Input(
                "--robust needs several datasets (--dataset a,b,c) or --repeats N".into(),
            ));
        }
        return Ok(());
    }
    task.robust = Some(robust);
    Ok(())
}

/// Build the objective; a model's data file shows a progress line on stderr when it takes
/// more than a second to read (a large CSV), unless `quiet`.
fn build_objective(
    spec: &ObjectiveSpec,
    quiet: bool,
) -> Result<Box<dyn crate::objective::Objective>, CliError> {
    let input = |e: &dyn std::fmt::Display| CliError::Input(e.to_string());
    let Some(task) = spec.model_task().filter(|t| t.robust.is_none()) else {
        return spec.build().map_err(|e| input(&e));
    };
    let started = Instant::now();
    let mut shown = false;
    let label = task.dataset.label();
    let built = task.build_with_progress(&mut |p| {
        if quiet || started.elapsed().as_secs_f64() < 1.0 {
            return;
        }
        shown = true;
        eprint!(
            "\rknobs: reading {label}: {:3.0}% ({:.0} of {:.0} MB)",
            100.0 * p.fraction(),
            p.bytes as f64 / 1e6,
            p.total.unwrap_or(p.bytes) as f64 / 1e6
        );
    });
    if shown {
        eprintln!(
            "\rknobs: read {label} in {:.1} s{:24}",
            started.elapsed().as_secs_f64(),
            ""
        );
    }
    Ok(Box::new(built.map_err(|e| input(&e))?))
}

/// Refuse to run a command objective that came from a session file unless the user has
/// confirmed it (`--allow-command`, remembered per command and folder) or typed the
/// command on this command line: a session can come from anyone.
pub fn check_command_allowed(study: &Study, args: &RunArgs) -> Result<(), CliError> {
    let Some(approval) = CommandApproval::of(&study.objective) else {
        return Ok(());
    };
    if args.command.is_some() {
        return Ok(());
    }
    if args.allow_command {
        if let Err(e) = approval.remember() {
            eprintln!("knobs: the confirmation could not be remembered: {e}");
        }
        return Ok(());
    }
    if approval.is_remembered() {
        return Ok(());
    }
    let from = args
        .session
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the session".into());
    Err(CliError::Input(format!(
        "{from} runs an external command for each trial:\n  {}\n{}\n\
         Nothing was run. Read it, then run again with --allow-command to confirm \
         (remembered for this command in this folder).",
        approval.command,
        approval.describe()
    )))
}

/// With `--jobs N` and no window set, say plainly when the strategy would still run fewer
/// trials at once. The window is not widened behind the user's back: the same seed must give
/// the same trials whatever `--jobs` is, and the window changes the trials.
fn explain_window(study: &Study, args: &RunArgs, jobs: usize) {
    if args.jobs.is_none() || args.quiet || study.window.is_some() {
        return;
    }
    let Some(own) = study.strategy_window() else {
        return;
    };
    if own < jobs {
        eprintln!(
            "knobs: --jobs {jobs}, but {} waits for results and runs {own} trial(s) at a time \
             by itself; the window is part of the study (same seed, same trials whatever \
             --jobs is), so it is not widened for you: give --window {jobs} to run {jobs} at \
             once (saved with the study; the trials then differ from window {own}'s)",
            study.strategy.name()
        );
    }
}

/// The race part to save with the study: the input session's, unless it would carry a
/// command the user did not run now (a hidden race objective must not travel on).
fn race_to_save(study: &Study, args: &RunArgs) -> Option<RaceSession> {
    let race = args
        .session
        .as_ref()
        .and_then(|p| Session::load(p).ok())
        .and_then(|s| s.race)?;
    let command_of = |spec: &ObjectiveSpec| match spec {
        ObjectiveSpec::Command { command, .. } => Some(command.clone()),
        _ => None,
    };
    match command_of(&race.problem.objective) {
        Some(c) if command_of(&study.objective).as_deref() != Some(c.as_str()) => {
            eprintln!(
                "knobs: the session's race part runs the command `{c}`, which this run did \
                 not; it is left out of the saved session"
            );
            None
        }
        _ => Some(race),
    }
}

/// Show the run's progress until it ends; why it ended and the strategy's seconds.
fn follow(
    handle: &runner::RunHandle,
    quiet: bool,
    budget: usize,
    already: usize,
) -> (FinishReason, f64) {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(budget as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} trials  {elapsed}  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_position(already as u64);
        bar
    };
    let mut strategy_seconds = 0.0;
    let mut finish = FinishReason::Stopped;
    for event in handle.events.iter() {
        match event {
            Event::TrialStarted(_) | Event::TrialProgress { .. } => {}
            Event::TrialFinished(trial) => {
                bar.inc(1);
                if let Some(reason) = trial.failure() {
                    bar.println(format!("trial {} failed: {reason}", trial.number));
                }
            }
            Event::RangeWidened { change, .. } => {
                let line = format!(
                    "adaptive range from trial {}: {} {} -> {} ({})",
                    change.trial,
                    change.param,
                    change.from.describe(),
                    change.to.describe(),
                    change.reason
                );
                // Said even when stderr is no terminal (the bar then draws nothing).
                if bar.is_hidden() && !quiet {
                    eprintln!("{line}");
                } else {
                    bar.println(line);
                }
            }
            Event::StudyFinished {
                reason,
                strategy_seconds: s,
                ..
            } => {
                strategy_seconds = s;
                finish = reason;
            }
        }
    }
    bar.finish_and_clear();
    (finish, strategy_seconds)
}

/// Start the run: in this process (writing its journal, if any), or as the coordinator of
/// worker processes (`--workers`); the handle and the journal's path.
fn start(
    args: &RunArgs,
    study: Study,
    objective: Arc<dyn crate::objective::Objective>,
    jobs: usize,
) -> Result<(runner::RunHandle, Option<String>), CliError> {
    if args.workers {
        drop(objective);
        let (handle, resume) = super::worker::start_coordinator(args, study, jobs)?;
        return Ok((handle, Some(resume)));
    }
    let (storage, journal_path): (Option<Box<dyn crate::storage::Storage>>, Option<String>) =
        match storage_url(args)? {
            Some(url @ (StorageUrl::Sqlite(_) | StorageUrl::Postgres(_))) => {
                let storage = open_sql(&url, &study)?;
                let resume = format!(
                    "--storage {} --study {:?}",
                    args.storage.clone().unwrap_or_default(),
                    storage.study_name()
                );
                (Some(Box::new(storage)), Some(resume))
            }
            _ => {
                let storage = open_journal(args, &study)?;
                let path = storage.as_ref().map(|s| s.path().display().to_string());
                (
                    storage.map(|s| Box::new(s) as Box<dyn crate::storage::Storage>),
                    path,
                )
            }
        };
    let handle = runner::start_with(study, objective, jobs, None, storage)
        .map_err(|e| CliError::Input(e.to_string()))?;
    Ok((handle, journal_path))
}

/// Run the study the arguments describe; the exit code (0, or 130/143 after a signal).
pub(super) fn run(args: &RunArgs) -> Result<i32, CliError> {
    if let Some(mb) = args.cache_mb {
        crate::models::smo::set_kernel_cache_mb(mb);
    }
    let coordinator_args;
    let args = if args.workers {
        coordinator_args = super::worker::coordinator_args(args)?;
        &coordinator_args
    } else {
        args
    };
    let (study, objective) = assemble(args)?;
    if !args.workers {
        check_command_allowed(&study, args)?;
    }
    let objective: Arc<dyn crate::objective::Objective> = Arc::from(objective);
    let jobs = args.jobs.unwrap_or_else(|| {
        if args.workers {
            // Trials waiting for workers on any number of hosts, not this host's cores.
            return crate::runner::remote::RemoteOptions::default().jobs;
        }
        std::thread::available_parallelism()
            .map(|n| n.get().min(super::resume::MAX_JOBS))
            .unwrap_or(1)
    });
    if !(1..=super::resume::MAX_JOBS).contains(&jobs) {
        return Err(CliError::Input(format!(
            "--jobs must be between 1 and {}",
            super::resume::MAX_JOBS
        )));
    }
    if !args.workers {
        explain_window(&study, args, jobs);
    }
    if let Some(path) = &args.save {
        check_writable("--save", path)?;
    }
    if let Some(path) = &args.trials_csv {
        check_writable("--trials-csv", path)?;
    }
    let mut signals = super::signals::StopOnSignal::new().map_err(CliError::Run)?;
    let started = Instant::now();
    let already = study.trials.len();
    let budget = study.budget;
    let (handle, journal_path) = start(args, study, objective, jobs)?;
    signals.watch(handle.commands.clone());

    let (finish, strategy_seconds) = follow(&handle, args.quiet, budget, already);
    let storage_error = handle.storage_error();
    let study = handle.join().map_err(CliError::Run)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    match &finish {
        FinishReason::StrategyFailed(_) if storage_error.is_some() => {}
        FinishReason::StrategyFailed(why) => {
            return Err(CliError::Input(format!(
                "strategy `{}`: {why}",
                study.strategy.name()
            )));
        }
        FinishReason::Exhausted(why) if !args.quiet => eprintln!("knobs: {why}"),
        _ => {}
    }

    if let Some(path) = &args.save {
        // A race saved with the input session is kept: it records the problem it raced on,
        // so it stays true whatever the flags changed, and re-saving never drops it (unless
        // it carries a command this run did not run).
        Session::with_race(study.clone(), race_to_save(&study, args))
            .save(path)
            .map_err(|e| CliError::Run(e.to_string()))?;
    }
    if let Some(path) = &args.trials_csv {
        report::write_trials_csv(&study, path).map_err(|e| CliError::Run(e.to_string()))?;
    }
    let summary = report::Summary::of(&study, wall_seconds, strategy_seconds);
    if args.json {
        println!("{}", summary.to_json());
    } else {
        println!("{}", summary.to_text(&study));
    }
    if let Some(why) = storage_error {
        return Err(CliError::Run(format!(
            "the run stopped because its storage failed: {why}"
        )));
    }
    let code = signals.exit_code();
    if let (Some(_), Some(path), false) = (code, &journal_path, args.quiet) {
        eprintln!(
            "knobs: stopped after {} trials; continue with `knobs run {}`",
            study.trials.len(),
            path
        );
    }
    Ok(code.unwrap_or(0))
}
