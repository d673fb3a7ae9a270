//! Links between the stacks of a deployment (docs/deployments.md, "Links between stacks"):
//! what one stack's template can reach of another's, as plain data worked out once per run
//! (by `crate::link`) before any template is linted.
//!
//! Only keys are linked: a value another stack exports, outputs, writes to an SSM parameter
//! or passes to a nested stack is recorded when it is one of that stack's keys (its ARN,
//! `Ref` or key ID), since that is what the rules across stacks ask about. Anything else
//! read through a link stays an unknown value, as it is without the deployment.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::source::{Position, Span};

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
    /// `Enabled` as written, when it is a literal boolean (true when not written).
    pub enabled: Option<bool>,
    /// The key policy (its `KeyPolicy` value), when the key has one.
    pub policy: Option<Place>,
    /// For each service grant the key's policy certainly does not give (by index in
    /// `facts::consumers::SERVICE_GRANTS`), the actions missing: KMS601's question, answered
    /// in the key's own stack (its Region and account).
    pub missing_grants: Vec<(usize, Vec<&'static str>)>,
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

/// Where a value is looked up: the account and Region it is in, and its name there.
pub(crate) type Scoped = (Option<String>, Option<String>, String);

/// Everything linked in a run: the stacks, their keys that other stacks reach, and the
/// names under which each is reached.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Links {
    pub stacks: Vec<StackLabel>,
    pub keys: Vec<LinkedKey>,
    /// `Export.Name` → key, per account and Region (CloudFormation's exports are unique
    /// there).
    pub exports: HashMap<Scoped, usize>,
    /// `(account, Region, stack name)` and output name → key: what `Fn::GetStackOutput`,
    /// a table's `{ stack, output }` and a nested stack's parent read.
    pub outputs: HashMap<(Scoped, String), usize>,
    /// SSM parameter name → key, per account and Region: `AWS::SSM::Parameter` resources
    /// and CDK's cross-Region export writers.
    pub ssm: HashMap<Scoped, usize>,
    /// Replicas whose primary is linked, in the deployment's order.
    pub replicas: Vec<LinkedReplica>,
    /// For each stack, its parameters whose value is a linked key.
    pub parameters: Vec<HashMap<String, usize>>,
    /// The consumers of other stacks that use a linked key, by key, for the keys whose own
    /// stack is told of them (disabled ones), in the deployment's order.
    pub uses: HashMap<usize, Vec<LinkedUse>>,
}

impl Links {
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

    fn scoped(&self, name: &str) -> Scoped {
        let label = self.label();
        (label.account.clone(), label.region.clone(), name.to_owned())
    }

    /// The key an `Fn::ImportValue` of `name` reaches, in this stack's account and Region.
    pub(crate) fn import(&self, name: &str) -> Option<usize> {
        self.links.exports.get(&self.scoped(name)).copied()
    }

    /// The key an SSM parameter of this stack's account and Region holds.
    pub(crate) fn ssm(&self, name: &str) -> Option<usize> {
        self.links.ssm.get(&self.scoped(name)).copied()
    }

    /// The key the output `output` of the stack `stack` (in `region`, this stack's when not
    /// given, and this stack's account) is.
    pub(crate) fn output(&self, stack: &str, region: Option<&str>, output: &str) -> Option<usize> {
        let label = self.label();
        let region = region.map(str::to_owned).or_else(|| label.region.clone());
        let scoped = (label.account.clone(), region, stack.to_owned());
        self.links
            .outputs
            .get(&(scoped, output.to_owned()))
            .copied()
    }

    /// The consumers of other stacks that use this stack's key `name` (recorded for keys
    /// created disabled).
    pub(crate) fn uses_of(&self, name: &str) -> &[LinkedUse] {
        self.links
            .keys
            .iter()
            .position(|k| k.stack == self.stack && k.logical_id == name)
            .and_then(|key| self.links.uses.get(&key))
            .map_or(&[], Vec::as_slice)
    }

    /// The key a parameter of this stack is given, when it is one.
    pub(crate) fn parameter(&self, name: &str) -> Option<usize> {
        self.links.parameters.get(self.stack)?.get(name).copied()
    }
}
