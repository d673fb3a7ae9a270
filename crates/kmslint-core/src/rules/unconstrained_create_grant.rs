//! KMS610 unconstrained-create-grant: `kms:CreateGrant` (named, or through a wildcard such as
//! `kms:*` or `kms:Create*`, or left allowed by `NotAction`) allowed to a principal other than
//! an account principal, with no condition that limits the grants it can create.
//!
//! Conditions that limit grants (docs/facts/kms.md#grants, the `CreateGrant` keys):
//! `kms:GrantIsForAWSResource` `true` (only an integrated AWS service creates the grant),
//! `kms:ViaService` (only through that service), `kms:GrantOperations`, `kms:GranteePrincipal`,
//! `kms:GranteeServicePrincipal`, `kms:GrantConstraintType`, `kms:GrantConstraintSourceArn`, and
//! `kms:EncryptionContext:…` / `kms:EncryptionContextKeys` (on `CreateGrant` they are the grant's
//! encryption-context constraints). Not limiting: `kms:CallerAccount`, `kms:RetiringPrincipal`,
//! global keys, `Null` and negated operators.
//!
//! Principals: roles, users, sessions, federated users, roles and users of the template, and
//! everyone (`*`, when a condition keeps KMS210 quiet). Not reported: account principals of
//! any account (IAM policies decide there), service principals (a service that creates grants
//! on a key does so by design, and what scopes it is KMS606's `aws:SourceArn`/
//! `aws:SourceAccount`), service-linked roles (`role/aws-service-role/…`, which only their
//! service can use), principals not known here, and `NotPrincipal`.
//!
//! Nor is a principal that the same key policy lets call `kms:PutKeyPolicy` (named, or
//! through `kms:Put*`, `kms:*` or `*`) in an `Allow` statement without conditions that names
//! it (not through the account principal), when no `Deny` can take that away: it can rewrite
//! the key policy to give anyone anything, so creating grants adds no power (KMS Developer
//! Guide, "Default key policy": key administrators "can modify the key policy";
//! https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators).
//! This is the console's default "key administrators" statement (`kms:Create*` with
//! `kms:Put*`). `kms:*` to a principal other than the account is KMS211's.

use crate::diagnostic::Severity;
use crate::facts::conditions::strip_prefix_ignore_case;
use crate::model::policy::{Clause, Coverage, KeyPolicy, Statement, glob_match};
use crate::model::principal::{Deployment, IamKind, Principal, Requester};
use crate::model::value::{Alt, Boolish};
use crate::source::Span;

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS610.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS610",
    name: "unconstrained-create-grant",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct UnconstrainedCreateGrant;

const CREATE_GRANT: &str = "kms:CreateGrant";

/// Condition keys that limit the grants `kms:CreateGrant` can create (besides
/// `kms:GrantIsForAWSResource`, which must be `true`).
const LIMITING_KEYS: &[&str] = &[
    "kms:ViaService",
    "kms:GrantOperations",
    "kms:GranteePrincipal",
    "kms:GranteeServicePrincipal",
    "kms:GrantConstraintType",
    "kms:GrantConstraintSourceArn",
    "kms:EncryptionContextKeys",
];

impl Rule for UnconstrainedCreateGrant {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let deployment = cx.deployment();
        for statement in &check.policy.statements {
            if !statement.is_allow()
                || statement.covers_action(CREATE_GRANT) != Coverage::Yes
                || is_constrained(statement)
            {
                continue;
            }
            let Some(principals) = &statement.principal else {
                continue;
            };
            let (action_span, how) = granted_by(statement);
            for item in &principals.items {
                for (alt, principal) in &item.principals {
                    if !reported(principal)
                        || is_service_linked_role(alt)
                        || administers(check.policy, principal, &deployment)
                    {
                        continue;
                    }
                    out.report(
                        alt.span,
                        format!(
                            "{} lets {} create grants ({how}) with no `kms:GrantIsForAWSResource` or grant constraint: it can give any principal any use of this key",
                            statement.describe(),
                            principal.describe()
                        ),
                    )
                    .with_related(action_span, "`kms:CreateGrant` is allowed here")
                    .with_help(
                        "add `Bool: {kms:GrantIsForAWSResource: true}` so that only AWS services acting for it create grants, or limit them with `kms:GrantOperations`, `kms:GranteePrincipal` or `kms:ViaService`; or leave `kms:CreateGrant` out",
                    );
                }
            }
        }
    }
}

