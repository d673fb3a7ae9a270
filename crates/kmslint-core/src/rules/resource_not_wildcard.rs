//! KMS208 resource-not-wildcard: in a key policy the resource is always the key the policy is
//! attached to, written `"*"` (docs/facts/kms.md#key-policy-document). Another `Resource` makes the
//! statement apply to nothing unless it happens to match the key's ARN; `NotResource` is never
//! needed.
//!
//! An ARN pattern that certainly matches the key — `arn:${AWS::Partition}:kms:${AWS::Region}:
//! ${AWS::AccountId}:key/*` and the like — is accepted: it is a common, correct spelling.
//! With `--region`/`--account` the pseudo parameters resolve to literals, so a literal Region
//! or account equal to the one given counts as the stack's own.

use crate::diagnostic::Severity;
use crate::model::arn::{self, ArnShape, Field};
use crate::model::value::{Env, Hole, Text};

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS208.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS208",
    name: "resource-not-wildcard",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ResourceNotWildcard;

impl Rule for ResourceNotWildcard {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let wildcard = cx
            .policy_syntax(check.source)
            .snippet("`Resource: \"*\"`", "`\"Resource\": \"*\"`");
        for statement in &check.policy.statements {
            if let Some(values) = &statement.not_resource {
                out.report(
                    values.entry.key_span,
                    format!(
                        "{} uses `NotResource`: a key policy only governs its own key",
                        statement.describe()
                    ),
                )
                .with_help(format!("use {wildcard} (this key)"));
            }
            let Some(values) = &statement.resource else {
                continue;
            };
            if values.items.iter().any(|i| i.as_str() == Some("*")) {
                continue;
            }
            for item in &values.items {
                for alt in &item.alts {
                    let Some(text) = alt.text_value() else {
                        continue;
                    };
                    if text.only_hole().is_some() || matches_own_key(text, cx.env) {
                        continue;
                    }
                    out.report(
                        alt.span,
                        format!(
                            "`Resource` is `{}`: in a key policy the resource is always the key itself, written `\"*\"`",
                            text.display()
                        ),
                    )
                    .with_help(format!("use {wildcard}; a key policy cannot grant access to other resources"));
                }
            }
        }
    }
}

/// Whether an ARN pattern certainly matches the key the policy is attached to.
fn matches_own_key(text: &Text<'_>, env: &Env<'_>) -> bool {
    let ArnShape::Arn(arn) = arn::parse(text) else {
        return false;
    };
    // `*`, the pseudo parameter's hole, or the literal it resolved to from the command line.
    let any = |field: &Field<'_>, hole: Hole<'_>, given: Option<&str>| match field {
        Field::Lit(s) => s == "*" || given == Some(s.as_str()),
        Field::Hole(h) => *h == hole,
        _ => false,
    };
    let service = matches!(&arn.service, Field::Lit(s) if s.eq_ignore_ascii_case("kms"));
    let resource = match &arn.resource {
        Field::Lit(r) => r == "*" || r == "key/*",
        _ => false,
    };
    // A literal partition is the stack's own: a key policy cannot be deployed elsewhere.
    let partition = match &arn.partition {
        Field::Lit(p) => p == "*" || crate::facts::regions::partition(p).is_some(),
        field => any(field, Hole::Partition, None),
    };
    service
        && partition
        && any(&arn.region, Hole::Region, env.region)
        && any(&arn.account, Hole::AccountId, env.account)
        && resource
}
