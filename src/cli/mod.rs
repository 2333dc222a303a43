//! The command line: `knobs run` runs a study headlessly, `knobs list` shows what exists.
//!
//! Bad input is reported as one line on stderr and exit code 2; a run that completes exits 0
//! even when some trials failed (they are in the results).

pub mod report;
mod run;

pub use run::default_study;

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
    /// List the strategies and objectives, one per line.
    List,
    /// Open the desktop app, optionally on a session file.
    Gui {
        /// A session to open.
        session: Option<PathBuf>,
        /// Press Run at once (for demonstrations and screenshots).
        #[arg(long)]
        run: bool,
    },
}

/// `knobs run`: a session file and/or flags; flags override what the file says.
#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// A saved session to resume (its trials count towards the budget).
    pub session: Option<PathBuf>,
    /// The objective to tune (see `knobs list`).
    #[arg(long)]
    pub objective: Option<String>,
    /// Dimension of an n-D synthetic objective (rosenbrock, ackley, levy).
    #[arg(long)]
    pub dims: Option<usize>,
    /// A parameter: NAME=LOW..HIGH[:log][:int], NAME=a,b,c or NAME=VALUE. Repeatable.
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
    /// Seed for every random choice.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Trials in flight at once; part of the study, so results do not depend on --jobs.
    #[arg(long)]
    pub window: Option<usize>,
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Save the finished session here (RON).
    #[arg(long, value_name = "OUT.ron")]
    pub save: Option<PathBuf>,
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
        CliCommand::List => {
            list();
            Ok(())
        }
        CliCommand::Gui { .. } => Ok(()),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("knobs: error: {e}");
            e.exit_code()
        }
    }
}

fn list() {
    for (name, about) in crate::strategy::STRATEGIES {
        println!("strategy  {name:<16} {about}");
    }
    for f in crate::objective::SyntheticFn::ALL {
        println!("objective {:<16} {}", f.name(), f.summary());
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
