//! KMS612 consumer-key-not-a-key: a consumer's key property (the encrypting and signing
//! properties of `facts::key_consumers`) written as a literal that cannot name a key: not a key
//! ID, a key ARN, an alias name or an alias ARN. The usual causes: `!Sub Name` with no `${…}`
//! (its value is the text `Name`), a string `Ref Name` or `!GetAtt Name.Arn` written in quotes,
//! a logical ID written as a plain string.
//!
//! The forms a key property accepts are those of the KMS API's `KeyId` parameter: "key ID, key
//! ARN, alias name, or alias ARN"
//! (<https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html#API_DescribeKey_RequestSyntax>);
//! key IDs are UUIDs or, for multi-Region keys, `mrk-` and 32 hex digits
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-id>).
//!
//! Only values written in the resource: a literal scalar, or an `Fn::Sub` of a string with no
//! variables, through `Fn::If` branches. A parameter's value is the deployer's (its Default may
//! be a placeholder); a value from a mapping or another function is not judged. Text that a
//! tool other than CloudFormation fills in (`${…}`, `#{…}`, `{{…}}`, as dynamic references
//! and the Serverless Framework write) is left alone, as are ARNs (another rule's concern) and
//! empty values.

use crate::diagnostic::Severity;
use crate::facts::consumer_properties::{KeyFormat, for_type};
use crate::facts::resources::{ALIAS, KEY, REPLICA_KEY};
use crate::fix::{Applicability, Edit, Fix};
use crate::model::consumers::{KeyTarget, KeyUse};
use crate::model::value::{abbreviate, describe_when};
use crate::source::tree::{Visit, Walk};
use crate::source::{Format, Node, Span};

use super::key_use::{describe, uses};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS612.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS612",
    name: "consumer-key-not-a-key",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct ConsumerKeyNotAKey;

impl Rule for ConsumerKeyNotAKey {
    fn reads_consumers(&self) -> bool {
        true
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(template) = cx.template else {
            return;
        };
        for (_, key_use) in uses(cx) {
            if key_use.target != KeyTarget::Unknown {
                continue;
            }
            let Some(properties) = template
                .resource(key_use.consumer)
                .and_then(|r| r.properties)
            else {
                continue;
            };
            // The value as written in the resource; one from a parameter's Default is not
            // found there.
            let Some(node) = find(properties, key_use.span) else {
                continue;
            };
            let Some((text, written)) = literal(node) else {
                continue;
            };
            if could_name_a_key(text) {
                continue;
            }
            report(cx, out, &key_use, node, text, written);
        }
    }
}

/// How a literal is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    /// A scalar.
    Scalar,
    /// `Fn::Sub` of a string with no `${…}`.
    Sub,
}

/// The node of `root`'s subtree at `span`, the outermost first (the depth is bounded as the
/// loaders bound it).
fn find<'n, 't>(root: &'n Node<'t>, span: Span) -> Option<&'n Node<'t>> {
    let mut found = None;
    root.walk(&mut |visit, depth| match visit {
        Visit::Node(node) if node.span == span => {
            found = Some(node);
            Walk::Stop
        }
        Visit::Node(node)
            if depth > crate::model::value::MAX_DEPTH
                || node.span.start > span.start
                || node.span.end < span.end =>
        {
            Walk::Over
        }
        _ => Walk::Into,
    });
    found
}

/// The literal text a written value gives, and how it is written.
fn literal<'n>(node: &'n Node<'_>) -> Option<(&'n str, Written)> {
    if node.is_null() {
        return None;
    }
    if let Some(text) = node.as_str() {
        return Some((text, Written::Scalar));
    }
    match node.intrinsic() {
        Some(("Fn::Sub", _, arg)) => {
            let text = arg.as_str()?;
            (!text.contains("${")).then_some((text, Written::Sub))
        }
        _ => None,
    }
}

/// Whether `text` has one of the forms a key is named by, or is something kmslint does not
/// judge (an ARN, a value another tool fills in, nothing).
fn could_name_a_key(text: &str) -> bool {
    let text = text.trim();
    text.is_empty()
        || text.starts_with("arn:")
        || text.starts_with("alias/")
        || super::invalid_key_arn::is_key_id_any_case(text)
        || ["${", "#{", "{{", "&{"].iter().any(|t| text.contains(t))
}

/// The logical ID the text most likely meant: `Name`, `Ref Name`, `!Ref Name`,
/// `!GetAtt Name.Arn`, `Fn::GetAtt Name.Arn`.
fn meant(text: &str) -> &str {
    let text = text.trim();
    let text = text.strip_prefix('!').unwrap_or(text);
    let text = ["Ref ", "Ref:", "Fn::GetAtt ", "Fn::GetAtt:", "GetAtt "]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text)
        .trim();
    text.strip_suffix(".Arn")
        .or_else(|| text.strip_suffix(".KeyId"))
        .unwrap_or(text)
}

