//! KMS402 invalid-alias-target: an `AWS::KMS::Alias` `TargetKeyId` that is neither a key ID, a
//! key ARN, nor a reference to an `AWS::KMS::Key` or `AWS::KMS::ReplicaKey`.
//!
//! CreateAlias takes the key ID or key ARN of a customer managed key, never another alias
//! (AWS::KMS::Alias schema description, docs/facts/kms.md#aliases), and the alias and its key must
//! be in the same account and Region. Reported: an alias name or alias ARN, `Ref` of an alias (its
//! name) or of another AWS resource type, `Fn::GetAtt` of an identifier (`…Arn`, `…Name`, `…Url`,
//! `…Id`, but not `…Key…`) of a non-KMS resource, malformed key IDs and ARNs, and a key ARN whose
//! Region or account differs from `--region`/`--account`. Custom resources, nested stacks,
//! parameters without a value and imports can be anything and are not reported. A key ID in
//! uppercase hex is not reported: whether KMS matches IDs case-insensitively is not documented.

use crate::diagnostic::Severity;
use crate::facts::regions;
use crate::facts::resources::{ALIAS, KEY, REPLICA_KEY};
use crate::model::arn::{self, Arn, ArnShape, Field, is_account_id};
use crate::model::value::abbreviate;
use crate::model::value::{Hole, Text, Val};
use crate::source::Span;

use super::common::{report_value, resources};
use super::invalid_key_arn::is_key_id;
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS402.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS402",
    name: "invalid-alias-target",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidAliasTarget;

/// A message, a help line, and a related location.
struct Problem {
    message: String,
    help: Option<String>,
    related: Option<(Span, String)>,
}

fn problem(message: impl Into<String>, help: impl Into<String>) -> Option<Problem> {
    Some(Problem {
        message: message.into(),
        help: Some(help.into()),
        related: None,
    })
}

/// How to point an alias at a key, in the file's syntax.
fn format_help(cx: &Context<'_, '_>) -> String {
    format!(
        "use the key's ID (`1234abcd-12ab-34cd-56ef-1234567890ab`), its ARN, or {} of an AWS::KMS::Key in this template",
        cx.snippet("`!Ref`", "`{\"Ref\": …}`")
    )
}

impl Rule for InvalidAliasTarget {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for alias in resources(cx, ALIAS) {
            let Some(node) = alias.property("TargetKeyId") else {
                continue;
            };
            for alt in resolver.resolve(node) {
                let Val::Text(text) = &alt.val else {
                    continue;
                };
                let found = match text.only_hole() {
                    Some(Hole::Ref(name)) => check_ref(cx, name),
                    Some(Hole::GetAtt(name, attribute)) => check_get_att(cx, name, attribute),
                    Some(_) => None,
                    None => match text.literal() {
                        Some(value) => check_literal(cx, value),
                        None => check_partial(cx, text),
                    },
                };
                let Some(found) = found else {
                    continue;
                };
                let diagnostic = report_value(out, alias, &alt, found.message);
                if let Some(help) = found.help {
                    diagnostic.with_help(help);
                }
                if let Some((span, message)) = found.related {
                    diagnostic.with_related(span, message);
                }
            }
        }
    }
}

/// Other AWS resource types are certainly not keys; custom resources, nested stacks and
/// third-party types may return anything.
fn is_other_aws_type(type_name: &str) -> bool {
    type_name.starts_with("AWS::")
        && !type_name.starts_with("AWS::KMS::")
        && !type_name.starts_with("AWS::CloudFormation::")
}

fn check_ref(cx: &Context<'_, '_>, name: &str) -> Option<Problem> {
    let resource = cx.template?.resource(name)?;
    match resource.type_name? {
        KEY | REPLICA_KEY => None,
        ALIAS => {
            // Point at the key the other alias targets, when that is a key of this template.
            let target = resource
                .property("TargetKeyId")
                .map(|n| cx.resolver().resolve(n))
                .and_then(|alts| match alts.as_slice() {
                    [alt] => match alt.text_value()?.only_hole()? {
                        Hole::Ref(key) | Hole::GetAtt(key, _) => Some(*key),
                        _ => None,
                    },
                    _ => None,
                })
                .filter(|key| matches!(cx.resource_type(key), Some(KEY | REPLICA_KEY)));
            let help = match target {
                Some(key) => format!(
                    "point it at the key itself: {}",
                    cx.snippet(format!("`!Ref {key}`"), format!("`{{\"Ref\": \"{key}\"}}`"))
                ),
                None => "point it at the key itself, by key ID or key ARN".to_owned(),
            };
            Some(Problem {
                message: format!(
                    "`{name}` is an alias: `Ref` gives its name, and an alias cannot point at another alias"
                ),
                help: Some(help),
                related: Some((resource.name_span, format!("`{name}` is defined here"))),
            })
        }
        other if is_other_aws_type(other) => Some(Problem {
            message: format!("`{name}` is an {other}, not a KMS key"),
            help: Some(format_help(cx)),
            related: Some((resource.name_span, format!("`{name}` is defined here"))),
        }),
        _ => None,
    }
}

