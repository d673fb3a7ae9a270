//! kmslint: a linter for AWS KMS keys in CloudFormation templates and for KMS key policies.
//!
//! This crate is the linting core, without a command line: no argument parsing, no directory
//! walk, no language server (those are the `kmslint` and `kmslint-server` crates).
//!
//! Data flows one way: `source` (read, decode, parse into a located tree) → `model`
//! (template and key policy views, value resolution) → `rules` → [`Diagnostic`]s →
//! `suppress` → `render`. [`lint_source`] is the seam tests use; the command line adds
//! discovery, parallelism over files and output. `config`, `lookup` (rules by name, suggestions),
//! `deployer` and `facts` sit below all of them.

// What the command line, the language server, the tests, the examples and the fuzz target
// use is public; the rest is crate-private, so the compiler reports what nothing uses.
pub mod baseline;
pub mod config;
pub mod deployer;
pub mod diagnostic;
pub(crate) mod facts;
pub mod fix;
pub mod lookup;
pub(crate) mod model;
pub mod render;
pub mod rules;
pub mod source;
pub(crate) mod suppress;

pub use config::Settings;
pub use diagnostic::{Diagnostic, Severity};
pub use model::DocumentKind;

use model::value::Env;
use model::{Conditions, Reading, Template};
use source::{Format, LineIndex, LoadProblem, Node, ProblemKind, Span, Value};

/// Lints one file's text and returns its findings, located and in order.
pub fn lint_source(name: &str, text: &str, settings: &Settings) -> Vec<Diagnostic> {
    lint_text(name, text, settings, true).diagnostics
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Linted(DocumentKind),
    /// Not linted, and why ("not a CloudFormation template or key policy", "empty file").
    Skipped(String),
    /// The file could not be read as text or parsed, and looks like one we lint.
    Unparsable,
}

#[derive(Debug)]
pub struct FileReport {
    pub name: String,
    pub outcome: Outcome,
    pub diagnostics: Vec<Diagnostic>,
    /// The parameters the template declares, with their literal `AllowedValues`, when the
    /// settings give parameter values to check against them (else empty).
    pub declared_parameters: Vec<(String, Option<Vec<String>>)>,
    /// Whether the file was compared with a previous version ([`lint_against`]).
    pub comparison: Comparison,
}

/// Lints raw bytes: decodes them, then [`lint_text`]. Named and walked files are treated
/// alike: linted only when they are templates or key policies, or do not parse but declare
/// one at their top level (README, "Using it": pre-commit names every JSON and YAML file
/// changed, and a `tsconfig.json` with comments is not a template). `explicit` (named on the
/// command line) no longer changes that; it stays in the signature for the callers until the
/// core's API is trimmed.
pub fn lint_bytes(
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    explicit: bool,
    previous: &Previous<'_>,
) -> (FileReport, String) {
    lint_decoded(
        name,
        source::read::decode(bytes),
        settings,
        explicit,
        previous,
    )
}

fn lint_decoded(
    name: &str,
    decoded: source::read::Decoded,
    settings: &Settings,
    _explicit: bool,
    previous: &Previous<'_>,
) -> (FileReport, String) {
    match decoded.problem {
        None => {
            let report = lint_against(name, &decoded.text, settings, _explicit, previous);
            (report, decoded.text)
        }
        Some(problem) => {
            let problems = [LoadProblem {
                kind: ProblemKind::Syntax,
                span: Span::new(problem.offset, next_char(&decoded.text, problem.offset)),
                message: problem.message,
                first: None,
            }];
            let report = if model::kind::declares_kind(&decoded.text) {
                FileReport {
                    name: name.to_owned(),
                    outcome: Outcome::Unparsable,
                    diagnostics: finish(
                        &decoded.text,
                        None,
                        &[],
                        parse_only(&decoded.text, &problems, settings),
                    ),
                    declared_parameters: Vec::new(),
                    comparison: Comparison::NotCompared,
                }
            } else {
                skipped(name, "not UTF-8 text")
            };
            (report, decoded.text)
        }
    }
}