fn report(
    cx: &Context<'_, '_>,
    out: &mut Reporter,
    key_use: &KeyUse<'_>,
    node: &Node<'_>,
    text: &str,
    written: Written,
) {
    let quoted = abbreviate(text);
    let what = match written {
        Written::Sub => format!(
            "is {}, which has no `${{…}}`: its value is the text `{quoted}`",
            cx.snippet(
                format!("`!Sub {quoted}`"),
                format!("`{{\"Fn::Sub\": \"{quoted}\"}}`")
            )
        ),
        Written::Scalar => format!("is the text `{quoted}`"),
    };
    let mut message = format!(
        "{} {what}, not a key ID, key ARN, alias name or alias ARN; CloudFormation or the \
         service rejects it, or the resource uses no key of this template",
        describe(key_use)
    );
    if let Some(note) = describe_when(&key_use.when) {
        message.push_str(&format!(" ({note})"));
    }
    let name = meant(text);
    let resource_type = cx.resource_type(name);
    let formats = for_type(key_use.consumer_type)
        .iter()
        .find(|p| p.path == key_use.property)
        .map(|p| p.formats);
    // What to write instead: a key's ARN, which every key property takes (the KMS API's
    // `KeyId` takes it, and so does every property of the consumer table); an alias's name
    // where the property takes an alias name.
    let by_alias_name = formats.is_some_and(|f| f.contains(KeyFormat::AliasName));
    let instead = match resource_type {
        Some(KEY | REPLICA_KEY) => Some(Instead::Arn),
        Some(ALIAS) if by_alias_name => Some(Instead::Ref),
        _ => None,
    };
    let diagnostic = out.report(key_use.span, message);
    diagnostic.with_resource(key_use.consumer);
    match instead {
        Some(instead) => {
            let yaml = instead.yaml(name);
            let json = instead.json(name);
            let suggested = cx.snippet(yaml.clone(), json.clone());
            let help = format!(
                "`{name}` is a {} of this template: did you mean `{suggested}`?",
                kind(resource_type)
            );
            let replacement = if cx.format == Format::Json {
                json
            } else {
                yaml
            };
            let applicability = match instead {
                Instead::Arn => Applicability::Safe,
                // The resource schema says the property takes an alias name, but a schema can
                // be broader than its service: CloudWatch Logs takes only a key ARN
                // (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html).
                Instead::Ref => Applicability::Unsafe,
            };
            diagnostic.with_help(help).with_fix(Fix::new(
                format!("Use `{}`", suggested),
                applicability,
                [replace(node, &replacement)],
            ));
        }
        None if resource_type == Some(ALIAS) => {
            diagnostic.with_help(format!(
                "`{name}` is an alias of this template, and {} takes a key ARN: use the ARN of the key it targets",
                key_use.property
            ));
        }
        // `aws/sns`: an AWS managed key's alias without its `alias/` prefix.
        None if managed_alias(text) && written == Written::Scalar => {
            let fixed = format!("alias/{}", text.trim());
            diagnostic
                .with_help(format!(
                    "an alias name starts with `alias/`: did you mean `{}`?",
                    abbreviate(&fixed)
                ))
                .with_fix(Fix::new(
                    format!("Use `{}`", abbreviate(&fixed)),
                    Applicability::Safe,
                    [cx.editor.replace_scalar(node, &fixed)],
                ));
        }
        None => {
            diagnostic.with_help(
                "name the key by a reference to a key of the template (`!Ref`, `!GetAtt …Arn`), a parameter, or its key ID, key ARN, `alias/…` name or alias ARN",
            );
        }
    }
}

/// `aws/<service>`, the name of an AWS managed key's alias without `alias/`.
fn managed_alias(text: &str) -> bool {
    text.trim().strip_prefix("aws/").is_some_and(|service| {
        !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

fn kind(resource_type: Option<&str>) -> &'static str {
    match resource_type {
        Some(ALIAS) => "KMS alias",
        _ => "KMS key",
    }
}

#[derive(Clone, Copy)]
enum Instead {
    Ref,
    Arn,
}

impl Instead {
    fn yaml(self, name: &str) -> String {
        match self {
            Instead::Ref => format!("!Ref {name}"),
            Instead::Arn => format!("!GetAtt {name}.Arn"),
        }
    }

    fn json(self, name: &str) -> String {
        match self {
            Instead::Ref => format!("{{\"Ref\": \"{name}\"}}"),
            Instead::Arn => format!("{{\"Fn::GetAtt\": [\"{name}\", \"Arn\"]}}"),
        }
    }
}

/// Replaces the whole written value (the scalar, or the `Fn::Sub`) with `text`: a short-form
/// tag in YAML, which fits wherever the value was (block or flow), or a JSON object, which is
/// also YAML flow.
fn replace(node: &Node<'_>, text: &str) -> Option<Edit> {
    Some(Edit::new(node.span, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_aliases_and_arns_can_name_a_key() {
        for ok in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/orders",
            "alias/aws/s3",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "{{resolve:ssm:/keys/orders}}",
            "${self:custom.key}",
            "",
        ] {
            assert!(could_name_a_key(ok), "{ok}");
        }
        for bad in [
            "TxMAKMSEncryptionKey",
            "Ref SQSKmsKey",
            "aws:kms",
            "mrk-12",
            "1234abcd",
        ] {
            assert!(!could_name_a_key(bad), "{bad}");
        }
    }

    #[test]
    fn the_meant_logical_id() {
        assert_eq!(meant("Ref SQSKmsKey"), "SQSKmsKey");
        assert_eq!(meant("!Ref SQSKmsKey"), "SQSKmsKey");
        assert_eq!(meant("!GetAtt Key.Arn"), "Key");
        assert_eq!(meant("Key"), "Key");
    }
}
