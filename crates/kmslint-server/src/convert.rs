//! Between kmslint's byte offsets and findings and LSP's positions and diagnostics, in the
//! position encoding negotiated at `initialize` (UTF-16 unless the client offers another).

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, PositionEncodingKind, Range, TextEdit, Uri,
};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kmslint_core::diagnostic::{Diagnostic, Severity};
use kmslint_core::fix::Edit;
use kmslint_core::render::visible;
use kmslint_core::source::read::{DEFAULT_MAX_FILE_SIZE, decode, read_file};
use kmslint_core::source::{ColumnUnit, LineIndex, Span};

use crate::documents::file_uri;

/// The client's first preference among the encodings kmslint speaks, else UTF-16 (the one
/// every client must accept), from `initialize`'s parameters as sent; and a problem for each
/// part of the way to `capabilities.general.positionEncodings` that has the wrong type. Only
/// that part is read, so a wrong type elsewhere in the parameters costs nothing (a whole
/// `InitializeParams` fails to parse on any one of them).
pub(super) fn negotiate(params: &Json) -> (ColumnUnit, Vec<String>) {
    const PATH: [&str; 3] = ["capabilities", "general", "positionEncodings"];
    let mut problems = Vec::new();
    let mut value = params;
    for (depth, key) in PATH.iter().enumerate() {
        match value {
            Json::Object(map) => match map.get(*key) {
                Some(member) => value = member,
                None => return (ColumnUnit::Utf16, problems),
            },
            Json::Null => return (ColumnUnit::Utf16, problems),
            other => {
                let name = match depth {
                    0 => "the initialize parameters".to_owned(),
                    _ => PATH[..depth].join("."),
                };
                problems.push(format!("{name}: expected an object, not {}", kind(other)));
                return (ColumnUnit::Utf16, problems);
            }
        }
    }
    let offered = match value {
        Json::Array(offered) => offered,
        Json::Null => return (ColumnUnit::Utf16, problems),
        other => {
            problems.push(format!(
                "{}: expected an array of strings, not {}",
                PATH.join("."),
                kind(other)
            ));
            return (ColumnUnit::Utf16, problems);
        }
    };
    let mut unit = None;
    for (i, offer) in offered.iter().enumerate() {
        let Some(offer) = offer.as_str() else {
            problems.push(format!(
                "{}[{i}]: expected a string, not {}",
                PATH.join("."),
                kind(offer)
            ));
            continue;
        };
        unit = unit.or(match offer {
            "utf-8" => Some(ColumnUnit::Utf8),
            "utf-16" => Some(ColumnUnit::Utf16),
            "utf-32" => Some(ColumnUnit::Utf32),
            _ => None,
        });
    }
    (unit.unwrap_or(ColumnUnit::Utf16), problems)
}

/// A JSON value's type, as a problem with a setting names it.
pub(super) fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

pub(super) fn encoding_kind(unit: ColumnUnit) -> PositionEncodingKind {
    match unit {
        ColumnUnit::Utf8 => PositionEncodingKind::UTF8,
        ColumnUnit::Utf16 => PositionEncodingKind::UTF16,
        ColumnUnit::Utf32 => PositionEncodingKind::UTF32,
    }
}

/// A document's text with its line index: what every conversion needs.
pub(super) struct Text<'a> {
    pub text: &'a str,
    pub lines: &'a LineIndex,
    pub unit: ColumnUnit,
}

impl Text<'_> {
    pub(crate) fn position(&self, offset: usize) -> Position {
        let (text, lines) = (self.text, self.lines);
        let at = lines.position(text, offset);
        let column = match self.unit {
            ColumnUnit::Utf8 => lines.utf8_column(text, offset),
            ColumnUnit::Utf16 => lines.utf16_column(text, offset),
            ColumnUnit::Utf32 => at.column,
        };
        Position::new(at.line - 1, column - 1)
    }

    pub(crate) fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte offset of an LSP position (clamped to the text).
    pub(crate) fn offset(&self, position: Position) -> usize {
        self.lines.offset(
            self.text,
            position.line as usize,
            position.character,
            self.unit,
        )
    }

    pub(crate) fn edit(&self, edit: &Edit) -> TextEdit {
        TextEdit::new(self.range(edit.span), edit.replacement.clone())
    }

    /// A finding as an LSP diagnostic, with its related places in the same document and,
    /// through `elsewhere`, in other files.
    pub(crate) fn diagnostic(
        &self,
        uri: &Uri,
        d: &Diagnostic,
        elsewhere: &mut Elsewhere<'_>,
    ) -> lsp_types::Diagnostic {
        let severity = match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        };
        // Messages quote the template's text: its control characters are escaped as the
        // command line's output escapes them, so a value cannot break a client's display.
        let mut message = visible(&d.message).into_owned();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&visible(help));
        }
        // A related place in another stack's template (a linked key's policy) is in that
        // file, which the links name by its absolute path ([`crate::deployments`]). One in
        // the old version the file was compared with (change rules, KMS5xx: `path` is that
        // version's name) has no URI a client could open: it comes from git or from a file
        // that is not this document, and its span is not in this text. It is left out; the
        // finding stays, and its message says what changed. (The server compares with
        // nothing today, so none arrive here.)
        let related: Vec<_> = d
            .related
            .iter()
            .filter_map(|r| {
                let location = match &r.path {
                    None => Location::new(uri.clone(), self.range(r.span)),
                    Some(path) => elsewhere.location(path, r.span)?,
                };
                Some(DiagnosticRelatedInformation {
                    location,
                    message: visible(&r.message).into_owned(),
                })
            })
            .collect();
        lsp_types::Diagnostic {
            range: self.range(d.span),
            severity: Some(severity),
            code: Some(NumberOrString::String(d.code.to_owned())),
            code_description: kmslint_core::render::rule_url(d.code)
                .parse()
                .ok()
                .map(|href| CodeDescription { href }),
            source: Some("kmslint".to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        }
    }
}

