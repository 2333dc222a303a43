//! A study over several processes or machines: `knobs run --storage URL --workers` (the
//! coordinator) and `knobs worker --storage URL` (a worker), meeting in one storage.
//!
//! The coordinator owns the strategy and evaluates nothing; each worker claims waiting
//! trials and evaluates them with the study's own objective, built from the study's
//! definition in the storage (bundled datasets, data files at the same paths on the worker,
//! or a command, which a worker runs only with `--allow-command`, printing it first: anyone
//! who can write the storage could otherwise make every worker run anything).

use super::{CliError, RunArgs};
use crate::objective::consent::CommandApproval;
use crate::runner::remote::{self, RemoteOptions, WorkerEvent, WorkerOptions};
use crate::storage::StorageError;
use crate::storage::journal::{self, JournalStorage};
use crate::storage::journal_queue::JournalQueue;
use crate::storage::queue::{TrialQueue, WorkerId};
use crate::study::{Study, TrialState};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// `knobs worker`: evaluate the trials of a study in a shared storage.
#[derive(Debug, Args, Default)]
pub struct WorkerArgs {
    /// Where the study lives: journal:PATH.
    #[arg(long, value_name = "URL")]
    pub storage: String,
    /// The study to work on (default: the storage's only study).
    #[arg(long, value_name = "NAME")]
    pub study: Option<String>,
    /// Trials evaluated at once (default 1).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run the study's command objective (printed first): without this flag a worker refuses
    /// a study whose objective is a command.
    #[arg(long)]
    pub allow_command: bool,
    /// Seconds between heartbeats of a running trial (default 5; keep it well under the
    /// coordinator's --heartbeat-timeout).
    #[arg(long, value_name = "SECONDS")]
    pub heartbeat_every: Option<f64>,
    /// Print nothing per trial.
    #[arg(long)]
    pub quiet: bool,
}

/// The journal a `--storage` URL names. Only journals are understood here; the SQL storages
/// come with their own URL parser.
pub(super) fn journal_of(url: &str) -> Result<PathBuf, CliError> {
    match url.split_once(':') {
        Some(("journal", path)) if !path.is_empty() => Ok(PathBuf::from(path)),
        Some(("journal", _)) => Err(CliError::Input(format!(
            "--storage {url}: the journal's path is missing (journal:PATH)"
        ))),
        Some((scheme @ ("sqlite" | "postgresql" | "postgres"), _)) => Err(CliError::Input(
            format!("--storage {url}: {scheme} storages are not in this build; use journal:PATH"),
        )),
        _ => Err(CliError::Input(format!(
            "--storage {url}: not a storage URL (journal:PATH)"
        ))),
    }
}

/// Storage errors as the CLI reports them: another coordinator is bad input (exit 2).
fn storage_error(e: StorageError) -> CliError {
    match e {
        StorageError::Locked { .. } => CliError::Input(format!(
            "{e} (a study has one coordinator; start `knobs worker` processes to help it)"
        )),
        other => CliError::Run(other.to_string()),
    }
}

/// The arguments of a coordinator: with no session given, a journal that already holds a
/// Knobs study is resumed.
pub(super) fn coordinator_args(args: &RunArgs) -> Result<RunArgs, CliError> {
    let url = args.storage.as_deref().unwrap_or_default();
    let path = journal_of(url)?;
    if args.journal.is_some() {
        return Err(CliError::Input(
            "--journal and --storage name the same thing; give only --storage journal:PATH".into(),
        ));
    }
    let mut out = args.clone();
    let holds_study = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0)
        && journal::read(&path).is_ok_and(|r| r.knobs_definition && !r.is_finished());
    if out.session.is_none() && holds_study {
        out.session = Some(path);
    }
    Ok(out)
}

/// Start coordinating `study` in the journal `--storage` names: resume the study there, or
/// create it (refusing a journal holding an unfinished study it was not asked to resume).
pub(super) fn start_coordinator(
    args: &RunArgs,
    study: Study,
    jobs: usize,
) -> Result<(crate::runner::RunHandle, PathBuf), CliError> {
    let path = journal_of(args.storage.as_deref().unwrap_or_default())?;
    let resuming = args.session.as_deref() == Some(path.as_path());
    if !resuming {
        create_journal(&path, &study)?;
    }
    let me = WorkerId::this_process();
    let mut queue = JournalQueue::open(&path, None).map_err(storage_error)?;
    queue.lock_coordinator(&me).map_err(storage_error)?;
    if resuming {
        queue.begin_run(&study).map_err(storage_error)?;
    }
    let storage = JournalQueue::open(&path, None).map_err(storage_error)?;
    let timeout = args.heartbeat_timeout.unwrap_or(60.0);
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(CliError::Input(
            "--heartbeat-timeout must be a positive number of seconds".into(),
        ));
    }
    let options = RemoteOptions {
        jobs,
        heartbeat_timeout: Duration::from_secs_f64(timeout),
        ..RemoteOptions::default()
    };
    if !args.quiet {
        eprintln!(
            "knobs: coordinating study `{}` in {}; start workers with `knobs worker --storage journal:{}`",
            study.name,
            path.display(),
            path.display()
        );
    }
    let handle = remote::start_remote(
        study,
        Box::new(queue),
        Some(Box::new(storage)),
        &me,
        options,
        None,
    )
    .map_err(|e| match e {
        remote::RemoteError::Storage(e) => storage_error(e),
        remote::RemoteError::Run(e) => CliError::Input(e.to_string()),
    })?;
    Ok((handle, path))
}

