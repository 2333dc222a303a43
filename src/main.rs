//! `knobs`: with no arguments the desktop app, otherwise the command line.

use clap::Parser;
use knobs::cli::{Cli, CliCommand};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        None => window(None, false, None),
        Some(CliCommand::Gui { session, run, tab }) => window(session, run, tab),
        Some(command) => knobs::cli::main(command),
    };
    std::process::exit(code);
}

/// Open the window on `session` (and the named tab), or say why not; the exit code.
#[cfg(feature = "gui")]
fn window(session: Option<std::path::PathBuf>, autorun: bool, tab: Option<String>) -> i32 {
    use knobs::gui::state::Tab;
    match tab.as_deref().map(Tab::from_name) {
        Some(None) => {
            let names: Vec<&str> = Tab::ALL.iter().map(|t| t.title()).collect();
            eprintln!(
                "knobs: unknown tab {:?}; the tabs are: {}",
                tab.unwrap_or_default(),
                names.join(", ")
            );
            2
        }
        Some(Some(t)) => knobs::gui::run(session, autorun, Some(t)),
        None => knobs::gui::run(session, autorun, None),
    }
}

/// The headless build has no window: say so and point at the command line (exit 2).
#[cfg(not(feature = "gui"))]
fn window(_session: Option<std::path::PathBuf>, _autorun: bool, _tab: Option<String>) -> i32 {
    eprintln!(
        "knobs: this build has no window (built without the `gui` feature); \
         see `knobs --help` for `knobs run` and `knobs list`"
    );
    2
}
