//! `knobs`: with no arguments the desktop app, otherwise the command line.

use clap::Parser;
use knobs::cli::{Cli, CliCommand};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        None => knobs::gui::run(None, false, None),
        Some(CliCommand::Gui { session, run, tab }) => {
            match tab.as_deref().map(knobs::gui::state::Tab::from_name) {
                Some(None) => {
                    let names: Vec<&str> = knobs::gui::state::Tab::ALL
                        .iter()
                        .map(|t| t.title())
                        .collect();
                    eprintln!(
                        "knobs: unknown tab {:?}; the tabs are: {}",
                        tab.unwrap_or_default(),
                        names.join(", ")
                    );
                    2
                }
                Some(Some(t)) => knobs::gui::run(session, run, Some(t)),
                None => knobs::gui::run(session, run, None),
            }
        }
        Some(command) => knobs::cli::main(command),
    };
    std::process::exit(code);
}
