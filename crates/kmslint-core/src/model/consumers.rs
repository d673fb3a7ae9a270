//! Keys as the stack uses them: which resource names which key, through which property.
//!
//! A property names a key of this template through `Ref` or `Fn::GetAtt …Arn|KeyId` of a Key or
//! ReplicaKey, an `Fn::Sub`/`Fn::Join` that builds its ARN around one, or an `AWS::KMS::Alias`
//! of the template (by `Ref`, or by its literal `alias/…` name or alias ARN in the stack's own
//! account). `alias/aws/…` names an AWS managed key. Anything else (a parameter, an import, a
//! literal key ARN of another stack, a value hidden by a function) is a key not known here,
//! about which the consumer rules say nothing. `Fn::If` gives one target per branch, with the
//! conditions that lead to it.

use crate::facts::consumers::PUBLISHERS;
use std::collections::HashMap;

use crate::facts::key_consumers::KeyConsumer;

use crate::facts::resources::{ALIAS, KEY, REPLICA_KEY};
use crate::source::{Node, Span, Value};

use super::arn::{self, ArnShape, Field};
use super::iam::{Grants, grants};
use super::template::{Resource, Template};
use super::value::{Hole, Resolver, Text};

/// What a key property's value names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyTarget<'t> {
    /// A Key or ReplicaKey of this template (by logical ID), perhaps through an alias of it.
    Key {
        name: &'t str,
        alias: Option<&'t str>,
    },
    /// A key of another stack of the deployment, reached through a link (by index in
    /// `model::links::Links::keys`).
    Linked(usize),
    /// An AWS managed key, by its alias name: `alias/aws/sns`.
    AwsManaged(String),
    /// A literal key or alias ARN: its Region, when written.
    Arn {
        region: Option<String>,
    },
    Unknown,
}

/// One value a consumer's key property can take.
#[derive(Clone, Debug)]
pub(crate) struct KeyUse<'t> {
    pub consumer: &'t str,
    pub consumer_type: &'t str,
    /// The property's path, as the tables write it (`KmsKeyId`, `Rule.Actions[].S3Action.KmsKeyArn`).
    pub property: &'static str,
    /// Where this alternative is written (a branch of an `Fn::If`, a parameter's default).
    pub span: Span,
    pub target: KeyTarget<'t>,
    /// The condition branches that lead to this value; the consumer's own `Condition` is
    /// `consumer_condition`.
    pub when: Vec<(&'t str, bool)>,
    pub consumer_condition: Option<&'t str>,
}

/// The uses of one key property on every resource of its type, grouped by the key of the
/// template they name, so that a rule run per key policy reads only that key's.
pub(crate) struct KeyUses<'t> {
    pub all: Vec<KeyUse<'t>>,
    by_key: HashMap<&'t str, Vec<usize>>,
}

impl<'t> KeyUses<'t> {
    pub(crate) fn new(all: Vec<KeyUse<'t>>) -> KeyUses<'t> {
        let mut by_key: HashMap<&'t str, Vec<usize>> = HashMap::new();
        for (i, u) in all.iter().enumerate() {
            if let KeyTarget::Key { name, .. } = u.target {
                by_key.entry(name).or_default().push(i);
            }
        }
        KeyUses { all, by_key }
    }

    /// The uses that name the template's key `key`, in file order.
    pub(crate) fn of_key<'s>(&'s self, key: &str) -> impl Iterator<Item = &'s KeyUse<'t>> + 's {
        self.by_key
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
    }
}

/// The key uses and publications of one template, for the properties a caller names.
pub(crate) struct ConsumerIndex<'t> {
    /// By resource type, then path.
    uses: HashMap<&'static str, Vec<(&'static str, KeyUses<'t>)>>,
    pub publications: Vec<Publication<'t>>,
    /// IAM policies of the template that allow `kms:` actions on its keys and on keys of
    /// other stacks, by key.
    pub iam_grants: Grants<'t>,
    empty: KeyUses<'t>,
    /// The uses of the consumer table's properties that can be taken, in file order: what
    /// three rules read (`rules::key_use::uses`), worked out once per file by the caller.
    pub possible_uses: Vec<(&'static KeyConsumer, KeyUse<'t>)>,
}