/// [`lint_bytes`] with fixes: decodes, then [`fix_text`]. Returns the file after fixing and
/// the text before. A file that does not decode is only linted.
pub fn fix_bytes(
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    explicit: bool,
    least: fix::Applicability,
    previous: &Previous<'_>,
) -> (FixedFile, String) {
    let decoded = source::read::decode(bytes);
    if decoded.problem.is_some() {
        let (report, text) = lint_decoded(name, decoded, settings, explicit, previous);
        return (
            FixedFile {
                report,
                text: text.clone(),
                fixed: Vec::new(),
            },
            text,
        );
    }
    let fixed = fix_against(name, &decoded.text, settings, explicit, least, previous);
    (fixed, decoded.text)
}

/// How many times `--fix` re-lints and fixes again: fixes that overlapped wait for the next
/// pass, and a fix can make way for another; more passes than this mean fixes that undo each
/// other.
const MAX_FIX_PASSES: usize = 10;

/// A file after `--fix`: its text, what was fixed, and the findings left in it.
pub struct FixedFile {
    pub report: FileReport,
    pub text: String,
    /// The code of each finding fixed, one per fix applied.
    pub fixed: Vec<&'static str>,
}

/// Lints `text` and applies the fixes at least as sure as `least`, again until none applies,
/// then reports what is left. A pass whose fixes would make the file fail to parse is
/// dropped (a fix that breaks the file is a bug; the findings stay as they were).
pub fn fix_text(
    name: &str,
    text: &str,
    settings: &Settings,
    explicit: bool,
    least: fix::Applicability,
) -> FixedFile {
    fix_against(
        name,
        text,
        settings,
        explicit,
        least,
        &Previous::NotCompared,
    )
}

/// [`fix_text`], comparing each pass with `previous` (the change rules have no fixes, but
/// their findings are part of what is left).
fn fix_against(
    name: &str,
    text: &str,
    settings: &Settings,
    explicit: bool,
    least: fix::Applicability,
    previous: &Previous<'_>,
) -> FixedFile {
    let mut report = lint_against(name, text, settings, explicit, previous);
    let mut current = text.to_owned();
    let mut fixed = Vec::new();
    let parse_errors = |report: &FileReport| {
        report
            .diagnostics
            .iter()
            .filter(|d| rules::kind(d.code) == Some(rules::RuleKind::Parse))
            .count()
    };
    for _ in 0..MAX_FIX_PASSES {
        let Some(applied) = fix::apply(&current, &report.diagnostics, least) else {
            break;
        };
        let next = lint_against(name, &applied.text, settings, explicit, previous);
        if parse_errors(&next) > parse_errors(&report) || next.outcome != report.outcome {
            break;
        }
        current = applied.text;
        fixed.extend(applied.fixed);
        report = next;
    }
    FixedFile {
        report,
        text: current,
        fixed,
    }
}

/// Lints decoded text.
pub fn lint_text(name: &str, text: &str, settings: &Settings, explicit: bool) -> FileReport {
    lint_against(name, text, settings, explicit, &Previous::NotCompared)
}

/// The version of a file its findings are compared with (`kmslint diff`, `check --since`):
/// the change rules (KMS5xx) run only when there is one.
#[derive(Clone, Copy, Debug)]
pub enum Previous<'a> {
    /// No comparison asked for.
    NotCompared,
    /// Compared with a revision at which the file did not exist: everything in it is new.
    Absent,
    /// The file's text at the old revision, and the name to show for it (`keys.yaml` at
    /// `origin/main`).
    Text { name: &'a str, text: &'a str },
}

/// What came of comparing a file with its previous version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    NotCompared,
    /// The file did not exist in the previous version.
    Absent,
    Compared,
    /// The previous version could not be compared, and why (it does not parse, or is not a
    /// template): the change rules did not run, and the command line says so.
    Failed(String),
}

