//! KMS608 condition-never-matches: an `Allow` statement whose every action lacks, in its
//! requests, a `kms:` condition key that the statement's condition requires, so the statement
//! never allows anything (an encryption-context condition on `kms:DescribeKey` alone,
//! `kms:GrantIsForAWSResource` on `kms:Decrypt`).
//!
//! Which keys each action's requests carry: `facts::condition_support` (the Service
//! Authorization Reference). A condition requires its key unless it is an `…IfExists`
//! operator, `Null`, a negated operator (`StringNotEquals`, …, which match when the key is
//! absent) or `ForAllValues:` (which matches when it is absent). Only `kms:` keys are judged:
//! global `aws:` keys are present or not depending on the caller, not on the action. Actions
//! are expanded against the table of key actions (`kms:Describe*`, `kms:*`, `NotAction`); the
//! statement is dead only when every action it covers is. `Deny` statements are not reported:
//! a `Deny` that never matches takes nothing away, which is KMS608's "dead `Allow`" only in
//! reverse, and such conditions are common in guard-rail denies written for several services.
//!
//! When only some of the actions are dead, each value of `Action` whose every action is dead
//! (`kms:Decrypt`, `kms:GenerateDataKey*` under `kms:GrantIsForAWSResource`) is named in one
//! finding per statement: the statement grants nothing for them. A value that also covers a
//! live action (`kms:*`) is not named, nor is one that covers only `kms:DescribeKey` under an
//! encryption-context key: the CloudWatch Logs guide's own statement allows `kms:Describe*`
//! under `kms:EncryptionContext:aws:logs:arn`
//! (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html), so
//! that copies of it are everywhere, and a dead `DescribeKey` gives nothing away and takes
//! nothing the service needs. The console's default "Allow attachment of persistent
//! resources" statement (`kms:CreateGrant`, `kms:ListGrants`, `kms:RevokeGrant` under
//! `kms:GrantIsForAWSResource`) has no dead action; its key users' cryptographic actions are in
//! a statement of their own, without the condition (KMS Developer Guide, "Default key policy",
//! https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-users).

use crate::diagnostic::Severity;
use crate::facts::actions::KMS_ACTIONS;
use crate::facts::condition_support::{actions_with_key, knows_action};
use crate::facts::conditions::{SetQualifier, is_kms_key, strip_prefix_ignore_case};
use crate::model::policy::{Clause, Coverage, Statement, glob_match};
use crate::source::Span;

use super::common::join;
use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS608.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS608",
    name: "condition-never-matches",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ConditionNeverMatches;

impl Rule for ConditionNeverMatches {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, _cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        for statement in &check.policy.statements {
            if !statement.is_allow() {
                continue;
            }
            let Some(block) = &statement.condition else {
                continue;
            };
            if block.incomplete {
                continue;
            }
            let Some(actions) = covered_actions(statement) else {
                continue;
            };
            match dead_clauses(&block.clauses, &actions) {
                Some(dead) => report(statement, &actions, &dead, out),
                None => report_dead_values(statement, &block.clauses, &actions, out),
            }
        }
    }
}

/// The key actions the statement certainly covers; `None` when some are not known (a value
/// not known here) or it covers none.
fn covered_actions(statement: &Statement<'_>) -> Option<Vec<&'static str>> {
    let mut actions = Vec::new();
    for action in KMS_ACTIONS.iter().filter(|a| a.on_key) {
        match statement.covers_action(&format!("kms:{}", action.name)) {
            Coverage::Yes => actions.push(action.name),
            Coverage::No => {}
            Coverage::Maybe => return None,
        }
    }
    (!actions.is_empty()).then_some(actions)
}

/// Whether the clause matches only when its key is in the request.
fn requires_key(clause: &Clause<'_>) -> bool {
    let Ok(operator) = &clause.operator else {
        return false;
    };
    !operator.if_exists
        && operator.base != "Null"
        && !operator.negated()
        && operator.set != Some(SetQualifier::ForAllValues)
}

/// The first clause that requires a key that requests for `action` never carry; `None` when
/// the statement can apply to the action (or the action is not known to the table).
fn killer<'c, 't>(clauses: &'c [Clause<'t>], action: &str) -> Option<&'c Clause<'t>> {
    if !knows_action(action) {
        return None;
    }
    clauses.iter().find(|clause| {
        requires_key(clause)
            && is_kms_key(clause.key)
            && actions_with_key(clause.key).is_some_and(|carry| !carry.contains(&action))
    })
}

