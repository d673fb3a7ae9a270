//! Links between the stacks of a deployment (docs/deployments.md, "Links between stacks"):
//! what one stack's template can reach of another's, as plain data worked out once per run
//! (by `crate::link`) before any template is linted.
//!
//! Only keys are linked: a value another stack exports, outputs, writes to an SSM parameter
//! or passes to a nested stack is recorded when it is one of that stack's keys (its ARN,
//! `Ref` or key ID), since that is what the rules across stacks ask about. Anything else
//! read through a link stays an unknown value, as it is without the deployment.
//!
//! What a template offers other stacks and reads of them by name ([`offered`], [`reads`]) is
//! here too: the link pass and the change rule KMS508 both read it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::source::tree::{Visit, Walk};
use crate::source::{Node, Position, Span};

use super::template::Template;
use super::value::{CROSS_REGION_READER, Hole, Resolver};

/// A place in a file of the deployment, located when the links were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    /// The file as the run names it.
    pub path: String,
    pub span: Span,
    pub start: Position,
    pub end: Position,
}

/// A stack, as findings name it: "stack app, eu-west-1".
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StackLabel {
    pub name: String,
    pub region: Option<String>,
    pub account: Option<String>,
}

impl fmt::Display for StackLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stack {}", self.name)?;
        if let Some(region) = &self.region {
            write!(f, ", {region}")?;
        }
        Ok(())
    }
}

/// A key (`AWS::KMS::Key` or `AWS::KMS::ReplicaKey`) of one stack that another reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkedKey {
    /// Index in [`Links::stacks`].
    pub stack: usize,
    pub logical_id: String,
    pub replica: bool,
    /// `MultiRegion` as written, when it is a literal boolean (false when not written).
    pub multi_region: Option<bool>,
    /// The resource's logical ID, where it is written.
    pub at: Place,
    /// `KeySpec` and `KeyUsage` as written, when literal (their defaults when not written;
    /// unknown for a replica, whose primary's they are).
    pub spec: Option<String>,
    pub usage: Option<String>,
    /// `Enabled` as written, when it is a literal boolean (true when not written).
    pub enabled: Option<bool>,
    /// The key policy (its `KeyPolicy` value), when the key has one.
    pub policy: Option<Place>,
    /// For each service grant the key's policy certainly does not give (by index in
    /// `facts::consumers::SERVICE_GRANTS`), the actions missing: KMS601's question, answered
    /// in the key's own stack (its Region and account).
    pub missing_grants: Vec<(usize, Vec<&'static str>)>,
    /// For each AWS service that publishes to topics and queues (`sns`, `events`, …) the key
    /// policy certainly does not let encrypt for them, the actions missing.
    pub missing_publish: Vec<(&'static str, Vec<&'static str>)>,
    /// The key actions its policy lets no IAM policy of the account grant (KMS609), as a mask
    /// of `facts::actions::KMS_ACTIONS` indexes, when that is certain: nothing when the policy
    /// is not known whole or names roles or users.
    pub iam_undelegated: Option<u64>,
}

/// A ReplicaKey whose primary is a linked key: KMS303 across the deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkedReplica {
    pub stack: usize,
    pub logical_id: String,
    /// Index in [`Links::keys`] of its primary.
    pub primary: usize,
    /// Its `PrimaryKeyArn` value.
    pub at: Place,
}

/// A consumer of another stack that uses a linked key: what the key's own stack is told of
/// it (KMS604 names the consumers of a disabled key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LinkedUse {
    pub stack: usize,
    pub consumer: String,
    /// The property, as the consumer table writes it (`KmsKeyId`).
    pub property: &'static str,
    pub at: Place,
}

/// A place of another stack that reads a value by name (imports an export, reads an SSM
/// parameter): what a change to the name's stack must not break.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reader {
    pub stack: usize,
    pub at: Place,
}

/// Values by account, Region and name, where CloudFormation's exports and SSM parameters
/// are unique (and stacks' names): looked up without copying a name, as every import of a
/// deployment is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ByPlace<V>(HashMap<Option<String>, ByRegion<V>>);

/// One account's values of a [`ByPlace`]: by Region, then name.
type ByRegion<V> = HashMap<Option<String>, HashMap<String, V>>;

impl<V> Default for ByPlace<V> {
    fn default() -> Self {
        ByPlace(HashMap::new())
    }
}

