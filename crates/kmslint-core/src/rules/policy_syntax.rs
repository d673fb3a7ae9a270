//! KMS206 policy-syntax: a key policy KMS rejects as malformed: an unknown `Version`, a
//! missing or empty `Statement`, an `Effect` other than `Allow`/`Deny` (case-sensitive), both
//! `Action` and `NotAction` (or `Resource` and `NotResource`, `Principal` and `NotPrincipal`),
//! unknown elements, a `KeyPolicy` string that is not JSON, and since 18 August 2025 a
//! statement without a valid `Action`/`NotAction` or `Resource`/`NotResource`
//! (`docs/facts/kms.md#key-policy-document`). A statement without any principal is KMS203's; a
//! policy without `Version` is accepted (read as 2008-10-17) and is KMS215's.
//! Grammar: `docs/facts/iam.md#policy-grammar` and `docs/facts/kms.md#key-policy-document`.

use crate::diagnostic::Severity;
use crate::fix::edit::{Editor, Fragment, Place};
use crate::fix::{Applicability, Fix};
use crate::model::policy::{KeyPolicy, Statement};
use crate::model::value::abbreviate;
use crate::model::{self, PolicySource};
use crate::source::{Entry, ProblemKind, Span};

use super::common::{Syntax, did_you_mean, policy_literal};
use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS206.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS206",
    name: "policy-syntax",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PolicySyntax;

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
                    format!(
                        "the `KeyPolicy` string is not valid JSON: {}",
                        problem.message
                    ),
                )
                .with_resource(policy.resource)
                .with_help(cx.snippet(
                    "fix the JSON, or write the policy as a YAML mapping instead of a string",
                    "fix the JSON, or write the policy as a JSON object instead of a string",
                ));
            }
        }
    }

    fn checks_policies(&self) -> bool {
        true
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
        let fixer = Fixer {
            editor: cx.editor,
            source: check.source,
        };
        for entry in entries {
            if !POLICY_ELEMENTS.contains(&entry.key.as_ref()) {
                unknown_element(entry, entries, POLICY_ELEMENTS, "policy", &fixer, out);
            }
        }
        check_version(policy, syntax, &fixer, out);
        match policy.statement_entry {
            None => {
                out.report(first_key, "the policy has no `Statement`")
                    .with_help("a key policy needs at least one statement");
            }
            Some(entry)
                if policy.statements.is_empty() && !policy.incomplete && !policy.partial =>
            {
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
            check_statement(statement, syntax, &fixer, out);
        }
    }
}

/// What the fixes of one policy are written with.
struct Fixer<'a, 't> {
    editor: &'a Editor<'t>,
    source: &'a PolicySource<'t>,
}

/// The version a misspelt `Version` means, when nothing else could be meant: the date of one
/// with other separators or spaces around (`2012/10/17`, `2012-10-17 `).
fn meant_version(value: &str) -> Option<&'static str> {
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, '-' | '/' | '.' | '_' | ' ' | '\t'))
        .collect();
    VERSIONS
        .iter()
        .copied()
        .find(|v| v.replace('-', "") == digits)
}

/// An unknown `Version`. A policy without one is accepted (read as 2008-10-17): KMS215's.
fn check_version(
    policy: &KeyPolicy<'_>,
    syntax: Syntax,
    fixer: &Fixer<'_, '_>,
    out: &mut Reporter,
) {
    let Some(version) = &policy.version else {
        return;
    };
    for alt in &version.alts {
        if let Some(value) = alt.as_str()
            && !VERSIONS.contains(&value)
        {
            // Safe: the policy is rejected as it is, and the date written can only mean this
            // version.
            let fix = meant_version(value).and_then(|meant| {
                let node = policy_literal(alt, fixer.source)?;
                Fix::new(
                    format!("Replace `{}` with `{meant}`", abbreviate(value)),
                    Applicability::Safe,
                    [fixer.editor.replace_scalar(node, meant)],
                )
            });
            out.report(
                alt.span,
                format!("`{}` is not a policy version", abbreviate(value)),
            )
            .with_help(format!(
                "use {}",
                syntax.snippet("`Version: '2012-10-17'`", "`\"Version\": \"2012-10-17\"`")
            ))
            .with_fix(fix);
        }
    }
}

