//! `--format json`: one JSON document with every finding, the paths that could not be read and
//! the summary (docs/output-formats.md, "json"); `schema/kmslint-output.schema.json` describes it.
//!
//! The document is written as it is serialized, one finding at a time, so its size in memory
//! does not grow with the number of findings.

use std::io::{self, Write};

use serde::{Serialize, Serializer};

use crate::deployment::Stack;
use crate::diagnostic::{Diagnostic, Related};
use crate::source::Position;

use super::{FileOutput, PathError, Statistic, Summary, rule_url, write_json};
use crate::source::LineIndex;

/// The document's version: bumped when its shape changes incompatibly (adding fields does not).
pub(crate) const VERSION: u32 = 1;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

const TOOL: Tool = Tool {
    name: "kmslint",
    version: env!("CARGO_PKG_VERSION"),
};

/// The document around its `body`: the findings, or with `--statistics` the counts per rule.
#[derive(Serialize)]
struct Document<'a, B> {
    version: u32,
    tool: Tool,
    #[serde(flatten)]
    body: B,
    errors: &'a [PathError],
    summary: Summary,
}

#[derive(Serialize)]
struct Findings<'a> {
    diagnostics: Entries<'a>,
}

#[derive(Serialize)]
struct Statistics<'a> {
    statistics: &'a [Statistic],
}

/// Writes the document with `body` to `out`.
fn write_document(
    out: &mut (impl Write + ?Sized),
    body: impl Serialize,
    errors: &[PathError],
    summary: &Summary,
) -> io::Result<()> {
    let document = Document {
        version: VERSION,
        tool: TOOL,
        body,
        errors,
        summary: *summary,
    };
    write_json(out, &document)
}

/// The UTF-16 columns of one finding's start and end, of its related locations', and of the
/// starts and ends of its fix's edits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Utf16Columns {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub related: Vec<(u32, u32)>,
    pub(crate) edits: Vec<(u32, u32)>,
}

/// Each finding's columns in UTF-16 code units, computed from the file's text, and for a
/// related place in the old version ([`FileOutput::previous`]) from the old text. A related
/// place in an old version whose text is not at hand keeps its column in characters.
pub fn utf16_columns(output: &FileOutput<'_>) -> Vec<Utf16Columns> {
    let (text, diagnostics) = (output.text, output.diagnostics);
    if diagnostics.is_empty() {
        return Vec::new();
    }
    // In ASCII text (most templates) a character is one UTF-16 unit: the columns are those
    // the findings were located with, and the text need not be indexed again.
    let lines = (!text.is_ascii()).then(|| LineIndex::new(text));
    let column = |p: Position| match &lines {
        Some(lines) => lines.utf16_column(text, p.offset as usize),
        None => p.column,
    };
    // The old text's lines, made when a related place first needs them.
    let mut old_lines: Option<LineIndex> = None;
    let mut related = |r: &Related| match (&r.path, output.previous_text(r)) {
        (None, _) => (column(r.start), column(r.end)),
        (Some(_), Some(old)) => {
            let lines = old_lines.get_or_insert_with(|| LineIndex::new(old));
            (
                lines.utf16_column(old, r.start.offset as usize),
                lines.utf16_column(old, r.end.offset as usize),
            )
        }
        (Some(_), None) => (r.start.column, r.end.column),
    };
    diagnostics
        .iter()
        .map(|d| Utf16Columns {
            start: column(d.start),
            end: column(d.end),
            related: d.related.iter().map(&mut related).collect(),
            edits: d
                .fix
                .iter()
                .flat_map(|f| &f.edits)
                .map(|e| (column(e.start), column(e.end)))
                .collect(),
        })
        .collect()
}

/// One file's findings with their UTF-16 columns (one entry per finding).
pub struct JsonFile<'a> {
    pub path: &'a str,
    pub diagnostics: &'a [Diagnostic],
    pub utf16: &'a [Utf16Columns],
    /// The stack of a deployment whose template the file is.
    pub stack: Option<&'a Stack>,
}

/// Every file's findings, serialized lazily.
struct Entries<'a>(&'a [JsonFile<'a>]);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().flat_map(|f| {
            f.diagnostics
                .iter()
                .enumerate()
                .map(move |(i, d)| entry(f.path, f.stack, d, f.utf16.get(i)))
        }))
    }
}

/// A position as the document gives it: `column` in Unicode scalar values, `utf16_column` in
/// UTF-16 code units (LSP's default), both 1-based; `offset` a 0-based byte offset.
#[derive(Serialize)]
struct JsonPosition {
    line: u32,
    column: u32,
    utf16_column: u32,
    offset: u32,
}

fn position(p: Position, utf16: Option<u32>) -> JsonPosition {
    JsonPosition {
        line: p.line,
        column: p.column,
        utf16_column: utf16.unwrap_or(p.column),
        offset: p.offset,
    }
}

#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    url: String,
    start: JsonPosition,
    end: JsonPosition,
    resource: Option<&'a str>,
    pointer: &'a str,
    help: Option<&'a str>,
    related: Vec<RelatedEntry<'a>>,
    fix: Option<FixEntry<'a>>,
    /// Only for a stack's template (docs/deployments.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    stack: Option<StackEntry<'a>>,
}

/// The stack a finding's file is the template of: its name, and its Region and account
/// (`null` when the deployment leaves them unknown).
#[derive(Serialize)]
struct StackEntry<'a> {
    name: &'a str,
    region: Option<&'a str>,
    account: Option<&'a str>,
}

