//! Output formats, one file each. Renderers read findings and summaries; they never lint.

pub mod compact;
pub mod github;
pub mod json;
pub mod pretty;
pub mod sarif;

use crate::diagnostic::{Diagnostic, Severity};

/// Counts for the summary line and the JSON `summary` object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Files linted (templates and key policies, including ones that did not parse).
    pub files: usize,
    /// Files read but not linted (neither a template nor a key policy).
    pub skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn count(&mut self, diagnostics: &[Diagnostic]) {
        for d in diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
}

/// A file's findings with what renderers need to show them.
pub struct FileOutput<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub diagnostics: &'a [Diagnostic],
}