/// A statement some of whose actions are dead: names each `Action` value that covers only
/// dead actions, when another action of the statement is live.
fn report_dead_values(
    statement: &Statement<'_>,
    clauses: &[Clause<'_>],
    actions: &[&'static str],
    out: &mut Reporter,
) {
    let Some(values) = &statement.action else {
        return;
    };
    if values.incomplete || !actions.iter().any(|a| killer(clauses, a).is_none()) {
        return;
    }
    let mut dead: Vec<(Span, &str, &Clause<'_>)> = Vec::new();
    for item in &values.items {
        for alt in &item.alts {
            let Some(pattern) = alt.as_str() else {
                continue;
            };
            let covered: Vec<&str> = actions
                .iter()
                .copied()
                .filter(|a| glob_match(pattern, &format!("kms:{a}")))
                .collect();
            let Some(first) = covered.first() else {
                continue;
            };
            let Some(clause) = killer(clauses, first) else {
                continue;
            };
            let describe_under_context = covered == ["DescribeKey"]
                && strip_prefix_ignore_case(clause.key, "kms:EncryptionContext").is_some();
            if !describe_under_context && covered.iter().all(|a| killer(clauses, a).is_some()) {
                dead.push((alt.span, pattern, clause));
            }
        }
    }
    let Some(&(span, _, clause)) = dead.first() else {
        return;
    };
    let names: Vec<String> = dead.iter().map(|(_, p, _)| format!("`{p}`")).collect();
    let them = if names.len() == 1 { "it" } else { "them" };
    let message = format!(
        "{} grants nothing for {}: its `{}` condition requires `{}`, which requests for {them} never carry",
        statement.describe(),
        join(&names),
        clause.operator_name,
        clause.key
    );
    let carriers = actions_with_key(clause.key).unwrap_or_default();
    let diagnostic = out.report(span, message);
    for (span, pattern, _) in dead.iter().skip(1) {
        diagnostic.with_related(*span, format!("`{pattern}` is allowed here too"));
    }
    diagnostic.with_related(
        clause.key_span,
        format!("`{}` is required here", clause.key),
    );
    diagnostic.with_help(format!(
        "only requests for {} carry `{}`: move the other actions to a statement without this condition, or leave them out",
        join(
            &carriers
                .iter()
                .map(|a| format!("`kms:{a}`"))
                .collect::<Vec<_>>()
        ),
        clause.key,
    ));
}

/// For each action, the first clause that requires a key its requests never carry; `None`
/// when some action has no such clause (the statement can apply to it).
fn dead_clauses<'c, 't>(
    clauses: &'c [Clause<'t>],
    actions: &[&'static str],
) -> Option<Vec<&'c Clause<'t>>> {
    actions
        .iter()
        .map(|action| killer(clauses, action))
        .collect()
}

fn report(statement: &Statement<'_>, actions: &[&str], dead: &[&Clause<'_>], out: &mut Reporter) {
    let mut keys: Vec<&Clause<'_>> = Vec::new();
    for clause in dead {
        if !keys.iter().any(|k| k.key_span == clause.key_span) {
            keys.push(clause);
        }
    }
    let what = if actions.len() <= 4 {
        join(
            &actions
                .iter()
                .map(|a| format!("`kms:{a}`"))
                .collect::<Vec<_>>(),
        )
    } else {
        format!("the {} actions it allows", actions.len())
    };
    let first = keys[0];
    let message = match keys.as_slice() {
        [one] => format!(
            "{} never allows anything: its `{}` condition requires `{}`, which requests for {what} never carry",
            statement.describe(),
            one.operator_name,
            one.key
        ),
        several => format!(
            "{} never allows anything: requests for {what} never carry one of the condition keys it requires ({})",
            statement.describe(),
            join(
                &several
                    .iter()
                    .map(|c| format!("`{}`", c.key))
                    .collect::<Vec<_>>()
            )
        ),
    };
    let carriers = actions_with_key(first.key).unwrap_or_default();
    let diagnostic = out.report(first.key_span, message);
    for clause in keys.iter().skip(1) {
        diagnostic.with_related(
            clause.key_span,
            format!("`{}` is required here", clause.key),
        );
    }
    if let Some(values) = statement.action.as_ref().or(statement.not_action.as_ref()) {
        diagnostic.with_related(values.entry.key_span, "the actions are granted here");
    }
    diagnostic.with_help(format!(
        "only requests for {} carry `{}`: allow the actions that need the condition, or drop it from this statement",
        join(
            &carriers
                .iter()
                .map(|a| format!("`kms:{a}`"))
                .collect::<Vec<_>>()
        ),
        first.key,
    ));
}
