//! Linting the inputs: each file on the worker threads (with its version at the revision for
//! `--since`), stdin, fixing and writing fixed files, and rendering what needs the text while
//! it is at hand. The result of a file is a [`Linted`].

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use kmslint_core::config::Settings;
use kmslint_core::deployment::Stack;
use kmslint_core::diagnostic::Diagnostic;
use kmslint_core::render::json::Utf16Columns;
use kmslint_core::render::{self, FileOutput, visible};
use kmslint_core::source::{Format, Loaded};
use kmslint_core::{
    Comparison, DocumentKind, FileReport, Outcome, Previous, fix_bytes, lint_against, lint_bytes,
    lint_loaded,
};
use rayon::prelude::*;

use super::options::Options;
use crate::cli::args::{CheckArgs, OutputFormat};
use crate::cli::baseline::Mode as BaselineMode;
use crate::cli::fix::FixMode;
use crate::cli::since::{Old, Repository};
use crate::discover::{self, Input, describe_io};

/// The threads files are read, linked and linted on: `jobs` of them, each with room for the
/// loaders' bounded recursion on the deepest inputs. `None` when the pool cannot be made
/// (files are then read in turn).
pub(in crate::cli) fn thread_pool(jobs: usize) -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(16 << 20)
        .build()
        .ok()
}

/// A template of a deployment as read and parsed for the links between its stacks
/// ([`kmslint_core::link::Templates`]): its lint starts from them, so that each template is
/// read and parsed once per run, and the links and the lint see the same text.
#[derive(Clone, Copy)]
pub(super) struct Preread<'t> {
    pub text: &'t str,
    /// `None` when the links did not need it parsed.
    pub tree: Option<&'t (Format, Loaded<'t>)>,
}

/// The files to lint: those found, with their settings, and what was read of them already
/// (by index).
pub(super) struct Work<'w, 's> {
    pub inputs: &'w [Input],
    pub settings_of: &'w (dyn Fn(usize) -> &'s Settings + Sync),
    pub preread: &'w [Option<Preread<'w>>],
}

impl Work<'_, '_> {
    fn lint(
        &self,
        i: usize,
        options: &Options,
        old: Option<(&str, Result<Old, String>)>,
    ) -> Linted {
        let preread = self.preread.get(i).copied().flatten();
        lint_input(
            &self.inputs[i],
            (self.settings_of)(i),
            options,
            old,
            preread,
        )
    }
}

