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
use crate::storage::journal;
use crate::storage::queue::{TrialQueue, WorkerId};
use crate::storage::shared::{self, SharedError};
use crate::storage::url::StorageUrl;
use crate::study::{Study, TrialState};
use clap::Args;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// `knobs worker`: evaluate the trials of a study in a shared storage.
#[derive(Debug, Args, Default)]
pub struct WorkerArgs {
    /// Where the study lives: journal:PATH, sqlite:PATH or postgresql://USER@HOST/DB.
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

/// The storage a `--storage` URL names (a malformed URL is bad input, exit 2).
fn storage_of(url: &str) -> Result<StorageUrl, CliError> {
    StorageUrl::parse(url).map_err(|e| CliError::Input(format!("--storage: {e}")))
}

/// Storage errors as the CLI reports them: another coordinator is bad input (exit 2).
fn storage_error(e: StorageError) -> CliError {
    shared_error(SharedError::Locked(e))
}

/// Errors of opening a shared study: what the user must change is bad input (exit 2), a
/// storage that failed while written is a failed run (exit 1).
fn shared_error(e: SharedError) -> CliError {
    match e {
        SharedError::Locked(StorageError::Locked { .. }) | SharedError::Refused(_) => {
            CliError::Input(e.to_string())
        }
        SharedError::Locked(other) => CliError::Run(other.to_string()),
        SharedError::Failed(why) => CliError::Run(why),
    }
}

/// The arguments of a coordinator: with no session given, a journal that already holds a
/// Knobs study is resumed.
pub(super) fn coordinator_args(args: &RunArgs) -> Result<RunArgs, CliError> {
    let url = args.storage.as_deref().unwrap_or_default();
    let path = match storage_of(url)? {
        StorageUrl::Journal(path) => path,
        // An SQL study of that name is resumed by the run itself (read from the database).
        _ => return Ok(args.clone()),
    };
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

/// Start coordinating `study` in the storage `--storage` names: resume the study there, or
/// create it (refusing a journal holding an unfinished study it was not asked to resume).
/// Returns the handle and the `--storage` arguments that resume the run.
pub(super) fn start_coordinator(
    args: &RunArgs,
    study: Study,
    jobs: usize,
) -> Result<(crate::runner::RunHandle, String), CliError> {
    let url = storage_of(args.storage.as_deref().unwrap_or_default())?;
    let me = WorkerId::this_process();
    // A journal the arguments resume (see `coordinator_args`) goes on; any other is created.
    let resume_journal = match &url {
        StorageUrl::Journal(path) => args.session.as_deref() == Some(path.as_path()),
        _ => false,
    };
    let (queue, storage) =
        shared::open_coordinator(&url, &study, &me, resume_journal).map_err(shared_error)?;
    let resume = match &url {
        StorageUrl::Journal(_) => format!("--workers --storage {url}"),
        _ => format!("--workers --storage {url} --study {:?}", study.name),
    };
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
            "knobs: coordinating study `{}` in {url}; start workers with `knobs worker --storage {url}`",
            study.name,
        );
    }
    let handle = remote::start_remote(study, queue, Some(storage), &me, options, None).map_err(
        |e| match e {
            remote::RemoteError::Storage(e) => storage_error(e),
            remote::RemoteError::Run(e) => CliError::Input(e.to_string()),
        },
    )?;
    Ok((handle, resume))
}

/// `knobs worker`: the exit code.
pub(super) fn worker(args: &WorkerArgs) -> Result<i32, CliError> {
    let url = storage_of(&args.storage)?;
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
    let mut queue = wait_for_study(&url, args.study.as_deref(), args.quiet)?;
    let recovered = queue
        .read_study()
        .map_err(|e| CliError::Input(e.to_string()))?;
    if !recovered.knobs_definition {
        return Err(CliError::Input(format!(
            "{url}: study `{}` was not written by Knobs: its objective is unknown",
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
            "knobs worker {} pid {}: study `{}` in {url}, {jobs} job(s)",
            me.host, me.pid, study.name,
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
        queue,
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

/// How long a worker retries an SQLite database that refuses it while it is being created.
const SQLITE_SETTLE: Duration = Duration::from_secs(10);

/// Open the study in the storage at `url`, waiting while the storage or the study does not
/// exist yet (a worker may start before its coordinator).
fn wait_for_study(
    url: &StorageUrl,
    name: Option<&str>,
    quiet: bool,
) -> Result<Box<dyn TrialQueue>, CliError> {
    let mut said = false;
    let started = Instant::now();
    loop {
        match try_open(url, name) {
            Ok(Some(queue)) => return Ok(queue),
            Ok(None) => {}
            // An SQLite file its coordinator is still creating can refuse a reader for a
            // moment (locked, tables half there): retried for a while, then reported.
            Err(e) if matches!(url, StorageUrl::Sqlite(_)) && started.elapsed() < SQLITE_SETTLE => {
                drop(e);
            }
            Err(e) => return Err(e),
        }
        if !said && !quiet && started.elapsed() > Duration::from_millis(500) {
            eprintln!(
                "knobs worker: waiting for a study in {url} (start the coordinator with \
                 `knobs run --storage {url} --workers`)"
            );
            said = true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The study's queue, or `None` while the storage or the study is not there yet.
fn try_open(url: &StorageUrl, name: Option<&str>) -> Result<Option<Box<dyn TrialQueue>>, CliError> {
    shared::open_reader(url, name).map_err(|e| CliError::Input(e.to_string()))
}
