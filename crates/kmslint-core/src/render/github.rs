//! `--format github`: GitHub Actions workflow commands, which annotate the pull request.
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>
//!
//! Fixes are deliberately not shown: the command's shape is fixed and annotations cannot
//! apply edits, so the line stays as it was. SARIF (`fixes`), which code scanning reads, and
//! JSON (`fix`) carry them.
//!
//! Related places are not shown, in the file or (change rules, KMS5xx) in the old version it
//! was compared with: an annotation has one location, and the old version's lines are not in
//! the pull request's diff to annotate. Nothing is appended to the message either; the
//! finding's message says what changed, and SARIF (`relatedLocations`), which code scanning
//! reads, carries the places.

use crate::diagnostic::{Diagnostic, Severity};

use super::Escaper;

pub fn render(path: &str, diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            format!(
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                property(&shown(path)),
                d.start.line,
                d.start.column,
                d.end.line,
                d.end.column,
                property(&format!("{} {}", d.code, d.name)),
                data(&message(d)),
            )
        })
        .collect()
}

/// An `::error` annotation for a path that could not be read, so that the run's failure
/// shows on the pull request and not only in the log.
pub fn path_error(error: &super::PathError) -> String {
    format!(
        "::error file={},title=kmslint::{}\n",
        property(&shown(&error.path)),
        data(&shown(&format!("{}: {}", error.path, error.message)))
    )
}

/// The message and help as the annotation shows them.
fn message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{}\nhelp: {}", shown(&d.message), shown(help)),
        None => shown(&d.message),
    }
}

/// Text from the input for a workflow command: control characters made visible as
/// everywhere else, except CR and LF, which GitHub's own escaping (`%0D`, `%0A`, see
/// [`data`]) carries faithfully inside the one line of the command (a file name with a line
/// break still names its file).
fn shown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut escaper = Escaper::default();
    for c in s.chars() {
        if c == '\r' || c == '\n' {
            out.push(c);
            escaper = Escaper::default();
        } else {
            escaper.push(&mut out, c);
        }
    }
    out
}

/// Escaping for a command's message (workflow command `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a command's properties (`escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_properties_and_data() {
        assert_eq!(property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        assert_eq!(
            data("50% done\r\nok: yes, no"),
            "50%25 done%0D%0Aok: yes, no"
        );
        assert_eq!(
            data(&shown("a\n::add-mask::x\u{1b}]0;t\u{7}")),
            "a%0A::add-mask::x\\u{1b}]0;t\\u{7}"
        );
        assert_eq!(
            data(&shown("x ##[stop-commands]y")),
            "x ##\\u{5b}stop-commands]y"
        );
    }
}