impl<'t> ConsumerIndex<'t> {
    /// Works out the uses of every `(resource type, path)` given whose type the template has.
    pub(crate) fn new(
        template: Option<&Template<'t>>,
        resolver: &Resolver<'_, 't>,
        paths: impl Iterator<Item = (&'static str, &'static str)>,
    ) -> ConsumerIndex<'t> {
        let mut uses: HashMap<&'static str, Vec<(&'static str, KeyUses<'t>)>> = HashMap::new();
        let mut publications_found = Vec::new();
        let mut iam_grants = Grants::default();
        if let Some(template) = template {
            iam_grants = grants(template, resolver);
            // Hundreds of paths for a few types in the template: the lengths of the template's
            // type names rule most of them out before a lookup.
            let lengths = template
                .resources
                .iter()
                .filter_map(|r| r.type_name)
                .fold(0u64, |mask, t| mask | length_bit(t));
            for (resource_type, path) in paths {
                if lengths & length_bit(resource_type) == 0
                    || template.resources_of_type(resource_type).next().is_none()
                {
                    continue;
                }
                let of_type = uses.entry(resource_type).or_default();
                if of_type.iter().any(|(p, _)| *p == path) {
                    continue;
                }
                let found = key_uses(template, resolver, resource_type, path);
                of_type.push((path, KeyUses::new(found)));
            }
            if !uses.is_empty() {
                publications_found = publications(template, resolver);
            }
        }
        ConsumerIndex {
            uses,
            publications: publications_found,
            iam_grants,
            empty: KeyUses::new(Vec::new()),
            possible_uses: Vec::new(),
        }
    }

    /// Whether no resource of the template has a property asked for.
    pub(crate) fn is_empty(&self) -> bool {
        self.uses.is_empty()
    }

    /// The resource types of the template that have a property asked for (in no order).
    pub(crate) fn types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.uses.keys().copied()
    }

    /// The uses of `path` on the resources of `resource_type` (none when it was not asked for).
    pub(crate) fn uses<'s>(&'s self, resource_type: &str, path: &str) -> &'s KeyUses<'t> {
        self.uses
            .get(resource_type)
            .and_then(|of_type| of_type.iter().find(|(p, _)| *p == path))
            .map_or(&self.empty, |(_, uses)| uses)
    }
}

/// A bit for the length of a type name (the last bit for every length from 63 up).
fn length_bit(type_name: &str) -> u64 {
    1 << type_name.len().min(63)
}

/// The values at `path` under `properties`: dotted names, `[]` for every item of a list.
/// Literal mappings and lists only: a level written with a function is not followed.
pub(crate) fn values_at<'t>(properties: &'t Node<'t>, path: &str) -> Vec<&'t Node<'t>> {
    walk(properties, path, false).unwrap_or_default()
}

/// [`values_at`], or `None` when a level on the way is written with a function (`Fn::If`
/// around a whole `EncryptionConfiguration`): for a comparison, where a level not followed
/// must not read as a value not set.
pub(crate) fn values_at_written<'t>(
    properties: &'t Node<'t>,
    path: &str,
) -> Option<Vec<&'t Node<'t>>> {
    walk(properties, path, true)
}

fn walk<'t>(properties: &'t Node<'t>, path: &str, strict: bool) -> Option<Vec<&'t Node<'t>>> {
    let mut nodes = vec![properties];
    for segment in path.split('.') {
        let (name, each) = match segment.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (segment, false),
        };
        let mut next = Vec::new();
        for node in nodes {
            if strict && is_function(node) {
                return None;
            }
            let Some(value) = node.get(name) else {
                continue;
            };
            match (&value.value, each) {
                (Value::Seq(items), true) => next.extend(items.iter()),
                (_, true) if strict && is_function(value) => return None,
                (_, true) => {}
                (_, false) => next.push(value),
            }
        }
        nodes = next;
    }
    Some(nodes)
}

/// A mapping that is an intrinsic function (`Fn::If`, `Ref`, …).
fn is_function(node: &Node<'_>) -> bool {
    matches!(node.as_map(), Some([entry]) if entry.key == "Ref" || entry.key.starts_with("Fn::"))
}

