//! KMS209 invalid-principal: a principal KMS rejects — an account ID that is not 12 digits,
//! an IAM group, a wildcard inside an ARN, an ARN of another service or of an unknown
//! partition, an unknown principal type, a malformed service principal (kms-facts §7.4).
//! The classification lives in `model::principal`; this rule reports its `Invalid` verdicts.
//!
//! Placeholders are one class, whatever their spelling (`<YOUR AWS ACCOUNT NUMBER>`,
//! `ACCOUNT-ID`, `{{account}}`, a role name with a space, an account ID that AWS's
//! documentation uses in examples): each is reported as "looks like a placeholder". Written
//! in the policy, a malformed one is an error (KMS rejects the policy, see PutKeyPolicy:
//! principals must exist); a documentation account ID is well-formed, so it is a warning
//! (the policy names an account that is not the author's). A placeholder that is only a
//! parameter's Default is a warning at the Default: the deployer is expected to replace it.

use crate::diagnostic::Severity;
use crate::model::arn::{self, ArnShape, Field};
use crate::model::policy::Principals;
use crate::model::principal::{IamKind, Name, Principal, Slot};
use crate::model::value::Alt;

use super::{Context, PolicyCheck, Reporter, Rule};

pub struct InvalidPrincipal;

const PRINCIPAL_TYPES: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

/// Account IDs AWS's documentation uses in its examples (the policy examples of the KMS and
/// IAM guides, e.g. the KMS Developer Guide's "Default key policy"). A real template naming
/// one has almost surely kept an example's value.
const DOCUMENTATION_ACCOUNTS: &[&str] = &[
    "111122223333",
    "444455556666",
    "777788889999",
    "123456789012",
];

impl Rule for InvalidPrincipal {
    fn check_policy(&self, _cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            for principals in [&statement.principal, &statement.not_principal]
                .into_iter()
                .flatten()
            {
                report(principals, out);
            }
        }
    }
}

fn report(principals: &Principals<'_>, out: &mut Reporter) {
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
                Principal::Invalid(_) | Principal::Iam(_) if unsubstituted(alt) => {
                    out.report(
                        alt.span,
                        format!(
                            "{shown} is not a valid principal: `${{…}}` is replaced only inside `Fn::Sub`; in a plain string KMS receives it as written"
                        ),
                    )
                    .with_help("write the value with `!Sub` (`Fn::Sub` in JSON)");
                }
                Principal::Invalid(reason) => {
                    if aws && placeholder_in(alt) {
                        placeholder(out, alt, &shown, reason, Severity::Error);
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
                            placeholder(out, alt, &shown, &reason, Severity::Error);
                        } else {
                            out.report(
                                alt.span,
                                format!("{shown} is not a valid principal: {reason}"),
                            );
                        }
                    } else if let Slot::Known(account) = &iam.account
                        && DOCUMENTATION_ACCOUNTS.contains(&account.as_str())
                    {
                        let reason = if iam.kind == IamKind::Account {
                            format!(
                                "`{account}` is an account ID from AWS's documentation examples, and the policy would let that account use the key"
                            )
                        } else {
                            format!(
                                "`{account}` is an account ID from AWS's documentation examples, and KMS rejects a policy whose principal does not exist"
                            )
                        };
                        placeholder(out, alt, &shown, &reason, Severity::Warning);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Reports a placeholder: at the value in the policy with `severity`, or at a parameter's
/// Default (a warning: the deployer is expected to give the parameter a value).
fn placeholder(out: &mut Reporter, alt: &Alt<'_>, shown: &str, reason: &str, severity: Severity) {
    match alt.param.as_ref().filter(|p| !p.from_command_line) {
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
                .with_severity(severity)
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
/// and AWS STS quotas": names are alphanumeric plus `+=,.@_-`).
fn bad_name(kind: &IamKind) -> Option<&str> {
    let name = match kind {
        IamKind::Role(Name::Known(n)) | IamKind::User(Name::Known(n)) => n.as_str(),
        _ => return None,
    };
    (!name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)))
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
        assert_eq!(bad_name(&IamKind::Role(Name::Hole("${Name}".into()))), None);
    }
}
