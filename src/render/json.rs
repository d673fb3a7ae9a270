//! `--format json`: one JSON document with every finding and the summary (SPEC §2).
//!
//! The document is written as it is serialized, one finding at a time, so its size in memory
//! does not grow with the number of findings.

use std::io::{self, Write};

use serde::{Serialize, Serializer};

use crate::diagnostic::Diagnostic;
use crate::source::Position;

use super::{FileOutput, Summary};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Entries<'a>,
    summary: Summary,
}

/// Every file's findings, serialized lazily.
struct Entries<'a>(&'a [FileOutput<'a>]);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .iter()
                .flat_map(|f| f.diagnostics.iter().map(move |d| entry(f.path, d))),
        )
    }
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

/// Writes the document to `out`.
pub fn write(out: &mut impl Write, files: &[FileOutput<'_>], summary: &Summary) -> io::Result<()> {
    let document = Document {
        version: 1,
        diagnostics: Entries(files),
        summary: *summary,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

/// The document as a string.
pub fn render(files: &[FileOutput<'_>], summary: &Summary) -> String {
    let mut out = Vec::new();
    write(&mut out, files, summary).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
