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

use crate::facts::actions::KMS_ACTIONS;
use crate::facts::conditions::{SetQualifier, is_kms_key};
use crate::facts::condition_support::{actions_with_key, knows_action};
use crate::model::policy::{Clause, Coverage, Statement};

use super::common::join;
use super::{Context, PolicyCheck, Reporter, Rule};

pub struct ConditionNeverMatches;

impl Rule for ConditionNeverMatches {
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
            let Some(dead) = dead_clauses(&block.clauses, &actions) else {
                continue;
            };
            report(statement, &actions, &dead, out);
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

/// For each action, the first clause that requires a key its requests never carry; `None`
/// when some action has no such clause (the statement can apply to it).
fn dead_clauses<'c, 't>(
    clauses: &'c [Clause<'t>],
    actions: &[&'static str],
) -> Option<Vec<&'c Clause<'t>>> {
    let mut dead = Vec::new();
    for action in actions {
        if !knows_action(action) {
            return None;
        }
        let killer = clauses.iter().find(|clause| {
            requires_key(clause)
                && is_kms_key(clause.key)
                && actions_with_key(clause.key).is_some_and(|carry| !carry.contains(action))
        })?;
        dead.push(killer);
    }
    Some(dead)
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
        diagnostic.with_related(clause.key_span, format!("`{}` is required here", clause.key));
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
