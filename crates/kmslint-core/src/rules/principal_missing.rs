//! KMS203 principal-missing: a key policy statement without `Principal` or `NotPrincipal`, or
//! with an empty one. KMS rejects the whole policy: every statement of a key policy must
//! name at least one principal (PutKeyPolicy docs).

use crate::diagnostic::Severity;
use crate::model::policy::Principals;

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS203.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS203",
    name: "principal-missing",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PrincipalMissing;

impl Rule for PrincipalMissing {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let example = cx.policy_syntax(check.source).pick(
            "`Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}`",
            "`\"Principal\": {\"AWS\": {\"Fn::Sub\": \"arn:${AWS::Partition}:iam::${AWS::AccountId}:root\"}}`",
            "`\"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}` (put your account ID in place of `111122223333`)",
        );
        for statement in &check.policy.statements {
            match (&statement.principal, &statement.not_principal) {
                (None, None) => {
                    out.report(
                        statement.label_span(),
                        format!("{} has no `Principal`", statement.describe()),
                    )
                    .with_help(format!(
                        "every key policy statement names who it applies to, such as {example}"
                    ));
                }
                (Some(p), _) | (None, Some(p)) if is_empty(p) => {
                    out.report(
                        p.entry.value.span,
                        format!("`{}` of {} is empty", p.entry.key, statement.describe()),
                    )
                    .with_help("name at least one principal");
                }
                _ => {}
            }
        }
    }
}

fn is_empty(principals: &Principals<'_>) -> bool {
    !principals.incomplete
        && principals.items.iter().all(|item| {
            item.principals
                .iter()
                .all(|(alt, _)| alt.as_str() == Some(""))
        })
}
