//! KMS004 invalid-property: on AWS::KMS::Key, ReplicaKey and Alias, an unknown property, a
//! value of the wrong type, a missing required property or a value outside its enumeration.

use crate::diagnostic::Severity;
use crate::facts::resources::{
    self, ALIAS, KEY, KEY_PROPERTIES, Kind, NOT_ON_REPLICA, Property, READ_ONLY, REPLICA_KEY,
    SHARED_FROM_PRIMARY,
};
use crate::model::Resource;
use crate::model::value::{Alt, Boolish, Resolver, Val};
use crate::source::{Node, Value};

use super::common::{Syntax, did_you_mean, report_value};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS004.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS004",
    name: "invalid-property",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidProperty;

impl Rule for InvalidProperty {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let Some(template) = cx.template else {
            return;
        };
        let resolver = cx.resolver();
        for resource in &template.resources {
            let Some(type_name) = resource.type_name else {
                continue;
            };
            let Some(schema) = resources::properties(type_name) else {
                unknown_kms_type(resource, type_name, out);
                continue;
            };
            check_resource(cx.syntax(), resource, type_name, schema, &resolver, out);
        }
    }
}

fn unknown_kms_type(resource: &Resource<'_>, type_name: &str, out: &mut Reporter) {
    if !type_name.starts_with("AWS::KMS::") {
        return;
    }
    let Some(type_node) = resource.node.get("Type") else {
        return;
    };
    let diagnostic = out.report(
        type_node.span,
        format!("`{type_name}` is not a KMS resource type"),
    );
    diagnostic.with_resource(resource.name);
    if let Some(c) = did_you_mean(type_name, [KEY, REPLICA_KEY, ALIAS]) {
        diagnostic.with_help(format!("did you mean `{c}`?"));
    }
}

fn check_resource(
    syntax: Syntax,
    resource: &Resource<'_>,
    type_name: &str,
    schema: &[Property],
    resolver: &Resolver<'_, '_>,
    out: &mut Reporter,
) {
    let missing_at = resource
        .node
        .entry("Properties")
        .map_or(resource.name_span, |e| e.key_span);
    let entries = match resource.properties {
        None => &[][..],
        // `Properties: !If [...]` and the like: nothing certain to say.
        Some(p) if p.intrinsic().is_some() => return,
        Some(p) => match p.as_map() {
            Some(entries) => entries,
            None => {
                if !p.is_null() {
                    out.report(
                        p.span,
                        format!("Properties must be a mapping, not {}", p.kind_name()),
                    )
                    .with_resource(resource.name);
                    return;
                }
                &[][..]
            }
        },
    };
    for entry in entries {
        let Some(property) = schema.iter().find(|p| p.name == entry.key) else {
            unknown_property(
                syntax,
                resource,
                type_name,
                schema,
                &entry.key,
                entry.key_span,
                out,
            );
            continue;
        };
        for alt in resolver.resolve(&entry.value) {
            check_value(syntax, resource, property, &alt, resolver, out);
        }
    }
    let missing: Vec<&str> = schema
        .iter()
        .filter(|p| p.required && !entries.iter().any(|e| e.key == p.name))
        .map(|p| p.name)
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(" and ");
        let diagnostic = out.report(
            missing_at,
            format!("{type_name} `{}` is missing required {list}", resource.name),
        );
        diagnostic.with_resource(resource.name);
        // A misspelled property is reported where it is; say here that it is the missing one.
        let misspelled: Vec<String> = entries
            .iter()
            .filter(|e| !schema.iter().any(|p| p.name == e.key))
            .filter_map(|e| {
                let meant = meant_property(type_name, &e.key, schema)?;
                missing
                    .contains(&meant)
                    .then(|| format!("`{}` looks like a misspelling of `{meant}`", e.key))
            })
            .collect();
        if !misspelled.is_empty() {
            diagnostic.with_help(misspelled.join("; "));
        }
    }
}

