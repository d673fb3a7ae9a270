//! KMS209 invalid-principal: a principal KMS rejects — an account ID that is not 12 digits,
//! an IAM group, a wildcard inside an ARN, an ARN of another service or of an unknown
//! partition, an unknown principal type, a malformed service principal
//! (docs/facts/iam.md#principals). The classification lives in `model::principal`; this rule
//! reports its `Invalid` verdicts.
//!
//! Placeholders are one class, whatever their spelling (`<YOUR AWS ACCOUNT NUMBER>`,
//! `ACCOUNT-ID`, `{{account}}`, a role name with a space): each is reported as "looks like a
//! placeholder". Written in the policy, it is an error (KMS rejects the policy, see
//! PutKeyPolicy: principals must exist). A placeholder that is only a parameter's Default is
//! a warning at the Default: the deployer is expected to replace it. AWS's documentation
//! account IDs (`111122223333`…) are well formed and not reported: see the rule's page.

use crate::diagnostic::Severity;
use crate::model::arn::{self, ArnShape, Field};
use crate::model::policy::Principals;
use crate::model::principal::{IamKind, Name, Principal};
use crate::model::value::{Alt, ParamUse};

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS209.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS209",
    name: "invalid-principal",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidPrincipal;

const PRINCIPAL_TYPES: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

impl Rule for InvalidPrincipal {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            for principals in [&statement.principal, &statement.not_principal]
                .into_iter()
                .flatten()
            {
                report(cx.text, principals, out);
            }
        }
    }
}

