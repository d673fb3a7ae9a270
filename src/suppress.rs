//! Suppressions (SPEC §3): `# kmslint: ignore CODE[,CODE]` comments in YAML, and
//! `Metadata: {kmslint: {ignore: [...]}}` on a resource or on the template. Each finding is
//! claimed by the narrowest suppression that covers it; a suppression that claims nothing is
//! reported as KMS006 unused-suppression.
//!
//! Comments are found by scanning the text, not by the YAML parser (which drops them): a `#`
//! counts only at the start of a line or after a space or tab, and never inside a scalar or a
//! key the parser saw, so `Sid: "a # b"` and block scalars are not comments. JSON has no
//! comments; JSON templates use the metadata forms.

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::rules::{self, Reporter, RuleEntry};
use crate::source::{Format, LineIndex, Node, Span, Value};

/// The code of the rule this module reports.
pub const UNUSED: &str = "KMS006";

/// Removes suppressed findings and adds KMS006 for suppressions that suppressed nothing.
pub fn apply(
    text: &str,
    format: Format,
    root: &Node<'_>,
    diagnostics: Vec<Diagnostic>,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let mut suppressions = Vec::new();
    metadata(root, &mut suppressions);
    // Most files have no suppression: index lines only when there may be one.
    let has_comments = format == Format::Yaml && text.contains(MARKER);
    if suppressions.is_empty() && !has_comments {
        return diagnostics;
    }
    let lines = LineIndex::new(text);
    if has_comments {
        comments(text, root, &lines, &mut suppressions);
    }
    if suppressions.is_empty() {
        return diagnostics;
    }
    // Narrowest first: a line comment before a block comment, before resource and then
    // template metadata.
    suppressions.sort_by_key(|s| s.scope.width());

    let mut kept = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let line = lines.line_of(diagnostic.span.start as usize);
        let claimed = suppressions.iter_mut().find_map(|s| {
            if !s.scope.covers(&diagnostic, line) {
                return None;
            }
            s.codes.iter_mut().find(|c| c.matches(diagnostic.code))
        });
        match claimed {
            Some(code) => code.used = true,
            None => kept.push(diagnostic),
        }
    }

    if settings.rules.enabled(UNUSED)
        && let Some(meta) = rules::meta(UNUSED)
    {
        let mut out = Reporter::new(meta);
        for suppression in &suppressions {
            for code in suppression.codes.iter().filter(|c| !c.used) {
                report_unused(&mut out, suppression, code, settings);
            }
        }
        let mut unused = out.into_diagnostics();
        rules::apply_severities(settings, &mut unused);
        kept.extend(unused);
    }
    kept
}

fn report_unused(out: &mut Reporter, suppression: &Suppression, code: &Code, settings: &Settings) {
    let Some(wanted) = &code.code else {
        out.report(
            code.span,
            format!(
                "this `kmslint: ignore` {} suppresses no finding",
                suppression.kind
            ),
        )
        .with_help("remove it");
        return;
    };
    match code.rule {
        None => {
            out.report(
                code.span,
                format!("`{wanted}` is not a kmslint rule, so this suppression does nothing"),
            )
            .with_help("write a rule code such as `KMS104`; `kmslint rules` lists them");
        }
        // A rule that did not run cannot have findings to suppress: not a stale suppression.
        Some(rule) if !settings.rules.enabled(rule.code) => {}
        Some(rule) => {
            out.report(
                code.span,
                format!(
                    "this {} suppresses {} ({}), which has no finding here",
                    suppression.kind,
                    rule.code,
                    rule.meta().name
                ),
            )
            .with_help("remove it, so that it does not hide a future finding");
        }
    }
}

struct Suppression {
    scope: Scope,
    /// "comment" or "metadata entry", for messages.
    kind: &'static str,
    codes: Vec<Code>,
}

/// One code of a suppression (`code: None` when the comment names none: every rule).
struct Code {
    code: Option<String>,
    /// The rule `code` names, looked up once.
    rule: Option<&'static RuleEntry>,
    span: Span,
    used: bool,
}

