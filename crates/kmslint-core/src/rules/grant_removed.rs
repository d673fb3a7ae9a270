//! KMS506 grant-removed: the new key policy takes away a permission the template needs that
//! the old one gave: a service grant a consumer of the key needs (what KMS601 checks) or the
//! delegation an IAM policy of the template relies on (what KMS609 checks).
//!
//! The policy engine answers both sides: KMS601 and KMS609 run on each version, and a finding
//! of the new version that the old one did not have is a grant this change removed, when the
//! key and the resource that needs it are in both versions unchanged but for the key policy.
//! (A consumer that is new, or that moved to another key, is KMS601's and KMS505's.)

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::Template;
use crate::source::Span;

use super::{ChangeContext, Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS506.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS506",
    name: "grant-removed",
    severity: Severity::Warning,
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct GrantRemoved;

/// The rules whose findings say a principal the template needs cannot use a key.
const NEEDS: &[&str] = &["KMS601", "KMS609"];

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
        let before: HashSet<(&str, Option<&str>, String)> = needs(cx.old)
            .into_iter()
            .map(|d| (d.code, owner(old_template, d.span), d.message))
            .collect();
        // The new version's were found already, when the rules ran on it (unless they are off
        // for this run).
        let after = if NEEDS.iter().all(|code| cx.new.settings.rules.enabled(code)) {
            cx.new_found
                .iter()
                .filter(|d| NEEDS.contains(&d.code))
                .cloned()
                .collect()
        } else {
            needs(cx.new)
        };
        for finding in after {
            let Some(key) = key_of(new_template, &finding).filter(|k| changed.contains(k)) else {
                continue;
            };
            let needer = owner(new_template, finding.span);
            if before.contains(&(finding.code, needer, finding.message.clone())) {
                continue;
            }
            // The resource that needs the grant must be unchanged, so that the key policy is
            // what took it away.
            let unchanged = needer.is_some_and(|name| {
                match (old_template.resource(name), new_template.resource(name)) {
                    (Some(old), Some(new)) => {
                        old.type_name == new.type_name && cx.matching.same_properties(old, new)
                    }
                    _ => false,
                }
            });
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
                        // KMS601 ends with what happens when the stack is created; this is an
                        // update of a stack where it worked.
                        finding.message.split("; ").next().unwrap_or_default()
                    ),
                )
                .with_resource(key)
                .with_related(finding.span, "what needs it");
            if let Some(help) = finding.help {
                diagnostic.with_help(help);
            }
            cx.related_old(
                diagnostic,
                policy_at(old_key),
                "the old key policy allowed it",
            );
        }
    }
}

/// The findings of [`NEEDS`] on one version, with the rules' default severities and no
/// suppressions (a suppressed finding is still a need).
fn needs(cx: &Context<'_, '_>) -> Vec<Diagnostic> {
    let mut settings = cx.settings.clone();
    settings.rules.disabled = super::RULES
        .iter()
        .map(|r| r.code)
        .filter(|code| !NEEDS.contains(code))
        .collect();
    settings.rules.severity.clear();
    let only = Context {
        settings: &settings,
        ..*cx
    };
    super::run(&only)
}

/// The resource a place is in (a finding's: the consumer, or the IAM policy).
fn owner<'t>(template: &Template<'t>, span: Span) -> Option<&'t str> {
    // Resources are in file order: the last one starting at or before the place.
    let i = template
        .resources
        .partition_point(|r| r.name_span.start <= span.start)
        .checked_sub(1)?;
    let resource = &template.resources[i];
    resource.node.span.contains(span).then_some(resource.name)
}

/// The key a KMS601 or KMS609 finding is about: the key whose policy its related place
/// ("the key policy of `K`") is in.
fn key_of<'t>(template: &Template<'t>, finding: &Diagnostic) -> Option<&'t str> {
    finding
        .related
        .iter()
        .filter(|r| r.path.is_none())
        .filter_map(|r| owner(template, r.span))
        .find(|name| {
            matches!(
                template.resource(name).and_then(|r| r.type_name),
                Some(KEY | REPLICA_KEY)
            )
        })
}
