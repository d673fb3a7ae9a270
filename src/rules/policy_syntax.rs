//! KMS206 policy-syntax: a key policy KMS rejects as malformed: an unknown `Version`, a
//! missing or empty `Statement`, an `Effect` other than `Allow`/`Deny` (case-sensitive), both
//! `Action` and `NotAction` (or `Resource` and `NotResource`, `Principal` and `NotPrincipal`),
//! unknown elements, a `KeyPolicy` string that is not JSON, and since 18 August 2025 a
//! statement without a valid `Action`/`NotAction` or `Resource`/`NotResource` (consumers.md,
//! last section). A statement without any principal is KMS203's; a policy without `Version`
//! is accepted (read as 2008-10-17) and is KMS215's.
//! Grammar: IAM JSON policy reference and the KMS key policy guide (kms-facts §7.3, §8).

use crate::model::policy::{KeyPolicy, Statement};
use crate::model::value::abbreviate;
use crate::model::{self};
use crate::source::ProblemKind;

use super::common::{Syntax, did_you_mean};
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
                .with_help(cx.snippet(
                    "fix the JSON, or write the policy as a YAML mapping instead of a string",
                    "fix the JSON, or write the policy as a JSON object instead of a string",
                ));
            }
        }
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let policy = check.policy;
        let syntax = cx.policy_syntax(check.source);
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
        check_version(policy, syntax, out);
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
        for &span in &policy.not_mappings {
            let whole = policy.statement_entry.is_some_and(|e| e.value.span == span);
            let message = if whole {
                "`Statement` is a string: it must be a statement (a mapping) or a list of statements"
            } else {
                "this `Statement` item is a string: each statement must be a mapping"
            };
            out.report(span, message).with_help(syntax.snippet(
                "write each statement as a mapping with `Effect`, `Principal`, `Action` and `Resource`",
                "write each statement as an object with `\"Effect\"`, `\"Principal\"`, `\"Action\"` and `\"Resource\"`",
            ));
        }
        for statement in &policy.statements {
            check_statement(statement, syntax, out);
        }
    }
}

/// An unknown `Version`. A policy without one is accepted (read as 2008-10-17): KMS215's.
fn check_version(policy: &KeyPolicy<'_>, syntax: Syntax, out: &mut Reporter) {
    let Some(version) = &policy.version else {
        return;
    };
    for alt in &version.alts {
        if let Some(value) = alt.as_str()
            && !VERSIONS.contains(&value)
        {
            out.report(alt.span, format!("`{}` is not a policy version", abbreviate(value)))
                .with_help(format!(
                    "use {}",
                    syntax.snippet("`Version: '2012-10-17'`", "`\"Version\": \"2012-10-17\"`")
                ));
        }
    }
}

fn check_statement(statement: &Statement<'_>, syntax: Syntax, out: &mut Reporter) {
    for entry in statement.entries {
        if !STATEMENT_ELEMENTS.contains(&entry.key.as_ref()) {
            unknown_element(&entry.key, entry.key_span, STATEMENT_ELEMENTS, "statement", out);
        }
    }
    match &statement.effect {
        None => {
            out.report(statement.label_span(), format!("{} has no `Effect`", statement.describe()))
                .with_help(syntax.snippet(
                    "add `Effect: Allow` or `Effect: Deny`",
                    "add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`",
                ));
        }
        Some(effect) => {
            for alt in &effect.alts {
                let Some(value) = alt.as_str() else {
                    continue;
                };
                if value != "Allow" && value != "Deny" {
                    let diagnostic = out.report(
                        alt.span,
                        format!("`{}` is not an effect: write `Allow` or `Deny`", abbreviate(value)),
                    );
                    if value.eq_ignore_ascii_case("allow") || value.eq_ignore_ascii_case("deny") {
                        diagnostic.with_help("`Effect` is case-sensitive");
                    }
                }
            }
        }
    }
    let pairs = [
        ("Action", "NotAction", statement.action.as_ref(), statement.not_action.as_ref()),
        ("Resource", "NotResource", statement.resource.as_ref(), statement.not_resource.as_ref()),
    ];
    for (name, not_name, values, not_values) in pairs {
        match (values, not_values) {
            (Some(_), Some(_)) => both(statement, name, not_name, out),
            (None, None) => {
                // Since 18 August 2025 KMS rejects such a policy; it used to accept it, and the
                // statement applied to nothing (consumers.md, last section).
                out.report(
                    statement.label_span(),
                    format!(
                        "{} has neither `{name}` nor `{not_name}`: KMS rejects the policy (MalformedPolicyDocumentException)",
                        statement.describe()
                    ),
                )
                .with_help(missing_help(name, syntax));
            }
            (Some(values), None) | (None, Some(values)) => {
                if !values.incomplete && values.items.is_empty() {
                    out.report(
                        values.entry.value.span,
                        format!(
                            "`{}` of {} is empty: KMS rejects the policy (MalformedPolicyDocumentException)",
                            values.entry.key,
                            statement.describe()
                        ),
                    )
                    .with_help(missing_help(name, syntax));
                }
            }
        }
    }
    // Neither principal element is KMS203's finding.
    if statement.principal.is_some() && statement.not_principal.is_some() {
        both(statement, "Principal", "NotPrincipal", out);
    }
}

fn both(statement: &Statement<'_>, name: &str, not_name: &str, out: &mut Reporter) {
    let span = statement
        .entries
        .iter()
        .find(|e| e.key == not_name)
        .map_or(statement.label_span(), |e| e.key_span);
    out.report(span, format!("{} has both `{name}` and `{not_name}`", statement.describe()))
        .with_help(format!("keep one of `{name}` and `{not_name}`"));
}

/// How to give a statement the `Action` or `Resource` it lacks.
fn missing_help(name: &str, syntax: Syntax) -> &'static str {
    if name == "Resource" {
        syntax.snippet("add `Resource: \"*\"` (this key)", "add `\"Resource\": \"*\"` (this key)")
    } else {
        "add the actions it allows or denies"
    }
}

fn unknown_element(key: &str, span: crate::source::Span, known: &[&str], what: &str, out: &mut Reporter) {
    let diagnostic = out.report(span, format!("`{key}` is not a {what} element"));
    match did_you_mean(key, known.iter().copied()) {
        Some(near) => diagnostic.with_help(format!("did you mean `{near}`? Element names are case-sensitive")),
        None => diagnostic.with_help(format!("a {what} has only {}", known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))),
    };
}