/// Checks one statement's elements, in the order their findings are reported.
///
/// One function on purpose: a list of independent checks, one per element (unknown keys,
/// `Effect`, the action/resource pairs and their `Not` forms, the principal pair), each a few
/// lines; split up, each piece would take the same four arguments and nothing else.
fn check_statement(
    statement: &Statement<'_>,
    syntax: Syntax,
    fixer: &Fixer<'_, '_>,
    out: &mut Reporter,
) {
    for entry in statement.entries {
        if !STATEMENT_ELEMENTS.contains(&entry.key.as_ref()) {
            unknown_element(
                entry,
                statement.entries,
                STATEMENT_ELEMENTS,
                "statement",
                fixer,
                out,
            );
        }
    }
    match &statement.effect {
        None => {
            out.report(
                statement.label_span(),
                format!("{} has no `Effect`", statement.describe()),
            )
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
                        format!(
                            "`{}` is not an effect: write `Allow` or `Deny`",
                            abbreviate(value)
                        ),
                    );
                    let meant = ["Allow", "Deny"]
                        .into_iter()
                        .find(|e| value.eq_ignore_ascii_case(e));
                    if let Some(meant) = meant {
                        // Safe: KMS rejects the policy as it is, and the word can only mean
                        // this effect.
                        let fix = policy_literal(alt, fixer.source).and_then(|node| {
                            Fix::new(
                                format!("Replace `{value}` with `{meant}`"),
                                Applicability::Safe,
                                [fixer.editor.replace_scalar(node, meant)],
                            )
                        });
                        diagnostic
                            .with_help("`Effect` is case-sensitive")
                            .with_fix(fix);
                    }
                }
            }
        }
    }
    let pairs = [
        (
            "Action",
            "NotAction",
            statement.action.as_ref(),
            statement.not_action.as_ref(),
        ),
        (
            "Resource",
            "NotResource",
            statement.resource.as_ref(),
            statement.not_resource.as_ref(),
        ),
    ];
    for (name, not_name, values, not_values) in pairs {
        match (values, not_values) {
            (Some(_), Some(_)) => both(statement, name, not_name, out),
            (None, None) => {
                // Since 18 August 2025 KMS rejects such a policy; it used to accept it, and the
                // statement applied to nothing (docs/facts/kms.md#key-policy-document). In a key
                // policy the resource is always the key, `"*"`; the actions are the author's to
                // say. Unsafe: the statement then takes effect, granting or denying what it says.
                // Not when a key of another case is there: renaming it is the fix.
                let near = |k: &str| {
                    statement
                        .entries
                        .iter()
                        .any(|e| e.key.eq_ignore_ascii_case(k))
                };
                let fix = (name == "Resource" && !near(name) && !near(not_name))
                    .then(|| {
                        Fix::new(
                            "Add `Resource: \"*\"` (this key)",
                            Applicability::Unsafe,
                            [fixer.editor.insert_entry(
                                statement.node,
                                Place::Last,
                                "Resource",
                                Fragment::Str("*"),
                            )],
                        )
                    })
                    .flatten();
                out.report(
                    statement.label_span(),
                    format!(
                        "{} has neither `{name}` nor `{not_name}`: KMS rejects the policy (MalformedPolicyDocumentException)",
                        statement.describe()
                    ),
                )
                .with_help(missing_help(name, syntax))
                .with_fix(fix);
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
    out.report(
        span,
        format!(
            "{} has both `{name}` and `{not_name}`",
            statement.describe()
        ),
    )
    .with_help(format!("keep one of `{name}` and `{not_name}`"));
}

/// How to give a statement the `Action` or `Resource` it lacks.
fn missing_help(name: &str, syntax: Syntax) -> &'static str {
    if name == "Resource" {
        syntax.snippet(
            "add `Resource: \"*\"` (this key)",
            "add `\"Resource\": \"*\"` (this key)",
        )
    } else {
        "add the actions it allows or denies"
    }
}

fn unknown_element(
    entry: &Entry<'_>,
    siblings: &[Entry<'_>],
    known: &[&str],
    what: &str,
    fixer: &Fixer<'_, '_>,
    out: &mut Reporter,
) {
    let (key, span): (&str, Span) = (&entry.key, entry.key_span);
    let diagnostic = out.report(span, format!("`{key}` is not a {what} element"));
    // Only a name that differs in case is certain; a misspelling (`Princpal`) is a guess. Safe:
    // KMS rejects the policy as it is. Not when the right name is there too.
    let meant = known.iter().copied().find(|k| k.eq_ignore_ascii_case(key));
    if let Some(meant) = meant
        && !siblings.iter().any(|e| e.key == meant)
        && fixer.source.root.span.contains(span)
    {
        diagnostic.with_fix(Fix::new(
            format!("Rename `{key}` to `{meant}`"),
            Applicability::Safe,
            [fixer.editor.replace_key(span, meant)],
        ));
    }
    match did_you_mean(key, known.iter().copied()) {
        Some(near) => diagnostic.with_help(format!(
            "did you mean `{near}`? Element names are case-sensitive"
        )),
        None => diagnostic.with_help(format!(
            "a {what} has only {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
}