/// `work` on the `pool`'s threads (where the links between stacks read and parse templates
/// too), or on this thread without one.
pub(in crate::cli) fn on_pool<R: Send>(
    pool: Option<&rayon::ThreadPool>,
    work: impl FnOnce() -> R + Send,
) -> R {
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Lints every file found, on the `pool`'s threads (in turn without one), each against its
/// version at the revision when there is a `repository` (`--since`). In the order found.
pub(super) fn lint_all(
    repository: Option<&Repository>,
    work: &Work<'_, '_>,
    options: &Options,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Vec<Linted>, String> {
    if let Some(repository) = repository {
        return lint_since(repository, work, options, pool);
    }
    let each = 0..work.inputs.len();
    Ok(match pool {
        Some(pool) => pool.install(|| {
            each.into_par_iter()
                .map(|i| work.lint(i, options, None))
                .collect()
        }),
        None => each.map(|i| work.lint(i, options, None)).collect(),
    })
}

/// Reads and lints standard input, named as `--stdin-filename` says (else `-`), against its
/// version at the revision with `--since`.
pub(super) fn lint_stdin(
    args: &CheckArgs,
    repository: Option<&Repository>,
    settings: &Settings,
    options: &Options,
) -> Linted {
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| "-".to_owned());
    let old = repository.and_then(|repository| {
        stdin_old_version(repository, args.stdin_filename.as_deref(), options)
    });
    match discover::read_bounded(std::io::stdin().lock(), 0, options.max_file_size) {
        Ok(bytes) => {
            let key = options
                .baseline
                .as_ref()
                .map(|b| b.name_of(Path::new(&name)));
            against(&name, old, |previous| {
                lint_bytes_to_result(
                    options.fix.mode,
                    &name,
                    bytes,
                    settings,
                    options,
                    previous,
                    key,
                )
            })
        }
        Err(e) => Linted::failed(name, format!("cannot read stdin: {}", describe_io(&e))),
    }
}

/// One file's result, with its output already rendered where that needs the text.
pub(in crate::cli) struct Linted {
    pub name: String,
    pub outcome: Option<Outcome>,
    pub diagnostics: Vec<Diagnostic>,
    /// What came of comparing it with its previous version (`--since`, `diff`).
    pub comparison: Comparison,
    pub(super) rendered: String,
    /// For JSON: each finding's UTF-16 columns, computed while the text is at hand.
    pub(super) utf16: Vec<Utf16Columns>,
    pub(super) read_error: Option<String>,
    /// With `--fix`: why the fixed file was not written (it is then as it was, and its
    /// findings are those in it).
    pub(super) write_error: Option<String>,
    /// The file read, when it is one: its SARIF URI is made from its bytes, not from `name`.
    pub(super) path: Option<PathBuf>,
    /// The parameters the template declares, with their AllowedValues, when parameter values
    /// were given (see [`parameter_warnings`]).
    pub(super) declared: Vec<(String, Option<Vec<String>>)>,
    /// With `--fix` or `--diff`: the code of each finding fixed.
    pub(super) fixed: Vec<&'static str>,
    /// With `--diff`, or `--fix` on stdin: the text before and after fixing.
    pub(super) texts: Option<(String, String)>,
    /// With a baseline: the file's name in it.
    pub(super) baseline_name: Option<String>,
    /// With `--baseline`: the findings it absorbed, and its entries for the file (of rules
    /// that ran) that matched nothing.
    pub(super) baselined: usize,
    pub(super) stale: usize,
    /// The stack of a deployment whose template this is.
    pub(super) stack: Option<Stack>,
    /// The Region of each instance of the stack ([`Input::stack_regions`]).
    pub(super) stack_regions: Vec<Option<String>>,
}

impl Linted {
    pub(super) fn failed(name: String, message: String) -> Linted {
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
            stack: None,
            stack_regions: Vec::new(),
        }
    }
}