/// [`lint_text`], comparing the file with `previous` too.
pub fn lint_against(
    name: &str,
    text: &str,
    settings: &Settings,
    _explicit: bool,
    previous: &Previous<'_>,
) -> FileReport {
    let (format, loaded) = source::load_file(name, text);
    let Some(first) = loaded.root.as_ref() else {
        if loaded.problems.is_empty() {
            return skipped(name, "empty file");
        }
        if !model::kind::declares_kind(text) {
            return skipped(
                name,
                "not a CloudFormation template or key policy (it does not parse, and has no \
                 top-level Resources, AWSTemplateFormatVersion or Statement)",
            );
        }
        return FileReport {
            name: name.to_owned(),
            outcome: Outcome::Unparsable,
            diagnostics: finish(
                text,
                None,
                &[],
                parse_only(text, &loaded.problems, settings),
            ),
            declared_parameters: Vec::new(),
            comparison: Comparison::NotCompared,
        };
    };
    // A YAML file of several documents is rejected by CloudFormation (the loader reported
    // where the second starts); the first of them that is a template or key policy is linted,
    // so that the report is not lost with the file skipped when the first document is not one.
    // A policy document that is not a key policy is skipped, with what it is (README, "Using it").
    let mut other_policy = None;
    let lintable =
        std::iter::once(first)
            .chain(&loaded.more)
            .find_map(|doc| match Reading::of(doc) {
                Reading::Kind(kind) => Some((doc, kind, None)),
                Reading::Mixed(mixed) => Some((doc, DocumentKind::MixedPolicy, Some(mixed))),
                Reading::Skipped(why) => {
                    other_policy.get_or_insert(why);
                    None
                }
                Reading::Neither => None,
            });
    let Some((root, kind, mixed)) = lintable else {
        return match other_policy {
            Some(why) => skipped(name, &why),
            None if first.as_map().is_some() => {
                skipped(name, "not a CloudFormation template or key policy")
            }
            None => skipped(name, "not a mapping at the top level"),
        };
    };
    let embedded = if kind == DocumentKind::Template {
        model::embedded_policies(text, root)
    } else {
        Vec::new()
    };
    let template = (kind == DocumentKind::Template).then(|| Template::new(root));
    let mut comparison = Comparison::NotCompared;
    let found = with_context(
        text,
        format,
        kind,
        template.as_ref(),
        root,
        &embedded,
        mixed.as_ref(),
        &loaded.problems,
        settings,
        |cx| {
            let mut found = rules::run(cx);
            let (compared, changes) = compare(cx, &found, previous, settings);
            comparison = compared;
            found.extend(changes);
            found
        },
    );
    let compared = comparison == Comparison::Compared;
    let mut diagnostics = suppress::apply(text, format, root, found, settings, compared);
    // A file with a syntax error is linted from the loader's best reading of it, which an
    // edit can tip into something else: no fixes until it parses (as ruff does).
    if loaded
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Syntax)
    {
        diagnostics.iter_mut().for_each(|d| d.fix = None);
    }
    let hosts: Vec<(Span, &Node<'_>)> = embedded
        .iter()
        .filter_map(|e| Some((e.text_node.span, e.loaded.root.as_ref()?)))
        .collect();
    let declared_parameters = match &template {
        Some(template) if !settings.parameters.is_empty() => declared_parameters(template),
        _ => Vec::new(),
    };
    FileReport {
        name: name.to_owned(),
        outcome: Outcome::Linted(kind),
        diagnostics: finish(text, Some(root), &hosts, diagnostics),
        declared_parameters,
        comparison,
    }
}

