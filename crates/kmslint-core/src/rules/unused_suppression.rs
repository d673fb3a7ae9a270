//! KMS006 unused-suppression: a `# kmslint: ignore` comment or a `Metadata.kmslint.ignore`
//! entry that suppressed no finding, or that names no rule.
//!
//! The work happens in [`crate::suppress`], after every other rule has run: only then is it
//! known what each suppression claimed. A suppression of a rule that is not enabled (by
//! `--select`/`--ignore` or configuration) is not reported: it may well be needed when that
//! rule runs.

use super::{FixAvailability, Rule, RuleInfo, RuleKind};
use crate::diagnostic::Severity;

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS006.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS006",
    name: "unused-suppression",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct UnusedSuppression;

impl Rule for UnusedSuppression {}
