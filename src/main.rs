//! `knobs`: with no arguments the desktop app, otherwise the command line.

use clap::Parser;
use knobs::cli::{Cli, CliCommand};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        None => knobs::gui::run(None, false),
        Some(CliCommand::Gui { session, run }) => knobs::gui::run(session, run),
        Some(command) => knobs::cli::main(command),
    };
    std::process::exit(code);
}