impl<V> ByPlace<V> {
    pub(crate) fn get(
        &self,
        account: &Option<String>,
        region: &Option<String>,
        name: &str,
    ) -> Option<&V> {
        self.0.get(account)?.get(region)?.get(name)
    }

    pub(crate) fn entry(
        &mut self,
        account: Option<String>,
        region: Option<String>,
        name: String,
    ) -> std::collections::hash_map::Entry<'_, String, V> {
        self.0
            .entry(account)
            .or_default()
            .entry(region)
            .or_default()
            .entry(name)
    }
}

/// Everything linked in a run: the stacks, their keys that other stacks reach, and the
/// names under which each is reached.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Links {
    pub stacks: Vec<StackLabel>,
    pub keys: Vec<LinkedKey>,
    /// `Export.Name` → key, per account and Region (CloudFormation's exports are unique
    /// there).
    pub exports: ByPlace<usize>,
    /// `(account, Region, stack name)` and output name → key: what `Fn::GetStackOutput`,
    /// a table's `{ stack, output }` and a nested stack's parent read.
    pub outputs: ByPlace<HashMap<String, usize>>,
    /// SSM parameter name → key, per account and Region: `AWS::SSM::Parameter` resources
    /// and CDK's cross-Region export writers.
    pub ssm: ByPlace<usize>,
    /// Replicas whose primary is linked, in the deployment's order.
    pub replicas: Vec<LinkedReplica>,
    /// For each stack, its parameters whose value is a linked key.
    pub parameters: Vec<HashMap<String, usize>>,
    /// `(stack, logical ID)` → index in [`Links::keys`].
    pub key_index: HashMap<(usize, String), usize>,
    /// The consumers of other stacks that use a linked key, by key, for the keys whose own
    /// stack is told of them (disabled ones), in the deployment's order.
    pub uses: HashMap<usize, Vec<LinkedUse>>,
    /// Who imports each export name, per account and Region (read for change review only).
    pub export_readers: ByPlace<Vec<Reader>>,
    /// Who reads each SSM parameter, per account and Region (change review only).
    pub ssm_readers: ByPlace<Vec<Reader>>,
}

impl Links {
    /// The key the output `output` of stack `stack` is.
    pub(crate) fn output_of(&self, stack: usize, output: &str) -> Option<usize> {
        let label = &self.stacks[stack];
        let outputs = self
            .outputs
            .get(&label.account, &label.region, &label.name)?;
        outputs.get(output).copied()
    }

    /// A copy of what resolution reads (the names under which keys are reached, not what
    /// the rules read of the keys), for resolving while the links are being made.
    pub(crate) fn for_resolving(&self) -> Links {
        Links {
            stacks: self.stacks.clone(),
            exports: self.exports.clone(),
            outputs: self.outputs.clone(),
            ssm: self.ssm.clone(),
            parameters: self.parameters.clone(),
            ..Links::default()
        }
    }
}

/// One stack's view of the links: what its template is linted with.
#[derive(Clone, Debug)]
pub(crate) struct StackLinks {
    pub links: Arc<Links>,
    pub stack: usize,
    /// Every instance of the stack's template in this declaration (one per Region and
    /// account of a `[[stacks]]` entry with `regions` or `accounts`), `stack` among them,
    /// by index in [`Links::stacks`]; the template is linted once per instance.
    pub instances: Vec<usize>,
}

impl PartialEq for StackLinks {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.links, &other.links)
            && self.stack == other.stack
            && self.instances == other.instances
    }
}

impl Eq for StackLinks {}

impl StackLinks {
    pub(crate) fn label(&self) -> &StackLabel {
        &self.links.stacks[self.stack]
    }

    pub(crate) fn key(&self, index: usize) -> &LinkedKey {
        &self.links.keys[index]
    }

    /// The label of the stack a linked key is in.
    pub(crate) fn stack_of(&self, key: &LinkedKey) -> &StackLabel {
        &self.links.stacks[key.stack]
    }

    /// Whether a linked key is in this stack's Region, as far as is known (an unknown Region
    /// on either side is taken to be the same: links that need one Region need it known).
    pub(crate) fn same_region(&self, key: &LinkedKey) -> bool {
        match (&self.label().region, &self.stack_of(key).region) {
            (Some(here), Some(there)) => here == there,
            _ => true,
        }
    }

