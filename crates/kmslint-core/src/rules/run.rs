//! Running the rules on a file: every enabled rule on the whole file, the policy rules on
//! each key policy (through [`super::scenarios`]), in parallel for a big file; and the change
//! rules on a file against its previous version (with the needs the file's findings report).

#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::model::PolicySource;
use crate::model::value::watch_cuts;
use crate::source::Span;

use super::context::{ChangeContext, Context};
use super::need::Unmet;
use super::reporter::{Finding, Reporter, finish};
use super::scenarios::{Why, check_policy, note};
use super::{RULES, RuleEntry, RuleKind};

/// Runs every enabled rule over the file: its findings, and the needs those of KMS601 and
/// KMS609 report (in the same order), for the change rules.
pub(crate) fn run(cx: &Context<'_, '_>) -> (Vec<Diagnostic>, Vec<Unmet>) {
    let rules: Vec<&RuleEntry> = RULES
        .iter()
        .filter(|entry| cx.settings.rules.enabled(entry.code))
        .collect();
    let whole_file = |entry: &&RuleEntry| {
        let mut out = Reporter::new(entry.info);
        let ((), cut) = watch_cuts(|| entry.rule.check(cx, &mut out));
        let mut found = out.into_findings();
        found.extend(
            cut.first()
                .map(|cut| note(entry, None, cut.span, &Why::TooDeep).into()),
        );
        found
    };
    // Each key policy is built, checked by every rule and dropped before the next: holding
    // the model of thousands of policies at once would cost more memory than the tree. Only
    // the rules that check policies are asked (and said not to have checked, past a limit).
    let policy_rules: Vec<&RuleEntry> = rules
        .iter()
        .copied()
        .filter(|entry| entry.rule.checks_policies())
        .collect();
    let one_policy = |source: &PolicySource<'_>| {
        if policy_rules.is_empty() {
            Vec::new()
        } else {
            check_policy(cx, &policy_rules, source)
        }
    };
    type Found = (Vec<Vec<Finding>>, Vec<Vec<Finding>>);
    let in_turn = || -> Found {
        (
            rules.iter().map(whole_file).collect(),
            cx.policies.iter().map(one_policy).collect(),
        )
    };
    // With the `parallel` feature (the command line turns it on), a big file is linted by
    // several threads: its rules, and its key policies, run in parallel (a lone 10 MB
    // template otherwise keeps one core busy while the others wait). Small files are many,
    // and already spread over the threads by the command line. Without it, all run in turn.
    #[cfg(feature = "parallel")]
    let (mut found, per_policy): Found = if cx.text.len() >= PARALLEL_FROM_BYTES {
        rayon::join(
            || rules.par_iter().map(whole_file).collect(),
            || cx.policies.par_iter().map(one_policy).collect(),
        )
    } else {
        in_turn()
    };
    #[cfg(not(feature = "parallel"))]
    let (mut found, per_policy): Found = in_turn();
    found.extend(per_policy);
    // The order is fixed whatever the threads did (`finish` sorts by position as well).
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut needs: Vec<Unmet> = Vec::new();
    for finding in found.into_iter().flatten() {
        all.push(finding.diagnostic);
        needs.extend(finding.unmet);
    }
    finish(cx.settings, &mut all);
    (all, needs)
}

/// Files from this size up are linted with parallel rules (see [`run`]).
#[cfg(feature = "parallel")]
const PARALLEL_FROM_BYTES: usize = 256 * 1024;

/// Runs the enabled change rules on a file (`new`) and its previous version (`old`).
pub(crate) fn run_change(
    old_name: &str,
    old: &Context<'_, '_>,
    new: &Context<'_, '_>,
    new_needs: &[Unmet],
) -> Vec<Diagnostic> {
    let rules: Vec<&RuleEntry> = RULES
        .iter()
        .filter(|entry| {
            entry.info.kind == RuleKind::Change && new.settings.rules.enabled(entry.code)
        })
        .collect();
    let (Some(old_template), Some(new_template)) = (old.template, new.template) else {
        return Vec::new();
    };
    if rules.is_empty() {
        return Vec::new();
    }
    let old_lines = crate::source::LineIndex::new(old.text);
    let matching = crate::model::change::Matching::new(
        crate::model::change::Version {
            template: old_template,
            embedded: old.embedded,
            env: old.env,
            conditions: old.conditions,
        },
        crate::model::change::Version {
            template: new_template,
            embedded: new.embedded,
            env: new.env,
            conditions: new.conditions,
        },
    );
    let cx = ChangeContext {
        old_name,
        old,
        new,
        new_needs,
        old_lines: &old_lines,
        matching: &matching,
    };
    let mut all: Vec<Diagnostic> = Vec::new();
    for entry in rules {
        let mut out = Reporter::new(entry.info);
        let ((), cut) = watch_cuts(|| entry.rule.check_change(&cx, &mut out));
        all.extend(out.into_diagnostics());
        match (cut.iter().find(|c| c.in_file(new.env)), cut.first()) {
            (Some(cut), _) => all.push(note(entry, None, cut.span, &Why::TooDeep)),
            // Only the previous version's value was cut: shown there, from the start of this one.
            (None, Some(cut)) => {
                let mut d = note(entry, None, Span::default(), &Why::TooDeep);
                cx.related_old(&mut d, cut.span, "the value nested too deep to read");
                all.push(d);
            }
            (None, None) => {}
        }
    }
    finish(new.settings, &mut all);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only the rules that say they check policies are asked about key policies: a rule
    /// that implements `check_policy` and does not say so would never run it.
    #[test]
    fn the_policy_rules_are_those_that_check_policies() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        for entry in RULES {
            let path = dir.join(format!("{}.rs", entry.module));
            let source = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                source.contains("fn check_policy("),
                entry.rule.checks_policies(),
                "{} ({})",
                entry.code,
                entry.module
            );
        }
    }
}
