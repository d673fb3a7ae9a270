//! `--format json`: one JSON document with every finding and the summary (SPEC §2).

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::source::Position;

use super::{FileOutput, Summary};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<Entry<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    start: Position,
    end: Position,
    resource: Option<&'a str>,
    pointer: &'a str,
    help: Option<&'a str>,
    related: Vec<RelatedEntry<'a>>,
}

#[derive(Serialize)]
struct RelatedEntry<'a> {
    path: &'a str,
    start: Position,
    end: Position,
    message: &'a str,
}

fn entry<'a>(path: &'a str, d: &'a Diagnostic) -> Entry<'a> {
    Entry {
        path,
        code: d.code,
        name: d.name,
        severity: d.severity.as_str(),
        message: &d.message,
        start: d.start,
        end: d.end,
        resource: d.resource.as_deref(),
        pointer: &d.pointer,
        help: d.help.as_deref(),
        related: d
            .related
            .iter()
            .map(|r| RelatedEntry {
                path,
                start: r.start,
                end: r.end,
                message: &r.message,
            })
            .collect(),
    }
}

pub fn render(files: &[FileOutput<'_>], summary: &Summary) -> String {
    let document = Document {
        version: 1,
        diagnostics: files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(move |d| entry(f.path, d)))
            .collect(),
        summary: *summary,
    };
    let mut out = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
