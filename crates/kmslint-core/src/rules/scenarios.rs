//! The `Fn::If` scenario engine: a key policy is checked in each combination of the
//! conditions its statements use ([`check_policy`]), findings that only some combinations
//! produce are labelled with the conditions that lead to them (in their message, and in the
//! need a finding of KMS601 or KMS609 reports), and questions with too many
//! combinations, or past the file's budget, are reported as not checked.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::conditions::{MAX_ATOMS, TooManyConditions};
use crate::model::value::{Cut, MAX_DEPTH, Resolver, describe_when, watch_cuts};
use crate::model::{KeyPolicy, PolicySource};
use crate::source::{Node, Span};

use super::context::{Context, PolicyCheck};
use super::need::owned_conditions;
use super::reporter::{Finding, Reporter};
use super::{BearsOn, PolicyScope, RuleEntry};

/// Policies whose conditions give more scenarios than this are checked question by question
/// (see [`check_policy`]).
const WHOLE_POLICY_SCENARIOS: usize = 64;

/// The most statement models one question may build (scenarios × statements built in
/// each): past it the question is reported as not checked, so work stays in proportion to
/// the input whatever its conditions.
const MAX_STATEMENT_BUILDS: usize = 1 << 17;

/// Runs the policy rules on one key policy.
///
/// A finding depends on the conditions of the statements it is about, not on every `Fn::If`
/// in the policy. A policy with few scenarios is checked in each of them at once. Past
/// that, each question enumerates only its own conditions: a statement's own checks run on
/// the policy built with that statement alone, in the scenarios of its conditions, and a
/// check of statements together ([`PolicyScope::Policy`]) on the statements that bear on
/// it. Labels then name only conditions that matter, and none are lost to a sample. A
/// question whose conditions alone exceed the limit is reported as not checked (info).
pub(super) fn check_policy(
    cx: &Context<'_, '_>,
    rules: &[&RuleEntry],
    source: &PolicySource<'_>,
) -> Vec<Finding> {
    let items = statement_items(source);
    let all: Vec<usize> = (0..source.conditions.statements.len()).collect();
    let whole = cx
        .conditions
        .scenarios(&source.conditions.for_statements(&all));
    if let Ok(scenarios) = &whole
        && scenarios.len() <= WHOLE_POLICY_SCENARIOS
    {
        let at = statement_key(source);
        if !spend(cx, scenarios.len(), items.len()) {
            return rules
                .iter()
                .map(|entry| not_checked(entry, source, at, &Why::Budget).into())
                .collect();
        }
        return run_in_scenarios(cx, rules, source, scenarios, None);
    }
    let mut found: Vec<Finding> = Vec::new();
    let mut seen: HashSet<(&'static str, Span, String)> = HashSet::new();
    let mut add = |findings: Vec<Finding>, found: &mut Vec<Finding>| {
        for f in findings {
            let d = &f.diagnostic;
            // The document's own findings (`Version`) come from every statement's views.
            if seen.insert((d.code, d.span, d.message.clone())) {
                found.push(f);
            }
        }
    };
    let mut per_statement: Vec<&RuleEntry> = Vec::new();
    let mut together: Vec<(&RuleEntry, BearsOn)> = Vec::new();
    for &entry in rules {
        match entry.rule.policy_scope() {
            PolicyScope::Statements => per_statement.push(entry),
            PolicyScope::Policy(bears_on) => together.push((entry, bears_on)),
        }
    }
    if !per_statement.is_empty() {
        for &i in &all {
            let only = [i];
            let at = items.get(i).map_or(source.root.span, |n| n.span);
            match ask(cx, &per_statement, source, &only, at) {
                Ok(diagnostics) => add(diagnostics, &mut found),
                Err(notes) => found.extend(notes.into_iter().map(Finding::from)),
            }
        }
    }
    let at = statement_key(source);
    // Rules whose questions bear on the same statements (KMS601 and KMS609 both read them
    // all) share one pass over the scenarios: each model is built once for all of them.
    // Only neighbours are grouped, so findings come out in the same order as one by one.
    let mut groups: Vec<(Vec<&RuleEntry>, Vec<usize>)> = Vec::new();
    for (entry, bears_on) in together {
        let only = bears_on(items);
        match groups.last_mut() {
            Some((entries, same)) if *same == only => entries.push(entry),
            _ => groups.push((vec![entry], only)),
        }
    }
    for (entries, only) in groups {
        match ask(cx, &entries, source, &only, at) {
            Ok(diagnostics) => add(diagnostics, &mut found),
            Err(notes) => found.extend(notes.into_iter().map(Finding::from)),
        }
    }
    found
}

/// One question of [`check_policy`]: `entries` on the statements `only`, in the scenarios of
/// their conditions. `Err` holds the not-checked notes (at `at`) when there are too many
/// scenarios to build, or the file's budget is spent.
fn ask<'t>(
    cx: &Context<'_, 't>,
    entries: &[&RuleEntry],
    source: &PolicySource<'t>,
    only: &[usize],
    at: Span,
) -> Result<Vec<Finding>, Vec<Diagnostic>> {
    let why = match cx
        .conditions
        .scenarios(&source.conditions.for_statements(only))
    {
        Ok(scenarios) if scenarios.len() * only.len().max(1) <= MAX_STATEMENT_BUILDS => {
            if spend(cx, scenarios.len(), only.len()) {
                return Ok(run_in_scenarios(
                    cx,
                    entries,
                    source,
                    &scenarios,
                    Some(only),
                ));
            }
            Why::Budget
        }
        too_many => Why::from(too_many),
    };
    Err(entries
        .iter()
        .map(|entry| not_checked(entry, source, at, &why))
        .collect())
}

