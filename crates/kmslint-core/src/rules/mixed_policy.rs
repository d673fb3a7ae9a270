//! KMS008 mixed-policy: a policy document whose statements are partly a key policy's and
//! partly another kind's, which is therefore not read as a key policy (docs/commands.md). The reading
//! is `model::kind`'s; this rule says it, once, instead of the key policy rules' cascade.

use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};
use crate::diagnostic::Severity;

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS008.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS008",
    name: "mixed-policy",
    severity: Severity::Info,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct MixedPolicy;

impl Rule for MixedPolicy {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(mixed) = cx.mixed_policy else {
            return;
        };
        out.report(mixed.span, mixed.message.clone())
            .with_related(mixed.kms_statement, "this statement acts on KMS")
            .with_help(
                "if this is a key policy, remove the statements for other services (they do \
                 nothing in a key policy); if it is another service's policy, move the KMS \
                 statements to the key's policy",
            );
    }
}
