//! KMS212 duplicate-sid: two statements of one key policy with the same `Sid`. IAM requires
//! unique Sids and cfn-lint enforces them for key policies (docs/facts/kms.md#key-policy-document);
//! KMS does not say, so the rule follows IAM. Sids are compared exactly (they are case-sensitive
//! strings).

use crate::diagnostic::Severity;
use crate::fix::{Applicability, Fix};
use crate::source::{Node, Span};

use super::common::{any_statement_branch, policy_literal};
use super::{
    Context, FixAvailability, PolicyCheck, PolicyScope, Reporter, Rule, RuleInfo, RuleKind,
};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS212.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS212",
    name: "duplicate-sid",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct DuplicateSid;

impl Rule for DuplicateSid {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        // Computed once, and only for a policy with a duplicate.
        let mut renames: Option<Vec<(Span, String)>> = None;
        for statement in &check.policy.statements {
            let Some(field) = &statement.sid else {
                continue;
            };
            let Some(sid) = field.as_str().filter(|s| !s.is_empty()) else {
                continue;
            };
            let span = field.entry.value.span;
            match seen.iter().find(|(s, _)| *s == sid) {
                Some(&(_, first)) => {
                    let renames = renames.get_or_insert_with(|| new_sids(check.source.root));
                    // Unsafe: something else (a `--sid` filter, a script, another stack's
                    // policy check) may refer to the statement by its `Sid`.
                    let fix = field.alts.first().and_then(|alt| {
                        let node = policy_literal(alt, check.source)?;
                        let (_, new) = renames.iter().find(|(at, _)| *at == node.span)?;
                        Fix::new(
                            format!("Rename the `Sid` to `{new}`"),
                            Applicability::Unsafe,
                            [cx.editor.replace_scalar(node, new)],
                        )
                    });
                    out.report(
                        span,
                        format!("`Sid` `{sid}` is used by an earlier statement"),
                    )
                    .with_related(first, "first used here")
                    .with_help("give every statement its own `Sid`")
                    .with_fix(fix);
                }
                None => seen.push((sid, span)),
            }
        }
    }

    /// Only statements whose `Sid` another one may share can be duplicates.
    fn policy_scope(&self) -> PolicyScope {
        PolicyScope::Policy(|items| {
            let sids: Vec<Vec<Option<&str>>> = items
                .iter()
                .map(|item| {
                    let mut out = Vec::new();
                    sids_as_written(item, &mut out);
                    out
                })
                .collect();
            // How many items can have each Sid; a Sid not known here may equal any.
            let mut counts: std::collections::HashMap<&str, usize> = Default::default();
            for item in &sids {
                let mut distinct: Vec<&str> = item.iter().flatten().copied().collect();
                distinct.sort_unstable();
                distinct.dedup();
                for sid in distinct {
                    *counts.entry(sid).or_default() += 1;
                }
            }
            let any_unknown = sids.iter().flatten().any(Option::is_none);
            let shared = |i: usize| {
                sids[i].iter().any(|sid| match sid {
                    None => true,
                    Some(sid) => any_unknown || counts.get(sid).is_some_and(|&n| n > 1),
                })
            };
            (0..items.len()).filter(|&i| shared(i)).collect()
        })
    }
}

/// A new `Sid` for every literal `Sid` of the policy as written (all `Fn::If` branches, in
/// order) that repeats an earlier one: the Sid with the first number from 2 up that no Sid of
/// the policy has. Worked out from the policy as written, not per scenario, so that every
/// scenario offers the same fix for one `Sid`.
fn new_sids(root: &Node<'_>) -> Vec<(Span, String)> {
    let mut written: Vec<(Span, &str)> = Vec::new();
    if let Some(statement) = root.get("Statement") {
        for item in statement.one_or_many() {
            any_statement_branch(item, &mut |entries| {
                if let Some(sid) = entries.iter().find(|e| e.key == "Sid")
                    && let Some(text) = sid.value.as_str()
                {
                    written.push((sid.value.span, text));
                }
                false
            });
        }
    }
    let mut taken: std::collections::HashSet<String> =
        written.iter().map(|(_, s)| (*s).to_owned()).collect();
    let mut out = Vec::new();
    for (i, &(span, sid)) in written.iter().enumerate() {
        if sid.is_empty() || !written[..i].iter().any(|(_, s)| *s == sid) {
            continue;
        }
        let new = (2..)
            .map(|n| format!("{sid}{n}"))
            .find(|new| !taken.contains(new))
            .expect("some number is free");
        taken.insert(new.clone());
        out.push((span, new));
    }
    out
}

/// The `Sid`s a `Statement` item can have, in any `Fn::If` branch: `None` for one not known
/// here (an intrinsic function).
fn sids_as_written<'a>(item: &'a Node<'_>, out: &mut Vec<Option<&'a str>>) {
    any_statement_branch(item, &mut |entries| {
        if let Some(sid) = entries.iter().find(|e| e.key == "Sid") {
            out.push(sid.value.as_str());
        }
        false
    });
}
