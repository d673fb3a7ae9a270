//! Code actions: each finding's fix as a `quickfix`; "Ignore CODE on this line" (YAML: a
//! `# kmslint: ignore CODE` comment at the end of the finding's first line, or the code added
//! to the suppression comment already there); "Ignore CODE for resource X" (YAML: a
//! suppression comment on its own line above the resource, which covers the resource; JSON:
//! the code added to the resource's `Metadata.kmslint.ignore`); and `source.fixAll.kmslint`,
//! every safe fix as one edit of the whole document. The suppression edits are the core's
//! (`kmslint_core::suppress`), which also reads them.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use super::convert::{Elsewhere, Text, overlaps};
use super::documents::{Document, linted};
use kmslint_core::diagnostic::Diagnostic;
use kmslint_core::fix::{Applicability, Edit};
use kmslint_core::source::{self, Span};
use kmslint_core::suppress;

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
            diagnostics: d
                .map(|d| vec![text.diagnostic(&doc.uri, d, &mut Elsewhere::none(text.unit))]),
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
        // The findings kept from the last good analysis (`Lint::kept`) are not here: none
        // of their fixes, edits of an older text, is offered, nor a suppression of them.
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
            if let Some(edit) = suppress::ignore_on_line(
                &doc.text,
                format,
                root,
                text.lines,
                d.span.start as usize,
                d.code,
            ) {
                out.push(action(
                    format!("Ignore {} on this line", d.code),
                    CodeActionKind::QUICKFIX,
                    Some(d),
                    vec![text.edit(&edit)],
                    false,
                ));
            }
            if let Some(resource) = &d.resource
                && let Some(edit) =
                    suppress::ignore_for_resource(&doc.text, format, root, resource, d.code)
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
        let fixed =
            kmslint_core::fix_text(&doc.name(), &doc.text, &lint.settings, Applicability::Safe);
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