/// Builds what rules read about one parsed file and hands it to `f`.
#[allow(clippy::too_many_arguments)]
fn with_context<'t, R>(
    text: &'t str,
    format: Format,
    kind: DocumentKind,
    template: Option<&'t Template<'t>>,
    root: &'t Node<'t>,
    embedded: &'t [model::EmbeddedPolicy<'t>],
    mixed_policy: Option<&'t model::kind::MixedPolicy>,
    load_problems: &'t [LoadProblem],
    settings: &'t Settings,
    f: impl FnOnce(&rules::Context<'_, 't>) -> R,
) -> R {
    let env = Env::new(template, settings);
    let conditions = Conditions::new(&env);
    let policies = model::policy_sources(root, kind, template, embedded);
    let editor = fix::edit::Editor::new(text, format, embedded);
    let mut consumers = model::consumers::ConsumerIndex::new(
        template.filter(|_| rules::consumers_read(settings)),
        &model::value::Resolver::new(&env),
        rules::consumer_paths(),
    );
    consumers.possible_uses = rules::key_use::possible_uses(&consumers, &conditions);
    let cx = rules::Context {
        text,
        format,
        kind: Some(kind),
        template,
        env: &env,
        conditions: &conditions,
        policies: &policies,
        embedded,
        mixed_policy,
        load_problems,
        settings,
        editor: &editor,
        consumers: &consumers,
    };
    f(&cx)
}

/// Runs the change rules on the file and its previous version, when there is one to compare
/// with and a change rule is on.
fn compare(
    new: &rules::Context<'_, '_>,
    new_found: &[Diagnostic],
    previous: &Previous<'_>,
    settings: &Settings,
) -> (Comparison, Vec<Diagnostic>) {
    let (old_name, old_text) = match *previous {
        Previous::NotCompared => return (Comparison::NotCompared, Vec::new()),
        Previous::Absent => return (Comparison::Absent, Vec::new()),
        Previous::Text { name, text } => (name, text),
    };
    if new.template.is_none() {
        // A key policy file has no resources to match: its changes are not checked.
        return (Comparison::NotCompared, Vec::new());
    }
    // Most files of a pull request did not change: the same text has no change to find, and
    // is not parsed a second time.
    if old_text == new.text {
        return (Comparison::Compared, Vec::new());
    }
    let (old_format, loaded) = source::load_file(old_name, old_text);
    let old_root = match loaded.root.as_ref() {
        Some(root)
            if loaded
                .problems
                .iter()
                .all(|p| p.kind != ProblemKind::Syntax) =>
        {
            root
        }
        _ => {
            let why = loaded
                .problems
                .first()
                .map_or("it is empty".to_owned(), |p| {
                    let at = LineIndex::new(old_text).position(old_text, p.span.start as usize);
                    format!("it does not parse (line {}: {})", at.line, p.message)
                });
            return (
                Comparison::Failed(format!("{old_name} was not compared: {why}")),
                Vec::new(),
            );
        }
    };
    if DocumentKind::of(old_root) != Some(DocumentKind::Template) {
        return (
            Comparison::Failed(format!(
                "{old_name} was not compared: it is not a CloudFormation template"
            )),
            Vec::new(),
        );
    }
    let embedded = model::embedded_policies(old_text, old_root);
    let template = Template::new(old_root);
    let changes = with_context(
        old_text,
        old_format,
        DocumentKind::Template,
        Some(&template),
        old_root,
        &embedded,
        None,
        &loaded.problems,
        settings,
        |old| rules::run_change(old_name, old, new, new_found),
    );
    (Comparison::Compared, changes)
}

/// Runs only the rules that report load problems, for a file that did not parse.
fn parse_only(text: &str, problems: &[LoadProblem], settings: &Settings) -> Vec<Diagnostic> {
    let env = Env::new(None, settings);
    let conditions = Conditions::new(&env);
    let format = Format::choose("", text);
    let editor = fix::edit::Editor::new(text, format, &[]);
    let cx = rules::Context {
        text,
        format,
        kind: None,
        template: None,
        env: &env,
        conditions: &conditions,
        policies: &[],
        embedded: &[],
        mixed_policy: None,
        load_problems: problems,
        settings,
        editor: &editor,
        consumers: &model::consumers::ConsumerIndex::new(
            None,
            &model::value::Resolver::new(&env),
            std::iter::empty(),
        ),
    };
    rules::run(&cx)
}