    /// `name` in this stack's account and Region, in `map`.
    fn here<'l, V>(&self, map: &'l ByPlace<V>, name: &str) -> Option<&'l V> {
        let label = self.label();
        map.get(&label.account, &label.region, name)
    }

    /// The key an `Fn::ImportValue` of `name` reaches, in this stack's account and Region.
    pub(crate) fn import(&self, name: &str) -> Option<usize> {
        self.here(&self.links.exports, name).copied()
    }

    /// The key an SSM parameter of this stack's account and Region holds.
    pub(crate) fn ssm(&self, name: &str) -> Option<usize> {
        self.here(&self.links.ssm, name).copied()
    }

    /// The key the output `output` of the stack `stack` (in `region`, this stack's when not
    /// given, and this stack's account) is.
    pub(crate) fn output(&self, stack: &str, region: Option<&str>, output: &str) -> Option<usize> {
        let label = self.label();
        let region = region.map(str::to_owned).or_else(|| label.region.clone());
        let outputs = self.links.outputs.get(&label.account, &region, stack)?;
        outputs.get(output).copied()
    }

    /// The consumers of other stacks that use this stack's key `name` (recorded for keys
    /// created disabled).
    pub(crate) fn uses_of(&self, name: &str) -> &[LinkedUse] {
        self.links
            .key_index
            .get(&(self.stack, name.to_owned()))
            .and_then(|key| self.links.uses.get(key))
            .map_or(&[], Vec::as_slice)
    }

    /// The places of other stacks that import the export `name` of this stack's account and
    /// Region (known only in change review).
    pub(crate) fn export_readers(&self, name: &str) -> Vec<&Reader> {
        self.readers(self.here(&self.links.export_readers, name))
    }

    /// The places of other stacks that read the SSM parameter `name` of `region` (this
    /// stack's when not given) in this stack's account (known only in change review).
    pub(crate) fn ssm_readers(&self, region: Option<&str>, name: &str) -> Vec<&Reader> {
        let found = match region {
            Some(region) => {
                let (account, region) = (&self.label().account, Some(region.to_owned()));
                self.links.ssm_readers.get(account, &region, name)
            }
            None => self.here(&self.links.ssm_readers, name),
        };
        self.readers(found)
    }

    fn readers<'l>(&self, found: Option<&'l Vec<Reader>>) -> Vec<&'l Reader> {
        found
            .into_iter()
            .flatten()
            .filter(|r| r.stack != self.stack)
            .collect()
    }

    /// The key a parameter of this stack is given, when it is one.
    pub(crate) fn parameter(&self, name: &str) -> Option<usize> {
        self.links.parameters.get(self.stack)?.get(name).copied()
    }
}

/// What a value names, read in its own stack.
pub(crate) enum Reached {
    /// A key of the stack, by logical ID.
    Own(String),
    /// A key already linked.
    Linked(usize),
}

/// What a stack offers other stacks, and under which name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    Export(String),
    Output(String),
    /// An SSM parameter, in `region` (a cross-Region writer's) or the stack's own.
    Ssm {
        region: Option<String>,
        name: String,
    },
}

/// CDK's writer of values exported across Regions.
const CROSS_REGION_WRITER: &str = "Custom::CrossRegionExportWriter";
const SSM_PARAMETER: &str = "AWS::SSM::Parameter";

/// One thing a template offers other stacks: what, which of its keys, and where.
pub(crate) struct Offered {
    pub offer: Offer,
    /// The key's logical ID.
    pub key: String,
    /// Where the name is written (the export's `Name`, the parameter's `Name`, the writer's
    /// entry; an output's logical ID).
    pub at: Span,
    /// The output or resource that offers it, by logical ID.
    pub holder: String,
}

