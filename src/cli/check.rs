//! `kmslint check`: settings from the command line and `.kmslint.toml`, discovery, parallel
//! linting, output, exit status.

use std::collections::HashMap;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use super::args::{CheckArgs, ColorChoice, OutputFormat};
use super::baseline::{BaselineRun, Mode as BaselineMode};
use super::fix::{FixMode, FixOptions, unified_diff};
use super::since::{Old, Repository};
use super::{EXIT_CLEAN, EXIT_FAILURE, EXIT_FINDINGS, error};
use crate::config::{self, ConfigError, FailLevel, Resolved, Settings};
use crate::diagnostic::Diagnostic;
use crate::discover::{self, Input, describe_io};
use crate::lookup;
use crate::render::json::Utf16Columns;
use crate::render::{self, FileOutput, PathError, Summary, visible};
use crate::rules::names;
use crate::{Comparison, DocumentKind, Outcome, Previous, fix_bytes, lint_bytes};

/// Everything `check` (and `diff`) needs besides the settings linting uses.
pub(super) struct Options {
    pub format: OutputFormat,
    pub fail_level: FailLevel,
    /// `--exclude` and the configuration's `exclude`, each its own set.
    exclude: Vec<GlobSet>,
    follow_links: bool,
    pub max_file_size: u64,
    /// Honour `.gitignore`, `.ignore` and git's exclude files (not `--no-ignore`).
    ignore_files: bool,
    /// `--force-exclude` or `force-exclude = true`.
    force_exclude: bool,
    /// `--show-files`: list the files, lint nothing.
    show_files: bool,
    /// `--verbose`: name each file skipped as neither a template nor a key policy.
    verbose: bool,
    /// The configuration file in use, named in the summary so that a stray one is seen.
    config: Option<PathBuf>,
    color: bool,
    /// `--output-file`: where the report goes instead of stdout.
    output_file: Option<PathBuf>,
    quiet: bool,
    statistics: bool,
    /// Worker threads, already clamped.
    jobs: usize,
    /// Codes of the rules that run, for SARIF's rule list.
    pub enabled: Vec<&'static str>,
    pub fix: FixOptions,
    /// What the files are compared with (`--since`, or `diff`'s OLD), for the summary.
    pub compared_with: Option<Against>,
    /// `--baseline`, `--write-baseline` or the configuration's `baseline`.
    baseline: Option<BaselineRun>,
    /// With `--fix`: the directories it may write in (`write::roots_of`).
    fix_roots: Vec<PathBuf>,
}

/// What a run compares the files with.
pub(super) enum Against {
    /// `check --since REV`: each file's version at the revision, as the user wrote it.
    Revision(String),
    /// `diff OLD NEW`: OLD, as shown.
    File(String),
}