/// Takes the work of a question from the file's budget (see [`Conditions::spend`]): its
/// statement models, when its conditions make more than one scenario. A question without
/// conditions is one model, in proportion to the input, and is never refused (a key policy
/// file of 100,000 statements is checked as before).
fn spend(cx: &Context<'_, '_>, scenarios: usize, statements: usize) -> bool {
    scenarios <= 1
        || cx
            .conditions
            .spend(scenarios.saturating_mul(statements.max(1)))
}

/// Where a finding about the policy's statements together is reported: its `Statement` key.
fn statement_key(source: &PolicySource<'_>) -> Span {
    source
        .root
        .entry("Statement")
        .map_or(source.root.span, |e| e.key_span)
}

/// Why a check of a key policy was not made.
pub(crate) enum Why {
    /// Its conditions vary over more independent values than are enumerated.
    TooManyConditions(TooManyConditions),
    /// Its statements would have to be built in this many scenarios.
    TooManyScenarios(usize),
    /// The file's questions have used up its budget of statement models.
    Budget,
    /// A value it reads is nested deeper than values are resolved.
    TooDeep,
}

impl From<Result<Vec<Vec<(&str, bool)>>, TooManyConditions>> for Why {
    fn from(scenarios: Result<Vec<Vec<(&str, bool)>>, TooManyConditions>) -> Why {
        match scenarios {
            Err(too_many) => Why::TooManyConditions(too_many),
            Ok(scenarios) => Why::TooManyScenarios(scenarios.len()),
        }
    }
}

/// The items of the policy's `Statement` list, as written.
fn statement_items<'t>(source: &PolicySource<'t>) -> &'t [Node<'t>] {
    source
        .root
        .get("Statement")
        .and_then(Node::as_seq)
        .unwrap_or_default()
}

/// The info finding for a check that was not made: its conditions have too many scenarios,
/// building the policy in each would be too much work, or the file's other questions took
/// all the work it may cost.
fn not_checked(entry: &RuleEntry, source: &PolicySource<'_>, at: Span, why: &Why) -> Diagnostic {
    note(entry, source.resource.map(|(name, _)| name), at, why)
}

/// The info finding for a check `entry` did not make, at `at`, about `resource`.
pub(super) fn note(entry: &RuleEntry, resource: Option<&str>, at: Span, why: &Why) -> Diagnostic {
    let rule = entry.info;
    let reason = match why {
        Why::TooManyConditions(too_many) => format!(
            "the `Fn::If` conditions it depends on vary over {} independent values, more than the {MAX_ATOMS} kmslint enumerates",
            too_many.variables
        ),
        Why::TooManyScenarios(count) => format!(
            "its statements would have to be read in {count} combinations of their `Fn::If` conditions, more than kmslint does for one check"
        ),
        Why::Budget => "the key policies of this file have used up the work kmslint spends on combinations of `Fn::If` conditions in one file".to_owned(),
        Why::TooDeep => format!(
            "a value it reads has intrinsic functions nested more than {MAX_DEPTH} deep, deeper than kmslint resolves"
        ),
    };
    let help = match why {
        Why::TooDeep => {
            "nest fewer functions (several `Fn::If`s on conditions combine into one condition with `Fn::And` or `Fn::Or`)"
        }
        _ => {
            "use fewer independent conditions in this policy, or lint each variant of it on its own"
        }
    };
    let mut out = Reporter::new(rule);
    out.report(at, format!("not checked for {}: {reason}", rule.name))
        .with_severity(Severity::Info)
        .with_help(help);
    let mut diagnostics = out.into_diagnostics();
    let mut d = diagnostics.remove(0);
    d.resource = resource.map(str::to_owned);
    d
}

/// One rule's findings across scenarios: each distinct finding, and the scenarios (indexes)
/// that produced it.
#[derive(Default)]
struct Merged {
    index: HashMap<(Span, String), usize>,
    found: Vec<(Finding, Vec<usize>)>,
}