fn check_get_att(cx: &Context<'_, '_>, name: &str, attribute: &str) -> Option<Problem> {
    let resource = cx.template?.resource(name)?;
    let other = resource.type_name?;
    // Attributes of KMS resources are KMS003's concern. Of other resources, only identifiers
    // (`Arn`, `TopicName`, `QueueUrl`, `Id`) are certainly not a key; an attribute named like
    // a key (`KmsKeyArn`) may well be one, and a generic one (an SSM parameter's `Value`) may
    // hold a key ID.
    let identifier = ["Arn", "Name", "Url", "Id"]
        .iter()
        .any(|suffix| attribute.ends_with(suffix));
    if !is_other_aws_type(other) || !identifier || attribute.to_ascii_lowercase().contains("key") {
        return None;
    }
    Some(Problem {
        message: format!("`{name}.{attribute}` is an attribute of an {other}, not a KMS key"),
        help: Some(format_help(cx)),
        related: Some((resource.name_span, format!("`{name}` is defined here"))),
    })
}

fn check_literal(cx: &Context<'_, '_>, value: &str) -> Option<Problem> {
    if is_key_id(value) || is_key_id(&value.to_ascii_lowercase()) {
        return None;
    }
    if value.is_empty() {
        return problem("TargetKeyId is empty", format_help(cx));
    }
    if value.starts_with("alias/") {
        return problem(
            format!(
                "`{}` is an alias name; an alias must point at a key, not at another alias",
                abbreviate(value)
            ),
            format_help(cx),
        );
    }
    match arn::parse(&Text::lit(value)) {
        ArnShape::Arn(arn) => check_arn(cx, &arn),
        _ if value.starts_with("mrk-") => problem(
            format!(
                "`{}` is not a key ID: a multi-Region key ID is `mrk-` and 32 lowercase hex digits",
                abbreviate(value)
            ),
            format_help(cx),
        ),
        _ => problem(
            format!("`{}` is neither a key ID nor a key ARN", abbreviate(value)),
            format_help(cx),
        ),
    }
}

fn check_partial(cx: &Context<'_, '_>, text: &Text<'_>) -> Option<Problem> {
    match arn::parse(text) {
        ArnShape::Arn(arn) => check_arn(cx, &arn),
        ArnShape::NotArn if text.literal_prefix().starts_with("alias/") => problem(
            format!(
                "`{}` is an alias name; an alias must point at a key, not at another alias",
                text.display()
            ),
            format_help(cx),
        ),
        _ => None,
    }
}

/// What is certainly wrong with a key ARN's known parts.
fn check_arn(cx: &Context<'_, '_>, arn: &Arn<'_>) -> Option<Problem> {
    let partition = arn.partition.literal();
    if let Some(p) = partition
        && regions::partition(p).is_none()
    {
        return problem(format!("`{p}` is not an AWS partition"), format_help(cx));
    }
    if let Some(service) = arn.service.literal()
        && service != "kms"
    {
        return problem(
            format!("this ARN is for `{service}`, not for a KMS key"),
            format_help(cx),
        );
    }
    let alias_arn = match &arn.resource {
        Field::Lit(resource) => resource.starts_with("alias/"),
        _ => arn.resource_prefix.starts_with("alias/"),
    };
    if alias_arn {
        return problem(
            "this is an alias ARN; an alias must point at a key, not at another alias",
            format_help(cx),
        );
    }
    if let Field::Lit(resource) = &arn.resource {
        match resource.strip_prefix("key/") {
            None => {
                return problem(
                    format!("`{resource}` is not `key/` and a key ID"),
                    format_help(cx),
                );
            }
            Some(id) if !is_key_id(id) && !is_key_id(&id.to_ascii_lowercase()) => {
                return problem(
                    format!("`{id}` is not a key ID (a UUID, or `mrk-` and 32 hex digits)"),
                    format_help(cx),
                );
            }
            Some(_) => {}
        }
    } else if !arn.resource_prefix.is_empty()
        && !"key/".starts_with(arn.resource_prefix.as_str())
        && !arn.resource_prefix.starts_with("key/")
    {
        return problem(
            format!("`{}…` is not `key/` and a key ID", arn.resource_prefix),
            format_help(cx),
        );
    }
    if let Some(region) = arn.region.literal() {
        match regions::partition_of_region(region) {
            None if regions::looks_like_region(region) => {
                return problem(
                    format!("`{region}` is not a Region where KMS is available"),
                    format_help(cx),
                );
            }
            None => return problem(format!("`{region}` is not a Region"), format_help(cx)),
            Some(of_region) => {
                if let Some(p) = partition
                    && p != of_region.name
                {
                    return problem(
                        format!(
                            "Region `{region}` is in partition `{}`, but the ARN says `{p}`",
                            of_region.name
                        ),
                        format_help(cx),
                    );
                }
            }
        }
        if let Some(stack) = cx.env.region
            && stack != region
        {
            return problem(
                format!(
                    "the key is in `{region}`, but the alias is created in `{stack}`; an alias and its key must be in the same Region"
                ),
                "create the alias in a stack in the key's Region",
            );
        }
    }
    if let Some(account) = arn.account.literal() {
        if !is_account_id(account) {
            return problem(
                format!("`{account}` is not a 12-digit account ID"),
                format_help(cx),
            );
        }
        if let Some(stack) = cx.env.account
            && stack != account
        {
            return problem(
                format!(
                    "the key is in account `{account}`, but the alias is created in account `{stack}`; an alias and its key must be in the same account"
                ),
                "create the alias in a stack in the key's account",
            );
        }
    }
    None
}