/// Everything `template` offers whose value is one of its keys.
pub(crate) fn offered<'t>(template: &Template<'t>, resolver: &Resolver<'_, 't>) -> Vec<Offered> {
    let mut out = Vec::new();
    let literal = |node: Option<&'t Node<'t>>| -> Option<(String, Span)> {
        let node = node?;
        match resolver.resolve(node).as_slice() {
            [alt] => Some((alt.as_str()?.to_owned(), node.span)),
            _ => None,
        }
    };
    let own_key = |node: Option<&'t Node<'t>>| match node.map(|n| reached(template, resolver, n)) {
        Some(Some(Reached::Own(name))) => Some(name),
        _ => None,
    };
    if let Some(outputs) = template.root.get("Outputs").and_then(Node::as_map) {
        for output in outputs {
            let Some(key) = own_key(output.value.get("Value")) else {
                continue;
            };
            let holder = output.key.to_string();
            let export = output.value.get("Export").and_then(|e| e.get("Name"));
            if let Some((name, at)) = literal(export) {
                out.push(Offered {
                    offer: Offer::Export(name),
                    key: key.clone(),
                    at,
                    holder: holder.clone(),
                });
            }
            out.push(Offered {
                offer: Offer::Output(holder.clone()),
                key,
                at: output.key_span,
                holder,
            });
        }
    }
    for parameter in template.resources_of_type(SSM_PARAMETER) {
        let Some(properties) = parameter.properties else {
            continue;
        };
        if let (Some((name, at)), Some(key)) = (
            literal(properties.get("Name")),
            own_key(properties.get("Value")),
        ) {
            out.push(Offered {
                offer: Offer::Ssm { region: None, name },
                key,
                at,
                holder: parameter.name.to_owned(),
            });
        }
    }
    for writer in template.resources_of_type(CROSS_REGION_WRITER) {
        let Some(props) = writer.properties.and_then(|p| p.get("WriterProps")) else {
            continue;
        };
        let Some((region, _)) = literal(props.get("region")) else {
            continue;
        };
        for export in props
            .get("exports")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if let Some(key) = own_key(Some(&export.value)) {
                out.push(Offered {
                    offer: Offer::Ssm {
                        region: Some(region.clone()),
                        name: export.key.to_string(),
                    },
                    key,
                    at: export.key_span,
                    holder: writer.name.to_owned(),
                });
            }
        }
    }
    out
}

/// The key `node` names in its own stack: one of the template's keys (by `Ref`, or
/// `Fn::GetAtt` of `Arn` or `KeyId`), or a key already linked; nothing when it may be
/// several or none.
pub(crate) fn reached<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    node: &'t Node<'t>,
) -> Option<Reached> {
    let alts = resolver.resolve(node);
    let [alt] = alts.as_slice() else {
        return None;
    };
    match alt.text_value()?.only_hole()? {
        Hole::Ref(name) | Hole::GetAtt(name, "Arn" | "KeyId") => {
            let resource = template.resource(name)?;
            matches!(resource.type_name, Some(KEY | REPLICA_KEY))
                .then(|| Reached::Own((*name).to_owned()))
        }
        Hole::Linked(key) => Some(Reached::Linked(*key)),
        _ => None,
    }
}

/// What a template reads of other stacks by name.
pub(crate) enum Read {
    /// `Fn::ImportValue` of an export.
    Export(String),
    /// An SSM parameter: `{{resolve:ssm:NAME}}`, a parameter of an SSM parameter type with a
    /// default, or a CDK cross-Region reader's import (in the stack's own Region).
    Ssm(String),
}

/// Every name `template` reads of other stacks, with where.
pub(crate) fn reads<'t>(template: &Template<'t>, resolver: &Resolver<'_, 't>) -> Vec<(Read, Span)> {
    let mut out = Vec::new();
    template.root.walk(&mut |visit, _| {
        let Visit::Node(node) = visit else {
            return Walk::Into;
        };
        if let Some(("Fn::ImportValue", _, arg)) = node.intrinsic() {
            if let [alt] = resolver.resolve(arg).as_slice()
                && let Some(name) = alt.as_str()
            {
                out.push((Read::Export(name.to_owned()), node.span));
            }
            return Walk::Over;
        }
        if let Some(name) = node.as_str().and_then(ssm_reference) {
            out.push((Read::Ssm(name.to_owned()), node.span));
        }
        Walk::Into
    });
    for parameter in &template.parameters {
        let ssm_type = parameter
            .type_name
            .is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value<"));
        if let (true, Some(default)) = (ssm_type, parameter.default)
            && let Some(name) = default.as_str()
        {
            out.push((Read::Ssm(name.to_owned()), default.span));
        }
    }
    for reader in template.resources_of_type(CROSS_REGION_READER) {
        let imports = reader
            .properties
            .and_then(|p| p.get("ReaderProps"))
            .and_then(|p| p.get("imports"))
            .and_then(Node::as_map)
            .unwrap_or_default();
        for import in imports {
            out.push((Read::Ssm(import.key.to_string()), import.key_span));
        }
    }
    out
}

/// The parameter name of a whole-value `{{resolve:ssm:NAME}}` (or `…:NAME:VERSION`) dynamic
/// reference.
pub(crate) fn ssm_reference(text: &str) -> Option<&str> {
    let name = text.strip_prefix("{{resolve:ssm:")?.strip_suffix("}}")?;
    Some(match name.rsplit_once(':') {
        Some((name, version)) if version.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => name,
    })
}
