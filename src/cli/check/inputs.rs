//! What a run reads: the paths named (or stdin), the files discovery finds under them, and
//! what discovery has to say (`--show-files`, errors, nothing found).

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use kmslint_core::render::{self, visible};

use super::options::Options;
use crate::cli::args::CheckArgs;
use crate::cli::{EXIT_CLEAN, EXIT_FAILURE};
use crate::discover;

/// The files under `paths`, walked as the options say (none when only stdin is read). The
/// baseline file in use is left out when a walk finds it (it is JSON, so it would be read,
/// found to be no template, and counted as skipped on every run); named on the command line,
/// it is read as asked.
pub(in crate::cli) fn discover_inputs(
    paths: &[PathBuf],
    options: &Options,
) -> discover::Discovered {
    if paths.is_empty() {
        return discover::Discovered::default();
    }
    let mut found = discover::discover_with(
        paths,
        &discover::WalkOptions {
            exclude: &options.exclude,
            follow_links: options.follow_links,
            max_file_size: options.max_file_size,
            ignore_files: options.ignore_files,
            force_exclude: options.force_exclude,
        },
    );
    if let Some(baseline) = &options.baseline {
        found
            .inputs
            .retain(|input| input.explicit || !baseline.is_this_file(&input.path));
    }
    found
}

/// Whether stdin is read, and the paths to discover. `--stdin-filename` means "read stdin",
/// as in ruff: other paths beside it are ignored with a warning (`-` is allowed).
pub(super) fn inputs(args: &CheckArgs) -> (bool, Vec<PathBuf>) {
    let dash = |p: &PathBuf| p.as_os_str() == "-";
    if args.stdin_filename.is_some() {
        for path in args.paths.iter().filter(|p| !dash(p)) {
            let _ = writeln!(
                std::io::stderr(),
                "kmslint: warning: ignoring {} in favor of standard input (--stdin-filename)",
                visible(&path.display().to_string())
            );
        }
        return (true, Vec::new());
    }
    if args.paths.is_empty() {
        return (false, vec![PathBuf::from(".")]);
    }
    let stdin = args.paths.iter().any(dash);
    (
        stdin,
        args.paths.iter().filter(|p| !dash(p)).cloned().collect(),
    )
}

/// Discovery's errors and warnings (paths that cannot be read, links not followed, …), one
/// line each, with control characters escaped: a path can hold anything a file name can.
pub(super) fn report_discovery(stderr: &mut impl Write, found: &discover::Discovered) {
    for err in &found.errors {
        let _ = writeln!(
            stderr,
            "kmslint: error: {}: {}",
            visible(&err.path),
            visible(&err.message)
        );
    }
    for warning in &found.warnings {
        let _ = writeln!(stderr, "kmslint: warning: {}", visible(warning));
    }
}

/// As ruff warns when nothing matched; nothing failed, so the status stays 0.
pub(super) fn warn_if_nothing_found(found: &discover::Discovered, stdin: bool, options: &Options) {
    if found.inputs.is_empty() && found.errors.is_empty() && !stdin && !options.quiet {
        eprintln!("kmslint: warning: no templates or key policies found");
    }
}

/// `--show-files`: the files that would be read, one per line as compact output names them,
/// then the notes and errors of discovery on stderr. Exit 0, or 2 when a path named does not
/// exist or cannot be read.
pub(super) fn show_files(
    found: &discover::Discovered,
    stdin: Option<Option<&str>>,
    options: &Options,
) -> u8 {
    report_discovery(&mut std::io::stderr().lock(), found);
    warn_if_nothing_found(found, stdin.is_some(), options);
    let written = (|| {
        let mut stdout = BufWriter::new(std::io::stdout().lock());
        // A name that starts with `:`, `#` or white space is shown as `./NAME`, so that no
        // line can be read as a workflow command.
        if let Some(name) = stdin {
            writeln!(stdout, "{}", render::line_start_path(name.unwrap_or("-")))?;
        }
        for input in &found.inputs {
            writeln!(stdout, "{}", render::line_start_path(&input.name))?;
        }
        stdout.flush()
    })();
    let status = if found.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FAILURE
    };
    crate::cli::written(written, status)
}
