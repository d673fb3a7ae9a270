//! KMS303 duplicate-replica: two ReplicaKeys of the same primary key in one template. A
//! template deploys to one Region, and a primary key can have only one replica per Region
//! (ReplicateKey: `AlreadyExistsException`). Replicas under conditions that cannot hold
//! together are not duplicates.

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::Resource;
use crate::model::value::Alt;

use super::common::{PrimaryTarget, primary_targets, related_linked, report_value, resources};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS303.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS303",
    name: "duplicate-replica",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct DuplicateReplica;

impl Rule for DuplicateReplica {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let mut seen: Vec<(String, &Resource<'_>, Alt<'_>)> = Vec::new();
        for replica in resources(cx, REPLICA_KEY) {
            let targets = primary_targets(cx, replica);
            // Only a single, fully identified primary can be compared.
            let [(alt, target)] = targets.as_slice() else {
                continue;
            };
            let identity = match target {
                // A key of this template is one primary whichever attribute names it. Any
                // other resource (CDK's cross-Region reader, a custom resource) may return a
                // different value per attribute: its values are the same only when the
                // attribute is.
                PrimaryTarget::InTemplate { resource, .. } if resource.type_name == Some(KEY) => {
                    format!("resource:{}", resource.name)
                }
                PrimaryTarget::InTemplate {
                    resource,
                    attribute,
                } => format!("resource:{}.{}", resource.name, attribute.unwrap_or("Ref")),
                PrimaryTarget::Linked(key) => {
                    across_stacks(cx, out, replica, alt, *key);
                    format!("linked:{key}")
                }
                PrimaryTarget::Arn(_) => match alt.text_value() {
                    Some(text) => format!("arn:{}", text.display()),
                    None => continue,
                },
                _ => continue,
            };
            if let Some((_, first, first_alt)) = seen.iter().find(|(id, other, _)| {
                *id == identity
                    && cx
                        .conditions
                        .can_coexist(other.condition, replica.condition)
            }) {
                // Both values may come from one parameter: then the places that use it
                // tell the replicas apart.
                let first_site = first_alt.param.as_ref().map_or(first_alt.span, |p| p.site);
                report_value(
                    out,
                    replica,
                    alt,
                    format!(
                        "`{}` replicates the same primary key as `{}`; a primary key can have only one replica in a Region",
                        replica.name, first.name
                    ),
                )
                .with_related(first_site, format!("`{}` already replicates it here", first.name))
                .with_help("remove one of the replicas, or deploy it from a stack in another Region");
                continue;
            }
            seen.push((identity, replica, alt.clone()));
        }
    }
}

/// A replica of a key of another stack that a stack earlier in the deployment, in the same
/// Region, also replicates (docs/deployments.md): reported at the later one.
fn across_stacks(
    cx: &Context<'_, '_>,
    out: &mut Reporter,
    replica: &Resource<'_>,
    alt: &Alt<'_>,
    primary: usize,
) {
    let Some(links) = cx.links() else {
        return;
    };
    let Some(here) = &links.label().region else {
        return;
    };
    let Some(first) = links.links.replicas.iter().find(|other| {
        other.primary == primary
            && other.stack < links.stack
            && links.links.stacks[other.stack].region.as_ref() == Some(here)
    }) else {
        return;
    };
    let key = links.key(primary);
    let other = &links.links.stacks[first.stack];
    let diagnostic = report_value(
        out,
        replica,
        alt,
        format!(
            "`{}` replicates the same primary key (`{}`, {}) as `{}` of stack {}, in the same Region `{here}`; a primary key can have only one replica in a Region",
            replica.name,
            key.logical_id,
            links.stack_of(key),
            first.logical_id,
            other.name
        ),
    )
    .with_help("remove one of the replicas, or deploy it from a stack in another Region");
    related_linked(
        diagnostic,
        &first.at,
        format!(
            "`{}` already replicates it here ({other})",
            first.logical_id
        ),
    );
}
