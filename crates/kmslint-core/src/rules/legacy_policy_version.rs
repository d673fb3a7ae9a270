//! KMS215 legacy-policy-version: `Version: 2008-10-17`, or no `Version` at all, which KMS
//! accepts and reads as 2008-10-17 (docs/facts/iam.md#policy-version). In that language policy
//! variables such as `${aws:username}` are literal text: a warning when the policy uses one, info
//! otherwise (the KMS guide lists `Version` as a required element of a key policy, and tells you to
//! use `2012-10-17`).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Severity;
use crate::fix::edit::{Fragment, Place};
use crate::fix::{Applicability, Fix};
use crate::source::tree::{Visit, Walk};
use crate::source::{Node, Value};

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS215.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS215",
    name: "legacy-policy-version",
    severity: Severity::Warning,
    also: &[Severity::Info],
    fix: FixAvailability::Always,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct LegacyPolicyVersion;

/// A policy variable: `${aws:username}`, or `${!aws:username}` inside `Fn::Sub`, where `!`
/// keeps it literal. `${AWS::Region}` (two colons) is a pseudo parameter and `${Role.Arn}` a
/// resource attribute, CloudFormation `Fn::Sub` variables, not policy variables.
static POLICY_VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{!?([A-Za-z][A-Za-z0-9-]*:[A-Za-z][^}]*)\}").expect("valid regex")
});

impl Rule for LegacyPolicyVersion {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let policy = check.policy;
        let version = cx
            .policy_syntax(check.source)
            .snippet("`Version: '2012-10-17'`", "`\"Version\": \"2012-10-17\"`");
        match &policy.version {
            Some(field) => {
                if field.as_str() != Some("2008-10-17") {
                    return;
                }
                let span = field.entry.value.span;
                match first_variable(policy.root) {
                    Some((node, variable)) => {
                        // Unsafe: the variable becomes a variable, which is surely what was
                        // meant, but what the policy allows changes.
                        let fix = cx.editor.replace_scalar(&field.entry.value, "2012-10-17");
                        out.report(
                            span,
                            format!("`Version` 2008-10-17 is the legacy policy language, which has no policy variables: `${{{variable}}}` is literal text"),
                        )
                        .with_related(node.span, format!("`${{{variable}}}` is literal text here"))
                        .with_help(format!("use {version}"))
                        .with_fix(Fix::new("Use `Version: 2012-10-17`", Applicability::Unsafe, [fix]));
                    }
                    None => {
                        // Without `${` anywhere, the two languages read the policy alike.
                        let applicability = if has_dollar_brace(policy.root, 0) {
                            Applicability::Unsafe
                        } else {
                            Applicability::Safe
                        };
                        let fix = cx.editor.replace_scalar(&field.entry.value, "2012-10-17");
                        out.report(
                            span,
                            "`Version` 2008-10-17 is the legacy policy language: it has no policy variables, and newer features are missing",
                        )
                        .with_severity(Severity::Info)
                        .with_help(format!("use {version}"))
                        .with_fix(Fix::new("Use `Version: 2012-10-17`", applicability, [fix]));
                    }
                }
            }
            None => {
                // A document hidden by a function (`KeyPolicy: !Ref X`) is not known to lack one.
                let Some(entries) = policy.root.as_map() else {
                    return;
                };
                if policy.incomplete
                    && policy.statements.is_empty()
                    && policy.statement_entry.is_none()
                {
                    return;
                }
                let add = || {
                    cx.editor.insert_entry(
                        policy.root,
                        Place::First,
                        "Version",
                        Fragment::Str("2012-10-17"),
                    )
                };
                let title = "Add `Version: 2012-10-17` to the policy";
                match first_variable(policy.root) {
                    Some((node, variable)) => {
                        out.report(
                            node.span,
                            format!(
                                "`${{{variable}}}` is literal text here: a policy without `Version` is read as version 2008-10-17, which has no policy variables"
                            ),
                        )
                        .with_help(format!("add {version} to the policy"))
                        .with_fix(Fix::new(title, Applicability::Unsafe, [add()]));
                    }
                    None => {
                        let first_key = entries.first().map_or(policy.root.span, |e| e.key_span);
                        // Safe without `${` anywhere: both languages then read it alike.
                        let applicability = if has_dollar_brace(policy.root, 0) {
                            Applicability::Unsafe
                        } else {
                            Applicability::Safe
                        };
                        out.report(
                            first_key,
                            "the policy has no `Version`: KMS reads it as the legacy 2008-10-17 language, and the KMS guide lists `Version` as required",
                        )
                        .with_severity(Severity::Info)
                        .with_help(format!("add {version} to the policy"))
                        .with_fix(Fix::new(title, applicability, [add()]));
                    }
                }
            }
        }
    }
}

/// The first string (in document order) that uses a policy variable, and the variable.
fn first_variable<'t>(root: &'t Node<'t>) -> Option<(&'t Node<'t>, String)> {
    let mut found = None;
    root.walk(&mut |visit, depth| match visit {
        Visit::Node(_) if depth > 64 => Walk::Over,
        Visit::Node(node) => match node
            .as_str()
            .and_then(|text| POLICY_VARIABLE.captures(text))
        {
            Some(c) => {
                found = Some((node, c[1].to_owned()));
                Walk::Stop
            }
            None => Walk::Into,
        },
        Visit::Entry(_) => Walk::Into,
    });
    found
}

/// Whether any string of the policy can hold `${` when KMS reads it, which 2012-10-17 can
/// read as a variable: any `${` outside `Fn::Sub`, and `${!` (a literal `${`) inside it.
/// Deeper than the cut, or hidden by a function, it may.
fn has_dollar_brace(node: &Node<'_>, depth: usize) -> bool {
    !node.walk(&mut |visit, below| {
        let depth = depth + below;
        let found = match visit {
            Visit::Node(_) if depth > 64 => true,
            Visit::Node(node) => {
                if let Some(("Fn::Sub", _, arg)) = node.intrinsic() {
                    let template = arg.as_seq().and_then(|items| items.first()).unwrap_or(arg);
                    // The raw text, not `value::sub`'s pieces: any `${!` may reach KMS as `${`,
                    // also in a string the scanner reads as broken (an unclosed `${!x`).
                    let found = match template.as_str() {
                        Some(text) => text.contains("${!"),
                        None => true,
                    } || arg.as_seq().is_some_and(|items| {
                        items.iter().skip(1).any(|v| has_dollar_brace(v, depth + 1))
                    });
                    return if found { Walk::Stop } else { Walk::Over };
                }
                match &node.value {
                    Value::Scalar(s) => s.text.contains("${"),
                    Value::Invalid => true,
                    Value::Seq(_) | Value::Map(_) => false,
                }
            }
            Visit::Entry(entry) => entry.key.contains("${"),
        };
        if found { Walk::Stop } else { Walk::Into }
    })
}
