//! KMS501 immutable-key-property-changed: `KeySpec`, `KeyUsage`, `Origin` or `MultiRegion` of
//! a key that exists in both versions changed. CloudFormation's handler compares them with the
//! deployed key and fails the update ("You cannot change the values of the KeySpec, KeyUsage,
//! Origin, or MultiRegion properties of an AWS::KMS::Key resource.",
//! `docs/facts/cloudformation.md#immutable-key-properties`): not replaced, the update rolls back.
//!
//! The comparison is made after CloudFormation's defaults are filled in (same page), so
//! writing out a default (`KeySpec: SYMMETRIC_DEFAULT` on a key that had none) is no change.

use crate::diagnostic::Severity;
use crate::facts::resources::KEY;

use super::change::at_or_name;
use super::key_config::defaults;
use super::{ChangeContext, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS501.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS501",
    name: "immutable-key-property-changed",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct ImmutableKeyPropertyChanged;

/// The properties that cannot change, with the value an absent one has
/// (docs/facts/cloudformation.md#key-defaults).
const IMMUTABLE: &[(&str, &str)] = &[
    ("KeySpec", defaults::KEY_SPEC),
    ("KeyUsage", defaults::KEY_USAGE),
    ("Origin", defaults::ORIGIN),
    ("MultiRegion", defaults::MULTI_REGION),
];

impl Rule for ImmutableKeyPropertyChanged {
    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        for (old, new) in cx.matching.kept(KEY) {
            for &(property, default) in IMMUTABLE {
                // A boolean is compared as one: `True` and `true` are the same value.
                let fold: fn(&str) -> String = if property == "MultiRegion" {
                    |s| s.to_ascii_lowercase()
                } else {
                    str::to_owned
                };
                let Some(change) = cx.matching.value_change(
                    old.property(property),
                    new.property(property),
                    Some(default),
                    fold,
                ) else {
                    continue;
                };
                let name = new.name;
                let diagnostic = out
                    .report(
                        at_or_name(change.new_span, new),
                        format!(
                            "`{property}` of key `{name}` changes from {} to {}{}: CloudFormation cannot change it on an existing key, so the update fails and rolls back",
                            change.old,
                            change.new,
                            change.when_note()
                        ),
                    )
                    .with_resource(name)
                    .with_help(format!(
                        "keep `{property}` as it was; for a key with another `{property}`, add a new key under a new logical ID and move the data to it before removing this one"
                    ));
                cx.related_old(
                    diagnostic,
                    at_or_name(change.old_span, old),
                    format!("`{property}` was {} in the old version", change.old),
                );
            }
        }
    }
}