/// Every value of `path` on every resource of `resource_type`, resolved to the key it names.
pub(crate) fn key_uses<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    resource_type: &str,
    path: &'static str,
) -> Vec<KeyUse<'t>> {
    let mut out = Vec::new();
    for resource in template.resources_of_type(resource_type) {
        let Some(properties) = resource.properties else {
            continue;
        };
        for node in values_at(properties, path) {
            for alt in resolver.resolve(node) {
                let target = match alt.text_value() {
                    Some(text) => target_of(template, resolver, text, 0),
                    None => KeyTarget::Unknown,
                };
                out.push(KeyUse {
                    consumer: resource.name,
                    consumer_type: resource.type_name.unwrap_or_default(),
                    property: path,
                    span: alt.span,
                    target,
                    when: alt.when.clone(),
                    consumer_condition: resource.condition,
                });
            }
        }
    }
    out
}

/// An AWS service of the template sending to a topic or queue of the template: an alarm
/// action, an EventBridge rule target, an S3 notification, an SNS subscription of a queue.
pub(crate) struct Publication<'t> {
    pub publisher: &'t str,
    pub publisher_type: &'t str,
    pub publisher_condition: Option<&'t str>,
    /// `cloudwatch`, `events`, `s3`, `sns`.
    pub service: &'static str,
    /// Where the publisher names the target.
    pub span: Span,
    /// The condition branches that lead to the target being named.
    pub when: Vec<(&'t str, bool)>,
    /// The topic or queue, by logical ID.
    pub target: &'t str,
}

impl Publication<'_> {
    /// The publisher for a message: "alarm `A`".
    pub(crate) fn sender(&self) -> String {
        format!(
            "{} `{}`",
            crate::facts::consumers::publisher_noun(self.publisher_type),
            self.publisher
        )
    }

    /// The label at the publisher, for a finding about its target: "alarm `A` sends to `T`
    /// here".
    pub(crate) fn label(&self) -> String {
        format!("{} sends to `{}` here", self.sender(), self.target)
    }
}

/// Every [`PUBLISHERS`] value that names a topic or queue of the template: `Ref` or
/// `Fn::GetAtt …TopicArn` of a topic, `Fn::GetAtt …Arn` of a queue (a queue's `Ref` is its
/// URL, which no publisher accepts). ARNs built by hand or passed in are not followed.
pub(crate) fn publications<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
) -> Vec<Publication<'t>> {
    let mut out = Vec::new();
    for publisher in PUBLISHERS {
        let (parent, field) = match publisher.property.rsplit_once('.') {
            Some((parent, field)) => (Some(parent), field),
            None => (None, publisher.property),
        };
        for resource in template.resources_of_type(publisher.resource_type) {
            let Some(properties) = resource.properties else {
                continue;
            };
            let items = match parent {
                Some(parent) => values_at(properties, parent),
                None => vec![properties],
            };
            for item in items {
                if let Some(protocol) = publisher.protocol {
                    let Some(node) = item.get("Protocol") else {
                        continue;
                    };
                    let alts = resolver.resolve(node);
                    if alts.is_empty() || !alts.iter().all(|a| a.as_str() == Some(protocol)) {
                        continue;
                    }
                }
                for node in values_at(item, field) {
                    for alt in resolver.resolve(node) {
                        let Some(hole) = alt.text_value().and_then(Text::only_hole) else {
                            continue;
                        };
                        let (Hole::Ref(name) | Hole::GetAtt(name, _)) = hole else {
                            continue;
                        };
                        let Some(target) = template.resource(name) else {
                            continue;
                        };
                        let names_arn = matches!(
                            (target.type_name, hole),
                            (
                                Some("AWS::SNS::Topic"),
                                Hole::Ref(_) | Hole::GetAtt(_, "TopicArn")
                            ) | (Some("AWS::SQS::Queue"), Hole::GetAtt(_, "Arn"))
                        );
                        if !names_arn {
                            continue;
                        }
                        out.push(Publication {
                            publisher: resource.name,
                            publisher_type: resource.type_name.unwrap_or_default(),
                            publisher_condition: resource.condition,
                            service: publisher.service,
                            span: alt.span,
                            when: alt.when.clone(),
                            target: target.name,
                        });
                    }
                }
            }
        }
    }
    out
}

