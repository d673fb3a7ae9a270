//! Code actions: each finding's fix as a `quickfix`; "Ignore CODE on this line" (YAML: a
//! `# kmslint: ignore CODE` comment at the end of the finding's first line, or the code added
//! to the suppression comment already there); "Ignore CODE for resource X" (YAML: a
//! suppression comment on its own line above the resource, which covers the resource; JSON:
//! the code added to the resource's `Metadata.kmslint.ignore`); and `source.fixAll.kmslint`,
//! every safe fix as one edit of the whole document.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use super::convert::{Text, overlaps};
use super::documents::{Document, linted};
use kmslint_core::diagnostic::Diagnostic;
use kmslint_core::fix::edit::{Editor, Fragment, Place};
use kmslint_core::fix::{Applicability, Edit};
use kmslint_core::source::{self, Format, Node, Span, Value};

pub(super) const FIX_ALL: &str = "source.fixAll.kmslint";

/// Whether the client asked for actions of `kind` (`only` empty: any kind).
fn wanted(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    match only {
        None | Some([]) => true,
        Some(only) => only.iter().any(|k| {
            let k = k.as_str();
            kind == k || kind.strip_prefix(k).is_some_and(|r| r.starts_with('.'))
        }),
    }
}

/// The actions for `range` of a linted document.
pub(super) fn actions(
    doc: &Document,
    text: &Text<'_>,
    range: Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let Some(lint) = &doc.lint else {
        return Vec::new();
    };
    let Some(report) = &lint.report else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let action = |title: String,
                  kind: CodeActionKind,
                  d: Option<&Diagnostic>,
                  edits: Vec<TextEdit>,
                  preferred: bool| {
        CodeActionOrCommand::CodeAction(CodeAction {
            // A fix's title or a resource's name may quote the template's text.
            title: kmslint_core::render::visible(&title).into_owned(),
            kind: Some(kind),
            diagnostics: d.map(|d| vec![text.diagnostic(&doc.uri, d)]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: preferred.then_some(true),
            ..CodeAction::default()
        })
    };
    if wanted(only, CodeActionKind::QUICKFIX.as_str()) {
        let suppressible = linted(report);
        let format = source::Format::choose(&doc.name(), &doc.text);
        let loaded = source::load_file(&doc.name(), &doc.text).1;
        for d in &report.diagnostics {
            if !overlaps(text.range(d.span), range) {
                continue;
            }
            if let Some(fix) = &d.fix {
                let title = match fix.applicability {
                    Applicability::Safe => fix.title.clone(),
                    Applicability::Unsafe => format!("{} (unsafe)", fix.title),
                    Applicability::DisplayOnly => format!("{} (review before applying)", fix.title),
                };
                let edits = fix.edits.iter().map(|e| text.edit(e)).collect();
                out.push(action(
                    format!("{}: {title}", d.code),
                    CodeActionKind::QUICKFIX,
                    Some(d),
                    edits,
                    fix.applicability == Applicability::Safe,
                ));
            }
            let Some(root) = loaded.root.as_ref().filter(|_| suppressible) else {
                continue;
            };
            if format == Format::Yaml
                && let Some(edit) = ignore_on_line(&doc.text, text, root, d)
            {
                out.push(action(
                    format!("Ignore {} on this line", d.code),
                    CodeActionKind::QUICKFIX,
                    Some(d),
                    vec![text.edit(&edit)],
                    false,
                ));
            }
            if let Some(resource) = &d.resource
                && let Some(edit) = ignore_for_resource(&doc.text, format, root, resource, d.code)
            {
                out.push(action(
                    format!("Ignore {} for resource {resource}", d.code),
                    CodeActionKind::QUICKFIX,
                    Some(d),
                    vec![text.edit(&edit)],
                    false,
                ));
            }
        }
    }
    if wanted(only, FIX_ALL) {
        let fixed = kmslint_core::fix_text(
            &doc.name(),
            &doc.text,
            &lint.settings,
            false,
            Applicability::Safe,
        );
        if fixed.text != doc.text {
            let whole = Span::new(0, doc.text.len());
            out.push(action(
                "Fix all safely fixable kmslint findings".to_owned(),
                CodeActionKind::new(FIX_ALL),
                None,
                vec![text.edit(&Edit::new(whole, fixed.text))],
                false,
            ));
        }
    }
    out
}

/// The spans of every scalar, in start order (a `#` inside one is not a comment).
fn scalars(node: &Node<'_>, out: &mut Vec<Span>) {
    match &node.value {
        Value::Scalar(_) => out.push(node.span),
        Value::Map(entries) => {
            for e in entries {
                out.push(e.key_span);
                scalars(&e.value, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| scalars(i, out)),
        Value::Invalid => {}
    }
}

fn inside(spans: &[Span], offset: usize) -> bool {
    spans
        .iter()
        .any(|s| (s.start as usize) <= offset && offset < s.end as usize)
}

/// The edit that suppresses `d` on its first line, or `None` when that line ends inside a
/// scalar (a block scalar's line, where a comment would be text).
fn ignore_on_line(text: &str, t: &Text<'_>, root: &Node<'_>, d: &Diagnostic) -> Option<Edit> {
    let lines = t.lines;
    let line = lines.line_of(d.span.start as usize);
    let start = lines.line_start(line);
    let line_text = lines.line_text(text, line);
    let end = start + line_text.len();
    let mut spans = Vec::new();
    scalars(root, &mut spans);
    // A comment cannot go on a line that ends inside a scalar, or on the last line of one
    // that started above (in a block scalar it would be text).
    let continued = spans
        .iter()
        .any(|s| (s.start as usize) < start && end <= s.end as usize);
    if line_text.trim().is_empty() || inside(&spans, end) || continued {
        return None;
    }
    // The first `#` that starts a comment: at the line's start or after a blank, outside scalars.
    let bytes = line_text.as_bytes();
    let hash = (0..bytes.len()).find(|&i| {
        bytes[i] == b'#'
            && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t'))
            && !inside(&spans, start + i)
    });
    let Some(hash) = hash else {
        return Some(Edit::new(
            Span::empty(end),
            format!("  # kmslint: ignore {}", d.code),
        ));
    };
    if line_text[..hash].trim().is_empty() {
        // A comment line: nothing there to suppress on it.
        return None;
    }
    let comment = &line_text[hash + 1..];
    // Where a second comment starts, if any (`# kmslint: ignore KMS104 # why`).
    let cb = comment.as_bytes();
    let own_end = (1..cb.len())
        .find(|&i| cb[i] == b'#' && matches!(cb[i - 1], b' ' | b'\t'))
        .unwrap_or(cb.len());
    let own = &comment[..own_end];
    let codes = own
        .trim_start()
        .strip_prefix("kmslint:")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix("ignore "));
    match codes {
        Some(codes) if !codes.trim().is_empty() => {
            // Add the code to the suppression already there.
            let at = start + hash + 1 + own.trim_end().len();
            Some(Edit::new(Span::empty(at), format!(", {}", d.code)))
        }
        // Another comment: the suppression goes first, the comment stays after it.
        _ => Some(Edit::new(
            Span::empty(start + hash),
            format!("# kmslint: ignore {} ", d.code),
        )),
    }
}

/// The edit that suppresses `code` for the resource `name`.
fn ignore_for_resource(
    text: &str,
    format: Format,
    root: &Node<'_>,
    name: &str,
    code: &str,
) -> Option<Edit> {
    let resources = root.get("Resources")?.as_map()?;
    let entry = resources.iter().find(|e| e.key.as_ref() == name)?;
    if format == Format::Yaml {
        // A comment alone on the line above the resource's key covers the resource.
        let key = entry.key_span.start as usize;
        let line_start = text[..key].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let indent = &text[line_start..key];
        if !indent.chars().all(|c| c == ' ' || c == '\t') {
            return None;
        }
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        return Some(Edit::new(
            Span::empty(line_start),
            format!("{indent}# kmslint: ignore {code}{eol}"),
        ));
    }
    let editor = Editor::new(text, format, &[]);
    let resource = &entry.value;
    resource.as_map()?;
    let Some(metadata) = resource.entry("Metadata") else {
        return editor.insert_entry(
            resource,
            Place::Last,
            "Metadata",
            Fragment::Map(vec![(
                "kmslint",
                Fragment::Map(vec![("ignore", Fragment::Str(code))]),
            )]),
        );
    };
    metadata.value.as_map()?;
    let Some(kmslint) = metadata.value.entry("kmslint") else {
        return editor.insert_entry(
            &metadata.value,
            Place::Last,
            "kmslint",
            Fragment::Map(vec![("ignore", Fragment::Str(code))]),
        );
    };
    kmslint.value.as_map()?;
    match kmslint.value.entry("ignore") {
        None => editor.insert_entry(&kmslint.value, Place::Last, "ignore", Fragment::Str(code)),
        Some(ignore) => editor.append_item(&ignore.value, code),
    }
}
