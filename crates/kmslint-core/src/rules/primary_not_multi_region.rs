//! KMS301 primary-not-multi-region: a ReplicaKey whose primary is not a multi-Region primary
//! key: a Key in this template without `MultiRegion: true`, a ReplicaKey, or an ARN whose key
//! ID lacks the `mrk-` prefix every multi-Region key ID has
//! (docs/facts/kms.md#identifiers-and-arns).

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::arn::Field;
use crate::model::value::Boolish;

use crate::fix::{Applicability, Fix};
use crate::model::Resource;

use super::common::{
    PrimaryTarget, primary_targets, related_linked, report_value, resources, written_at,
};
use super::rotation_disabled::set_property;
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS301.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS301",
    name: "primary-not-multi-region",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct PrimaryNotMultiRegion;

impl Rule for PrimaryNotMultiRegion {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        let set_multi_region = cx.snippet("`MultiRegion: true`", "`\"MultiRegion\": true`");
        for replica in resources(cx, REPLICA_KEY) {
            for (alt, target) in primary_targets(cx, replica) {
                match target {
                    PrimaryTarget::InTemplate {
                        resource,
                        attribute,
                    } => {
                        if attribute.is_some_and(|a| a != "Arn") {
                            continue;
                        }
                        let name = resource.name;
                        match resource.type_name {
                            Some(KEY) => {
                                let multi_region = resource.property("MultiRegion");
                                let single = match multi_region {
                                    None => true,
                                    Some(node) => resolver.resolve(node).iter().all(|a| {
                                        matches!(
                                            a.as_bool(),
                                            Boolish::False | Boolish::Ambiguous(false)
                                        )
                                    }),
                                };
                                if !single {
                                    continue;
                                }
                                let diagnostic = report_value(
                                    out,
                                    replica,
                                    &alt,
                                    format!(
                                        "PrimaryKeyArn refers to `{name}`, which is not a multi-Region key"
                                    ),
                                );
                                diagnostic
                                    .with_help(format!("set {set_multi_region} on `{name}`"))
                                    .with_fix(fix(cx, resource));
                                match multi_region {
                                    Some(node) => diagnostic
                                        .with_related(node.span, "`MultiRegion` is false here"),
                                    None => diagnostic.with_related(
                                        resource.name_span,
                                        format!("`{name}` is defined here without `MultiRegion`"),
                                    ),
                                };
                            }
                            Some(REPLICA_KEY) => {
                                report_value(
                                    out,
                                    replica,
                                    &alt,
                                    format!("PrimaryKeyArn refers to `{name}`, which is a replica key, not a primary key"),
                                )
                                .with_related(resource.name_span, format!("`{name}` is defined here"))
                                .with_help("replicate the primary key that this replica was made from");
                            }
                            _ => {}
                        }
                    }
                    PrimaryTarget::Arn(arn) => {
                        let Field::Lit(resource_part) = &arn.resource else {
                            continue;
                        };
                        let Some(key_id) = resource_part.strip_prefix("key/") else {
                            continue;
                        };
                        // A malformed key ID is KMS304's; only a well-formed single-Region
                        // ID is known not to be multi-Region.
                        if !key_id.starts_with("mrk-") && super::invalid_key_arn::is_key_id(key_id)
                        {
                            report_value(
                                out,
                                replica,
                                &alt,
                                format!("key ID `{key_id}` is not a multi-Region key; multi-Region key IDs start with `mrk-`"),
                            )
                            .with_help(format!("replicate a key created with {set_multi_region}; a single-Region key cannot be replicated or converted"));
                        }
                    }
                    PrimaryTarget::Linked(key) => linked(cx, out, replica, &alt, key),
                    PrimaryTarget::NotArn(_) | PrimaryTarget::Unknown => {}
                }
            }
        }
    }
}

/// `MultiRegion: true` on the primary in this template: the literal `false` replaced, or the
/// property added (with `Properties` when the key has none). Unsafe: on a key already
/// deployed the update fails (a key cannot become multi-Region), and a new key must be made.
/// None for a value from a parameter, a mapping or an `Fn::If` branch, for properties behind
/// a function, and for a key whose `Origin` is not plainly one a multi-Region key can have.
fn fix(cx: &Context<'_, '_>, key: &Resource<'_>) -> Option<Fix> {
    if !super::key_config::readable(key) {
        return None;
    }
    if let Some(origin) = key.property("Origin")
        && !matches!(origin.as_str(), Some("AWS_KMS" | "EXTERNAL"))
    {
        return None;
    }
    let edit = match key.property("MultiRegion") {
        Some(node) => {
            let alts = cx.resolver().resolve(node);
            let [alt] = alts.as_slice() else {
                return None;
            };
            cx.editor.replace_raw(written_at(alt, node)?, "true")
        }
        None => set_property(cx, key, "MultiRegion"),
    };
    Fix::new(
        format!("Set `MultiRegion: true` on `{}`", key.name),
        Applicability::Unsafe,
        [edit],
    )
}

/// A primary in another stack of the deployment: a replica key, or a key whose `MultiRegion`
/// is false or not set.
fn linked(
    cx: &Context<'_, '_>,
    out: &mut Reporter,
    replica: &Resource<'_>,
    alt: &crate::model::value::Alt<'_>,
    key: usize,
) {
    let Some(links) = cx.links() else {
        return;
    };
    let key = links.key(key);
    let name = &key.logical_id;
    let stack = links.stack_of(key);
    let (message, help) = if key.replica {
        (
            format!(
                "PrimaryKeyArn refers to `{name}` ({stack}), which is a replica key, not a primary key"
            ),
            "replicate the primary key that this replica was made from".to_owned(),
        )
    } else if key.multi_region == Some(false) {
        (
            format!("PrimaryKeyArn refers to `{name}` ({stack}), which is not a multi-Region key"),
            format!(
                "set {} on `{name}` in its stack's template",
                cx.snippet("`MultiRegion: true`", "`\"MultiRegion\": true`")
            ),
        )
    } else {
        return;
    };
    let diagnostic = report_value(out, replica, alt, message).with_help(help);
    related_linked(
        diagnostic,
        &key.at,
        format!("`{name}` is defined here ({stack})"),
    );
}