/// `--since`: lints each file against its version at the revision. The old versions come
/// from one `git cat-file --batch`, read as the workers take the files (`par_bridge`), so
/// git runs beside the linting and only the old texts being linted are held.
fn lint_since(
    repository: &Repository,
    work: &Work<'_, '_>,
    options: &Options,
    pool: Option<&rayon::ThreadPool>,
) -> Result<Vec<Linted>, String> {
    let requests = work
        .inputs
        .iter()
        .map(|input| repository.request(&input.path))
        .collect();
    let batch = repository.old_versions(requests, options.max_file_size)?;
    let rev = repository.rev();
    let lint =
        |(i, old): (usize, Result<Old, String>)| (i, work.lint(i, options, Some((rev, old))));
    let files = (0..work.inputs.len()).zip(batch);
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

/// Reads and lints one file, with its previous version when `old` gives one (see
/// [`against`]), and writes it when fixed. A file `preread` already is not read again, unless
/// it is fixed (the fixed file is written from the bytes read, byte-order mark included).
fn lint_input(
    input: &Input,
    settings: &Settings,
    options: &Options,
    old: Option<(&str, Result<Old, String>)>,
    preread: Option<Preread<'_>>,
) -> Linted {
    if let (Some(preread), FixMode::Report) = (preread, options.fix.mode) {
        let key = options.baseline.as_ref().map(|b| b.name_of(&input.path));
        return against(&input.name, old, |previous| {
            let report = match preread.tree {
                Some((format, loaded)) => lint_loaded(
                    &input.name,
                    preread.text,
                    *format,
                    loaded,
                    settings,
                    previous,
                ),
                None => lint_against(&input.name, preread.text, settings, previous),
            };
            let linted = Lint {
                mode: FixMode::Report,
                report,
                text: Cow::Borrowed(preread.text),
                fixed: Vec::new(),
                before: None,
            };
            Linted {
                path: Some(input.shown.clone()),
                stack: input.stack.clone(),
                stack_regions: input.stack_regions.clone(),
                ..linted.into_result(settings, options, previous, key)
            }
        });
    }
    let bytes = match discover::read_file(&input.path, options.max_file_size) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Linted {
                stack: input.stack.clone(),
                stack_regions: input.stack_regions.clone(),
                ..Linted::failed(input.name.clone(), describe_io(&e))
            };
        }
    };
    let had_bom = bytes.starts_with(UTF8_BOM);
    let key = options.baseline.as_ref().map(|b| b.name_of(&input.path));
    // With --fix, what was read: the file is replaced only while it is still that.
    let seen = (options.fix.mode == FixMode::Apply)
        .then(|| crate::write::Seen::after_reading(&input.path, bytes.clone()));
    let lint = |mode: FixMode, bytes: Vec<u8>, previous: &Previous<'_>| Linted {
        path: Some(input.shown.clone()),
        stack: input.stack.clone(),
        stack_regions: input.stack_regions.clone(),
        ..lint_bytes_to_result(
            mode,
            &input.name,
            bytes,
            settings,
            options,
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

/// Lints one file's bytes against its previous version, or fixes them as `mode` says (the
/// run's `options.fix.mode`, or another for a file whose fix was not written), filters its
/// findings by the baseline (`baseline_name` is the file's name in it), and renders them.
pub(in crate::cli) fn lint_bytes_to_result(
    mode: FixMode,
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    options: &Options,
    previous: &Previous<'_>,
    baseline_name: Option<String>,
) -> Linted {
    let linted = match mode {
        FixMode::Report => {
            let (report, text) = lint_bytes(name, bytes, settings, previous);
            Lint {
                mode,
                report,
                text: Cow::Owned(text),
                fixed: Vec::new(),
                before: None,
            }
        }
        FixMode::Apply | FixMode::Diff => {
            let (fixed, before) = fix_bytes(name, bytes, settings, options.fix.least(), previous);
            Lint {
                mode,
                report: fixed.report,
                text: Cow::Owned(fixed.text),
                fixed: fixed.fixed,
                before: Some(before),
            }
        }
    };
    linted.into_result(settings, options, previous, baseline_name)
}

/// One file linted (or fixed, as `mode` says), before the baseline and rendering.
struct Lint<'t> {
    mode: FixMode,
    report: FileReport,
    /// What the findings are about (the fixed text when fixing).
    text: Cow<'t, str>,
    /// The code of each finding fixed.
    fixed: Vec<&'static str>,
    /// When fixing: the text as read.
    before: Option<String>,
}

impl Lint<'_> {
    /// Filters the findings by the baseline (`baseline_name` is the file's name in it), and
    /// renders them.
    fn into_result(
        self,
        settings: &Settings,
        options: &Options,
        previous: &Previous<'_>,
        baseline_name: Option<String>,
    ) -> Linted {
        let Lint {
            mode,
            mut report,
            text,
            fixed,
            before,
        } = self;
        let declared = std::mem::take(&mut report.declared_parameters);
        // After suppressions (the core's), before rendering: what the baseline records is not
        // reported. Fixes were applied to every finding, recorded or not.
        let (mut baselined, mut stale) = (0, 0);
        if let (Some(key), Some(run)) = (&baseline_name, &options.baseline)
            && let BaselineMode::Filter(baseline) = &run.mode
        {
            let filtered = kmslint_core::baseline::filter(
                baseline.file(key),
                std::mem::take(&mut report.diagnostics),
                |code| settings.rules.enabled(code),
            );
            report.diagnostics = filtered.new;
            (baselined, stale) = (filtered.matched, filtered.stale);
        }
        let output = FileOutput {
            path: &report.name,
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
                OutputFormat::Compact => render::compact::render(&report.name, &report.diagnostics),
                OutputFormat::Github => render::github::render(&report.name, &report.diagnostics),
                OutputFormat::Json
                | OutputFormat::Sarif
                | OutputFormat::Gitlab
                | OutputFormat::Junit => String::new(),
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
            texts: before.map(|before| (before, text.into_owned())),
            baseline_name,
            baselined,
            stale,
            stack: None,
            stack_regions: Vec::new(),
        }
    }
}