/// Write a new journal holding `study` at `path`, unless it holds an unfinished study.
fn create_journal(path: &Path, study: &Study) -> Result<(), CliError> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
        match journal::read(path) {
            Ok(r) if r.is_finished() || !r.knobs_definition => {}
            Ok(r) => {
                return Err(CliError::Input(format!(
                    "{}: holds the unfinished study `{}` ({} trials): resume it with \
                     `knobs run --storage journal:{} --workers`",
                    path.display(),
                    r.study.name,
                    r.study.trials.len(),
                    path.display()
                )));
            }
            Err(e) => {
                return Err(CliError::Input(format!(
                    "{}: {e}; remove it or give another path",
                    path.display()
                )));
            }
        }
    }
    JournalStorage::create(path, study)
        .map(drop)
        .map_err(storage_error)
}

/// `knobs worker`: the exit code.
pub(super) fn worker(args: &WorkerArgs) -> Result<i32, CliError> {
    let path = journal_of(&args.storage)?;
    let jobs = args.jobs.unwrap_or(1);
    if !(1..=super::resume::MAX_JOBS).contains(&jobs) {
        return Err(CliError::Input(format!(
            "--jobs must be between 1 and {}",
            super::resume::MAX_JOBS
        )));
    }
    let every = args.heartbeat_every.unwrap_or(5.0);
    if !(every.is_finite() && every > 0.0) {
        return Err(CliError::Input(
            "--heartbeat-every must be a positive number of seconds".into(),
        ));
    }
    let mut queue = wait_for_study(&path, args.study.as_deref(), args.quiet)?;
    let recovered = queue
        .read_study()
        .map_err(|e| CliError::Input(e.to_string()))?;
    if !recovered.knobs_definition {
        return Err(CliError::Input(format!(
            "{}: study `{}` was not written by Knobs: its objective is unknown",
            path.display(),
            recovered.study.name
        )));
    }
    let study = recovered.study;
    if let Some(approval) = CommandApproval::of(&study.objective) {
        eprintln!(
            "knobs worker: the study runs an external command for each trial:\n  {}\n{}",
            approval.command,
            approval.describe()
        );
        if !args.allow_command {
            return Err(CliError::Input(
                "Nothing was run. A worker runs a study's command only when started with \
                 --allow-command (anyone who can write the storage chooses the command)."
                    .into(),
            ));
        }
    }
    let objective = study
        .objective
        .build()
        .map_err(|e| CliError::Input(format!("the study's objective on this host: {e}")))?;
    let me = WorkerId::this_process();
    if !args.quiet {
        eprintln!(
            "knobs worker {} pid {}: study `{}` in {}, {jobs} job(s)",
            me.host,
            me.pid,
            study.name,
            path.display()
        );
    }
    let options = WorkerOptions {
        jobs,
        heartbeat_every: Duration::from_secs_f64(every),
        ..WorkerOptions::default()
    };
    let stop = AtomicBool::new(false);
    let quiet = args.quiet;
    let log = move |e: &WorkerEvent| {
        if quiet {
            return;
        }
        match e {
            WorkerEvent::Claimed(t) => println!("trial {} started", t.number),
            WorkerEvent::Finished(t) => match &t.state {
                TrialState::Complete => {
                    println!(
                        "trial {} complete: {}",
                        t.number,
                        t.value.unwrap_or(f64::NAN)
                    );
                }
                TrialState::Pruned { step, .. } => {
                    println!("trial {} pruned at step {step}", t.number);
                }
                TrialState::Failed(why) => println!("trial {} failed: {why}", t.number),
                TrialState::Running => {}
            },
        }
    };
    let summary = remote::work(
        Box::new(queue),
        &me,
        &study,
        Arc::from(objective),
        options,
        &stop,
        &log,
    )
    .map_err(|e| CliError::Run(e.to_string()))?;
    if !args.quiet {
        eprintln!(
            "knobs worker: the study is finished; {} trial(s) done here, {} failed",
            summary.done, summary.failed
        );
    }
    Ok(0)
}

/// Open the study in the journal at `path`, waiting while the journal or the study does not
/// exist yet (a worker may start before its coordinator).
fn wait_for_study(path: &Path, name: Option<&str>, quiet: bool) -> Result<JournalQueue, CliError> {
    let mut said = false;
    let started = Instant::now();
    loop {
        match JournalQueue::open(path, name) {
            Ok(q) => return Ok(q),
            Err(StorageError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            // No study yet (or not the named one): the coordinator may not have written it.
            Err(StorageError::Unsupported { message, .. })
                if message.contains("holds no study") || message.starts_with("no study named") => {}
            Err(e) => return Err(CliError::Input(e.to_string())),
        }
        if !said && !quiet && started.elapsed() > Duration::from_millis(500) {
            eprintln!(
                "knobs worker: waiting for a study in {} (start the coordinator with \
                 `knobs run --storage journal:{} --workers`)",
                path.display(),
                path.display()
            );
            said = true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