pub fn run(args: CheckArgs) -> u8 {
    let (settings, mut options) = match configure(&args) {
        Ok(configured) => configured,
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    if let Some(file) = &args.show_settings {
        return show_settings(&args, file, &settings, &options);
    }
    // git, the repository and the revision are checked before anything is written or read: a
    // run that cannot compare fails at once, as a bad `--output-file` does.
    let repository = match args.since.as_deref().map(Repository::open).transpose() {
        Ok(repository) => repository,
        Err(message) => {
            error(message);
            return EXIT_FAILURE;
        }
    };
    if let Some(repository) = &repository {
        options.compared_with = Some(Against::Revision(repository.rev().to_owned()));
    }
    // The report's destination is opened first: a bad `--output-file` fails before any work.
    let Some(mut out) = open_output(&options) else {
        return EXIT_FAILURE;
    };
    let (stdin, paths) = inputs(&args);
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
    let found = if paths.is_empty() {
        discover::Discovered::default()
    } else {
        discover::discover_with(
            &paths,
            &discover::WalkOptions {
                exclude: &options.exclude,
                follow_links: options.follow_links,
                max_file_size: options.max_file_size,
                ignore_files: options.ignore_files,
                force_exclude: options.force_exclude,
            },
        )
    };
    if options.show_files {
        drop(out);
        return show_files(
            &found,
            stdin.then_some(args.stdin_filename.as_deref()),
            &options,
        );
    }
    warn_if_nothing_found(&found, stdin, &options);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        // Room for the loaders' bounded recursion on the deepest inputs.
        .stack_size(16 << 20)
        .build();
    // Each file is linted with the settings of its nearest configuration file.
    let stdin_dir = args.stdin_filename.as_deref().map(|name| {
        Path::new(name)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf()
    });
    let dirs: Vec<PathBuf> = found
        .inputs
        .iter()
        .map(|i| i.path.parent().unwrap_or(Path::new("")).to_path_buf())
        .chain(stdin_dir)
        .collect();
    let (all_settings, which) = match settings_by_dir(&args, &dirs, settings, &mut options) {
        Ok(per_file) => per_file,
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    let settings_of = |i: usize| &all_settings[which.get(i).copied().unwrap_or(0)];
    let mut results: Vec<Linted> = match &repository {
        Some(repository) => {
            match lint_since(
                repository,
                &found.inputs,
                &settings_of,
                &options,
                pool.as_ref().ok(),
            ) {
                Ok(results) => results,
                Err(message) => {
                    error(message);
                    return EXIT_FAILURE;
                }
            }
        }
        None => match &pool {
            Ok(pool) => pool.install(|| {
                found
                    .inputs
                    .par_iter()
                    .enumerate()
                    .map(|(i, input)| lint_input(input, settings_of(i), &options, None))
                    .collect()
            }),
            Err(_) => found
                .inputs
                .iter()
                .enumerate()
                .map(|(i, input)| lint_input(input, settings_of(i), &options, None))
                .collect(),
        },
    };
    let stdin_settings = settings_of(found.inputs.len());
    if stdin {
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "-".to_owned());
        let old = repository.as_ref().and_then(|repository| {
            stdin_old_version(repository, args.stdin_filename.as_deref(), &options)
        });
        match discover::read_bounded(std::io::stdin().lock(), 0, options.max_file_size) {
            Ok(bytes) => {
                let key = options
                    .baseline
                    .as_ref()
                    .map(|b| b.name_of(Path::new(&name)));
                results.insert(
                    0,
                    against(&name, old, |previous| {
                        lint_bytes_to_result(
                            &name,
                            bytes,
                            stdin_settings,
                            &options,
                            true,
                            previous,
                            key,
                        )
                    }),
                )
            }
            Err(e) => results.insert(
                0,
                Linted::failed(name, format!("cannot read stdin: {}", describe_io(&e))),
            ),
        }
    }
    let mut failed = !found.errors.is_empty();
    let mut stderr = std::io::stderr().lock();
    report_discovery(&mut stderr, &found);
    if !all_settings[0].parameters.is_empty() {
        for warning in parameter_warnings(&all_settings[0].parameters, &results) {
            let _ = writeln!(stderr, "kmslint: warning: {}", visible(&warning));
        }
    }
    for result in &results {
        for message in [&result.read_error, &result.write_error]
            .into_iter()
            .flatten()
        {
            failed = true;
            let _ = writeln!(
                stderr,
                "kmslint: error: {}: {}",
                visible(&result.name),
                visible(message)
            );
        }
        // The change rules did not run on this file: the user asked for a comparison, so
        // it is said, not dropped. The file was still linted; the status is not changed.
        if let Comparison::Failed(message) = &result.comparison {
            let _ = writeln!(stderr, "kmslint: warning: {}", visible(message));
        }
    }
    drop(stderr);
    let errors: Vec<PathError> = found
        .errors
        .iter()
        .map(|e| PathError {
            path: e.path.clone(),
            message: e.message.clone(),
        })
        .chain(results.iter().flat_map(|r| {
            [&r.read_error, &r.write_error]
                .into_iter()
                .flatten()
                .map(|message| PathError {
                    path: r.name.clone(),
                    message: message.clone(),
                })
        }))
        .collect();
    let mut summary = summarize(&results, options.fix);
    summary.skipped += found.skipped;
    summary.unreadable = errors.len();
    summary.unwritten = results.iter().filter(|r| r.write_error.is_some()).count();
    if options.fix.mode == FixMode::Diff {
        return print_diffs(out, options.output_file.is_some(), &results, failed);
    }
    let written = match &options.baseline {
        Some(baseline) if matches!(baseline.mode, BaselineMode::Write) => {
            drop(out);
            if let Err(status) = write_baseline(baseline, &results, failed) {
                return status;
            }
            Ok(())
        }
        baseline => {
            if let Some(run) = baseline {
                let counts = baseline_counts(run, &results);
                summary.baseline = Some(counts);
                if counts.stale > 0 && !options.quiet {
                    let _ = writeln!(
                        std::io::stderr(),
                        "kmslint: note: {}: run --write-baseline again to drop them",
                        if counts.stale == 1 {
                            "1 baseline entry no longer matches".to_owned()
                        } else {
                            format!("{} baseline entries no longer match", counts.stale)
                        }
                    );
                }
            }
            let written = print_output(&mut out, &results, &errors, &summary, &options);
            drop(out);
            written
        }
    };
    let written = match results.first() {
        Some(Linted {
            texts: Some((_, fixed)),
            ..
        }) if fixed_to_stdout => written.and_then(|()| {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(fixed.as_bytes())?;
            stdout.flush()
        }),
        _ => written,
    };
    let writing_baseline = options
        .baseline
        .as_ref()
        .is_some_and(|b| matches!(b.mode, BaselineMode::Write));
    let status = if writing_baseline && !failed {
        EXIT_CLEAN
    } else {
        exit_status(&results, options.fail_level, failed)
    };
    super::written(written, status)
}

/// 2 when something failed, else 1 when a finding reaches the fail level, else 0.
pub(super) fn exit_status(results: &[Linted], fail_level: FailLevel, failed: bool) -> u8 {
    if failed {
        EXIT_FAILURE
    } else if fail_level.threshold().is_some_and(|level| {
        results
            .iter()
            .flat_map(|r| &r.diagnostics)
            .any(|d| d.severity >= level)
    }) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Where the report goes: `--output-file` (created now) or stdout; `None`, said, when the
/// file cannot be created.
pub(super) fn open_output(options: &Options) -> Option<Box<dyn Write>> {
    match &options.output_file {
        Some(path) => match crate::write::create_output(path) {
            Ok(file) => Some(Box::new(BufWriter::new(file))),
            Err(e) => {
                error(format!(
                    "--output-file {}: {}",
                    path.display(),
                    describe_io(&e)
                ));
                None
            }
        },
        None => Some(Box::new(BufWriter::new(std::io::stdout().lock()))),
    }
}

/// `--since`: lints each file against its version at the revision. The old versions come
/// from one `git cat-file --batch`, read as the workers take the files (`par_bridge`), so
/// git runs beside the linting and only the old texts being linted are held.
fn lint_since<'s>(
    repository: &Repository,
    inputs: &[Input],
    settings_of: &(dyn Fn(usize) -> &'s Settings + Sync),
    options: &Options,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Vec<Linted>, String> {
    let requests = inputs
        .iter()
        .map(|input| repository.request(&input.path))
        .collect();
    let batch = repository.old_versions(requests, options.max_file_size)?;
    let rev = repository.rev();
    let lint = |((i, input), old): ((usize, &Input), Result<Old, String>)| {
        (
            i,
            lint_input(input, settings_of(i), options, Some((rev, old))),
        )
    };
    let files = inputs.iter().enumerate().zip(batch);
    let mut linted: Vec<(usize, Linted)> = match pool {
        Some(pool) => pool.install(|| files.par_bridge().map(lint).collect()),
        None => files.map(lint).collect(),
    };
    // Workers take files as they free up; the report is in path order all the same.
    linted.sort_unstable_by_key(|(i, _)| *i);
    Ok(linted.into_iter().map(|(_, linted)| linted).collect())
}

/// Stdin's version at the revision (`--since`): that of the path `--stdin-filename` names.
/// Without one there is none, which is said.
fn stdin_old_version<'r>(
    repository: &'r Repository,
    stdin_filename: Option<&str>,
    options: &Options,
) -> Option<(&'r str, Result<Old, String>)> {
    let Some(name) = stdin_filename else {
        eprintln!(
            "kmslint: warning: stdin was not compared with {}: give its path with --stdin-filename",
            visible(repository.rev())
        );
        return None;
    };
    let request = repository.request(Path::new(name));
    let old = repository
        .old_versions(vec![request], options.max_file_size)
        .and_then(|mut batch| {
            batch
                .next()
                .unwrap_or_else(|| Err("git cat-file --batch gave no answer".to_owned()))
        });
    Some((repository.rev(), old))
}

/// Lints a file (through `lint`) with its previous version, when `old` gives one (`--since`:
/// the revision as written, and what git gave), and records what came of the comparison when
/// git gave nothing to compare with.
fn against(
    name: &str,
    old: Option<(&str, Result<Old, String>)>,
    lint: impl FnOnce(&Previous<'_>) -> Linted,
) -> Linted {
    let Some((rev, old)) = old else {
        return lint(&Previous::NotCompared);
    };
    let old_name = format!("{name} at {rev}");
    match old {
        // The old text lives only while the file is linted.
        Ok(Old::Text(text)) => lint(&Previous::Text {
            name: &old_name,
            text: &text,
        }),
        Ok(Old::Absent) => lint(&Previous::Absent),
        Ok(Old::NotCompared(why)) => {
            let mut linted = lint(&Previous::NotCompared);
            // Only templates are compared: a key policy, a file skipped or one that does not
            // parse (KMS001 says so) would not have been either.
            if linted.outcome == Some(Outcome::Linted(DocumentKind::Template)) {
                linted.comparison =
                    Comparison::Failed(format!("{old_name} was not compared: {why}"));
            }
            linted
        }
        Err(git) => {
            let mut linted = lint(&Previous::NotCompared);
            linted
                .read_error
                .get_or_insert(format!("cannot read its version at {rev}: {git}"));
            linted
        }
    }
}

/// `--diff`: each file's changes as a unified diff on `out` (stdout, or the `--output-file`),
/// and how many findings they fix on stderr. Exit 1 when there is a change (as ruff), 2 when
/// a file could not be read.
///
/// The diff holds the template's lines as they are. Written to a file (`to_file`) it stays
/// so, for `git apply`; on stdout, a terminal or a CI log, each line is shown as
/// [`render::visible_line`] shows it, so that no control character, bidirectional or
/// invisible character, or workflow command (`::…` after white space, `##[…]`) gets through.
fn print_diffs(mut out: Box<dyn Write>, to_file: bool, results: &[Linted], failed: bool) -> u8 {
    let mut changed = 0;
    let mut fixes = 0;
    let written = (|| {
        for result in results {
            if let Some((before, after)) = &result.texts {
                let diff = unified_diff(&result.name, before, after);
                if !diff.is_empty() {
                    changed += 1;
                    fixes += result.fixed.len();
                    if to_file {
                        out.write_all(diff.as_bytes())?;
                    } else {
                        for line in diff.split_inclusive('\n') {
                            let (text, end) = match line.strip_suffix('\n') {
                                Some(text) => (text, "\n"),
                                None => (line, ""),
                            };
                            out.write_all(render::visible_line(text).as_bytes())?;
                            out.write_all(end.as_bytes())?;
                        }
                    }
                }
            }
        }
        out.flush()
    })();
    drop(out);
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let _ = writeln!(
        std::io::stderr(),
        "kmslint: would fix {} in {}",
        plural(fixes, "finding", "findings"),
        plural(changed, "file", "files")
    );
    let status = if failed {
        EXIT_FAILURE
    } else if changed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    super::written(written, status)
}

/// Discovery's errors and warnings (paths that cannot be read, links not followed, …), one
/// line each, with control characters escaped: a path can hold anything a file name can.
fn report_discovery(stderr: &mut impl Write, found: &discover::Discovered) {
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
fn warn_if_nothing_found(found: &discover::Discovered, stdin: bool, options: &Options) {
    if found.inputs.is_empty() && found.errors.is_empty() && !stdin && !options.quiet {
        eprintln!("kmslint: warning: no templates or key policies found");
    }
}

/// `--show-files`: the files that would be read, one per line as compact output names them,
/// then the notes and errors of discovery on stderr. Exit 0, or 2 when a path named does not
/// exist or cannot be read.
fn show_files(found: &discover::Discovered, stdin: Option<Option<&str>>, options: &Options) -> u8 {
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
    super::written(written, status)
}

/// Whether stdin is read, and the paths to discover. `--stdin-filename` means "read stdin",
/// as in ruff: other paths beside it are ignored with a warning (`-` is allowed).
fn inputs(args: &CheckArgs) -> (bool, Vec<PathBuf>) {
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

/// One file's result, with its output already rendered where that needs the text.
pub(super) struct Linted {
    pub name: String,
    pub outcome: Option<Outcome>,
    pub diagnostics: Vec<Diagnostic>,
    /// What came of comparing it with its previous version (`--since`, `diff`).
    pub comparison: Comparison,
    rendered: String,
    /// For JSON: each finding's UTF-16 columns, computed while the text is at hand.
    utf16: Vec<Utf16Columns>,
    read_error: Option<String>,
    /// With `--fix`: why the fixed file was not written (it is then as it was, and its
    /// findings are those in it).
    write_error: Option<String>,
    /// The file read, when it is one: its SARIF URI is made from its bytes, not from `name`.
    path: Option<PathBuf>,
    /// The parameters the template declares, with their AllowedValues, when parameter values
    /// were given (see [`parameter_warnings`]).
    declared: Vec<(String, Option<Vec<String>>)>,
    /// With `--fix` or `--diff`: the code of each finding fixed.
    fixed: Vec<&'static str>,
    /// With `--diff`, or `--fix` on stdin: the text before and after fixing.
    texts: Option<(String, String)>,
    /// With a baseline: the file's name in it.
    baseline_name: Option<String>,
    /// With `--baseline`: the findings it absorbed, and its entries for the file (of rules
    /// that ran) that matched nothing.
    baselined: usize,
    stale: usize,
}

impl Linted {
    fn failed(name: String, message: String) -> Linted {
        Linted {
            name,
            outcome: None,
            diagnostics: Vec::new(),
            comparison: Comparison::NotCompared,
            rendered: String::new(),
            utf16: Vec::new(),
            read_error: Some(message),
            write_error: None,
            path: None,
            declared: Vec::new(),
            fixed: Vec::new(),
            texts: None,
            baseline_name: None,
            baselined: 0,
            stale: 0,
        }
    }
}

/// Reads and lints one file, with its previous version when `old` gives one (see
/// [`against`]), and writes it when fixed.
fn lint_input(
    input: &Input,
    settings: &Settings,
    options: &Options,
    old: Option<(&str, Result<Old, String>)>,
) -> Linted {
    let bytes = match discover::read_file(&input.path, options.max_file_size) {
        Ok(bytes) => bytes,
        Err(e) => return Linted::failed(input.name.clone(), describe_io(&e)),
    };
    let had_bom = bytes.starts_with(UTF8_BOM);
    let key = options.baseline.as_ref().map(|b| b.name_of(&input.path));
    // With --fix, what was read: the file is replaced only while it is still that.
    let seen = (options.fix.mode == FixMode::Apply)
        .then(|| crate::write::Seen::after_reading(&input.path, bytes.clone()));
    let lint = |mode: FixMode, bytes: Vec<u8>, previous: &Previous<'_>| Linted {
        path: Some(input.shown.clone()),
        ..lint_bytes_as(
            mode,
            &input.name,
            bytes,
            settings,
            options,
            input.explicit,
            previous,
            key.clone(),
        )
    };
    against(&input.name, old, |previous| {
        let mut linted = lint(options.fix.mode, bytes, previous);
        // Written here, by the worker that fixed it: the texts need not wait for every file.
        let Some(seen) = &seen else {
            return linted;
        };
        let Some((_, after)) = linted.texts.take() else {
            return linted;
        };
        if linted.fixed.is_empty() {
            return linted;
        }
        // Back as it was encoded: UTF-8, with its byte-order mark if it had one.
        let mut content = Vec::with_capacity(after.len() + UTF8_BOM.len());
        if had_bom {
            content.extend_from_slice(UTF8_BOM);
        }
        content.extend_from_slice(after.as_bytes());
        match crate::write::replace_fixed(&input.path, &options.fix_roots, seen, &content) {
            Ok(()) => linted,
            // The file is as it was: its findings are reported as they are in it.
            Err(why) => Linted {
                write_error: Some(format!("not fixed: {why}")),
                ..lint(FixMode::Report, seen.bytes().to_vec(), previous)
            },
        }
    })
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Lints (or fixes) one file's bytes against its previous version, filters its findings by
/// the baseline (`baseline_name` is the file's name in it), and renders them.
pub(super) fn lint_bytes_to_result(
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    options: &Options,
    explicit: bool,
    previous: &Previous<'_>,
    baseline_name: Option<String>,
) -> Linted {
    lint_bytes_as(
        options.fix.mode,
        name,
        bytes,
        settings,
        options,
        explicit,
        previous,
        baseline_name,
    )
}

/// [`lint_bytes_to_result`] with fixes as `mode` says, whatever the run's.
#[allow(clippy::too_many_arguments)]
fn lint_bytes_as(
    mode: FixMode,
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    options: &Options,
    explicit: bool,
    previous: &Previous<'_>,
    baseline_name: Option<String>,
) -> Linted {
    // `before` is the text as read when fixing; `text` is what the findings are about.
    let (mut report, text, fixed, before) = match mode {
        FixMode::Report => {
            let (report, text) = lint_bytes(name, bytes, settings, explicit, previous);
            (report, text, Vec::new(), None)
        }
        FixMode::Apply | FixMode::Diff => {
            let (fixed, before) = fix_bytes(
                name,
                bytes,
                settings,
                explicit,
                options.fix.least(),
                previous,
            );
            (fixed.report, fixed.text, fixed.fixed, Some(before))
        }
    };
    let declared = std::mem::take(&mut report.declared_parameters);
    // After suppressions (the core's), before rendering: what the baseline records is not
    // reported. Fixes were applied to every finding, recorded or not.
    let (mut baselined, mut stale) = (0, 0);
    if let (Some(key), Some(run)) = (&baseline_name, &options.baseline)
        && let BaselineMode::Filter(baseline) = &run.mode
    {
        let filtered = crate::baseline::filter(
            baseline.file(key),
            std::mem::take(&mut report.diagnostics),
            |code| settings.rules.enabled(code),
        );
        report.diagnostics = filtered.new;
        (baselined, stale) = (filtered.matched, filtered.stale);
    }
    let output = FileOutput {
        path: name,
        text: &text,
        diagnostics: &report.diagnostics,
        previous: render::PreviousFile::of(previous),
    };
    let utf16 = if options.format == OutputFormat::Json && !options.statistics {
        render::json::utf16_columns(&output)
    } else {
        Vec::new()
    };
    let rendered = if options.statistics || mode == FixMode::Diff {
        String::new()
    } else {
        match options.format {
            OutputFormat::Pretty => render::pretty::render_file(
                &output,
                render::pretty::PrettyOptions {
                    color: options.color,
                    unsafe_fixes: options.fix.unsafe_fixes,
                },
            ),
            OutputFormat::Compact => render::compact::render(name, &report.diagnostics),
            OutputFormat::Github => render::github::render(name, &report.diagnostics),
            OutputFormat::Json | OutputFormat::Sarif => String::new(),
        }
    };
    Linted {
        name: report.name,
        outcome: Some(report.outcome),
        diagnostics: report.diagnostics,
        comparison: report.comparison,
        rendered,
        utf16,
        read_error: None,
        write_error: None,
        path: None,
        declared,
        fixed,
        texts: before.map(|before| (before, text)),
        baseline_name,
        baselined,
        stale,
    }
}

/// What the baseline did: the findings it absorbed, and its entries that matched nothing in
/// the files linted (of rules that ran) or are of files that no longer exist. Entries of
/// files that exist but were not linted in this run (not named, excluded) are not stale.
fn baseline_counts(run: &BaselineRun, results: &[Linted]) -> render::BaselineCounts {
    let mut counts = render::BaselineCounts::default();
    let mut linted = std::collections::HashSet::new();
    for result in results {
        counts.matched = counts.matched.saturating_add(result.baselined);
        counts.stale = counts.stale.saturating_add(result.stale);
        if let Some(name) = &result.baseline_name {
            linted.insert(name.as_str());
        }
    }
    if let BaselineMode::Filter(baseline) = &run.mode {
        let gone = baseline
            .files()
            .filter(|(name, _)| {
                // A name outside the baseline's directory is not looked for, and so not
                // known to be gone.
                !linted.contains(name)
                    && run
                        .path_inside(name)
                        .is_some_and(|path| std::fs::symlink_metadata(path).is_err())
            })
            .map(|(_, file)| file.findings())
            .fold(0, usize::saturating_add);
        counts.stale = counts.stale.saturating_add(gone);
    }
    counts
}

/// `--write-baseline`: records every file's findings, and says how many on stderr. Nothing is
/// written when a path could not be read (the baseline would lose its findings); the status
/// is then 2.
fn write_baseline(run: &BaselineRun, results: &[Linted], failed: bool) -> Result<(), u8> {
    let shown = visible(&run.file.display().to_string()).into_owned();
    if failed {
        error(format!(
            "{shown} was not written: some paths could not be read, and their findings would be missing from it"
        ));
        return Err(EXIT_FAILURE);
    }
    let mut baseline = crate::baseline::Baseline::default();
    for result in results {
        if let Some(name) = &result.baseline_name {
            baseline.add(name, &result.diagnostics);
        }
    }
    if let Err(e) = run.write(&baseline) {
        error(format!("cannot write {shown}: {}", describe_io(&e)));
        return Err(EXIT_FAILURE);
    }
    let files = baseline.files().count();
    let findings = baseline.findings();
    let _ = writeln!(
        std::io::stderr(),
        "kmslint: wrote {findings} {} in {files} {} to {shown}",
        if findings == 1 { "finding" } else { "findings" },
        if files == 1 { "file" } else { "files" },
    );
    Ok(())
}

/// Warnings for parameter values given on the command line: a key that names no parameter of
/// any template linted (a typo would otherwise be silently ignored), and a value outside the
/// parameter's `AllowedValues` (CloudFormation would refuse it; linting still uses it).
fn parameter_warnings(parameters: &HashMap<String, String>, results: &[Linted]) -> Vec<String> {
    // Each declared parameter once, with where it is declared: a lookup per key given, not a
    // walk over every template's parameters for each.
    let mut declared: HashMap<&str, Vec<Declared<'_>>> = HashMap::new();
    for result in results {
        for (name, allowed) in &result.declared {
            declared
                .entry(name.as_str())
                .or_default()
                .push((&result.name, allowed));
        }
    }
    let mut candidates: Vec<&str> = declared.keys().copied().collect();
    candidates.sort_unstable();
    let mut warnings = Vec::new();
    let mut keys: Vec<_> = parameters.iter().collect();
    keys.sort();
    let mut unknown = 0usize;
    for (key, value) in keys {
        let shown = lookup::abbreviate(key);
        let Some(places) = declared.get(key.as_str()) else {
            unknown += 1;
            if unknown > MAX_UNKNOWN_PARAMETER_WARNINGS {
                continue;
            }
            let hint = match lookup::did_you_mean(key, candidates.iter().copied()) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            warnings.push(format!(
                "parameter `{shown}` (--parameter or --parameters-file) names no parameter of the templates linted, so it was not used{hint}"
            ));
            continue;
        };
        for (name, allowed) in places {
            if let Some(allowed) = allowed
                && !allowed.contains(value)
            {
                warnings.push(format!(
                    "{name}: parameter `{shown}` is given `{}`, which is not one of its AllowedValues ({}); CloudFormation would refuse it",
                    lookup::abbreviate(value),
                    lookup::abbreviate(&allowed.join(", "))
                ));
            }
        }
    }
    if unknown > MAX_UNKNOWN_PARAMETER_WARNINGS {
        warnings.push(format!(
            "{} more parameters (--parameter or --parameters-file) name no parameter of the templates linted",
            unknown - MAX_UNKNOWN_PARAMETER_WARNINGS
        ));
    }
    warnings
}

/// Where a parameter is declared: the template's name, and its `AllowedValues`.
type Declared<'r> = (&'r str, &'r Option<Vec<String>>);

/// Unknown parameter keys warned about one by one (with a suggestion each); the rest are
/// counted in one line.
const MAX_UNKNOWN_PARAMETER_WARNINGS: usize = 20;

pub(super) fn summarize(results: &[Linted], fix: FixOptions) -> Summary {
    let mut summary = Summary {
        unsafe_fixes: fix.unsafe_fixes,
        ..Summary::default()
    };
    for result in results {
        summary.fixed += result.fixed.len();
        match &result.outcome {
            Some(Outcome::Skipped(_)) => summary.skipped += 1,
            Some(_) => summary.files += 1,
            None => {}
        }
        summary.count(&result.diagnostics);
    }
    summary
}

/// The summary, saying what the files were compared with, and naming the configuration file
/// when one was used.
fn summary_line(summary: &Summary, results: &[Linted], options: &Options) -> String {
    let line = render::pretty::summary_line(summary);
    // The first line is the count; a second one says what is fixable.
    let (first, rest) = match line.split_once('\n') {
        Some((first, rest)) => (first, format!("\n{rest}")),
        None => (line.as_str(), String::new()),
    };
    let mut asides = Vec::new();
    if let Some(against) = &options.compared_with {
        asides.push(compared_with(against, results));
    }
    if let Some(path) = &options.config {
        asides.push(format!(
            "configuration: {}",
            visible(&path.display().to_string())
        ));
    }
    if asides.is_empty() {
        return line;
    }
    format!(
        "{} ({}){rest}",
        first.trim_end_matches('.'),
        asides.join("; ")
    )
}

/// `compared with origin/main: 12 files, 2 new, 1 not compared` (`--since`), or `compared
/// with keys.old.yaml` (`diff`).
fn compared_with(against: &Against, results: &[Linted]) -> String {
    match against {
        Against::File(old) => {
            let compared = results
                .iter()
                .all(|r| matches!(r.comparison, Comparison::Compared | Comparison::Absent));
            let not = if compared { "" } else { "not " };
            format!("{not}compared with {}", visible(old))
        }
        Against::Revision(rev) => {
            let count =
                |f: fn(&Comparison) -> bool| results.iter().filter(|r| f(&r.comparison)).count();
            let compared = count(|c| matches!(c, Comparison::Compared | Comparison::Absent));
            let new = count(|c| *c == Comparison::Absent);
            let failed = count(|c| matches!(c, Comparison::Failed(_)));
            let mut line = format!(
                "compared with {}: {} {}",
                visible(rev),
                compared,
                if compared == 1 { "file" } else { "files" }
            );
            if new > 0 {
                line.push_str(&format!(", {new} new"));
            }
            if failed > 0 {
                line.push_str(&format!(", {failed} not compared"));
            }
            line
        }
    }
}

/// Writes the findings (or the statistics) and the summary to `out`, buffered; the first
/// write that fails stops it and is returned. Paths that could not be read are in every
/// format's report. Notes go to stderr for the machine formats.
pub(super) fn print_output(
    out: &mut dyn Write,
    results: &[Linted],
    errors: &[PathError],
    summary: &Summary,
    options: &Options,
) -> io::Result<()> {
    let summary_line = summary_line(summary, results, options);
    let notes: Vec<String> = results
        .iter()
        // Each one only with --verbose (pre-commit names every file changed); counted anyway.
        .filter(|_| options.verbose)
        .filter_map(|r| match &r.outcome {
            Some(Outcome::Skipped(why)) => Some(format!(
                "note: {} was skipped: {}",
                visible(&r.name),
                visible(why)
            )),
            _ => None,
        })
        .collect();
    let statistics = options.statistics && options.format != OutputFormat::Sarif;
    if options.statistics && !statistics {
        let _ = writeln!(
            std::io::stderr(),
            "kmslint: note: --statistics is ignored with --format sarif (the log has every result)"
        );
    }
    let github_errors = |out: &mut dyn Write| -> io::Result<()> {
        if options.format == OutputFormat::Github {
            for e in errors {
                out.write_all(render::github::path_error(e).as_bytes())?;
            }
        }
        Ok(())
    };
    let mut text_summary = options.format == OutputFormat::Pretty;
    if statistics {
        let rows = render::statistics(results.iter().flat_map(|r| &r.diagnostics));
        if options.format == OutputFormat::Json {
            render::json::write_statistics(out, &rows, errors, summary)?;
        } else {
            out.write_all(render::statistics_table(&rows).as_bytes())?;
            github_errors(out)?;
            text_summary = true;
        }
    } else {
        match options.format {
            OutputFormat::Json => {
                let files: Vec<render::json::JsonFile<'_>> = results
                    .iter()
                    .map(|r| render::json::JsonFile {
                        path: &r.name,
                        diagnostics: &r.diagnostics,
                        utf16: &r.utf16,
                    })
                    .collect();
                render::json::write_report(out, &files, errors, summary)?;
            }
            OutputFormat::Sarif => {
                let artifacts: Vec<render::sarif::Artifact<'_>> = results
                    .iter()
                    .map(|r| render::sarif::Artifact {
                        uri: match &r.path {
                            Some(path) if path.to_str().is_none() => {
                                render::sarif::uri_of_path(path)
                            }
                            _ => render::sarif::uri(&r.name),
                        },
                        diagnostics: &r.diagnostics,
                        baselined: options.baseline.is_some(),
                    })
                    .collect();
                let rules: Vec<&crate::rules::RuleEntry> = crate::rules::RULES
                    .iter()
                    .filter(|r| options.enabled.contains(&r.code))
                    .collect();
                render::sarif::write_artifacts(out, &artifacts, &rules, errors)?;
            }
            OutputFormat::Pretty | OutputFormat::Compact | OutputFormat::Github => {
                for result in results {
                    out.write_all(result.rendered.as_bytes())?;
                }
                github_errors(out)?;
            }
        }
    }
    if text_summary && !options.quiet {
        for note in &notes {
            writeln!(out, "{note}")?;
        }
        writeln!(out, "{summary_line}")?;
        return out.flush();
    }
    out.flush()?;
    if !options.quiet {
        let mut stderr = std::io::stderr().lock();
        for note in &notes {
            let _ = writeln!(stderr, "kmslint: {note}");
        }
    }
    Ok(())
}

/// Merges the command line over the configuration file.
pub(super) fn configure(args: &CheckArgs) -> Result<(Settings, Options), ConfigError> {
    let config_path = if args.rules.no_config {
        None
    } else if let Some(path) = &args.rules.config {
        Some(path.clone())
    } else {
        std::env::current_dir()
            .ok()
            .and_then(|dir| config::discover(&dir, config::home_dir().as_deref()))
    };
    let resolved = match &config_path {
        Some(path) => config::load_chain(path, names())?,
        None => Resolved::default(),
    };
    let config = &resolved.file;
    let config_origin = |key: &str| {
        resolved
            .origins
            .get(key)
            .map_or_else(String::new, |p| p.display().to_string())
    };
    let cli = |option: &str, message: String| ConfigError {
        origin: format!("--{option}"),
        key: None,
        message,
    };
    let max_file_size = match (args.max_file_size, &config.max_file_size) {
        (Some(size), _) => size,
        (None, Some(size)) => size.bytes().map_err(|message| ConfigError {
            origin: config_origin("max-file-size"),
            key: Some("max-file-size".to_owned()),
            message,
        })?,
        (None, None) => discover::DEFAULT_MAX_FILE_SIZE,
    };
    let parameters = read_parameters(args)?;
    let (settings, _) = config::settings_for(&args.overrides(), &resolved, parameters, names())?;
    let configured_baseline = config.baseline.as_deref().and_then(|name| {
        let origin = resolved.origins.get("baseline")?;
        Some((name, origin.as_path()))
    });
    let baseline = super::baseline::open(args, configured_baseline, max_file_size)?;
    let fail_level = args
        .report
        .fail_level
        .map(FailLevel::from)
        .or(config.fail_level)
        .unwrap_or_default();
    // Each origin's globs are a set of their own, so an error names where the glob came from.
    let force_exclude =
        !args.no_force_exclude && (args.force_exclude || config.force_exclude.unwrap_or(false));
    let exclude = vec![
        glob_set(&args.exclude, |message| cli("exclude", message))?,
        glob_set(config.exclude.as_deref().unwrap_or_default(), |message| {
            ConfigError {
                origin: config_origin("exclude"),
                key: Some("exclude".to_owned()),
                message,
            }
        })?,
    ];
    let format = args.report.format.unwrap_or(OutputFormat::Pretty);
    let color = colour(
        args.report.color,
        |name| std::env::var_os(name),
        args.report.output_file.is_none() && std::io::stdout().is_terminal(),
    );
    if args.jobs == Some(0) {
        return Err(cli("jobs", "must be at least 1".to_owned()));
    }
    let jobs = clamp_jobs(args.jobs);
    let enabled = crate::rules::RULES
        .iter()
        .map(|r| r.code)
        .filter(|code| settings.rules.enabled(code))
        .collect();
    Ok((
        settings,
        Options {
            format,
            fail_level,
            exclude,
            follow_links: args.follow_links,
            max_file_size,
            ignore_files: !args.no_ignore,
            force_exclude,
            show_files: args.show_files,
            verbose: args.verbose,
            config: config_path,
            color,
            output_file: args.report.output_file.clone(),
            quiet: args.report.quiet,
            statistics: args.report.statistics,
            jobs,
            enabled,
            fix: FixOptions {
                mode: if args.diff {
                    FixMode::Diff
                } else if !args.no_fix && (args.fix || config.fix.unwrap_or(false)) {
                    FixMode::Apply
                } else {
                    FixMode::Report
                },
                unsafe_fixes: !args.no_unsafe_fixes
                    && (args.unsafe_fixes || config.unsafe_fixes.unwrap_or(false)),
            },
            compared_with: None,
            baseline,
            fix_roots: Vec::new(),
        },
    ))
}

/// Whether pretty output is coloured. `--color always|never` decides; with `auto`,
/// `FORCE_COLOR` or `CLICOLOR_FORCE` set to anything but empty or `0` turns colour on (CI logs
/// that show colours), then `NO_COLOR` set non-empty turns it off, then `TERM=dumb` does, and
/// otherwise it is on when the report goes to a terminal.
fn colour(
    choice: ColorChoice,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
    terminal: bool,
) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("FORCE_COLOR") || set("CLICOLOR_FORCE") => true,
        ColorChoice::Auto if env("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Auto if env("TERM").is_some_and(|v| v == "dumb") => false,
        ColorChoice::Auto => terminal,
    }
}

/// The globs of one origin (`--exclude`, or the configuration's `exclude`) as one set.
///
/// Written as users mean them (as ruff reads its `exclude`): a trailing `/` is dropped, a
/// glob without `/` (`cdk.out`, `*.generated.json`) is a name, matched at any depth, and a
/// leading `./` anchors it (`./cdk.out`: only the one here); a directory matched is skipped
/// with all it holds.
fn glob_set(
    globs: &[String],
    fail: impl Fn(String) -> ConfigError,
) -> Result<GlobSet, ConfigError> {
    config::check_globs(globs).map_err(&fail)?;
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        let bad = |e: globset::Error| fail(format!("`{}`: {}", lookup::abbreviate(glob), e.kind()));
        let mut pattern = glob.as_str();
        let anchored = pattern.starts_with("./");
        while let Some(rest) = pattern.strip_prefix("./") {
            pattern = rest.trim_start_matches('/');
        }
        let pattern = match pattern.trim_end_matches('/') {
            "" => pattern,
            trimmed => trimmed,
        };
        set.add(Glob::new(pattern).map_err(bad)?);
        if !anchored && !pattern.contains('/') && !pattern.starts_with("**") {
            set.add(Glob::new(&format!("**/{pattern}")).map_err(bad)?);
        }
    }
    set.build().map_err(|e| fail(e.to_string()))
}

/// Worker threads: `--jobs`, at most four per core (more only costs time and memory to
/// create, with a note saying so), or one per core by default.
fn clamp_jobs(jobs: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = cores.saturating_mul(4).max(1);
    match jobs {
        Some(n) if n > most => {
            eprintln!(
                "kmslint: warning: --jobs {n} is more than 4 per core ({cores} available): using {most}"
            );
            most
        }
        Some(n) => n.max(1),
        None => cores.max(1),
    }
}

/// The settings of each directory's nearest configuration file (below the repository's root
/// or home, as for the current directory), loaded once per file: all the settings, and the
/// index of each directory's. The settings of the current directory are the first. With
/// `--config` or `--no-config`, every file has those. Adds the rules any of them runs to
/// `options.enabled`, for SARIF's rule list.
pub(super) fn settings_by_dir(
    args: &CheckArgs,
    dirs: &[PathBuf],
    root: Settings,
    options: &mut Options,
) -> Result<(Vec<Settings>, Vec<usize>), ConfigError> {
    let mut all = vec![root];
    if args.rules.config.is_some() || args.rules.no_config {
        return Ok((all, vec![0; dirs.len()]));
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let home = config::home_dir();
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut by_config: HashMap<Option<PathBuf>, usize> = HashMap::new();
    by_config.insert(options.config.as_deref().map(canonical), 0);
    let mut by_dir: HashMap<&Path, usize> = HashMap::new();
    let mut which = Vec::with_capacity(dirs.len());
    // Configurations that extend a common one read it once.
    let mut loader = config::Loader::default();
    for dir in dirs {
        if let Some(&i) = by_dir.get(dir.as_path()) {
            which.push(i);
            continue;
        }
        let found = config::discover(&canonical(&cwd.join(dir)), home.as_deref());
        let key = found.as_deref().map(canonical);
        let i = match by_config.get(&key) {
            Some(&i) => i,
            None => {
                let resolved = match &found {
                    Some(path) => loader.load_chain(path, names())?,
                    None => Resolved::default(),
                };
                let (settings, _) = config::settings_for(
                    &args.overrides(),
                    &resolved,
                    all[0].parameters.clone(),
                    names(),
                )?;
                for rule in crate::rules::RULES {
                    if settings.rules.enabled(rule.code) && !options.enabled.contains(&rule.code) {
                        options.enabled.push(rule.code);
                    }
                }
                all.push(settings);
                by_config.insert(key, all.len() - 1);
                all.len() - 1
            }
        };
        by_dir.insert(dir, i);
        which.push(i);
    }
    options.enabled.sort_unstable();
    Ok((all, which))
}

/// `--show-settings FILE`: the settings linting FILE uses, each with its origin (a
/// configuration file, an option, or the default), and the run's own settings.
fn show_settings(args: &CheckArgs, file: &Path, root: &Settings, options: &Options) -> u8 {
    let config_path = if args.rules.no_config {
        None
    } else if let Some(path) = &args.rules.config {
        Some(path.clone())
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        let dir = cwd.join(file.parent().unwrap_or(Path::new("")));
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        config::discover(&dir, config::home_dir().as_deref())
    };
    let resolved = match &config_path {
        Some(path) => match config::load_chain(path, names()) {
            Ok(resolved) => resolved,
            Err(err) => {
                error(err);
                return EXIT_FAILURE;
            }
        },
        None => Resolved::default(),
    };
    let shown = match config::settings_for(
        &args.overrides(),
        &resolved,
        root.parameters.clone(),
        names(),
    ) {
        Ok((_, mut shown)) => {
            shown.extend(config::shown_parameters(&root.parameters));
            shown
        }
        Err(err) => {
            error(err);
            return EXIT_FAILURE;
        }
    };
    let mut out = String::new();
    let name = |p: &Path| visible(&p.display().to_string()).to_string();
    out.push_str(&format!("Settings for {}\n", name(file)));
    match resolved.chain.split_first() {
        Some((first, rest)) => {
            out.push_str(&format!("configuration file: {}", name(first)));
            for parent in rest {
                out.push_str(&format!(", extending {}", name(parent)));
            }
            out.push('\n');
        }
        None => out.push_str("configuration file: none\n"),
    }
    let width = shown
        .iter()
        .map(|(k, v, _)| k.len() + v.len())
        .max()
        .unwrap_or(0);
    for (key, value, origin) in &shown {
        let pad = width - key.len() - value.len();
        out.push_str(&format!(
            "  {key} = {}{}  # {}\n",
            visible(value),
            " ".repeat(pad),
            visible(origin)
        ));
    }
    let run_origin = |key: &str, cli: bool| {
        if cli {
            format!("--{key}")
        } else {
            match &options.config {
                Some(path) => format!("{} or default", name(path)),
                None => "default".to_owned(),
            }
        }
    };
    out.push_str("for the whole run (from the current directory's configuration):\n");
    out.push_str(&format!(
        "  fail-level = {}  # {}\n",
        format!("{:?}", options.fail_level).to_ascii_lowercase(),
        run_origin("fail-level", args.report.fail_level.is_some())
    ));
    out.push_str(&format!(
        "  max-file-size = {}  # {}\n",
        options.max_file_size,
        run_origin("max-file-size", args.max_file_size.is_some())
    ));
    out.push_str(&format!(
        "  fix = {}  # {}\n",
        options.fix.mode == FixMode::Apply,
        run_origin("fix", args.fix || args.no_fix)
    ));
    out.push_str(&format!(
        "  unsafe-fixes = {}  # {}\n",
        options.fix.unsafe_fixes,
        run_origin("unsafe-fixes", args.unsafe_fixes || args.no_unsafe_fixes)
    ));
    if let Some(rev) = &args.since {
        out.push_str(&format!("  since = {}  # --since\n", visible(rev)));
    }
    let (baseline, origin) = match &options.baseline {
        Some(run) if matches!(run.mode, BaselineMode::Write) => (
            format!("none (writing {})", name(&run.file)),
            "--write-baseline".to_owned(),
        ),
        Some(run) => (
            format!("{:?}", name(&run.file)),
            if args.baseline.is_some() {
                "--baseline".to_owned()
            } else {
                run_origin("baseline", false)
            },
        ),
        None if args.no_baseline => ("none".to_owned(), "--no-baseline".to_owned()),
        None => ("none".to_owned(), "default".to_owned()),
    };
    out.push_str(&format!("  baseline = {baseline}  # {origin}\n"));
    super::written(io::stdout().lock().write_all(out.as_bytes()), EXIT_CLEAN)
}

/// `--parameters-file`, then each `--parameter KEY=VALUE` over it.
fn read_parameters(args: &CheckArgs) -> Result<HashMap<String, String>, ConfigError> {
    let mut parameters = HashMap::new();
    if let Some(path) = &args.stack.parameters_file {
        parameters.extend(read_parameters_file(path)?);
    }
    for pair in &args.stack.parameters {
        let (key, value) = pair
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| ConfigError {
                origin: "--parameter".to_owned(),
                key: None,
                message: format!("`{}` is not KEY=VALUE", lookup::abbreviate(pair)),
            })?;
        parameters.insert(key.to_owned(), value.to_owned());
    }
    Ok(parameters)
}

/// The forms `aws cloudformation` and CodePipeline read parameter values in:
/// `[{"ParameterKey": "K", "ParameterValue": "V"}]` (`create-stack --parameters`; an item with
/// `UsePreviousValue` and no value gives none), `["K=V"]` (`deploy --parameter-overrides`),
/// `{"Parameters": {"K": "V"}, "Tags": …, "StackPolicy": …}` (a CodePipeline template
/// configuration file, which `deploy --parameter-overrides` reads too), or `{"K": "V"}`.
fn read_parameters_file(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let origin = path.display().to_string();
    let fail = |message: String| ConfigError {
        origin: origin.clone(),
        key: None,
        message,
    };
    let text = config::read_config_text(path).map_err(fail)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
    let as_string = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    const PIPELINE_KEYS: [&str; 3] = ["Parameters", "Tags", "StackPolicy"];
    match value {
        serde_json::Value::Object(map)
            if map.get("Parameters").is_some_and(|p| p.is_object())
                && map.keys().all(|k| PIPELINE_KEYS.contains(&k.as_str())) =>
        {
            Ok(map["Parameters"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), as_string(v)))
                .collect())
        }
        serde_json::Value::Object(map) => {
            Ok(map.iter().map(|(k, v)| (k.clone(), as_string(v))).collect())
        }
        serde_json::Value::Array(items) => {
            let mut parameters = HashMap::new();
            for item in &items {
                if let Some(pair) = item.as_str() {
                    let (k, v) = pair
                        .split_once('=')
                        .filter(|(k, _)| !k.is_empty())
                        .ok_or_else(|| {
                            fail(format!("`{}` is not KEY=VALUE", lookup::abbreviate(pair)))
                        })?;
                    parameters.insert(k.to_owned(), v.to_owned());
                    continue;
                }
                let key = item.get("ParameterKey").and_then(|k| k.as_str());
                let previous = item
                    .get("UsePreviousValue")
                    .is_some_and(|v| v.as_bool() == Some(true));
                match (key, item.get("ParameterValue")) {
                    (Some(k), Some(v)) => {
                        parameters.insert(k.to_owned(), as_string(v));
                    }
                    (Some(_), None) if previous => {}
                    _ => {
                        return Err(fail(
                            "each item needs `ParameterKey` and `ParameterValue`, or is a \"KEY=VALUE\" string"
                                .to_owned(),
                        ));
                    }
                }
            }
            Ok(parameters)
        }
        _ => Err(fail(
            "expected [{\"ParameterKey\": …, \"ParameterValue\": …}], [\"KEY=VALUE\"], {\"Parameters\": {…}} or a JSON object".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_the_flag_then_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let auto = ColorChoice::Auto;
        assert!(colour(auto, env(&[]), true));
        assert!(!colour(auto, env(&[]), false));
        assert!(!colour(auto, env(&[("TERM", "dumb")]), true));
        assert!(!colour(auto, env(&[("NO_COLOR", "1")]), true));
        assert!(colour(auto, env(&[("NO_COLOR", "")]), true));
        assert!(colour(
            auto,
            env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]),
            false
        ));
        assert!(colour(
            auto,
            env(&[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")]),
            false
        ));
        assert!(!colour(auto, env(&[("FORCE_COLOR", "0")]), false));
        assert!(!colour(auto, env(&[("CLICOLOR_FORCE", "")]), false));
        let forced = env(&[("FORCE_COLOR", "1")]);
        assert!(!colour(ColorChoice::Never, forced, true));
        assert!(colour(
            ColorChoice::Always,
            env(&[("NO_COLOR", "1"), ("TERM", "dumb")]),
            false
        ));
    }
}