fn unknown_property(
    syntax: Syntax,
    resource: &Resource<'_>,
    type_name: &str,
    schema: &[Property],
    key: &str,
    span: crate::source::Span,
    out: &mut Reporter,
) {
    let is_attribute = resources::attributes(type_name).is_some_and(|a| a.contains(&key));
    let (message, help) = if type_name == REPLICA_KEY && key == "MultiRegion" {
        (
            "a ReplicaKey cannot set `MultiRegion`: a replica is a multi-Region key like its primary".to_owned(),
            Some(format!(
                "remove it; set {} on the primary AWS::KMS::Key",
                syntax.snippet("`MultiRegion: true`", "`\"MultiRegion\": true`")
            )),
        )
    } else if type_name == REPLICA_KEY && SHARED_FROM_PRIMARY.contains(&key) {
        (
            format!("a ReplicaKey cannot set `{key}`: it is shared from the primary key"),
            Some(
                "set it on the primary AWS::KMS::Key; every replica takes it from there".to_owned(),
            ),
        )
    } else if type_name == REPLICA_KEY && NOT_ON_REPLICA.contains(&key) {
        (
            format!("a ReplicaKey cannot set `{key}`: CloudFormation does not offer it for replica keys"),
            Some("remove it; KMS checks the replica's KeyPolicy for a lockout as it creates the replica".to_owned()),
        )
    } else if READ_ONLY.contains(&key) && is_attribute {
        (
            format!("`{key}` is a read-only attribute of {type_name}, not a property"),
            Some(format!(
                "read it with {}",
                syntax.snippet(
                    format!("`!GetAtt {}.{key}`", resource.name),
                    format!("`{{\"Fn::GetAtt\": [\"{}\", \"{key}\"]}}`", resource.name)
                )
            )),
        )
    } else if let Some(meant) = meant_property(type_name, key, schema) {
        (
            format!("{type_name} has no property `{key}`"),
            Some(format!("did you mean `{meant}`?")),
        )
    } else if type_name == ALIAS {
        (
            format!("{type_name} has no property `{key}`"),
            Some(alias_help(key)),
        )
    } else {
        (format!("{type_name} has no property `{key}`"), None)
    };
    let diagnostic = out.report(span, message);
    diagnostic.with_resource(resource.name);
    if let Some(help) = help {
        diagnostic.with_help(help);
    }
}

/// The property an unknown key most likely means: a near miss, or for an alias the usual
/// wrong names of its two properties.
fn meant_property(type_name: &str, key: &str, schema: &[Property]) -> Option<&'static str> {
    let known = match (type_name, key) {
        (ALIAS, "Name" | "Alias") => Some("AliasName"),
        (ALIAS, "KeyId" | "KeyArn" | "Key" | "TargetKey" | "TargetKeyArn") => Some("TargetKeyId"),
        _ => None,
    };
    known.or_else(|| did_you_mean(key, schema.iter().map(|p| p.name)))
}

/// Where an alias's unknown property belongs, when it is not a misspelling.
fn alias_help(key: &str) -> String {
    if key == "Tags" {
        return "aliases cannot be tagged; tag the AWS::KMS::Key instead".to_owned();
    }
    if KEY_PROPERTIES.iter().any(|p| p.name == key) {
        return format!(
            "`{key}` is a property of the AWS::KMS::Key the alias points to; set it there"
        );
    }
    "an AWS::KMS::Alias has only `AliasName` and `TargetKeyId`".to_owned()
}

