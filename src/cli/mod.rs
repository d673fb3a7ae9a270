//! The command line: the only place that prints or exits.

mod access;
mod args;
mod baseline;
pub(crate) mod check;
mod diff;
mod fix;
mod rules;
mod since;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

pub(crate) use args::Cli;

/// Exit statuses (docs/commands.md, "Exit status").
pub(crate) const EXIT_CLEAN: u8 = 0;
pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_FAILURE: u8 = 2;

/// Parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(mut err) => {
            suggest_check(&mut err);
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
        args::Command::Diff(args) => diff::run(args),
        args::Command::Access(args) => access::run(args),
        args::Command::Rules { format } => rules::list(format),
        args::Command::Explain { rule } => rules::explain(&rule),
        args::Command::Server => serve(),
    };
    ExitCode::from(status)
}

/// `kmslint file.yaml`: when the unknown subcommand looks like a path (it exists, has a path
/// separator or a template's extension), a tip to run `kmslint check` on it, as ruff's
/// `ruff file.py` would be read as a check (issue 23: the corners a ruff user hits).
fn suggest_check(err: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::InvalidSubcommand {
        return;
    }
    let Some(ContextValue::String(word)) = err.get(ContextKind::InvalidSubcommand) else {
        return;
    };
    let path = std::path::Path::new(word);
    let looks_like_path = word.contains('/')
        || word.contains(std::path::MAIN_SEPARATOR)
        || crate::discover::has_lintable_extension(path)
        || path.exists();
    if !looks_like_path {
        return;
    }
    let tip = format!(
        "did you mean `kmslint check {}`?",
        kmslint_core::render::visible(word)
    );
    let mut tips = match err.get(ContextKind::Suggested) {
        Some(ContextValue::StyledStrs(tips)) => tips.clone(),
        _ => Vec::new(),
    };
    tips.push(tip.into());
    err.insert(ContextKind::Suggested, ContextValue::StyledStrs(tips));
}

/// `kmslint server`: serves one client over stdio; 1 when it exits without `shutdown` or
/// the connection breaks.
fn serve() -> u8 {
    let (connection, io_threads) = kmslint_server::transport::stdio();
    let result = kmslint_server::run(connection);
    // The writer ends once the last sender is gone. A framing error in the input comes
    // first: it is why the server saw the connection close.
    let transport = io_threads.join();
    match transport.and(result) {
        Ok(()) => EXIT_CLEAN,
        Err(message) => {
            error(format!("language server: {message}"));
            EXIT_FINDINGS
        }
    }
}

/// Prints a one-line error to stderr, with control characters from paths or values escaped.
/// A failure to write it is ignored: there is nowhere left to report it.
pub(crate) fn error(message: impl std::fmt::Display) {
    let message = kmslint_core::render::visible(&message.to_string()).into_owned();
    let _ = writeln!(std::io::stderr(), "kmslint: error: {message}");
}

/// The exit status once the output is written: `status` when it was, or when the reader went
/// away (a closed pipe, as in `kmslint rules | head`); otherwise 2, with the reason.
pub(crate) fn written(result: io::Result<()>, status: u8) -> u8 {
    match result {
        Ok(()) => status,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => status,
        Err(e) => {
            error(format!(
                "cannot write the output: {}",
                crate::discover::describe_io(&e)
            ));
            EXIT_FAILURE
        }
    }
}
