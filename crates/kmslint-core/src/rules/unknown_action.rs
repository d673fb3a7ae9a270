//! KMS207 unknown-action: an `Action`/`NotAction` entry that names no KMS action.
//!
//! Action names are `service:Name`, case-insensitive, with `*` and `?` wildcards
//! (`docs/facts/iam.md#policy-grammar`). A `kms:` name must be one of the 56 actions of the Service
//! Authorization Reference (`docs/facts/kms.md#actions`), and a pattern must match at least one of
//! them: both are errors, since the statement then does not do what its author meant. Warnings:
//! another service's action (it does nothing in a key policy) and an account-level `kms:` action
//! such as `kms:CreateKey` (it has no resource, so a key policy cannot grant it). A wildcard
//! service part that matches `kms` (`*:*`) is read as a KMS pattern, not as another service.

use crate::diagnostic::Severity;
use crate::facts::actions::{self, KMS_ACTIONS};
use crate::facts::conditions::strip_prefix_ignore_case;
use crate::fix::{Applicability, Fix};
use crate::model::policy::glob_match;

use super::common::{did_you_mean, policy_literal};
use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS207.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS207",
    name: "unknown-action",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct UnknownAction;

impl Rule for UnknownAction {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            for values in [&statement.action, &statement.not_action]
                .into_iter()
                .flatten()
            {
                for item in &values.items {
                    for alt in &item.alts {
                        if let Some(action) = alt.as_str() {
                            // The suggestion replaces the action where it is written in the
                            // policy; a parameter's or a mapping's value is left alone.
                            let fix = |near: &str| {
                                let node = policy_literal(alt, check.source)?;
                                fix(cx, node, action, near)
                            };
                            check_action(action, alt.span, &fix, out);
                        }
                    }
                }
            }
        }
    }
}

/// Replaces a misspelt action with the one it is nearest to. Unsafe: the nearest name is a
/// guess, and the statement then grants or denies that action.
fn fix(
    cx: &Context<'_, '_>,
    node: &crate::source::Node<'_>,
    action: &str,
    near: &str,
) -> Option<Fix> {
    let new = format!("kms:{near}");
    Fix::new(
        format!("Replace `{action}` with `{new}`"),
        Applicability::Unsafe,
        [cx.editor.replace_scalar(node, &new)],
    )
}

fn check_action(
    action: &str,
    span: crate::source::Span,
    fix: &dyn Fn(&str) -> Option<Fix>,
    out: &mut Reporter,
) {
    if action == "*" {
        return;
    }
    let Some((service, name)) = action.split_once(':') else {
        out.report(
            span,
            format!("`{action}` is not an action: actions are written `service:Name`, like `kms:Decrypt`"),
        );
        return;
    };
    // `k?s:*`, `*:Decrypt`: a wildcard service part that matches `kms` names KMS actions.
    let kms_service = service.contains(['*', '?']) && glob_match(service, "kms");
    if strip_prefix_ignore_case(action, "kms:").is_none() && !kms_service {
        if service.is_empty() || name.is_empty() || action.contains(char::is_whitespace) {
            out.report(
                span,
                format!("`{action}` is not an action: actions are written `service:Name`"),
            );
        } else {
            out.report(
                span,
                format!("`{action}` is not a KMS action: a key policy only controls access to its key, so it does nothing here"),
            )
            .with_severity(Severity::Warning)
            .with_help("grant other services' actions in an IAM policy");
        }
        return;
    }
    if name.contains(['*', '?']) || kms_service {
        if !KMS_ACTIONS.iter().any(|a| glob_match(name, a.name)) {
            out.report(span, format!("`{action}` matches no KMS action"))
                .with_help("see the list of KMS actions in the Service Authorization Reference");
        }
        return;
    }
    match actions::find(name) {
        Some(found) if !found.on_key => {
            out.report(
                span,
                format!(
                    "`kms:{}` is an account-level action with no key resource: a key policy cannot grant it",
                    found.name
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("grant it in an IAM policy");
        }
        Some(_) => {}
        None => {
            let diagnostic = out.report(span, format!("`{action}` is not a KMS action"));
            if let Some(near) = did_you_mean(name, KMS_ACTIONS.iter().map(|a| a.name)) {
                diagnostic
                    .with_help(format!("did you mean `kms:{near}`?"))
                    .with_fix(fix(near));
            }
        }
    }
}
