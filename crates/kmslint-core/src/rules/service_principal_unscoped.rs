//! KMS606 service-principal-unscoped: an `Allow` to a service principal with no condition
//! that ties it to the stack's resources: `aws:SourceArn`, `aws:SourceAccount`,
//! `aws:SourceOrgID`, `aws:SourceOrgPaths` (the IAM User Guide's confused-deputy keys, which
//! IAM Access Analyzer's "restrict access to service principal" check names) or a
//! `kms:EncryptionContext:<key>` condition (what the CloudWatch Logs, CloudTrail and
//! EventBridge guides use: the context names the resource). Facts: kms-facts §11,
//! consumers.md.
//!
//! Not scoping: `kms:ViaService` and `kms:CallerAccount` (they describe a principal calling
//! through a service, not the service principal's own calls), `kms:EncryptionContextKeys`
//! (names keys, not the resource), `Null`, negated operators, and values that are all `*`.
//! A condition block not known here counts as scoping (nothing is reported). A CloudTrail
//! principal is not reported for a key that an `AWS::CloudTrail::EventDataStore` of the
//! template uses (its `KmsKeyId` refers to the key, or to an alias of it): event data stores
//! do not support `aws:SourceArn`/`aws:SourceAccount` in key policies (consumers.md).

use crate::model::policy::{Clause, Statement};
use crate::model::principal::{Name, Principal, ServicePrincipal};
use crate::model::value::Hole;

use super::{Context, PolicyCheck, Reporter, Rule};

pub struct ServicePrincipalUnscoped;

/// Global keys that bind a service principal's request to the resource or account it acts
/// for (IAM User Guide, "The confused deputy problem").
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

impl Rule for ServicePrincipalUnscoped {
    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let mut event_data_store: Option<bool> = None;
        for statement in &check.policy.statements {
            if !statement.is_allow() || is_scoped(statement) {
                continue;
            }
            let Some(principals) = &statement.principal else {
                continue;
            };
            let mut services: Vec<(crate::source::Span, String)> = Vec::new();
            for item in &principals.items {
                for (alt, principal) in &item.principals {
                    let Principal::Service(service) = principal else {
                        continue;
                    };
                    if is_cloudtrail(service)
                        && *event_data_store.get_or_insert_with(|| {
                            check
                                .source
                                .resource
                                .is_some_and(|(key, _)| used_by_event_data_store(cx, key))
                        })
                    {
                        continue;
                    }
                    services.push((alt.span, format!("`{}`", service.display())));
                }
            }
            let Some((span, first)) = services.first() else {
                continue;
            };
            let who = match services.len() {
                1 => format!("service {first}"),
                2 => format!("services {first} and {}", services[1].1),
                n => format!("services {first} and {} others", n - 1),
            };
            let diagnostic = out.report(
                *span,
                format!(
                    "{} allows {who} with no `aws:SourceArn`, `aws:SourceAccount` or `kms:EncryptionContext:` condition: the service can use this key for resources of any account",
                    statement.describe(),
                ),
            );
            for (span, name) in services.iter().skip(1) {
                diagnostic.with_related(*span, format!("{name} is allowed here too"));
            }
            diagnostic.with_help(
                "add a condition naming the account or resources the service acts for, such as `StringEquals` on `aws:SourceAccount` or `ArnLike` on `aws:SourceArn`",
            );
        }
    }
}

/// Whether the statement has a condition that ties a service principal to a source (or a
/// condition block not known here).
fn is_scoped(statement: &Statement<'_>) -> bool {
    let Some(block) = &statement.condition else {
        return false;
    };
    block.incomplete || block.clauses.iter().any(scopes)
}

fn scopes(clause: &Clause<'_>) -> bool {
    let Ok(operator) = &clause.operator else {
        return false;
    };
    if operator.base == "Null" || operator.negated() {
        return false;
    }
    let key = clause.key;
    let named = SOURCE_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
        || crate::facts::conditions::strip_prefix_ignore_case(key, "kms:EncryptionContext:")
            .is_some_and(|rest| !rest.is_empty());
    let everything = !clause.values.is_empty()
        && clause
            .values
            .iter()
            .all(|item| item.alts.iter().all(|alt| alt.as_str() == Some("*")));
    named && !everything
}

fn is_cloudtrail(service: &ServicePrincipal) -> bool {
    matches!(&service.service, Name::Known(s) if s == "cloudtrail")
}

/// Whether an event data store of the template uses the key `key` (a logical ID): its
/// `KmsKeyId` is a `Ref`/`Fn::GetAtt` of the key, or of an alias whose target is the key.
fn used_by_event_data_store(cx: &Context<'_, '_>, key: &str) -> bool {
    let Some(template) = cx.template else {
        return false;
    };
    let resolver = cx.resolver();
    let refers_to = |node, target: &str| {
        resolver.resolve(node).iter().any(|alt| {
            matches!(
                alt.text_value().and_then(|t| t.only_hole()),
                Some(Hole::Ref(r) | Hole::GetAtt(r, _)) if *r == target
            )
        })
    };
    let aliases: Vec<&str> = template
        .resources_of_type("AWS::KMS::Alias")
        .filter(|alias| {
            alias
                .property("TargetKeyId")
                .is_some_and(|node| refers_to(node, key))
        })
        .map(|alias| alias.name)
        .collect();
    template
        .resources_of_type("AWS::CloudTrail::EventDataStore")
        .filter_map(|store| store.property("KmsKeyId"))
        .any(|node| refers_to(node, key) || aliases.iter().any(|a| refers_to(node, a)))
}
