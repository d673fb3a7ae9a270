//! KMS107 invalid-tags: the tags of a Key or ReplicaKey that KMS rejects: more than 50, a key
//! outside 1–128 characters or a value over 256, a key given twice, a key with the reserved
//! `aws:` prefix (any case). Source: docs/facts/kms.md#tags (TagResource API limits, the
//! CloudFormation Tag schema, the KMS tagging guide); the limits are in `facts::resources`.
//!
//! Tag keys are case-sensitive, so `Env` and `env` are two keys. The schema's `uniqueItems`
//! catches only identical tags; two tags with one key and different values are caught here.
//! Values behind parameters and `Fn::If` are checked one by one; items that `Fn::If` may
//! remove do not count towards the 50, and tags in branches that exclude each other are
//! never duplicates.

use crate::diagnostic::Severity;
use crate::facts::resources::{KEY, REPLICA_KEY, limits};
use crate::model::Resource;
use crate::model::value::{Alt, Resolver, Val, consistent, merged_when};
use crate::source::{Node, Span};

use super::common::{report_value, resources};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS107.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS107",
    name: "invalid-tags",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidTags;

impl Rule for InvalidTags {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for type_name in [KEY, REPLICA_KEY] {
            for resource in resources(cx, type_name) {
                let Some(tags) = resource.property("Tags") else {
                    continue;
                };
                for alt in resolver.resolve(tags) {
                    if let Val::Node(list) = alt.val
                        && let Some(items) = list.as_seq()
                    {
                        check_list(&resolver, resource, items, &alt.when, out);
                    }
                }
            }
        }
    }
}

/// One key a tag can have.
struct TagKey<'t> {
    item: usize,
    alt: Alt<'t>,
    key: String,
    value: Option<String>,
}

fn check_list<'t>(
    resolver: &Resolver<'_, 't>,
    resource: &Resource<'_>,
    items: &'t [Node<'t>],
    when: &[(&'t str, bool)],
    out: &mut Reporter,
) {
    let mut certain: Vec<&Node<'_>> = Vec::new();
    let mut keys: Vec<TagKey<'t>> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let alts = resolver.resolve(item);
        if !alts.is_empty() && alts.iter().all(|a| a.val != Val::NoValue) {
            certain.push(item);
        }
        for tag_alt in &alts {
            let Val::Node(tag) = tag_alt.val else {
                continue;
            };
            let tag_when = merged_when(&[when, &tag_alt.when]);
            if !consistent(&[when, &tag_alt.when]) {
                continue;
            }
            let value_alts = tag
                .get("Value")
                .map(|v| resolver.resolve(v))
                .unwrap_or_default();
            for value_alt in &value_alts {
                check_value(resource, value_alt, &tag_when, out);
            }
            let Some(key_node) = tag.get("Key") else {
                continue;
            };
            for mut key_alt in resolver.resolve(key_node) {
                if !consistent(&[&tag_when, &key_alt.when]) {
                    continue;
                }
                key_alt.when = merged_when(&[&tag_when, &key_alt.when]);
                let Some(key) = key_alt.as_str().map(str::to_owned) else {
                    continue;
                };
                check_key(resource, &key_alt, &key, out);
                // The value, when the tag has exactly one known value.
                let value = match value_alts.as_slice() {
                    [only] => only.as_str().map(str::to_owned),
                    _ => None,
                };
                keys.push(TagKey {
                    item: index,
                    alt: key_alt,
                    key,
                    value,
                });
            }
        }
    }
    if certain.len() > limits::TAGS_MAX {
        let extra = certain[limits::TAGS_MAX];
        out.report(
            extra.span,
            format!(
                "{} `{}` has {} tags; KMS allows at most {} tags per key",
                if resource.type_name == Some(KEY) {
                    "key"
                } else {
                    "replica key"
                },
                resource.name,
                certain.len(),
                limits::TAGS_MAX
            ),
        )
        .with_resource(resource.name)
        .with_help(format!(
            "this is tag {}: remove tags, or combine related values into one tag",
            limits::TAGS_MAX + 1
        ));
    }
    duplicates(resource, &keys, out);
}

fn check_key(resource: &Resource<'_>, alt: &Alt<'_>, key: &str, out: &mut Reporter) {
    let length = key.chars().count();
    if length == 0 {
        report_value(
            out,
            resource,
            alt,
            "a tag key cannot be empty; keys are 1 to 128 characters",
        )
        .with_help("name the tag");
    } else if length > limits::TAG_KEY_MAX {
        report_value(
            out,
            resource,
            alt,
            format!(
                "this tag key is {length} characters long; the limit is {}",
                limits::TAG_KEY_MAX
            ),
        )
        .with_help("shorten the key, and keep long text in the tag's value (up to 256 characters)");
    }
    if key
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"))
    {
        report_value(
            out,
            resource,
            alt,
            format!(
                "tag keys starting with `{}` are reserved for AWS; KMS rejects this tag",
                &key[..4]
            ),
        )
        .with_help("use a prefix of your own, such as your organisation's name");
    }
}

fn check_value(resource: &Resource<'_>, alt: &Alt<'_>, when: &[(&str, bool)], out: &mut Reporter) {
    let Some(value) = alt.as_str() else {
        return;
    };
    let length = value.chars().count();
    if length > limits::TAG_VALUE_MAX && consistent(&[when, &alt.when]) {
        report_value(
            out,
            resource,
            alt,
            format!(
                "this tag value is {length} characters long; the limit is {}",
                limits::TAG_VALUE_MAX
            ),
        )
        .with_help(
            "shorten it, or keep the text in the key's Description (up to 8,192 characters)",
        );
    }
}

/// A key given twice, in two tags that can both be present.
fn duplicates(resource: &Resource<'_>, keys: &[TagKey<'_>], out: &mut Reporter) {
    let mut reported: Vec<Span> = Vec::new();
    for (j, later) in keys.iter().enumerate() {
        let Some(first) = keys[..j].iter().find(|k| {
            k.item != later.item
                && k.key == later.key
                && consistent(&[&k.alt.when, &later.alt.when])
        }) else {
            continue;
        };
        if reported.contains(&later.alt.span) {
            continue;
        }
        reported.push(later.alt.span);
        let key = &later.key;
        let message = match (&first.value, &later.value) {
            (Some(a), Some(b)) if a != b => format!(
                "tag key `{key}` is given twice, with values `{a}` and `{b}`; a KMS key holds one value per tag key"
            ),
            (Some(a), Some(_)) => format!("the tag `{key}: {a}` is given twice"),
            _ => format!("tag key `{key}` is given twice; a KMS key holds one value per tag key"),
        };
        let mut alt = later.alt.clone();
        alt.when = merged_when(&[&first.alt.when, &later.alt.when]);
        report_value(out, resource, &alt, message)
            .with_related(first.alt.span, format!("`{key}` is first given here"))
            .with_help("keep one of the two tags");
    }
}