impl Code {
    fn new(code: Option<String>, span: Span) -> Code {
        Code {
            rule: code.as_deref().and_then(rules::find),
            code,
            span,
            used: false,
        }
    }

    fn matches(&self, code: &str) -> bool {
        // KMS006 is never suppressed by a suppression: that would hide stale ones.
        if code == UNUSED {
            return false;
        }
        self.code.is_none() || self.rule.is_some_and(|rule| rule.code == code)
    }
}

enum Scope {
    /// Findings that start on this 0-based line.
    Line(usize),
    /// Findings inside this span (a node and its key), and the findings of a resource.
    Span(Span, Option<String>),
    /// The whole file.
    File,
}

impl Scope {
    fn covers(&self, diagnostic: &Diagnostic, line: usize) -> bool {
        match self {
            Scope::Line(l) => *l == line,
            Scope::Span(span, resource) => {
                span.contains(diagnostic.span)
                    || resource.is_some() && diagnostic.resource == *resource
            }
            Scope::File => true,
        }
    }

    fn width(&self) -> (u8, u32) {
        match self {
            Scope::Line(_) => (0, 0),
            Scope::Span(span, _) => (1, span.len() as u32),
            Scope::File => (2, 0),
        }
    }
}

const MARKER: &str = "kmslint:";

/// `# kmslint: ignore …` comments.
fn comments(text: &str, root: &Node<'_>, lines: &LineIndex, out: &mut Vec<Suppression>) {
    let mut scalars = Vec::new();
    scalar_spans(root, &mut scalars);
    scalars.sort_by_key(|s| s.start);
    for line in 0..lines.line_count() {
        let line_text = lines.line_text(text, line);
        let Some(hash) = comment_start(line_text) else {
            continue;
        };
        let offset = lines.line_start(line) + hash;
        if inside_any(&scalars, offset) {
            continue;
        }
        let comment = &line_text[hash + 1..];
        let Some(codes) = parse_comment(comment, offset + 1) else {
            continue;
        };
        let alone = line_text[..hash].trim().is_empty();
        let scope = if alone {
            next_node(text, root, lines, line)
        } else {
            Scope::Line(line)
        };
        out.push(Suppression {
            scope,
            kind: "comment",
            codes,
        });
    }
}

/// Where a YAML comment could start on a line: a `#` at the start or after whitespace.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')))
}

/// The codes of `kmslint: ignore KMS104, KMS105` (after the `#`), with their spans;
/// `None` when the comment is not a kmslint suppression.
fn parse_comment(comment: &str, offset: usize) -> Option<Vec<Code>> {
    let trimmed = comment.trim_start();
    let rest = trimmed.strip_prefix(MARKER)?.trim_start();
    let args = rest.strip_prefix("ignore")?;
    if !(args.is_empty() || args.starts_with([' ', '\t', ','])) {
        return None;
    }
    let args_offset = offset + (comment.len() - args.len());
    let mut codes = Vec::new();
    // Codes are separated by commas or spaces. The first word is always taken as a code;
    // after it, words that name a rule, and words right after a comma that look like a code
    // (`KMS1O4`, reported as unknown), are codes too. The first other word starts a free-text
    // reason: `# kmslint: ignore KMS104 rotated by the vendor, see the runbook`.
    let mut after_comma = false;
    let mut word_start = None;
    for (i, c) in args
        .char_indices()
        .chain(std::iter::once((args.len(), ' ')))
    {
        if c != ',' && !c.is_whitespace() {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            let word = &args[start..i];
            let looks_like_code =
                word.len() > 3 && word.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("KMS"));
            let is_code =
                codes.is_empty() || rules::find(word).is_some() || (after_comma && looks_like_code);
            if !is_code {
                break;
            }
            let begin = args_offset + start;
            codes.push(Code::new(
                Some(word.to_owned()),
                Span::new(begin, begin + word.len()),
            ));
            after_comma = false;
        }
        if c == ',' {
            after_comma = true;
        }
    }
    if codes.is_empty() {
        let begin = offset + (comment.len() - trimmed.len());
        codes.push(Code::new(
            None,
            Span::new(begin, offset + comment.trim_end().len()),
        ));
    }
    Some(codes)
}

