//! KMS506 grant-removed: the new key policy takes away a permission the template needs that
//! the old one gave: a service grant a consumer of the key needs (what KMS601 checks) or the
//! delegation an IAM policy of the template relies on (what KMS609 checks).
//!
//! The policy engine answers both sides: KMS601 and KMS609 run on each version, and a need
//! their findings report on the new version ([`Need`], compared as typed data) that the old
//! one did not have is a grant this change removed, when the key and the resource that needs
//! it are in both versions unchanged but for the key policy. (A consumer that is new, or that
//! moved to another key, is KMS601's and KMS505's.)

use std::collections::HashSet;

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};

use super::need::{Lack, Need, Unmet};
use super::{
    ChangeContext, Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind,
    iam_grant_not_delegated, service_grant_missing,
};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS506.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS506",
    name: "grant-removed",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct GrantRemoved;

/// The rules whose findings report the needs compared here.
const NEEDS: [&RuleInfo; 2] = [&service_grant_missing::RULE, &iam_grant_not_delegated::RULE];

impl Rule for GrantRemoved {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        let (Some(old_template), Some(new_template)) = (cx.old.template, cx.new.template) else {
            return;
        };
        // Only keys whose policy changed can have lost a grant.
        let changed: Vec<&str> = [KEY, REPLICA_KEY]
            .into_iter()
            .flat_map(|t| cx.matching.kept(t))
            .filter(|(old, new)| !cx.matching.same_policy(old, new))
            .map(|(_, new)| new.name)
            .collect();
        if changed.is_empty() {
            return;
        }
        let before: HashSet<Need> = needs(cx.old).into_iter().map(|u| u.need).collect();
        // The new version's were found already, when the rules ran on it (unless they are off
        // for this run).
        let rerun;
        let after: &[Unmet] = if NEEDS.iter().all(|r| cx.new.settings.rules.enabled(r.code)) {
            cx.new_needs
        } else {
            rerun = needs(cx.new);
            &rerun
        };
        for unmet in after {
            let need = &unmet.need;
            let key = need.key.as_str();
            // Only the needs shown in the statements of a key policy that changed.
            if !unmet.shows_statements || !changed.contains(&key) || before.contains(need) {
                continue;
            }
            // The resource that needs the grant must be unchanged, so that the key policy is
            // what took it away.
            let unchanged = match (
                old_template.resource(&need.needer),
                new_template.resource(&need.needer),
            ) {
                (Some(old), Some(new)) => {
                    old.type_name == new.type_name && cx.matching.same_properties(old, new)
                }
                _ => false,
            };
            if !unchanged {
                continue;
            }
            let (Some(old_key), Some(new_key)) =
                (old_template.resource(key), new_template.resource(key))
            else {
                continue;
            };
            let policy_at = |r: &crate::model::Resource<'_>| {
                r.property_entry("KeyPolicy")
                    .map_or(r.name_span, |e| e.key_span)
            };
            let diagnostic = out
                .report(
                    policy_at(new_key),
                    format!(
                        "the new key policy of `{key}` takes away a permission the old one gave: {}; what worked with the old policy fails once the new one is in place",
                        taken_away(need)
                    ),
                )
                .with_resource(key)
                .with_related(unmet.at, "what needs it")
                .with_help(need.help());
            cx.related_old(
                diagnostic,
                policy_at(old_key),
                "the old key policy allowed it",
            );
        }
    }
}

/// What the new policy takes away, in the words of the finding that reports it: who may not
/// do what, with the conditions of a KMS609 need unless its name is generated. (KMS601's
/// findings go on with what happens when the stack is created, while this is an update of a
/// stack where it worked.) These are the words KMS506 has always quoted: the finding's
/// message up to its first `; `.
fn taken_away(need: &Need) -> String {
    match need.lack {
        Lack::Delegation {
            generated: None, ..
        } => format!("{}{}", need.sentence(), need.conditions()),
        _ => need.sentence(),
    }
}

/// The needs [`NEEDS`] report on one version (a suppressed finding is still a need).
fn needs(cx: &Context<'_, '_>) -> Vec<Unmet> {
    let mut settings = cx.settings.clone();
    settings.rules.disabled = super::RULES
        .iter()
        .map(|r| r.code)
        .filter(|code| NEEDS.iter().all(|r| r.code != *code))
        .collect();
    let only = Context {
        settings: &settings,
        ..*cx
    };
    super::run(&only).1
}