fn report(text: &str, principals: &Principals<'_>, out: &mut Reporter) {
    let mut reported_kinds = Vec::new();
    for item in &principals.items {
        if item.kind != "*" && !PRINCIPAL_TYPES.contains(&item.kind) {
            if !reported_kinds.contains(&item.kind_span) {
                reported_kinds.push(item.kind_span);
                let diagnostic = out.report(
                    item.kind_span,
                    format!("`{}` is not a principal type", item.kind),
                );
                match super::common::did_you_mean(item.kind, PRINCIPAL_TYPES.iter().copied()) {
                    Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                    None => {
                        diagnostic.with_help("use `AWS`, `Service`, `Federated` or `CanonicalUser`")
                    }
                };
            }
            continue;
        }
        // Only account and IAM principals are read for placeholders: a malformed service
        // principal keeps its own message.
        let aws = item.kind == "AWS";
        for (alt, principal) in &item.principals {
            let shown = alt.text_value().map_or_else(
                || "this value".to_owned(),
                |t| format!("`{}`", t.display_short()),
            );
            match principal {
                Principal::Invalid(_) if unsubstituted(alt) => {
                    out.report(
                        alt.span,
                        format!(
                            "{shown} is not a valid principal: `${{…}}` is not replaced in a plain string (CloudFormation substitutes only inside `Fn::Sub`)"
                        ),
                    )
                    .with_help("write the value with `!Sub` (`Fn::Sub` in JSON)");
                }
                Principal::Invalid(reason) => {
                    if aws && placeholder_in(alt) {
                        placeholder(text, out, alt, &shown, reason);
                    } else {
                        out.report(
                            alt.span,
                            format!("{shown} is not a valid principal: {reason}"),
                        );
                    }
                }
                Principal::Iam(iam) => {
                    if let Some(name) = bad_name(&iam.kind) {
                        let reason = format!(
                            "`{name}` is not an IAM name (letters, digits and `+=,.@_-` only), so no role or user has it"
                        );
                        if placeholder_text(name) {
                            placeholder(text, out, alt, &shown, &reason);
                        } else {
                            out.report(
                                alt.span,
                                format!("{shown} is not a valid principal: {reason}"),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Reports a placeholder: at the value in the policy (an error: KMS rejects the policy), or
/// at a parameter's Default when the placeholder is written there (a warning: the deployer
/// is expected to give the parameter a value).
fn placeholder(text: &str, out: &mut Reporter, alt: &Alt<'_>, shown: &str, reason: &str) {
    let in_default = |_: &&ParamUse<'_>| {
        text.get(alt.span.start as usize..alt.span.end as usize)
            .is_some_and(placeholder_text)
    };
    match alt
        .param
        .as_ref()
        .filter(|p| !p.from_command_line)
        .filter(in_default)
    {
        Some(param) => {
            out.report(
                alt.span,
                format!(
                    "the principal {shown} made from the Default of parameter `{}` looks like a placeholder: {reason}",
                    param.name
                ),
            )
            .with_severity(Severity::Warning)
            .with_related(param.site, "the principal is built from it here")
            .with_help(format!(
                "give `{}` a real value when deploying, or remove the placeholder Default so that a value must be given",
                param.name
            ));
        }
        None => {
            out.report(alt.span, format!("{shown} looks like a placeholder, not a principal: {reason}"))
                .with_severity(Severity::Error)
                .with_help("put the account ID, or the ARN of a role or user that exists, here (or take it from a parameter)");
        }
    }
}

/// A plain string with `${…}` in it: a substitution written without `Fn::Sub`, or a
/// template variable of another tool, left for someone to fill in.
fn unsubstituted(alt: &Alt<'_>) -> bool {
    alt.text_value()
        .and_then(|t| t.literal())
        .is_some_and(|s| s.contains("${"))
}

/// Whether a value KMS rejects looks like a placeholder: the ARN's account field
/// (`ACCOUNT-ID`, `<YOUR AWS ACCOUNT NUMBER>`) or the whole value (`<YOUR ADMIN USER ARN>`).
fn placeholder_in(alt: &Alt<'_>) -> bool {
    let Some(text) = alt.text_value() else {
        return false;
    };
    match arn::parse(text) {
        ArnShape::Arn(arn) => {
            matches!(&arn.account, Field::Lit(account) if placeholder_text(account))
        }
        _ => text.literal().is_some_and(placeholder_text),
    }
}

/// Whether a piece of text reads as a value to be filled in: in angle brackets or template
/// braces (`<ACCOUNT ID>`, `{{account}}`, `${account_id}`), words such as "your" or
/// "account id", `xxxx`, or an upper-case name like `ACCOUNT_ID`.
fn placeholder_text(text: &str) -> bool {
    let lower: String = text
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    text.contains('<')
        || text.contains('>')
        || text.contains("{{")
        || text.contains("${")
        || [
            "your",
            "replace",
            "changeme",
            "placeholder",
            "xxxx",
            "accountid",
            "accountnumber",
            "accountno",
        ]
        .iter()
        .any(|w| lower.contains(w))
        || (text.chars().any(|c| c.is_ascii_uppercase())
            && text.chars().all(|c| {
                c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | ' ')
            }))
}

/// A role or user name as written that no IAM role or user can have (IAM User Guide, "IAM
/// and AWS STS quotas": names are alphanumeric plus `+=,.@_-`). Only ASCII characters are
/// judged: other characters are KMS201's (policy-charset).
fn bad_name(kind: &IamKind) -> Option<&str> {
    let name = match kind {
        IamKind::Role(Name::Known(n)) | IamKind::User(Name::Known(n)) => n.as_str(),
        _ => return None,
    };
    name.chars()
        .any(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)))
        .then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for text in [
            "<YOUR AWS ACCOUNT NUMBER>",
            "ACCOUNT-ID",
            "AWS_ACCOUNT_ID",
            "{{account}}",
            "${account_id}",
            "your-account-id",
            "xxxxxxxxxxxx",
            "ROLE NAME",
        ] {
            assert!(placeholder_text(text), "{text}");
        }
        for text in [
            "11112222333",
            "MyAccountRole",
            "admin",
            "root",
            "arn:aws:iam::1234:root",
        ] {
            assert!(!placeholder_text(text), "{text}");
        }
    }

    #[test]
    fn iam_names() {
        let role = |n: &str| IamKind::Role(Name::Known(n.to_owned()));
        assert_eq!(bad_name(&role("Deploy+Team=1,a.b@c_d-e")), None);
        assert_eq!(bad_name(&role("<ROLE NAME>")), Some("<ROLE NAME>"));
        // Non-ASCII characters are KMS201's.
        assert_eq!(bad_name(&role("app–role")), None);
        assert_eq!(bad_name(&IamKind::Role(Name::Hole("${Name}".into()))), None);
    }
}
