//! KMS210 public-key-access: an `Allow` to everyone (`"*"`, `{"AWS": "*"}`, or `NotPrincipal`)
//! whose conditions do not restrict who the caller is.
//!
//! A condition restricts when it binds the caller to an account, an organization, a source
//! resource or a network that belongs to one account, with a positive operator (`StringEquals`,
//! `StringLike`, `ArnLike`, … — not a `Not` operator, not `Null`) and a value other than a bare
//! `*`. The keys that count are listed in `RESTRICTING_KEYS` (and the rule doc). `IfExists`
//! only keeps a key restricting when the key is present in every request (the principal's
//! account, ARN and KMS's caller account); `aws:SourceArn` and the like are absent from direct
//! calls, so with `IfExists` anyone calling directly passes. `aws:SourceIp` and
//! `kms:ViaService` alone do not restrict: any account can call from an IP or through a service.
//! A condition whose values are not known (a parameter) is taken to restrict.

use crate::diagnostic::Severity;
use crate::facts::conditions::OperatorKind;
use crate::model::policy::{Clause, ConditionBlock, Statement};
use crate::model::principal::Principal;
use crate::source::Span;

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS210.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS210",
    name: "public-key-access",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PublicKeyAccess;

/// `(key, present in every request)`, compared case-insensitively.
const RESTRICTING_KEYS: &[(&str, bool)] = &[
    ("kms:CallerAccount", true),
    ("aws:PrincipalAccount", true),
    ("aws:PrincipalArn", true),
    ("aws:PrincipalOrgID", false),
    ("aws:PrincipalOrgPaths", false),
    ("aws:SourceAccount", false),
    ("aws:SourceArn", false),
    ("aws:SourceOrgID", false),
    ("aws:SourceOrgPaths", false),
    ("aws:SourceVpc", false),
    ("aws:SourceVpce", false),
    ("aws:VpceAccount", false),
    ("aws:VpceOrgID", false),
    ("aws:VpceOrgPaths", false),
    ("aws:userid", true),
];

impl Rule for PublicKeyAccess {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let example = cx.policy_syntax(check.source).pick(
            "`StringEquals: {kms:CallerAccount: !Ref AWS::AccountId}`",
            "`\"StringEquals\": {\"kms:CallerAccount\": {\"Ref\": \"AWS::AccountId\"}}`",
            "`\"StringEquals\": {\"kms:CallerAccount\": \"111122223333\"}` (put your account ID in place of `111122223333`)",
        );
        for statement in &check.policy.statements {
            if !statement.is_allow() {
                continue;
            }
            let Some((span, how)) = everyone(statement) else {
                continue;
            };
            if statement.condition.as_ref().is_some_and(restricts) {
                continue;
            }
            let diagnostic = out.report(
                span,
                format!(
                    "{} allows {how}: any AWS account can use this key",
                    statement.describe()
                ),
            );
            diagnostic.with_help(format!(
                "add a condition that binds the caller to your account or organization, such as {example}"
            ));
            if let Some(block) = &statement.condition {
                diagnostic.with_related(
                    block.entry.key_span,
                    "these conditions do not restrict who the caller is",
                );
            }
        }
    }
}

/// Where the statement grants everyone, and how.
fn everyone(statement: &Statement<'_>) -> Option<(Span, &'static str)> {
    if let Some(not) = &statement.not_principal {
        return Some((
            not.entry.key_span,
            "everyone but the principals in `NotPrincipal`",
        ));
    }
    statement.principal.as_ref()?.items.iter().find_map(|item| {
        item.principals
            .iter()
            .find(|(_, p)| *p == Principal::Everyone)
            .map(|(alt, _)| (alt.span, "everyone (`*`)"))
    })
}

fn restricts(block: &ConditionBlock<'_>) -> bool {
    block.incomplete || block.clauses.iter().any(restricting_clause)
}

fn restricting_clause(clause: &Clause<'_>) -> bool {
    let Ok(operator) = &clause.operator else {
        return false;
    };
    if operator.negated()
        || operator.kind == OperatorKind::Null
        || operator.kind == OperatorKind::Bool
    {
        return false;
    }
    let Some(&(_, always_present)) = RESTRICTING_KEYS
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(clause.key))
    else {
        return false;
    };
    if operator.if_exists && !always_present {
        return false;
    }
    let values: Vec<Option<&str>> = clause
        .values
        .iter()
        .flat_map(|item| item.alts.iter().map(|a| a.as_str()))
        .collect();
    // A value that is not known is taken to be specific; `*` alone restricts nothing.
    !values.is_empty()
        && values
            .iter()
            .all(|v| v.is_none_or(|s| !s.trim_matches('*').is_empty()))
}