/// Places in files other than the document a finding is in: each open document's text as
/// the links read it (so a place's span is in that text), else the file, read once for all
/// the findings published together (only findings across stacks have such places).
pub(super) struct Elsewhere<'a> {
    unit: ColumnUnit,
    /// The open documents by their resolved path: URI, text, and its line index when at
    /// hand (else made when a place is in it).
    open: HashMap<&'a Path, OpenText<'a>>,
    /// Line indexes made for open texts, by path.
    indexed: HashMap<&'a Path, LineIndex>,
    /// Files read, by path; `None` when one could not be.
    read: HashMap<PathBuf, Option<(Uri, String, LineIndex)>>,
}

/// An open document's URI, text, and line index when at hand.
pub(super) type OpenText<'a> = (&'a Uri, &'a str, Option<&'a LineIndex>);

impl<'a> Elsewhere<'a> {
    pub(crate) fn new(
        unit: ColumnUnit,
        open: impl IntoIterator<Item = (&'a Path, OpenText<'a>)>,
    ) -> Elsewhere<'a> {
        Elsewhere {
            unit,
            open: open.into_iter().collect(),
            indexed: HashMap::new(),
            read: HashMap::new(),
        }
    }

    /// No other file is known: places in them are left out (a code action's copy of its
    /// finding).
    pub(crate) fn none(unit: ColumnUnit) -> Elsewhere<'a> {
        Elsewhere::new(unit, [])
    }

    /// Where `span` of the file at `path` is: `None` when `path` is no absolute path of a
    /// file that can be read.
    fn location(&mut self, path: &str, span: Span) -> Option<Location> {
        let path = Path::new(path);
        if !path.is_absolute() {
            return None;
        }
        let unit = self.unit;
        if let Some((&at, &(uri, text, lines))) = self.open.get_key_value(path) {
            let lines = match lines {
                Some(lines) => lines,
                None => self
                    .indexed
                    .entry(at)
                    .or_insert_with(|| LineIndex::new(text)),
            };
            let text = Text { text, lines, unit };
            return Some(Location::new(uri.clone(), text.range(span)));
        }
        let (uri, text, lines) = self
            .read
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let bytes = read_file(path, DEFAULT_MAX_FILE_SIZE).ok()?;
                let decoded = decode(bytes);
                let lines = LineIndex::new(&decoded.text);
                Some((file_uri(path)?, decoded.text, lines))
            })
            .as_ref()?;
        let text = Text { text, lines, unit };
        Some(Location::new(uri.clone(), text.range(span)))
    }
}

/// Whether two ranges share a position (an empty range touching another counts).
pub(super) fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmslint_core::diagnostic::Related;

    #[test]
    fn places_in_an_old_version_are_left_out_of_related_information() {
        let text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n";
        let mut findings =
            kmslint_core::lint_source("key.yaml", text, &kmslint_core::Settings::default());
        let d = findings.first_mut().expect("a finding");
        d.related = vec![
            Related::new(Span::new(2, 5), "in this file"),
            Related {
                path: Some("key.yaml at HEAD".to_owned()),
                ..Related::new(Span::new(100, 120), "in the old version")
            },
        ];
        let lines = LineIndex::new(text);
        let text = Text {
            text,
            lines: &lines,
            unit: ColumnUnit::Utf16,
        };
        let uri: Uri = "file:///key.yaml".parse().expect("a URI");
        let lsp = text.diagnostic(&uri, d, &mut Elsewhere::none(ColumnUnit::Utf16));
        let related = lsp.related_information.expect("the place in the file");
        assert_eq!(related.len(), 1);
        assert_eq!(related[0].message, "in this file");
        assert_eq!(related[0].location.range, text.range(Span::new(2, 5)));
    }
}