fn reported(principal: &Principal) -> bool {
    match principal {
        Principal::Iam(p) => p.kind != IamKind::Account,
        Principal::TemplateResource(_) | Principal::Everyone => true,
        _ => false,
    }
}

/// A service-linked role (`role/aws-service-role/…`): only its AWS service can use it, and
/// the service's documented key policy decides what it needs.
fn is_service_linked_role(alt: &Alt<'_>) -> bool {
    alt.text_value()
        .is_some_and(|t| t.display().contains(":role/aws-service-role/"))
}

/// Whether a condition of the statement limits the grants (or is not known here).
fn is_constrained(statement: &Statement<'_>) -> bool {
    let Some(block) = &statement.condition else {
        return false;
    };
    block.incomplete || block.clauses.iter().any(limits)
}

fn limits(clause: &Clause<'_>) -> bool {
    let Ok(operator) = &clause.operator else {
        return false;
    };
    if operator.base == "Null" || operator.negated() {
        return false;
    }
    let key = clause.key;
    if key.eq_ignore_ascii_case("kms:GrantIsForAWSResource") {
        // `true` in every value (a value not known here counts).
        return operator.base == "Bool"
            && !clause.values.is_empty()
            && clause.values.iter().all(|item| {
                item.alts.iter().all(|alt| {
                    alt.as_str().is_none()
                        || matches!(alt.as_bool(), Boolish::True | Boolish::Ambiguous(true))
                })
            });
    }
    LIMITING_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
        || strip_prefix_ignore_case(key, "kms:EncryptionContext:")
            .is_some_and(|rest| !rest.is_empty())
}

/// Whether the key policy certainly lets `principal` call `kms:PutKeyPolicy`: an `Allow`
/// statement without conditions covers the action and names the principal itself (an
/// account principal only lets IAM policies decide, so it does not count), and no `Deny`
/// statement may take the action away from it.
fn administers(policy: &KeyPolicy<'_>, principal: &Principal, deployment: &Deployment<'_>) -> bool {
    const PUT_KEY_POLICY: &str = "kms:PutKeyPolicy";
    if policy.incomplete {
        return false;
    }
    let who = Requester::Named(principal);
    let mut allowed = false;
    for statement in &policy.statements {
        if statement.defect().is_some() || statement.covers_action(PUT_KEY_POLICY) == Coverage::No {
            continue;
        }
        if statement.is_allow() {
            let names = |p: &Principal| {
                !matches!(p, Principal::Iam(q) if q.kind == IamKind::Account)
                    && p.covers(who, deployment) == Coverage::Yes
            };
            allowed |= statement.covers_action(PUT_KEY_POLICY) == Coverage::Yes
                && !statement.has_condition()
                && statement.not_principal.is_none()
                && statement
                    .principal
                    .as_ref()
                    .is_some_and(|p| p.all().any(names));
        } else if statement.applies_to(who, deployment) != Coverage::No {
            // A `Deny`, or an effect not known here, that may apply.
            return false;
        }
    }
    allowed
}

/// Where `kms:CreateGrant` is allowed, and how to name it.
fn granted_by(statement: &Statement<'_>) -> (Span, String) {
    if let Some(values) = &statement.action {
        let mut through = None;
        for item in &values.items {
            for alt in &item.alts {
                if let Some(pattern) = alt.as_str()
                    && glob_match(pattern, CREATE_GRANT)
                {
                    if pattern.eq_ignore_ascii_case(CREATE_GRANT) {
                        return (alt.span, "`kms:CreateGrant`".to_owned());
                    }
                    through.get_or_insert((
                        alt.span,
                        format!("`kms:CreateGrant` through `{pattern}`"),
                    ));
                }
            }
        }
        return through.unwrap_or((values.entry.key_span, "`kms:CreateGrant`".to_owned()));
    }
    let span = statement
        .not_action
        .as_ref()
        .map_or(statement.label_span(), |v| v.entry.key_span);
    (
        span,
        "`kms:CreateGrant`, which `NotAction` leaves allowed".to_owned(),
    )
}
