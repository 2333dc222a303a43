//! `knobs run`: assemble a study from a session and flags, run it, report.

use super::{CliError, RunArgs};
use crate::data::Task;
use crate::models::{KernelKind, Metric, ModelSpec};
use crate::objective::{DatasetSource, FoldSpec, ModelTask, ObjectiveSpec};
use crate::report;
use crate::runner::{self, Event, FinishReason};
use crate::session::Session;
use crate::space::parse_param;
use crate::strategy::StrategySpec;
use crate::study::{Direction, Study};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::time::Instant;

/// Build the study the arguments describe: the session's, with every flag applied on top.
pub fn study_from_args(args: &RunArgs) -> Result<Study, CliError> {
    let input = |e: &dyn std::fmt::Display| CliError::Input(e.to_string());
    let mut study = match &args.session {
        Some(path) => Session::load(path).map_err(|e| input(&e))?.study,
        None => crate::study::default_study(),
    };
    if let Some(name) = &args.objective {
        study.objective = ObjectiveSpec::from_name(name).map_err(|e| input(&e))?;
    }
    let mut objective_changed = apply_model_args(&mut study.objective, args)?;
    if let Some(command) = &args.command {
        study.objective = ObjectiveSpec::Command {
            command: command.clone(),
            trial_timeout: args.trial_timeout,
        };
        objective_changed = true;
    } else if let Some(t) = args.trial_timeout {
        match &mut study.objective {
            ObjectiveSpec::Command { trial_timeout, .. } => *trial_timeout = Some(t),
            _ => {
                return Err(CliError::Input(
                    "--trial-timeout applies to --command objectives".into(),
                ));
            }
        }
    }
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
    let objective = study.objective.build().map_err(|e| input(&e))?;
    if args.objective.is_some()
        || args.dims.is_some()
        || objective_changed
        || args.session.is_none()
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
            StrategySpec::Grid { points } => *points = n,
            other => {
                return Err(CliError::Input(format!(
                    "--grid-points applies to the grid strategy, not `{}`",
                    other.name()
                )));
            }
        }
    }
    if let Some(b) = args.budget {
        study.budget = b;
    }
    if let Some(s) = args.seed {
        study.seed = s;
    }
    if let Some(w) = args.window {
        if w == 0 {
            return Err(CliError::Input("--window must be at least 1".into()));
        }
        study.window = Some(w);
    }
    if study.name.is_empty() {
        study.name = format!("{} on {}", study.strategy.name(), study.objective.label());
    }
    Ok(study)
}

/// Apply `--dataset`, `--model` and their companions to the objective; true if any was
/// given. A new model objective needs both `--dataset` and `--model`; a session's model
/// objective takes any of them alone.
fn apply_model_args(objective: &mut ObjectiveSpec, args: &RunArgs) -> Result<bool, CliError> {
    let any = args.dataset.is_some()
        || args.model.is_some()
        || args.target.is_some()
        || args.task.is_some()
        || args.metric.is_some()
        || args.folds.is_some()
        || args.kernel.is_some();
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
    let mut task = match (objective.model_task(), &args.dataset, model) {
        (_, Some(dataset), Some(model)) => ModelTask::new(DatasetSource::from_arg(dataset), model),
        (Some(mut task), dataset, model) => {
            if let Some(d) = dataset {
                task.dataset = DatasetSource::from_arg(d);
                task.folds = FoldSpec::default_for(&task.dataset);
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
    *objective = ObjectiveSpec::from_model_task(task);
    Ok(true)
}

pub(super) fn run(args: &RunArgs) -> Result<(), CliError> {
    if let Some(mb) = args.cache_mb {
        crate::models::smo::set_kernel_cache_mb(mb);
    }
    let study = study_from_args(args)?;
    let objective: Arc<dyn crate::objective::Objective> = Arc::from(
        study
            .objective
            .build()
            .map_err(|e| CliError::Input(e.to_string()))?,
    );
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if jobs == 0 {
        return Err(CliError::Input("--jobs must be at least 1".into()));
    }
    let started = Instant::now();
    let already = study.trials.len();
    let budget = study.budget;
    let handle =
        runner::start(study, objective, jobs, None).map_err(|e| CliError::Input(e.to_string()))?;

    let bar = if args.quiet {
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
            Event::TrialStarted(_) => {}
            Event::TrialFinished(trial) => {
                bar.inc(1);
                if let Some(reason) = trial.failure() {
                    bar.println(format!("trial {} failed: {reason}", trial.number));
                }
            }
            Event::StudyFinished {
                reason,
                strategy_seconds: s,
            } => {
                strategy_seconds = s;
                finish = reason;
            }
        }
    }
    bar.finish_and_clear();
    let study = handle.join().map_err(CliError::Run)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    match &finish {
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
        // so it stays true whatever the flags changed, and re-saving never drops it.
        let race = args
            .session
            .as_ref()
            .and_then(|p| Session::load(p).ok())
            .and_then(|s| s.race);
        Session::with_race(study.clone(), race)
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
    Ok(())
}
