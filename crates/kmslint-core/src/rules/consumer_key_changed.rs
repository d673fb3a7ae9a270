//! KMS505 consumer-key-changed: a resource of both versions names a different key in a
//! property CloudFormation cannot change in place (the resource schemas' `createOnlyProperties`,
//! in `data/consumer-properties.tsv`, column `create_only`): the update replaces the resource,
//! a new database, file system or vault under the new key, and deletes the old one with its
//! data unless `UpdateReplacePolicy` keeps it.
//!
//! Decisions:
//! - A warning; an error for a resource that holds data ([`HOLDS_DATA`]) whose new version
//!   certainly has no `UpdateReplacePolicy: Retain` (or `Snapshot`, for the types that support
//!   it); a policy this file does not know (a parameter) leaves it a warning.
//! - Changing the form (`!Ref Key` to `!GetAtt Key.Arn`: key ID to key ARN) is a change too:
//!   CloudFormation compares the property's values as text. `!GetAtt Key.KeyId` is `!Ref Key`.
//! - Setting the property where it was not set (or removing it) changes the key from the
//!   service's default to this one (or back): a change.
//! - A level of the property path written with a function (`Fn::If` around the whole
//!   `EncryptionConfiguration`) is not followed: no finding rather than a guess.
//! - The key resources' own create-only property (`PrimaryKeyArn`) is KMS503's.

use crate::diagnostic::Severity;
use crate::facts::consumer_properties::CONSUMER_PROPERTIES;
use crate::model::consumers::values_at_written;
use crate::source::Node;

use super::change::{Retention, at_or_name};
use super::{ChangeContext, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS505.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS505",
    name: "consumer-key-changed",
    severity: Severity::Warning,
    also: &[Severity::Error],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::Change,
};

pub(crate) struct ConsumerKeyChanged;

/// Resource types whose replacement loses stored data, and whether they support
/// `UpdateReplacePolicy: Snapshot` (CloudFormation's DeletionPolicy attribute documentation).
const HOLDS_DATA: &[(&str, bool)] = &[
    ("AWS::Backup::BackupVault", false),
    ("AWS::DocDB::DBCluster", true),
    ("AWS::DocDBElastic::Cluster", false),
    ("AWS::ECR::Repository", false),
    ("AWS::EFS::FileSystem", false),
    ("AWS::ElastiCache::ReplicationGroup", true),
    ("AWS::ElastiCache::ServerlessCache", false),
    ("AWS::FSx::FileSystem", false),
    ("AWS::HealthImaging::Datastore", false),
    ("AWS::HealthLake::FHIRDatastore", false),
    ("AWS::MemoryDB::Cluster", false),
    ("AWS::Neptune::DBCluster", true),
    ("AWS::RDS::DBCluster", true),
    ("AWS::RDS::DBInstance", true),
    ("AWS::S3Files::FileSystem", false),
];

impl Rule for ConsumerKeyChanged {
    fn check_change(&self, cx: &ChangeContext<'_, '_, '_>, out: &mut Reporter) {
        let rows = CONSUMER_PROPERTIES
            .iter()
            .filter(|p| p.create_only && !p.resource_type.starts_with("AWS::KMS::"));
        for row in rows {
            for (old, new) in cx.matching.kept(row.resource_type) {
                let (Some(before), Some(after)) = (
                    at_path(old.properties, row.path),
                    at_path(new.properties, row.path),
                ) else {
                    continue;
                };
                // List items are compared by position; an item added or removed is a change.
                let count = before.len().max(after.len());
                for i in 0..count {
                    let Some(change) = cx.matching.value_change(
                        before.get(i).copied(),
                        after.get(i).copied(),
                        None,
                        str::to_owned,
                    ) else {
                        continue;
                    };
                    let name = new.name;
                    let type_name = row.resource_type;
                    let property = row.path.replace("[]", "");
                    let data = HOLDS_DATA.iter().find(|(t, _)| *t == type_name);
                    // What happens to the old resource: the new version's UpdateReplacePolicy
                    // decides (a value this file does not know may keep it).
                    let policy = data.map(|&(_, snapshots)| {
                        Retention::of(cx.new, new, "UpdateReplacePolicy", snapshots)
                    });
                    let snapshot = new
                        .attribute("UpdateReplacePolicy")
                        .and_then(|n| n.as_str())
                        == Some("Snapshot");
                    let lost = matches!(policy, Some(Retention::Lost { .. }));
                    let under = if change.same_resource {
                        "a new one under the same key, written another way (CloudFormation compares the text)"
                    } else if !change.new_set {
                        "a new one without this key (the service's default)"
                    } else if !change.old_set {
                        "a new one under this key"
                    } else {
                        "a new one under the new key"
                    };
                    let consequence = match policy {
                        Some(Retention::Lost { .. }) => format!(
                            "CloudFormation replaces it: it creates {under} and deletes the old one with its data (where the service lets a resource holding data be deleted)"
                        ),
                        Some(Retention::Kept) if snapshot => format!(
                            "CloudFormation replaces it: it creates {under}, empty, and deletes the old one after a final snapshot (`UpdateReplacePolicy: Snapshot`)"
                        ),
                        Some(Retention::Kept) => format!(
                            "CloudFormation replaces it: it creates {under}, empty; the old one leaves the stack but is kept (`UpdateReplacePolicy: Retain`)"
                        ),
                        Some(Retention::Unknown) => format!(
                            "CloudFormation replaces it: it creates {under}, empty, and keeps or deletes the old one as its `UpdateReplacePolicy` says"
                        ),
                        None => format!("CloudFormation replaces it with {under}"),
                    };
                    let diagnostic = out
                        .report(
                            at_or_name(change.new_span, new),
                            format!(
                                "`{property}` of `{name}` ({type_name}) changes from {} to {}{}: it cannot be changed in place, so {consequence}",
                                change.old,
                                change.new,
                                change.when_note()
                            ),
                        )
                        .with_resource(name)
                        .with_help(if data.is_some() {
                            format!("keep the old key, or move the data first (a snapshot or backup restored under the new key into a new resource); `UpdateReplacePolicy: Retain` on `{name}` keeps the old one")
                        } else {
                            "keep the old key, unless a new resource is what you want".to_owned()
                        });
                    if lost {
                        diagnostic.with_severity(Severity::Error);
                    }
                    cx.related_old(
                        diagnostic,
                        at_or_name(change.old_span, old),
                        format!("`{property}` was {} in the old version", change.old),
                    );
                    // One finding per property of a resource.
                    break;
                }
            }
        }
    }
}

/// The nodes at `path` under a resource's properties (none without properties), or `None`
/// when a level is written with a function, which this rule does not follow.
fn at_path<'t>(properties: Option<&'t Node<'t>>, path: &str) -> Option<Vec<&'t Node<'t>>> {
    match properties {
        Some(properties) => values_at_written(properties, path),
        None => Some(Vec::new()),
    }
}
