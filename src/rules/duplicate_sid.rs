//! KMS212 duplicate-sid: two statements of one key policy with the same `Sid`. IAM requires
//! unique Sids and cfn-lint enforces them for key policies (kms-facts §7.3); KMS does not say,
//! so the rule follows IAM. Sids are compared exactly (they are case-sensitive strings).

use crate::source::Node;

use super::common::any_statement_branch;
use super::{Context, PolicyCheck, PolicyScope, Reporter, Rule};

pub struct DuplicateSid;

impl Rule for DuplicateSid {
    fn check_policy(&self, _cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let mut seen: Vec<(&str, crate::source::Span)> = Vec::new();
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
                    out.report(span, format!("`Sid` `{sid}` is used by an earlier statement"))
                        .with_related(first, "first used here")
                        .with_help("give every statement its own `Sid`");
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
