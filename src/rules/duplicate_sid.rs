//! KMS212 duplicate-sid: two statements of one key policy with the same `Sid`. IAM requires
//! unique Sids and cfn-lint enforces them for key policies (kms-facts §7.3); KMS does not say,
//! so the rule follows IAM. Sids are compared exactly (they are case-sensitive strings).

use super::{Context, PolicyCheck, Reporter, Rule};

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
}
