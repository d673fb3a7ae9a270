//! The pipeline for one file: decode, load, pick the document to lint, run the rules (and
//! the change rules, through [`crate::compare`]), apply suppressions, then locate and sort
//! the findings.

use std::collections::HashMap;

use crate::compare::{self, Comparison, Previous};
use crate::config::Settings;
use crate::context::{parse_only, with_context};
use crate::diagnostic::Diagnostic;
use crate::model::{self, DocumentKind, Reading, Template};
use crate::source::{self, LineIndex, LoadProblem, Node, ProblemKind, Span};
use crate::{baseline, pointer, rules, suppress};

/// Lints one file's text and returns its findings, located and in order.
pub fn lint_source(name: &str, text: &str, settings: &Settings) -> Vec<Diagnostic> {
    lint_text(name, text, settings).diagnostics
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
/// one at their top level (docs/commands.md: pre-commit names every JSON and YAML file
/// changed, and a `tsconfig.json` with comments is not a template).
pub fn lint_bytes(
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    previous: &Previous<'_>,
) -> (FileReport, String) {
    lint_decoded(name, source::read::decode(bytes), settings, previous)
}

pub(crate) fn lint_decoded(
    name: &str,
    decoded: source::read::Decoded,
    settings: &Settings,
    previous: &Previous<'_>,
) -> (FileReport, String) {
    match decoded.problem {
        None => {
            let report = lint_against(name, &decoded.text, settings, previous);
            (report, decoded.text)
        }
        Some(problem) => {
            let problems = [LoadProblem {
                kind: ProblemKind::Syntax,
                span: Span::new(problem.offset, next_char(&decoded.text, problem.offset)),
                message: problem.message,
                first: None,
            }];
            let report = unparsable(name, &decoded.text, &problems, settings, "not UTF-8 text");
            (report, decoded.text)
        }
    }
}

/// Lints decoded text.
pub fn lint_text(name: &str, text: &str, settings: &Settings) -> FileReport {
    lint_against(name, text, settings, &Previous::NotCompared)
}

/// [`lint_text`], comparing the file with `previous` too.
pub fn lint_against(
    name: &str,
    text: &str,
    settings: &Settings,
    previous: &Previous<'_>,
) -> FileReport {
    let (format, loaded) = source::load_file(name, text);
    lint_loaded(name, text, format, &loaded, settings, previous)
}

/// [`lint_against`] for a text already loaded (`format` and `loaded` are what
/// [`source::load_file`] gives for `name` and `text`): the command line loads a deployment's
/// templates once, for the links between its stacks and for their lint. The template of a
/// stack deployed as several instances (a `[[stacks]]` entry with `regions` or `accounts`)
/// is linted once per instance ([`crate::link::instances`]), from the one tree, and what
/// they find is merged.
pub fn lint_loaded(
    name: &str,
    text: &str,
    format: source::Format,
    loaded: &source::Loaded<'_>,
    settings: &Settings,
    previous: &Previous<'_>,
) -> FileReport {
    let file = LoadedFile {
        name,
        text,
        format,
        loaded,
    };
    match crate::link::instances(settings) {
        Some(each) => lint_instances(&file, &each, previous),
        None => lint_one(&file, settings, previous),
    }
}

/// One file as loaded.
#[derive(Clone, Copy)]
struct LoadedFile<'f, 't> {
    name: &'f str,
    text: &'f str,
    format: source::Format,
    loaded: &'f source::Loaded<'t>,
}

/// Lints a template once per instance of its stack (`each`: the instance's label and
/// settings, at least two). A finding every instance makes is reported once, as it is; one
/// that only some make says which, at the end of its message. A suppression one instance
/// uses is used: the suppression rules' findings are kept only when every instance makes
/// them.
fn lint_instances(
    file: &LoadedFile<'_, '_>,
    each: &[(String, Settings)],
    previous: &Previous<'_>,
) -> FileReport {
    let mut reports: Vec<FileReport> = each
        .iter()
        .map(|(_, settings)| lint_one(file, settings, previous))
        .collect();
    type Key = (&'static str, Span, String);
    let key = |d: &Diagnostic| (d.code, d.span, d.message.clone());
    let mut made_by: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, report) in reports.iter().enumerate() {
        for d in &report.diagnostics {
            let by = made_by.entry(key(d)).or_default();
            if by.last() != Some(&i) {
                by.push(i);
            }
        }
    }
    let suppression = [
        rules::INVALID_SUPPRESSION.code,
        rules::UNUSED_SUPPRESSION.code,
    ];
    let mut merged: Vec<Diagnostic> = Vec::new();
    for report in &mut reports {
        for mut d in std::mem::take(&mut report.diagnostics) {
            let Some(by) = made_by.remove(&key(&d)) else {
                continue;
            };
            if by.len() < each.len() {
                if suppression.contains(&d.code) {
                    continue;
                }
                let labels: Vec<&str> = by.iter().map(|&i| each[i].0.as_str()).collect();
                d.message = format!("{} (in {})", d.message, labels.join("; "));
            }
            merged.push(d);
        }
    }
    merged.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut first = reports.swap_remove(0);
    first.diagnostics = merged;
    first
}

fn lint_one(file: &LoadedFile<'_, '_>, settings: &Settings, previous: &Previous<'_>) -> FileReport {
    let &LoadedFile {
        name,
        text,
        format,
        loaded,
    } = file;
    let Some(first) = loaded.root.as_ref() else {
        if loaded.problems.is_empty() {
            return skipped(name, "empty file");
        }
        return unparsable(name, text, &loaded.problems, settings, NOT_A_TEMPLATE);
    };
    // A YAML file of several documents is rejected by CloudFormation (the loader reported
    // where the second starts); the first of them that is a template or key policy is linted,
    // so that the report is not lost with the file skipped when the first document is not one.
    // A policy document that is not a key policy is skipped, with what it is (docs/commands.md).
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
        // What the loader read past an error is not a template or key policy: the file is
        // judged as one that does not parse, so that an error cannot turn a template into a
        // file skipped unseen (say a broken `Resources` line blanked with all it holds).
        if loaded.recovered {
            return unparsable(name, text, &loaded.problems, settings, NOT_A_TEMPLATE);
        }
        return match other_policy {
            Some(why) => skipped(name, &why),
            None if first.as_map().is_some() => {
                skipped(name, "not a CloudFormation template or key policy")
            }
            None => skipped(name, "not a mapping at the top level"),
        };
    };
    // A SAM template is linted as the CloudFormation SAM makes of it, at its SAM source.
    let expanded = match kind {
        DocumentKind::Template => model::sam::expand(root),
        _ => None,
    };
    let sam = expanded
        .as_ref()
        .map(|expanded| model::sam::SamSource::of(root, expanded));
    let root = expanded.as_ref().unwrap_or(root);
    let embedded = if kind == DocumentKind::Template {
        model::embedded_policies(text, root)
    } else {
        Vec::new()
    };
    let template = (kind == DocumentKind::Template).then(|| Template::new(root));
    let mut comparison = Comparison::NotCompared;
    // A reading past a syntax error misses what the error hid (a blanked YAML line, the end
    // of a JSON file): compared with the previous version, it would report a resource there
    // as deleted. A file that does not parse is not compared, as before it was read past.
    let previous = if loaded.recovered {
        &Previous::NotCompared
    } else {
        previous
    };
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
            let (mut found, needs) = rules::run(cx);
            let (compared, changes) = compare::compare(cx, &needs, previous, settings);
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
    if let Some(sam) = &sam {
        for_sam_source(sam, &mut diagnostics);
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

/// What findings on a SAM template's expansion need of its source: no fix that would edit what
/// SAM expands; for a value of `Globals`, the resource that inherits it; for a resource SAM
/// makes, what it is made of.
fn for_sam_source(sam: &model::sam::SamSource, diagnostics: &mut [Diagnostic]) {
    for diagnostic in diagnostics {
        if diagnostic
            .fix
            .as_ref()
            .is_some_and(|fix| fix.edits.iter().any(|edit| sam.expands(edit.span)))
        {
            diagnostic.fix = None;
        }
        let Some(resource) = diagnostic.resource.as_deref() else {
            continue;
        };
        let places = [
            sam.inheritor(diagnostic.span, resource),
            sam.made_of(diagnostic.span, resource),
        ];
        for (at, message) in places.into_iter().flatten() {
            diagnostic
                .related
                .push(crate::diagnostic::Related::new(at, message));
        }
    }
}

/// Why a file that does not parse, and declares no template or key policy, is skipped.
const NOT_A_TEMPLATE: &str = "not a CloudFormation template or key policy (it does not parse, and has no \
     top-level Resources, AWSTemplateFormatVersion or Statement)";

/// A file that does not parse (or is not UTF-8 text), or whose recovered reading is neither a
/// template nor a key policy: its syntax errors, when it declares itself one, else skipped
/// with `skipped_as`.
fn unparsable(
    name: &str,
    text: &str,
    problems: &[source::LoadProblem],
    settings: &Settings,
    skipped_as: &str,
) -> FileReport {
    if !model::kind::declares_kind(text) {
        return skipped(name, skipped_as);
    }
    FileReport {
        name: name.to_owned(),
        outcome: Outcome::Unparsable,
        diagnostics: finish(text, None, &[], parse_only(text, problems, settings)),
        declared_parameters: Vec::new(),
        comparison: Comparison::NotCompared,
    }
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
            d.pointer = pointer::pointer_to(root, embedded, d.span);
        }
        if d.resource.is_none() {
            d.resource = pointer::resource_of(&d.pointer);
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