/// The scope of a comment alone on its line: the outermost node that starts on the next
/// line with content (a mapping entry with its value, or a sequence item), or that line.
fn next_node(text: &str, root: &Node<'_>, lines: &LineIndex, line: usize) -> Scope {
    let Some(next) = (line + 1..lines.line_count()).find(|&l| {
        let t = lines.line_text(text, l).trim_start();
        !t.is_empty() && !t.starts_with('#')
    }) else {
        return Scope::Line(line + 1);
    };
    match outermost_on_line(root, lines, next, None) {
        Some((span, resource)) => Scope::Span(span, resource),
        None => Scope::Line(next),
    }
}

/// The outermost entry (key and value) or sequence item that starts on `line`, and the
/// resource it is, when it is one.
fn outermost_on_line(
    node: &Node<'_>,
    lines: &LineIndex,
    line: usize,
    parent: Option<&str>,
) -> Option<(Span, Option<String>)> {
    match &node.value {
        Value::Map(entries) => {
            for entry in entries {
                let whole = entry.key_span.cover(entry.value.span);
                if lines.line_of(entry.key_span.start as usize) == line {
                    let resource = (parent == Some("Resources")).then(|| entry.key.to_string());
                    return Some((whole, resource));
                }
                if whole.start as usize <= lines.line_start(line)
                    && lines.line_start(line) < whole.end as usize
                {
                    return outermost_on_line(&entry.value, lines, line, Some(&entry.key));
                }
            }
            None
        }
        Value::Seq(items) => {
            for item in items {
                if lines.line_of(item.span.start as usize) == line {
                    return Some((item.span, None));
                }
                if item.span.start as usize <= lines.line_start(line)
                    && lines.line_start(line) < item.span.end as usize
                {
                    return outermost_on_line(item, lines, line, None);
                }
            }
            None
        }
        _ => None,
    }
}

fn scalar_spans(node: &Node<'_>, out: &mut Vec<Span>) {
    match &node.value {
        Value::Scalar(_) => out.push(node.span),
        Value::Seq(items) => items.iter().for_each(|item| scalar_spans(item, out)),
        Value::Map(entries) => {
            for entry in entries {
                out.push(entry.key_span);
                scalar_spans(&entry.value, out);
            }
        }
        Value::Invalid => {}
    }
}

/// Whether `offset` is inside one of the spans (sorted by start; they do not overlap).
fn inside_any(spans: &[Span], offset: usize) -> bool {
    let i = spans.partition_point(|s| (s.start as usize) <= offset);
    i > 0 && offset < spans[i - 1].end as usize
}

/// `Metadata: {kmslint: {ignore: [...]}}` on the template and on each resource.
fn metadata(root: &Node<'_>, out: &mut Vec<Suppression>) {
    if let Some(codes) = root.get("Metadata").and_then(ignore_list) {
        out.push(Suppression {
            scope: Scope::File,
            kind: "metadata entry",
            codes,
        });
    }
    let Some(resources) = root.get("Resources").and_then(Node::as_map) else {
        return;
    };
    for entry in resources {
        if let Some(codes) = entry.value.get("Metadata").and_then(ignore_list) {
            out.push(Suppression {
                scope: Scope::Span(
                    entry.key_span.cover(entry.value.span),
                    Some(entry.key.to_string()),
                ),
                kind: "metadata entry",
                codes,
            });
        }
    }
}

/// The codes under `kmslint: {ignore: …}` of a `Metadata` mapping: a list or one string.
fn ignore_list(metadata: &Node<'_>) -> Option<Vec<Code>> {
    let ignore = metadata.get("kmslint")?.get("ignore")?;
    let items: Vec<&Node<'_>> = match &ignore.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Scalar(_) => vec![ignore],
        _ => return None,
    };
    let codes: Vec<Code> = items
        .into_iter()
        .filter_map(|item| {
            Some(Code::new(
                Some(item.scalar()?.text.trim().to_owned()),
                item.span,
            ))
        })
        .collect();
    (!codes.is_empty()).then_some(codes)
}
