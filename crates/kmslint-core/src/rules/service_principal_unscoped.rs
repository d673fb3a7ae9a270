//! KMS606 service-principal-unscoped: an `Allow` to a service principal with no condition
//! that ties it to the stack's account or resources.
//!
//! Scoping keys: `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`, `aws:SourceOrgPaths`
//! (the IAM User Guide's confused-deputy keys, which IAM Access Analyzer's "restrict access to
//! service principal" check names), a `kms:EncryptionContext:<key>` condition (what the
//! CloudWatch Logs, CloudTrail and EventBridge guides use: the context names the resource),
//! and `kms:CallerAccount` and `kms:ViaService` (they limit the calls to one account, or to
//! calls made through a service of the named Region; a statement under them does not let
//! "resources of any account" use the key, which is what the finding says). Whether the
//! service sends those keys is another question (KMS608 asks it of keys that never occur).
//!
//! Not scoping: `kms:EncryptionContextKeys` (names keys, not the resource), `Null`, negated
//! operators, and values that are all `*`. A condition block not known here counts as
//! scoping (nothing is reported).
//!
//! What to recommend depends on the service: each row of [`SERVICE_SCOPES`](crate::facts::service_scopes::SERVICE_SCOPES) gives the
//! condition keys that the service's own guide documents for its KMS requests, with the page.
//! Not reported, because AWS documents no key that the service sends:
//! - `events.amazonaws.com`, unless an `AWS::Events::EventBus` or `AWS::Events::Archive` of
//!   the template uses the key: only event-bus and archive encryption document
//!   `aws:SourceArn`/`aws:SourceAccount`/the event-bus encryption context
//!   (https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html); for
//!   rule targets (encrypted SNS topics and SQS queues) the SNS guide
//!   says "Adding the aws:SourceAccount and aws:SourceArn to a AWS KMS policy is not
//!   supported for EventBridge-to-encrypted topics"
//!   (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html);
//! - `cloudtrail.amazonaws.com` for a key that an `AWS::CloudTrail::EventDataStore` of the
//!   template uses (its `KmsKeyId` refers to the key, or to an alias of it): event data stores
//!   do not support `aws:SourceArn`/`aws:SourceAccount` in key policies
//!   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).

use crate::diagnostic::Severity;
use crate::facts::service_scopes::{GENERIC, SERVICE_SCOPES, ServiceScope};
use crate::model::policy::{Clause, Statement};
use crate::model::principal::{Name, Principal, ServicePrincipal};
use crate::model::value::Hole;

use super::{Context, FixAvailability, PolicyCheck, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS606.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS606",
    name: "service-principal-unscoped",
    severity: Severity::Info,
    also: &[],
    fix: FixAvailability::Never,
    default: false,
    kind: RuleKind::File,
};

pub(crate) struct ServicePrincipalUnscoped;

/// Keys that bind a service principal's request to the account or resources it acts for:
/// the global confused-deputy keys (IAM User Guide, "The confused deputy problem",
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html) and KMS's
/// `kms:CallerAccount` and `kms:ViaService` (KMS Developer Guide, "AWS KMS condition keys",
/// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "kms:CallerAccount",
    "kms:ViaService",
];

fn scope_of(service: &ServicePrincipal) -> &'static ServiceScope {
    match &service.service {
        Name::Known(name) => SERVICE_SCOPES
            .iter()
            .find(|s| s.service == name)
            .unwrap_or(&GENERIC),
        Name::Hole(_) => &GENERIC,
    }
}

impl Rule for ServicePrincipalUnscoped {
    fn checks_policies(&self) -> bool {
        true
    }

    fn check_policy(&self, cx: &Context<'_, '_>, check: &PolicyCheck<'_, '_>, out: &mut Reporter) {
        let mut event_data_store: Option<bool> = None;
        let mut event_bus: Option<bool> = None;
        let key = check.source.resource.map(|(key, _)| key);
        for statement in &check.policy.statements {
            if !statement.is_allow() || is_scoped(statement) {
                continue;
            }
            let Some(principals) = &statement.principal else {
                continue;
            };
            let mut services: Vec<(crate::source::Span, String, &ServiceScope)> = Vec::new();
            for item in &principals.items {
                for (alt, principal) in &item.principals {
                    let Principal::Service(service) = principal else {
                        continue;
                    };
                    if is_service(service, "cloudtrail")
                        && *event_data_store.get_or_insert_with(|| {
                            key.is_some_and(|key| {
                                used_by(cx, key, "AWS::CloudTrail::EventDataStore", "KmsKeyId")
                            })
                        })
                    {
                        continue;
                    }
                    if is_service(service, "events")
                        && !*event_bus.get_or_insert_with(|| {
                            key.is_some_and(|key| {
                                ["AWS::Events::EventBus", "AWS::Events::Archive"]
                                    .iter()
                                    .any(|t| used_by(cx, key, t, "KmsKeyIdentifier"))
                            })
                        })
                    {
                        continue;
                    }
                    services.push((
                        alt.span,
                        format!("`{}`", service.display()),
                        scope_of(service),
                    ));
                }
            }
            let Some((span, first, _)) = services.first() else {
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
                    "{} allows {who} with no condition naming an account or resource (`aws:SourceArn`, `aws:SourceAccount`, `kms:CallerAccount`, `kms:EncryptionContext:…`): the service can use this key for resources of any account",
                    statement.describe(),
                ),
            );
            for (span, name, _) in services.iter().skip(1) {
                diagnostic.with_related(*span, format!("{name} is allowed here too"));
            }
            diagnostic.with_help(help(&services));
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

/// The help: per service reported, the keys its guide documents, and the page.
fn help(services: &[(crate::source::Span, String, &ServiceScope)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (_, name, scope) in services {
        let keys: Vec<String> = scope.keys.iter().map(|k| format!("`{k}`")).collect();
        let part = if scope.service.is_empty() {
            format!(
                "for {name}, {} if its guide documents them ({})",
                keys.join(" or "),
                scope.source
            )
        } else {
            format!("for {name}, {} ({})", keys.join(" or "), scope.source)
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    format!(
        "add a condition naming the account or resources the service acts for: {}",
        parts.join("; ")
    )
}

fn is_service(service: &ServicePrincipal, name: &str) -> bool {
    matches!(&service.service, Name::Known(s) if s == name)
}

/// Whether a resource of type `resource_type` of the template uses the key `key` (a logical
/// ID): its `property` is a `Ref`/`Fn::GetAtt` of the key, or of an alias whose target is the
/// key.
fn used_by(cx: &Context<'_, '_>, key: &str, resource_type: &str, property: &str) -> bool {
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
        .resources_of_type(resource_type)
        .filter_map(|store| store.property(property))
        .any(|node| refers_to(node, key) || aliases.iter().any(|a| refers_to(node, a)))
}