fn skipped(name: &str, why: &str) -> FileReport {
    FileReport {
        name: name.to_owned(),
        outcome: Outcome::Skipped(why.to_owned()),
        diagnostics: Vec::new(),
        declared_parameters: Vec::new(),
        comparison: Comparison::NotCompared,
    }
}

/// The parameters a template declares, with their literal `AllowedValues`.
fn declared_parameters(template: &Template<'_>) -> Vec<(String, Option<Vec<String>>)> {
    template
        .parameters
        .iter()
        .map(|p| {
            let allowed = p.allowed_values.map(|values| {
                values
                    .iter()
                    .filter_map(|v| Some(v.scalar()?.text.to_string()))
                    .collect()
            });
            (p.name.to_owned(), allowed)
        })
        .collect()
}

fn next_char(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

/// Fills in pointers (and their stable forms), resources and positions, and sorts.
fn finish(
    text: &str,
    root: Option<&Node<'_>>,
    embedded: &[(Span, &Node<'_>)],
    mut diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    if diagnostics.is_empty() {
        return diagnostics;
    }
    let lines = LineIndex::new(text);
    for d in &mut diagnostics {
        if d.pointer.is_empty()
            && let Some(root) = root
        {
            d.pointer = pointer_to(root, embedded, d.span);
        }
        if d.resource.is_none() {
            d.resource = resource_of(&d.pointer);
        }
        d.stable_pointer = match root {
            Some(root) => baseline::stable_pointer(root, embedded, &d.pointer, d.span),
            None => d.pointer.clone(),
        };
        d.locate(text, &lines);
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
    diagnostics
}

/// The JSON pointer of the innermost node whose span (or key) contains `span`, descending
/// into key policies written as JSON strings.
pub(crate) fn pointer_to(root: &Node<'_>, embedded: &[(Span, &Node<'_>)], span: Span) -> String {
    let mut pointer = String::new();
    let mut node = root;
    'descend: loop {
        match &node.value {
            Value::Map(entries) => {
                // Entries are in source order, so the one that starts last at or before the
                // span is the likely container; big `Resources` mappings make a scan costly.
                // The scan stays as the fallback (a duplicate key keeps its first place).
                let guess = entries
                    .partition_point(|e| e.key_span.start <= span.start)
                    .checked_sub(1);
                let order = guess.into_iter().chain(0..entries.len());
                for entry in order.map(|i| &entries[i]) {
                    if entry.key_span.contains(span) {
                        push_token(&mut pointer, &entry.key);
                        break 'descend;
                    }
                    if entry.value.span.contains(span) {
                        push_token(&mut pointer, &entry.key);
                        node = &entry.value;
                        continue 'descend;
                    }
                }
                break;
            }
            Value::Seq(items) => {
                let guess = items
                    .partition_point(|item| item.span.start <= span.start)
                    .checked_sub(1);
                for i in guess.into_iter().chain(0..items.len()) {
                    let item = &items[i];
                    if item.span.contains(span) {
                        pointer.push('/');
                        pointer.push_str(&i.to_string());
                        node = item;
                        continue 'descend;
                    }
                }
                break;
            }
            Value::Scalar(_) => {
                match embedded
                    .iter()
                    .find(|(host, inner)| *host == node.span && inner.span.contains(span))
                {
                    Some((_, inner)) => node = inner,
                    None => break,
                }
            }
            Value::Invalid => break,
        }
    }
    pointer
}

fn push_token(pointer: &mut String, key: &str) {
    pointer.push('/');
    // Most keys have nothing to escape: no copies for them.
    if key.contains(['~', '/']) {
        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        pointer.push_str(key);
    }
}

/// `/Resources/Key/...` belongs to resource `Key`.
fn resource_of(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/Resources/")?;
    let name = rest.split('/').next()?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}
