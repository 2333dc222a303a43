//! The command line: `knobs run` runs a study headlessly, `knobs list` shows what exists.
//!
//! Exit codes: 0 when a run completes (even when some trials failed: they are in the
//! results), 1 when running or writing results failed, 2 for bad input (one line on stderr),
//! 130 and 143 when SIGINT or SIGTERM stopped the run (after its running trials, with the
//! session saved and the summary printed).

mod resume;
mod run;
mod signals;
mod worker;

pub use worker::WorkerArgs;

pub use crate::study::default_study;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Knobs: a workbench for hyperparameter tuning. With no command, opens the window.
#[derive(Debug, Parser)]
#[command(name = "knobs", version, about)]
pub struct Cli {
    /// What to do; none opens the desktop app.
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Run a study to completion without a window and report the results.
    Run(Box<RunArgs>),
    /// List the strategies and objectives, one per line; with --storage, the studies in a
    /// storage.
    List {
        /// A storage URL (journal:PATH, sqlite:PATH, postgresql://USER@HOST/DB): list its
        /// studies instead.
        #[arg(long, value_name = "URL")]
        storage: Option<String>,
    },
    /// Evaluate the trials of a study in a shared storage, coordinated by
    /// `knobs run --storage URL --workers` (on this host or another); exits once the study
    /// is finished.
    Worker(WorkerArgs),
    /// Open the desktop app, optionally on a session file.
    Gui {
        /// A session to open.
        session: Option<PathBuf>,
        /// Press Run at once (for demonstrations and screenshots).
        #[arg(long)]
        run: bool,
        /// The tab to show first ("race", "gp slice", …), so a teacher or a screenshot opens
        /// where the lesson is.
        #[arg(long)]
        tab: Option<String>,
    },
}

