//! `--fix`: lint, apply the fixes that are sure enough, lint again, until nothing more
//! applies; then report what is left.

use crate::compare::Previous;
use crate::config::Settings;
use crate::fix;
use crate::pipeline::{FileReport, lint_against, lint_decoded};
use crate::source;

/// [`lint_bytes`](crate::lint_bytes) with fixes: decodes, then [`fix_text`]. Returns the file after fixing and
/// the text before. A file that does not decode is only linted.
pub fn fix_bytes(
    name: &str,
    bytes: Vec<u8>,
    settings: &Settings,
    least: fix::Applicability,
    previous: &Previous<'_>,
) -> (FixedFile, String) {
    let decoded = source::read::decode(bytes);
    if decoded.problem.is_some() {
        let (report, text) = lint_decoded(name, decoded, settings, previous);
        return (
            FixedFile {
                report,
                text: text.clone(),
                fixed: Vec::new(),
            },
            text,
        );
    }
    let fixed = fix_against(name, &decoded.text, settings, least, previous);
    (fixed, decoded.text)
}

/// How many times `--fix` re-lints and fixes again: fixes that overlapped wait for the next
/// pass, and a fix can make way for another; more passes than this mean fixes that undo each
/// other.
const MAX_FIX_PASSES: usize = 10;

/// A file after `--fix`: its text, what was fixed, and the findings left in it.
pub struct FixedFile {
    pub report: FileReport,
    pub text: String,
    /// The code of each finding fixed, one per fix applied.
    pub fixed: Vec<&'static str>,
}

/// Lints `text` and applies the fixes at least as sure as `least`, again until none applies,
/// then reports what is left. A pass whose fixes would make the file fail to parse is
/// dropped (a fix that breaks the file is a bug; the findings stay as they were).
pub fn fix_text(
    name: &str,
    text: &str,
    settings: &Settings,
    least: fix::Applicability,
) -> FixedFile {
    fix_against(name, text, settings, least, &Previous::NotCompared)
}

/// [`fix_text`], comparing each pass with `previous` (the change rules have no fixes, but
/// their findings are part of what is left).
fn fix_against(
    name: &str,
    text: &str,
    settings: &Settings,
    least: fix::Applicability,
    previous: &Previous<'_>,
) -> FixedFile {
    let mut report = lint_against(name, text, settings, previous);
    let mut current = text.to_owned();
    let mut fixed = Vec::new();
    let parse_errors = |report: &FileReport| {
        report
            .diagnostics
            .iter()
            .filter(|d| crate::rules::kind(d.code) == Some(crate::rules::RuleKind::Parse))
            .count()
    };
    for _ in 0..MAX_FIX_PASSES {
        let Some(applied) = fix::apply(&current, &report.diagnostics, least) else {
            break;
        };
        let next = lint_against(name, &applied.text, settings, previous);
        if parse_errors(&next) > parse_errors(&report) || next.outcome != report.outcome {
            break;
        }
        current = applied.text;
        fixed.extend(applied.fixed);
        report = next;
    }
    FixedFile {
        report,
        text: current,
        fixed,
    }
}
