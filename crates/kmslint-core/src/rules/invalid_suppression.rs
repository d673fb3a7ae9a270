//! KMS007 invalid-suppression: a `# kmslint:` comment or a `Metadata.kmslint` entry that
//! is meant as a suppression but is not one (a misspelt `ignore`, `ignore:` or `ignore=`, the
//! marker in another case, a metadata key other than `ignore`, a list where the mapping
//! belongs, a code that names no rule), with a "did you mean".
//!
//! The work happens in [`crate::suppress`], where suppressions are read: each finding is
//! made there once, and joins the other rules' findings before suppressions claim theirs, so
//! it can be selected, ignored, given a severity and suppressed like any other.

use super::{FixAvailability, Rule, RuleInfo, RuleKind};
use crate::diagnostic::Severity;

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS007.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS007",
    name: "invalid-suppression",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidSuppression;

impl Rule for InvalidSuppression {}
