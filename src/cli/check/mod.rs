//! `kmslint check`: the run, step by step. Each step's work is in a module of its own:
//! `options` (the command line over the configuration file), `settings` (each file's
//! settings, `--show-settings`), `inputs` (paths, discovery), `lint` (linting and fixing the
//! files, on worker threads), `report` (stderr, the report, the baseline, the exit status).

mod inputs;
mod lint;
mod options;
mod report;
mod settings;

use std::io::{self, BufWriter, Write};

use kmslint_core::link;
use kmslint_core::render::Summary;

pub(super) use inputs::discover_inputs;
pub(super) use lint::{Linted, lint_bytes_to_result, on_pool, thread_pool};
pub(super) use options::{Against, Options, configure};
pub(super) use report::{exit_status, open_output, print_output, summarize};
pub(super) use settings::{settings_by_dir, settings_with_stacks};

use super::args::CheckArgs;
use super::baseline::Mode as BaselineMode;
use super::fix::FixMode;
use super::since::Repository;
use super::{EXIT_CLEAN, EXIT_FAILURE, error};
use crate::discover;

/// Runs `kmslint check`, step by step; returns the exit status.
pub(crate) fn run(args: CheckArgs) -> u8 {
    let (settings, mut options) = match configure(&args) {
        Ok(configured) => configured,
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    if args.show_settings {
        return settings::show_settings(&args, &settings, &options);
    }
    let Ok(repository) = open_repository(&args, &mut options) else {
        return EXIT_FAILURE;
    };
    // The report's destination is opened first: a bad `--output-file` fails before any work.
    let Some(mut out) = open_output(&options) else {
        return EXIT_FAILURE;
    };
    let (stdin, paths) = inputs::inputs(&args);
    if options.fix.mode == FixMode::Apply && !paths.is_empty() {
        options.fix_roots = crate::write::roots_of(&paths);
        crate::write::clean_up_on_signals();
    }
    // `--fix` on stdin prints the fixed text on stdout, as ruff does: the report goes to
    // stderr then (unless --output-file takes it).
    let fixed_to_stdout = stdin && options.fix.mode == FixMode::Apply;
    if fixed_to_stdout && options.output_file.is_none() {
        out = Box::new(BufWriter::new(std::io::stderr().lock()));
    }
    let mut found = inputs::discover_inputs(&paths, &options);
    if options.show_files {
        drop(out);
        return inputs::show_files(
            &found,
            stdin.then_some(args.stdin_filename.as_deref()),
            &options,
        );
    }
    inputs::warn_if_nothing_found(&found, stdin, &options);
    // One pool for the links between stacks and the lint.
    let pool = lint::thread_pool(options.jobs);
    // Each file is linted with the settings of its nearest configuration file.
    let mut per_file = match settings::settings_of_inputs(&args, &mut found, settings, &mut options)
    {
        Ok(per_file) => per_file,
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    // A deployment's templates are read and parsed once, on the pool: for the links between
    // its stacks, then for their lint.
    let review = args.since.is_some();
    let pool = pool.as_ref();
    let stacks = std::mem::take(&mut per_file.stacks);
    let templates = lint::on_pool(pool, || link::read(stacks, options.max_file_size));
    let trees = lint::on_pool(pool, || templates.parse(review));
    let preread = lint::on_pool(pool, || {
        settings::link_inputs(
            &mut found.inputs,
            (&templates, &trees),
            review,
            &mut per_file,
        )
    });
    let (all_settings, which) = (&per_file.all, &per_file.which);
    let settings_of = |i: usize| &all_settings[which.get(i).copied().unwrap_or(0)];
    let work = lint::Work {
        inputs: &found.inputs,
        settings_of: &settings_of,
        preread: &preread,
    };
    let mut results = match lint::lint_all(repository.as_ref(), &work, &options, pool) {
        Ok(results) => results,
        Err(message) => {
            error(message);
            return EXIT_FAILURE;
        }
    };
    if stdin {
        let settings = settings_of(found.inputs.len());
        let linted = lint::lint_stdin(&args, repository.as_ref(), settings, &options);
        results.insert(0, linted);
    }
    let failed = report::report_problems(&found, &all_settings[0].parameters, &results);
    let errors = report::path_errors(&found, &results);
    let mut summary = summary(&found, &results, errors.len(), &options);
    if options.fix.mode == FixMode::Diff {
        return report::print_diffs(out, options.output_file.is_some(), &results, failed);
    }
    let written = match report::write_report(out, &results, &errors, &mut summary, &options, failed)
    {
        Ok(written) => written,
        Err(status) => return status,
    };
    let written = match results.first() {
        Some(Linted {
            texts: Some((_, fixed)),
            ..
        }) if fixed_to_stdout => written.and_then(|()| print_fixed(fixed)),
        _ => written,
    };
    super::written(written, status(&results, &options, failed))
}

/// `--since`: git, the repository and the revision, checked before anything is written or
/// read: a run that cannot compare fails at once (said here), as a bad `--output-file` does.
fn open_repository(args: &CheckArgs, options: &mut Options) -> Result<Option<Repository>, ()> {
    let repository = match args.since.as_deref().map(Repository::open).transpose() {
        Ok(repository) => repository,
        Err(message) => {
            error(message);
            return Err(());
        }
    };
    if let Some(repository) = &repository {
        options.compared_with = Some(Against::Revision(repository.rev().to_owned()));
    }
    Ok(repository)
}

/// The run's counts: the files' findings and fixes, with the files discovery skipped, those
/// not read (`unreadable`) and those fixed but not written.
fn summary(
    found: &discover::Discovered,
    results: &[Linted],
    unreadable: usize,
    options: &Options,
) -> Summary {
    let mut summary = summarize(results, options.fix);
    summary.skipped += found.skipped;
    summary.unreadable = unreadable;
    summary.unwritten = results.iter().filter(|r| r.write_error.is_some()).count();
    // Stacks as deployed: a template deployed to several Regions is a stack in each.
    let mut regions = std::collections::HashSet::new();
    for result in results.iter().filter(|r| r.stack.is_some()) {
        summary.stacks += result.stack_regions.len().max(1);
        regions.extend(result.stack_regions.iter().flatten());
        regions.extend(result.stack.as_ref().and_then(|s| s.region.as_ref()));
    }
    summary.regions = regions.len();
    summary
}

/// `--fix` on stdin: the fixed text, on stdout once the report is written.
fn print_fixed(fixed: &str) -> io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(fixed.as_bytes())?;
    stdout.flush()
}

/// The exit status: 0 once a baseline is written (its findings are recorded, not failed on),
/// else as [`exit_status`] says.
fn status(results: &[Linted], options: &Options, failed: bool) -> u8 {
    let writing_baseline = options
        .baseline
        .as_ref()
        .is_some_and(|b| matches!(b.mode, BaselineMode::Write));
    if writing_baseline && !failed {
        EXIT_CLEAN
    } else {
        exit_status(results, options.fail_level, failed)
    }
}