/// What a key property's text names (`depth` bounds alias chains, which CloudFormation does not
/// allow anyway).
fn target_of<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    text: &Text<'t>,
    depth: usize,
) -> KeyTarget<'t> {
    if let Some(hole) = text.only_hole() {
        return match hole {
            Hole::Ref(name) | Hole::GetAtt(name, "Arn" | "KeyId") => {
                resource_target(template, resolver, name, depth)
            }
            Hole::Linked(key) => KeyTarget::Linked(*key),
            _ => KeyTarget::Unknown,
        };
    }
    if let Some(literal) = text.literal() {
        if let Some(alias) = literal.strip_prefix("alias/") {
            return alias_named(template, resolver, alias, depth);
        }
        if !literal.starts_with("arn:") {
            // A bare key ID (`1234abcd-…`) of another stack.
            return KeyTarget::Unknown;
        }
    }
    let ArnShape::Arn(parsed) = arn::parse(text) else {
        return KeyTarget::Unknown;
    };
    if parsed.service.literal() != Some("kms") {
        return KeyTarget::Unknown;
    }
    // `arn:…:key/${Key}` built around a key of this template.
    let holes = text.resource_holes();
    let own_stack = |field: &Field<'_>| matches!(field, Field::Hole(h) if h.is_pseudo());
    if let [Hole::Ref(name) | Hole::GetAtt(name, "KeyId")] = holes.as_slice()
        && (parsed.resource_prefix == "key/" || parsed.resource_prefix == "alias/")
    {
        return resource_target(template, resolver, name, depth);
    }
    if let Some(alias) = parsed
        .resource
        .literal()
        .and_then(|r| r.strip_prefix("alias/"))
    {
        if alias.starts_with("aws/") {
            return KeyTarget::AwsManaged(format!("alias/{alias}"));
        }
        if own_stack(&parsed.account) && own_stack(&parsed.region) {
            return alias_named(template, resolver, alias, depth);
        }
    }
    if !holes.is_empty() {
        return KeyTarget::Unknown;
    }
    KeyTarget::Arn {
        region: parsed.region.literal().map(str::to_owned),
    }
}

/// The key a resource of the template is, or an alias of the template points at.
fn resource_target<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    name: &'t str,
    depth: usize,
) -> KeyTarget<'t> {
    let Some(resource) = template.resource(name) else {
        return KeyTarget::Unknown;
    };
    match resource.type_name {
        Some(KEY | REPLICA_KEY) => KeyTarget::Key {
            name: resource.name,
            alias: None,
        },
        Some(ALIAS) => alias_target(template, resolver, resource, depth),
        _ => KeyTarget::Unknown,
    }
}

/// The key an `AWS::KMS::Alias` of the template points at, when it is one of the template's.
fn alias_target<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    alias: &Resource<'t>,
    depth: usize,
) -> KeyTarget<'t> {
    if depth > 2 {
        return KeyTarget::Unknown;
    }
    let Some(target) = alias.property("TargetKeyId") else {
        return KeyTarget::Unknown;
    };
    let alts = resolver.resolve(target);
    // One key whatever the branch, or unknown: an alias choosing between keys is left alone.
    let mut found = None;
    for alt in &alts {
        let key = match alt.text_value() {
            Some(text) => target_of(template, resolver, text, depth + 1),
            None => KeyTarget::Unknown,
        };
        match (&found, key) {
            (_, KeyTarget::Key { name, .. }) if found.is_none() || found == Some(name) => {
                found = Some(name)
            }
            _ => return KeyTarget::Unknown,
        }
    }
    match found {
        Some(name) => KeyTarget::Key {
            name,
            alias: Some(alias.name),
        },
        None => KeyTarget::Unknown,
    }
}

