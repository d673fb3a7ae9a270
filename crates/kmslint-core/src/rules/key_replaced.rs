//! KMS503 key-replaced: a change that makes CloudFormation replace a key resource: a new
//! value of one of its create-only properties. CloudFormation creates the new resource, points
//! the stack at it, and deletes the old one (a key's deletion is scheduled) unless
//! `UpdateReplacePolicy: Retain` keeps it outside the stack.
//!
//! The create-only properties are the resource schemas' `createOnlyProperties`
//! (docs/facts/cloudformation.md, AWS::KMS::Key and AWS::KMS::ReplicaKey): only
//! `AWS::KMS::ReplicaKey.PrimaryKeyArn`. `AWS::KMS::Key` has none: its immutable properties
//! fail the update instead (KMS501).

use crate::diagnostic::Severity;
use crate::facts::resources::REPLICA_KEY;

use super::change::{Retention, at_or_name};
use super::{ChangeContext, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS503.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS503",
    name: "key-replaced",
    severity: Severity::Error,
    also: &[Severity::Warning],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct KeyReplaced;

/// `createOnlyProperties` of the KMS key resource types, with what the resource is called.
const CREATE_ONLY: &[(&str, &str, &str)] = &[(REPLICA_KEY, "PrimaryKeyArn", "replica key")];

impl Rule for KeyReplaced {
    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        for &(type_name, property, what) in CREATE_ONLY {
            for (old, new) in cx.matching.kept(type_name) {
                let Some(change) = cx.matching.value_change(
                    old.property(property),
                    new.property(property),
                    None,
                    str::to_owned,
                ) else {
                    continue;
                };
                let name = new.name;
                // On a replacement, the new version's UpdateReplacePolicy decides the old
                // resource's fate.
                let retained = matches!(
                    Retention::of(cx.new, new, "UpdateReplacePolicy", false),
                    Retention::Kept
                );
                let fate = if retained {
                    format!(
                        "the old {what} leaves the stack but is kept (`UpdateReplacePolicy: Retain`), and what uses `{name}` gets a new key"
                    )
                } else {
                    format!(
                        "the old {what}'s deletion is scheduled, and what uses `{name}` gets a new key"
                    )
                };
                let diagnostic = out
                    .report(
                        at_or_name(change.new_span, new),
                        format!(
                            "`{property}` of {what} `{name}` changes from {} to {}{}: CloudFormation replaces the {what}; {fate}",
                            change.old,
                            change.new,
                            change.when_note()
                        ),
                    )
                    .with_resource(name)
                    .with_help(format!(
                        "keep `{property}` as it was, or add the new {what} under a new logical ID and move its users to it first"
                    ));
                if retained {
                    diagnostic.with_severity(Severity::Warning);
                }
                cx.related_old(
                    diagnostic,
                    at_or_name(change.old_span, old),
                    format!("`{property}` was {} in the old version", change.old),
                );
            }
        }
    }
}
