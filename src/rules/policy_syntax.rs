//! KMS206 policy-syntax: a key policy KMS rejects as malformed, or whose statements cannot
//! work: a missing or unknown `Version`, a missing or empty `Statement`, an `Effect` other
//! than `Allow`/`Deny` (case-sensitive), both or neither of `Action`/`NotAction` and
//! `Resource`/`NotResource`, both `Principal` and `NotPrincipal`, unknown elements, and a
//! `KeyPolicy` string that is not JSON. A statement without any principal is KMS203's.
//! Grammar: IAM JSON policy reference and the KMS key policy guide (kms-facts §7.3, §8).

use crate::model::policy::{KeyPolicy, Statement};
use crate::model::{self};
use crate::source::ProblemKind;

use super::common::did_you_mean;
use super::{Context, PolicyCheck, Reporter, Rule};

pub struct PolicySyntax;

const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];
const POLICY_ELEMENTS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl Rule for PolicySyntax {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        for (policy, problem) in model::embedded_problems(cx.embedded) {
            if problem.kind == ProblemKind::Syntax {
                out.report(
                    problem.span,
                    format!("the `KeyPolicy` string is not valid JSON: {}", problem.message),
                )
                .with_resource(policy.resource)
                .with_help("write the policy as a YAML/JSON object instead of a string, or fix the JSON");
            }
        }
    }

    fn check_policy(&self, _cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let policy = check.policy;
        let Some(entries) = policy.root.as_map() else {
            return;
        };
        if policy.incomplete && policy.statements.is_empty() && policy.statement_entry.is_none() {
            return;
        }
        let first_key = entries.first().map_or(policy.root.span, |e| e.key_span);
        for entry in entries {
            if !POLICY_ELEMENTS.contains(&entry.key.as_ref()) {
                unknown_element(&entry.key, entry.key_span, POLICY_ELEMENTS, "policy", out);
            }
        }
        check_version(policy, first_key, out);
        match policy.statement_entry {
            None => {
                out.report(first_key, "the policy has no `Statement`")
                    .with_help("a key policy needs at least one statement");
            }
            Some(entry) if policy.statements.is_empty() && !policy.incomplete && !policy.partial => {
                out.report(entry.value.span, "`Statement` is empty")
                    .with_help("a key policy needs at least one statement");
            }
            Some(_) => {}
        }
        for statement in &policy.statements {
            check_statement(statement, out);
        }
    }
}

fn check_version(policy: &KeyPolicy<'_>, first_key: crate::source::Span, out: &mut Reporter) {
    match &policy.version {
        None => {
            out.report(first_key, "the policy has no `Version`")
                .with_help("add `Version: '2012-10-17'`; without it IAM reads the policy in the legacy 2008-10-17 language");
        }
        Some(version) => {
            for alt in &version.alts {
                if let Some(value) = alt.as_str()
                    && !VERSIONS.contains(&value)
                {
                    out.report(alt.span, format!("`{value}` is not a policy version"))
                        .with_help("use `Version: '2012-10-17'`");
                }
            }
        }
    }
}

fn check_statement(statement: &Statement<'_>, out: &mut Reporter) {
    for entry in statement.entries {
        if !STATEMENT_ELEMENTS.contains(&entry.key.as_ref()) {
            unknown_element(&entry.key, entry.key_span, STATEMENT_ELEMENTS, "statement", out);
        }
    }
    match &statement.effect {
        None => {
            out.report(statement.label_span(), format!("{} has no `Effect`", statement.describe()))
                .with_help("add `Effect: Allow` or `Effect: Deny`");
        }
        Some(effect) => {
            for alt in &effect.alts {
                let Some(value) = alt.as_str() else {
                    continue;
                };
                if value != "Allow" && value != "Deny" {
                    let diagnostic = out.report(
                        alt.span,
                        format!("`{value}` is not an effect: write `Allow` or `Deny`"),
                    );
                    if value.eq_ignore_ascii_case("allow") || value.eq_ignore_ascii_case("deny") {
                        diagnostic.with_help("`Effect` is case-sensitive");
                    }
                }
            }
        }
    }
    let pairs = [
        ("Action", "NotAction", statement.action.is_some(), statement.not_action.is_some(), true),
        ("Resource", "NotResource", statement.resource.is_some(), statement.not_resource.is_some(), true),
        // Neither principal element is KMS203's finding.
        ("Principal", "NotPrincipal", statement.principal.is_some(), statement.not_principal.is_some(), false),
    ];
    for (name, not_name, has, has_not, required) in pairs {
        if has && has_not {
            let span = statement
                .entries
                .iter()
                .find(|e| e.key == not_name)
                .map_or(statement.label_span(), |e| e.key_span);
            out.report(span, format!("{} has both `{name}` and `{not_name}`", statement.describe()))
                .with_help(format!("keep one of `{name}` and `{not_name}`"));
        } else if !has && !has_not && required {
            out.report(
                statement.label_span(),
                format!("{} has neither `{name}` nor `{not_name}`: it applies to nothing", statement.describe()),
            )
            .with_help(if name == "Resource" { "add `Resource: \"*\"` (this key)" } else { "add the actions it allows or denies" });
        }
    }
}

fn unknown_element(key: &str, span: crate::source::Span, known: &[&str], what: &str, out: &mut Reporter) {
    let diagnostic = out.report(span, format!("`{key}` is not a {what} element"));
    match did_you_mean(key, known.iter().copied()) {
        Some(near) => diagnostic.with_help(format!("did you mean `{near}`? Element names are case-sensitive")),
        None => diagnostic.with_help(format!("a {what} has only {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))),
    };
}