/// A finding's fix: `applicability` is `safe` (applied by `--fix`), `unsafe` (only with
/// `--unsafe-fixes`) or `display-only` (never applied); each edit replaces the text from
/// `start` to `end` (exclusive) with `content`.
#[derive(Serialize)]
struct FixEntry<'a> {
    title: &'a str,
    applicability: &'static str,
    edits: Vec<EditEntry<'a>>,
}

#[derive(Serialize)]
struct EditEntry<'a> {
    content: &'a str,
    start: JsonPosition,
    end: JsonPosition,
}

/// A related place: `path` is the finding's own, or for a place in the version the file was
/// compared with (change rules, KMS5xx) that version's name; its positions are in that text.
#[derive(Serialize)]
struct RelatedEntry<'a> {
    path: &'a str,
    start: JsonPosition,
    end: JsonPosition,
    message: &'a str,
}

fn entry<'a>(
    path: &'a str,
    stack: Option<&'a Stack>,
    d: &'a Diagnostic,
    utf16: Option<&Utf16Columns>,
) -> Entry<'a> {
    Entry {
        stack: stack.map(|s| StackEntry {
            name: &s.name,
            region: s.region.as_deref(),
            account: s.account.as_deref(),
        }),
        path,
        code: d.code,
        name: d.name,
        severity: d.severity.as_str(),
        message: &d.message,
        url: rule_url(d.code),
        start: position(d.start, utf16.map(|u| u.start)),
        end: position(d.end, utf16.map(|u| u.end)),
        resource: d.resource.as_deref(),
        pointer: &d.pointer,
        help: d.help.as_deref(),
        related: d
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let columns = utf16.and_then(|u| u.related.get(i));
                RelatedEntry {
                    path: r.path.as_deref().unwrap_or(path),
                    start: position(r.start, columns.map(|c| c.0)),
                    end: position(r.end, columns.map(|c| c.1)),
                    message: &r.message,
                }
            })
            .collect(),
        fix: d.fix.as_ref().map(|fix| FixEntry {
            title: &fix.title,
            applicability: fix.applicability.as_str(),
            edits: fix
                .edits
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let columns = utf16.and_then(|u| u.edits.get(i));
                    EditEntry {
                        content: &e.replacement,
                        start: position(e.start, columns.map(|c| c.0)),
                        end: position(e.end, columns.map(|c| c.1)),
                    }
                })
                .collect(),
        }),
    }
}

/// Writes the document, with the paths that could not be read, to `out`.
pub fn write_report(
    out: &mut (impl Write + ?Sized),
    files: &[JsonFile<'_>],
    errors: &[PathError],
    summary: &Summary,
) -> io::Result<()> {
    let body = Findings {
        diagnostics: Entries(files),
    };
    write_document(out, body, errors, summary)
}

/// `--statistics` with `--format json`: the counts per rule instead of the findings.
pub fn write_statistics(
    out: &mut (impl Write + ?Sized),
    statistics: &[Statistic],
    errors: &[PathError],
    summary: &Summary,
) -> io::Result<()> {
    write_document(out, Statistics { statistics }, errors, summary)
}

/// Writes the document for files whose text is at hand to `out`.
pub(crate) fn write(
    out: &mut (impl Write + ?Sized),
    files: &[FileOutput<'_>],
    summary: &Summary,
) -> io::Result<()> {
    let columns: Vec<Vec<Utf16Columns>> = files.iter().map(utf16_columns).collect();
    let files: Vec<JsonFile<'_>> = files
        .iter()
        .zip(&columns)
        .map(|(f, utf16)| JsonFile {
            path: f.path,
            diagnostics: f.diagnostics,
            utf16,
            stack: None,
        })
        .collect();
    write_report(out, &files, &[], summary)
}

/// The document as a string.
pub fn render(files: &[FileOutput<'_>], summary: &Summary) -> String {
    let mut out = Vec::new();
    write(&mut out, files, summary).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "a: \"😀é\" x\nb";
        let at = |offset: usize| crate::source::LineIndex::new(text).utf16_column(text, offset);
        // `x` is the 9th character and the 10th UTF-16 code unit (😀 is two).
        let x = text.find('x').unwrap();
        assert_eq!(at(x), 10);
        assert_eq!(at(text.find('b').unwrap()), 1);
        assert_eq!(at(0), 1);
    }

    /// In ASCII text the UTF-16 columns are the columns; otherwise they are counted, a
    /// character outside the Basic Multilingual Plane as two.
    #[test]
    fn utf16_columns_are_counted_only_in_text_that_is_not_ascii() {
        use super::{FileOutput, utf16_columns};
        let settings = crate::Settings::default();
        for (note, more) in [("plain", 0), ("\u{1F600}", 1)] {
            let text = format!(
                "Resources:\n  Alias: {{Type: 'AWS::KMS::Alias', Metadata: {{Note: \"{note}\"}}, Properties: {{AliasName: !Ref Missing, TargetKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab}}}}\n"
            );
            let diagnostics = crate::lint_source("t.yaml", &text, &settings);
            let at = diagnostics
                .iter()
                .position(|d| d.code == "KMS003")
                .expect("the missing reference is found");
            let output = FileOutput {
                path: "t.yaml",
                text: &text,
                diagnostics: &diagnostics,
                previous: None,
            };
            let columns = &utf16_columns(&output)[at];
            let found = &diagnostics[at];
            assert_eq!(columns.start, found.start.column + more, "{note}");
            assert_eq!(columns.end, found.end.column + more, "{note}");
        }
    }
}