/// The key behind `alias/<name>`: AWS managed for `aws/…`, else an alias of the template with
/// that literal name.
fn alias_named<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    name: &str,
    depth: usize,
) -> KeyTarget<'t> {
    if name.starts_with("aws/") {
        return KeyTarget::AwsManaged(format!("alias/{name}"));
    }
    let wanted = format!("alias/{name}");
    let alias = template.resources_of_type(ALIAS).find(|alias| {
        alias.property("AliasName").is_some_and(|node| {
            resolver
                .resolve(node)
                .iter()
                .any(|alt| alt.as_str() == Some(wanted.as_str()))
        })
    });
    match alias {
        Some(alias) => alias_target(template, resolver, alias, depth),
        None => KeyTarget::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::{Deployment, Env};
    use crate::source::load_file;

    const TEMPLATE: &str = "
Parameters:
  KeyArn: {Type: String}
Conditions:
  Encrypt: !Equals [!Ref AWS::Region, eu-west-1]
Resources:
  Key: {Type: AWS::KMS::Key}
  Alias: {Type: AWS::KMS::Alias, Properties: {AliasName: alias/logs, TargetKeyId: !Ref Key}}
  ByArn: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: !GetAtt Key.Arn}}
  ByAliasRef: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: !Ref Alias}}
  ByAliasName: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: alias/logs}}
  BySub: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: !Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}'}}
  ByAliasArn: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: !Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/logs'}}
  Managed: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: alias/aws/logs}}
  Literal: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'}}
  FromParameter: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: !Ref KeyArn}}
  Chosen: {Type: AWS::Logs::LogGroup, Properties: {KmsKeyId: !If [Encrypt, !GetAtt Key.Arn, !Ref AWS::NoValue]}}
  Rule:
    Type: AWS::SES::ReceiptRule
    Properties:
      Rule: {Actions: [{S3Action: {KmsKeyArn: !GetAtt Key.Arn}}, {StopAction: {}}]}
";

    fn uses(resource_type: &str, path: &'static str) -> Vec<(String, KeyTarget<'static>, String)> {
        let text: &'static str = TEMPLATE;
        let (_, loaded) = load_file("t.yaml", text);
        let root: &'static Node<'static> = Box::leak(Box::new(loaded.root.unwrap()));
        let template: &'static Template<'static> = Box::leak(Box::new(Template::new(root)));
        let env = Box::leak(Box::new(Env::new(Some(template), Deployment::nowhere())));
        let resolver = Resolver::new(env);
        key_uses(template, &resolver, resource_type, path)
            .into_iter()
            .map(|u| {
                let when = format!("{:?}", u.when);
                (u.consumer.to_owned(), u.target, when)
            })
            .collect()
    }

    #[test]
    fn keys_are_found_through_refs_aliases_subs_and_branches() {
        let key = |alias| KeyTarget::Key { name: "Key", alias };
        let found = uses("AWS::Logs::LogGroup", "KmsKeyId");
        let target = |name: &str| -> Vec<&KeyTarget<'_>> {
            found
                .iter()
                .filter(|(c, _, _)| c == name)
                .map(|(_, t, _)| t)
                .collect()
        };
        assert_eq!(target("ByArn"), [&key(None)]);
        assert_eq!(target("ByAliasRef"), [&key(Some("Alias"))]);
        assert_eq!(target("ByAliasName"), [&key(Some("Alias"))]);
        assert_eq!(target("BySub"), [&key(None)]);
        assert_eq!(target("ByAliasArn"), [&key(Some("Alias"))]);
        assert_eq!(
            target("Managed"),
            [&KeyTarget::AwsManaged("alias/aws/logs".into())]
        );
        assert_eq!(
            target("Literal"),
            [&KeyTarget::Arn {
                region: Some("us-east-1".into())
            }]
        );
        assert_eq!(target("FromParameter"), [&KeyTarget::Unknown]);
        let chosen: Vec<_> = found.iter().filter(|(c, _, _)| c == "Chosen").collect();
        assert_eq!(chosen.len(), 2, "{chosen:?}");
        assert_eq!(chosen[0].1, key(None));
        assert!(chosen[0].2.contains("(\"Encrypt\", true)"), "{chosen:?}");
    }

    #[test]
    fn paths_reach_into_lists() {
        let found = uses("AWS::SES::ReceiptRule", "Rule.Actions[].S3Action.KmsKeyArn");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            KeyTarget::Key {
                name: "Key",
                alias: None
            }
        );
    }
}
