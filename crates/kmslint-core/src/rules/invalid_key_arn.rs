//! KMS304 invalid-key-arn: a ReplicaKey `PrimaryKeyArn` that is not a KMS key ARN: an alias
//! (name or ARN), a bare key ID, `Ref` of a key (which gives its ID), an unknown partition
//! or Region, a Region of another partition, a malformed account or key ID.
//!
//! Formats: docs/facts/kms.md#identifiers-and-arns (key ARN
//! `arn:<partition>:kms:<region>:<account>:key/<key-id>`, key IDs a lowercase UUID or `mrk-` and 32
//! hex digits) and docs/facts/kms.md#regions-and-partitions.

use crate::diagnostic::Severity;
use crate::facts::regions;
use crate::facts::resources::{ALIAS, KEY, REPLICA_KEY};
use crate::model::arn::{Arn, Field, is_account_id};
use crate::model::value::abbreviate;

use super::common::{PrimaryTarget, primary_targets, report_value, resources};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS304.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS304",
    name: "invalid-key-arn",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidKeyArn;

impl Rule for InvalidKeyArn {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        for replica in resources(cx, REPLICA_KEY) {
            for (alt, target) in primary_targets(cx, replica) {
                let (message, help) = match target {
                    PrimaryTarget::InTemplate {
                        resource,
                        attribute,
                    } => {
                        let name = resource.name;
                        match (resource.type_name, attribute) {
                            (Some(KEY | REPLICA_KEY), None | Some("KeyId")) => (
                                format!("this gives the key ID of `{name}`, not its ARN"),
                                Some(format!(
                                    "use {}",
                                    cx.snippet(
                                        format!("`!GetAtt {name}.Arn`"),
                                        format!("`{{\"Fn::GetAtt\": [\"{name}\", \"Arn\"]}}`")
                                    )
                                )),
                            ),
                            (Some(ALIAS), _) => (
                                format!(
                                    "`{name}` is an alias; PrimaryKeyArn must be the primary key's ARN"
                                ),
                                None,
                            ),
                            (Some(other), _)
                                if !other.starts_with("AWS::KMS::")
                                    && !other.starts_with("AWS::CloudFormation::")
                                    && !other.starts_with("Custom::") =>
                            {
                                (format!("`{name}` is a {other}, not a KMS key"), None)
                            }
                            _ => continue,
                        }
                    }
                    PrimaryTarget::NotArn(text) => not_arn(&text),
                    PrimaryTarget::Arn(arn) => match check_arn(&arn) {
                        Some(found) => found,
                        None => continue,
                    },
                    PrimaryTarget::Linked(_) | PrimaryTarget::Unknown => continue,
                };
                let diagnostic = report_value(out, replica, &alt, message);
                if let Some(help) = help {
                    diagnostic.with_help(help);
                }
            }
        }
    }
}

const ARN_FORMAT: &str = "a key ARN looks like `arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab`";

fn not_arn(text: &str) -> (String, Option<String>) {
    if is_key_id(text) {
        (
            format!(
                "`{}` is a key ID; PrimaryKeyArn must be the primary key's ARN",
                abbreviate(text)
            ),
            Some(ARN_FORMAT.to_owned()),
        )
    } else if text.starts_with("alias/") {
        (
            format!(
                "`{}` is an alias name; PrimaryKeyArn must be the primary key's ARN",
                abbreviate(text)
            ),
            Some(ARN_FORMAT.to_owned()),
        )
    } else {
        (
            format!("`{}` is not a KMS key ARN", abbreviate(text)),
            Some(ARN_FORMAT.to_owned()),
        )
    }
}

/// What is wrong with a key ARN's known parts, if anything.
fn check_arn(arn: &Arn<'_>) -> Option<(String, Option<String>)> {
    let found = |m: String| Some((m, Some(ARN_FORMAT.to_owned())));
    let partition = arn.partition.literal();
    if let Some(p) = partition
        && regions::partition(p).is_none()
    {
        return found(format!("`{p}` is not an AWS partition"));
    }
    if let Some(service) = arn.service.literal()
        && service != "kms"
    {
        return found(format!("this is a `{service}` ARN, not a KMS key ARN"));
    }
    if let Some(region) = arn.region.literal() {
        match regions::partition_of_region(region) {
            None if regions::looks_like_region(region) => {
                return found(format!("`{region}` is not a Region where KMS is available"));
            }
            None => return found(format!("`{region}` is not a Region")),
            Some(of_region) => {
                if let Some(p) = partition
                    && p != of_region.name
                {
                    return found(format!(
                        "Region `{region}` is in partition `{}`, but the ARN says `{p}`",
                        of_region.name
                    ));
                }
            }
        }
    }
    if let Some(account) = arn.account.literal()
        && !is_account_id(account)
    {
        return found(format!("`{account}` is not a 12-digit account ID"));
    }
    if let Field::Lit(resource) = &arn.resource {
        if resource.starts_with("alias/") {
            return found(
                "this is an alias ARN; PrimaryKeyArn must be the primary key's ARN".to_owned(),
            );
        }
        match resource.strip_prefix("key/") {
            None => return found(format!("`{resource}` is not `key/` and a key ID")),
            Some(id) if !is_key_id(id) => {
                return found(format!(
                    "`{id}` is not a key ID (a lowercase UUID, or `mrk-` and 32 hex digits)"
                ));
            }
            Some(_) => {}
        }
    } else if !arn.resource_prefix.is_empty()
        && !"key/".starts_with(arn.resource_prefix.as_str())
        && !arn.resource_prefix.starts_with("key/")
    {
        if arn.resource_prefix.starts_with("alias/") {
            return found(
                "this is an alias ARN; PrimaryKeyArn must be the primary key's ARN".to_owned(),
            );
        }
        return found(format!(
            "`{}…` is not `key/` and a key ID",
            arn.resource_prefix
        ));
    }
    None
}

/// `1234abcd-12ab-34cd-56ef-1234567890ab` or `mrk-` and 32 hex digits, lowercase.
pub(crate) fn is_key_id(s: &str) -> bool {
    key_id_of(s, |b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// [`is_key_id`] with hex digits of either case (the `mrk-` prefix stays lowercase).
pub(crate) fn is_key_id_any_case(s: &str) -> bool {
    key_id_of(s, |b| b.is_ascii_hexdigit())
}

fn key_id_of(s: &str, digit: fn(u8) -> bool) -> bool {
    let hex = |s: &str| s.bytes().all(digit);
    if let Some(rest) = s.strip_prefix("mrk-") {
        return rest.len() == 32 && hex(rest);
    }
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && hex(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids() {
        assert!(is_key_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(is_key_id("mrk-1234abcd12ab34cd56ef1234567890ab"));
        assert!(!is_key_id("mrk-1234abcd12ab34cd56ef12345678990ab"));
        assert!(!is_key_id("1234ABCD-12ab-34cd-56ef-1234567890ab"));
        assert!(!is_key_id("secret-arn"));
    }
}
