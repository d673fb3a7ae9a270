//! `--format compact`: one line per finding, `path:line:column: severity[CODE] message`, the
//! format editors' quickfix lists read.

use crate::diagnostic::Diagnostic;

pub fn line(path: &str, d: &Diagnostic) -> String {
    format!(
        "{path}:{}:{}: {}[{}] {}",
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

/// Messages are single lines already; make sure of it for line-based consumers.
pub(crate) fn one_line(message: &str) -> String {
    message.replace(['\r', '\n'], " ")
}
