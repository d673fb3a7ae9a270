//! `--format pretty`: codespan-reporting diagnostics with the source excerpt, labels and
//! help, then a summary line.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as Level};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Buffer, WriteColor};
use codespan_reporting::term::{self, Config};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::LineIndex;

use super::{FileOutput, Summary};

/// One file for codespan, with our line index so excerpts agree with reported positions
/// (a lone `\r` ends a line here, as in YAML).
struct File<'a> {
    name: &'a str,
    text: &'a str,
    lines: LineIndex,
}

impl<'a> Files<'a> for File<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.lines.line_of(byte_index.min(self.text.len())))
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, FilesError> {
        if line_index >= self.lines.line_count() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: self.lines.line_count() - 1,
            });
        }
        let start = self.lines.line_start(line_index);
        let end = self.lines.line_start(line_index + 1).min(self.text.len());
        Ok(start..end)
    }
}

/// Renders one file's findings; `color` adds ANSI colours.
pub fn render_file(output: &FileOutput<'_>, color: bool) -> String {
    if output.diagnostics.is_empty() {
        return String::new();
    }
    let file = File {
        name: output.path,
        text: output.text,
        lines: LineIndex::new(output.text),
    };
    let config = Config::default();
    let mut buffer = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    for diagnostic in output.diagnostics {
        let report = to_report(diagnostic, output.text.len());
        if term::emit_to_write_style(&mut buffer, &config, &file, &report).is_err() {
            // Only a position outside the file can fail; fall back to the compact line.
            let line = super::compact::line(output.path, diagnostic);
            let _ = std::io::Write::write_all(&mut buffer, format!("{line}\n\n").as_bytes());
        }
    }
    let _ = buffer.reset();
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn to_report(diagnostic: &Diagnostic, len: usize) -> Report<()> {
    let clamp = |span: crate::source::Span| {
        let range = span.range();
        range.start.min(len)..range.end.min(len)
    };
    let level = match diagnostic.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Note,
    };
    let mut labels = vec![Label::primary((), clamp(diagnostic.span)).with_message(diagnostic.name)];
    labels.extend(
        diagnostic
            .related
            .iter()
            .map(|r| Label::secondary((), clamp(r.span)).with_message(&r.message)),
    );
    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    Report::new(level)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// "Checked 12 files (3 skipped): 2 errors, 1 warning."
pub fn summary_line(summary: &Summary) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let skipped = if summary.skipped > 0 {
        format!(" ({} skipped)", summary.skipped)
    } else {
        String::new()
    };
    let mut counts = Vec::new();
    if summary.errors > 0 {
        counts.push(plural(summary.errors, "error", "errors"));
    }
    if summary.warnings > 0 {
        counts.push(plural(summary.warnings, "warning", "warnings"));
    }
    if summary.infos > 0 {
        counts.push(plural(summary.infos, "info", "infos"));
    }
    let found = if counts.is_empty() {
        "no problems found".to_owned()
    } else {
        counts.join(", ")
    };
    format!(
        "Checked {}{skipped}: {found}.",
        plural(summary.files, "file", "files")
    )
}