fn check_value(
    syntax: Syntax,
    resource: &Resource<'_>,
    property: &Property,
    alt: &Alt<'_>,
    resolver: &Resolver<'_, '_>,
    out: &mut Reporter,
) {
    let name = property.name;
    let null = alt.node.is_some_and(Node::is_null);
    if null {
        report_value(out, resource, alt, format!("`{name}` has no value"))
            .with_help("give it a value, or remove the property");
        return;
    }
    match (&alt.val, property.kind) {
        (Val::NoValue | Val::Unknown, _) => {}
        (Val::Node(node), Kind::Tags) => check_tags(syntax, resource, node, resolver, out),
        (Val::Node(node), Kind::Policy) if node.as_map().is_some() => {}
        (Val::Node(node), kind) => {
            report_value(
                out,
                resource,
                alt,
                format!(
                    "`{name}` must be {}, not {}",
                    expected(kind),
                    node.kind_name()
                ),
            );
        }
        (Val::Text(_), Kind::Tags) => {
            if alt.node.is_some() {
                report_value(
                    out,
                    resource,
                    alt,
                    format!("`{name}` must be a list of tags, not a string"),
                );
            }
        }
        (Val::Text(text), kind) => {
            let Some(value) = text.literal() else {
                return;
            };
            let shown = crate::model::value::abbreviate(value);
            let style = alt.style();
            let json_scalar = matches!(
                style,
                Some(crate::source::Style::JsonNumber | crate::source::Style::JsonBool)
            );
            match kind {
                Kind::Boolean => {
                    if alt.as_bool() == Boolish::NotBool {
                        report_value(
                            out,
                            resource,
                            alt,
                            format!("`{name}` must be a boolean, not `{shown}`"),
                        )
                        .with_help("use `true` or `false`");
                    }
                }
                Kind::Integer => {
                    if crate::model::value::parse_whole(value).is_none() {
                        report_value(
                            out,
                            resource,
                            alt,
                            format!("`{name}` must be a whole number, not `{shown}`"),
                        );
                    }
                }
                Kind::Policy if json_scalar => {
                    report_value(
                        out,
                        resource,
                        alt,
                        format!(
                            "`{name}` must be a policy document or a JSON string, not `{shown}`"
                        ),
                    );
                }
                Kind::String | Kind::Policy => {}
                Kind::Tags => {}
            }
            if let Some(values) = property.values {
                let allowed = values();
                if !allowed.contains(&value) {
                    let diagnostic = report_value(
                        out,
                        resource,
                        alt,
                        format!("`{shown}` is not a valid `{name}`"),
                    );
                    match did_you_mean(value, allowed.iter().copied()) {
                        Some(c) => diagnostic.with_help(format!("did you mean `{c}`?")),
                        None => diagnostic.with_help(format!("use one of {}", allowed.join(", "))),
                    };
                }
            }
        }
    }
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "a string",
        Kind::Boolean => "a boolean",
        Kind::Integer => "a whole number",
        Kind::Policy => "a policy document or a JSON string",
        Kind::Tags => "a list of tags",
    }
}

/// Each tag is `{Key: string, Value: string}` and nothing else.
fn check_tags(
    syntax: Syntax,
    resource: &Resource<'_>,
    list: &Node<'_>,
    resolver: &Resolver<'_, '_>,
    out: &mut Reporter,
) {
    let Some(items) = list.as_seq() else {
        return;
    };
    for item in items {
        for alt in resolver.resolve(item) {
            let tag = match &alt.val {
                Val::Node(node) if node.as_map().is_some() => *node,
                Val::NoValue | Val::Unknown => continue,
                Val::Text(_) if alt.node.is_none() => continue,
                _ => {
                    report_value(
                        out,
                        resource,
                        &alt,
                        "a tag must be a mapping with `Key` and `Value`",
                    );
                    continue;
                }
            };
            let entries = tag.as_map().unwrap_or_default();
            for entry in entries {
                if entry.key != "Key" && entry.key != "Value" {
                    out.report(
                        entry.key_span,
                        format!("a tag has only `Key` and `Value`, not `{}`", entry.key),
                    )
                    .with_resource(resource.name);
                    continue;
                }
                if let Value::Seq(_) | Value::Map(_) = &entry.value.value
                    && entry.value.intrinsic().is_none()
                {
                    out.report(
                        entry.value.span,
                        format!(
                            "a tag's `{}` must be a string, not {}",
                            entry.key,
                            entry.value.kind_name()
                        ),
                    )
                    .with_resource(resource.name);
                }
            }
            let missing: Vec<&str> = ["Key", "Value"]
                .into_iter()
                .filter(|k| tag.get(k).is_none())
                .collect();
            if !missing.is_empty() {
                out.report(
                    tag.span,
                    format!("this tag has no `{}`", missing.join("` or `")),
                )
                .with_resource(resource.name)
                .with_help(format!(
                    "every tag needs both `Key` and `Value` (use {} for an empty value)",
                    syntax.snippet("`Value: ''`", "`\"Value\": \"\"`")
                ));
            }
        }
    }
}