/// `knobs run`: a session file and/or flags; flags override what the file says.
#[derive(Clone, Debug, Args, Default)]
pub struct RunArgs {
    /// A saved session (RON) or journal to resume, recognised by its content (its trials
    /// count towards the budget; a journal's interrupted trials are run again).
    pub session: Option<PathBuf>,
    /// The objective to tune (see `knobs list`).
    #[arg(long, conflicts_with_all = ["dataset", "model", "command"])]
    pub objective: Option<String>,
    /// Tune an external command: "CMD ARGS", run per trial in its own process group with
    /// `--name value` for each parameter appended, the parameters as JSON on stdin and in
    /// KNOBS_PARAMS_JSON; its value is the last line of stdout (a number or JSON with
    /// `value`); lines `{"step": N, "value": V}` report intermediate values.
    #[arg(long, value_name = "\"CMD ARGS\"", conflicts_with_all = ["dataset", "model"])]
    pub command: Option<String>,
    /// Seconds before a --command trial's processes are ended and the trial counted as
    /// failed (default 3600).
    #[arg(long, value_name = "SECONDS")]
    pub trial_timeout: Option<f64>,
    /// The folder a --command runs in (default: the session's folder, else the current one).
    #[arg(long, value_name = "DIR")]
    pub workdir: Option<PathBuf>,
    /// Run the command objective stored in the session file (shown in full first; the
    /// confirmation is remembered for this command and folder).
    #[arg(long)]
    pub allow_command: bool,
    /// Tune a model on this data: a CSV file (header row, target in the last column unless
    /// --target) or a bundled dataset's name (iris, wine, breast_cancer, digits, moons,
    /// diabetes).
    /// Several, comma-separated (`breast_cancer,wine,digits`), tune one configuration for
    /// all of them (see --robust).
    #[arg(long, value_name = "FILE.csv|NAME[,…]")]
    pub dataset: Option<String>,
    /// With several datasets (or --repeats), what the study optimises of their scores:
    /// mean (default), worst, mean-sd (mean − 1 sd) or mean-sd:K. Each trial keeps every
    /// dataset's score as a `score:NAME` attribute.
    #[arg(long, value_name = "mean|worst|mean-sd[:K]")]
    pub robust: Option<String>,
    /// Score each dataset on N cross-validation splits drawn with seeds 0…N−1 (robust to the
    /// split as well as to the dataset).
    #[arg(long, value_name = "N")]
    pub repeats: Option<usize>,
    /// Seed the study with a finished study's trials (a session or a journal, same
    /// parameter names): the strategy starts from its best points, and the GP takes its
    /// trials as down-weighted observations.
    #[arg(long, value_name = "OLD.ron|OLD.journal")]
    pub warm_start: Option<PathBuf>,
    /// The target column of the CSV file (default: the last column).
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// Columns of the CSV file to leave out (ids, names, free text), comma-separated.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Columns of numbers to read as categories (a class number, a code), comma-separated;
    /// text columns are categories anyway.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// How each split fills the gaps in a numeric column, from its training rows: mean
    /// (default), median or most_frequent. Categories take the most frequent level.
    #[arg(long, value_name = "HOW")]
    pub impute: Option<String>,
    /// Add a 0/1 "was missing" column for every column with gaps.
    #[arg(long)]
    pub missing_indicator: bool,
    /// Tune on a stratified share of the rows (0.1 = a tenth), drawn with the study's seed;
    /// the fraction and seed are stored with the study. Confirm the best on all rows after.
    #[arg(long, value_name = "FRACTION")]
    pub subsample: Option<f64>,
    /// classification or regression (default: inferred from the target column).
    #[arg(long)]
    pub task: Option<String>,
    /// The model to tune on --dataset (see `knobs list`).
    #[arg(long)]
    pub model: Option<String>,
    /// How each split is scored (see `knobs list`; default accuracy or r2).
    #[arg(long)]
    pub metric: Option<String>,
    /// Cross-validation: a number of folds, or an `index,fold` file (default: a bundled
    /// dataset's reference folds, else 5 stratified folds).
    #[arg(long, value_name = "K|FILE")]
    pub folds: Option<String>,
    /// The SVM kernel: rbf (default), poly or linear.
    #[arg(long)]
    pub kernel: Option<String>,
    /// Kernel row cache per SVC fit, in MB, when the data is too large for dense kernel
    /// matrices (default 200, as libsvm and scikit-learn; speed only, not results).
    #[arg(long, value_name = "MB")]
    pub cache_mb: Option<usize>,
    /// Dimension of an n-D synthetic objective (rosenbrock, ackley, levy).
    #[arg(long)]
    pub dims: Option<usize>,
    /// A parameter: NAME=LOW..HIGH[:log][:int], NAME=a,b,c (choices; a list of numbers such as
    /// C=0.1,1,10 is a numeric choice set a grid takes exactly) or NAME=VALUE. Repeatable.
    #[arg(long = "param", value_name = "SPEC")]
    pub params: Vec<String>,
    /// maximize or minimize.
    #[arg(long)]
    pub direction: Option<String>,
    /// The search strategy (see `knobs list`).
    #[arg(long)]
    pub strategy: Option<String>,
    /// Values per numeric parameter for the grid strategy.
    #[arg(long)]
    pub grid_points: Option<usize>,
    /// Total number of trials, counting those already in the session.
    #[arg(long)]
    pub budget: Option<usize>,
    /// Stop asking for trials once the finished ones have used this much resource (steps
    /// reported: epochs, rounds, a script's progress lines; 1 for a trial that reports none).
    /// Without --budget, the trial budget is then unlimited.
    #[arg(long, value_name = "N")]
    pub resource_budget: Option<u64>,
    /// Adaptive ranges: during the run, widen a numeric parameter's bound when 3 of the 5
    /// best trials sit within 5% of it (checked after 10 trials, then every 5; at most 3
    /// widenings per parameter). A line says each widening; the JSON summary lists them.
    #[arg(long)]
    pub adaptive: bool,
    /// Stop hopeless trials early from the values they report: none, median, percentile,
    /// asha, hyperband or patience (see `knobs list`).
    #[arg(long)]
    pub pruner: Option<String>,
    /// A pruner setting, KEY=VALUE (e.g. n_startup_trials=3, reduction_factor=3). Repeatable.
    #[arg(long = "pruner-opt", value_name = "KEY=VALUE")]
    pub pruner_opts: Vec<String>,
    /// Seed for every random choice.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Start a new study from the session's settings, with any flags applied, dropping its
    /// trials: the way to change the objective, space or direction of a session that has
    /// trials (a plain resume refuses such changes).
    #[arg(long, requires = "session")]
    pub new_study: bool,
    /// Trials in flight at once; part of the study, so results do not depend on --jobs.
    #[arg(long)]
    pub window: Option<usize>,
    /// Worker threads (default: the number of cores); with --workers, trials waiting or
    /// running at once (default 64).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Save the finished session here (RON).
    #[arg(long, value_name = "OUT.ron")]
    pub save: Option<PathBuf>,
    /// Write every trial here as it starts and ends (Optuna's journal format), to resume
    /// with `knobs run JOURNAL` after a crash. Default: beside --save (OUT.journal), or the
    /// journal being resumed.
    #[arg(long, value_name = "PATH", conflicts_with = "storage")]
    pub journal: Option<PathBuf>,
    /// Where the study's trials are written and resumed from: journal:PATH (as --journal),
    /// sqlite:PATH or postgresql://USER[:PW]@HOST[:PORT]/DB (Optuna's RDB schema, readable
    /// by optuna.load_study). A study of the --study name already there is resumed.
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,
    /// The study's name in --storage (default: its only study, else a new one named after
    /// the strategy and objective).
    #[arg(long, value_name = "NAME", requires = "storage")]
    pub study: Option<String>,
    /// Evaluate nothing here: enqueue each trial in --storage for `knobs worker` processes
    /// (this host or others) and tell their results in trial order; the same seed gives the
    /// same trials as a run in one process. --jobs is then how many trials wait or run at once.
    #[arg(long, requires = "storage")]
    pub workers: bool,
    /// Seconds without a heartbeat after which a worker's trial is failed and run again by
    /// another worker (default 60).
    #[arg(long, value_name = "SECONDS", requires = "workers")]
    pub heartbeat_timeout: Option<f64>,
    /// Write one row per trial here.
    #[arg(long, value_name = "OUT.csv")]
    pub trials_csv: Option<PathBuf>,
    /// Print a JSON summary as the last line of stdout.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Run a parsed command line (other than the GUI) and return the process exit code.
pub fn main(command: CliCommand) -> i32 {
    let result = match command {
        CliCommand::Run(args) => run::run(&args),
        CliCommand::Worker(args) => worker::worker(&args),
        CliCommand::List { storage: None } => {
            list();
            Ok(0)
        }
        CliCommand::List { storage: Some(url) } => run::list_storage(&url),
        CliCommand::Gui { .. } => Ok(0),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("knobs: error: {e}");
            e.exit_code()
        }
    }
}

fn list() {
    for s in crate::strategy::STRATEGIES {
        println!("strategy  {:<16} {}", s.name, s.summary);
    }
    for (name, summary) in crate::pruner::PRUNERS {
        println!("pruner    {name:<16} {summary}");
    }
    for f in crate::objective::SyntheticFn::ALL {
        println!("objective {:<16} {}", f.name(), f.summary());
    }
    for (name, about) in crate::models::ModelSpec::NAMES {
        println!("model     {name:<16} {about}");
    }
    for m in crate::models::Metric::ALL {
        println!("metric    {:<16} {}", m.name(), m.summary());
    }
    for name in crate::data::BUNDLED {
        println!("dataset   {name:<16} bundled, with its reference folds");
    }
}

/// Why `knobs run` stopped before or after running.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The user's input is wrong (exit 2).
    #[error("{0}")]
    Input(String),
    /// Something failed while running or writing results (exit 1).
    #[error("{0}")]
    Run(String),
}

impl CliError {
    fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Run(_) => 1,
        }
    }
}
