//! The command line: the only place that prints or exits.

mod args;
mod check;
mod rules;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// Exit statuses (SPEC §2).
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_CLEAN
            });
        }
    };
    let status = match cli.command {
        args::Command::Check(args) => check::run(args),
        args::Command::Rules { format } => rules::list(format),
        args::Command::Explain { rule } => rules::explain(&rule),
    };
    ExitCode::from(status)
}

/// Prints a one-line error to stderr.
pub fn error(message: impl std::fmt::Display) {
    eprintln!("kmslint: error: {message}");
}
