//! `--format compact`: one line per finding, `path:line:column: severity[CODE] message`, the
//! format editors' quickfix lists read.
//!
//! Fixes are deliberately not shown here: editors and scripts parse the line, and a `[*]` or
//! a fix title would change what they read. JSON (`fix`), SARIF (`fixes`) and pretty output
//! (`[*]`, `= fix: …`) carry them.
//!
//! Related places are not shown either, in the file or (change rules, KMS5xx) in the old
//! version it was compared with: the line keeps its shape, with nothing appended, since a
//! second `path:line:column` on it would be read as another location. The finding's own
//! message says what changed; pretty output, JSON (`related`, with the old version's `path`)
//! and SARIF (`relatedLocations`) show where it was.

use crate::diagnostic::Diagnostic;

use super::{line_start_path, visible};

pub(crate) fn line(path: &str, d: &Diagnostic) -> String {
    format!(
        "{}:{}:{}: {}[{}] {}",
        line_start_path(path),
        d.start.line,
        d.start.column,
        d.severity,
        d.code,
        one_line(&d.message)
    )
}

pub fn render(path: &str, diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|d| line(path, d) + "\n").collect()
}

/// Messages are single lines already; make sure of it for line-based consumers, and show
/// any control character from the input as an escape.
pub(crate) fn one_line(message: &str) -> String {
    visible(message).into_owned()
}