/// Runs `rules` on the policy in every scenario, with only the statements `only` lists when
/// given. Each scenario's model is built, checked by every rule and dropped before the next,
/// so memory does not grow with the number of scenarios. A finding that only some scenarios
/// produce says which conditions lead to it.
fn run_in_scenarios<'t>(
    cx: &Context<'_, 't>,
    rules: &[&RuleEntry],
    source: &PolicySource<'t>,
    scenarios: &[Vec<(&'t str, bool)>],
    only: Option<&[usize]>,
) -> Vec<Finding> {
    let mut merged: Vec<Merged> = rules.iter().map(|_| Merged::default()).collect();
    // Where a value the rules read was nested too deep to resolve, for each rule.
    let mut cuts: Vec<Option<Cut>> = vec![None; rules.len()];
    for (i, scenario) in scenarios.iter().enumerate() {
        // The scenario's conditions also say what some parameters can be.
        let constraints = cx.conditions.constraints(scenario);
        let resolver = Resolver::with_scenario(cx.env, scenario).constrained(&constraints);
        let (policy, built_cut) = watch_cuts(|| {
            KeyPolicy::build(source, &resolver, &|name| cx.resource_type(name), only)
        });
        let check = PolicyCheck {
            source,
            policy: &policy,
            scenario,
        };
        for ((entry, merged), cut) in rules.iter().zip(&mut merged).zip(&mut cuts) {
            let mut out = Reporter::new(entry.info);
            let ((), own_cut) = watch_cuts(|| entry.rule.check_policy(cx, &check, &mut out));
            *cut = cut
                .or(built_cut.first().copied())
                .or(own_cut.first().copied());
            for finding in out.into_findings() {
                let key = (finding.diagnostic.span, finding.diagnostic.message.clone());
                match merged.index.get(&key) {
                    Some(&at) => merged.found[at].1.push(i),
                    None => {
                        merged.index.insert(key, merged.found.len());
                        merged.found.push((finding, vec![i]));
                    }
                }
            }
        }
    }
    let scenarios: Vec<&[(&str, bool)]> = scenarios.iter().map(Vec::as_slice).collect();
    let resource = source.resource.map(|(name, _)| name);
    let cut_notes = rules
        .iter()
        .zip(&cuts)
        .filter_map(|(entry, cut)| cut.map(|cut| note(entry, resource, cut.span, &Why::TooDeep)))
        .map(Finding::from);
    merged
        .into_iter()
        .flat_map(|m| m.found)
        .map(|(mut finding, seen)| {
            let diagnostic = &mut finding.diagnostic;
            if seen.len() < scenarios.len() {
                let apart = telling_apart(&scenarios, &seen);
                if let Some(note) = describe_when(&apart) {
                    diagnostic.message = format!("{} ({note})", diagnostic.message);
                    if let Some(unmet) = &mut finding.unmet {
                        unmet.need.scenarios = owned_conditions(&apart);
                    }
                }
            }
            if diagnostic.resource.is_none()
                && let Some((name, _)) = source.resource
            {
                diagnostic.resource = Some(name.to_owned());
            }
            finding
        })
        .chain(cut_notes)
        .collect()
}

/// The fewest conditions that tell the scenarios `seen` picks out of `all` apart from the
/// others (`IsProd` true), or all the conditions they agree on when no smaller set does;
/// none when `seen` is empty.
fn telling_apart<'a>(all: &[&[(&'a str, bool)]], seen: &[usize]) -> Vec<(&'a str, bool)> {
    let Some(first) = seen.first().and_then(|&i| all.get(i)) else {
        return Vec::new();
    };
    let common: Vec<(&str, bool)> = first
        .iter()
        .filter(|(name, value)| {
            seen.iter()
                .all(|&i| all[i].iter().any(|(n, v)| n == name && v == value))
        })
        .copied()
        .collect();
    let holds = |i: usize, (name, value): (&str, bool)| {
        all[i].iter().any(|(n, v)| *n == name && *v == value)
    };
    // Greedy: add the condition that rules out the most remaining other scenarios.
    let mut others: Vec<usize> = (0..all.len()).filter(|i| !seen.contains(i)).collect();
    let mut chosen: Vec<(&str, bool)> = Vec::new();
    while !others.is_empty() {
        let best = common
            .iter()
            .filter(|c| !chosen.contains(c))
            .max_by_key(|&&c| others.iter().filter(|&&i| !holds(i, c)).count());
        match best {
            Some(&c) if others.iter().any(|&i| !holds(i, c)) => {
                chosen.push(c);
                others.retain(|&i| holds(i, c));
            }
            _ => return common,
        }
    }
    // Keep the template's order of conditions.
    chosen.sort_by_key(|c| common.iter().position(|x| x == c));
    chosen
}
