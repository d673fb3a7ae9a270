//! What a run says: problems on stderr (unreadable files, parameter values, comparisons that
//! failed), the report in the chosen format with its summary line, `--diff`'s diffs, the
//! baseline written or applied, and the exit status.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};

use kmslint_core::config::FailLevel;
use kmslint_core::lookup;
use kmslint_core::render::{self, PathError, Summary, visible};
use kmslint_core::{Comparison, Outcome};

use super::inputs::report_discovery;
use super::lint::Linted;
use super::options::{Against, Options};
use crate::cli::args::OutputFormat;
use crate::cli::baseline::{BaselineRun, Mode as BaselineMode};
use crate::cli::fix::{FixOptions, unified_diff};
use crate::cli::{EXIT_CLEAN, EXIT_FAILURE, EXIT_FINDINGS, error};
use crate::discover::{self, describe_io};

/// Says on stderr what went wrong besides findings: discovery's errors and warnings, parameter
/// values that name nothing or are not allowed, files that could not be read or written, and
/// comparisons that failed. True when something failed (the status is then 2).
pub(super) fn report_problems(
    found: &discover::Discovered,
    parameters: &HashMap<String, String>,
    results: &[Linted],
) -> bool {
    let mut failed = !found.errors.is_empty();
    let mut stderr = std::io::stderr().lock();
    report_discovery(&mut stderr, found);
    if !parameters.is_empty() {
        for warning in parameter_warnings(parameters, results) {
            let _ = writeln!(stderr, "kmslint: warning: {}", visible(&warning));
        }
    }
    for result in results {
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
    failed
}

/// The paths that could not be read (or, with `--fix`, written), for every format's report.
pub(super) fn path_errors(found: &discover::Discovered, results: &[Linted]) -> Vec<PathError> {
    found
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
        .collect()
}

/// The report: with `--write-baseline`, the baseline instead (`Err` with the status when it
/// is not written); otherwise the findings on `out`, with what the baseline did (and a note
/// when some of its entries no longer match). `Ok` holds how writing `out` went.
pub(super) fn write_report(
    mut out: Box<dyn Write>,
    results: &[Linted],
    errors: &[PathError],
    summary: &mut Summary,
    options: &Options,
    failed: bool,
) -> Result<io::Result<()>, u8> {
    match &options.baseline {
        Some(baseline) if matches!(baseline.mode, BaselineMode::Write) => {
            drop(out);
            write_baseline(baseline, results, failed)?;
            Ok(Ok(()))
        }
        baseline => {
            if let Some(run) = baseline {
                let counts = baseline_counts(run, results);
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
            let written = print_output(&mut out, results, errors, summary, options);
            drop(out);
            Ok(written)
        }
    }
}

/// 2 when something failed, else 1 when a finding reaches the fail level, else 0.
pub(in crate::cli) fn exit_status(results: &[Linted], fail_level: FailLevel, failed: bool) -> u8 {
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
pub(in crate::cli) fn open_output(options: &Options) -> Option<Box<dyn Write>> {
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

/// `--diff`: each file's changes as a unified diff on `out` (stdout, or the `--output-file`),
/// and how many findings they fix on stderr. Exit 1 when there is a change (as ruff), 2 when
/// a file could not be read.
///
/// The diff holds the template's lines as they are. Written to a file (`to_file`) it stays
/// so, for `git apply`; on stdout, a terminal or a CI log, each line is shown as
/// [`render::visible_line`] shows it, so that no control character, bidirectional or
/// invisible character, or workflow command (`::…` after white space, `##[…]`) gets through.
pub(super) fn print_diffs(
    mut out: Box<dyn Write>,
    to_file: bool,
    results: &[Linted],
    failed: bool,
) -> u8 {
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
    crate::cli::written(written, status)
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
    let mut baseline = kmslint_core::baseline::Baseline::default();
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

pub(in crate::cli) fn summarize(results: &[Linted], fix: FixOptions) -> Summary {
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
pub(in crate::cli) fn print_output(
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
    // SARIF, GitLab's report and JUnit XML have a fixed shape, with no place for a table of
    // counts.
    let fixed_shape = match options.format {
        OutputFormat::Sarif => Some("sarif"),
        OutputFormat::Gitlab => Some("gitlab"),
        OutputFormat::Junit => Some("junit"),
        OutputFormat::Pretty
        | OutputFormat::Compact
        | OutputFormat::Json
        | OutputFormat::Github => None,
    };
    let statistics = options.statistics && fixed_shape.is_none();
    if let Some(format) = fixed_shape.filter(|_| options.statistics) {
        let _ = writeln!(
            std::io::stderr(),
            "kmslint: note: --statistics is ignored with --format {format} (the report has every finding)"
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
            OutputFormat::Json
            | OutputFormat::Sarif
            | OutputFormat::Gitlab
            | OutputFormat::Junit => write_document(out, results, errors, summary, options)?,
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

/// The formats that are one document for the whole run (JSON, SARIF, GitLab's report, JUnit
/// XML), written to `out`. The others are written file by file as they were linted.
fn write_document(
    out: &mut dyn Write,
    results: &[Linted],
    errors: &[PathError],
    summary: &Summary,
    options: &Options,
) -> io::Result<()> {
    match options.format {
        OutputFormat::Json => {
            let files: Vec<render::json::JsonFile<'_>> = results
                .iter()
                .map(|r| render::json::JsonFile {
                    path: &r.name,
                    diagnostics: &r.diagnostics,
                    utf16: &r.utf16,
                    stack: r.stack.as_ref(),
                })
                .collect();
            render::json::write_report(out, &files, errors, summary)?;
        }
        OutputFormat::Sarif => {
            let artifacts: Vec<render::sarif::Artifact<'_>> = results
                .iter()
                .map(|r| render::sarif::Artifact {
                    uri: match &r.path {
                        Some(path) if path.to_str().is_none() => render::sarif::uri_of_path(path),
                        _ => render::sarif::uri(&r.name),
                    },
                    diagnostics: &r.diagnostics,
                    baselined: options.baseline.is_some(),
                })
                .collect();
            let rules: Vec<&kmslint_core::rules::RuleEntry> = kmslint_core::rules::RULES
                .iter()
                .filter(|r| options.enabled.contains(&r.code))
                .collect();
            render::sarif::write_artifacts(out, &artifacts, &rules, errors)?;
        }
        OutputFormat::Gitlab => {
            let files: Vec<render::gitlab::GitlabFile<'_>> = results
                .iter()
                .map(|r| render::gitlab::GitlabFile {
                    path: &r.name,
                    diagnostics: &r.diagnostics,
                })
                .collect();
            render::gitlab::write_report(out, &files)?;
        }
        OutputFormat::Junit => {
            // The files linted (as the summary counts them): not those skipped, nor
            // those that could not be read, which are in `errors`.
            let files: Vec<render::junit::JunitFile<'_>> = results
                .iter()
                .filter(|r| matches!(r.outcome, Some(Outcome::Linted(_) | Outcome::Unparsable)))
                .map(|r| render::junit::JunitFile {
                    path: &r.name,
                    diagnostics: &r.diagnostics,
                })
                .collect();
            out.write_all(render::junit::render(&files, errors).as_bytes())?;
        }
        OutputFormat::Pretty | OutputFormat::Compact | OutputFormat::Github => {}
    }
    Ok(())
}
